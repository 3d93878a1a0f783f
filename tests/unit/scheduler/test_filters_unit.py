# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Filters and weighers on in-memory host state (no database)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import filters as filters_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager, request_spec, weighers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.capabilities import match
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState


@pytest.mark.parametrize('value, requirement, expected', [
    ('8', '>= 4', True), ('2', '>= 4', False), ('4', '= 4', True), ('5', '= 4', True), ('3', '= 4', False),
    ('4', '== 4.0', True), ('4', '!= 4', False), ('4', '<= 3', False),
    ('x86_64', 's== x86_64', True), ('x86_64', 's!= x86_64', False), ('b', 's> a', True), ('a', 's>= b', False),
    ('avx avx2 sse', '<in> avx2', True), ('avx sse', '<in> avx2', False),
    ('avx avx2 sse', '<all-in> avx sse', True), ('avx sse', '<all-in> avx avx2', False),
    ('b', '<or> a <or> b <or> c', True), ('d', '<or> a <or> b', False),
    ('kvm', 'kvm', True), ('qemu', 'kvm', False), (None, '>= 1', False), ('abc', '>= 1', False),
])
def test_extra_specs_ops(value, requirement, expected):
    assert match(value, requirement) is expected


def make_state(rows, services=None):
    """rows: dicts of compute_nodes columns; all hosts up and enabled unless ``services`` says otherwise."""
    import datetime
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)
    columns = {}
    keys = set().union(*rows)
    for key in keys:
        columns[key] = [r.get(key) for r in rows]
    columns.setdefault('id', list(range(1, len(rows) + 1)))
    columns.setdefault('uuid', ['u%d' % i for i in range(len(rows))])
    columns.setdefault('availability_zone', ['nova'] * len(rows))
    services = services or [(r['host'], False, False, now, None) for r in rows]
    return HostState.from_columns(columns, services, now=now)


host_rows = st.lists(st.fixed_dictionaries({
    'vcpus': st.integers(1, 64), 'memory_mb': st.integers(512, 65536), 'local_gb': st.integers(1, 2000),
    'vcpus_used': st.integers(0, 200), 'memory_mb_used': st.integers(0, 90000), 'local_gb_used': st.integers(0, 2000),
    'cpu_allocation_ratio': st.sampled_from([1.0, 4.0, 16.0]), 'ram_allocation_ratio': st.sampled_from([1.0, 1.5]),
    'disk_allocation_ratio': st.sampled_from([1.0, 2.0]), 'reserved_host_memory_mb': st.sampled_from([0, 512]),
    'reserved_host_disk_mb': st.sampled_from([0, 1, 2048]), 'reserved_host_cpus': st.integers(0, 2),
    'availability_zone': st.sampled_from(['az1', 'az2']), 'cpu_arch': st.sampled_from(['x86_64', 'aarch64']),
    'virt_type': st.sampled_from(['kvm', 'qemu']), 'hypervisor_type': st.just('QEMU'),
    'hypervisor_version': st.sampled_from([5002000, 7002000, 8000000]),
    'capabilities': st.sampled_from([{}, {'gpu': 'a100'}, {'gpu': 't4', 'numa': 2}, {'foo': 'bar'}]),
    'cpu_info': st.sampled_from([None, {'arch': 'x86_64'}, {'arch': 'x86_64', 'maxphysaddr': {'bits': 46}}]),
}), min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(rows=host_rows, data=st.data())
def test_vectorised_filters_equal_per_host_decisions(rows, data):
    for i, row in enumerate(rows):
        row['host'] = 'h%d' % i
    state = make_state(rows)
    spec = request_spec.build(
        {'vcpus': data.draw(st.integers(1, 16)), 'memory_mb': data.draw(st.integers(1, 8192)),
         'root_gb': data.draw(st.integers(0, 200)), 'swap': data.draw(st.integers(0, 3000)),
         'extra_specs': data.draw(st.sampled_from([{}, {'capabilities:gpu': 's== a100'},
                                                   {'capabilities:numa': '>= 2', 'hw:cpu_policy': 'x'},
                                                   {'capabilities:hypervisor_version': '>= 7000000'},
                                                   # unscoped: checked only where the host knows the key
                                                   {'gpu': 's== a100'}, {'foo': 'bar', 'free_ram_mb': '>= 2048'},
                                                   {'hypervisor_type': 's== QEMU'}, {'hw:maxphysaddr_bits': '40'},
                                                   {'capabilities:cpu_info:maxphysaddr:bits': '>= 40'}]))},
        image=data.draw(st.sampled_from([{}, {'hw_architecture': 'x86_64'}, {'img_hv_type': 'kvm'},
                                         {'img_hv_requested_version': '>=7.2'}, {'hw_vm_mode': 'xen'},
                                         {'img_hv_type': 'qemu', 'img_hv_requested_version': '>=7.2,<8'},
                                         {'hw_architecture': 'x86_64', 'hw_maxphysaddr_bits': 42}])),
        availability_zone=data.draw(st.sampled_from([None, 'az1', 'az3'])),
        exclude_hosts=data.draw(st.lists(st.sampled_from([r['host'] for r in rows]), max_size=3)))
    cfg = config_mod.SchedulerConfig(enabled_filters=[c.name() for c in filters_mod.BUILTIN])
    for flt in filters_mod.load_enabled(cfg):
        vector = flt.filter_all(state, spec)
        per_host = [bool(flt.host_passes(state.view(i), spec)) for i in range(state.n)]
        assert list(vector) == per_host, flt.name()


def test_normalise_like_nova():
    assert list(weighers.normalise(np.array([2.0, 4.0, 6.0]))) == [0.0, 0.5, 1.0]
    assert list(weighers.normalise(np.array([3.0, 3.0]))) == [0.0, 0.0]


def test_multipliers_and_build_failures():
    rows = [{'host': 'big', 'memory_mb': 64000, 'vcpus': 2, 'local_gb': 100, 'failed_builds': 3},
            {'host': 'cpu', 'memory_mb': 8000, 'vcpus': 64, 'local_gb': 100},
            {'host': 'mid', 'memory_mb': 32000, 'vcpus': 8, 'local_gb': 100}]
    state = make_state(rows)
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})

    def chosen(**options):
        cfg = config_mod.SchedulerConfig(enabled_filters=['ComputeFilter'], **options)
        return state.hosts[manager.decide(state, spec, filters_mod.load_enabled(cfg), cfg)[0]]

    # build failures sink "big" despite its RAM (Nova's multiplier outweighs everything)
    assert chosen(cpu_weight_multiplier=0.0) == 'mid'
    assert chosen(ram_weight_multiplier=0.0, build_failure_weight_multiplier=0.0) == 'cpu'
    assert chosen(build_failure_weight_multiplier=0.0, cpu_weight_multiplier=0.0) == 'big'
    assert chosen(ram_weight_multiplier=-1.0, cpu_weight_multiplier=0.0,
                  build_failure_weight_multiplier=0.0) == 'cpu'   # stacking: least free RAM
    # weighers left out of weight_classes count for nothing, whatever their multiplier
    assert chosen(weight_classes=['RAMWeigher']) == 'big'
    assert chosen(weight_classes=['nova.scheduler.weights.cpu.CPUWeigher']) == 'cpu'


def test_weights_are_normalised_per_weigher_and_summed():
    # Nova's RAM and CPU weighers divide by the largest value (minval 0): free RAM 1000/2000/3000 MB ->
    # 1/3, 2/3, 1; free vCPUs 30/10/20 -> 1, 1/3, 2/3 (times 2)
    rows = [{'host': 'h%d' % i, 'memory_mb': m, 'reserved_host_memory_mb': 0, 'ram_allocation_ratio': 1.0,
             'vcpus': v, 'cpu_allocation_ratio': 1.0}
            for i, (m, v) in enumerate([(1000, 30), (2000, 10), (3000, 20)])]
    state = make_state(rows)
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    cfg = config_mod.SchedulerConfig(weight_classes=['RAMWeigher', 'CPUWeigher'], cpu_weight_multiplier=2.0)
    weights = weighers.weigh(state, spec, np.arange(3), weighers.load_enabled(cfg))
    assert list(weights) == [1 / 3 + 2.0, 2 / 3 + 2 / 3 * 1.0, 1.0 + 2 / 3 * 2.0]
    assert list(weights) == pytest.approx([7 / 3, 4 / 3, 7 / 3], rel=1e-15)


def test_default_weighers_are_novas():
    enabled = weighers.load_enabled(config_mod.SchedulerConfig())
    # num_instances_weight_multiplier defaults to 0: that weigher is not run
    assert [w.name() for w, _multiplier in enabled] == [
        'RAMWeigher', 'CPUWeigher', 'DiskWeigher', 'HypervisorVersionWeigher', 'IoOpsWeigher',
        'ServerGroupSoftAffinityWeigher', 'ServerGroupSoftAntiAffinityWeigher', 'BuildFailureWeigher']
    multipliers = dict((w.name(), m) for w, m in enabled)
    assert multipliers['BuildFailureWeigher'] == -1000000.0 and multipliers['IoOpsWeigher'] == -1.0


def test_io_ops_weigher_prefers_quiet_hosts():
    state = HostState.from_columns({'id': [1, 2], 'uuid': ['u1', 'u2'], 'host': ['busy', 'quiet'],
                                    'availability_zone': ['nova'] * 2, 'memory_mb': [8000, 8000]},
                                   io_ops_counts={1: 2})
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    enabled = weighers.load_enabled(config_mod.SchedulerConfig())
    # equal free RAM divides by itself (Nova's minval 0): 1 each; io ops 2/2 * -1 and 0
    assert list(weighers.weigh(state, spec, np.arange(2), enabled)) == [0.0, 1.0]


@pytest.mark.parametrize('entry, words', [
    ('nova.scheduler.weights.pci.PCIWeigher', 'no novalite equivalent'),
    ('no_such_module_xyz.Weigher', 'cannot import'),
])
def test_bad_weight_classes_name_the_option(entry, words):
    with pytest.raises(errors.InvalidInput) as caught:
        weighers.load_enabled(config_mod.SchedulerConfig(weight_classes=[entry]))
    assert caught.value.field == 'scheduler.weight_classes' and words in caught.value.reason


THIRD_PARTY_WEIGHER = textwrap.dedent('''
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher

    class LastDigitWeigher(BaseHostWeigher):
        # per host only (Nova's interface): the host name's last digit
        def _weigh_object(self, host_state, spec):
            return int(host_state.host[-1])
''')


def test_third_party_weigher(tmp_path):
    plugin = tmp_path / 'last_digit.py'
    plugin.write_text(THIRD_PARTY_WEIGHER)
    state = make_state([{'host': 'h%d' % i, 'memory_mb': 1000 * (9 - i)} for i in range(4)])
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    cfg = config_mod.SchedulerConfig(enabled_filters=['ComputeFilter'], weight_classes=[str(plugin)])
    assert state.hosts[manager.decide(state, spec, filters_mod.load_enabled(cfg), cfg)[0]] == 'h3'


BROKEN_FILTERS = textwrap.dedent('''
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter

    class BrokenFilter(BaseHostFilter):
        def __init__(self, config):
            self.limit = config.max_instances_per_host + 'x'   # a bug: TypeError inside the constructor

        def host_passes(self, host_state, spec):
            return True

    class NoConfigFilter(BaseHostFilter):
        def host_passes(self, host_state, spec):
            return True
''')


def test_filter_constructor_type_error_is_not_swallowed(tmp_path):
    plugin = tmp_path / 'broken_filter.py'
    plugin.write_text(BROKEN_FILTERS)
    cfg = config_mod.SchedulerConfig(available_filters=[str(plugin)], enabled_filters=['NoConfigFilter'])
    assert [f.name() for f in filters_mod.load_enabled(cfg)] == ['NoConfigFilter']
    cfg = config_mod.SchedulerConfig(available_filters=[str(plugin)], enabled_filters=['BrokenFilter'])
    with pytest.raises(TypeError, match='unsupported operand'):
        filters_mod.load_enabled(cfg)


def test_host_subset_size_picks_among_top_n():
    import random
    rows = [{'host': 'h%d' % i, 'memory_mb': 1000 * (i + 1)} for i in range(10)]
    state = make_state(rows)
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    cfg = config_mod.SchedulerConfig(enabled_filters=['ComputeFilter'], host_subset_size=3)
    enabled = filters_mod.load_enabled(cfg)
    rng = random.Random(1)
    picked = set(state.hosts[manager.decide(state, spec, enabled, cfg, rng)[0]] for _draw in range(200))
    assert picked == {'h9', 'h8', 'h7'}


THIRD_PARTY = textwrap.dedent('''
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter

    class EvenHostFilter(BaseHostFilter):
        """Only hosts whose name ends in an even digit (per-host only, no filter_all)."""
        def host_passes(self, host_state, spec):
            return int(host_state.host[-1]) % 2 == 0
''')


@pytest.mark.parametrize('how', ['file', 'directory', 'import'])
def test_third_party_filter(tmp_path, monkeypatch, how):
    import uuid
    plugin_dir = tmp_path / 'scheduler_filters'
    plugin_dir.mkdir()
    module_name = 'even_%s' % uuid.uuid4().hex[:8]   # unique: sys.modules outlives the test
    (plugin_dir / (module_name + '.py')).write_text(THIRD_PARTY)
    entry = {'file': str(plugin_dir / (module_name + '.py')), 'directory': str(plugin_dir),
             'import': module_name + '.EvenHostFilter'}[how]
    if how == 'import':
        monkeypatch.syspath_prepend(str(plugin_dir))
    cfg = config_mod.SchedulerConfig(available_filters=[config_mod.ALL_FILTERS, entry],
                                     enabled_filters=['ComputeFilter', 'EvenHostFilter'])
    enabled = filters_mod.load_enabled(cfg)
    state = make_state([{'host': 'h%d' % i, 'memory_mb': 1000 * (i + 1)} for i in range(6)])
    spec = request_spec.build({'vcpus': 1, 'memory_mb': 1, 'root_gb': 0})
    candidates, explanation = manager.run_filters(state, spec, enabled)
    assert [state.hosts[i] for i in candidates] == ['h0', 'h2', 'h4']
    assert explanation.steps[-1] == {'filter': 'EvenHostFilter', 'removed': 3, 'remaining': 3, 'reason': ''}


def test_unknown_plugin_path():
    cfg = config_mod.SchedulerConfig(available_filters=['/nonexistent/dir/x.py'])
    with pytest.raises(errors.InvalidInput) as caught:
        filters_mod.load_enabled(cfg)
    assert caught.value.field == 'scheduler.available_filters'
