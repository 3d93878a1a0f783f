# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What the compute resources share (Nova's api/openstack/common.py): the caller, links, paging, the server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import re
from urllib.parse import urlencode

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.faults import ApiError
from novalite_api.validation import ValidationError

from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceInvalidState, InvalidInput, NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

MAX_LIMIT = 1000            # nova.conf [api] max_limit
PROXY_LAST_MINOR = 35       # Nova's MAX_PROXY_API_SUPPORT_VERSION: its proxy APIs answer 404 from 2.36


def ctx():
    return flask.g.ctx


def store():
    return flask.current_app.config['NOVALITE_STORE']


def jobs():
    return flask.current_app.config['NOVALITE_JOBS']


def service_down_time():
    """nova.conf's service_down_time from the service's config: seconds after a host's last heartbeat it is down."""
    return flask.current_app.config['NOVALITE']['service_down_time']


def base_url():
    return flask.current_app.config['NOVALITE']['public_url'] + '/compute'


def host_id(project_id, host):
    """Nova's hostId: sha224 of project + host, so tenants can tell co-location apart without the name."""
    if not host:
        return ''
    return hashlib.sha224(('%s%s' % (project_id, host)).encode('utf-8')).hexdigest()


def links(kind, ident):
    return [{'rel': 'self', 'href': '%s/v2.1/%s/%s' % (base_url(), kind, ident)},
            {'rel': 'bookmark', 'href': '%s/%s/%s' % (base_url(), kind, ident)}]


def next_link(marker, limit, collection=None):
    """Nova's "<collection>_links": the next page's URL, with the request's other parameters.

    ``collection`` (``servers/detail``): the collection Nova names in the link, when it is not the request's
    own path (its view builders link to their collection whichever route was asked)."""
    params = [(k, v) for k, v in flask.request.args.items(multi=True) if k not in ('marker', 'limit')]
    params += [('limit', str(limit)), ('marker', str(marker))]
    path = collection or flask.request.path.split('/v2.1/', 1)[1]
    return [{'rel': 'next', 'href': '%s/v2.1/%s?%s' % (base_url(), path, urlencode(params))}]


def page(found, key, links_name, missing='Marker %s could not be found.'):
    """Nova's marker/limit paging over an already filtered, ordered list.

    Returns (the page, ``{links_name: next link}`` when the page is full, else {}): Nova links a full
    page, even the last one. ``missing`` is the 400 for a marker not in the list.
    """
    marker = flask.request.args.get('marker')
    if marker is not None:
        keys = [str(key(item)) for item in found]
        if marker not in keys:
            raise ApiError(400, missing % marker)
        found = found[keys.index(marker) + 1:]
    if flask.request.args.get('limit') is None:
        return found, {}
    limit = limit_arg()
    found = found[:limit]
    return found, ({links_name: next_link(key(found[-1]), limit)} if found and len(found) == limit else {})


def available_until(last_minor):
    """Nova's ``max_version`` of an API method: from 2.<last_minor + 1> the route answers 404 (the proxy APIs
    end at 2.35), before its body, query or policy is looked at."""
    if since(last_minor + 1):
        raise ApiError(404, 'The resource could not be found.')


def non_negative_query(*names):
    """Nova's ``multi_params(non_negative_integer)`` query parameters: each value given, digits only."""
    validation.validate_query(flask.request.args, {
        'type': 'object', 'properties': dict((name, validation.multi_params(validation.NON_NEGATIVE_INTEGER))
                                             for name in names),
        'additionalProperties': True})


def paging_query(single=False):
    """Nova's pagination_parameters (limit: non-negative digits; each given once when ``single``)."""
    wrap = validation.single_param if single else validation.multi_params
    validation.validate_query(flask.request.args, {
        'type': 'object', 'properties': {'limit': wrap(validation.NON_NEGATIVE_INTEGER),
                                         'marker': wrap({'type': 'string'})},
        'additionalProperties': True})


def action_peek(body):
    """(name, arguments) of an ``/action`` body: Nova's action_peek, with its messages (400)."""
    if not isinstance(body, dict) or len(body) != 1:
        raise ValidationError('body', 'Malformed message body: too many body keys'
                                      if isinstance(body, dict) and body else
                                      'Malformed message body: cannot understand JSON')
    return next(iter(body.items()))


def request_body():
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, 'Malformed request body')
    return body


def only_query_params(*allowed, **kwargs):
    """From 2.75 (``from_minor``: the microversion that made this API strict) a query parameter the API does
    not know is a 400; before, it was ignored. From 2.102 every API is strict (routes.before_request).
    ``patterns``: the schema's patternProperties, names it also takes (jsonschema's message names them)."""
    if flask.g.get('api_version', (2, 1)) < (2, kwargs.get('from_minor', 75)):
        return
    patterns = kwargs.get('patterns', ())
    unknown = [name for name in set(flask.request.args) - set(allowed)
               if not any(re.search(pattern, name) for pattern in patterns)]
    if unknown:
        raise ValidationError('query', validation.query_extras_message(unknown, patterns))


def time_arg(name):
    """A query parameter holding an ISO 8601 time (``changes-since`` ...) as a naive UTC datetime, or None."""
    raw = flask.request.args.get(name)
    if raw is None:
        return None
    text = raw.strip().replace(' ', '+')   # an unescaped "+" arrives as a space
    for fmt in ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d'):
        for suffix in ('Z', '+00:00', ''):
            if suffix and not text.endswith(suffix):
                continue
            try:
                return datetime.datetime.strptime(text[:len(text) - len(suffix)] if suffix else text, fmt)
            except ValueError:
                continue
    raise InvalidInput(name, 'Invalid %s value' % name)


def usage_time(value):
    # Nova renders these without the zone suffix and with microseconds.
    return value[:-1] + '.000000' if value else None


def strict_bool(raw):
    """A query value as Nova's strict bool_from_string reads it: True, False, or None when it is neither."""
    low = raw.lower()
    if low in ('1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if low in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    return None


def int_arg(name):
    raw = flask.request.args.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise InvalidInput(name, 'Invalid %s filter [%s]' % (name, raw))
    return value


def limit_arg():
    """Nova's limit: a non-negative integer, at most max_limit."""
    raw = flask.request.args.get('limit')
    if raw is None:
        return MAX_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput('limit', 'limit param must be an integer')
    if value < 0:
        raise InvalidInput('limit', 'limit param must be positive')
    return min(value, MAX_LIMIT)


def get_server(server_id, rule, include_deleted=False):
    """The server for ``rule`` (Nova's common.get_instance + context.can); another project's is 404."""
    caller = ctx()
    if not instances.is_uuid_like(server_id):
        raise ApiError(404, 'Instance %s could not be found.' % server_id, field='server')
    try:
        inst = instances.get(store(), server_id, project_id=None if caller.is_admin else caller.project_id,
                             include_deleted=include_deleted)
    except NotFound:
        raise ApiError(404, 'Instance %s could not be found.' % server_id, field='server')
    policy.enforce(rule, caller, {'project_id': inst['project_id'], 'user_id': inst['user_id']})
    return inst


def check_lock_and_state(inst, action, allowed):
    """Nova's check_instance_lock (admins pass) then check_instance_state(vm_state in ``allowed``, no task)."""
    action_table.check_lock(inst, ctx())
    if inst['vm_state'] not in allowed:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (action, inst['uuid'], inst['vm_state']), field='server')
    if inst['task_state'] is not None:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in task_state %s"
                                   % (action, inst['uuid'], inst['task_state']), field='server')
