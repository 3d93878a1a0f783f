# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""select_destinations on real stores (SQLite and MariaDB): filters, weighers, claims, explanations."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import uuid

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims, manager, server_groups

from lib.sched_rows import add_flavor, add_host, allocation_sums, node

SMALL = {'vcpus': 1, 'memory_mb': 1024, 'root_gb': 10}


def uuids(n):
    return [str(uuid.uuid4()) for _consumer in range(n)]


def test_most_free_ram_wins_and_claim_recorded(store):
    add_host(store, 'a', memory_mb=4096)
    add_host(store, 'b', memory_mb=16384)
    add_host(store, 'c', memory_mb=8192)
    ids = uuids(1)
    result = manager.select_destinations(store, {'flavor': SMALL, 'consumer_uuids': ids})
    sel = result['selections'][0]
    assert sel['host'] == 'b'
    assert [a['host'] for a in sel['alternates']] == ['c', 'a']
    assert allocation_sums(store) == {'b': (1, 1024, 10)}
    n = node(store, 'b')
    assert (n['vcpus_used'], n['memory_mb_used'], n['local_gb_used'], n['generation']) == (1, 1024, 10, 1)


def test_check_mode_claims_nothing_and_matches_claim(store):
    for name, mem in (('a', 4096), ('b', 8192), ('c', 6144)):
        add_host(store, name, memory_mb=mem)
    request = {'flavor': {'vcpus': 1, 'memory_mb': 2048, 'root_gb': 1}, 'num_instances': 4,
               'consumer_uuids': uuids(4)}
    dry = manager.select_destinations(store, request, claim=False)
    assert allocation_sums(store) == {}
    real = manager.select_destinations(store, request, claim=True)
    assert [s['host'] for s in dry['selections']] == [s['host'] for s in real['selections']]
    # each placement saw the previous ones: free RAM moves the choice around
    assert len(set(s['host'] for s in real['selections'])) > 1


def test_repeat_run_is_idempotent(store):
    add_host(store, 'a')
    request = {'flavor': SMALL, 'num_instances': 2, 'consumer_uuids': uuids(2)}
    first = manager.select_destinations(store, request)
    second = manager.select_destinations(store, request)
    assert first['claimed'] and not second['claimed']
    assert all(s['existing'] for s in second['selections'])
    # a check-mode run after the claims sees them too (a desired-state --check shows no change)
    dry = manager.select_destinations(store, request, claim=False)
    assert all(s['existing'] for s in dry['selections'])
    assert allocation_sums(store) == {'a': (2, 2048, 20)}


def test_novalidhost_explains_each_filter(store):
    for i in range(4):
        add_host(store, 'z1-%d' % i, az='az1')
    for i in range(8):
        add_host(store, 'z2-%d' % i, az='az2', memory_mb=2048, ram_ratio=1.0, reserved_mb=0)
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': {'vcpus': 1, 'memory_mb': 4096, 'root_gb': 1},
                                            'availability_zone': 'az2', 'consumer_uuids': uuids(1)})
    text = caught.value.message
    assert text.startswith('No valid host: 12 hosts')
    assert 'AvailabilityZoneFilter removed 4 (not in az2)' in text
    # more than any az2 host has at all (Placement's max_unit), whatever its allocation ratio
    assert 'RamFilter removed 8 (need 4096 MB, the largest host has 2048 MB in all)' in text
    steps = caught.value.details['explanation']['filters']
    assert [s['filter'] for s in steps][:4] == ['RetryFilter', 'AvailabilityZoneFilter', 'ComputeFilter', 'RamFilter']
    assert allocation_sums(store) == {}


def test_min_count_all_or_nothing(store):
    add_host(store, 'a', vcpus=2, cpu_ratio=1.0)
    request = {'flavor': SMALL, 'min_count': 3, 'max_count': 3, 'consumer_uuids': uuids(3)}
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, request)
    assert 'instance 3 of 3 (a request places all 3 or none)' in caught.value.message
    assert 'CoreFilter removed 1' in caught.value.message
    assert allocation_sums(store) == {}
    assert node(store, 'a')['vcpus_used'] == 0
    # A create request's min_count is spent at create time (the quota check): the conductor asks the
    # scheduler for every instance it created, min = max = that number, so 3 created with room for 2
    # is NoValidHost for all 3, never 2 placed and 1 left in BUILD.
    created = {'flavor': SMALL, 'image': {'id': 'img'}, 'availability_zone': None, 'system_metadata': {}}
    spec = conductor.scheduler_request(created, uuids(3), None)
    assert (spec['min_count'], spec['max_count']) == (3, 3)
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, spec)
    assert 'instance 3 of 3 (a request places all 3 or none)' in caught.value.message
    assert allocation_sums(store) == {}
    assert node(store, 'a')['vcpus_used'] == 0


def test_compute_filter_down_disabled_and_missing_service(store):
    add_host(store, 'down', up=False, memory_mb=65536)
    add_host(store, 'off', disabled=True, memory_mb=65536)
    add_host(store, 'ghost', with_service=False, memory_mb=65536)
    add_host(store, 'ok', memory_mb=4096)
    got = manager.select_destinations(store, {'flavor': SMALL}, claim=False)
    assert got['selections'][0]['host'] == 'ok'
    step = [s for s in got['explanation']['filters'] if s['filter'] == 'ComputeFilter'][0]
    assert step['removed'] == 3 and '2 down' in step['reason'] and '1 disabled' in step['reason']


def test_ratios_and_reserved_per_host(store):
    # Placement: (1536 MB - 512 reserved) * 1.5 = 1536 MB usable: one 1024 MB instance, 512 MB left
    # (total * ratio - reserved would leave 768 MB)
    add_host(store, 'a', memory_mb=1536, ram_ratio=1.5, reserved_mb=512)
    manager.select_destinations(store, {'flavor': SMALL, 'consumer_uuids': uuids(1)})
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'consumer_uuids': uuids(1)})
    assert 'need 1024 MB, best host has 512 MB free' in caught.value.message


def test_disk_counts_ephemeral_and_swap(store):
    add_host(store, 'a', local_gb=12)
    flavor = {'vcpus': 1, 'memory_mb': 256, 'root_gb': 10, 'ephemeral_gb': 1, 'swap': 513}
    got = manager.select_destinations(store, {'flavor': flavor, 'consumer_uuids': uuids(1)})
    assert got['request']['disk_gb'] == 12
    assert allocation_sums(store)['a'][2] == 12


def test_flavor_by_name_and_capabilities(store):
    add_host(store, 'old', hypervisor_version=5000000, capabilities={'gpu': 'none'})
    add_host(store, 'new', hypervisor_version=7002000, memory_mb=2048, capabilities={'gpu': 'a100'})
    add_flavor(store, 'gpu.small', extra_specs={'capabilities:hypervisor_version': '>= 7000000',
                                                'capabilities:gpu': 's== a100', 'quota:disk_read': '100'})
    got = manager.select_destinations(store, {'flavor': 'gpu.small'}, claim=False)
    assert got['selections'][0]['host'] == 'new'
    step = [s for s in got['explanation']['filters'] if s['filter'] == 'ComputeCapabilitiesFilter'][0]
    assert step['removed'] == 1


def test_image_properties(store):
    add_host(store, 'tcg', virt_type='qemu', memory_mb=65536)
    add_host(store, 'kvm', virt_type='kvm', memory_mb=4096)
    add_host(store, 'arm', cpu_arch='aarch64', virt_type='kvm', memory_mb=65536)
    got = manager.select_destinations(store, {'flavor': SMALL, 'image': {'hw_architecture': 'x86_64',
                                                                         'img_hv_type': 'kvm'}}, claim=False)
    assert got['selections'][0]['host'] == 'kvm'
    got = manager.select_destinations(store, {'flavor': SMALL, 'image': {'properties': {
        'img_hv_type': 'qemu', 'hw_architecture': 'amd64', 'img_hv_requested_version': '>=7.1'}}}, claim=False)
    assert got['selections'][0]['host'] == 'tcg'
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'image': {'hw_vm_mode': 'xen'}}, claim=False)
    assert 'ImagePropertiesFilter removed 3 (no match for hw_vm_mode=xen)' in caught.value.message


def test_same_host_different_host_and_retry(store):
    for name in ('a', 'b', 'c'):
        add_host(store, name)
    first = uuids(1)
    manager.select_destinations(store, {'flavor': SMALL, 'consumer_uuids': first})
    first_host = allocation_sums(store).popitem()[0]
    same = manager.select_destinations(store, {'flavor': SMALL, 'scheduler_hints': {'same_host': first}},
                                       claim=False)
    assert same['selections'][0]['host'] == first_host
    diff = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 2,
                                               'scheduler_hints': {'different_host': first}}, claim=False)
    assert first_host not in [s['host'] for s in diff['selections']]
    retry = manager.select_destinations(store, {'flavor': SMALL, 'exclude_hosts': ['a', 'b']}, claim=False)
    assert retry['selections'][0]['host'] == 'c'


def test_requested_destination_narrows_before_the_filters(store):
    for name in ('a', 'b', 'c'):
        add_host(store, name)
    add_host(store, 'tiny', memory_mb=256)
    for _attempt in range(5):
        got = manager.select_destinations(store, {'flavor': SMALL, 'requested_destination': {'host': 'b'}},
                                          claim=False)
        assert got['selections'][0]['host'] == 'b'
    # The filters still judge the requested host: a host too small is NoValidHost, explained.
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'requested_destination': {'host': 'tiny'}},
                                    claim=False)
    assert 'RequestedDestination removed 3' in caught.value.message and 'RamFilter removed 1' in caught.value.message
    with pytest.raises(errors.InvalidInput) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'requested_destination': {'rack': 'x'}}, claim=False)
    assert caught.value.field == 'requested_destination'


def test_server_group_policies(store):
    for name in ('a', 'b', 'c'):
        add_host(store, name)
    server_groups.ensure(store, 'anti', 'anti-affinity')
    server_groups.ensure(store, 'anti2', 'anti-affinity', {'max_server_per_host': 2})
    server_groups.ensure(store, 'aff', 'affinity')
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 3, 'server_group': 'anti',
                                              'consumer_uuids': uuids(3)})
    assert sorted(s['host'] for s in got['selections']) == ['a', 'b', 'c']
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'server_group': 'anti', 'consumer_uuids': uuids(1)})
    assert 'ServerGroupAntiAffinityFilter removed 3' in caught.value.message
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 6, 'server_group': 'anti2',
                                              'consumer_uuids': uuids(6)})
    assert sorted(s['host'] for s in got['selections']) == ['a', 'a', 'b', 'b', 'c', 'c']
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 3, 'server_group': 'aff',
                                              'consumer_uuids': uuids(3)})
    assert len(set(s['host'] for s in got['selections'])) == 1
    with store.read() as conn:
        assert len(server_groups.find(conn, 'aff')['members']) == 3


def test_soft_anti_affinity_spreads_soft_affinity_packs(store):
    for name in ('a', 'b', 'c'):
        add_host(store, name, memory_mb=8192)
    server_groups.ensure(store, 'spread', 'soft-anti-affinity')
    server_groups.ensure(store, 'pack', 'soft-affinity')
    # only the group weighers: with Nova's defaults the resource weighers pull the other
    # way (the host already holding members has less free RAM, CPU and disk)
    cfg = {'weight_classes': ['ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher']}
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 3, 'server_group': 'spread',
                                              'consumer_uuids': uuids(3)}, cfg)
    assert sorted(s['host'] for s in got['selections']) == ['a', 'b', 'c']
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 3, 'server_group': 'pack',
                                              'consumer_uuids': uuids(3)}, cfg)
    assert len(set(s['host'] for s in got['selections'])) == 1


def test_release_and_moves(store):
    add_host(store, 'src')
    add_host(store, 'dst')
    inst, mig = uuids(2)
    claims.claim(store, inst, 'src', 2, 2048, 20)
    assert claims.release(store, str(uuid.uuid4())) == []
    claims.claim_move(store, inst, mig, 'dst', 4, 4096, 40)
    assert allocation_sums(store) == {'src': (2, 2048, 20), 'dst': (4, 4096, 40)}
    assert claims.claim_move(store, inst, mig, 'dst', 4, 4096, 40)['changed'] is False
    claims.revert_move(store, inst, mig)
    assert allocation_sums(store) == {'src': (2, 2048, 20)}
    assert claims.revert_move(store, inst, mig) == []
    claims.claim_move(store, inst, mig, 'dst', 4, 4096, 40)
    claims.confirm_move(store, mig)
    assert allocation_sums(store) == {'dst': (4, 4096, 40)}
    assert claims.release(store, inst)[0]['host'] == 'dst'
    assert claims.release(store, inst) == []
    for host in ('src', 'dst'):
        n = node(store, host)
        assert (n['vcpus_used'], n['memory_mb_used'], n['local_gb_used']) == (0, 0, 0)


def test_move_to_full_host_changes_nothing(store):
    add_host(store, 'src')
    add_host(store, 'dst', vcpus=1, cpu_ratio=1.0)
    inst, mig = uuids(2)
    claims.claim(store, inst, 'src', 1, 512, 1)
    with pytest.raises(claims.ClaimFailed):
        claims.claim_move(store, inst, mig, 'dst', 2, 512, 1)
    assert allocation_sums(store) == {'src': (1, 512, 1)}
    with store.read() as conn:
        assert claims.allocations_of(conn, mig) == []


def test_num_instances_filter_and_weigher(store):
    add_host(store, 'a', memory_mb=65536)
    add_host(store, 'b', memory_mb=4096)
    cfg = {'enabled_filters': ['ComputeFilter', 'NumInstancesFilter'], 'max_instances_per_host': 1}
    got = manager.select_destinations(store, {'flavor': SMALL, 'num_instances': 2, 'consumer_uuids': uuids(2)}, cfg)
    assert sorted(s['host'] for s in got['selections']) == ['a', 'b']
    with pytest.raises(errors.NoValidHost) as caught:
        manager.select_destinations(store, {'flavor': SMALL, 'consumer_uuids': uuids(1)}, cfg)
    assert 'NumInstancesFilter removed 2' in caught.value.message
