# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's Migration records (the ``migrations`` table, schema 10): one row per move of a server.

A resize or cold migration (compute/resize.py) makes one at its start; live migration and evacuation
will use the same rows with their own ``migration_type``. The statuses are Nova's
(nova/objects/migration.py and the compute manager): ``pre-migrating`` -> ``migrating`` ->
``post-migrating`` -> ``finished`` (VERIFY_RESIZE) -> ``confirming`` -> ``confirmed``, or ``reverting`` ->
``reverted``; ``error`` when a step failed, and the live-migration ones (``accepted``, ``queued``,
``preparing``, ``running``, ``completed``, ``failed``, ``cancelled``, ``done``) for the slices to come.
The move's allocation consumer in the scheduler's claims is the migration's ``uuid`` (Placement's
migration-record allocation, scheduler/claims.py claim_move).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

TYPES = ('resize', 'migration', 'live-migration', 'evacuation')
STATUSES = ('pre-migrating', 'migrating', 'post-migrating', 'finished', 'confirming', 'confirmed', 'reverting',
            'reverted', 'error', 'failed', 'accepted', 'queued', 'preparing', 'running', 'completed', 'cancelled',
            'done')
# a move still holding resources on two hosts (Nova's in-progress statuses of a cold move)
IN_PROGRESS = ('pre-migrating', 'migrating', 'post-migrating', 'finished', 'confirming', 'reverting')
# the filters of GET /os-migrations (nova/api/openstack/compute/migrations.py)
FILTERS = ('host', 'status', 'instance_uuid', 'migration_type', 'source_compute', 'user_id', 'project_id')


def _t():
    return table('migrations')


def flavor_row_id(conn, flavor):
    """Nova's instance_type_id: the flavors table's id of a flavor snapshot (None once the flavor is gone)."""
    flavors = table('flavors')
    row = conn.execute(sa.select(flavors.c.id).where(flavors.c.flavorid == (flavor or {}).get('flavorid'))).first()
    return row.id if row is not None else None


def create(conn, instance, migration_type, dest, old_flavor, new_flavor, context, status='pre-migrating'):
    """A new migration row for ``instance`` moving to ``dest`` (its compute_nodes row); returns it."""
    if migration_type not in TYPES:
        raise InvalidInput('migration_type', 'must be one of %s' % ', '.join(TYPES))
    now = utcnow()
    values = {
        'uuid': str(uuidlib.uuid4()), 'instance_uuid': instance['uuid'], 'migration_type': migration_type,
        'status': status, 'source_compute': instance['host'], 'source_node': instance['node'],
        'dest_compute': dest['host'], 'dest_node': dest['hypervisor_hostname'],
        'dest_host': dest.get('host_ip') or dest['host'],
        'old_instance_type_id': flavor_row_id(conn, old_flavor), 'new_instance_type_id': flavor_row_id(conn, new_flavor),
        'hidden': False, 'project_id': instance['project_id'], 'user_id': instance['user_id'],
        'request_id': context.request_id, 'old_flavor': old_flavor, 'new_flavor': new_flavor,
        'old_vm_state': instance['vm_state'], 'created_at': now, 'updated_at': now,
    }
    conn.execute(_t().insert().values(**values))
    return get(conn, values['uuid'])


def get(conn, ident):
    """One migration by uuid or integer id."""
    t = _t()
    cond = t.c.id == int(ident) if isinstance(ident, int) or str(ident).isdigit() else t.c.uuid == ident
    row = as_dict(conn.execute(sa.select(t).where(cond)).first())
    if row is None:
        raise NotFound('Migration', ident, field='migration')
    return row


def set_status(conn, migration_uuid, status, **values):
    if status not in STATUSES:
        raise InvalidInput('status', 'must be one of %s' % ', '.join(STATUSES))
    t = _t()
    conn.execute(t.update().where(t.c.uuid == migration_uuid).values(status=status, updated_at=utcnow(), **values))
    return get(conn, migration_uuid)


def latest(conn, instance_uuid, statuses=None, types=None):
    """The instance's newest migration (with one of ``statuses`` / ``types`` when given), or None."""
    t = _t()
    query = sa.select(t).where(t.c.instance_uuid == instance_uuid)
    if statuses:
        query = query.where(t.c.status.in_(list(statuses)))
    if types:
        query = query.where(t.c.migration_type.in_(list(types)))
    return as_dict(conn.execute(query.order_by(t.c.id.desc()).limit(1)).first())


def list_migrations(conn, filters=None, changes_since=None, changes_before=None, limit=None, marker=None):
    """Migrations, newest first (Nova's sort: created_at desc, id desc), filtered as GET /os-migrations.

    ``host`` matches the source or the destination compute; ``marker``: a migration uuid (the page starts
    after it). NotFound for an unknown marker (the API's 400).
    """
    t = _t()
    query = sa.select(t).where(t.c.hidden.is_(False))
    for key, value in (filters or {}).items():
        if value in (None, ''):
            continue
        if key not in FILTERS:
            raise InvalidInput(key, 'is not a migration filter')
        if key == 'host':
            query = query.where(sa.or_(t.c.source_compute == value, t.c.dest_compute == value))
        elif key == 'migration_type':
            query = query.where(t.c.migration_type == value)
        else:
            query = query.where(getattr(t.c, key) == value)
    if changes_since is not None:
        query = query.where(t.c.updated_at >= changes_since)
    if changes_before is not None:
        query = query.where(t.c.updated_at <= changes_before)
    if marker is not None:
        mark = conn.execute(sa.select(t.c.id, t.c.created_at).where(t.c.uuid == marker)).first()
        if mark is None:
            raise NotFound('Migration', marker, field='marker')
        query = query.where(sa.or_(t.c.created_at < mark.created_at,
                                   sa.and_(t.c.created_at == mark.created_at, t.c.id < mark.id)))
    query = query.order_by(t.c.created_at.desc(), t.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [as_dict(r) for r in conn.execute(query).all()]
