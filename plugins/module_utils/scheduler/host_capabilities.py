# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A host's capabilities as Nova's ComputeCapabilitiesFilter sees them.

Nova walks an extra spec's scope (``capabilities:cpu_info:arch``) from its
HostState: the first word is a HostState attribute, or else a key of the
compute node's ``stats``; each further word is a key of the dict (or of the
JSON text) found so far. The value compared is ``str()`` of what is found,
and nothing found fails the host. Here the attributes are read from
HostState's columns, the host's reported ``capabilities`` JSON plays the part
of Nova's stats (with Nova's ``num_instances``, ``io_workload`` and
``failed_builds`` stats added), and a few novalite names (``cpu_arch``,
``virt_type``, ``vcpus``, ``memory_mb``, ``local_gb``,
``availability_zone``) answer scoped keys as well.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

# Attributes every Nova HostState has: an unscoped extra spec named like one of them is checked on every
# host; any other unscoped key only on hosts whose stats hold it. Those novalite has no data for answer None
# (the host fails a spec that names them, where Nova would compare the text of an internal object).
NOVA_ATTRIBUTES = frozenset((
    'host', 'nodename', 'uuid', 'total_usable_ram_mb', 'total_usable_disk_gb', 'disk_mb_used', 'free_ram_mb',
    'free_disk_mb', 'vcpus_total', 'vcpus_used', 'pci_stats', 'numa_topology', 'num_instances', 'num_io_ops',
    'failed_builds', 'host_ip', 'hypervisor_type', 'hypervisor_version', 'hypervisor_hostname', 'cpu_info',
    'supported_instances', 'limits', 'metrics', 'aggregates', 'instances', 'ram_allocation_ratio',
    'cpu_allocation_ratio', 'disk_allocation_ratio', 'cell_uuid', 'updated', 'allocation_candidates', 'stats',
    'service', 'update', 'consume_from_request',
))
# novalite's own names, looked up only under ``capabilities:``
NOVALITE_NAMES = frozenset(('cpu_arch', 'virt_type', 'vcpus', 'memory_mb', 'local_gb', 'availability_zone'))
# what Nova's resource tracker puts in every compute node's stats
TRACKER_STATS = ('num_instances', 'io_workload', 'failed_builds')
# attributes whose value moves with every claim: never cached
_USAGE = frozenset(('vcpus_used', 'free_ram_mb', 'free_disk_mb', 'disk_mb_used', 'num_instances', 'num_io_ops',
                    'failed_builds', 'io_workload', 'stats'))


def _int(column, pos):
    return int(column[pos])


# cache keys besides extra spec paths (no path starts with NUL)
_STATIC = '\0static'
_CHECKED = '\0checked'
_MASKS = '\0masks'


def forget(state):
    """Drop every cached column (a new state, or hosts were added to it).

    The caches live on the state (``state.capability_cache``: {key: column}, ``state.capability_lookups``),
    made here and read and kept up to date only by this module's functions.
    """
    state.capability_cache = {}
    state.capability_lookups = {}   # {path: (names, {value: code})}, for host_changed


def _static(state, name, compute):
    """A column derived from the hosts' totals, reserved amounts and ratios, computed once per state (a live
    state drops it when one of them moves: host_changed)."""
    key = (_STATIC, name)
    found = state.capability_cache.get(key)
    if found is None:
        found = state.capability_cache[key] = compute()
    return found


def is_static(path):
    """Does a capability path keep its value between claims (so what is decided on it can be kept)?"""
    return path[0] not in _USAGE


def static_masks(state, key, compute):
    """A filter's per-request masks that read only the hosts' static columns and their aggregates: kept on
    the state for the next request with the same ``key`` (requests mostly repeat a few flavors and images),
    dropped when a host's static columns move (host_changed) or the aggregates are read again."""
    key = (_MASKS,) + key
    found = state.capability_cache.get(key)
    if found is None or found[0] is not state.aggregates:
        found = state.capability_cache[key] = (state.aggregates, compute())
    return found[1]


def _at(state, where, formula):
    """``formula(at)`` for the hosts ``where`` (a position or an array of them), ``at(column)`` giving a
    column's values there. For most of the hosts, working on whole columns and gathering the result once
    is cheaper than gathering every column."""
    if not np.ndim(where):
        return formula(lambda column: column.take([where]))[0]   # arrays of one: the formulas work in place
    if len(where) * 4 >= state.n:
        return formula(lambda column: column).take(where)
    return formula(lambda column: column.take(where))


# The formulas below work in place on their own temporaries: at 100,000 hosts every fresh array costs more
# than the arithmetic.

def free_disk_mb(state, where):
    """Nova's HostState.free_disk_mb: the tracker's free disk, or the host's disk_available_least when lower."""
    usable = _static(state, 'disk', lambda: state.local_gb - capacity.tracker_local_gb_used(
        0, state.reserved_host_disk_mb))
    any_least = _static(state, 'any_least', lambda: not np.isnan(state.disk_available_least).all())

    def formula(at):
        free_gb = np.subtract(at(usable), at(state.local_gb_used))
        if any_least:
            np.fmin(at(state.disk_available_least), free_gb, out=free_gb)
        free_gb *= 1024
        return free_gb
    return _at(state, where, formula)


def free_ram_mb(state, where):
    """Nova's HostState.free_ram_mb: memory less reserved less used, no allocation ratio."""
    usable = _static(state, 'ram', lambda: state.memory_mb - capacity.tracker_memory_mb_used(
        0, state.reserved_host_memory_mb))
    return _at(state, where, lambda at: at(usable) - at(state.memory_mb_used))


def vcpus_used(state, where):
    """Nova's HostState.vcpus_used: the reserved CPUs count as used."""
    return _at(state, where, lambda at: capacity.tracker_vcpus_used(
        at(state.vcpus_used), at(state.reserved_host_cpus)))


def free_vcpus(state, where):
    """What Nova's CPUWeigher weighs: ``vcpus_total * cpu_allocation_ratio - vcpus_used``."""
    overcommitted = _static(state, 'cpu', lambda: state.vcpus * state.cpu_allocation_ratio)

    def formula(at):
        used = np.add(at(state.vcpus_used), at(state.reserved_host_cpus))   # capacity.tracker_vcpus_used
        return np.subtract(at(overcommitted), used, out=used)
    return _at(state, where, formula)


def _stats(state, pos):
    stats = dict(state.capabilities[pos])
    stats.update(num_instances=str(int(state.num_instances[pos])), io_workload=str(int(state.num_io_ops[pos])),
                 failed_builds=str(int(state.failed_builds[pos])))
    return stats


def _version(state, pos):
    version = state.hypervisor_version[pos]
    return int(version) if version >= 0 else None


_ATTRIBUTES = {
    'host': lambda s, i: s.hosts[i],
    'nodename': lambda s, i: s.nodenames[i],
    'hypervisor_hostname': lambda s, i: s.nodenames[i],
    'uuid': lambda s, i: s.uuids[i],
    'vcpus_total': lambda s, i: _int(s.vcpus, i),
    'total_usable_ram_mb': lambda s, i: _int(s.memory_mb, i),
    'total_usable_disk_gb': lambda s, i: _int(s.local_gb, i),
    'vcpus_used': lambda s, i: int(vcpus_used(s, i)),
    'free_ram_mb': lambda s, i: int(free_ram_mb(s, i)),
    'free_disk_mb': lambda s, i: int(free_disk_mb(s, i)),
    'disk_mb_used': lambda s, i: int(capacity.tracker_local_gb_used(
        s.local_gb_used[i], s.reserved_host_disk_mb[i])) * 1024,
    'num_instances': lambda s, i: _int(s.num_instances, i),
    'num_io_ops': lambda s, i: _int(s.num_io_ops, i),
    'failed_builds': lambda s, i: _int(s.failed_builds, i),
    'hypervisor_type': lambda s, i: s.hypervisor_types[i],
    'hypervisor_version': _version,
    # a JSON text in Nova's compute node: the whole of it compares as that text
    'cpu_info': lambda s, i: None if s.cpu_info[i] is None else json.dumps(s.cpu_info[i]),
    'cpu_allocation_ratio': lambda s, i: float(s.cpu_allocation_ratio[i]),
    'ram_allocation_ratio': lambda s, i: float(s.ram_allocation_ratio[i]),
    'disk_allocation_ratio': lambda s, i: float(s.disk_allocation_ratio[i]),
    'stats': _stats,
    'cpu_arch': lambda s, i: s.arch_names[s.arch_codes[i]] or None,
    'virt_type': lambda s, i: s.virt_names[s.virt_codes[i]] or None,
    'vcpus': lambda s, i: _int(s.vcpus, i),
    'memory_mb': lambda s, i: _int(s.memory_mb, i),
    'local_gb': lambda s, i: _int(s.local_gb, i),
    'availability_zone': lambda s, i: s.az_names[s.az_codes[i]],
}


def _first(state, pos, head):
    """Nova: the HostState attribute, or when that is None, the stats entry."""
    read = _ATTRIBUTES.get(head)
    found = read(state, pos) if read is not None else None
    if found is None:
        found = _stats(state, pos).get(head) if head in TRACKER_STATS else state.capabilities[pos].get(head)
    return found


def value(state, pos, path):
    """The host's capability at ``path`` as Nova compares it (``str`` of what is found), None when absent."""
    found = _first(state, pos, path[0])
    for part in path[1:]:
        if found is None:
            return None
        if isinstance(found, str):
            try:
                found = json.loads(found)
            except ValueError:
                return None
        found = found.get(part) if isinstance(found, dict) else None
    if found is None:
        return None
    return str(found)


def encode(values):
    """Dictionary-encode a column of values: (int codes, names, {name: code})."""
    names = []
    lookup = {}
    codes = np.empty(len(values), dtype=np.int32)
    for i, one in enumerate(values):
        code = lookup.get(one)
        if code is None:
            code = lookup[one] = len(names)
            names.append(one)
        codes[i] = code
    return codes, names, lookup


def _codes(values):
    return encode(values)[:2]


_NUMBER_COLUMNS = {'vcpus_total': 'vcpus', 'total_usable_ram_mb': 'memory_mb', 'total_usable_disk_gb': 'local_gb',
                   'vcpus': 'vcpus', 'memory_mb': 'memory_mb', 'local_gb': 'local_gb',
                   'hypervisor_version': 'hypervisor_version', 'cpu_allocation_ratio': 'cpu_allocation_ratio',
                   'ram_allocation_ratio': 'ram_allocation_ratio', 'disk_allocation_ratio': 'disk_allocation_ratio'}
_CODE_COLUMNS = {'cpu_arch': ('arch_codes', 'arch_names'), 'virt_type': ('virt_codes', 'virt_names'),
                 'availability_zone': ('az_codes', 'az_names')}


def _fast_column(state, head):
    """(codes, values) of a one-word attribute straight from its column, or None to go host by host (an
    attribute some host lacks is looked up in that host's stats)."""
    if head == 'host':
        return np.arange(state.n, dtype=np.int32), list(state.hosts)
    if head in _CODE_COLUMNS:
        codes_name, names_name = _CODE_COLUMNS[head]
        names = getattr(state, names_name)
        return None if '' in names or None in names else (getattr(state, codes_name), list(names))
    if head in _NUMBER_COLUMNS:
        numbers = getattr(state, _NUMBER_COLUMNS[head])
        if head == 'hypervisor_version' and state.n and numbers.min() < 0:
            return None
        values, inverse = np.unique(numbers, return_inverse=True)
        as_text = str if head.endswith('_ratio') else (lambda v: str(int(v)))
        return inverse.reshape(-1).astype(np.int32), [as_text(float(v)) for v in values]
    return None


def column(state, path):
    """(codes, distinct values) of a capability path over every host: the filter judges each distinct value
    once. Cached on the state unless the value moves with claims."""
    key = tuple(path)
    cacheable = key[0] not in _USAGE
    cached = state.capability_cache.get(key) if cacheable else None
    if cached is not None:
        return cached
    found = _fast_column(state, key[0]) if len(key) == 1 else None
    if found is None and len(key) == 1 and key[0] not in _ATTRIBUTES and key[0] not in TRACKER_STATS:
        # a top-level reported capability (the usual extra spec): value()'s answer without a call per host
        found = _codes([None if v is None else str(v) for v in (caps.get(key[0]) for caps in state.capabilities)])
    if found is None:
        found = _codes([value(state, i, key) for i in range(state.n)])
    if cacheable:
        state.capability_cache[key] = found
    return found


def checked(state, key):
    """Bool column: is an unscoped extra spec ``key`` checked on each host? (Nova: when HostState has such an
    attribute or the host's stats hold the key; otherwise the key is not about the host and is ignored.)"""
    if key in NOVA_ATTRIBUTES or key in TRACKER_STATS:
        return np.ones(state.n, dtype=bool)
    cache_key = (_CHECKED, key)
    cached = state.capability_cache.get(cache_key)
    if cached is None:
        cached = state.capability_cache[cache_key] = np.fromiter(
            (key in caps for caps in state.capabilities), dtype=bool, count=state.n)
    return cached


def checked_on(state, pos, key):
    return key in NOVA_ATTRIBUTES or key in TRACKER_STATS or key in state.capabilities[pos]


def _whole_column(key):
    """Is the cached column of ``key`` computed from whole numpy columns (cheap to compute again, and
    possibly sharing the state's own code arrays)?"""
    if key[0] in (_STATIC, _MASKS):
        return True
    return len(key) == 1 and (key[0] == 'host' or key[0] in _CODE_COLUMNS or key[0] in _NUMBER_COLUMNS)


def host_changed(state, pos):
    """Keep the cached columns right after host ``pos``'s totals, reserved amounts, ratios or reported
    capabilities changed in place (a live host state). Columns from whole numpy columns are dropped (made
    again when next asked); columns built host by host are re-coded at ``pos`` only, which at 100,000 hosts
    is what keeps a report from costing a walk over every host."""
    cache = state.capability_cache
    for key in list(cache):
        if _whole_column(key):
            del cache[key]
        elif key[0] == _CHECKED:
            cache[key][pos] = key[1] in state.capabilities[pos]
        else:
            codes, names = cache[key]
            known = state.capability_lookups.get(key)
            if known is None or known[0] is not names:
                known = state.capability_lookups[key] = (names, dict((v, i) for i, v in enumerate(names)))
            found = value(state, pos, key)
            code = known[1].get(found)
            if code is None:
                code = known[1][found] = len(names)
                names.append(found)
            codes[pos] = code
