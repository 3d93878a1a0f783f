# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Remote consoles (nova/api/openstack/compute/remote_consoles.py): ``POST /servers/{id}/remote-consoles``
from 2.6, and before it the ``os-getVNCConsole`` / ``os-getSPICEConsole`` / ``os-getSerialConsole`` actions.

The URL points at the console proxy (``novalite_api/console_proxy.py``) and carries a new token
(compute/consoles.py); where the guest's console listens is read from its host now, through the host-call
path (module ``console_ports``), as Nova's API asks the compute service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, jobs, request_body, store
from novalite_api.compute.schemas import remote_consoles as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceNotReady, InvalidRequest

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RULE = 'os_compute_api:os-remote-consoles'
# the old actions: {action: protocol}
ACTIONS = {'os-getVNCConsole': 'vnc', 'os-getSPICEConsole': 'spice', 'os-getSerialConsole': 'serial'}
RDP_ACTION = 'os-getRDPConsole'
# webob's HTTPBadRequest explanation, which Nova's fault body carries
BAD_REQUEST_MESSAGE = ('The server could not comply with the request since it is either malformed or otherwise '
                       'incorrect.')


def console_url(inst, protocol, console_type):
    """Check, read the console's address on the server's host, store a token: the URL."""
    cfg = flask.current_app.config['NOVALITE']
    inst, call = consoles.check(store(), inst['uuid'], ctx(), protocol, console_type)
    result = jobs().read_from_host(call)
    if result.get('failed') or result.get('unreachable'):
        if result.get('error') == 'NotFound':
            # the domain is not on its host: nothing listens (Nova: InstanceNotFound -> not ready)
            raise InstanceNotReady('Instance %s is not ready' % inst['uuid'], field='server')
        raise ApiError(500, 'The console of server %s could not be read on %s: %s'
                       % (inst['uuid'], inst['host'], result.get('msg') or 'no answer'))
    base = cfg['novncproxy_base_url'] if console_type == 'novnc' else cfg['serialproxy_base_url']
    return consoles.authorize(store(), inst, console_type, result, base, cfg['console_token_ttl'])['url']


def create(server_id):
    """POST /servers/{id}/remote-consoles (2.6+)."""
    if not since(6):
        raise ApiError(404, 'The resource could not be found.')
    body = validation.validate(request_body(), schemas.create(api_version.current()[1]), 'body')
    inst = get_server(server_id, RULE)
    protocol = body['remote_console']['protocol']
    console_type = body['remote_console']['type']
    if protocol == 'rdp':
        raise InvalidRequest('Unavailable console type %s.' % protocol, field='protocol')
    url = console_url(inst, protocol, console_type)
    return flask.jsonify({'remote_console': {'protocol': protocol, 'type': console_type, 'url': url}})


def rdp_action():
    """``os-getRDPConsole`` (2.1 - 2.5; from 2.6 404): RDP was the Hyper-V driver's only (removed in Caracal), so
    Nova answers a bare 400 (webob's HTTPBadRequest) for any body and server, before looking either up."""
    if since(6):
        raise ApiError(404, 'The resource could not be found.')
    raise ApiError(400, BAD_REQUEST_MESSAGE)


def action(server_id, name, args):
    """The old actions (2.1 - 2.5): ``{"console": {"type", "url"}}``; from 2.6 they are gone (404)."""
    if since(6):
        raise ApiError(404, 'The resource could not be found.')
    args = validation.validate(args, schemas.ACTIONS[name], name)
    inst = get_server(server_id, RULE)
    console_type = args['type']
    url = console_url(inst, ACTIONS[name], console_type)
    return flask.jsonify({'console': {'type': console_type, 'url': url}})
