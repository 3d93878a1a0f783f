# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""novalite's scheduler gives Nova's answers.

The reference below is written host by host in plain Python from Nova's and
Placement's documented rules (Placement's allocation candidates; Nova's
HostState fields as the resource tracker fills them; ComputeFilter,
AvailabilityZoneFilter, ComputeCapabilitiesFilter with extra_specs_ops,
ImagePropertiesFilter; the RAM, CPU, Disk, HypervisorVersion, NumInstances,
IoOps, ImageProperties and BuildFailure weighers with Nova's ``normalize``).
A seeded cloud of a few hundred hosts takes a few hundred requests; after
each, the chosen host gets the allocation on both sides, so later requests
see used hosts. The passing set, every passing host's weight (bit for bit)
and the order of the top hosts must equal novalite's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import math
import random
import re

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import filters as filters_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager, request_spec, weighers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers import image_props

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)
TOP = 10

# --------------------------------------------------------------------------------------------------
# The reference: Nova's rules, one host at a time.
# --------------------------------------------------------------------------------------------------


class NovaHostState(object):
    """The fields Nova's HostState has (as the resource tracker and the host manager fill them)."""

    def __init__(self, row):
        reserved_disk_gb_used = row['reserved_host_disk_mb'] // 1024   # an integer field: rounded down
        self.host = row['host']
        self.nodename = row['host']
        self.hypervisor_hostname = row['host']
        self.uuid = row['uuid']
        self.vcpus_total = row['vcpus']
        self.vcpus_used = row['vcpus_used'] + row['reserved_host_cpus']
        self.total_usable_ram_mb = row['memory_mb']
        self.free_ram_mb = row['memory_mb'] - (row['memory_mb_used'] + row['reserved_host_memory_mb'])
        self.total_usable_disk_gb = row['local_gb']
        local_gb_used = row['local_gb_used'] + reserved_disk_gb_used
        self.disk_mb_used = local_gb_used * 1024
        free_gb = row['local_gb'] - local_gb_used
        if row['free_disk_gb'] is not None:   # the host's disk_available_least
            free_gb = min(row['free_disk_gb'], free_gb)
        self.free_disk_mb = free_gb * 1024
        self.cpu_allocation_ratio = row['cpu_allocation_ratio']
        self.ram_allocation_ratio = row['ram_allocation_ratio']
        self.disk_allocation_ratio = row['disk_allocation_ratio']
        self.hypervisor_type = row['hypervisor_type']
        self.hypervisor_version = row['hypervisor_version']
        self.cpu_info = None if row['cpu_info'] is None else json.dumps(row['cpu_info'])
        self.num_instances = row['num_instances']
        self.num_io_ops = row['num_io_ops']
        self.failed_builds = row['failed_builds']
        self.stats = dict(row['capabilities'], num_instances=str(row['num_instances']),
                          io_workload=str(row['num_io_ops']), failed_builds=str(row['failed_builds']))
        # what novalite has no data for
        self.host_ip = self.pci_stats = self.numa_topology = self.metrics = self.cell_uuid = None
        self.supported_instances = None
        self.updated = self.service = None
        self.limits = {}
        self.aggregates = []
        self.instances = {}
        self.allocation_candidates = []


def ref_match(value, req):
    """extra_specs_ops.match."""
    numeric = {'=': lambda x, y: float(x) >= float(y), '==': lambda x, y: float(x) == float(y),
               '!=': lambda x, y: float(x) != float(y), '>=': lambda x, y: float(x) >= float(y),
               '<=': lambda x, y: float(x) <= float(y)}
    text = {'s==': lambda x, y: x == y, 's!=': lambda x, y: x != y, 's<': lambda x, y: x < y,
            's<=': lambda x, y: x <= y, 's>': lambda x, y: x > y, 's>=': lambda x, y: x >= y,
            '<in>': lambda x, y: y in x}
    words = req.split()
    op = words[0] if words else None
    if op not in numeric and op not in text and op not in ('<or>', '<all-in>'):
        return value == req
    if value is None:
        return False
    rest = words[1:]
    if op == '<or>':
        return any(rest[i] == value for i in range(0, len(rest), 2))
    if not rest:
        return False
    if op == '<all-in>':
        return all(word in value for word in rest)
    if op in numeric:
        return numeric[op](value, rest[0])
    return text[op](value, rest[0])


def ref_capability(host, scope):
    """ComputeCapabilitiesFilter._get_capabilities."""
    cap = host
    for part in scope:
        if isinstance(cap, str):
            try:
                cap = json.loads(cap)
            except ValueError:
                return None
        if isinstance(cap, dict):
            cap = cap.get(part)
        elif cap is host:
            found = getattr(host, part, None)
            cap = host.stats.get(part) if found is None else found
        else:
            cap = None   # Nova: no such attribute and no stats on a plain value
        if cap is None:
            return None
    return cap


def ref_capabilities_pass(host, extra_specs):
    especs = dict(extra_specs)
    if 'hw:maxphysaddr_bits' in especs:
        especs['capabilities:cpu_info:maxphysaddr:bits'] = '>= ' + especs.pop('hw:maxphysaddr_bits')
    for key, req in especs.items():
        scope = key.split(':')
        if len(scope) == 1:
            if not (hasattr(host, key) or key in host.stats):
                continue
        elif scope[0] != 'capabilities':
            continue
        else:
            scope = scope[1:]
        cap = ref_capability(host, scope)
        if cap is None or not ref_match(str(cap), req):
            return False
    return True


def ref_version_tuple(number):
    parts = []
    while number:
        parts.insert(0, number - number // 1000 * 1000)
        number //= 1000
    return tuple(parts)


def ref_image_pass(row, props):
    """ImagePropertiesFilter with the libvirt driver's supported instances for a QEMU host."""
    arch = props.get('hw_architecture')
    arch = {'i386': 'i686', 'i486': 'i686', 'i586': 'i686', 'amd64': 'x86_64'}.get(
        arch.lower(), arch.lower()) if arch else None
    hv_type = props.get('img_hv_type')
    hv_type = hv_type.lower() if hv_type else None
    vm_mode = props.get('hw_vm_mode')
    vm_mode = {'hv': 'hvm', 'pv': 'xen'}.get(vm_mode.lower(), vm_mode.lower()) if vm_mode else None
    if not (arch or hv_type or vm_mode):
        return True
    supported = [(row['cpu_arch'], 'qemu', 'hvm')]
    if row['virt_type'] == 'kvm':
        supported.append((row['cpu_arch'], 'kvm', 'hvm'))
    for offer in supported:
        if any(want and want not in offer for want in (arch, hv_type, vm_mode)):
            continue
        wanted = props.get('img_hv_requested_version')
        if wanted and row['hypervisor_version']:
            have = ref_version_tuple(row['hypervisor_version'])
            ops = {'>=': lambda a, b: a >= b, '<': lambda a, b: a < b, '==': lambda a, b: a == b}
            terms = [re.match(r'\s*(>=|==|<)\s*(\S+)\s*$', term).groups() for term in wanted.split(',')]
            if not all(ops[op](have, tuple(int(p) for p in version.split('.'))) for op, version in terms):
                continue
        bits_wanted = props.get('hw_maxphysaddr_bits')
        bits = ((row['cpu_info'] or {}).get('maxphysaddr') or {}).get('bits')
        if bits_wanted and bits and bits < bits_wanted:
            continue
        return True
    return False


def ref_placement_pass(row, vcpus, memory_mb, disk_gb):
    """GET /allocation_candidates for one provider: every requested class fits (total - reserved) * ratio
    and is at most max_unit (the total)."""
    inventories = (
        (vcpus, row['vcpus'], row['reserved_host_cpus'], row['cpu_allocation_ratio'], row['vcpus_used']),
        (memory_mb, row['memory_mb'], row['reserved_host_memory_mb'], row['ram_allocation_ratio'],
         row['memory_mb_used']),
        (disk_gb, row['local_gb'], math.ceil(row['reserved_host_disk_mb'] / 1024.0), row['disk_allocation_ratio'],
         row['local_gb_used']),
    )
    for amount, total, reserved, ratio, used in inventories:
        if not amount:
            continue
        if amount > total or used + amount > (total - reserved) * ratio:
            return False
    return True


def ref_normalize(values, minval=None):
    if minval is not None:
        values = [max(v, minval) for v in values]
    high = float(max(values))
    low = float(min(values) if minval is None else minval)
    if low == high:
        return [0] * len(values)
    return [(v - low) / (high - low) for v in values]


def ref_image_weight(row, requested, setting):
    wanted = set((key, '%s' % value) for key, value in requested.items())
    existing = []
    for props in row['instance_images']:
        existing.extend(set((key, str(value)) for key, value in props.items()))
    weight = 0.0
    for prop, value in wanted & set(existing):
        weight += (setting.get(prop, 0.0) if setting else 1) * existing.count((prop, value))
    return weight


def ref_schedule(rows, request, options):
    """(passing positions, {position: weight}) as Nova computes them."""
    flavor = request['flavor']
    disk_gb = flavor['root_gb'] + flavor['ephemeral_gb'] + math.ceil(flavor['swap'] / 1024.0)
    passing = []
    for pos, row in enumerate(rows):
        if not (row['service_up'] and row['service_enabled']):
            continue
        if request['az'] is not None and row['availability_zone'] != request['az']:
            continue
        if not ref_placement_pass(row, flavor['vcpus'], flavor['memory_mb'], disk_gb):
            continue
        if not ref_capabilities_pass(NovaHostState(row), flavor['extra_specs']):
            continue
        if not ref_image_pass(row, request['image']):
            continue
        passing.append(pos)
    weights = dict((pos, 0.0) for pos in passing)
    if len(passing) < 2:
        return passing, weights
    hosts = [NovaHostState(rows[pos]) for pos in passing]
    setting = dict((k, float(v)) for k, _s, v in (e.partition('=') for e in options['image_props_weight_setting']))
    weighed = [
        # (raw values, minval, multiplier), in novalite's weigher order
        ([h.free_ram_mb for h in hosts], 0, options['ram_weight_multiplier']),
        ([h.vcpus_total * h.cpu_allocation_ratio - h.vcpus_used for h in hosts], 0,
         options['cpu_weight_multiplier']),
        ([h.free_disk_mb for h in hosts], 0, options['disk_weight_multiplier']),
        ([h.hypervisor_version or 0 for h in hosts], None, options['hypervisor_version_weight_multiplier']),
        ([h.num_instances for h in hosts], None, options['num_instances_weight_multiplier']),
        ([h.num_io_ops for h in hosts], 0, options['io_ops_weight_multiplier']),
        ([ref_image_weight(rows[pos], request['image'], setting) for pos in passing], None,
         options['image_props_weight_multiplier']),
        ([h.failed_builds for h in hosts], None, -options['build_failure_weight_multiplier']),
    ]
    for raw, minval, multiplier in weighed:
        if not multiplier:
            continue
        for pos, value in zip(passing, ref_normalize(raw, minval)):
            weights[pos] += multiplier * value
    return passing, weights


# --------------------------------------------------------------------------------------------------
# The generated cloud and requests.
# --------------------------------------------------------------------------------------------------

IMAGES = [{'os_distro': 'ubuntu', 'hw_disk_bus': 'virtio'}, {'os_distro': 'windows', 'hw_machine_type': 'q35'},
          {'os_distro': 'ubuntu', 'hw_machine_type': 'q35'}, {}]


def make_rows(rnd, count):
    rows = []
    for i in range(count):
        arch = rnd.choice(['x86_64', 'x86_64', 'aarch64'])
        vcpus = rnd.choice([1, 2, 4, 8, 16, 32, 64])
        memory_mb = rnd.choice([512, 2048, 8192, 16384, 65536, 262144])
        local_gb = rnd.choice([0, 20, 100, 500, 2000])
        cpu_ratio = rnd.choice([1.0, 4.0, 16.0, 1.5])
        ram_ratio = rnd.choice([1.0, 1.5, 0.9])
        disk_ratio = rnd.choice([1.0, 2.0, 1.1])
        reserved_mb = rnd.choice([0, 512, 4096])
        reserved_disk_mb = rnd.choice([0, 1, 1023, 1024, 3000])
        reserved_cpus = rnd.choice([0, 0, 1, 2])
        capabilities = {}
        if rnd.random() < 0.3:
            capabilities['gpu'] = rnd.choice(['a100', 't4'])
        if rnd.random() < 0.3:
            capabilities['numa'] = rnd.choice([1, 2, 4])
        if rnd.random() < 0.2:
            capabilities['foo'] = rnd.choice(['bar', 'baz'])
        if rnd.random() < 0.5:
            capabilities['cpu_arch'] = arch   # the registry reports it there too
        features = sorted(rnd.sample(['aes', 'avx', 'avx2', 'sse'], rnd.randint(0, 4)))
        cpu_info = None if rnd.random() < 0.1 else {'arch': arch, 'features': features}
        if cpu_info is not None and rnd.random() < 0.6:
            cpu_info['maxphysaddr'] = {'bits': rnd.choice([39, 46, 52])}
        service = rnd.random()
        rows.append({
            'id': i + 1, 'uuid': 'uuid-%04d' % i, 'host': 'h%04d' % i,
            'availability_zone': rnd.choice(['nova', 'az1', 'az2']),
            'vcpus': vcpus, 'memory_mb': memory_mb, 'local_gb': local_gb,
            # usage up to a little past what the ratios allow (a ratio lowered after the fact)
            'vcpus_used': rnd.randint(0, int(vcpus * cpu_ratio * 1.1)),
            'memory_mb_used': rnd.randint(0, int(memory_mb * ram_ratio * 1.1)),
            'local_gb_used': rnd.randint(0, int(local_gb * disk_ratio * 1.1)),
            'cpu_allocation_ratio': cpu_ratio, 'ram_allocation_ratio': ram_ratio,
            'disk_allocation_ratio': disk_ratio, 'reserved_host_memory_mb': reserved_mb,
            'reserved_host_disk_mb': reserved_disk_mb, 'reserved_host_cpus': reserved_cpus,
            'cpu_arch': arch, 'hypervisor_type': 'QEMU', 'virt_type': rnd.choice(['kvm', 'qemu']),
            'hypervisor_version': rnd.choice([None, 5002000, 7002000, 7002022, 8000000]),
            'capabilities': capabilities, 'cpu_info': cpu_info,
            'failed_builds': rnd.choice([0] * 12 + [1, 3]),
            'free_disk_gb': None if rnd.random() < 0.5 else rnd.randint(0, local_gb + 10),
            'num_instances': rnd.randint(0, 12), 'num_io_ops': rnd.choice([0] * 6 + [1, 2, 3]),
            'instance_images': [rnd.choice(IMAGES) for _i in range(rnd.randint(0, 4))],
            'service_up': service > 0.05, 'service_enabled': service < 0.95, 'has_service': service > 0.02,
        })
    return rows


EXTRA_SPECS = [
    {}, {'foo': 'bar'}, {'gpu': 's== a100'}, {'capabilities:gpu': '<or> a100 <or> t4'},
    {'hypervisor_type': 's== QEMU'}, {'capabilities:hypervisor_type': 'QEMU'},
    {'capabilities:hypervisor_version': '>= 7000000'}, {'hypervisor_version': '== 7002022'},
    {'capabilities:cpu_info:arch': 'x86_64'}, {'capabilities:cpu_info:features': '<all-in> aes avx'},
    {'capabilities:cpu_info:features': '<in> avx2'}, {'capabilities:cpu_info': '<in> aarch64'},
    {'capabilities:stats:num_instances': 's<= 3'}, {'num_instances': '>= 2'}, {'free_ram_mb': '>= 8192'},
    {'vcpus_used': '<= 10'}, {'capabilities:numa': '= 2'}, {'numa': '!= 1'}, {'hw:cpu_policy': 'dedicated'},
    {'hw:maxphysaddr_bits': '42'}, {'vcpus': '>= 1000'}, {'capabilities:free_disk_mb': '>= 102400'},
    {'trust:trusted_host': 'trusted'}, {'capabilities:cpu_allocation_ratio': 's== 16.0'},
    {'capabilities:io_workload': '== 0'}, {'capabilities:num_io_ops': '< 1'}, {'cpu_arch': 's!= aarch64'},
    {'capabilities:total_usable_ram_mb': '>= 16384'}, {'capabilities:vcpus_total': 's> 16'},
    {'capabilities:disk_mb_used': '<= 204800'}, {'failed_builds': '== 0'}, {'capabilities:nope': 'x'},
    {'capabilities:': 'x'}, {'capabilities:cpu_info:arch:x': 'x'}, {'host_ip': '10.0.0.1'},
]
IMAGE_PROPS = [
    {}, {'hw_architecture': 'x86_64'}, {'hw_architecture': 'amd64'}, {'img_hv_type': 'kvm'},
    {'img_hv_type': 'QEMU'}, {'hw_vm_mode': 'hvm'}, {'hw_vm_mode': 'xen'}, {'hw_vm_mode': 'hv'},
    {'img_hv_requested_version': '>=7.2'},
    {'hw_architecture': 'aarch64', 'img_hv_requested_version': '>=7.2,<8.0'},
    {'img_hv_type': 'qemu', 'img_hv_requested_version': '==7.2.22'},
    {'hw_architecture': 'x86_64', 'hw_maxphysaddr_bits': 42},
] + IMAGES


def make_request(rnd):
    extra_specs = {}
    for _pick in range(rnd.choice([0, 1, 1, 2])):
        extra_specs.update(rnd.choice(EXTRA_SPECS))
    flavor = {'vcpus': rnd.choice([1, 1, 2, 4, 8, 20]), 'memory_mb': rnd.choice([64, 512, 2048, 8192, 30000]),
              'root_gb': rnd.choice([0, 0, 1, 10, 40]), 'ephemeral_gb': rnd.choice([0, 0, 5]),
              'swap': rnd.choice([0, 0, 1, 512, 2048]), 'extra_specs': extra_specs}
    return {'flavor': flavor, 'image': dict(rnd.choice(IMAGE_PROPS)),
            'az': rnd.choice([None, None, 'az1', 'az2', 'nova', 'az3'])}


def make_options(rnd):
    options = dict(config_mod.DEFAULT_MULTIPLIERS, image_props_weight_setting=[])
    if rnd.random() < 0.5:
        for name in ('ram_weight_multiplier', 'cpu_weight_multiplier', 'disk_weight_multiplier',
                     'hypervisor_version_weight_multiplier', 'num_instances_weight_multiplier',
                     'io_ops_weight_multiplier', 'image_props_weight_multiplier'):
            options[name] = rnd.choice([0.0, 1.0, -1.0, 2.5, 0.3])
        options['build_failure_weight_multiplier'] = rnd.choice([0.0, 1000000.0, 3.0])
        options['image_props_weight_setting'] = rnd.choice(
            [[], ['os_distro=1', 'hw_machine_type=-1'], ['hw_disk_bus=2.5'], ['os_distro=0']])
    return options


def novalite_state(rows):
    keys = [k for k in rows[0] if k not in ('num_instances', 'num_io_ops', 'instance_images', 'service_up',
                                            'service_enabled', 'has_service')]
    columns = dict((k, [r[k] for r in rows]) for k in keys)
    stale = NOW - datetime.timedelta(seconds=3600)
    services = [(r['host'], not r['service_enabled'], False, NOW if r['service_up'] else stale, None)
                for r in rows if r['has_service']]
    return HostState.from_columns(columns, services, now=NOW,
                                  instance_counts=dict((r['id'], r['num_instances']) for r in rows),
                                  io_ops_counts=dict((r['id'], r['num_io_ops']) for r in rows))


@pytest.mark.parametrize('seed', [1, 2])
def test_passing_set_weights_and_ranking_equal_novas(seed):
    rnd = random.Random(seed)
    rows = make_rows(rnd, 300)
    for row in rows:   # a host without a service row is never up (ComputeFilter)
        row['service_up'] = row['service_up'] and row['has_service']
        row['service_enabled'] = row['service_enabled'] and row['has_service']
    state = novalite_state(rows)
    checked = placed = 0
    for _number in range(150):
        request = make_request(rnd)
        options = make_options(rnd)
        cfg = config_mod.SchedulerConfig(**options)
        spec = request_spec.build(request['flavor'], image=request['image'],
                                  availability_zone=request['az'])
        enabled_weighers = weighers.load_enabled(cfg)
        for weigher, _multiplier in enabled_weighers:
            if isinstance(weigher, image_props.ImagePropertiesWeigher):   # what its prepare() reads from the store
                spec.image_props_weights = image_props.host_weights(
                    ((r['host'], props) for r in rows for props in r['instance_images']),
                    spec.image_properties, weigher.setting)
        candidates, _explanation = manager.run_filters(state, spec, filters_mod.load_enabled(cfg))
        weights = weighers.weigh(state, spec, candidates, enabled_weighers)

        want_passing, want_weights = ref_schedule(rows, request, options)
        assert sorted(int(c) for c in candidates) == want_passing, request
        got = dict((int(c), float(w)) for c, w in zip(candidates, weights))
        assert got == want_weights, (request, options)
        got_top = sorted(got, key=lambda pos: (-got[pos], pos))[:TOP]
        want_top = sorted(want_weights, key=lambda pos: (-want_weights[pos], pos))[:TOP]
        assert got_top == want_top
        chosen, _explanation = manager.decide(state, spec, filters_mod.load_enabled(cfg), cfg,
                                              enabled_weighers=enabled_weighers)
        checked += 1
        if not want_top:
            assert chosen is None
            continue
        assert chosen == want_top[0]
        # Placement's claim on the chosen host, seen by both sides from the next request on
        row = rows[chosen]
        disk_gb = spec.disk_gb
        row['vcpus_used'] += spec.vcpus
        row['memory_mb_used'] += spec.memory_mb
        row['local_gb_used'] += disk_gb
        row['num_instances'] += 1
        state.consume(chosen, spec.vcpus, spec.memory_mb, disk_gb)
        placed += 1
    assert checked == 150 and placed > 50   # the requests mostly found a host: the ranking was exercised
