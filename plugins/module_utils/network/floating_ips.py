# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs: an address of an external network, associated with a fixed IP of a port (or not).

The address is held by a port on the external network (device_owner
``network:floatingip``, no project) from the one allocator. Associating needs
a router of the project with a gateway on that external network and an
interface on the port's subnet (Neutron's rule); the server's network info
then shows the floating address. The NAT on the host is the host side's
(network/host_plan.py, host_side.py): the callers converge ``hosts`` before and after a change.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import (
    errors, host_plan, ipam, model, networks, ports, quotas, routers,
)
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

ATTRS = {
    'floating_network_id': Attr(model.uuid_value, put=False),
    'floating_ip_address': Attr(lambda a, v: str(ipam.ip_address(a, v)), put=False),
    'subnet_id': Attr(lambda a, v: model.uuid_value(a, v, nullable=True), put=False),
    'port_id': Attr(lambda a, v: model.uuid_value(a, v, nullable=True)),
    'fixed_ip_address': Attr(lambda a, v: None if v is None else str(ipam.ip_address(a, v))),
    'description': Attr(model.text, default=''), 'dns_name': Attr(None, put=False),
    'dns_domain': Attr(None, put=False), 'qos_policy_id': Attr(None),
    'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}


def view(row):
    out = {'id': row.id, 'floating_network_id': row.floating_network_id,
           'floating_ip_address': row.floating_ip_address, 'port_id': row.fixed_port_id,
           'fixed_ip_address': row.fixed_ip_address, 'router_id': row.router_id, 'status': row.status,
           'description': row.description, 'port_details': None, 'tags': [], 'port_forwardings': [],
           'qos_policy_id': None, 'dns_name': '', 'dns_domain': ''}
    out.update(model.project_ids(row.project_id))
    out.update(model.stamps(row))
    return out


def list_floating_ips(conn, context):
    return [view(r) for r in conn.execute(model.owned('floating_ips', context))]


def get_row(conn, context, fip_id):
    return model.fetch(conn, model.owned('floating_ips', context), fip_id, 'FloatingIPNotFound', 'Floating IP',
                       'floatingip_id')


def show(conn, context, fip_id):
    return view(get_row(conn, context, fip_id))


def _association(conn, context, project_id, external_network_id, port_id, fixed_ip, fip_id=None):
    """(port id, fixed address, router id) for associating with ``port_id``, with Neutron's checks."""
    port = ports.get_row(conn, context, port_id)
    if port.project_id != project_id and not context.is_admin:
        raise errors.not_found('PortNotFound', 'Port', port_id, field='port_id')
    fixed = ports.views(conn, [port])[0]['fixed_ips']
    if fixed_ip is not None:
        chosen = [ip for ip in fixed if ip['ip_address'] == fixed_ip]
        if not chosen:
            raise errors.bad_request('floatingip', 'Port %s does not have fixed ip %s' % (port_id, fixed_ip))
    else:
        chosen = fixed[:1]
        if not chosen:
            raise errors.bad_request('floatingip', 'Port %s does not have any fixed IPs' % port_id)
    address, subnet_id = chosen[0]['ip_address'], chosen[0]['subnet_id']
    t = table('floating_ips')
    other = conn.execute(sa.select(t.c.id).where(t.c.fixed_port_id == port.id)
                         .where(t.c.fixed_ip_address == address)).first()
    if other is not None and other.id != fip_id:
        raise errors.Conflict('Cannot associate floating IP with port %s using fixed IP %s, as that fixed IP already '
                              'has a floating IP on external network %s.' % (port.id, address, external_network_id),
                              field='port_id', kind='FloatingIPPortAlreadyAssociated')
    router_id = routers.reaching(conn, external_network_id, subnet_id, project_id)
    if router_id is None:
        raise errors.NotFound('External network %s is not reachable from subnet %s.  Therefore, cannot associate '
                              'Port %s with a Floating IP.' % (external_network_id, subnet_id, port.id),
                              field='port_id', kind='ExternalGatewayForFloatingIPNotFound')
    return port, address, router_id


def create(conn, context, body):
    spec = model.parse('floatingip', body, ATTRS, create=True)
    if 'floating_network_id' not in spec:
        raise errors.BadRequest("Failed to parse request. Required attribute 'floating_network_id' not specified",
                                field='floating_network_id', kind='HTTPBadRequest')
    project_id = model.owner(context, spec)
    network = networks.get_row(conn, context, spec['floating_network_id'], field='floating_network_id')
    if not network.router_external:
        raise errors.bad_request('floatingip', 'Network %s is not a valid external network' % network.id,
                                 field='floating_network_id')
    if spec.get('floating_ip_address') and not context.is_admin:
        raise errors.policy_refused('create_floatingip:floating_ip_address', field='floating_ip_address')
    quotas.check(conn, project_id, {'floatingip': 1})
    association = None
    if spec.get('port_id'):
        association = _association(conn, context, project_id, network.id, spec['port_id'],
                                   spec.get('fixed_ip_address'))
    fixed = None
    if spec.get('floating_ip_address') or spec.get('subnet_id'):
        fixed = [dict((k, v) for k, v in (('subnet_id', spec.get('subnet_id')),
                                          ('ip_address', spec.get('floating_ip_address'))) if v)]
    fip_id = model.new_id()
    try:
        port_id = ports.make(conn, context, network.id, '', fixed_ips=fixed, device_id=fip_id,
                             device_owner=model.FLOATING_IP_OWNER, count_quota=False)
    except errors.NeutronError as exc:
        if exc.kind == 'IpAddressGenerationFailure':
            raise errors.NotFound('Unable to find any IP address on external network %s.' % network.id,
                                  field='floating_network_id', kind='ExternalIpAddressExhausted')
        raise
    address = ports.views(conn, ports.rows_by_id(conn, [port_id]))[0]['fixed_ips'][0]['ip_address']
    conn.execute(table('floating_ips').insert().values(
        id=fip_id, project_id=project_id, description=spec['description'], floating_network_id=network.id,
        floating_port_id=port_id, floating_ip_address=address,
        fixed_port_id=association[0].id if association else None,
        fixed_ip_address=association[1] if association else None,
        router_id=association[2] if association else None, status='ACTIVE' if association else 'DOWN',
        created_at=model.now()))
    if association:
        ports.device_changed(conn, association[0].device_id)
    return show(conn, context, fip_id)


def update(conn, context, fip_id, body):
    spec = model.parse('floatingip', body, ATTRS, create=False)
    row = get_row(conn, context, fip_id)
    values = {}
    if 'description' in spec:
        values['description'] = spec['description']
    before = None
    if row.fixed_port_id:
        before = conn.execute(sa.select(table('ports').c.device_id)
                              .where(table('ports').c.id == row.fixed_port_id)).scalar()
    after = None
    if 'port_id' in spec:
        if spec['port_id'] is None:
            values.update(fixed_port_id=None, fixed_ip_address=None, router_id=None, status='DOWN')
        else:
            port, address, router_id = _association(conn, context, row.project_id, row.floating_network_id,
                                                    spec['port_id'], spec.get('fixed_ip_address'), fip_id)
            values.update(fixed_port_id=port.id, fixed_ip_address=address, router_id=router_id, status='ACTIVE')
            after = port.device_id
    model.touch(conn, 'floating_ips', fip_id, **values)
    ports.device_changed(conn, before, after)
    return show(conn, context, fip_id)


def hosts(conn, fip_id):
    """The compute hosts where the floating IP's port is bound (none when it is not associated, or gone)."""
    t = table('floating_ips')
    port_id = conn.execute(sa.select(t.c.fixed_port_id).where(t.c.id == fip_id)).scalar()
    return host_plan.hosts_of_ports(conn, [port_id])


def delete(conn, context, fip_id):
    row = get_row(conn, context, fip_id)
    before = None
    if row.fixed_port_id:
        before = conn.execute(sa.select(table('ports').c.device_id)
                              .where(table('ports').c.id == row.fixed_port_id)).scalar()
    conn.execute(table('floating_ips').delete().where(table('floating_ips').c.id == fip_id))
    holder = ports.rows_by_id(conn, [row.floating_port_id])
    if holder:
        ports.remove(conn, holder[0])
    ports.device_changed(conn, before)
