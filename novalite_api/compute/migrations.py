# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""``GET /os-migrations`` (nova/api/openstack/compute/migrations.py): every move, newest first, for admins.

The filters are Nova's (``host`` matches either end, ``status``, ``instance_uuid``, ``migration_type``,
``source_compute``; from 2.80 ``user_id`` / ``project_id``), ``changes-since`` from 2.59 and ``changes-before``
from 2.66, paging (``limit`` / ``marker``: a migration uuid) from 2.59. The fields follow the microversion:
``migration_type`` (and ``links`` for an in-progress live migration) from 2.23, ``uuid`` from 2.59, ``user_id`` and
``project_id`` from 2.80. `openstack server migration list` reads it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import (
    base_url, ctx, limit_arg, next_link, only_query_params, paging_query, store, time_arg)
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import migration_records as records
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

LIVE_IN_PROGRESS = ('queued', 'preparing', 'running', 'post-migrating')
_FIELDS = ('id', 'source_node', 'dest_node', 'source_compute', 'dest_compute', 'dest_host', 'status',
           'instance_uuid', 'old_instance_type_id', 'new_instance_type_id')


def nova_time(value):
    """Nova's object primitive of a datetime: ``2026-11-23T18:29:05.000000``."""
    return value[:-1] + '.000000' if isinstance(value, str) and value.endswith('Z') else value


def view(row):
    """One migration as GET /os-migrations shows it at the request's microversion."""
    out = dict((k, row[k]) for k in _FIELDS)
    out.update(created_at=nova_time(row['created_at']), updated_at=nova_time(row['updated_at']))
    if since(23):
        out['migration_type'] = row['migration_type']
        if row['migration_type'] == 'live-migration' and row['status'] in LIVE_IN_PROGRESS:
            path = 'servers/%s/migrations/%s' % (row['instance_uuid'], row['id'])
            out['links'] = [{'rel': 'self', 'href': '%s/v2.1/%s' % (base_url(), path)},
                            {'rel': 'bookmark', 'href': '%s/%s' % (base_url(), path)}]
    if since(59):
        out['uuid'] = row['uuid']
    if since(80):
        out.update(user_id=row['user_id'], project_id=row['project_id'])
    return out


def index():
    allowed = ['host', 'status', 'instance_uuid', 'migration_type', 'source_compute', 'hidden']
    if since(59):
        allowed += ['changes-since', 'limit', 'marker']
    if since(66):
        allowed.append('changes-before')
    if since(80):
        allowed += ['user_id', 'project_id']
    only_query_params(*allowed, from_minor=59)
    if since(59):
        paging_query(single=True)
    caller = ctx()
    policy.enforce('os_compute_api:os-migrations:index', caller, {'project_id': caller.project_id})
    args = flask.request.args
    filters = dict((k, args.get(k)) for k in records.FILTERS if args.get(k) is not None
                   and (since(80) or k not in ('user_id', 'project_id')))
    changes_since = time_arg('changes-since') if since(59) else None
    changes_before = time_arg('changes-before') if since(66) else None
    if changes_since and changes_before and changes_before < changes_since:
        raise ApiError(400, 'The value of changes-since must be less than or equal to changes-before.')
    limit = marker = None
    if since(59):
        marker = args.get('marker')
        limit = limit_arg() if args.get('limit') is not None else None
    try:
        with store().read() as conn:
            rows = records.list_migrations(conn, filters, changes_since, changes_before, limit, marker)
    except NotFound:
        raise ApiError(400, 'Marker %s could not be found.' % marker)
    body = {'migrations': [view(r) for r in rows]}
    if limit is not None and rows and len(rows) == limit:
        body['migrations_links'] = next_link(rows[-1]['uuid'], limit)
    return flask.jsonify(body)
