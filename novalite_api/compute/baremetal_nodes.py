# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Bare metal nodes (``/os-baremetal-nodes``, ``/os-baremetal-nodes/{id}``, ``.../{id}/action``): Nova's
deprecated proxy to the bare metal service, Ironic (nova/api/openstack/compute/baremetal_nodes.py), 2.1 - 2.35,
404 from 2.36.

Create, delete and the ``add_interface``/``remove_interface`` actions never reach Ironic in Nova either: each
answers 400 ``Command not supported. Please use Ironic command <cmd> to perform this action.`` (no policy; the
body is not checked, Nova's schemas for them are empty).

novalite has no Ironic. The list and show (admin only, as Nova's policy) answer what Nova's API reference
documents for them when the compute service cannot use a bare metal service: 501 Not Implemented, with the
message of Nova's ``raise_feature_not_supported`` (``The requested functionality is not supported.``), which is
what Nova answered while it checked for an Ironic client before proxying. Why not another answer:

* an empty list would say "an Ironic that has no nodes": a deployment whose compute service has no bare metal
  service (Nova with the libvirt driver, as novalite) does not answer that;
* Nova's current code, in a deployment without Ironic, lets the SDK's "service unavailable" escape the
  method and answers 500 "Unexpected API Error ... please report this", i.e. a bug report, not an answer a
  client can act on; 501 is the status the API reference lists for exactly this case.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.common import PROXY_LAST_MINOR, action_peek, available_until, ctx
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RULE = 'os_compute_api:os-baremetal-nodes:%s'
NOT_SUPPORTED = 'The requested functionality is not supported.'
# the actions Nova knows here, and the Ironic command each message names
ACTIONS = {'add_interface': 'port-create', 'remove_interface': 'port-delete'}


def _no_ironic_proxy(command):
    return ApiError(400, 'Command not supported. Please use Ironic command %s to perform this action.' % command)


def _any_json_body():
    """Nova's empty schemas take any JSON body, or none; text that is not JSON is still its 400."""
    raw = flask.request.get_data()
    if raw.strip() and flask.request.get_json(silent=True) is None and raw.strip() != b'null':
        raise ApiError(400, 'Malformed request body')


def index():
    available_until(PROXY_LAST_MINOR)
    policy.enforce(RULE % 'list', ctx(), {})
    raise ApiError(501, NOT_SUPPORTED)


def show(node_id):
    available_until(PROXY_LAST_MINOR)
    policy.enforce(RULE % 'show', ctx(), {})
    raise ApiError(501, NOT_SUPPORTED)


def create():
    available_until(PROXY_LAST_MINOR)
    _any_json_body()
    raise _no_ironic_proxy('node-create')


def delete(node_id):
    available_until(PROXY_LAST_MINOR)
    raise _no_ironic_proxy('node-delete')


def action(node_id):
    name, _args = action_peek(flask.request.get_json(silent=True))
    if name not in ACTIONS:
        raise ApiError(400, 'There is no such action: %s' % name)
    available_until(PROXY_LAST_MINOR)
    raise _no_ironic_proxy(ACTIONS[name])
