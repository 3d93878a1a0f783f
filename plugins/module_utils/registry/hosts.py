# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The host registry, controller side: compute_nodes + services rows.

``record`` is the conductor half of Nova's ``update_available_resource``: it
stores what ``host_facts`` read on the host plus the host's inventory settings,
and writes the heartbeat (``services.last_seen_up``), in one transaction.

What "changed" means: a record whose only effect is a fresh heartbeat (and the
host's observed ``free_disk_gb``/``running_vms``, which move on their own)
reports ``changed=False``. Capacity, ratios, reserved amounts, zone, traits,
capabilities and the enabled/disabled status do count. So the periodic
report playbook says ``changed=0`` when nothing an operator or the scheduler
cares about moved, while the heartbeat is still refreshed on every run.

The scheduler owns the usage columns (``vcpus_used``, ``memory_mb_used``,
``local_gb_used``) and ``generation``; this module only initialises them on
insert and never writes them afterwards, so a report cannot undo a claim.

Node dicts use Nova's os-hypervisors / os-services field names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates, liveness
from ansible_collections.novalite.compute.plugins.module_utils.registry import settings as host_settings
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, rows, schema

try:
    import sqlalchemy as sa
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover - reported by the caller
    sa = None
    HAS_SQLALCHEMY = False

# compute_nodes columns that a report may change and that count as a change.
CONFIG_FIELDS = (
    'hypervisor_hostname', 'availability_zone', 'libvirt_uri', 'instances_path',
    'vcpus', 'memory_mb', 'local_gb',
    'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio',
    'reserved_host_memory_mb', 'reserved_host_disk_mb', 'reserved_host_cpus',
    'cpu_arch', 'hypervisor_type', 'hypervisor_version', 'virt_type', 'host_ip',
    'cpu_info', 'traits', 'capabilities', 'physical_interface_mappings',
)
# Observed by the host on every report; refreshed but not a "change".
OBSERVED_FIELDS = ('free_disk_gb', 'running_vms')
# Owned by the scheduler's claims: set to 0 on insert, never written here again.
USAGE_FIELDS = ('vcpus_used', 'memory_mb_used', 'local_gb_used', 'generation')
# The fields a check-mode diff shows (config + service status).
DIFF_FIELDS = CONFIG_FIELDS + ('status', 'disabled_reason')

_HOST_MAX_LEN = 255


def _tables():
    return schema.table('compute_nodes'), schema.table('services')


def _check_host(host):
    if not isinstance(host, str) or not host.strip():
        raise InvalidInput('host', 'must be a non-empty host name')
    if len(host) > _HOST_MAX_LEN:
        raise InvalidInput('host', 'must be at most %d characters' % _HOST_MAX_LEN)
    return host.strip()


def _int_fact(facts, key, required=True):
    value = facts.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool):
        value = None   # True is an int in Python, never a count
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or (isinstance(value, float) and not value.is_integer()):
        raise InvalidInput('facts.%s' % key, 'must be an integer >= 0, got %r' % (facts.get(key),))
    return number


def _node_values(host, facts, cfg):
    """compute_nodes column values for a report (config + observed)."""
    if not isinstance(facts, dict):
        raise InvalidInput('facts', 'must be the host_facts dict returned by the host_facts module')
    for key in ('hostname', 'vcpus', 'memory_mb', 'local_gb'):
        if key not in facts:
            raise InvalidInput('facts.%s' % key, 'is missing (pass the host_facts module result)')
    cpu_info = facts.get('cpu_info') or {}
    virt_type = cfg['virt_type'] or facts.get('virt_type')
    capabilities = {
        'cpu_arch': facts.get('cpu_arch'),
        'hypervisor_type': facts.get('hypervisor_type'),
        'hypervisor_version': facts.get('hypervisor_version'),
        'libvirt_version': facts.get('libvirt_version'),
        'virt_type': virt_type,
        'supported_instances': facts.get('supported_instances') or [],
        'host_uuid': facts.get('host_uuid'),
    }
    traits = sorted(set(cfg['traits']) | set(facts.get('cpu_traits') or []))
    return {
        'hypervisor_hostname': str(facts.get('hostname') or host),
        'availability_zone': cfg['availability_zone'],
        # The host var wins; the facts say which URI/path the host actually used.
        'libvirt_uri': cfg['libvirt_uri'] if 'libvirt_uri' in cfg['explicit'] else (
            facts.get('libvirt_uri') or cfg['libvirt_uri']),
        'instances_path': cfg['instances_path'] if 'instances_path' in cfg['explicit'] else (
            facts.get('instances_path') or cfg['instances_path']),
        'vcpus': _int_fact(facts, 'vcpus'),
        'memory_mb': _int_fact(facts, 'memory_mb'),
        'local_gb': _int_fact(facts, 'local_gb'),
        'free_disk_gb': _int_fact(facts, 'free_disk_gb', required=False),
        'running_vms': _int_fact(facts, 'running_vms', required=False) or 0,
        'cpu_allocation_ratio': cfg['cpu_allocation_ratio'],
        'ram_allocation_ratio': cfg['ram_allocation_ratio'],
        'disk_allocation_ratio': cfg['disk_allocation_ratio'],
        'reserved_host_memory_mb': cfg['reserved_host_memory_mb'],
        'reserved_host_disk_mb': cfg['reserved_host_disk_mb'],
        'reserved_host_cpus': cfg['reserved_host_cpus'],
        'cpu_arch': facts.get('cpu_arch') or cpu_info.get('arch'),
        'hypervisor_type': facts.get('hypervisor_type'),
        'hypervisor_version': _int_fact(facts, 'hypervisor_version', required=False),
        'virt_type': virt_type,
        'host_ip': cfg['host_ip'] or facts.get('host_ip'),
        'physical_interface_mappings': cfg.get('physical_interface_mappings') or {},
        'cpu_info': cpu_info,
        'traits': traits,
        'capabilities': capabilities,
    }


def _same(a, b):
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    return a == b


def _coerce_settings(cfg):
    if cfg is None or 'explicit' not in cfg:
        return host_settings.parse(cfg or {})
    return cfg


def _status(service):
    return 'disabled' if service is not None and service['disabled'] else 'enabled'


def _view(node, service, now, service_down_time):
    """One node as Nova's os-hypervisors dict plus registry extras."""
    out = dict(node)
    for key in ('created_at', 'updated_at'):
        out[key] = rows.isotime(out.get(key))
    out['id'] = node['id']
    out['host'] = node['host']
    # os-hypervisors: free_* are capacity minus claimed usage (not host-observed).
    out['free_ram_mb'] = node['memory_mb'] - node['memory_mb_used']
    out['disk_available_least'] = node['free_disk_gb']
    out['free_disk_gb'] = node['local_gb'] - node['local_gb_used']
    out['current_workload'] = 0
    if service is None:
        up = False
        out.update(service_id=None, service_uuid=None, disabled_reason=None, forced_down=False,
                   last_seen_up=None, report_count=0)
    else:
        up = liveness.is_up(service['last_seen_up'], now, service['forced_down'], service_down_time)
        out.update(service_id=service['id'], service_uuid=service['uuid'],
                   disabled_reason=service['disabled_reason'], forced_down=bool(service['forced_down']),
                   last_seen_up=rows.isotime(service['last_seen_up']),
                   report_count=service['report_count'])
    out['state'] = 'up' if up else 'down'
    out['status'] = _status(service)
    out['service'] = {'host': node['host'], 'binary': liveness.COMPUTE_BINARY, 'id': out['service_uuid'],
                      'disabled_reason': out['disabled_reason']}
    return out


def _load(conn, host, lock=False):
    cn, svc = _tables()
    q_node = sa.select(cn).where(cn.c.host == host)
    q_svc = sa.select(svc).where(svc.c.host == host, svc.c.binary == liveness.COMPUTE_BINARY)
    if lock:
        q_node = q_node.with_for_update()
        q_svc = q_svc.with_for_update()
    node = conn.execute(q_node).mappings().first()
    service = conn.execute(q_svc).mappings().first()
    return (dict(node) if node else None), (dict(service) if service else None)


def _diff_view(node, service):
    if node is None:
        return {}
    out = {key: node.get(key) for key in CONFIG_FIELDS}
    out['status'] = _status(service)
    out['disabled_reason'] = service['disabled_reason'] if service else None
    return out


def record(store, host, facts, settings=None, now=None, check_mode=False, diff=None,
           service_down_time=liveness.SERVICE_DOWN_TIME):
    """Upsert the host's compute node and heartbeat; returns (changed, node).

    ``settings`` is the output of ``settings.parse`` (or a raw hostvars dict).
    Enabled/disabled from the settings is applied on insert, and afterwards
    only when ``novalite_enabled`` was given explicitly, so a host disabled
    through the API stays disabled across periodic reports unless the
    inventory says otherwise. ``diff``, if a dict, receives before/after.
    """
    host = _check_host(host)
    cfg = _coerce_settings(settings)
    values = _node_values(host, facts, cfg)
    now = now or engine.utcnow()
    for attempt in (1, 2, 3):
        try:
            return _record_once(store, host, cfg, values, now, check_mode, diff, service_down_time)
        except sa.exc.IntegrityError:
            # A concurrent first report of the same host, or another host's first report in the same new
            # zone, inserted first (MariaDB, READ COMMITTED): the retry finds the row and uses it.
            if attempt == 3:
                raise


def _record_once(store, host, cfg, values, now, check_mode, diff, service_down_time):
    cn, svc = _tables()
    ctx = store.read() if check_mode else store.begin()
    with ctx as conn:
        node, service = _load(conn, host, lock=not check_mode)
        before = _diff_view(node, service)
        apply_status = service is None or 'enabled' in cfg['explicit']
        disabled = (not cfg['enabled']) if apply_status else bool(service['disabled'])
        reason = cfg['disabled_reason'] if apply_status else service['disabled_reason']
        if not disabled:
            reason = None

        values = dict(values, availability_zone=_zone_for_report(conn, host, cfg, check_mode, now))
        if node is None:
            changed = True
            new_node = dict(values, uuid=str(uuid.uuid4()), host=host, created_at=now, updated_at=now,
                            vcpus_used=0, memory_mb_used=0, local_gb_used=0, generation=0)
        else:
            values = dict(values)
            # Keys already recorded that this report does not name survive it.
            merged = dict(node['capabilities'] or {})
            merged.update(values['capabilities'])
            values['capabilities'] = merged
            changed = any(not _same(node[key], values[key]) for key in CONFIG_FIELDS)
            new_node = dict(node)
            new_node.update(values)
            new_node['updated_at'] = now
        if service is None:
            new_service = {'uuid': str(uuid.uuid4()), 'host': host, 'binary': liveness.COMPUTE_BINARY,
                           'topic': 'compute', 'disabled': disabled, 'disabled_reason': reason,
                           'forced_down': False, 'report_count': 1, 'last_seen_up': now,
                           'created_at': now, 'updated_at': now}
        else:
            changed = changed or bool(service['disabled']) != disabled or service['disabled_reason'] != reason
            new_service = dict(service)
            new_service.update(disabled=disabled, disabled_reason=reason, last_seen_up=now,
                               report_count=service['report_count'] + 1, updated_at=now)

        if not check_mode:
            if node is None:
                result = conn.execute(sa.insert(cn).values(**new_node))
                new_node['id'] = result.inserted_primary_key[0]
            else:
                update = {key: new_node[key] for key in CONFIG_FIELDS + OBSERVED_FIELDS + ('updated_at',)}
                conn.execute(sa.update(cn).where(cn.c.id == node['id']).values(**update))
            if service is None:
                result = conn.execute(sa.insert(svc).values(**new_service))
                new_service['id'] = result.inserted_primary_key[0]
            else:
                conn.execute(sa.update(svc).where(svc.c.id == service['id']).values(
                    disabled=disabled, disabled_reason=reason, last_seen_up=now,
                    report_count=svc.c.report_count + 1, updated_at=now))
        new_node.setdefault('id', None)
        new_service.setdefault('id', None)
    if isinstance(diff, dict):
        diff['before'] = before
        diff['after'] = _diff_view(new_node, new_service)
    return changed, _view(new_node, new_service, now, service_down_time)


def _zone_for_report(conn, host, cfg, check_mode, now):
    """The host's zone after this report: the inventory's zone, given explicitly, is applied through
    aggregates (registry/aggregates.py); otherwise the zone its aggregates give it stays."""
    if 'availability_zone' not in cfg['explicit']:
        return aggregates.zone_of(conn, host)
    if check_mode:
        return cfg['availability_zone']
    return aggregates.apply_inventory_zone(conn, host, cfg['availability_zone'], now)


def heartbeat(store, host, now=None, service_down_time=liveness.SERVICE_DOWN_TIME):
    """Refresh only the host's heartbeat (Nova's servicegroup report_state); returns the node.

    For a host that just proved alive (its libvirt answered) between resource
    reports: no facts are read and nothing an operator sees as a change is
    written. Raises NotFound for a host that was never recorded (it needs a
    full ``record`` first: the scheduler knows nothing of its capacity).
    """
    host = _check_host(host)
    _cn, svc = _tables()
    now = now or engine.utcnow()
    with store.begin() as conn:
        node, service = _load(conn, host, lock=True)
        if node is None or service is None:
            raise NotFound('Compute host', host, field='host')
        conn.execute(sa.update(svc).where(svc.c.id == service['id']).values(
            last_seen_up=now, report_count=svc.c.report_count + 1, updated_at=now))
        service.update(last_seen_up=now, report_count=service['report_count'] + 1, updated_at=now)
    return _view(node, service, now, service_down_time)


def list_nodes(store, now=None, service_down_time=liveness.SERVICE_DOWN_TIME, host=None):
    """All compute nodes (sorted by host) with state up/down and status enabled/disabled."""
    cn, svc = _tables()
    now = now or engine.utcnow()
    with store.read() as conn:
        query = sa.select(cn).order_by(cn.c.host)
        if host is not None:
            query = query.where(cn.c.host == host)
        nodes = [dict(r) for r in conn.execute(query).mappings()]
        services = {}
        query = sa.select(svc).where(svc.c.binary == liveness.COMPUTE_BINARY)
        if host is not None:
            query = query.where(svc.c.host == host)
        for row in conn.execute(query).mappings():
            services[row['host']] = dict(row)
    return [_view(node, services.get(node['host']), now, service_down_time) for node in nodes]


def get_node(store, host, now=None, service_down_time=liveness.SERVICE_DOWN_TIME):
    host = _check_host(host)
    found = list_nodes(store, now=now, service_down_time=service_down_time, host=host)
    if not found:
        raise NotFound('Compute host', host, field='host')
    return found[0]


def _update_service(store, host, values_for, check_mode, now):
    """Apply ``values_for(service) -> dict`` to the host's service row; (changed, node)."""
    host = _check_host(host)
    _cn, svc = _tables()
    now = now or engine.utcnow()
    ctx = store.read() if check_mode else store.begin()
    with ctx as conn:
        node, service = _load(conn, host, lock=not check_mode)
        if node is None or service is None:
            raise NotFound('Compute host', host, field='host')
        wanted = values_for(service)
        changed = any(service[key] != value for key, value in wanted.items())
        if changed and not check_mode:
            conn.execute(sa.update(svc).where(svc.c.id == service['id']).values(updated_at=now, **wanted))
        service.update(wanted)
    return changed, _view(node, service, now, liveness.SERVICE_DOWN_TIME)


def set_enabled(store, host, enabled, reason=None, check_mode=False, now=None):
    """Nova's os-services enable/disable (with disabled_reason); (changed, node)."""
    enabled = host_settings.parse(enabled=enabled)['enabled']
    if reason is not None and not enabled:
        reason = host_settings.parse(enabled=False, disabled_reason=reason)['disabled_reason']

    def values_for(_service):
        return {'disabled': not enabled, 'disabled_reason': None if enabled else reason}
    return _update_service(store, host, values_for, check_mode, now)


def force_down(store, host, forced_down=True, check_mode=False, now=None):
    """Nova's os-services force-down: the host is down whatever its heartbeat says."""
    if not isinstance(forced_down, bool):
        raise InvalidInput('forced_down', 'must be a boolean, got %r' % (forced_down,))
    return _update_service(store, host, lambda _s: {'forced_down': forced_down}, check_mode, now)


def references(conn, node):
    """(live instances on the host, allocations against the node): what blocks removal."""
    inst = schema.table('instances')
    alloc = schema.table('allocations')
    n_instances = conn.execute(sa.select(sa.func.count()).select_from(inst).where(
        inst.c.host == node['host'], inst.c.deleted == 0)).scalar()
    n_allocations = conn.execute(sa.select(sa.func.count()).select_from(alloc).where(
        alloc.c.compute_node_id == node['id'])).scalar()
    return n_instances, n_allocations


def remove(store, host, check_mode=False):
    """Delete the host's compute node and service (Nova's service delete); (changed, removed node or None).

    Refused with Conflict while instances live on the host or allocations
    still point at its node: evacuate or delete them first.
    """
    host = _check_host(host)
    cn, svc = _tables()
    ctx = store.read() if check_mode else store.begin()
    with ctx as conn:
        node, service = _load(conn, host, lock=not check_mode)
        if node is None and service is None:
            return False, None
        if node is not None:
            n_instances, n_allocations = references(conn, node)
            if n_instances or n_allocations:
                raise Conflict('Compute host %s cannot be removed: %d instance(s) and %d allocation(s) still '
                               'reference it' % (host, n_instances, n_allocations), field='host',
                               instances=n_instances, allocations=n_allocations)
        view = _view(node, service, engine.utcnow(), liveness.SERVICE_DOWN_TIME) if node else None
        if not check_mode:
            aggregates.forget_host(conn, host)
            conn.execute(sa.delete(svc).where(svc.c.host == host, svc.c.binary == liveness.COMPUTE_BINARY))
            conn.execute(sa.delete(cn).where(cn.c.host == host))
    return True, view


def list_services(store, now=None, service_down_time=liveness.SERVICE_DOWN_TIME):
    """nova-compute services as Nova's os-services rows (id is the service UUID, as in 2.53+)."""
    cn, svc = _tables()
    now = now or engine.utcnow()
    with store.read() as conn:
        zones = {r.host: r.availability_zone for r in conn.execute(sa.select(cn.c.host, cn.c.availability_zone))}
        services = [dict(r) for r in conn.execute(
            sa.select(svc).where(svc.c.binary == liveness.COMPUTE_BINARY).order_by(svc.c.host)).mappings()]
    out = []
    for service in services:
        up = liveness.is_up(service['last_seen_up'], now, service['forced_down'], service_down_time)
        out.append({
            'id': service['uuid'], 'binary': service['binary'], 'host': service['host'],
            'zone': zones.get(service['host'], 'nova'), 'status': _status(service),
            'state': 'up' if up else 'down', 'updated_at': rows.isotime(service['last_seen_up']),
            'disabled_reason': service['disabled_reason'], 'forced_down': bool(service['forced_down']),
        })
    return out


def enabled_zones(store):
    """Availability zones holding at least one enabled compute service (Nova's "available" zones)."""
    cn, svc = _tables()
    query = (sa.select(cn.c.availability_zone).distinct()
             .select_from(cn.join(svc, sa.and_(svc.c.host == cn.c.host, svc.c.binary == liveness.COMPUTE_BINARY)))
             .where(svc.c.disabled == sa.false()))
    with store.read() as conn:
        return set(r.availability_zone for r in conn.execute(query))


def largest_disk_gb(store):
    """The largest compute host's whole local disk in GB, or None when no host is registered."""
    cn, _svc = _tables()
    with store.read() as conn:
        return conn.execute(sa.select(sa.func.max(cn.c.local_gb))).scalar()
