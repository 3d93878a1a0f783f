# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's floating-IP proxy over the network service (nova/api/openstack/compute/floating_ips.py and
floating_ip_pools.py): ``/os-floating-ips`` and ``/os-floating-ip-pools`` (2.1 - 2.35), and the
``addFloatingIp`` / ``removeFloatingIp`` server actions (2.1 - 2.43).

Each call uses the functions the Neutron API uses (one implementation: the host side learns of an
association the same way), and answers in the nova-network shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, store
from novalite_api.faults import ApiError
from novalite_api.network import floatingips as network_floatingips

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.network import errors as net_errors
from ansible_collections.novalite.compute.plugins.module_utils.network import floating_ips, networks, ports
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import flask
    import netaddr
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    flask = netaddr = sa = None

RULE = 'os_compute_api:os-floating-ips:%s'
# nova.conf [neutron] default_floating_pool: the pool of a create that names none
DEFAULT_POOL = 'nova'
CREATE_BODY = {'type': ['object', 'null'], 'properties': {'pool': {'type': ['string', 'null']}},
               'additionalProperties': True}
_ADDRESS = {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}
ACTIONS = {
    'addFloatingIp': {'type': 'object', 'properties': {'address': _ADDRESS, 'fixed_address': _ADDRESS},
                      'required': ['address'], 'additionalProperties': False},
    'removeFloatingIp': {'type': 'object', 'properties': {'address': _ADDRESS}, 'required': ['address'],
                         'additionalProperties': False},
}


def _proxy(rule, until_minor=35):
    if since(until_minor + 1):
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce(rule, ctx(), {'project_id': ctx().project_id})


def _view(conn, fip):
    """``{fixed_ip, id, instance_id, ip, pool}``: the instance is the associated port's device."""
    instance_id = None
    if fip['port_id']:
        t = table('ports')
        instance_id = conn.execute(sa.select(t.c.device_id).where(t.c.id == fip['port_id'])).scalar() or None
    nets = table('networks')
    pool = conn.execute(sa.select(nets.c.name).where(nets.c.id == fip['floating_network_id'])).scalar()
    return {'fixed_ip': fip['fixed_ip_address'], 'id': fip['id'], 'instance_id': instance_id,
            'ip': fip['floating_ip_address'], 'pool': pool or fip['floating_network_id']}


def _find(conn, fip_id):
    if not instances.is_uuid_like(fip_id):
        raise ApiError(400, 'Invalid ID received %s.' % fip_id)
    try:
        return floating_ips.show(conn, ctx(), fip_id)
    except net_errors.NotFound:
        raise ApiError(404, 'Floating IP not found for ID %s' % fip_id)


def _by_address(conn, address):
    found = [f for f in floating_ips.list_floating_ips(conn, ctx()) if f['floating_ip_address'] == address]
    if not found:
        raise ApiError(404, 'floating IP not found')
    if len(found) > 1:
        raise ApiError(409, 'Multiple floating IPs are found for address %s.' % address)
    return found[0]


# ---- /os-floating-ip-pools ----------------------------------------------------------------------------

def pools():
    _proxy('os_compute_api:os-floating-ip-pools')
    with store().read() as conn:
        external = [n for n in networks.list_networks(conn, ctx()) if n['router:external']]
    return flask.jsonify({'floating_ip_pools': [{'name': n['name'] or n['id']} for n in external]})


# ---- /os-floating-ips -----------------------------------------------------------------------------------

def index():
    _proxy(RULE % 'list')
    caller = ctx()
    with store().read() as conn:
        mine = [f for f in floating_ips.list_floating_ips(conn, caller) if f['tenant_id'] == caller.project_id]
        return flask.jsonify({'floating_ips': [_view(conn, f) for f in mine]})


def show(fip_id):
    _proxy(RULE % 'show')
    with store().read() as conn:
        return flask.jsonify({'floating_ip': _view(conn, _find(conn, fip_id))})


def _pool_network(conn, pool):
    """The external network a pool name (or id) means (Nova's _get_floating_ip_pool_id_by_name_or_id)."""
    found = [n for n in networks.list_networks(conn, ctx())
             if n['router:external'] and pool in (n['id'], n['name'])]
    if not found:
        raise ApiError(404, 'Floating IP pool not found.')
    if len(found) > 1:
        raise ApiError(409, 'Multiple floating IP pools matches found for name \'%s\'' % pool)
    return found[0]['id']


def create():
    _proxy(RULE % 'create')
    body = flask.request.get_json(silent=True)
    body = validation.validate(body, CREATE_BODY) or {}
    pool = body.get('pool')
    try:
        with store().begin() as conn:
            network_id = _pool_network(conn, pool or DEFAULT_POOL)
            made = floating_ips.create(conn, ctx(), {'floatingip': {'floating_network_id': network_id}})
            view = _view(conn, made)
    except net_errors.NeutronError as exc:
        if exc.kind == 'OverQuota':
            raise ApiError(403, 'IP allocation over quota in pool %s.' % pool if pool else 'IP allocation over quota.')
        if exc.kind == 'ExternalIpAddressExhausted':
            raise ApiError(404, 'No more floating IPs in pool %s.' % pool if pool else
                           'No more floating IPs available.')
        raise ApiError(400, exc.message)
    return flask.jsonify({'floating_ip': view})


def delete(fip_id):
    _proxy(RULE % 'delete')
    before = network_floatingips.hosts_of(fip_id)
    try:
        with store().begin() as conn:
            _find(conn, fip_id)
            floating_ips.delete(conn, ctx(), fip_id)
    except net_errors.NeutronError as exc:
        raise ApiError(404 if isinstance(exc, net_errors.NotFound) else 400, exc.message)
    network_floatingips.applied(fip_id, before)
    return '', 202


# ---- the server actions (until 2.43) ------------------------------------------------------------------

def action(server_id, name, args):
    if since(44):
        raise ApiError(404, 'The resource could not be found.')
    args = validation.validate(args, ACTIONS[name], name)
    if name == 'addFloatingIp':
        return _associate(server_id, args)
    return _disassociate(server_id, args['address'])


def _server_fixed_ips(conn, inst):
    t = table('ports')
    found = []
    for port in ports.list_ports(conn, ctx(), where=(t.c.device_id == inst['uuid'],)):
        found.extend((port['id'], ip['ip_address']) for ip in port['fixed_ips'])
    return found


def _associate(server_id, args):
    inst = get_server(server_id, RULE % 'add')
    address = args['address']
    with store().begin() as conn:
        fixed_ips = _server_fixed_ips(conn, inst)
        if not inst.get('network_info'):
            raise ApiError(400, 'Instance network is not ready yet')
        if not fixed_ips:
            raise ApiError(400, 'No fixed IPs associated to instance')
        wanted = args.get('fixed_address')
        if wanted is not None:
            chosen = [item for item in fixed_ips if item[1] == wanted]
            if not chosen:
                raise ApiError(400, 'Specified fixed address not assigned to instance')
        else:
            chosen = [item for item in fixed_ips if netaddr.valid_ipv4(item[1])]
            if not chosen:
                raise ApiError(400, 'Unable to associate floating IP %s to any fixed IPs for instance %s. Instance '
                                    'has no fixed IPv4 addresses to associate.' % (address, server_id))
        port_id, fixed = chosen[0]
        fip = _by_address(conn, address)
        if fip['port_id']:
            raise ApiError(400, 'floating IP is already associated')
        try:
            floating_ips.update(conn, ctx(), fip['id'], {'floatingip': {'port_id': port_id,
                                                                        'fixed_ip_address': fixed}})
        except net_errors.NeutronError as exc:
            raise ApiError(400, 'Unable to associate floating IP %s to fixed IP %s for instance %s. Error: %s'
                           % (address, fixed, server_id, exc.message))
    network_floatingips.applied(fip['id'], [])
    return '', 202


def _disassociate(server_id, address):
    with store().begin() as conn:
        fip = _by_address(conn, address)
        holder = None
        if fip['port_id']:
            t = table('ports')
            holder = conn.execute(sa.select(t.c.device_id).where(t.c.id == fip['port_id'])).scalar()
        inst = get_server(holder, RULE % 'remove') if holder and instances.is_uuid_like(holder) else None
        if inst is None:
            policy.enforce(RULE % 'remove', ctx(), {})
        if inst is None or inst['uuid'] != server_id:
            raise ApiError(409, 'Floating IP %s is not associated with instance %s.' % (address, server_id))
        before = floating_ips.hosts(conn, fip['id'])
        floating_ips.update(conn, ctx(), fip['id'], {'floatingip': {'port_id': None}})
    network_floatingips.applied(fip['id'], before)
    return '', 202
