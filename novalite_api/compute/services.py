# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Compute services (``/os-services``, admin): each host's nova-compute, from its heartbeats.

Ids are the service's integer row id below 2.53 and its uuid from 2.53. Updates before 2.53 are
actions on a (host, binary) pair (``PUT /os-services/disable``); from 2.53 the service is in the
URL and the body says what changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, only_query_params, request_body, service_down_time, store, usage_time
from novalite_api.compute.schemas import as_bool, services as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

COMPUTE_BINARY = 'nova-compute'


def _services():
    """[(service view, its integer id)] of the nova-compute services."""
    ids = dict((n['host'], n['service_id']) for n in hosts.list_nodes(store()))
    return [(s, ids.get(s['host'])) for s in hosts.list_services(store(), service_down_time=service_down_time())]


def _view(service, int_id):
    row = {'id': service['id'] if since(53) else int_id, 'binary': service['binary'], 'host': service['host'],
           'zone': service['zone'], 'status': service['status'], 'state': service['state'],
           'updated_at': usage_time(service['updated_at']), 'disabled_reason': service['disabled_reason']}
    if since(11):
        row['forced_down'] = service['forced_down']
    return row


def index():
    only_query_params('host', 'binary')
    policy.enforce('os_compute_api:os-services:list', ctx())
    args = flask.request.args
    return flask.jsonify({'services': [
        _view(s, i) for s, i in _services()
        if args.get('host') in (None, '', s['host']) and args.get('binary') in (None, '', s['binary'])]})


def _find(service_id):
    """The service addressed in the URL: a uuid from 2.53, an integer id before."""
    if since(53):
        if not instances.is_uuid_like(service_id):
            raise ApiError(400, 'Invalid uuid %s' % service_id)
        found = [(s, i) for s, i in _services() if s['id'] == service_id]
    else:
        if not service_id.lstrip('-').isdigit():
            raise ApiError(400, 'Invalid input received: id must be an integer')
        found = [(s, i) for s, i in _services() if str(i) == service_id]
    if not found:
        raise ApiError(404, 'Service %s could not be found.' % service_id)
    return found[0]


def _compute_only(binary):
    if binary != COMPUTE_BINARY:
        raise ApiError(400, 'Updating a %s service is not supported. Only nova-compute services can be updated.'
                       % binary)


def _set(host, binary, enabled=None, reason=None, forced_down=None):
    _compute_only(binary)
    try:
        if enabled is not None:
            hosts.set_enabled(store(), host, enabled, reason)
        if forced_down is not None:
            hosts.force_down(store(), host, forced_down)
    except NotFound:
        raise ApiError(404, "Host '%s' is not mapped to any cell" % host)   # Nova's answer for an unknown host


def update(service_id):
    caller = ctx()
    policy.enforce('os_compute_api:os-services:update', caller)
    body = validation.validate(request_body(), schemas.update(api_version.current()))
    if since(53):
        return _update_service(service_id, body)
    # Before 2.53 the URL names an action and the body the (host, binary) it applies to.
    host, binary = body['host'], body['binary']
    if service_id == 'enable':
        _set(host, binary, enabled=True)
        return flask.jsonify({'service': {'host': host, 'binary': binary, 'status': 'enabled'}})
    if service_id in ('disable', 'disable-log-reason'):
        reason = body.get('disabled_reason')
        if service_id == 'disable-log-reason' and reason is None:
            raise ApiError(400, 'Missing disabled reason field')
        _set(host, binary, enabled=False, reason=reason)
        out = {'host': host, 'binary': binary, 'status': 'disabled'}
        if reason:
            out['disabled_reason'] = reason
        return flask.jsonify({'service': out})
    if service_id == 'force-down' and since(11):
        if 'forced_down' not in body:
            raise ApiError(400, 'Missing forced_down field')
        forced = as_bool(body['forced_down'])
        _set(host, binary, forced_down=forced)
        return flask.jsonify({'service': {'host': host, 'binary': binary, 'forced_down': forced}})
    raise ApiError(404, 'Unknown action')


def _update_service(service_id, body):
    service, int_id = _find(service_id)
    _compute_only(service['binary'])
    if body.get('status') == 'enabled' and body.get('disabled_reason'):
        raise ApiError(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.")
    if 'status' not in body and 'forced_down' not in body:
        raise ApiError(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified.")
    _set(service['host'], service['binary'],
         enabled=None if 'status' not in body else body['status'] == 'enabled',
         reason=body.get('disabled_reason'),
         forced_down=as_bool(body['forced_down']) if 'forced_down' in body else None)
    updated = [s for s, _i in _services() if s['id'] == service['id']][0]
    return flask.jsonify({'service': _view(updated, int_id)})


def delete(service_id):
    policy.enforce('os_compute_api:os-services:delete', ctx())
    service, _int_id = _find(service_id)
    try:
        hosts.remove(store(), service['host'])
    except Conflict:
        raise ApiError(409, 'Unable to delete compute service that is hosting instances. Migrate or delete the '
                            'instances first.')
    return '', 204
