# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""``/servers/{id}/migrations`` (nova/api/openstack/compute/server_migrations.py), from 2.23, for admins.

As Nova, the list and show cover a server's in-progress live migrations only (a resize or cold migration is
seen in GET /os-migrations); ``uuid`` from 2.59, ``user_id`` / ``project_id`` from 2.80.

``POST .../migrations/{id}/action`` ``{"force_complete": null}`` (2.22+) and ``DELETE .../migrations/{id}`` (abort,
2.24+; a queued or preparing one too from 2.65) act on a running live migration (compute/live_migration.py
control): 202, or Nova's 400 (not this server's migration - a 404 for the abort -, or in another status) and
409 (the server not migrating, or locked). The source host is asked at once (a read-like host call beside the
migration's own).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, jobs, store
from novalite_api.compute.migrations import LIVE_IN_PROGRESS, nova_time
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    live_migration, migration_records as records,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

_FIELDS = ('id', 'source_node', 'dest_node', 'source_compute', 'dest_compute', 'dest_host', 'status')
_PROGRESS = ('memory_total_bytes', 'memory_processed_bytes', 'memory_remaining_bytes', 'disk_total_bytes',
             'disk_processed_bytes', 'disk_remaining_bytes')


def _view(row):
    out = dict((k, row[k]) for k in _FIELDS)
    out.update(server_uuid=row['instance_uuid'], created_at=nova_time(row['created_at']),
               updated_at=nova_time(row['updated_at']))
    out.update((k, None) for k in _PROGRESS)
    if since(59):
        out['uuid'] = row['uuid']
    if since(80):
        out.update(user_id=row['user_id'], project_id=row['project_id'])
    return out


def _in_progress(inst):
    with store().read() as conn:
        rows = records.list_migrations(conn, {'instance_uuid': inst['uuid'], 'migration_type': 'live-migration'})
    return [r for r in rows if r['status'] in LIVE_IN_PROGRESS]


def _server(server_id, rule):
    if not since(23):
        raise ApiError(404, 'The resource could not be found.')
    return get_server(server_id, rule)


def index(server_id):
    inst = _server(server_id, 'os_compute_api:servers:migrations:index')
    return flask.jsonify({'migrations': [_view(r) for r in _in_progress(inst)]})


def show(server_id, migration_id):
    inst = _server(server_id, 'os_compute_api:servers:migrations:show')
    for row in _in_progress(inst):
        if str(row['id']) == str(migration_id):
            return flask.jsonify({'migration': _view(row)})
    raise ApiError(404, 'In-progress live migration %s is not found for server %s.' % (migration_id, inst['uuid']))


FORCE_COMPLETE = {'type': 'object', 'properties': {'force_complete': {'type': 'null'}},
                  'required': ['force_complete'], 'additionalProperties': False}


def _control(server_id, migration_id, what, rule, minimum):
    if not since(minimum):
        raise ApiError(404, 'The resource could not be found.')
    inst = get_server(server_id, rule)
    try:
        inst, call = live_migration.control(store(), inst['uuid'], migration_id, what, ctx(),
                                            abort_in_queue=since(65))
    except NotFound as exc:
        if what == 'abort':
            raise ApiError(404, exc.message)
        raise ApiError(400, exc.message)
    if call is not None:
        result = jobs().read_from_host(call)
        live_migration.controlled(store(), inst['uuid'], what, call['request_id'], result)
    return '', 202


def action(server_id, migration_id):
    """force_complete (2.22+): the guest paused on the source so the migration converges."""
    validation.validate(flask.request.get_json(silent=True), FORCE_COMPLETE)
    return _control(server_id, migration_id, 'force_complete', 'os_compute_api:servers:migrations:force_complete', 22)


def delete(server_id, migration_id):
    """Abort (2.24+): the running live migration cancelled, the server stays on its source."""
    return _control(server_id, migration_id, 'abort', 'os_compute_api:servers:migrations:delete', 24)
