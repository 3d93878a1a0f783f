# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's interface attachments (``/servers/{id}/os-interface``, Nova's attach_interfaces.py).

``GET`` lists the server's ports (``interfaceAttachments``: net_id, port_id, mac_addr, port_state, fixed_ips;
``tag`` from 2.70), ``GET .../{port_id}`` shows one. ``POST`` attaches a port (``port_id``) or a new port on a
network (``net_id``, ``fixed_ips`` one address; neither: the project's one network; ``tag`` from 2.49):
compute/interfaces.py binds the port and records the action, and a job runs its host call as the other
server actions' (the host plugs the port - bridge, DHCP reservation, filters - and hot-plugs the NIC; a dnsmasq
the host starts for it outlives the job: novalite_api/host_launcher.py). As Nova's attach is an RPC call to the
compute host, the answer waits for the job's outcome (up to ``rpc_response_timeout``): the attachment (200),
or 500 when the host failed it (the port rolled back, the fault recorded). ``DELETE .../{port_id}`` is Nova's
cast: the detach job is queued and the answer is a 202; a port the server does not have is the compute host's
PortNotFound in Nova - the 202 still, the ``detach_interface`` action's event in error with a fault
``Port <id> is not attached`` - and the detach of a paused guest (which cannot release the NIC) fails the same
way once the host gave up waiting, the NIC kept.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import flask

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, jobs, request_body, store
from novalite_api.compute.schemas.server_tags import TAG
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import interfaces
from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports, ports
from ansible_collections.novalite.compute.plugins.module_utils.network.errors import NeutronError

RULE = 'os_compute_api:os-attach-interfaces:%s'
_UUID = {'type': 'string', 'format': 'uuid'}
_IP_ADDRESS = {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}


def create_schema(minor):
    """Nova's attach body at 2.<minor>: a tag from 2.49."""
    properties = {
        'net_id': dict(_UUID), 'port_id': dict(_UUID),
        'fixed_ips': {'type': 'array', 'minItems': 1, 'maxItems': 1, 'items': {
            'type': 'object', 'properties': {'ip_address': _IP_ADDRESS},
            'required': ['ip_address'], 'additionalProperties': False}},
    }
    if minor >= 49:
        properties['tag'] = TAG
    return {'type': 'object',
            'properties': {'interfaceAttachment': {'type': 'object', 'properties': properties,
                                                   'additionalProperties': False}},
            'additionalProperties': False}


def _minor():
    return flask.g.get('api_version', (2, 1))[1]


def view(port, tags=None):
    """Nova's interface attachment view of a port (a Neutron port view); ``tag`` from 2.70."""
    out = {'net_id': port['network_id'], 'port_id': port['id'], 'mac_addr': port['mac_address'],
           'port_state': port['status'],
           'fixed_ips': [{'subnet_id': ip['subnet_id'], 'ip_address': ip['ip_address']}
                         for ip in port.get('fixed_ips') or []]}
    if since(70):
        out['tag'] = (tags or {}).get(port['id'])
    return out


def index(server_id):
    inst = get_server(server_id, RULE % 'list')
    tags = interfaces.tags(inst)
    with store().read() as conn:
        found = instance_ports.port_views(conn, inst['uuid'])
    return flask.jsonify({'interfaceAttachments': [view(p, tags) for p in found]})


def _show(inst, port_id):
    with store().read() as conn:
        try:
            port = ports.views(conn, [ports.get_row(conn, ctx(), port_id)])[0]
        except NeutronError:
            raise ApiError(404, 'Port id %s could not be found.' % port_id)
    if port['device_id'] != inst['uuid']:
        raise ApiError(404, 'Instance %s does not have a port with id %s' % (inst['uuid'], port_id))
    return {'interfaceAttachment': view(port, interfaces.tags(inst))}


def show(server_id, port_id):
    inst = get_server(server_id, RULE % 'show')
    return flask.jsonify(_show(inst, port_id))


WAIT_INTERVAL = 0.2


def _answered(inst, request_id):
    """Wait for the attach job's outcome (interfaces.outcome), as Nova's caller waits for the compute host's
    answer; None after ``rpc_response_timeout`` seconds."""
    deadline = time.monotonic() + flask.current_app.config['NOVALITE']['rpc_response_timeout']
    while True:
        done = interfaces.outcome(store(), inst['uuid'], request_id)
        if done is not None or time.monotonic() >= deadline:
            return done
        time.sleep(WAIT_INTERVAL)


def create(server_id):
    body = validation.validate(request_body(), create_schema(_minor()))
    inst = get_server(server_id, RULE % 'create')
    attachment = body.get('interfaceAttachment') or {}
    fixed_ips = attachment.get('fixed_ips') or []
    request = {'port_id': attachment.get('port_id'), 'net_id': attachment.get('net_id'),
               'fixed_ip': fixed_ips[0]['ip_address'] if fixed_ips else None, 'tag': attachment.get('tag')}
    context = ctx()
    started = jobs().start_action(inst['uuid'], 'attach_interface', context, interface_request=request)
    done = _answered(inst, context.request_id)
    if done is None:
        raise ApiError(500, 'Failed to attach network adapter device to %s: no answer from its host within %ds'
                       % (inst['uuid'], flask.current_app.config['NOVALITE']['rpc_response_timeout']))
    if not done['ok']:
        raise ApiError(500, done['message'] or 'Failed to attach network adapter device to %s' % inst['uuid'])
    return flask.jsonify(_show(get_server(server_id, RULE % 'show'), started['port_id']))


def delete(server_id, port_id):
    inst = get_server(server_id, RULE % 'delete')
    jobs().start_action(inst['uuid'], 'detach_interface', ctx(), interface_request={'port_id': port_id})
    return flask.Response(status=202)
