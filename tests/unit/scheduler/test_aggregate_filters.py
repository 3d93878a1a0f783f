# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The aggregate filters, IsolatedHostsFilter, the tenant request filter and per-aggregate multipliers,
against Nova's semantics (nova/scheduler/filters/aggregate_*.py, isolated_hosts_filter.py,
request_filter.require_tenant_aggregate, utils.get_weight_multiplier)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.novalite.compute.plugins.module_utils.errors import NoValidHost
from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates as aggregates_mod
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import filters as filters_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager, request_spec, weighers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.aggregates import Aggregate, AggregateData
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.aggregates import (
    AggregateImagePropertiesIsolation, AggregateInstanceExtraSpecsFilter, AggregateMultiTenancyIsolation,
    AggregateTypeAffinityFilter, TenantAggregateRequestFilter)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.compute import (
    AggregateIoOpsFilter, AggregateNumInstancesFilter, AllHostsFilter, IoOpsFilter, NumInstancesFilter)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.isolated_hosts import (
    IsolatedHostsFilter)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


def state_with(aggregates, n=4, **columns):
    """``n`` identical up hosts h0..h{n-1} in ``aggregates`` [(metadata, [host, ...]), ...]."""
    names = ['h%d' % i for i in range(n)]
    cols = {'id': list(range(1, n + 1)), 'uuid': ['u%d' % i for i in range(n)], 'host': names,
            'availability_zone': ['nova'] * n, 'vcpus': [8] * n, 'memory_mb': [8192] * n, 'local_gb': [100] * n}
    cols.update(columns)
    state = HostState.from_columns(cols, [(h, False, False, NOW, None) for h in names], now=NOW)
    aggs = [Aggregate(i + 1, 'agg-uuid-%d' % (i + 1), 'agg%d' % (i + 1), dict(meta), list(members))
            for i, (meta, members) in enumerate(aggregates)]
    state.aggregates = AggregateData(n, aggs, names)
    return state


def spec_for(extra_specs=None, image=None, project_id='p1', image_id=None, flavor_name='m1.tiny'):
    image_arg = {'id': image_id, 'properties': dict(image or {})} if image_id else dict(image or {})
    return request_spec.build({'name': flavor_name, 'vcpus': 1, 'memory_mb': 64, 'root_gb': 1,
                               'extra_specs': extra_specs or {}}, image=image_arg, project_id=project_id)


def passing(flt, state, spec):
    mask = flt.filter_all(state, spec)
    per_host = [bool(flt.host_passes(state.view(i), spec)) for i in range(state.n)]
    assert list(mask) == per_host, 'filter_all disagrees with host_passes'
    return [state.hosts[i] for i in np.flatnonzero(mask)]


# ---- AggregateInstanceExtraSpecsFilter ---------------------------------------------------------------

def test_extra_specs_filter_without_specs_passes_every_host():
    state = state_with([({'ssd': 'true'}, ['h0'])])
    assert passing(AggregateInstanceExtraSpecsFilter(), state, spec_for()) == ['h0', 'h1', 'h2', 'h3']


def test_extra_specs_scoped_and_unscoped_keys_need_matching_metadata():
    state = state_with([({'ssd': 'true'}, ['h0', 'h1']), ({'ssd': 'false'}, ['h2'])])
    flt = AggregateInstanceExtraSpecsFilter()
    assert passing(flt, state, spec_for({'aggregate_instance_extra_specs:ssd': 'true'})) == ['h0', 'h1']
    # an unscoped key is checked too (Nova), and a host without the key fails
    assert passing(flt, state, spec_for({'ssd': 'false'})) == ['h2']
    # other scopes are not this filter's business
    assert passing(flt, state, spec_for({'capabilities:ssd': 'x', 'hw:cpu_policy': 'dedicated'})) == \
        ['h0', 'h1', 'h2', 'h3']


def test_extra_specs_use_novas_operators_and_any_aggregate_value():
    # h0 is in two aggregates: values merge (and comma lists split), any one may match
    state = state_with([({'cores': '8'}, ['h0', 'h1']), ({'cores': '2, 32'}, ['h0']), ({'cores': '4'}, ['h2'])])
    flt = AggregateInstanceExtraSpecsFilter()
    assert passing(flt, state, spec_for({'aggregate_instance_extra_specs:cores': '>= 16'})) == ['h0']
    assert passing(flt, state, spec_for({'aggregate_instance_extra_specs:cores': '<or> 4 <or> 8'})) == \
        ['h0', 'h1', 'h2']
    assert passing(flt, state, spec_for({'aggregate_instance_extra_specs:cores': 's== 4'})) == ['h2']


def test_extra_specs_key_with_colons_after_the_scope():
    state = state_with([({'a:b': 'x'}, ['h1'])])
    assert passing(AggregateInstanceExtraSpecsFilter(), state,
                   spec_for({'aggregate_instance_extra_specs:a:b': 'x'})) == ['h1']


# ---- AggregateMultiTenancyIsolation ------------------------------------------------------------------

def test_multitenancy_keeps_other_projects_out_of_restricted_hosts_only():
    state = state_with([({'filter_tenant_id': 'p1'}, ['h0']), ({'filter_tenant_id_2': 'p2, p3'}, ['h1']),
                        ({'other': 'x'}, ['h2'])])
    flt = AggregateMultiTenancyIsolation()
    assert passing(flt, state, spec_for(project_id='p1')) == ['h0', 'h2', 'h3']
    assert passing(flt, state, spec_for(project_id='p3')) == ['h1', 'h2', 'h3']
    assert passing(flt, state, spec_for(project_id='p9')) == ['h2', 'h3']


def test_multitenancy_host_in_two_restricted_aggregates_takes_both_projects():
    state = state_with([({'filter_tenant_id': 'p1'}, ['h0']), ({'filter_tenant_id': 'p2'}, ['h0'])])
    flt = AggregateMultiTenancyIsolation()
    assert 'h0' in passing(flt, state, spec_for(project_id='p1'))
    assert 'h0' in passing(flt, state, spec_for(project_id='p2'))


# ---- AggregateImagePropertiesIsolation ------------------------------------------------------------------

def test_image_properties_isolation_matches_novas_table():
    state = state_with([({'os_distro': 'windows'}, ['h0']), ({'os_distro': 'ubuntu,debian'}, ['h1']),
                        ({'free_form': 'x'}, ['h2'])])
    flt = AggregateImagePropertiesIsolation()
    assert passing(flt, state, spec_for(image={'os_distro': 'windows'})) == ['h0', 'h2', 'h3']
    assert passing(flt, state, spec_for(image={'os_distro': 'debian'})) == ['h1', 'h2', 'h3']
    # an image without the property passes everywhere
    assert passing(flt, state, spec_for(image={'hw_disk_bus': 'virtio'})) == ['h0', 'h1', 'h2', 'h3']
    # a key that is no image property Nova knows is skipped, whatever the image carries
    assert passing(flt, state, spec_for(image={'free_form': 'y'})) == ['h0', 'h1', 'h2', 'h3']
    # Nova's legacy names count under their new one
    assert passing(flt, state, spec_for(image={'vmware_ostype': 'windows'})) == ['h0', 'h2', 'h3']


def test_image_properties_isolation_namespace():
    state = state_with([({'os_distro': 'windows'}, ['h0'])])
    cfg = config_mod.from_dict({'aggregate_image_properties_isolation_namespace': 'isolated'})
    # with a namespace only keys under it count: os_distro is outside it, so nothing is filtered
    assert passing(AggregateImagePropertiesIsolation(cfg), state, spec_for(image={'os_distro': 'linux'})) == \
        ['h0', 'h1', 'h2', 'h3']


# ---- IsolatedHostsFilter ------------------------------------------------------------------------------------

@pytest.mark.parametrize('restrict, image, expected', [
    (True, 'iso-image', ['h0']),                  # isolated image: isolated hosts only
    (True, 'other-image', ['h1', 'h2', 'h3']),    # other images: not on isolated hosts
    (False, 'iso-image', ['h0']),
    (False, 'other-image', ['h0', 'h1', 'h2', 'h3']),
    (True, None, ['h1', 'h2', 'h3']),
])
def test_isolated_hosts_result_matrix(restrict, image, expected):
    cfg = config_mod.from_dict({'isolated_hosts': ['h0'], 'isolated_images': ['iso-image'],
                                'restrict_isolated_hosts_to_isolated_images': restrict})
    state = state_with([])
    assert passing(IsolatedHostsFilter(cfg), state, spec_for(image={'k': 'v'}, image_id=image)) == expected


@pytest.mark.parametrize('restrict, expected', [(True, ['h1', 'h2', 'h3']), (False, ['h0', 'h1', 'h2', 'h3'])])
def test_isolated_hosts_without_isolated_images(restrict, expected):
    cfg = config_mod.from_dict({'isolated_hosts': 'h0', 'restrict_isolated_hosts_to_isolated_images': restrict})
    assert passing(IsolatedHostsFilter(cfg), state_with([]), spec_for(image_id='any')) == expected


def test_isolation_options_are_validated():
    with pytest.raises(Exception) as err:
        config_mod.from_dict({'restrict_isolated_hosts_to_isolated_images': 'maybe'})
    assert 'restrict_isolated_hosts_to_isolated_images' in str(err.value)
    with pytest.raises(Exception) as err:
        config_mod.from_dict({'isolated_hosts': [1, 2]})
    assert 'isolated_hosts' in str(err.value)


# ---- require_tenant_aggregate ---------------------------------------------------------------------------

def test_tenant_request_filter():
    state = state_with([({'filter_tenant_id': 'p1'}, ['h0']), ({'filter_tenant_id2': 'p1'}, ['h1']),
                        ({'filter_tenant_id': 'p2,p3'}, ['h2'])])
    flt = TenantAggregateRequestFilter(config_mod.from_dict({}))
    assert passing(flt, state, spec_for(project_id='p1')) == ['h0', 'h1']
    # Nova looks aggregates up by the exact metadata value: a list naming p2 does not count
    assert passing(flt, state, spec_for(project_id='p2')) == ['h0', 'h1', 'h2', 'h3']
    required = TenantAggregateRequestFilter(config_mod.from_dict({'placement_aggregate_required_for_tenants': True}))
    assert passing(required, state, spec_for(project_id='p2')) == []
    assert required.explain(state, spec_for(project_id='p2'), np.arange(4)) == 'No hosts available for tenant'


def test_tenant_request_filter_runs_first_only_when_enabled():
    assert not any(isinstance(f, TenantAggregateRequestFilter)
                   for f in filters_mod.load_enabled(config_mod.from_dict({})))
    loaded = filters_mod.load_enabled(config_mod.from_dict({'limit_tenants_to_placement_aggregate': 'true'}))
    assert isinstance(loaded[0], TenantAggregateRequestFilter)


def test_new_filters_are_available_by_name():
    cfg = config_mod.from_dict({'enabled_filters': ['AggregateInstanceExtraSpecsFilter',
                                                    'AggregateMultiTenancyIsolation',
                                                    'AggregateImagePropertiesIsolation', 'IsolatedHostsFilter',
                                                    'AggregateTypeAffinityFilter', 'AllHostsFilter',
                                                    'IoOpsFilter', 'AggregateIoOpsFilter',
                                                    'AggregateNumInstancesFilter']})
    assert [f.name() for f in filters_mod.load_enabled(cfg)] == cfg.enabled_filters


# ---- AggregateTypeAffinityFilter, the count limits and their aggregate variants -------------------------------

def test_type_affinity_takes_only_the_listed_flavors_on_tagged_hosts():
    state = state_with([({'instance_type': 'm1.small, m1.tiny'}, ['h0']), ({'instance_type': 'm1.large'}, ['h1']),
                        ({'ssd': 'true'}, ['h2'])])
    flt = AggregateTypeAffinityFilter()
    assert passing(flt, state, spec_for(flavor_name='m1.tiny')) == ['h0', 'h2', 'h3']
    assert passing(flt, state, spec_for(flavor_name='m1.large')) == ['h1', 'h2', 'h3']
    # the name is compared whole, not as a prefix
    assert passing(flt, state, spec_for(flavor_name='m1')) == ['h2', 'h3']


def test_io_ops_filter_limits_concurrent_builds():
    state = state_with([], n=3)
    state.set_io_ops({'h0': 8, 'h1': 7})
    assert passing(IoOpsFilter(config_mod.from_dict({})), state, spec_for()) == ['h1', 'h2']   # Nova's default 8
    assert passing(IoOpsFilter(config_mod.from_dict({'max_io_ops_per_host': 1})), state, spec_for()) == ['h2']


def test_aggregate_count_limits_take_the_smallest_aggregate_value_and_fall_back_on_bad_ones():
    state = state_with([({'max_io_ops_per_host': '2'}, ['h0', 'h1']), ({'max_io_ops_per_host': '5'}, ['h1']),
                        ({'max_io_ops_per_host': 'many'}, ['h2'])], n=4)
    state.set_io_ops({'h0': 3, 'h1': 2, 'h2': 3, 'h3': 3})
    cfg = config_mod.from_dict({'max_io_ops_per_host': 4})
    # h0: 3 < 2 no; h1: min(2, 5) = 2, 2 < 2 no; h2: not an integer -> the option's 4; h3: no aggregate -> 4
    assert passing(AggregateIoOpsFilter(cfg), state, spec_for()) == ['h2', 'h3']
    assert passing(IoOpsFilter(cfg), state, spec_for()) == ['h0', 'h1', 'h2', 'h3']


def test_aggregate_num_instances_can_raise_the_limit_on_its_hosts():
    state = state_with([({'max_instances_per_host': '10'}, ['h0'])], n=2)
    state.num_instances[:] = [3, 3]
    cfg = config_mod.from_dict({'max_instances_per_host': 2})
    assert passing(AggregateNumInstancesFilter(cfg), state, spec_for()) == ['h0']
    assert passing(NumInstancesFilter(cfg), state, spec_for()) == []
    assert passing(AllHostsFilter(), state, spec_for()) == ['h0', 'h1']


# ---- vectorised == per host, on random aggregates ----------------------------------------------------------

metadata_st = st.dictionaries(
    st.sampled_from(['ssd', 'cores', 'filter_tenant_id', 'filter_tenant_id_b', 'os_distro', 'hw_disk_bus',
                     'instance_type', 'max_io_ops_per_host', 'max_instances_per_host']),
    st.sampled_from(['true', 'false', '4', '8, 16', 'p1', 'p1,p2', 'linux', 'windows', 'virtio', 'm1.tiny',
                     'm1.small,m1.tiny', '1', '0']), max_size=3)


@settings(max_examples=120, deadline=None)
@given(aggs=st.lists(st.tuples(metadata_st, st.sets(st.sampled_from(['h0', 'h1', 'h2', 'h3', 'h4']))), max_size=4),
       extra=st.sampled_from([{}, {'ssd': 'true'}, {'aggregate_instance_extra_specs:cores': '>= 8'}]),
       image=st.sampled_from([{}, {'os_distro': 'linux'}, {'hw_disk_bus': 'virtio'}]),
       project=st.sampled_from(['p1', 'p2', 'p3']))
def test_vectorised_equals_per_host(aggs, extra, image, project):
    state = state_with([(meta, sorted(members)) for meta, members in aggs], n=5)
    spec = spec_for(extra, image, project)
    state.set_io_ops({'h0': 1, 'h1': 4, 'h3': 9})
    state.num_instances[:] = [0, 1, 3, 50, 60]
    for flt in (AggregateInstanceExtraSpecsFilter(), AggregateMultiTenancyIsolation(),
                AggregateImagePropertiesIsolation(), TenantAggregateRequestFilter(config_mod.from_dict({})),
                AggregateTypeAffinityFilter(), AggregateIoOpsFilter(config_mod.from_dict({})),
                AggregateNumInstancesFilter(config_mod.from_dict({}))):
        passing(flt, state, spec)


# ---- per-aggregate weigher multipliers ----------------------------------------------------------------------

def _weights(state, cfg_dict):
    cfg = config_mod.from_dict(cfg_dict)
    spec = spec_for()
    candidates = np.arange(state.n)
    return weighers.weigh(state, spec, candidates, weighers.load_enabled(cfg))


def test_aggregate_multiplier_overrides_the_configured_one_per_host():
    # free RAM 1000 / 2000 / 3000 / 4000 MB; h3 sits in an aggregate that inverts the RAM weigher
    state = state_with([({'ram_weight_multiplier': '-1.0'}, ['h3'])], memory_mb=[1512, 2512, 3512, 4512],
                       ram_allocation_ratio=[1.0] * 4)
    only_ram = {'weight_classes': ['RAMWeigher']}
    plain = _weights(state_with([], memory_mb=[1512, 2512, 3512, 4512], ram_allocation_ratio=[1.0] * 4), only_ram)
    weighted = _weights(state, only_ram)
    assert np.argmax(plain) == 3
    assert weighted[3] == pytest.approx(-plain[3])
    assert list(weighted[:3]) == pytest.approx(list(plain[:3]))
    assert np.argmax(weighted) == 2


def test_aggregate_multiplier_takes_the_smallest_value_and_ignores_bad_ones():
    cols = dict(memory_mb=[1512, 4512, 4512, 4512], ram_allocation_ratio=[1.0] * 4)
    state = state_with([({'ram_weight_multiplier': '2.0'}, ['h1', 'h2']), ({'ram_weight_multiplier': '0.5'}, ['h1']),
                        ({'ram_weight_multiplier': 'lots'}, ['h3'])], **cols)
    w = _weights(state, {'weight_classes': ['RAMWeigher']})
    plain = _weights(state_with([], **cols), {'weight_classes': ['RAMWeigher']})
    assert plain[1] > 0
    assert w[0] == pytest.approx(plain[0])           # in no aggregate: the configured 1.0
    assert w[1] == pytest.approx(0.5 * plain[1])     # min(2.0, 0.5)
    assert w[2] == pytest.approx(2.0 * plain[2])
    assert w[3] == pytest.approx(plain[3])           # not a number: the configured 1.0 (Nova logs and falls back)


def test_aggregate_multiplier_wakes_a_weigher_configured_off():
    # num_instances_weight_multiplier is 0 by default: the weigher is not loaded, yet an aggregate sets it
    state = state_with([({'num_instances_weight_multiplier': '-1.0'}, ['h0', 'h1'])])
    state.num_instances[:] = [5, 0, 0, 0]
    cfg = {'weight_classes': ['NumInstancesWeigher']}
    assert not list(weighers.load_enabled(config_mod.from_dict(cfg)))
    w = _weights(state, cfg)
    assert w[0] == pytest.approx(-1.0) and w[1] == 0.0


def test_build_failure_multiplier_from_an_aggregate_is_negated_like_novas():
    state = state_with([({'build_failure_weight_multiplier': '10'}, ['h0'])],
                       failed_builds=[1, 1, 0, 0])
    w = _weights(state, {'weight_classes': ['BuildFailureWeigher']})
    assert w[0] == pytest.approx(-10.0)
    assert w[1] == pytest.approx(-1000000.0)


# ---- through the store: load, zones, select_destinations ---------------------------------------------------

FACTS = {'hostname': None, 'vcpus': 8, 'memory_mb': 16384, 'local_gb': 200, 'cpu_arch': 'x86_64',
         'hypervisor_type': 'QEMU', 'hypervisor_version': 8002002, 'virt_type': 'kvm'}


def _register(store, *names, **settings):
    for name in names:
        hosts.record(store, name, dict(FACTS, hostname=name), settings=settings or None)


def test_select_destinations_honours_aggregate_zones_tenancy_and_extra_specs(store):
    _register(store, 'c1', 'c2', 'c3')
    zone = aggregates_mod.create(store, 'rack-a', 'az-a')
    aggregates_mod.add_host(store, zone['id'], 'c1')
    tenant = aggregates_mod.create(store, 'tenant-p1')
    aggregates_mod.set_metadata(store, tenant['id'], {'filter_tenant_id': 'p1', 'ssd': 'true'})
    aggregates_mod.add_host(store, tenant['id'], 'c2')
    with store.read() as conn:
        state = HostState.load(conn)
    assert state.view(state.host_index['c1']).availability_zone == 'az-a'
    assert [a.name for a in state.view(state.host_index['c2']).aggregates] == ['tenant-p1']

    flavor = {'vcpus': 1, 'memory_mb': 64, 'root_gb': 1}
    extra_filters = ['AggregateMultiTenancyIsolation', 'AggregateInstanceExtraSpecsFilter']
    cfg = {'enabled_filters': config_mod.DEFAULT_ENABLED_FILTERS + extra_filters}

    def hosts_for(**request):
        request.setdefault('flavor', flavor)
        request['num_instances'] = 1
        result = manager.select_destinations(store, request, dict(cfg, weight_classes=[]), claim=False)
        return result['selections'][0]['host']
    assert hosts_for(availability_zone='az-a') == 'c1'
    assert hosts_for(flavor=dict(flavor, extra_specs={'aggregate_instance_extra_specs:ssd': 'true'}),
                     project_id='p1') == 'c2'
    with pytest.raises(NoValidHost) as err:
        hosts_for(flavor=dict(flavor, extra_specs={'aggregate_instance_extra_specs:ssd': 'true'}), project_id='p2')
    assert 'AggregateMultiTenancyIsolation' in str(err.value)
    # limit_tenants_to_placement_aggregate: p1 lands only in its aggregate
    cfg['limit_tenants_to_placement_aggregate'] = True
    for _attempt in range(3):
        assert hosts_for(project_id='p1') == 'c2'


def test_conductor_requests_carry_project_and_image_id():
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    instance = {'flavor': {'vcpus': 1, 'memory_mb': 64, 'root_gb': 1}, 'project_id': 'p1',
                'image': {'id': 'img-1', 'properties': {'os_distro': 'linux'}}}
    spec = manager.build_spec(conductor.scheduler_request(instance, ['11111111-1111-1111-1111-111111111111'], None))
    assert (spec.project_id, spec.image_id, spec.image_properties) == ('p1', 'img-1', {'os_distro': 'linux'})
