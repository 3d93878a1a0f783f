# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Instance records: rows, faults, instance actions and their events (controller side).

These are Nova's ``objects.Instance.save(expected_task_state=...)``,
``InstanceFault`` and ``InstanceAction``/``InstanceActionEvent`` in SQLAlchemy
Core: every state change is one short transaction, and a change that expects
a task_state only applies when the row still has it (compare-and-set), so two
workers cannot both act on one instance.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InvalidInput, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

NAME_TEMPLATE = 'instance-%08x'   # Nova's [DEFAULT] instance_name_template
# Two deployments sharing one libvirt (tests, or a second store) need distinct domain names.
NAME_TEMPLATE_ENV = 'NOVALITE_INSTANCE_NAME_TEMPLATE'
_UNSET = object()


def domain_name(instance):
    """The libvirt domain name: Nova's instance_name_template applied to the row id."""
    template = os.environ.get(NAME_TEMPLATE_ENV) or NAME_TEMPLATE
    try:
        return template % instance['id']
    except (TypeError, ValueError):
        raise InvalidInput('instance_name_template', '%r must hold one integer conversion such as %%08x'
                           % template)


def is_uuid_like(value):
    try:
        return str(uuidlib.UUID(str(value))) == str(value).lower()
    except (ValueError, TypeError, AttributeError):
        return False


def _live():
    return table('instances').c.deleted == 0


def _select_one(conn, ident, project_id=None, include_deleted=False):
    t = table('instances')
    query = sa.select(t)
    if is_uuid_like(ident):
        query = query.where(t.c.uuid == str(ident).lower())
    else:
        query = query.where(t.c.display_name == ident)
    if not include_deleted:
        query = query.where(_live())
    if project_id is not None:
        query = query.where(t.c.project_id == project_id)
    rows = conn.execute(query.order_by(t.c.id)).fetchall()
    if not rows:
        raise NotFound('Instance', ident, field='server')
    if len(rows) > 1:
        raise Conflict('more than one server is named %r; use its uuid' % ident, field='server')
    return rows[0]


def with_status(inst):
    """Add the API's derived fields (status, domain name) to a row dict."""
    if inst is None:
        return None
    inst['status'] = states.api_status(inst['vm_state'], inst['task_state'])
    inst['instance_name'] = domain_name(inst)
    inst['power_state_name'] = states.POWER_STATE_NAMES.get(inst['power_state'], 'NOSTATE')
    return inst


def get(store, ident, project_id=None, include_deleted=False, conn=None):
    """One instance by uuid or (unique) display name; NotFound otherwise."""
    if conn is not None:
        return with_status(as_dict(_select_one(conn, ident, project_id, include_deleted)))
    with store.read() as rconn:
        return with_status(as_dict(_select_one(rconn, ident, project_id, include_deleted)))


def find(store, ident, project_id=None):
    """Like get() but None when absent."""
    try:
        return get(store, ident, project_id)
    except NotFound:
        return None


def list_instances(store, project_id=None, host=None, name=None, include_deleted=False,
                   uuids=None, limit=None, marker=None):
    t = table('instances')
    query = sa.select(t)
    if not include_deleted:
        query = query.where(_live())
    if project_id is not None:
        query = query.where(t.c.project_id == project_id)
    if host is not None:
        query = query.where(t.c.host == host)
    if name is not None:
        query = query.where(t.c.display_name == name)
    if uuids is not None:
        query = query.where(t.c.uuid.in_(list(uuids)))
    if marker is not None:
        with store.read() as conn:
            mrow = _select_one(conn, marker, project_id, include_deleted=True)
        query = query.where(t.c.id > mrow.id)
    query = query.order_by(t.c.id)
    if limit is not None:
        query = query.limit(limit)
    with store.read() as conn:
        return [with_status(as_dict(r)) for r in conn.execute(query)]


def create(conn, fields):
    """Insert one instance row (vm_state building, task_state scheduling) inside ``conn``'s transaction."""
    now = utcnow()
    row = {
        'uuid': fields.get('uuid') or str(uuidlib.uuid4()),
        'display_name': fields['display_name'],
        'hostname': fields.get('hostname') or _hostname(fields['display_name']),
        'project_id': fields.get('project_id'),
        'user_id': fields.get('user_id'),
        'reservation_id': fields.get('reservation_id'),
        'launch_index': fields.get('launch_index', 0),
        'instance_type_id': fields['flavor']['flavorid'],
        'flavor': fields['flavor'],
        'image_ref': (fields.get('image') or {}).get('id'),
        'image': fields.get('image'),
        'availability_zone': fields.get('availability_zone'),
        'vm_state': states.BUILDING,
        'task_state': states.SCHEDULING,
        'power_state': states.NOSTATE,
        'locked': False,
        'key_name': fields.get('key_name'),
        'key_data': fields.get('key_data'),
        'user_data': fields.get('user_data'),
        'metadata': fields.get('metadata') or {},
        'system_metadata': fields.get('system_metadata') or {},
        'scheduler_hints': fields.get('scheduler_hints') or {},
        'network_info': fields.get('network_info') or [],
        'config_drive': fields.get('config_drive') or '',
        'description': fields.get('description'),
        'access_ip_v4': fields.get('access_ip_v4'),
        'access_ip_v6': fields.get('access_ip_v6'),
        'tags': fields.get('tags'),
        'progress': 0,
        'created_at': now,
        'updated_at': now,
        'deleted': 0,
    }
    conn.execute(table('instances').insert().values(**row))
    return with_status(as_dict(_select_one(conn, row['uuid'])))


def _hostname(display_name):
    """Nova's sanitize_hostname: lowercase, [a-z0-9-], at most 63 characters."""
    out = []
    for ch in display_name.lower():
        if ch.isalnum() and ch.isascii():
            out.append(ch)
        elif ch in ' _.-':
            out.append('-')
    name = ''.join(out).strip('-')[:63].strip('-')
    return name or 'server'


def update(store, instance_uuid, expected_task_state=_UNSET, expected_vm_state=_UNSET, conn=None, **values):
    """Save ``values``; with ``expected_*`` only if the row still has that state (else Conflict)."""
    def _do(c):
        t = table('instances')
        query = t.update().where(t.c.uuid == instance_uuid).where(_live())
        if expected_task_state is not _UNSET:
            expected = expected_task_state if isinstance(expected_task_state, (list, tuple)) else [expected_task_state]
            cond = [t.c.task_state.is_(None)] if None in expected else []
            others = [e for e in expected if e is not None]
            if others:
                cond.append(t.c.task_state.in_(others))
            query = query.where(sa.or_(*cond))
        if expected_vm_state is not _UNSET:
            expected = expected_vm_state if isinstance(expected_vm_state, (list, tuple)) else [expected_vm_state]
            query = query.where(t.c.vm_state.in_(expected))
        values['updated_at'] = utcnow()
        result = c.execute(query.values(**values))
        if result.rowcount != 1:
            current = c.execute(sa.select(t.c.vm_state, t.c.task_state).where(t.c.uuid == instance_uuid)).first()
            if current is None:
                raise NotFound('Instance', instance_uuid, field='server')
            raise Conflict('instance %s is in vm_state %s task_state %s; expected %s'
                           % (instance_uuid, current.vm_state, current.task_state,
                              _expected_text(expected_vm_state, expected_task_state)), field='server')
        return with_status(as_dict(_select_one(c, instance_uuid, include_deleted=True)))
    if conn is not None:
        return _do(conn)
    with store.begin() as wconn:
        return _do(wconn)


def _expected_text(vm_state, task_state):
    parts = []
    if vm_state is not _UNSET:
        parts.append('vm_state %s' % (vm_state,))
    if task_state is not _UNSET:
        parts.append('task_state %s' % (task_state,))
    return ' and '.join(parts)


def mark_deleted(conn, instance_uuid):
    """Nova's soft delete: the row stays (deleted = id) for instance actions and audits."""
    t = table('instances')
    now = utcnow()
    conn.execute(t.update().where(t.c.uuid == instance_uuid).where(_live()).values(
        deleted=t.c.id, deleted_at=now, terminated_at=now, updated_at=now,
        vm_state=states.DELETED, task_state=None, power_state=states.NOSTATE))


# ---- faults ---------------------------------------------------------------

def add_fault(conn, instance_uuid, message, code=500, details=None, host=None):
    """Record a fault (Nova shows the newest as the server's ``fault``)."""
    conn.execute(table('instance_faults').insert().values(
        instance_uuid=instance_uuid, code=code, message=(message or '')[:255],
        details=details, host=host, created_at=utcnow()))


def latest_fault(store, instance_uuid):
    t = table('instance_faults')
    with store.read() as conn:
        row = conn.execute(sa.select(t).where(t.c.instance_uuid == instance_uuid)
                           .order_by(t.c.id.desc()).limit(1)).first()
    return as_dict(row)


# ---- instance actions -----------------------------------------------------

def action_start(conn, instance_uuid, action, request_id, user_id=None, project_id=None):
    now = utcnow()
    result = conn.execute(table('instance_actions').insert().values(
        action=action, instance_uuid=instance_uuid, request_id=request_id,
        user_id=user_id, project_id=project_id, start_time=now, updated_at=now))
    return result.inserted_primary_key[0]


def _action_id(conn, instance_uuid, request_id):
    t = table('instance_actions')
    row = conn.execute(sa.select(t.c.id).where(t.c.instance_uuid == instance_uuid)
                       .where(t.c.request_id == request_id).order_by(t.c.id.desc()).limit(1)).first()
    if row is None:
        raise NotFound('Instance action for request', request_id, field='request_id')
    return row.id


# The event each job run of the REST shim is noted in; its details hold the run's artifacts directory.
JOB_RUN_EVENT = 'novalite_ansible_job'


def event_start(conn, instance_uuid, request_id, event, host=None, details=None):
    action_id = _action_id(conn, instance_uuid, request_id)
    conn.execute(table('instance_actions_events').insert().values(
        action_id=action_id, event=event, start_time=utcnow(), host=host, details=details))


def event_finish(conn, instance_uuid, request_id, event, result='Success', traceback=None,
                 host=None, details=None):
    """Finish the open event (or record a finished one) and stamp the action's finish time.

    A failed event's ``details`` are its message, as Nova stores them (the fault's message, at most 255
    characters; shown from 2.84 to callers with os-instance-actions:events:details)."""
    action_id = _action_id(conn, instance_uuid, request_id)
    t = table('instance_actions_events')
    now = utcnow()
    open_row = conn.execute(sa.select(t.c.id).where(t.c.action_id == action_id).where(t.c.event == event)
                            .where(t.c.finish_time.is_(None)).order_by(t.c.id.desc()).limit(1)).first()
    values = dict(finish_time=now, result=result, traceback=traceback)
    if host is not None:
        values['host'] = host
    if details is None and result != 'Success' and traceback:
        details = str(traceback)[:255]
    if details is not None:
        values['details'] = details
    if open_row is None:
        conn.execute(t.insert().values(action_id=action_id, event=event, start_time=now, **values))
    else:
        conn.execute(t.update().where(t.c.id == open_row.id).values(**values))
    a = table('instance_actions')
    conn.execute(a.update().where(a.c.id == action_id).values(
        finish_time=now, updated_at=now, message=None if result == 'Success' else 'Error'))


def action_finish(conn, instance_uuid, request_id, message=None):
    """Stamp the action's finish time when it had no event (Nova's InstanceAction.finish)."""
    action_id = _action_id(conn, instance_uuid, request_id)
    a = table('instance_actions')
    now = utcnow()
    conn.execute(a.update().where(a.c.id == action_id).values(finish_time=now, updated_at=now, message=message))


def list_actions(store, instance_uuid):
    a = table('instance_actions')
    e = table('instance_actions_events')
    with store.read() as conn:
        actions = [as_dict(r) for r in conn.execute(
            sa.select(a).where(a.c.instance_uuid == instance_uuid).order_by(a.c.id))]
        for action in actions:
            action['events'] = [as_dict(r) for r in conn.execute(
                sa.select(e).where(e.c.action_id == action['id']).order_by(e.c.id))]
    return actions


def validate_name(name, field='name'):
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(field, 'must be a non-empty string')
    if len(name) > 255:
        raise InvalidInput(field, 'must be at most 255 characters')
    if name != name.strip():
        raise InvalidInput(field, 'must not start or end with whitespace')
    return name


# ---- API listing and in-place changes (REST shim) ---------------------------

# Nova's VALID_SORT_KEYS for GET /servers (columns novalite has).
SORT_KEYS = ('access_ip_v4', 'access_ip_v6', 'availability_zone', 'config_drive', 'created_at', 'display_name',
             'host', 'hostname', 'image_ref', 'instance_type_id', 'key_name', 'launch_index', 'launched_at',
             'locked_by', 'node', 'power_state', 'progress', 'project_id', 'task_state', 'terminated_at',
             'updated_at', 'user_id', 'uuid', 'vm_state')


def page_instances(store, where=(), sort=(('created_at', 'desc'), ('id', 'desc')), limit=None, marker=None,
                   deleted=False, keep=None, keep_columns=(), columns=None):
    """One page of instances: filters and order in SQL, then only the page's full rows are read.

    ``where``: SQLAlchemy conditions on ``table('instances')``; ``deleted``
    False (live only), True (deleted only) or None (both); ``keep(row)`` an
    optional predicate on a light row holding id, uuid and ``keep_columns``
    (for what SQL cannot test portably: regular expressions, JSON contents);
    ``columns``: the columns the caller needs of the page's rows (None: all;
    decoding unused JSON and XML columns is most of a big page's cost).
    ``marker`` is the uuid of the last row of the previous page (InvalidInput
    when it is not in the filtered list). Returns ``(rows, more)``.
    """
    t = table('instances')
    cols = [t.c.id, t.c.uuid] + [t.c[name] for name in keep_columns]
    query = sa.select(*cols)
    if deleted is False:
        query = query.where(_live())
    elif deleted is True:
        query = query.where(t.c.deleted != 0)
    for cond in where:
        query = query.where(cond)
    order = []
    for key, direction in sort:
        column = t.c[key]
        order.append(column.asc() if direction == 'asc' else column.desc())
    query = query.order_by(*order)
    with store.read() as conn:
        if keep is None and marker is None and limit is not None:
            light = conn.execute(query.limit(limit + 1)).fetchall()
        else:
            light = conn.execute(query).fetchall()
            if keep is not None:
                light = [r for r in light if keep(r)]
        start = 0
        if marker is not None:
            uuids = [r.uuid for r in light]
            if marker not in uuids:
                raise InvalidInput('marker', 'marker [%s] not found' % marker)
            start = uuids.index(marker) + 1
        end = len(light) if limit is None else start + limit
        page_ids = [r.id for r in light[start:end]]
        more = end < len(light)
        if not page_ids:
            return [], more
        wanted = [t] if columns is None else [t.c[name] for name in
                                              sorted(set(columns) | set(('id', 'uuid', 'vm_state', 'task_state',
                                                                         'power_state')))]
        by_id = {}
        for row in conn.execute(sa.select(*wanted).where(t.c.id.in_(page_ids))):
            by_id[row.id] = row
    return [with_status(as_dict(by_id[i])) for i in page_ids], more


def due_for_reclaim(store, deleted_before):
    """Soft-deleted servers at rest whose soft delete happened before ``deleted_before`` (oldest first)."""
    t = table('instances')
    with store.read() as conn:
        rows = conn.execute(sa.select(t.c.uuid, t.c.project_id).where(_live())
                            .where(t.c.vm_state == states.SOFT_DELETED).where(t.c.task_state.is_(None))
                            .where(t.c.deleted_at < deleted_before).order_by(t.c.deleted_at)).fetchall()
    return [{'uuid': r.uuid, 'project_id': r.project_id} for r in rows]


def latest_faults(store, instance_uuids):
    """{uuid: newest fault} for many instances in one query."""
    if not instance_uuids:
        return {}
    t = table('instance_faults')
    out = {}
    with store.read() as conn:
        for row in conn.execute(sa.select(t).where(t.c.instance_uuid.in_(list(instance_uuids))).order_by(t.c.id)):
            out[row.instance_uuid] = as_dict(row)
    return out


def modify(store, ident, change, project_id=None):
    """Read-modify-write one live instance under a row lock: ``change(inst)`` returns the values to save.

    The lock (``SELECT ... FOR UPDATE``; SQLite's write transaction is already
    exclusive) keeps two concurrent metadata or tag updates from losing one
    another. ``change`` may raise to refuse; nothing is written then.
    """
    t = table('instances')
    with store.begin() as conn:
        row = _select_one(conn, ident, project_id)
        conn.execute(sa.select(t.c.id).where(t.c.id == row.id).with_for_update()).first()
        inst = with_status(as_dict(_select_one(conn, ident, project_id)))
        values = change(inst)
        if values:
            values['updated_at'] = utcnow()
            conn.execute(t.update().where(t.c.id == row.id).values(**values))
            inst = with_status(as_dict(_select_one(conn, inst['uuid'], include_deleted=True)))
        return inst
