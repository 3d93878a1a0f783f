# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""All compute hosts as column arrays, loaded once per scheduling run.

Nova builds one HostState object per host per request; at 100,000 hosts that
object churn is the cost. Here every attribute is a numpy column indexed by
host position, the built-in filters and weighers work on whole columns, and
``HostView`` gives third-party filters Nova's per-host attribute interface on
top of the same columns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.registry import liveness
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import aggregates as aggregate_data
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, host_capabilities

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:  # pragma: no cover - reported by the module
    np = None
    HAS_NUMPY = False

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
except ImportError:  # pragma: no cover
    sa = None

_NODE_COLUMNS = (
    'id', 'uuid', 'host', 'hypervisor_hostname', 'availability_zone',
    'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
    'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio',
    'reserved_host_cpus', 'reserved_host_memory_mb', 'reserved_host_disk_mb',
    'cpu_arch', 'hypervisor_type', 'hypervisor_version', 'virt_type',
    'traits', 'capabilities', 'cpu_info', 'generation', 'failed_builds', 'free_disk_gb',
)


def _codes(values):
    """Dictionary-encode a column of strings: (int codes, names, {name: code})."""
    names = []
    lookup = {}
    codes = np.empty(len(values), dtype=np.int32)
    for i, value in enumerate(values):
        code = lookup.get(value)
        if code is None:
            code = lookup[value] = len(names)
            names.append(value)
        codes[i] = code
    return codes, names, lookup


class HostState(object):
    """Column arrays for ``n`` hosts. Build with ``load`` (DB) or ``from_columns`` (tests, benchmark)."""

    def __init__(self, columns, service_rows=(), instance_counts=None, now=None,
                 service_down_time=liveness.SERVICE_DOWN_TIME, io_ops_counts=None):
        n = len(columns['id'])
        self.n = n
        self.ids = np.asarray(columns['id'], dtype=np.int64)
        self.uuids = list(columns['uuid'])
        self.hosts = list(columns['host'])
        self.nodenames = list(columns.get('hypervisor_hostname') or columns['host'])
        self.host_index = dict((h, i) for i, h in enumerate(self.hosts))

        def f64(name, default=0.0):
            col = columns.get(name)
            if col is None:
                return np.full(n, default, dtype=np.float64)
            return np.asarray([default if v is None else v for v in col], dtype=np.float64)

        self.vcpus = f64('vcpus')
        self.memory_mb = f64('memory_mb')
        self.local_gb = f64('local_gb')
        self.vcpus_used = f64('vcpus_used')
        self.memory_mb_used = f64('memory_mb_used')
        self.local_gb_used = f64('local_gb_used')
        self.cpu_allocation_ratio = f64('cpu_allocation_ratio', 16.0)
        self.ram_allocation_ratio = f64('ram_allocation_ratio', 1.5)
        self.disk_allocation_ratio = f64('disk_allocation_ratio', 1.0)
        self.reserved_host_cpus = f64('reserved_host_cpus')
        self.reserved_host_memory_mb = f64('reserved_host_memory_mb', 512.0)
        self.reserved_host_disk_mb = f64('reserved_host_disk_mb')
        self.hypervisor_version = f64('hypervisor_version', -1.0)
        # the host's own free-disk report (Nova's disk_available_least; NaN when unknown)
        self.disk_available_least = f64('free_disk_gb', np.nan)
        self.generation = np.asarray(columns.get('generation') or [0] * n, dtype=np.int64)
        # limits never change during a run; only *_used does
        self.vcpu_limit = capacity.vcpu_limit(self.vcpus, self.cpu_allocation_ratio, self.reserved_host_cpus)
        self.ram_limit = capacity.ram_limit(self.memory_mb, self.ram_allocation_ratio, self.reserved_host_memory_mb)
        self.disk_limit = capacity.disk_limit(self.local_gb, self.disk_allocation_ratio, self.reserved_host_disk_mb)
        # free = limit - used, kept up to date by consume/refresh_node: filters and
        # weighers read it every decision, and only one host changes per placement
        self._free_vcpus = self.vcpu_limit - self.vcpus_used
        self._free_ram_mb = self.ram_limit - self.memory_mb_used
        self._free_disk_gb = self.disk_limit - self.local_gb_used

        self.az_codes, self.az_names, self.az_lookup = _codes(list(columns['availability_zone']))
        self.arch_codes, self.arch_names, self.arch_lookup = _codes(
            [(v or '').lower() for v in columns.get('cpu_arch') or [None] * n])
        self.hypervisor_types = list(columns.get('hypervisor_type') or [None] * n)   # as reported, for capabilities
        self.hv_type_codes, self.hv_type_names, self.hv_type_lookup = _codes(
            [(v or '').lower() for v in columns.get('hypervisor_type') or [None] * n])
        self.virt_codes, self.virt_names, self.virt_lookup = _codes(
            [(v or '').lower() for v in columns.get('virt_type') or [None] * n])
        self.traits = list(columns.get('traits') or [[]] * n)
        self.capabilities = [c or {} for c in (columns.get('capabilities') or [{}] * n)]
        self.cpu_info = list(columns.get('cpu_info') or [None] * n)

        # consecutive failed builds per host (compute_nodes.failed_builds, Nova's
        # compute node stat); fixed for the run, so "any at all" is known once
        self.failed_builds = f64('failed_builds')
        self.any_failed_builds = bool(self.failed_builds.any())
        self.num_instances = self._per_node_id(instance_counts)
        # Nova's num_io_ops: instances being built on the host
        self.num_io_ops = self._per_node_id(io_ops_counts)
        self.any_io_ops = bool(self.num_io_ops.any())

        # ComputeFilter: a host without a nova-compute service row is not up
        self.service_up = np.zeros(n, dtype=bool)
        self.service_enabled = np.zeros(n, dtype=bool)
        self.disabled_reason = {}
        now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for host, disabled, forced_down, last_seen_up, reason in service_rows:
            pos = self.host_index.get(host)
            if pos is None:
                continue
            self.service_up[pos] = liveness.is_up(last_seen_up, now, forced_down, service_down_time)
            self.service_enabled[pos] = not disabled
            if disabled:
                self.disabled_reason[pos] = reason
        self._capability_cache = {}
        self._id_pos_cache = None
        # the hosts' aggregates (scheduler/aggregates.py); ``load`` fills them from the store
        self.aggregates = aggregate_data.empty(n)

    def _per_node_id(self, counts):
        column = np.zeros(self.n, dtype=np.float64)
        for node_id, count in (counts or {}).items():
            pos = self._id_pos().get(node_id)
            if pos is not None:
                column[pos] = count
        return column

    def _id_pos(self):
        if getattr(self, '_id_pos_cache', None) is None:
            self._id_pos_cache = dict((int(v), i) for i, v in enumerate(self.ids))
        return self._id_pos_cache

    # -- derived columns --------------------------------------------------
    # the free columns are read-only views for filters and weighers
    def free_vcpus(self):
        return self._free_vcpus

    def free_ram_mb(self):
        return self._free_ram_mb

    def free_disk_gb(self):
        return self._free_disk_gb

    def _refresh_free(self, pos):
        self._free_vcpus[pos] = self.vcpu_limit[pos] - self.vcpus_used[pos]
        self._free_ram_mb[pos] = self.ram_limit[pos] - self.memory_mb_used[pos]
        self._free_disk_gb[pos] = self.disk_limit[pos] - self.local_gb_used[pos]

    def consume(self, pos, vcpus, memory_mb, disk_gb):
        """What a placement made earlier in this run uses (Nova's consume_from_request)."""
        self.vcpus_used[pos] += vcpus
        self.memory_mb_used[pos] += memory_mb
        self.local_gb_used[pos] += disk_gb
        self._refresh_free(pos)
        self.num_instances[pos] += 1
        # num_io_ops stays as loaded: the store counts an instance as building
        # on a host only once its row names the host, and a request placed in
        # one call must land where the same instances asked one by one would

    def refresh_node(self, node):
        """Take fresh usage for one host (after a lost claim race)."""
        pos = self.host_index.get(node['host'])
        if pos is None:
            return
        self.vcpus_used[pos] = node['vcpus_used']
        self.memory_mb_used[pos] = node['memory_mb_used']
        self.local_gb_used[pos] = node['local_gb_used']
        self._refresh_free(pos)
        self.generation[pos] = node['generation']

    def capability_column(self, path):
        """(codes, distinct values) of a capability path such as ('cpu_info', 'arch'), as Nova compares them."""
        return host_capabilities.column(self, path)

    def capability(self, pos, path):
        """One host's capability at ``path`` as Nova compares it (``str(value)``), None when absent."""
        return host_capabilities.value(self, pos, path)

    def view(self, pos):
        return HostView(self, pos)

    # -- loading ------------------------------------------------------------
    @classmethod
    def load(cls, conn, service_down_time=liveness.SERVICE_DOWN_TIME, now=None):
        nodes = schema.table('compute_nodes')
        rows = conn.execute(sa.select(*[nodes.c[name] for name in _NODE_COLUMNS]).order_by(nodes.c.id)).all()
        columns = dict((name, col) for name, col in zip(_NODE_COLUMNS, zip(*rows))) if rows else \
            dict((name, ()) for name in _NODE_COLUMNS)
        services = schema.table('services')
        service_rows = conn.execute(
            sa.select(services.c.host, services.c.disabled, services.c.forced_down,
                      services.c.last_seen_up, services.c.disabled_reason)
            .where(services.c.binary == liveness.COMPUTE_BINARY)).all()
        allocations = schema.table('allocations')
        # instances per host = consumers holding a claim there (the claim is the truth)
        counts = dict(conn.execute(
            sa.select(allocations.c.compute_node_id, sa.func.count())
            .group_by(allocations.c.compute_node_id)).all())
        instances = schema.table('instances')
        # Nova counts an instance being built as an I/O operation on its host
        io_ops = dict(conn.execute(
            sa.select(nodes.c.id, sa.func.count())
            .select_from(instances.join(nodes, nodes.c.host == instances.c.host))
            .where(instances.c.deleted == 0, instances.c.vm_state == states.BUILDING)
            .group_by(nodes.c.id)).all())
        state = cls(columns, service_rows, counts, now=now, service_down_time=service_down_time,
                    io_ops_counts=io_ops)
        state.aggregates = aggregate_data.load(conn, state.hosts, state.host_index)
        return state

    @classmethod
    def from_columns(cls, columns, service_rows=(), instance_counts=None, now=None, io_ops_counts=None):
        return cls(columns, service_rows, instance_counts, now=now, io_ops_counts=io_ops_counts)


class HostView(object):
    """One host, with Nova's HostState attribute names, for per-host (third-party) filters."""

    __slots__ = ('_state', 'index')

    def __init__(self, state, index):
        self._state = state
        self.index = index

    host = property(lambda self: self._state.hosts[self.index])
    nodename = property(lambda self: self._state.nodenames[self.index])
    uuid = property(lambda self: self._state.uuids[self.index])
    availability_zone = property(lambda self: self._state.az_names[self._state.az_codes[self.index]])
    vcpus_total = property(lambda self: int(self._state.vcpus[self.index]))
    vcpus_used = property(lambda self: float(host_capabilities.vcpus_used(self._state, self.index)))
    total_usable_ram_mb = property(lambda self: int(self._state.memory_mb[self.index]))
    total_usable_disk_gb = property(lambda self: int(self._state.local_gb[self.index]))
    # Nova's HostState fields follow the resource tracker (reserved counts as used, no allocation ratio)
    free_ram_mb = property(lambda self: float(host_capabilities.free_ram_mb(self._state, self.index)))
    free_disk_mb = property(lambda self: float(host_capabilities.free_disk_mb(self._state, self.index)))
    # what Placement would still allocate (the RAM/Disk/Core filters' test)
    free_vcpus = property(lambda self: float(self._state.free_vcpus()[self.index]))
    placement_free_ram_mb = property(lambda self: float(self._state.free_ram_mb()[self.index]))
    placement_free_disk_gb = property(lambda self: float(self._state.free_disk_gb()[self.index]))
    num_instances = property(lambda self: int(self._state.num_instances[self.index]))
    num_io_ops = property(lambda self: int(self._state.num_io_ops[self.index]))
    failed_builds = property(lambda self: int(self._state.failed_builds[self.index]))
    cpu_arch = property(lambda self: self._state.arch_names[self._state.arch_codes[self.index]] or None)
    hypervisor_type = property(lambda self: self._state.hv_type_names[self._state.hv_type_codes[self.index]] or None)
    virt_type = property(lambda self: self._state.virt_names[self._state.virt_codes[self.index]] or None)
    hypervisor_version = property(lambda self: int(self._state.hypervisor_version[self.index]))
    traits = property(lambda self: self._state.traits[self.index])
    cpu_info = property(lambda self: self._state.cpu_info[self.index])
    capabilities = property(lambda self: self._state.capabilities[self.index])
    up = property(lambda self: bool(self._state.service_up[self.index]))
    enabled = property(lambda self: bool(self._state.service_enabled[self.index]))
    # Nova's host_state.aggregates: objects with id, uuid, name, hosts, metadata
    aggregates = property(lambda self: self._state.aggregates.of_host(self.index))

    def capability(self, path):
        """The capability at ``path`` (a tuple such as ('cpu_info', 'arch')) as a string, or None."""
        return self._state.capability(self.index, path)

    def knows_capability(self, key):
        """Would Nova check an unscoped extra spec ``key`` on this host (a HostState attribute or a stat)?"""
        return host_capabilities.checked_on(self._state, self.index, key)
