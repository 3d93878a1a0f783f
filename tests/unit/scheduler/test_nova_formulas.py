# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's and Placement's formulas, one at a time: capacity, weighers, capability specs, image properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import numpy as np
import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, claims
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import filters as filters_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager, request_spec, weighers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.capabilities import (
    ComputeCapabilitiesFilter, ImagePropertiesFilter, match)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState
from ansible_collections.novalite.compute.plugins.module_utils.store import schema

from lib.sched_rows import add_host, allocation_sums

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


def state_of(rows):
    columns = {}
    for key in set().union(*rows):
        columns[key] = [r.get(key) for r in rows]
    columns.setdefault('id', list(range(1, len(rows) + 1)))
    columns.setdefault('uuid', ['u%d' % i for i in range(len(rows))])
    columns.setdefault('availability_zone', ['nova'] * len(rows))
    return HostState.from_columns(columns, [(r['host'], False, False, NOW, None) for r in rows], now=NOW)


def weights_of(state, **options):
    cfg = config_mod.SchedulerConfig(**options)
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    return list(weighers.weigh(state, spec, np.arange(state.n), weighers.load_enabled(cfg)))


def passes(flt, state, spec):
    """The filter's vectorised answer, checked against its per-host one."""
    vector = [bool(v) for v in flt.filter_all(state, spec)]
    assert vector == [bool(flt.host_passes(state.view(i), spec)) for i in range(state.n)]
    return vector


# -- Placement's capacity ---------------------------------------------------------------------------

NODE = {'host': 'a', 'vcpus': 4, 'memory_mb': 2048, 'local_gb': 10, 'vcpus_used': 0, 'memory_mb_used': 0,
        'local_gb_used': 0, 'cpu_allocation_ratio': 16.0, 'ram_allocation_ratio': 1.5, 'disk_allocation_ratio': 2.0,
        'reserved_host_cpus': 1, 'reserved_host_memory_mb': 512, 'reserved_host_disk_mb': 1025}


def test_capacity_is_total_less_reserved_times_ratio():
    assert capacity.vcpu_limit(4, 16.0, 1) == 48          # not 4 * 16 - 1 = 63
    assert capacity.ram_limit(2048, 1.5, 512) == 2304     # not 2048 * 1.5 - 512 = 2560
    assert capacity.disk_limit(10, 2.0, 1025) == 16       # reserved 1025 MB is 2 GB: (10 - 2) * 2
    assert capacity.node_misfit(NODE, 4, 2048, 10) is None
    assert 'memory_mb would use 2560 of 2304' in capacity.node_misfit(dict(NODE, memory_mb_used=512), 1, 2048, 0)


def test_one_request_may_not_exceed_the_hosts_total():
    # Placement's max_unit is the total: 5 vCPUs on a 4-CPU host never fit, whatever the ratio
    assert 'more than the host has' in capacity.node_misfit(NODE, 5, 1, 0)
    state = state_of([dict(NODE, host='a')])
    spec = request_spec.build({'vcpus': 5, 'memory_mb': 1, 'root_gb': 0})
    assert passes(filters_mod.resources.CoreFilter(), state, spec) == [False]


def test_a_resource_not_asked_for_is_not_checked():
    # the host's disk is overcommitted (a ratio lowered after the fact); a 0 GB flavor still fits
    state = state_of([dict(NODE, host='a', local_gb_used=40)])
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    assert passes(filters_mod.resources.DiskFilter(), state, spec) == [True]
    assert capacity.node_misfit(dict(NODE, local_gb_used=40), 1, 1, 0) is None


def test_claims_use_placements_rule(store):
    # (2048 - 512) * 1.0 = 1536 MB: one 1024 MB claim fits, the second does not
    add_host(store, 'a', memory_mb=2048, ram_ratio=1.0, reserved_mb=512)
    claims.claim(store, 'c0000000-0000-4000-8000-000000000001', 'a', 1, 1024, 0)
    with pytest.raises(claims.ClaimFailed):
        claims.claim(store, 'c0000000-0000-4000-8000-000000000002', 'a', 1, 1024, 0)
    assert allocation_sums(store) == {'a': (1, 1024, 0)}


def test_tracker_usage_counts_reserved_as_used():
    usage = capacity.tracker_usage(dict(NODE, vcpus_used=2, memory_mb_used=100, local_gb_used=3))
    assert usage == {'vcpus_used': 3, 'memory_mb_used': 612, 'local_gb_used': 4, 'free_ram_mb': 1436,
                     'free_disk_gb': 6}


# -- weighers -----------------------------------------------------------------------------------------

def test_ram_weigher_weighs_free_ram_without_the_ratio():
    # same memory, different ratios: Nova's free_ram_mb ignores the ratio, so the hosts tie (and the
    # ratio-based value, 4096 * 2 vs 4096 * 1, would have made 'a' win outright)
    state = state_of([{'host': 'a', 'memory_mb': 4096, 'ram_allocation_ratio': 2.0},
                      {'host': 'b', 'memory_mb': 4096, 'ram_allocation_ratio': 1.0, 'memory_mb_used': 1024}])
    # (4096 - 512) / (4096 - 512) = 1 and (4096 - 512 - 1024) / 3584
    assert weights_of(state, weight_classes=['RAMWeigher']) == [1.0, (4096 - 512 - 1024) / 3584.0]


def test_equal_free_values_weigh_one_and_zero_weighs_zero():
    # Nova's minval 0: equal non-zero free RAM divides by itself (1 each); all zero stays 0
    state = state_of([{'host': 'a', 'memory_mb': 4096}, {'host': 'b', 'memory_mb': 4096}])
    assert weights_of(state, weight_classes=['RAMWeigher']) == [1.0, 1.0]
    state = state_of([{'host': 'a', 'memory_mb': 512}, {'host': 'b', 'memory_mb': 512}])
    assert weights_of(state, weight_classes=['RAMWeigher']) == [0.0, 0.0]


def test_negative_free_counts_as_zero():
    # overcommitted 'b' (free -1024) weighs like an empty host would: 0, not below it
    state = state_of([{'host': 'a', 'memory_mb': 2560, 'reserved_host_memory_mb': 512},
                      {'host': 'b', 'memory_mb': 2560, 'reserved_host_memory_mb': 512, 'memory_mb_used': 3072}])
    assert weights_of(state, weight_classes=['RAMWeigher']) == [1.0, 0.0]


def test_cpu_weigher_counts_reserved_cpus_as_used():
    state = state_of([{'host': 'a', 'vcpus': 4, 'cpu_allocation_ratio': 1.0, 'reserved_host_cpus': 2},
                      {'host': 'b', 'vcpus': 4, 'cpu_allocation_ratio': 1.0}])
    assert weights_of(state, weight_classes=['CPUWeigher']) == [0.5, 1.0]


def test_disk_weigher_uses_disk_available_least_when_lower():
    state = state_of([{'host': 'a', 'local_gb': 100, 'free_disk_gb': 25},
                      {'host': 'b', 'local_gb': 100, 'local_gb_used': 50}])
    assert weights_of(state, weight_classes=['DiskWeigher']) == [0.5, 1.0]


def test_default_multipliers_are_novas():
    cfg = config_mod.SchedulerConfig()
    assert (cfg.ram_weight_multiplier, cfg.cpu_weight_multiplier, cfg.disk_weight_multiplier) == (1.0, 1.0, 1.0)
    assert (cfg.io_ops_weight_multiplier, cfg.num_instances_weight_multiplier,
            cfg.hypervisor_version_weight_multiplier, cfg.image_props_weight_multiplier) == (-1.0, 0.0, 1.0, 0.0)
    assert cfg.image_props_weight_setting == []


def test_image_props_weight_setting_must_be_name_ratio():
    with pytest.raises(errors.InvalidInput) as caught:
        weighers.load_enabled(config_mod.SchedulerConfig(image_props_weight_setting=['os_distro']))
    assert caught.value.field == 'scheduler.image_props_weight_setting'


def _instance_on(store, host, properties, vm_state='active'):
    flavor = {'flavorid': 'f', 'name': 'f', 'vcpus': 1, 'memory_mb': 64, 'root_gb': 0}
    with store.begin() as conn:
        made = instances.create(conn, {'display_name': 'vm', 'flavor': flavor,
                                       'image': {'id': 'img', 'properties': properties}})
        table = schema.table('instances')
        conn.execute(table.update().where(table.c.uuid == made['uuid']).values(host=host, vm_state=vm_state))


@pytest.mark.parametrize('setting, winner', [([], 'windows'), (['hw_machine_type=3', 'os_distro=1'], 'q35')])
def test_image_properties_weigher_packs_alike_images(store, setting, winner):
    add_host(store, 'windows', memory_mb=8192)
    add_host(store, 'q35', memory_mb=8192)
    add_host(store, 'empty', memory_mb=16384)
    for _i in range(2):
        _instance_on(store, 'windows', {'os_distro': 'windows', 'hw_machine_type': 'pc'})
    _instance_on(store, 'q35', {'os_distro': 'linux', 'hw_machine_type': 'q35'})
    request = {'flavor': {'vcpus': 1, 'memory_mb': 64, 'root_gb': 0},
               'image': {'os_distro': 'windows', 'hw_machine_type': 'q35'}}
    options = {'image_props_weight_multiplier': 1000.0, 'image_props_weight_setting': setting}
    got = manager.select_destinations(store, request, options, claim=False)
    # the windows host has 2 instances sharing os_distro (2 * 1); q35 has 1 sharing hw_machine_type (1 * 3)
    assert got['selections'][0]['host'] == winner
    # Nova's default multiplier 0: the weigher stays out and free RAM decides
    assert manager.select_destinations(store, request, claim=False)['selections'][0]['host'] == 'empty'


# -- ComputeCapabilitiesFilter ------------------------------------------------------------------------

CAPS = [{'host': 'a', 'vcpus': 4, 'hypervisor_type': 'QEMU', 'capabilities': {'foo': 'bar'},
         'cpu_info': {'arch': 'x86_64', 'maxphysaddr': {'bits': 46}}},
        {'host': 'b', 'vcpus': 4, 'hypervisor_type': 'QEMU', 'capabilities': {}, 'cpu_info': {'arch': 'aarch64'}}]


@pytest.mark.parametrize('extra_specs, expected', [
    ({'foo': 'bar'}, [True, True]),            # unscoped, only 'a' knows it: checked there, ignored on 'b'
    ({'foo': 'baz'}, [False, True]),
    ({'unknown_key': 'x'}, [True, True]),      # nobody knows it: not about hosts at all
    ({'capabilities:unknown_key': 'x'}, [False, False]),   # scoped: the host must have it
    ({'hw:cpu_policy': 'dedicated'}, [True, True]),        # another namespace
    ({'hypervisor_type': 's== QEMU'}, [True, True]),       # compared as reported, not lowercased
    ({'capabilities:cpu_info:arch': '<or> x86_64 <or> ppc64'}, [True, False]),
    ({'hw:maxphysaddr_bits': '42'}, [True, False]),        # 'b' reports no bits
    ({'vcpus_total': '>= 1'}, [True, True]),               # a HostState attribute: checked everywhere
    ({'vcpus': '>= 100'}, [True, True]),                   # not one (Nova's name is vcpus_total): ignored
    ({'num_instances': '== 0', 'capabilities:stats:io_workload': 's== 0'}, [True, True]),
])
def test_capabilities_filter_reads_specs_as_nova(extra_specs, expected):
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0, 'extra_specs': extra_specs})
    assert passes(ComputeCapabilitiesFilter(), state_of(CAPS), spec) == expected


@pytest.mark.parametrize('value, requirement, expected', [
    ('3', '= 2.5', True), ('10', 's< 9', True), ('10', '< 9', False), ('abc', 'abc', True),
    ('a b', '<all-in> a b', True), ('a', '<or> b', False), ('x', '<or> a b x', True), ('', '', True),
    (None, 'x', False), ('avx', '<in>', False),
])
def test_extra_specs_operators(value, requirement, expected):
    assert match(value, requirement) is expected


# -- ImagePropertiesFilter -------------------------------------------------------------------------

IMAGE_HOSTS = [{'host': 'new', 'cpu_arch': 'x86_64', 'hypervisor_type': 'QEMU', 'virt_type': 'kvm',
                'hypervisor_version': 8000000},
               {'host': 'unknown', 'cpu_arch': 'x86_64', 'hypervisor_type': 'QEMU', 'virt_type': 'qemu'},
               {'host': 'old', 'cpu_arch': 'x86_64', 'hypervisor_type': 'QEMU', 'virt_type': 'kvm',
                'hypervisor_version': 7002022}]


@pytest.mark.parametrize('properties, expected', [
    ({'img_hv_requested_version': '>=8.0'}, [True, True, True]),   # alone it asks nothing (Nova)
    ({'img_hv_type': 'qemu', 'img_hv_requested_version': '>=8.0'}, [True, True, False]),   # no version: passes
    ({'img_hv_type': 'qemu', 'img_hv_requested_version': '==7.2'}, [False, True, False]),  # 7.2.22 is not 7.2
    ({'img_hv_type': 'qemu', 'img_hv_requested_version': '>=7.2,<8'}, [False, True, True]),
    ({'hw_architecture': 'amd64'}, [True, True, True]),
    ({'img_hv_type': 'kvm'}, [True, False, True]),
    ({'hw_vm_mode': 'xen'}, [False, False, False]),
])
def test_image_properties_filter_as_nova(properties, expected):
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0}, image=properties)
    assert passes(ImagePropertiesFilter(), state_of(IMAGE_HOSTS), spec) == expected


def test_hypervisors_view_counts_reserved_cpus(store):
    add_host(store, 'a', reserved_cpus=2)
    nodes = schema.table('compute_nodes')
    with store.read() as conn:
        row = dict(conn.execute(sa.select(nodes).where(nodes.c.host == 'a')).first()._mapping)
    from novalite_api.compute.views import hypervisors
    assert hypervisors.usage(row)['vcpus_used'] == 2
