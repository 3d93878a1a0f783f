# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host aggregates (Nova's ``os-aggregates``): named groups of compute hosts with metadata.

One implementation for the REST shim, the ``aggregate`` module and the inventory's zone shortcut.

Availability zones are aggregate metadata, as in Nova: a host's zone is the ``availability_zone``
value of the aggregates it belongs to, or ``nova`` (Nova's ``default_availability_zone``) when none
has one. A host cannot be in two aggregates naming different zones (Nova's ``is_safe_to_update_az``).
``compute_nodes.availability_zone`` mirrors the result and is rewritten here, in the same
transaction as every change that can move it (``_sync_zones``); the scheduler's
AvailabilityZoneFilter, ``os-availability-zone`` and ``os-services`` all read that one column.

The inventory's ``novalite_availability_zone`` stays a shortcut (``apply_inventory_zone``, called by
``hosts.record``): given explicitly, it puts the host in the aggregate of that zone (made, named
after the zone, when there is none) and out of aggregates naming another zone.

Errors carry Nova's messages; ``InvalidAggregateAction`` says which action refused, because Nova
answers 409 for add_host/remove_host and 400 for update/set_metadata/delete.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid as uuid_mod

from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InvalidInput, InvalidRequest, NotFound)
from ansible_collections.novalite.compute.plugins.module_utils.registry import liveness
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, rows, schema

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover - reported by the caller
    sa = None

AZ_KEY = 'availability_zone'
DEFAULT_ZONE = 'nova'            # Nova's [DEFAULT] default_availability_zone
_MAX_LEN = 255
# Nova's parameter_types.metadata key pattern
_METADATA_KEY_RE = re.compile(r'^[a-zA-Z0-9-_:. ]{1,255}$')
_CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')
# Nova's fqdn: host names as the services table holds them
_HOST_RE = re.compile(r'^[a-zA-Z0-9-._]{1,255}$')

ADD, REMOVE, UPDATE, UPDATE_META = 'add', 'remove', 'update', 'update_meta'
_ACTION_TEXT = {
    ADD: 'Cannot add host to aggregate %s. Reason: %s.',
    # Nova words delete and remove_host refusals alike (InvalidAggregateActionDelete)
    REMOVE: 'Cannot remove host from aggregate %s. Reason: %s.',
    UPDATE: 'Cannot update aggregate %s. Reason: %s.',
    UPDATE_META: 'Cannot update metadata of aggregate %s. Reason: %s.',
}


class InvalidAggregateAction(InvalidRequest):
    """Nova's InvalidAggregateAction*: the request is well formed but the aggregates' state refuses it."""

    def __init__(self, action, aggregate_id, reason, field='aggregate'):
        super(InvalidAggregateAction, self).__init__(_ACTION_TEXT[action] % (aggregate_id, reason), field=field)
        self.action = action


class AggregateNotFound(NotFound):
    def __init__(self, ident):
        super(AggregateNotFound, self).__init__('Aggregate', ident, field='aggregate')
        self.message = 'Aggregate %s could not be found.' % ident
        self.args = (self.message,)


class ComputeHostNotFound(NotFound):
    def __init__(self, host):
        super(ComputeHostNotFound, self).__init__('Compute host', host, field='host')
        self.message = 'Compute host %s could not be found.' % host
        self.args = (self.message,)


class AggregateHostNotFound(NotFound):
    def __init__(self, aggregate_id, host):
        super(AggregateHostNotFound, self).__init__('Aggregate host', host, field='host')
        self.message = 'Aggregate %s has no host %s.' % (aggregate_id, host)
        self.args = (self.message,)


def _tables():
    return schema.table('aggregates'), schema.table('aggregate_hosts'), schema.table('aggregate_metadata')


# ---- input checks (the API's schemas check the same first; the module and playbooks rely on these) ----

def check_name(value, field='name'):
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, 'must be a non-empty string')
    value = value.strip()
    if len(value) > _MAX_LEN:
        raise InvalidInput(field, 'must be at most %d characters' % _MAX_LEN)
    if _CONTROL_RE.search(value):
        raise InvalidInput(field, 'must not contain control characters')
    return value


def check_zone(value, field='availability_zone'):
    value = check_name(value, field)
    if ':' in value:
        raise InvalidInput(field, "must not contain ':' (it separates zone and host in az:host)")
    return value


def check_host(value, field='host'):
    if not isinstance(value, str) or not _HOST_RE.match(value):
        raise InvalidInput(field, 'must be a host name of 1 to 255 letters, digits, "-", "." or "_", got %r'
                           % (value,))
    return value


def check_metadata(metadata, field='metadata', allow_null=True):
    if not isinstance(metadata, dict):
        raise InvalidInput(field, 'must be a mapping of keys to values')
    out = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not _METADATA_KEY_RE.match(key):
            raise InvalidInput(field, 'key %r must be 1 to 255 letters, digits, spaces or "-_:."' % (key,))
        if value is None and allow_null:
            out[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InvalidInput('%s.%s' % (field, key), 'must be a string, got %r' % (value,))
        value = str(value)
        if len(value) > _MAX_LEN:
            raise InvalidInput('%s.%s' % (field, key), 'must be at most %d characters' % _MAX_LEN)
        if key == AZ_KEY and value:
            check_zone(value, '%s.%s' % (field, key))
        out[key] = value
    return out


# ---- reading ------------------------------------------------------------------------------------

def _view(row, hosts, metadata):
    return {'id': row['id'], 'uuid': row['uuid'], 'name': row['name'],
            'availability_zone': metadata.get(AZ_KEY), 'hosts': sorted(hosts), 'metadata': dict(metadata),
            'created_at': rows.isotime(row['created_at']), 'updated_at': rows.isotime(row['updated_at']),
            'deleted': False, 'deleted_at': None}


def _load_all(conn, ids=None):
    """{aggregate id: view} of every aggregate (or those in ``ids``), in id order."""
    aggs, members, meta = _tables()
    query = sa.select(aggs).order_by(aggs.c.id)
    if ids is not None:
        query = query.where(aggs.c.id.in_(list(ids)))
    found = [dict(r) for r in conn.execute(query).mappings()]
    if not found:
        return {}
    wanted = [r['id'] for r in found]
    hosts, metadata = {}, {}
    for agg_id, host in conn.execute(sa.select(members.c.aggregate_id, members.c.host)
                                     .where(members.c.aggregate_id.in_(wanted))):
        hosts.setdefault(agg_id, []).append(host)
    for agg_id, key, value in conn.execute(sa.select(meta.c.aggregate_id, meta.c.key, meta.c.value)
                                           .where(meta.c.aggregate_id.in_(wanted))):
        metadata.setdefault(agg_id, {})[key] = value
    return dict((r['id'], _view(r, hosts.get(r['id'], []), metadata.get(r['id'], {}))) for r in found)


def _get(conn, aggregate_id, lock=False):
    aggs = _tables()[0]
    query = sa.select(aggs.c.id).where(aggs.c.id == aggregate_id)
    if lock:
        query = query.with_for_update()
    if conn.execute(query).first() is None:
        raise AggregateNotFound(aggregate_id)
    return _load_all(conn, [aggregate_id])[aggregate_id]


def _check_id(aggregate_id):
    if isinstance(aggregate_id, bool):
        raise InvalidInput('id', 'must be an integer')
    try:
        return int(str(aggregate_id).strip())
    except (TypeError, ValueError):
        raise InvalidInput('id', 'must be an integer, got %r' % (aggregate_id,))


def list_aggregates(store):
    with store.read() as conn:
        return list(_load_all(conn).values())


def get(store, aggregate_id):
    aggregate_id = _check_id(aggregate_id)
    with store.read() as conn:
        return _get(conn, aggregate_id)


def find_by_name(conn, name):
    """The aggregate called ``name`` (compared without case, as Nova's MySQL does), or None."""
    aggs = _tables()[0]
    # the exact name too: SQLite's lower() folds ASCII only, so 'Ⱦ' would miss its own row (a 500 on insert)
    row = conn.execute(sa.select(aggs.c.id).where(sa.or_(aggs.c.name == name,
                                                         sa.func.lower(aggs.c.name) == name.lower()))).first()
    return None if row is None else _load_all(conn, [row[0]])[row[0]]


def by_host(conn, host):
    """The aggregates ``host`` belongs to."""
    members = _tables()[1]
    ids = [r[0] for r in conn.execute(sa.select(members.c.aggregate_id).where(members.c.host == host))]
    return list(_load_all(conn, ids).values()) if ids else []


def host_zones(conn, hosts=None):
    """{host: zone} for hosts in an aggregate that names a zone (the others are in DEFAULT_ZONE)."""
    _aggs, members, meta = _tables()
    query = (sa.select(members.c.host, meta.c.value)
             .select_from(members.join(meta, meta.c.aggregate_id == members.c.aggregate_id))
             .where(meta.c.key == AZ_KEY).order_by(members.c.aggregate_id))
    if hosts is not None:
        query = query.where(members.c.host.in_(list(hosts)))
    zones = {}
    for host, zone in conn.execute(query):
        zones.setdefault(host, zone)   # two differing zones cannot happen (checked on every change)
    return zones


def zone_of(conn, host):
    return host_zones(conn, [host]).get(host, DEFAULT_ZONE)


def marker(conn):
    """Changes whenever any aggregate, membership or metadata changes (for callers that keep state loaded)."""
    aggs = _tables()[0]
    return tuple(conn.execute(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(aggs.c.generation), 0),
                                        sa.func.coalesce(sa.func.max(aggs.c.id), 0))).first())


# ---- checks Nova makes before a change ---------------------------------------------------------------

def _instances_on(conn, hosts):
    inst = schema.table('instances')
    if not hosts:
        return 0
    return conn.execute(sa.select(sa.func.count()).select_from(inst)
                        .where(inst.c.host.in_(list(hosts)), inst.c.deleted == 0)).scalar()


def _check_zone_change(conn, aggregate, metadata, action, hosts=None, check_instances=False):
    """Nova's is_safe_to_update_az: ``metadata`` naming a zone must not put any host in two zones."""
    if AZ_KEY not in metadata:
        return
    zone = metadata[AZ_KEY]
    if not zone:
        raise InvalidAggregateAction(action, aggregate['id'], 'Aggregate %s does not support empty named '
                                     'availability zone' % aggregate['name'], field='availability_zone')
    hosts = aggregate['hosts'] if hosts is None else hosts
    conflicting = []
    for other in _aggregates_of_hosts(conn, hosts):
        other_zone = other['metadata'].get(AZ_KEY)
        if other['id'] != aggregate['id'] and other_zone is not None and other_zone != zone:
            conflicting.append(other_zone)
    if conflicting:
        raise InvalidAggregateAction(action, aggregate['id'], 'One or more hosts already in availability '
                                     'zone(s) %s' % _py_list(conflicting), field='availability_zone')
    if check_instances and aggregate['availability_zone'] != zone and _instances_on(conn, hosts):
        raise InvalidAggregateAction(action, aggregate['id'], 'One or more hosts contain instances in this zone',
                                     field='availability_zone')


def _py_list(values):
    # Nova formats the list with Python's repr: ['az1', 'az2']
    return '[%s]' % ', '.join("'%s'" % v for v in values)


def _aggregates_of_hosts(conn, hosts):
    members = _tables()[1]
    if not hosts:
        return []
    ids = set(r[0] for r in conn.execute(sa.select(members.c.aggregate_id).where(members.c.host.in_(list(hosts)))))
    return list(_load_all(conn, ids).values()) if ids else []


def _check_zone_move(conn, aggregate, host, action):
    """Nova's ensure_no_instances_need_to_move_az_when_host_added/_removed: a host with instances keeps its zone."""
    new_zone_of_aggregate = aggregate['metadata'].get(AZ_KEY)
    if not new_zone_of_aggregate:
        return
    count = _instances_on(conn, [host])
    if not count:
        return
    others = set(a['metadata'][AZ_KEY] for a in by_host(conn, host)
                 if a['id'] != aggregate['id'] and AZ_KEY in a['metadata'])
    other = sorted(others)[0] if others else None
    if action == ADD:
        before, after = other, new_zone_of_aggregate
    else:
        before, after = new_zone_of_aggregate, other
    if before != after:
        raise InvalidAggregateAction(
            action, aggregate['id'],
            "The host cannot be %s the aggregate as the availability zone of the host would change from '%s' "
            "to '%s' but the host already has %d instance(s). Changing the AZ of an existing instance is not "
            "supported by this action. Move the instances away from this host then try again. If you need to "
            "move the instances between AZs then you can use shelve_offload and unshelve to achieve this"
            % ('added to' if action == ADD else 'removed from', before, after, count), field='host')


def _service_exists(conn, host):
    svc = schema.table('services')
    return conn.execute(sa.select(svc.c.host).where(svc.c.host == host,
                                                    svc.c.binary == liveness.COMPUTE_BINARY)).first() is not None


# ---- writing (each ``_x(conn, ...)`` runs inside the caller's transaction) --------------------------

def _touch(conn, aggregate_id, now, updated=True):
    aggs = _tables()[0]
    values = {'generation': aggs.c.generation + 1}
    if updated:
        values['updated_at'] = now
    conn.execute(sa.update(aggs).where(aggs.c.id == aggregate_id).values(**values))


def _sync_zones(conn, hosts, now):
    """Rewrite compute_nodes.availability_zone of ``hosts`` from their aggregates (the mirror)."""
    if not hosts:
        return
    nodes = schema.table('compute_nodes')
    zones = host_zones(conn, hosts)
    for host in set(hosts):
        zone = zones.get(host, DEFAULT_ZONE)
        conn.execute(sa.update(nodes).where(nodes.c.host == host, nodes.c.availability_zone != zone)
                     .values(availability_zone=zone, updated_at=now))


def _create(conn, name, zone, now):
    if find_by_name(conn, name) is not None:
        raise Conflict('Aggregate %s already exists.' % name, field='name')
    return _insert(conn, name, zone, now)


def _insert(conn, name, zone, now):
    aggs, _members, meta = _tables()
    made = conn.execute(sa.insert(aggs).values(uuid=str(uuid_mod.uuid4()), name=name, generation=0,
                                               created_at=now, updated_at=None))
    agg_id = made.inserted_primary_key[0]
    if zone:
        conn.execute(sa.insert(meta).values(aggregate_id=agg_id, key=AZ_KEY, value=zone, created_at=now))
    return _get(conn, agg_id)


def _rename(conn, aggregate, name, now):
    aggs = _tables()[0]
    if name == aggregate['name']:
        return
    same = find_by_name(conn, name)
    if same is not None and same['id'] != aggregate['id']:
        raise Conflict('Aggregate %s already exists.' % name, field='name')
    conn.execute(sa.update(aggs).where(aggs.c.id == aggregate['id']).values(name=name))
    _touch(conn, aggregate['id'], now)


def _set_metadata(conn, aggregate, metadata, action, now):
    """Nova's update_metadata: set the given keys, remove those given as None; checks zones first."""
    _aggs, _members, meta = _tables()
    _check_zone_change(conn, aggregate, metadata, action, check_instances=True)
    current = aggregate['metadata']
    lowered = dict((k.lower(), k) for k in current)
    seen = {}
    for key in metadata:
        # one key per spelling, as on MySQL whose keys compare without case (Nova: AggregateMetadataKeyExists)
        existing = lowered.get(key.lower())
        if (existing is not None and existing != key) or key.lower() in seen:
            raise InvalidRequest('Aggregate %s already contain metadata key %s.' % (aggregate['id'], key),
                                 field='metadata')
        seen[key.lower()] = key
    for key, value in metadata.items():
        if value is None:
            conn.execute(sa.delete(meta).where(meta.c.aggregate_id == aggregate['id'], meta.c.key == key))
        elif key in current:
            conn.execute(sa.update(meta).where(meta.c.aggregate_id == aggregate['id'], meta.c.key == key)
                         .values(value=value))
        else:
            conn.execute(sa.insert(meta).values(aggregate_id=aggregate['id'], key=key, value=value, created_at=now))
    _touch(conn, aggregate['id'], now)
    if AZ_KEY in metadata:
        _sync_zones(conn, aggregate['hosts'], now)
    return _get(conn, aggregate['id'])


def _add_host(conn, aggregate, host, now):
    _aggs, members, _meta = _tables()
    if not _service_exists(conn, host):
        raise ComputeHostNotFound(host)
    _check_zone_change(conn, aggregate, aggregate['metadata'], ADD, hosts=[host])
    _check_zone_move(conn, aggregate, host, ADD)
    if host in aggregate['hosts']:
        raise Conflict('Aggregate %s already has host %s.' % (aggregate['id'], host), field='host')
    conn.execute(sa.insert(members).values(aggregate_id=aggregate['id'], host=host, created_at=now))
    # Nova leaves updated_at alone for membership changes; the generation still moves
    _touch(conn, aggregate['id'], now, updated=False)
    _sync_zones(conn, [host], now)
    return _get(conn, aggregate['id'])


def _remove_host(conn, aggregate, host, now, require_service=True):
    _aggs, members, _meta = _tables()
    if require_service and not _service_exists(conn, host):
        raise ComputeHostNotFound(host)
    _check_zone_move(conn, aggregate, host, REMOVE)
    if host not in aggregate['hosts']:
        raise AggregateHostNotFound(aggregate['id'], host)
    conn.execute(sa.delete(members).where(members.c.aggregate_id == aggregate['id'], members.c.host == host))
    _touch(conn, aggregate['id'], now, updated=False)
    _sync_zones(conn, [host], now)
    return _get(conn, aggregate['id'])


def _delete(conn, aggregate):
    aggs, members, meta = _tables()
    if aggregate['hosts']:
        raise InvalidRequest('Cannot remove host from aggregate %s. Reason: Host aggregate is not empty.'
                             % aggregate['id'], field='hosts')
    conn.execute(sa.delete(meta).where(meta.c.aggregate_id == aggregate['id']))
    conn.execute(sa.delete(members).where(members.c.aggregate_id == aggregate['id']))
    conn.execute(sa.delete(aggs).where(aggs.c.id == aggregate['id']))


# ---- the API's operations (one transaction each) ------------------------------------------------------

def create(store, name, availability_zone=None, now=None):
    """Nova's create_aggregate: a new aggregate, with the zone in its metadata when one is given."""
    name = check_name(name)
    zone = check_zone(availability_zone) if availability_zone else None
    with store.begin() as conn:
        return _create(conn, name, zone, now or engine.utcnow())


def update(store, aggregate_id, name=None, availability_zone=None, set_zone=False, now=None):
    """Nova's update_aggregate: a new name and/or zone (``set_zone``: the zone was given, None included)."""
    aggregate_id = _check_id(aggregate_id)
    name = check_name(name) if name is not None else None
    now = now or engine.utcnow()
    with store.begin() as conn:
        aggregate = _get(conn, aggregate_id, lock=True)
        if name is not None:
            _rename(conn, aggregate, name, now)
            aggregate = _get(conn, aggregate_id)
        if set_zone:
            zone = check_zone(availability_zone) if availability_zone else availability_zone
            aggregate = _set_metadata(conn, aggregate, {AZ_KEY: zone}, UPDATE, now)
        return aggregate


def set_metadata(store, aggregate_id, metadata, now=None):
    aggregate_id = _check_id(aggregate_id)
    metadata = check_metadata(metadata)
    with store.begin() as conn:
        aggregate = _get(conn, aggregate_id, lock=True)
        return _set_metadata(conn, aggregate, metadata, UPDATE_META, now or engine.utcnow())


def _change_hosts(store, aggregate_id, host, change, now):
    """add_host / remove_host: the host must be a compute service; the aggregate row is locked."""
    aggregate_id = _check_id(aggregate_id)
    host = check_host(host)
    with store.begin() as conn:
        if not _service_exists(conn, host):
            raise ComputeHostNotFound(host)
        aggregate = _get(conn, aggregate_id, lock=True)
        return change(conn, aggregate, host, now or engine.utcnow())


def add_host(store, aggregate_id, host, now=None):
    return _change_hosts(store, aggregate_id, host, _add_host, now)


def remove_host(store, aggregate_id, host, now=None):
    return _change_hosts(store, aggregate_id, host, _remove_host, now)


def delete(store, aggregate_id):
    aggregate_id = _check_id(aggregate_id)
    with store.begin() as conn:
        _delete(conn, _get(conn, aggregate_id, lock=True))


def forget_host(conn, host, now=None):
    """A removed compute host leaves every aggregate (Nova's service delete does the same)."""
    members = _tables()[1]
    ids = [r[0] for r in conn.execute(sa.select(members.c.aggregate_id).where(members.c.host == host))]
    if ids:
        conn.execute(sa.delete(members).where(members.c.host == host))
        for agg_id in ids:
            _touch(conn, agg_id, now or engine.utcnow(), updated=False)


# ---- the inventory's zone shortcut ---------------------------------------------------------------------

def apply_inventory_zone(conn, host, zone, now=None):
    """Make ``zone`` the host's zone through aggregates; returns the zone. Run in ``hosts.record``'s transaction.

    The host leaves aggregates naming another zone and joins one naming ``zone`` (the one called
    ``zone``, else the oldest, else a new aggregate called ``zone``); for the default zone it only
    leaves. Other metadata of the aggregates it leaves stops applying to it, as it would in Nova.
    """
    now = now or engine.utcnow()
    _aggs, members, _meta = _tables()
    mine = by_host(conn, host)
    for aggregate in mine:
        other = aggregate['metadata'].get(AZ_KEY)
        if other is not None and other != zone:
            _get(conn, aggregate['id'], lock=True)
            conn.execute(sa.delete(members).where(members.c.aggregate_id == aggregate['id'], members.c.host == host))
            _touch(conn, aggregate['id'], now, updated=False)
    in_zone = any(a['metadata'].get(AZ_KEY) == zone for a in mine)
    if zone != DEFAULT_ZONE and not in_zone:
        # The aggregate's row locked first: two hosts joining at once would otherwise each hold the
        # shared lock the membership insert's foreign key takes, and deadlock upgrading it in _touch.
        target = _get(conn, _zone_aggregate(conn, zone, now)['id'], lock=True)
        conn.execute(sa.insert(members).values(aggregate_id=target['id'], host=host, created_at=now))
        _touch(conn, target['id'], now, updated=False)
    _sync_zones(conn, [host], now)
    return zone_of(conn, host)


def _zone_aggregate(conn, zone, now):
    named = find_by_name(conn, zone)
    if named is not None:
        if named['metadata'].get(AZ_KEY) == zone:
            return named
        raise Conflict("availability zone %s: the aggregate called %s names %s, not this zone; give it "
                       "availability_zone=%s or rename it" % (zone, named['name'],
                                                              named['metadata'].get(AZ_KEY) or 'no zone', zone),
                       field='availability_zone')
    _aggs, _members, meta = _tables()
    row = conn.execute(sa.select(meta.c.aggregate_id).where(meta.c.key == AZ_KEY, meta.c.value == zone)
                       .order_by(meta.c.aggregate_id)).first()
    if row is not None:
        return _get(conn, row[0])
    # No name check here: when another host's first report in this zone made the aggregate since the
    # look above (READ COMMITTED), the unique name refuses the insert and hosts.record retries, finding it.
    return _insert(conn, zone, zone, now)


# ---- the module's desired state ----------------------------------------------------------------------------

class _Rollback(Exception):
    """Ends a check-mode run's transaction without committing."""


def _comparable(aggregate):
    if aggregate is None:
        return {}
    return {'name': aggregate['name'], 'availability_zone': aggregate['availability_zone'],
            'hosts': list(aggregate['hosts']), 'metadata': dict(aggregate['metadata'])}


def ensure(store, name, state='present', hosts=None, purge_hosts=True, metadata=None, purge_metadata=False,
           availability_zone=None, check_mode=False, now=None):
    """Bring the aggregate called ``name`` to the wanted state: (changed, aggregate or None, diff).

    Every step is Nova's own (same checks, same errors) in one transaction; check mode runs them
    and rolls back, so it refuses exactly what a real run would refuse.
    """
    name = check_name(name)
    if state not in ('present', 'absent'):
        raise InvalidInput('state', 'must be present or absent, got %r' % (state,))
    zone = check_zone(availability_zone) if availability_zone is not None else None
    wanted_hosts = None
    if hosts is not None:
        if not isinstance(hosts, (list, tuple)):
            raise InvalidInput('hosts', 'must be a list of host names')
        wanted_hosts = sorted(set(check_host(h, 'hosts') for h in hosts))
    wanted_meta = check_metadata(metadata) if metadata is not None else None
    if wanted_meta is not None and AZ_KEY in wanted_meta:
        raise InvalidInput('metadata.availability_zone', 'set the zone with the availability_zone option')
    now = now or engine.utcnow()
    outcome = {}
    try:
        with store.begin() as conn:
            outcome.update(_ensure(conn, name, state, wanted_hosts, purge_hosts, wanted_meta, purge_metadata,
                                   zone, now))
            if check_mode:
                raise _Rollback()
    except _Rollback:
        pass
    before, after = outcome['before'], outcome['after']
    changed = _comparable(before) != _comparable(after)
    return changed, after, {'before': _comparable(before), 'after': _comparable(after)}


def _ensure(conn, name, state, hosts, purge_hosts, metadata, purge_metadata, zone, now):
    before = find_by_name(conn, name)
    if state == 'absent':
        if before is not None:
            aggregate = before
            for host in list(aggregate['hosts']):
                aggregate = _remove_host(conn, aggregate, host, now, require_service=False)
            _delete(conn, aggregate)
        return {'before': before, 'after': None}
    aggregate = before if before is not None else _create(conn, name, None, now)
    if zone is not None and aggregate['availability_zone'] != zone:
        aggregate = _set_metadata(conn, aggregate, {AZ_KEY: zone}, UPDATE, now)
    if metadata is not None:
        changes = dict((k, v) for k, v in metadata.items() if aggregate['metadata'].get(k) != v
                       and not (v is None and k not in aggregate['metadata']))
        if purge_metadata:
            changes.update((k, None) for k in aggregate['metadata'] if k not in metadata and k != AZ_KEY)
        if changes:
            aggregate = _set_metadata(conn, aggregate, changes, UPDATE_META, now)
    if hosts is not None:
        if purge_hosts:
            for host in [h for h in aggregate['hosts'] if h not in hosts]:
                aggregate = _remove_host(conn, aggregate, host, now, require_service=False)
        for host in [h for h in hosts if h not in aggregate['hosts']]:
            aggregate = _add_host(conn, aggregate, host, now)
    return {'before': before, 'after': aggregate}
