# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's actions (``/servers/{id}/os-instance-actions``), newest first; events for admins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, only_query_params, page, paging_query, store, time_arg
from novalite_api.compute.views import instance_actions as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import isotime

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _server(server_id, rule):
    # 2.21: the actions of a deleted server stay listable.
    return get_server(server_id, rule, include_deleted=since(21))


def _changed_window(found):
    """2.58 ``changes-since`` / 2.66 ``changes-before`` over the actions' updated_at (ISO text compares
    as time does)."""
    since_ = isotime(time_arg('changes-since'))
    before = isotime(time_arg('changes-before')) if since(66) else None
    if since_ and before and before < since_:
        raise ApiError(400, 'The value of changes-since must be less than or equal to changes-before.')
    return [a for a in found
            if (since_ is None or (a['updated_at'] or a['start_time']) >= since_)
            and (before is None or (a['updated_at'] or a['start_time']) <= before)]


def index(server_id):
    # Nova's index_query_v258: paging and changes-since (2.66: changes-before), nothing else
    allowed = ('limit', 'marker', 'changes-since') + (('changes-before',) if since(66) else ())
    only_query_params(*allowed, from_minor=58)
    if since(58):
        paging_query(single=True)
    inst = _server(server_id, 'os_compute_api:os-instance-actions:list')
    found = sorted(instances.list_actions(store(), inst['uuid']), key=lambda a: (a['start_time'], a['id']),
                   reverse=True)
    body = {}
    if since(58):
        found, body = page(_changed_window(found), lambda a: a['request_id'], 'links')
    return flask.jsonify(dict({'instanceActions': [views.action(a) for a in found]}, **body))


def show(server_id, request_id):
    inst = _server(server_id, 'os_compute_api:os-instance-actions:show')
    found = [a for a in instances.list_actions(store(), inst['uuid']) if a['request_id'] == request_id]
    if not found:
        raise ApiError(404, 'Action %s not found' % request_id)
    action = found[-1]
    out = views.action(action)
    # Callers with os-instance-actions:events (admins) get the events with their tracebacks (and, 2.62,
    # hosts); from 2.51 everyone else gets the events without them.
    privileged = policy.allowed('os_compute_api:os-instance-actions:events', ctx(),
                                {'project_id': inst['project_id']})
    if privileged or since(51):
        project_id = action['project_id'] or inst['project_id']
        details = since(84) and policy.allowed('os_compute_api:os-instance-actions:events:details', ctx(),
                                               {'project_id': inst['project_id']})
        out['events'] = [views.event(e, project_id, traceback=privileged, host=privileged, details=details)
                         for e in action['events']]
    return flask.jsonify({'instanceAction': out})
