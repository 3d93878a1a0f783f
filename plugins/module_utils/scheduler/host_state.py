# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""All compute hosts as column arrays: loaded per run, or kept live by a worker.

Nova builds one HostState object per host per request; at 100,000 hosts that
object churn is the cost. Here every attribute is a numpy column indexed by
host position, the built-in filters and weighers work on whole columns, and
``HostView`` gives third-party filters Nova's per-host attribute interface on
top of the same columns.

``LiveHostState`` keeps one HostState across requests (the REST shim's job
worker): each sync reads the store's change counter (store/host_changes.py)
and re-reads only the compute nodes and services stamped since, applying
them in place; a deleted row (the counter's epoch moved) reloads everything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import threading

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
    from ansible_collections.novalite.compute.plugins.module_utils.store import host_changes, schema
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


_SERVICE_COLUMNS = ('host', 'disabled', 'forced_down', 'last_seen_up', 'disabled_reason')
_EPOCH = datetime.datetime(1970, 1, 1)
# "no heartbeat": far enough in the past to be down, near enough that now - it fits in int64
_NEVER_US = -(2 ** 62)
# A node row's fields that only claims move (the fast path of a delta).
_USAGE_FIELDS = ('vcpus_used', 'memory_mb_used', 'local_gb_used', 'generation')


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _micros(when):
    """A naive UTC datetime as integer microseconds (exact, unlike float seconds)."""
    return _NEVER_US if when is None else (when - _EPOCH) // datetime.timedelta(microseconds=1)


_codes = host_capabilities.encode


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
        self._id_pos_cache = None   # {node id: position}, built when first needed

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
        self.vcpu_limit, self.ram_limit, self.disk_limit = self._limits(slice(None))
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

        # ComputeFilter: a host without a nova-compute service row is not up. The heartbeat is
        # kept, not just "up": a live state recomputes up/down as time passes (refresh_liveness).
        self.has_service = np.zeros(n, dtype=bool)
        self.forced_down = np.zeros(n, dtype=bool)
        self.last_seen_us = np.full(n, _NEVER_US, dtype=np.int64)
        self.service_up = np.zeros(n, dtype=bool)
        self.service_enabled = np.zeros(n, dtype=bool)
        self.disabled_reason = {}
        for host, disabled, forced_down, last_seen_up, reason in service_rows:
            self.set_service(host, disabled, forced_down, last_seen_up, reason)
        self.refresh_liveness(now, service_down_time)
        host_capabilities.forget(self)
        # the hosts' aggregates (scheduler/aggregates.py); ``load`` fills them from the store
        self.aggregates = aggregate_data.empty(n)

    def _limits(self, where):
        """Placement's capacity (capacity.py) of the hosts ``where``: (vCPUs, RAM MB, disk GB)."""
        return (capacity.vcpu_limit(self.vcpus[where], self.cpu_allocation_ratio[where],
                                    self.reserved_host_cpus[where]),
                capacity.ram_limit(self.memory_mb[where], self.ram_allocation_ratio[where],
                                   self.reserved_host_memory_mb[where]),
                capacity.disk_limit(self.local_gb[where], self.disk_allocation_ratio[where],
                                    self.reserved_host_disk_mb[where]))

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

    # -- live updates (LiveHostState) ----------------------------------------
    def set_service(self, host, disabled, forced_down, last_seen_up, reason):
        """One nova-compute service row; False when no node has that host."""
        pos = self.host_index.get(host)
        if pos is None:
            return False
        self.has_service[pos] = True
        self.forced_down[pos] = bool(forced_down)
        self.last_seen_us[pos] = _micros(last_seen_up)
        self.service_enabled[pos] = not disabled
        if disabled:
            self.disabled_reason[pos] = reason
        else:
            self.disabled_reason.pop(pos, None)
        return True

    def refresh_liveness(self, now=None, service_down_time=liveness.SERVICE_DOWN_TIME):
        """service_up at ``now`` (naive UTC), by liveness.is_up's rule, for every host at once."""
        now_us = _micros(now or _utcnow())
        self.service_up = (self.has_service & ~self.forced_down
                           & (now_us - self.last_seen_us <= int(service_down_time) * 1000000))

    def set_instance_counts(self, counts, node_ids=None):
        """num_instances from {node id: allocations}; only ``node_ids`` (default every host) change."""
        id_pos = self._id_pos()
        if node_ids is None:
            self.num_instances[:] = 0
        else:
            for node_id in node_ids:
                pos = id_pos.get(node_id)
                if pos is not None:
                    self.num_instances[pos] = 0
        for node_id, count in counts.items():
            pos = id_pos.get(node_id)
            if pos is not None:
                self.num_instances[pos] = count

    def set_io_ops(self, counts_by_host):
        """num_io_ops from {host: instances being built there}."""
        self.num_io_ops[:] = 0
        for host, count in counts_by_host.items():
            pos = self.host_index.get(host)
            if pos is not None:
                self.num_io_ops[pos] = count
        self.any_io_ops = bool(counts_by_host) and bool(self.num_io_ops.any())

    def apply_node(self, row):
        """Take a compute_nodes row (a mapping of _NODE_COLUMNS) in place.

        Returns 'new' for a node this state does not hold, 'moved' when its
        host or uuid changed (the caller reloads), else 'usage' or 'static'.
        """
        pos = self._id_pos().get(int(row['id']))
        if pos is None:
            return 'new'
        if row['host'] != self.hosts[pos] or row['uuid'] != self.uuids[pos]:
            return 'moved'
        self.vcpus_used[pos] = row['vcpus_used']
        self.memory_mb_used[pos] = row['memory_mb_used']
        self.local_gb_used[pos] = row['local_gb_used']
        self.generation[pos] = row['generation']
        kind = 'usage'
        if self._static_differs(pos, row):
            self._set_static(pos, row)
            kind = 'static'
        self._refresh_free(pos)
        return kind

    # (attribute, compute_nodes column, value when NULL): the numbers a report or an operator changes
    _FLOAT_STATIC = (
        ('vcpus', 'vcpus', 0.0), ('memory_mb', 'memory_mb', 0.0), ('local_gb', 'local_gb', 0.0),
        ('cpu_allocation_ratio', 'cpu_allocation_ratio', 16.0), ('ram_allocation_ratio', 'ram_allocation_ratio', 1.5),
        ('disk_allocation_ratio', 'disk_allocation_ratio', 1.0), ('reserved_host_cpus', 'reserved_host_cpus', 0.0),
        ('reserved_host_memory_mb', 'reserved_host_memory_mb', 512.0),
        ('reserved_host_disk_mb', 'reserved_host_disk_mb', 0.0), ('hypervisor_version', 'hypervisor_version', -1.0),
        ('disk_available_least', 'free_disk_gb', np.nan if np is not None else None),
        ('failed_builds', 'failed_builds', 0.0))
    # (column, code prefix, lower-cased): as __init__ encodes them
    _CODED = (('availability_zone', 'az', False), ('cpu_arch', 'arch', True),
              ('hypervisor_type', 'hv_type', True), ('virt_type', 'virt', True))

    def _static_differs(self, pos, row):
        for attribute, column, default in self._FLOAT_STATIC:
            have = getattr(self, attribute)[pos]
            value = default if row[column] is None else row[column]
            if have != value and not (np.isnan(have) and np.isnan(value)):   # NaN: not reported, both times
                return True
        for name, kind, lower in self._CODED:
            value = (row[name] or '').lower() if lower else row[name]
            if getattr(self, kind + '_names')[getattr(self, kind + '_codes')[pos]] != value:
                return True
        return (row['hypervisor_hostname'] or row['host']) != self.nodenames[pos] or \
            row['hypervisor_type'] != self.hypervisor_types[pos] or \
            list(row['traits'] or []) != list(self.traits[pos] or []) or \
            (row['capabilities'] or {}) != self.capabilities[pos] or row['cpu_info'] != self.cpu_info[pos]

    def _set_static(self, pos, row):
        for attribute, column, default in self._FLOAT_STATIC:
            value = row[column]
            getattr(self, attribute)[pos] = default if value is None else value
        for name, kind, lower in self._CODED:
            value = (row[name] or '').lower() if lower else row[name]
            lookup, names = getattr(self, kind + '_lookup'), getattr(self, kind + '_names')
            code = lookup.get(value)
            if code is None:
                code = lookup[value] = len(names)
                names.append(value)
            getattr(self, kind + '_codes')[pos] = code
        self.nodenames[pos] = row['hypervisor_hostname'] or row['host']
        self.hypervisor_types[pos] = row['hypervisor_type']
        self.traits[pos] = row['traits'] or []
        self.capabilities[pos] = row['capabilities'] or {}
        self.cpu_info[pos] = row['cpu_info']
        self.vcpu_limit[pos], self.ram_limit[pos], self.disk_limit[pos] = self._limits(pos)
        self.any_failed_builds = bool(self.failed_builds.any())
        # totals, reserved amounts, ratios or capabilities moved: what was derived from them is stale
        host_capabilities.host_changed(self, pos)

    # Per-host columns, for append: numpy arrays, then plain lists.
    _ARRAYS = ('ids', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
               'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio', 'reserved_host_cpus',
               'reserved_host_memory_mb', 'reserved_host_disk_mb', 'hypervisor_version', 'disk_available_least',
               'generation', 'vcpu_limit', 'ram_limit', 'disk_limit', '_free_vcpus', '_free_ram_mb', '_free_disk_gb',
               'failed_builds', 'num_instances', 'num_io_ops', 'has_service', 'forced_down', 'last_seen_us',
               'service_up', 'service_enabled')
    _LISTS = ('uuids', 'hosts', 'nodenames', 'hypervisor_types', 'traits', 'capabilities', 'cpu_info')

    def append(self, other):
        """Add the hosts of ``other`` (a HostState of new nodes) after this state's hosts."""
        offset = self.n
        for name in self._ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))
        for name in self._LISTS:
            getattr(self, name).extend(getattr(other, name))
        for _name, kind, _lower in self._CODED:
            lookup, names = getattr(self, kind + '_lookup'), getattr(self, kind + '_names')
            remap = np.empty(len(getattr(other, kind + '_names')), dtype=np.int32)
            for i, value in enumerate(getattr(other, kind + '_names')):
                code = lookup.get(value)
                if code is None:
                    code = lookup[value] = len(names)
                    names.append(value)
                remap[i] = code
            setattr(self, kind + '_codes', np.concatenate([getattr(self, kind + '_codes'),
                                                           remap[getattr(other, kind + '_codes')]]))
        for pos, reason in other.disabled_reason.items():
            self.disabled_reason[offset + pos] = reason
        self.n += other.n
        self.host_index = dict((h, i) for i, h in enumerate(self.hosts))
        self.any_failed_builds = bool(self.failed_builds.any())
        self.any_io_ops = bool(self.num_io_ops.any())
        host_capabilities.forget(self)   # every cached column is one host short
        self._id_pos_cache = None

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
        rows = _node_rows(conn)
        columns = dict((name, col) for name, col in zip(_NODE_COLUMNS, zip(*rows))) if rows else \
            dict((name, ()) for name in _NODE_COLUMNS)
        service_rows = _service_rows(conn)
        state = cls(columns, service_rows, instance_counts(conn), now=now, service_down_time=service_down_time)
        state.set_io_ops(io_ops_by_host(conn))
        state.aggregates = aggregate_data.load(conn, state.hosts, state.host_index)
        return state

    @classmethod
    def from_columns(cls, columns, service_rows=(), instance_counts=None, now=None, io_ops_counts=None):
        return cls(columns, service_rows, instance_counts, now=now, io_ops_counts=io_ops_counts)


_STATEMENTS = {}


def _statement(name):
    """The load's and the sync's queries, built once: a sync runs on every request, and building a
    statement costs more than SQLite takes to answer one that finds a few rows."""
    stmt = _STATEMENTS.get(name)
    if stmt is not None:
        return stmt
    nodes, services = schema.table('compute_nodes'), schema.table('services')
    allocations, instances = schema.table('allocations'), schema.table('instances')
    node_columns = sa.select(*[nodes.c[column] for column in _NODE_COLUMNS])
    service_columns = sa.select(*[services.c[column] for column in _SERVICE_COLUMNS]).where(
        services.c.binary == liveness.COMPUTE_BINARY)
    count = sa.select(allocations.c.compute_node_id, sa.func.count()).group_by(allocations.c.compute_node_id)
    stmt = _STATEMENTS[name] = {
        'nodes': lambda: node_columns.order_by(nodes.c.id),
        # no ORDER BY here: SQLite would walk the primary key instead of the change_seq index; each
        # row carries its instance count (the allocations' trigger stamped the node when it moved)
        'changed_nodes': lambda: node_columns.add_columns(
            sa.select(sa.func.count()).where(allocations.c.compute_node_id == nodes.c.id)
            .scalar_subquery().label('allocation_count')).where(nodes.c.change_seq > sa.bindparam('b_seq')),
        'services': lambda: service_columns,
        'changed_services': lambda: service_columns.where(services.c.change_seq > sa.bindparam('b_seq')),
        'services_of': lambda: service_columns.where(services.c.host.in_(sa.bindparam('b_hosts', expanding=True))),
        'counts': lambda: count,
        'counts_of': lambda: count.where(
            allocations.c.compute_node_id.in_(sa.bindparam('b_ids', expanding=True))),
        'io_ops': lambda: sa.select(instances.c.host, sa.func.count())
        .where(instances.c.vm_state == states.BUILDING, instances.c.deleted == 0, instances.c.host.isnot(None))
        .group_by(instances.c.host),
    }[name]()
    return stmt


def instance_counts(conn, node_ids=None):
    """{node id: consumers holding a claim there} (the claim is the truth), of ``node_ids`` or all."""
    if node_ids is None:
        return dict(conn.execute(_statement('counts')).all())
    return dict(conn.execute(_statement('counts_of'), {'b_ids': list(node_ids)}).all())


def io_ops_by_host(conn):
    """{host: instances being built there}: Nova counts each as an I/O operation on its host.

    Few instances are building at once, and an index on (vm_state, deleted) finds
    them, so a live state asks again whenever an instance's vm_state, host or
    deleted moved (instance_seq).
    """
    return dict(conn.execute(_statement('io_ops')).all())


def _node_rows(conn, since=None):
    """Every row, or those stamped after ``since``; in id order (a fresh load's host order, kept by appends)."""
    if since is None:
        return conn.execute(_statement('nodes')).all()
    return sorted(conn.execute(_statement('changed_nodes'), {'b_seq': since}).all(), key=lambda row: row.id)


def _service_rows(conn, since=None, hosts=None):
    if hosts is not None:
        return conn.execute(_statement('services_of'), {'b_hosts': list(hosts)}).all()
    if since is not None:
        return conn.execute(_statement('changed_services'), {'b_seq': since}).all()
    return conn.execute(_statement('services')).all()


class LiveHostState(object):
    """One HostState kept current across requests from the store's change counter.

    ``sync(conn)`` returns the state as of the store now: a full load the first
    time and whenever the counter's epoch moved (a node or service was
    deleted), otherwise only the rows stamped since the last sync (claims,
    releases, reports, heartbeats, enable/disable, new hosts), applied in place.
    Up/down is recomputed for the time of each sync; the instances being built
    are re-counted when an instance moved. Callers hold ``lock`` from the sync
    until their decision and claims are done (the job worker's threads share
    one state). A claim that lost its race refreshes its host; the next sync
    brings whatever else moved.
    """

    def __init__(self):
        self.lock = threading.RLock()
        self.state = None
        self.seq = None
        self.epoch = None
        self.stats = {'full_loads': 0, 'syncs': 0, 'node_rows': 0, 'service_rows': 0, 'new_hosts': 0,
                      'aggregate_loads': 0}
        # the scheduler's filter and weigher instances per configuration (manager._plugins)
        self.plugins = {}

    def invalidate(self):
        """Forget the state: the next sync loads it whole."""
        self.state = None

    def sync(self, conn, service_down_time=liveness.SERVICE_DOWN_TIME, now=None):
        seq, epoch, node_seq, service_seq, instance_seq, aggregate_seq = host_changes.read_all(conn)
        self.stats['syncs'] += 1
        if self.state is None or epoch != self.epoch or \
                not self._apply_changes(conn, seq, node_seq, service_seq, service_down_time, now):
            self.state = HostState.load(conn, service_down_time=service_down_time, now=now)
            self.stats['full_loads'] += 1
        else:
            if instance_seq > self.seq:
                self.state.set_io_ops(io_ops_by_host(conn))
            if aggregate_seq > self.seq or len(self.state.aggregates.group_codes) != self.state.n:
                # an aggregate, its hosts or its metadata moved (or hosts were appended): grouped again
                self.state.aggregates = aggregate_data.load(conn, self.state.hosts, self.state.host_index)
                self.stats['aggregate_loads'] += 1
            self.state.refresh_liveness(now, service_down_time)
        # the counter was read first: whatever the reads saw beyond it is read again next time, harmlessly
        self.seq, self.epoch = seq, epoch
        return self.state

    def _apply_changes(self, conn, seq, node_seq, service_seq, service_down_time, now):
        """Apply the rows stamped after self.seq; False when only a full load can follow them.

        A table whose last stamp is not newer than self.seq is not asked.
        """
        if seq == self.seq:
            return True
        state = self.state
        counts, new_rows = {}, []
        for row in (_node_rows(conn, since=self.seq) if node_seq > self.seq else ()):
            kind = state.apply_node(row._mapping)
            if kind == 'moved':
                return False
            if kind == 'new':
                new_rows.append(row[:len(_NODE_COLUMNS)])
            else:
                counts[int(row.id)] = row.allocation_count
        self.stats['node_rows'] += len(counts) + len(new_rows)
        if new_rows:
            columns = dict((name, col) for name, col in zip(_NODE_COLUMNS, zip(*new_rows)))
            hosts = list(columns['host'])
            new_ids = [int(i) for i in columns['id']]
            extra = HostState(columns, _service_rows(conn, hosts=hosts),
                              instance_counts(conn, new_ids), now=now, service_down_time=service_down_time)
            state.append(extra)
            self.stats['new_hosts'] += len(new_rows)
        if counts:
            state.set_instance_counts(counts, list(counts))
        service_rows = _service_rows(conn, since=self.seq) if service_seq > self.seq else ()
        for row in service_rows:
            state.set_service(*row)
        self.stats['service_rows'] += len(service_rows)
        return True


class HostView(object):
    """One host, with Nova's HostState attribute names, for per-host (third-party) filters.

    ``state`` is the whole host state it is a view of (e.g. ``state.aggregates``: every aggregate, for a
    filter that compares the host's with all of them), ``index`` the host's position in it.
    """

    __slots__ = ('state', 'index')

    def __init__(self, state, index):
        self.state = state
        self.index = index

    host = property(lambda self: self.state.hosts[self.index])
    nodename = property(lambda self: self.state.nodenames[self.index])
    uuid = property(lambda self: self.state.uuids[self.index])
    availability_zone = property(lambda self: self.state.az_names[self.state.az_codes[self.index]])
    vcpus_total = property(lambda self: int(self.state.vcpus[self.index]))
    vcpus_used = property(lambda self: float(host_capabilities.vcpus_used(self.state, self.index)))
    total_usable_ram_mb = property(lambda self: int(self.state.memory_mb[self.index]))
    total_usable_disk_gb = property(lambda self: int(self.state.local_gb[self.index]))
    # Nova's HostState fields follow the resource tracker (reserved counts as used, no allocation ratio)
    free_ram_mb = property(lambda self: float(host_capabilities.free_ram_mb(self.state, self.index)))
    free_disk_mb = property(lambda self: float(host_capabilities.free_disk_mb(self.state, self.index)))
    # what Placement would still allocate (the RAM/Disk/Core filters' test)
    free_vcpus = property(lambda self: float(self.state.free_vcpus()[self.index]))
    placement_free_ram_mb = property(lambda self: float(self.state.free_ram_mb()[self.index]))
    placement_free_disk_gb = property(lambda self: float(self.state.free_disk_gb()[self.index]))
    num_instances = property(lambda self: int(self.state.num_instances[self.index]))
    num_io_ops = property(lambda self: int(self.state.num_io_ops[self.index]))
    failed_builds = property(lambda self: int(self.state.failed_builds[self.index]))
    cpu_arch = property(lambda self: self.state.arch_names[self.state.arch_codes[self.index]] or None)
    hypervisor_type = property(lambda self: self.state.hv_type_names[self.state.hv_type_codes[self.index]] or None)
    virt_type = property(lambda self: self.state.virt_names[self.state.virt_codes[self.index]] or None)
    hypervisor_version = property(lambda self: int(self.state.hypervisor_version[self.index]))
    traits = property(lambda self: self.state.traits[self.index])
    cpu_info = property(lambda self: self.state.cpu_info[self.index])
    capabilities = property(lambda self: self.state.capabilities[self.index])
    up = property(lambda self: bool(self.state.service_up[self.index]))
    enabled = property(lambda self: bool(self.state.service_enabled[self.index]))
    # Nova's host_state.aggregates: objects with id, uuid, name, hosts, metadata
    aggregates = property(lambda self: self.state.aggregates.of_host(self.index))

    def capability(self, path):
        """The capability at ``path`` (a tuple such as ('cpu_info', 'arch')) as a string, or None."""
        return self.state.capability(self.index, path)

    def knows_capability(self, key):
        """Would Nova check an unscoped extra spec ``key`` on this host (a HostState attribute or a stat)?"""
        return host_capabilities.checked_on(self.state, self.index, key)
