# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The live host state (a job worker's): what other writers do is seen, and it always equals a fresh load.

Every test runs on SQLite and MariaDB. "Another worker" is another Store (its
own engine and connections) or another process; the live state only ever
learns about their writes from the store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import datetime
import multiprocessing
import random
import uuid

import numpy as np
import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates as registry_aggregates
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as registry
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import (
    build_failures, claims, config as config_mod, host_capabilities, manager,
)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState, LiveHostState
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import capabilities
from ansible_collections.novalite.compute.plugins.module_utils.store import host_changes, migrations, schema
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow

from lib.sched_rows import add_host

FLAVOR = {'vcpus': 1, 'memory_mb': 256, 'root_gb': 1}
# capability paths the comparisons decode (a JSON capability, a nested one, a built-in column)
CAPABILITY_KEYS = (('ssd',), ('cpu_info', 'arch'), ('hypervisor_version',), ('cpu_arch',))


@pytest.fixture
def other(db_url, store):
    """Another worker's connection to the same database."""
    second = Store(db_url, migrate=False)
    yield second
    second.dispose()


def sync(store, live, now=None):
    with store.read() as conn:
        return live.sync(conn, now=now)


def fresh(store, now=None):
    with store.read() as conn:
        return HostState.load(conn, now=now)


def _decoded(state, kind):
    return [getattr(state, kind + '_names')[code] for code in getattr(state, kind + '_codes')]


def _decoded_column(column):
    codes, names = column
    return [names[c] for c in codes]


def assert_same_caches(live, loaded):
    """What decisions left cached on the live state (host_capabilities: capability columns, "host knows the
    key" columns, the weighers' per-host constants) is what a fresh load computes."""
    everyone = np.arange(loaded.n)
    for formula in (host_capabilities.free_disk_mb, host_capabilities.free_ram_mb, host_capabilities.free_vcpus,
                    host_capabilities.vcpus_used):
        formula(loaded, everyone)   # fills the fresh state's per-host constants
    for key, cached in list(live.capability_cache.items()):
        if key[0] == '\0checked':
            np.testing.assert_array_equal(cached, host_capabilities.checked(loaded, key[1]), err_msg=repr(key))
        elif key[0] == '\0static':
            np.testing.assert_array_equal(cached, loaded.capability_cache[key], err_msg=repr(key))
        elif key[0] == '\0masks':
            # a filter's kept masks (the next request's answer unless the aggregates were read again)
            if cached[0] is live.aggregates:
                flt = {'capabilities': capabilities.ComputeCapabilitiesFilter,
                       'image': capabilities.ImagePropertiesFilter}[key[1]]
                wanted = (key[2],) if key[1] == 'capabilities' else key[2]
                fresh = flt._compute_masks(loaded, *wanted)
                assert [label for label, _ok in cached[1][0]] == [label for label, _ok in fresh], key
                for (_label, ok), (_l, fresh_ok) in zip(cached[1][0], fresh):
                    np.testing.assert_array_equal(ok, fresh_ok, err_msg=repr(key))
        else:
            assert _decoded_column(cached) == _decoded_column(loaded.capability_column(key)), key
    for formula in (host_capabilities.free_disk_mb, host_capabilities.free_ram_mb, host_capabilities.free_vcpus,
                    host_capabilities.vcpus_used):
        np.testing.assert_array_equal(formula(live, everyone), formula(loaded, everyone), err_msg=formula.__name__)


def _aggregates_by_host(state):
    return [sorted((agg.name, sorted(agg.metadata.items())) for agg in state.aggregates.of_host(pos))
            for pos in range(state.n)]


def assert_same(live, loaded):
    """Every column a filter or weigher reads is equal (codes compared through their names)."""
    assert live.n == loaded.n
    assert_same_caches(live, loaded)
    for name in ('hosts', 'uuids', 'nodenames', 'hypervisor_types', 'traits', 'capabilities', 'cpu_info'):
        assert getattr(live, name) == getattr(loaded, name), name
    for name in HostState._ARRAYS:
        np.testing.assert_array_equal(getattr(live, name), getattr(loaded, name), err_msg=name)
    for kind in ('az', 'arch', 'hv_type', 'virt'):
        assert _decoded(live, kind) == _decoded(loaded, kind), kind
    assert live.disabled_reason == loaded.disabled_reason
    assert _aggregates_by_host(live) == _aggregates_by_host(loaded)
    assert (live.any_failed_builds, live.any_io_ops) == (loaded.any_failed_builds, loaded.any_io_ops)
    for key in CAPABILITY_KEYS:
        assert _decoded_column(live.capability_column(key)) == _decoded_column(loaded.capability_column(key)), key


def _place(store, live, **request):
    request = dict({'flavor': FLAVOR, 'consumer_uuids': [str(uuid.uuid4())]}, **request)
    return manager.select_destinations(store, request, {'host_subset_size': 1}, claim=True, live=live)


def test_claims_of_another_worker_are_seen(store, other):
    hosts = [add_host(store, 'cn-%d' % i, vcpus=2, cpu_ratio=1.0) for i in range(2)]
    live = LiveHostState()
    state = sync(store, live)
    assert live.stats['full_loads'] == 1
    claims.claim(other, 'c-1', hosts[0], 2, 512, 1)
    state = sync(store, live)
    pos = state.host_index[hosts[0]]
    assert (state.vcpus_used[pos], state.num_instances[pos], state.free_vcpus()[pos]) == (2, 1, 0)
    assert live.stats == dict(live.stats, full_loads=1, node_rows=1)
    # the full host is not chosen: the other one is, and no claim is lost on the way
    got = _place(store, live, flavor=dict(FLAVOR, vcpus=2))
    assert got['selections'][0]['host'] == hosts[1]
    assert got['explanation']['claim_failures'] == []
    claims.release(other, 'c-1')
    state = sync(store, live)
    assert (state.vcpus_used[pos], state.num_instances[pos]) == (0, 0)
    assert_same(state, fresh(store))


def _claim_in_process(db_url, host, consumer, queue):
    second = Store(db_url, migrate=False)
    try:
        claims.claim(second, consumer, host, 1, 256, 1)
        queue.put('ok')
    except Exception as exc:  # reported to the parent, which asserts
        queue.put(repr(exc))
    finally:
        second.dispose()


def test_claims_of_another_process_are_seen(store, db_url):
    host = add_host(store, 'cn-proc')
    live = LiveHostState()
    sync(store, live)
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    proc = ctx.Process(target=_claim_in_process, args=(db_url, host, 'c-proc', queue))
    proc.start()
    assert queue.get(timeout=60) == 'ok'
    proc.join(timeout=60)
    state = sync(store, live)
    assert state.num_instances[state.host_index[host]] == 1
    assert_same(state, fresh(store))


def test_a_lost_claim_refreshes_and_moves_on(store, other):
    """The live state is behind (another worker took the last slot): the claim loses, the next host is taken."""
    first = add_host(store, 'cn-a', vcpus=1, cpu_ratio=1.0, memory_mb=65536)
    second = add_host(store, 'cn-b', vcpus=1, cpu_ratio=1.0)
    live = LiveHostState()
    sync(store, live)
    # the race: between the live state's sync and its claim (the sync is what would have seen it)
    real_sync = live.sync

    def sync_then_race(conn, **kwargs):
        state = real_sync(conn, **kwargs)
        if not claims.allocations_of(conn, 'c-other'):
            claims.claim(other, 'c-other', first, 1, 256, 1)
        return state
    live.sync = sync_then_race
    got = _place(store, live)
    assert got['selections'][0]['host'] == second
    assert got['explanation']['claim_failures'] == [first]
    live.sync = real_sync
    state = sync(store, live)
    assert state.vcpus_used.tolist() == [1, 1]
    assert_same(state, fresh(store))
    with pytest.raises(errors.NoValidHost):
        _place(store, live)


def test_removed_disabled_and_down_hosts_stop_being_chosen(store, other):
    names = [add_host(store, 'cn-%d' % i, memory_mb=8192 * (i + 1)) for i in range(4)]
    live = LiveHostState()
    # the RAM weigher prefers the biggest host: take them away from the top, one way each
    assert _place(store, live)['selections'][0]['host'] == names[3]
    _remove_host(other, names[3])
    assert _place(store, live)['selections'][0]['host'] == names[2]
    assert live.stats['full_loads'] == 2        # a deleted row moves the epoch: reloaded
    registry.set_enabled(other, names[2], False, reason='maintenance')
    assert _place(store, live)['selections'][0]['host'] == names[1]
    registry.force_down(other, names[1])
    assert _place(store, live)['selections'][0]['host'] == names[0]
    assert live.stats['full_loads'] == 2
    state = sync(store, live)
    assert state.disabled_reason == {state.host_index[names[2]]: 'maintenance'}
    assert_same(state, fresh(store))
    # a host is also down when its heartbeat gets old, with no write at all
    later = utcnow() + datetime.timedelta(seconds=3600)
    state = sync(store, live, now=later)
    assert not state.service_up.any()
    registry.heartbeat(other, names[0], now=later)
    state = sync(store, live, now=later)
    assert state.service_up.tolist() == [True, False, False]
    assert_same(state, fresh(store, now=later))


def _remove_host(store, host):
    nodes, allocations = schema.table('compute_nodes'), schema.table('allocations')
    with store.begin() as conn:
        # by id: on MariaDB a statement may not read the table its triggers write (see store/host_changes.py)
        node_id = conn.execute(sa.select(nodes.c.id).where(nodes.c.host == host)).scalar()
        conn.execute(allocations.delete().where(allocations.c.compute_node_id == node_id))
        instances = schema.table('instances')
        conn.execute(instances.update().where(instances.c.host == host).values(deleted=instances.c.id))
    changed, _node = registry.remove(store, host)
    assert changed


def test_new_hosts_are_added_without_a_reload(store, other):
    add_host(store, 'cn-old', memory_mb=4096)
    live = LiveHostState()
    sync(store, live)
    newcomer = add_host(other, 'cn-new', memory_mb=65536, az='az9', cpu_arch='aarch64',
                        capabilities={'ssd': 'true'})
    got = _place(store, live)
    assert got['selections'][0]['host'] == newcomer
    assert (live.stats['full_loads'], live.stats['new_hosts']) == (1, 1)
    assert_same(sync(store, live), fresh(store))


def test_reports_and_static_changes_recode_cached_columns(store, other):
    names = [add_host(store, 'cn-%d' % i, capabilities={'ssd': 'false'}) for i in range(3)]
    live = LiveHostState()
    state = sync(store, live)
    for key in CAPABILITY_KEYS:
        state.capability_column(key)   # cached, as a filter leaves them
    extra = {'flavor': dict(FLAVOR, extra_specs={'capabilities:ssd': 's== true'})}
    with pytest.raises(errors.NoValidHost):
        _place(store, live, **extra)
    nodes = schema.table('compute_nodes')
    with other.begin() as conn:
        # an operator's SQL: no code path of novalite, only the triggers see it
        conn.execute(nodes.update().where(nodes.c.host == names[1]).values(
            capabilities={'ssd': 'true'}, hypervisor_version=9000000, cpu_arch='ppc64le', vcpus=64))
    assert _place(store, live, **extra)['selections'][0]['host'] == names[1]
    facts = {'hostname': names[2], 'vcpus': 4, 'memory_mb': 2048, 'local_gb': 10, 'cpu_arch': 'x86_64',
             'hypervisor_type': 'QEMU', 'hypervisor_version': 8000000, 'cpu_info': {'arch': 'x86_64'}}
    registry.record(other, names[2], facts, {'availability_zone': 'az2', 'cpu_allocation_ratio': 2.0})
    with other.begin() as conn:
        build_failures.note_build_result(conn, names[0], success=False)
    state = sync(store, live)
    assert live.stats['full_loads'] == 1
    assert_same(state, fresh(store))


def test_decisions_follow_what_cached_columns_come_from(store, other):
    """The weighers' per-host constants and the capability columns a decision leaves cached come from totals,
    reserved amounts, the host's disk report and its capabilities: when those move, the next decision sees it."""
    small = add_host(store, 'cn-small', local_gb=100)
    big = add_host(store, 'cn-big', local_gb=200)
    live = LiveHostState()
    only_disk = {'host_subset_size': 1, 'ram_weight_multiplier': 0.0, 'cpu_weight_multiplier': 0.0,
                 'hypervisor_version_weight_multiplier': 0.0}
    nodes = schema.table('compute_nodes')

    def chosen(**extra_specs):
        request = {'flavor': dict(FLAVOR, extra_specs=extra_specs), 'consumer_uuids': [str(uuid.uuid4())]}
        return manager.select_destinations(store, request, only_disk, claim=True, live=live)['selections'][0]['host']

    def operator(host, **values):
        with other.begin() as conn:
            conn.execute(nodes.update().where(nodes.c.host == host).values(**values))

    assert chosen() == big                         # the Disk weigher: the most free disk
    operator(big, free_disk_gb=10)                 # the host's disk_available_least is lower than that
    assert chosen() == small
    operator(big, free_disk_gb=None, reserved_host_disk_mb=150 * 1024)
    assert chosen() == small
    operator(big, reserved_host_disk_mb=0)
    # an unscoped key is checked only on hosts that know it; the exact hypervisor type as reported
    assert chosen(ssd='true') == big
    operator(big, capabilities={'ssd': 'false'})
    assert chosen(ssd='true') == small
    assert chosen(**{'capabilities:hypervisor_type': 'QEMU'}) == big
    operator(big, hypervisor_type='qemu')
    assert chosen(**{'capabilities:hypervisor_type': 'QEMU'}) == small
    assert live.stats['full_loads'] == 1
    assert_same(sync(store, live), fresh(store))


def test_aggregate_changes_are_seen_by_the_next_decision(store, other):
    """Another worker adds a host to an aggregate with metadata: the live state's next decision uses it,
    without a full load; removing it again is seen as well."""
    plain, chosen_one = add_host(store, 'cn-plain', memory_mb=65536), add_host(store, 'cn-agg')
    live = LiveHostState()
    cfg = {'host_subset_size': 1,
           'enabled_filters': config_mod.DEFAULT_ENABLED_FILTERS + ['AggregateInstanceExtraSpecsFilter']}
    flavor = dict(FLAVOR, extra_specs={'aggregate_instance_extra_specs:ssd': 'true'})

    def place():
        request = {'flavor': flavor, 'consumer_uuids': [str(uuid.uuid4())]}
        return manager.select_destinations(store, request, cfg, claim=True, live=live)['selections'][0]['host']

    with pytest.raises(errors.NoValidHost):
        place()
    aggregate = registry_aggregates.create(other, 'fast-disks')
    registry_aggregates.set_metadata(other, aggregate['id'], {'ssd': 'true'})
    registry_aggregates.add_host(other, aggregate['id'], chosen_one)
    assert place() == chosen_one
    state = sync(store, live)
    assert [a.name for a in state.view(state.host_index[chosen_one]).aggregates] == ['fast-disks']
    assert_same(state, fresh(store))
    registry_aggregates.set_metadata(other, aggregate['id'], {'ssd': 'false'})
    with pytest.raises(errors.NoValidHost):
        place()
    registry_aggregates.set_metadata(other, aggregate['id'], {'ssd': 'true'})
    registry_aggregates.remove_host(other, aggregate['id'], chosen_one)
    with pytest.raises(errors.NoValidHost):
        place()
    assert plain in sync(store, live).hosts
    assert (live.stats['full_loads'], live.stats['aggregate_loads']) == (1, 3)
    assert_same(sync(store, live), fresh(store))


def _instance(conn, host, vm_state='building'):
    conn.execute(schema.table('instances').insert().values(
        uuid=str(uuid.uuid4()), flavor={}, vm_state=vm_state, power_state=0, locked=False, metadata={},
        system_metadata={}, scheduler_hints={}, network_info=[], launch_index=0, created_at=utcnow(),
        deleted=0, host=host))


@pytest.mark.parametrize('seed', [20261202, 7, 1234])
def test_random_sequences_equal_a_fresh_load(store, other, seed):
    """Seeded random claims, releases, reports, heartbeats, status changes, new and removed hosts, builds."""
    rng = random.Random(seed)
    live = LiveHostState()
    names = [add_host(store, 'cn-%02d' % i, vcpus=rng.choice([2, 4, 8]), cpu_ratio=rng.choice([1.0, 2.0]),
                      memory_mb=rng.choice([4096, 8192]), az=rng.choice(['az1', 'az2']),
                      capabilities=rng.choice([{}, {'ssd': 'true'}])) for i in range(8)]
    consumers = []
    aggregate = registry_aggregates.create(store, 'agg-%d' % seed)
    now = utcnow()
    for step in range(60):
        writer = rng.choice([store, other])
        op = rng.choice(['place', 'place', 'claim', 'release', 'release', 'report', 'status', 'heartbeat',
                         'age', 'add', 'remove', 'build', 'built', 'operator', 'aggregate'])
        host = rng.choice(names)
        if op == 'place':
            try:
                extra_specs = rng.choice([{}, {}, {'ssd': 'true'}, {'capabilities:hypervisor_type': 's== QEMU'},
                                          {'capabilities:cpu_info:arch': 'x86_64'}])
                got = _place(store, live, flavor=dict(FLAVOR, vcpus=rng.choice([1, 2]), extra_specs=extra_specs))
                consumers.append(got['selections'][0]['consumer_uuid'])
            except errors.NoValidHost:
                pass
        elif op == 'claim':
            consumer = str(uuid.uuid4())
            try:
                claims.claim(other, consumer, host, rng.choice([1, 2]), 256, 1)
                consumers.append(consumer)
            except claims.ClaimFailed:
                pass
        elif op == 'release' and consumers:
            claims.release(writer, consumers.pop(rng.randrange(len(consumers))))
        elif op == 'report':
            facts = {'hostname': host, 'vcpus': rng.choice([2, 4, 16]), 'memory_mb': rng.choice([4096, 16384]),
                     'local_gb': 50, 'cpu_arch': rng.choice(['x86_64', 'aarch64']),
                     'hypervisor_type': rng.choice(['QEMU', 'qemu', 'kvm']),
                     'hypervisor_version': rng.choice([6002000, 8000000]), 'cpu_info': {'arch': 'x86_64'},
                     'free_disk_gb': rng.choice([None, 5, 40])}
            registry.record(writer, host, facts, {'availability_zone': rng.choice(['az1', 'az3']),
                                                  'traits': rng.choice([[], ['CUSTOM_GOLD']])}, now=now)
        elif op == 'status':
            if rng.random() < 0.5:
                registry.set_enabled(writer, host, rng.random() < 0.5, reason='step %d' % step)
            else:
                registry.force_down(writer, host, rng.random() < 0.3)
        elif op == 'heartbeat':
            registry.heartbeat(writer, host, now=now)
        elif op == 'age':
            now += datetime.timedelta(seconds=rng.choice([10, 45, 90]))
        elif op == 'add':
            names.append(add_host(writer, 'cn-new-%02d' % step, capabilities={'ssd': 'true'}))
        elif op == 'remove' and len(names) > 2:
            held = [c for c in consumers if any(a['host'] == host for a in _allocations(store, c))]
            for consumer in held:
                claims.release(writer, consumer)
                consumers.remove(consumer)
            _remove_host(writer, host)
            names.remove(host)
        elif op == 'operator':
            # an operator's SQL on what the weighers' per-host constants and the capability columns come from
            nodes = schema.table('compute_nodes')
            with writer.begin() as conn:
                conn.execute(nodes.update().where(nodes.c.host == host).values(
                    capabilities=rng.choice([{}, {'ssd': 'true'}, {'ssd': 'false'}]),
                    reserved_host_disk_mb=rng.choice([0, 2048]), disk_allocation_ratio=rng.choice([1.0, 1.5])))
        elif op == 'aggregate':
            change = rng.choice([
                lambda: registry_aggregates.add_host(writer, aggregate['id'], host),
                lambda: registry_aggregates.remove_host(writer, aggregate['id'], host),
                lambda: registry_aggregates.set_metadata(writer, aggregate['id'], {'ssd': rng.choice(['true', None])})])
            try:
                change()
            except errors.NovaliteError:
                pass   # already a member, or not one
        elif op in ('build', 'built'):
            with writer.begin() as conn:
                if op == 'build':
                    _instance(conn, host)
                else:
                    conn.execute(schema.table('instances').update().where(
                        schema.table('instances').c.host == host).values(vm_state='active'))
        with store.read() as conn:
            state = live.sync(conn, now=now)
            assert_same(state, HostState.load(conn, now=now))
    assert live.stats['syncs'] > live.stats['full_loads']


def _allocations(store, consumer):
    with store.read() as conn:
        return claims.allocations_of(conn, consumer)


def test_live_and_loaded_paths_choose_alike(store):
    for i in range(6):
        add_host(store, 'cn-%d' % i, vcpus=4, memory_mb=4096 * (1 + i % 3), cpu_ratio=1.0)
    live = LiveHostState()
    chosen = []
    for _i in range(12):
        want = manager.select_destinations(store, {'flavor': FLAVOR, 'consumer_uuids': [str(uuid.uuid4())]},
                                           {'host_subset_size': 1}, claim=False)
        got = _place(store, live)
        assert got['selections'][0]['host'] == want['selections'][0]['host']
        chosen.append(got['selections'][0]['host'])
    assert len(set(chosen)) > 1
    assert live.stats['full_loads'] == 1


def test_without_claims_a_live_state_is_not_touched(store):
    add_host(store, 'cn-only', vcpus=1, cpu_ratio=1.0)
    live = LiveHostState()
    state = sync(store, live)
    manager.select_destinations(store, {'flavor': FLAVOR, 'consumer_uuids': []}, claim=False, live=live)
    assert state.vcpus_used.tolist() == [0]
    assert live.stats['syncs'] == 1


@pytest.mark.fresh_database
def test_upgrade_installs_the_counter_and_triggers(db_url):
    old = Store(db_url, migrate=False)
    old.upgrade(6)
    old.dispose()
    new = Store(db_url)
    add_host(new, 'cn-up')
    with new.read() as conn:
        # an upgrade from 6 runs both later versions: aggregates (7) and this counter with its triggers (8)
        assert len(host_changes.trigger_names(conn)) == 21
        # the node and its service, one number each
        assert host_changes.read_all(conn) == (2, 0, 1, 2, 0, 0)
        assert migrations.current_version(conn) == migrations.head_version() >= 8
        assert sa.inspect(conn).has_table('aggregate_metadata')
    new.dispose()
