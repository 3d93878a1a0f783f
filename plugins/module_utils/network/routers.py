# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Routers (Neutron's L3 extension): an external gateway and interfaces on tenant subnets.

The gateway is a port on an external network (device_owner
``network:router_gateway``, no project, as Neutron makes it); an interface is a
port holding the subnet's gateway address (``network:router_interface``). A
floating IP is reachable for a fixed port only through a router that has both
(``floating_ips.associate``). A change of either gives the hosts with ports on the
router's subnets their SNAT ports (``host_plan.ensure_snat_ports``); what a router
does on the hosts (SNAT/DNAT) is the host side's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import (
    errors, host_plan, model, networks, ports, quotas, subnets,
)
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


def _gateway_info(attr, value):
    if value is None or value == {}:
        return None
    if not isinstance(value, dict) or set(value) - {'network_id', 'enable_snat', 'external_fixed_ips'}:
        raise errors.invalid_attribute(attr, "'%s' is not a valid external gateway: it takes network_id, "
                                             "enable_snat and external_fixed_ips" % (value,))
    if 'network_id' not in value:
        raise errors.invalid_attribute(attr, "'%s' has no network_id" % (value,))
    out = {'network_id': model.uuid_value(attr, value['network_id'])}
    if 'enable_snat' in value:
        out['enable_snat'] = model.boolean(attr, value['enable_snat'])
    if value.get('external_fixed_ips') is not None:
        out['external_fixed_ips'] = ports.fixed_ips(attr, value['external_fixed_ips'])
    return out


ATTRS = {
    'name': Attr(model.text, default=''), 'description': Attr(model.text, default=''),
    'admin_state_up': Attr(model.boolean, default=True), 'external_gateway_info': Attr(_gateway_info),
    'distributed': Attr(None), 'ha': Attr(None), 'availability_zone_hints': Attr(None, put=False),
    'flavor_id': Attr(None, put=False), 'routes': Attr(None),
    'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}


def views(conn, rows):
    gw_ports = dict((v['id'], v) for v in ports.views(conn, ports.rows_by_id(
        conn, [r.gw_port_id for r in rows if r.gw_port_id])))
    out = []
    for row in rows:
        info = None
        if row.gw_network_id:
            port = gw_ports.get(row.gw_port_id) or {'fixed_ips': []}
            info = {'network_id': row.gw_network_id, 'enable_snat': row.enable_snat,
                    'external_fixed_ips': port['fixed_ips']}
        view = {'id': row.id, 'name': row.name, 'description': row.description, 'status': row.status,
                'admin_state_up': row.admin_state_up, 'external_gateway_info': info, 'routes': [],
                'distributed': False, 'ha': False, 'availability_zone_hints': [], 'availability_zones': ['nova'],
                'flavor_id': None, 'tags': []}
        view.update(model.project_ids(row.project_id))
        view.update(model.stamps(row))
        out.append(view)
    return out


def list_routers(conn, context):
    return views(conn, conn.execute(model.owned('routers', context)).all())


def get_row(conn, context, router_id, field='router_id'):
    return model.fetch(conn, model.owned('routers', context), router_id, 'RouterNotFound', 'Router', field)


def show(conn, context, router_id):
    return views(conn, [get_row(conn, context, router_id)])[0]


def _set_gateway(conn, context, row_id, info, current):
    """Make (or replace) the router's gateway port on ``info['network_id']``; None clears it."""
    t = table('routers')
    if current.gw_port_id and (info is None or info['network_id'] != current.gw_network_id):
        fips = table('floating_ips')
        if conn.execute(sa.select(fips.c.id).where(fips.c.router_id == row_id)).first() is not None:
            raise errors.Conflict('Gateway cannot be updated for router %s, since a gateway to external network %s '
                                  'is required by one or more floating IPs.' % (row_id, current.gw_network_id),
                                  field='external_gateway_info', kind='RouterExternalGatewayInUseByFloatingIp')
        port = ports.get_row(conn, model.admin_context(context), current.gw_port_id)
        conn.execute(t.update().where(t.c.id == row_id).values(gw_port_id=None, gw_network_id=None))
        ports.remove(conn, port)
    if info is None:
        return
    if current.gw_port_id and info['network_id'] == current.gw_network_id:
        conn.execute(t.update().where(t.c.id == row_id).values(enable_snat=info.get('enable_snat', True)))
        return
    network = networks.get_row(conn, context, info['network_id'], field='external_gateway_info')
    if not network.router_external:
        raise errors.bad_request('router', 'Network %s is not an external network' % network.id,
                                 field='external_gateway_info')
    if info.get('external_fixed_ips') and not context.is_admin:
        raise errors.policy_refused('create_router:external_gateway_info:external_fixed_ips',
                                    field='external_gateway_info')
    port_id = ports.make(conn, context, network.id, '', fixed_ips=info.get('external_fixed_ips'), device_id=row_id,
                         device_owner=model.ROUTER_GATEWAY, count_quota=False)
    conn.execute(t.update().where(t.c.id == row_id).values(
        gw_port_id=port_id, gw_network_id=network.id, enable_snat=info.get('enable_snat', True)))


def create(conn, context, body):
    spec = model.parse('router', body, ATTRS, create=True)
    project_id = model.owner(context, spec)
    quotas.check(conn, project_id, {'router': 1})
    router_id = model.new_id()
    t = table('routers')
    conn.execute(t.insert().values(id=router_id, project_id=project_id, name=spec['name'],
                                   description=spec['description'], admin_state_up=spec['admin_state_up'],
                                   status='ACTIVE', enable_snat=True, created_at=model.now()))
    if spec.get('external_gateway_info'):
        _set_gateway(conn, context, router_id, spec['external_gateway_info'],
                     conn.execute(sa.select(t).where(t.c.id == router_id)).first())
    return show(conn, context, router_id)


def update(conn, context, router_id, body):
    spec = model.parse('router', body, ATTRS, create=False)
    row = get_row(conn, context, router_id)
    if 'external_gateway_info' in spec:
        _set_gateway(conn, context, router_id, spec['external_gateway_info'], row)
        host_plan.ensure_snat_ports(conn, host_plan.hosts_of_router(conn, router_id))
    values = dict((k, spec[k]) for k in ('name', 'description', 'admin_state_up') if k in spec)
    model.touch(conn, 'routers', router_id, **values)
    return show(conn, context, router_id)


def _interfaces(conn, router_id):
    t = table('ports')
    return conn.execute(sa.select(t).where(t.c.device_id == router_id)
                        .where(t.c.device_owner == model.ROUTER_INTERFACE)).all()


def interface_subnet_ids(conn, router_id):
    """The subnets the router has an interface on (oldest interface first)."""
    out = []
    for port in ports.views(conn, _interfaces(conn, router_id)):
        out.extend(ip['subnet_id'] for ip in port['fixed_ips'] if ip['subnet_id'] not in out)
    return out


def delete(conn, context, router_id):
    row = get_row(conn, context, router_id)
    if _interfaces(conn, router_id):
        raise errors.Conflict('Router %s still has ports' % router_id, field='router_id', kind='RouterInUse')
    _set_gateway(conn, context, router_id, None, row)
    conn.execute(table('routers').delete().where(table('routers').c.id == router_id))


def _interface_body(body, action):
    if not isinstance(body, dict) or not body:
        raise errors.bad_request('router', 'Either subnet_id or port_id must be specified')
    unknown = set(body) - {'subnet_id', 'port_id'}
    if unknown:
        raise errors.bad_request('router', 'Unrecognized attribute(s) %s' % ', '.join(sorted(unknown)))
    if 'subnet_id' in body and 'port_id' in body and action == 'add':
        raise errors.bad_request('router', 'Cannot specify both subnet-id and port-id')
    if 'subnet_id' not in body and 'port_id' not in body:
        raise errors.bad_request('router', 'Either subnet_id or port_id must be specified')
    return dict((k, model.uuid_value(k, v)) for k, v in body.items())


def _interface_info(row, port_id, network_id, subnet_ids):
    out = {'id': row.id, 'port_id': port_id, 'network_id': network_id, 'subnet_id': subnet_ids[0] if subnet_ids
           else None, 'subnet_ids': subnet_ids}
    out.update(model.project_ids(row.project_id))
    return out


def add_interface(conn, context, router_id, body):
    row = get_row(conn, context, router_id)
    spec = _interface_body(body, 'add')
    attached = set()
    for port in ports.views(conn, _interfaces(conn, router_id)):
        attached.update(ip['subnet_id'] for ip in port['fixed_ips'])
    t = table('ports')
    if 'port_id' in spec:
        port = ports.get_row(conn, context, spec['port_id'])
        if port.device_id or port.device_owner:
            raise errors.Conflict('Unable to complete operation on port %s for network %s. Port already has an '
                                  'attached device %s.' % (port.id, port.network_id, port.device_id),
                                  field='port_id', kind='PortInUse')
        fixed = ports.views(conn, [port])[0]['fixed_ips']
        if not fixed:
            raise errors.bad_request('router', 'Router port must have at least one fixed IP')
        for ip in fixed:
            if ip['subnet_id'] in attached:
                raise errors.bad_request('router', 'Router already has a port on subnet %s' % ip['subnet_id'])
        conn.execute(t.update().where(t.c.id == port.id).values(
            device_id=router_id, device_owner=model.ROUTER_INTERFACE, updated_at=model.now(),
            revision_number=t.c.revision_number + 1))
        members = table('port_security_groups')
        conn.execute(members.delete().where(members.c.port_id == port.id))
        host_plan.ensure_snat_ports(conn, host_plan.hosts_of_network(conn, port.network_id))
        return _interface_info(row, port.id, port.network_id, [ip['subnet_id'] for ip in fixed])
    subnet = subnets.get_row(conn, context, spec['subnet_id'])
    if not context.is_admin and subnet.project_id != row.project_id:
        network = networks.get_row(conn, context, subnet.network_id)
        if not network.shared:
            raise errors.not_found('SubnetNotFound', 'Subnet', subnet.id, field='subnet_id')
    if not subnet.gateway_ip:
        raise errors.bad_request('router', 'Subnet for router interface must have a gateway IP')
    if subnet.id in attached:
        raise errors.bad_request('router', 'Router already has a port on subnet %s' % subnet.id)
    port_id = ports.make(conn, context, subnet.network_id, row.project_id,
                         fixed_ips=[{'subnet_id': subnet.id, 'ip_address': subnet.gateway_ip}], device_id=router_id,
                         device_owner=model.ROUTER_INTERFACE, count_quota=False)
    model.touch(conn, 'routers', router_id)
    host_plan.ensure_snat_ports(conn, host_plan.hosts_of_network(conn, subnet.network_id))
    return _interface_info(row, port_id, subnet.network_id, [subnet.id])


def remove_interface(conn, context, router_id, body):
    row = get_row(conn, context, router_id)
    spec = _interface_body(body, 'remove')
    found = None
    for port in ports.views(conn, _interfaces(conn, router_id)):
        subnet_ids = [ip['subnet_id'] for ip in port['fixed_ips']]
        if port['id'] == spec.get('port_id') or spec.get('subnet_id') in subnet_ids:
            found = (port, subnet_ids)
            break
    if found is None:
        if 'port_id' in spec:
            raise errors.NotFound('Router %s does not have an interface with id %s' % (router_id, spec['port_id']),
                                  field='port_id', kind='RouterInterfaceNotFound')
        raise errors.NotFound('Router %s has no interface on subnet %s' % (router_id, spec['subnet_id']),
                              field='subnet_id', kind='RouterInterfaceNotFoundForSubnet')
    port, subnet_ids = found
    fips, allocations = table('floating_ips'), table('ip_allocations')
    through = conn.execute(sa.select(fips.c.id).join(allocations, allocations.c.port_id == fips.c.fixed_port_id)
                           .where(fips.c.router_id == router_id)
                           .where(allocations.c.subnet_id.in_(subnet_ids))).first()
    if through is not None:
        raise errors.Conflict('Router interface for subnet %s on router %s cannot be deleted, as it is required by '
                              'one or more floating IPs.' % (subnet_ids[0], router_id), field='subnet_id',
                              kind='RouterInterfaceInUseByFloatingIP')
    ports.remove(conn, ports.get_row(conn, model.admin_context(context), port['id']))
    model.touch(conn, 'routers', router_id)
    host_plan.ensure_snat_ports(conn, host_plan.hosts_of_network(conn, port['network_id']))
    return _interface_info(row, port['id'], port['network_id'], subnet_ids)


def reaching(conn, external_network_id, subnet_id, project_id):
    """The router of ``project_id`` with a gateway on the external network and an interface on the subnet."""
    routers, t, allocations = table('routers'), table('ports'), table('ip_allocations')
    row = conn.execute(sa.select(routers.c.id).join(t, t.c.device_id == routers.c.id)
                       .join(allocations, allocations.c.port_id == t.c.id)
                       .where(routers.c.gw_network_id == external_network_id)
                       .where(t.c.device_owner == model.ROUTER_INTERFACE)
                       .where(allocations.c.subnet_id == subnet_id)
                       .order_by(routers.c.project_id != project_id)).first()
    return row.id if row is not None else None
