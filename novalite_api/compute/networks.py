# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's read-only network proxies (``/os-networks`` and ``/os-tenant-networks``, 2.1 - 2.35): the networks
the caller sees in the network service, in the shapes Nova has kept since nova-network went (only the id
and the label are real; os-networks shows admins the old admin fields, all null)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.network import errors as net_errors
from ansible_collections.novalite.compute.plugins.module_utils.network import networks

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

FIELDS = ('cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'netmask_v6')
ADMIN_FIELDS = ('created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan',
                'vpn_public_address', 'vpn_public_port', 'vpn_private_address', 'dhcp_start', 'project_id', 'host',
                'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu', 'dhcp_server', 'enable_dhcp',
                'share_address')


def _network_view(network):
    out = dict((field, None) for field in FIELDS + (ADMIN_FIELDS if ctx().is_admin else ()))
    out.update(id=network['id'], label=network['name'])
    return out


def _tenant_network_view(network):
    # 'None' as text: what Nova has answered for a Neutron network's cidr here since nova-network
    return {'id': network['id'], 'cidr': str(None), 'label': network['name']}


def _proxy(rule):
    if since(36):
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce(rule, ctx(), {'project_id': ctx().project_id})


def _listed(rule, view):
    _proxy(rule)
    with store().read() as conn:
        return flask.jsonify({'networks': [view(n) for n in networks.list_networks(conn, ctx())]})


def _shown(rule, view, network_id):
    _proxy(rule)
    try:
        with store().read() as conn:
            found = networks.show(conn, ctx(), network_id)
    except net_errors.NotFound:
        raise ApiError(404, 'Network not found')
    return flask.jsonify({'network': view(found)})


def index():
    return _listed('os_compute_api:os-networks:list', _network_view)


def show(network_id):
    return _shown('os_compute_api:os-networks:show', _network_view, network_id)


def tenant_index():
    return _listed('os_compute_api:os-tenant-networks:list', _tenant_network_view)


def tenant_show(network_id):
    return _shown('os_compute_api:os-tenant-networks:show', _tenant_network_view, network_id)
