# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's interface attachments (``/servers/{id}/os-interface``, Nova's attach_interfaces.py).

``GET`` lists the server's ports (``interfaceAttachments``: net_id, port_id, mac_addr, port_state, fixed_ips;
``tag`` from 2.70), ``GET .../{port_id}`` shows one. ``POST`` attaches a port (``port_id``) or a new port on a
network (``net_id``, ``fixed_ips`` one address; neither: the project's one network; ``tag`` from 2.49):
compute/interfaces.py binds the port and records the action, its host call (the host plugs the port and
hot-plugs the NIC) runs in the request, as Nova's RPC call to the compute host, and its outcome is recorded
before the answer: the attachment (200), or 500 when the host failed it (the port rolled back, the fault
recorded). ``DELETE .../{port_id}`` detaches the same way and answers 202.

The host call runs as the network calls of the Networking API do (``JobQueue.read_from_host``, the host
playbook in this process's PID namespace), not as a job: a job's ansible runs in a PID namespace of its own
that ends with it, so a DHCP server (dnsmasq) the host side starts or signals there would die with the job
or could not be reached from it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import flask

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, jobs, request_body, store
from novalite_api.compute.schemas.server_tags import TAG
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, interfaces, server_actions
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


def _run(inst, verb, request):
    """Check and record the attach or detach, run its host call now and record the outcome; returns
    (the started action, interfaces.outcome: ok and the failure)."""
    context = ctx()
    started = server_actions.start(store(), inst['uuid'], verb, context, interface_request=request)
    result = jobs().read_from_host(started['host_call'])
    conductor.record_result(store(), inst['uuid'], started['action'], context.request_id, host_result=result)
    return started, interfaces.outcome(store(), inst['uuid'], context.request_id)


def create(server_id):
    body = validation.validate(request_body(), create_schema(_minor()))
    inst = get_server(server_id, RULE % 'create')
    attachment = body.get('interfaceAttachment') or {}
    fixed_ips = attachment.get('fixed_ips') or []
    request = {'port_id': attachment.get('port_id'), 'net_id': attachment.get('net_id'),
               'fixed_ip': fixed_ips[0]['ip_address'] if fixed_ips else None, 'tag': attachment.get('tag')}
    started, done = _run(inst, 'attach_interface', request)
    if not done['ok']:
        raise ApiError(500, done['message'] or 'Failed to attach network adapter device to %s' % inst['uuid'])
    return flask.jsonify(_show(get_server(server_id, RULE % 'show'), started['port_id']))


def delete(server_id, port_id):
    inst = get_server(server_id, RULE % 'delete')
    _run(inst, 'detach_interface', {'port_id': port_id})
    return flask.Response(status=202)
