# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's file-system shares (``/servers/{id}/shares``, 2.97).

Shares come from Manila and reach the guest over virtiofs, which needs memory backing novalite's
flavors and domains do not set up: a server has no shares, and attaching one answers as Nova does
for an instance not configured for them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import get_server, only_query_params, request_body
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

CREATE = {'type': 'object',
          'properties': {'share': {'type': 'object',
                                   'properties': {'share_id': {'type': 'string', 'format': 'uuid'},
                                                  'tag': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                                                          'pattern': '^[a-zA-Z0-9-]*$'}},
                                   'required': ['share_id'], 'additionalProperties': False}},
          'required': ['share'], 'additionalProperties': False}


def _available():
    if not since(97):
        raise ApiError(404, 'The resource could not be found.')


def _check_state(inst, action, allowed):
    if inst['vm_state'] not in allowed:
        raise ApiError(409, "Cannot '%s' instance %s while it is in vm_state %s"
                       % (action, inst['uuid'], inst['vm_state']))


def index(server_id):
    _available()
    only_query_params()
    get_server(server_id, 'os_compute_api:os-server-shares:index')
    return flask.jsonify({'shares': []})


def create(server_id):
    _available()
    validation.validate(request_body(), CREATE)
    inst = get_server(server_id, 'os_compute_api:os-server-shares:create')
    _check_state(inst, 'create share', (S.STOPPED,))
    raise ApiError(409, 'Feature not supported because either compute or instance are not configured correctly.')


def show(server_id, share_id):
    _available()
    only_query_params()
    get_server(server_id, 'os_compute_api:os-server-shares:show')
    raise ApiError(404, 'Share %s could not be found.' % share_id)


def delete(server_id, share_id):
    _available()
    inst = get_server(server_id, 'os_compute_api:os-server-shares:delete')
    _check_state(inst, 'delete share', (S.STOPPED, S.ERROR))
    raise ApiError(404, 'Share %s could not be found.' % share_id)
