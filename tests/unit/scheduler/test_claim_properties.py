# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Property tests on real stores: claims never overcommit; a multi-instance request equals sequential singles."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import uuid

from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, claims, manager
from ansible_collections.novalite.compute.plugins.module_utils.store import schema

from lib.sched_rows import add_host, allocation_sums, node

DB_SETTINGS = settings(max_examples=25, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hosts_strategy = st.lists(st.fixed_dictionaries({
    'vcpus': st.integers(1, 8), 'memory_mb': st.integers(1024, 8192), 'local_gb': st.integers(5, 60),
    'cpu_ratio': st.sampled_from([1.0, 2.0, 16.0]), 'ram_ratio': st.sampled_from([1.0, 1.5]),
    'reserved_mb': st.sampled_from([0, 512]), 'reserved_cpus': st.integers(0, 1),
    'reserved_disk_mb': st.sampled_from([0, 1500]),
}), min_size=1, max_size=4)

flavor_strategy = st.fixed_dictionaries({
    'vcpus': st.integers(1, 4), 'memory_mb': st.integers(256, 4096), 'root_gb': st.integers(0, 20),
    'swap': st.sampled_from([0, 100, 1024, 1500]),
})


def wipe(store):
    with store.begin() as conn:
        for name in ('server_group_members', 'allocations', 'services', 'compute_nodes'):
            conn.execute(schema.table(name).delete())


def check_invariants(store, names):
    sums = allocation_sums(store)
    for name in names:
        row = node(store, name)
        used = sums.get(name, (0, 0, 0))
        # usage columns equal the allocations, and never exceed capacity * ratio - reserved
        assert (row['vcpus_used'], row['memory_mb_used'], row['local_gb_used']) == used
        assert used[0] <= capacity.vcpu_limit(row['vcpus'], row['cpu_allocation_ratio'], row['reserved_host_cpus'])
        assert used[1] <= capacity.ram_limit(row['memory_mb'], row['ram_allocation_ratio'],
                                             row['reserved_host_memory_mb'])
        assert used[2] <= capacity.disk_limit(row['local_gb'], row['disk_allocation_ratio'],
                                              row['reserved_host_disk_mb'])


@DB_SETTINGS
@given(hosts=hosts_strategy, ops=st.lists(st.tuples(st.sampled_from(['boot', 'boot', 'release']), flavor_strategy,
                                                    st.integers(1, 3), st.integers(0, 50)), min_size=1, max_size=12))
def test_claims_never_overcommit(store, hosts, ops):
    wipe(store)
    names = [add_host(store, 'p%d' % i, **h) for i, h in enumerate(hosts)]
    live = []
    for kind, flavor, count, pick in ops:
        if kind == 'release' and live:
            claims.release(store, live.pop(pick % len(live)))
        else:
            consumers = [str(uuid.uuid4()) for _consumer in range(count)]
            try:
                got = manager.select_destinations(store, {'flavor': flavor, 'min_count': 1, 'max_count': count,
                                                          'consumer_uuids': consumers})
                live.extend(s['consumer_uuid'] for s in got['selections'])
            except errors.NoValidHost:
                pass
        check_invariants(store, names)


@DB_SETTINGS
@given(hosts=hosts_strategy, flavor=flavor_strategy, count=st.integers(1, 6))
def test_multi_instance_equals_sequential_singles(store, hosts, flavor, count):
    wipe(store)
    for i, h in enumerate(hosts):
        add_host(store, 'p%d' % i, **h)
    try:
        multi = manager.select_destinations(store, {'flavor': flavor, 'min_count': 1, 'max_count': count},
                                            claim=False)
        multi_hosts = [s['host'] for s in multi['selections']]
    except errors.NoValidHost:
        multi_hosts = []
    singles = []
    for _request in range(count):
        try:
            got = manager.select_destinations(store, {'flavor': flavor, 'consumer_uuids': [str(uuid.uuid4())]})
        except errors.NoValidHost:
            break
        singles.append(got['selections'][0]['host'])
    assert multi_hosts == singles
