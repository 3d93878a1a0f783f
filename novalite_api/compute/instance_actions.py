# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's actions (``/servers/{id}/os-instance-actions``), newest first; events for admins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, store
from novalite_api.compute.views import instance_actions as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _server(server_id, rule):
    # 2.21: the actions of a deleted server stay listable.
    return get_server(server_id, rule, include_deleted=since(21))


def index(server_id):
    inst = _server(server_id, 'os_compute_api:os-instance-actions:list')
    found = sorted(instances.list_actions(store(), inst['uuid']), key=lambda a: (a['start_time'], a['id']),
                   reverse=True)
    return flask.jsonify({'instanceActions': [views.action(a) for a in found]})


def show(server_id, request_id):
    inst = _server(server_id, 'os_compute_api:os-instance-actions:show')
    found = [a for a in instances.list_actions(store(), inst['uuid']) if a['request_id'] == request_id]
    if not found:
        raise ApiError(404, 'Action %s not found' % request_id)
    action = found[-1]
    out = views.action(action)
    # Below 2.51 only callers passing os-instance-actions:events (admins) get the events at all;
    # they see the traceback too.
    if policy.allowed('os_compute_api:os-instance-actions:events', ctx(), {'project_id': inst['project_id']}):
        out['events'] = [views.event(e) for e in action['events']]
    return flask.jsonify({'instanceAction': out})
