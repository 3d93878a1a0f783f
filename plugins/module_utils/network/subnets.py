# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Subnets: an IPv4 range of a network with its gateway, allocation pools, DNS servers, host routes and DHCP flag.

The checks (a CIDR that is a network, a gateway on the subnet and outside the
pools, pools inside the CIDR and apart, no overlap with the network's other
subnets) are ``ipam``'s, with Neutron's texts. Only the network's owner (or an
admin) adds subnets to it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import errors, ipam, model, networks, quotas
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


def _list_of(attr, value):
    if not isinstance(value, list):
        raise errors.invalid_attribute(attr, "'%s' is not a list" % (value,))
    return value


def _ip_version(attr, value):
    version = model.integer(attr, value)
    if version not in (4, 6):
        raise errors.invalid_attribute(attr, "'%s' is not in [4, 6]" % (value,))
    if version == 6:
        raise errors.BadRequest('IPv6 subnets are not supported by novalite yet', field=attr)
    return version


ATTRS = {
    'name': Attr(model.text, default=''), 'description': Attr(model.text, default=''),
    'network_id': Attr(model.uuid_value, put=False), 'ip_version': Attr(_ip_version, put=False, default=4),
    'cidr': Attr(None, put=False), 'gateway_ip': Attr(None), 'enable_dhcp': Attr(model.boolean, default=True),
    'allocation_pools': Attr(_list_of), 'dns_nameservers': Attr(_list_of, default=list),
    'host_routes': Attr(_list_of, default=list), 'subnetpool_id': Attr(None, put=False),
    'ipv6_ra_mode': Attr(None, put=False), 'ipv6_address_mode': Attr(None, put=False),
    'segment_id': Attr(None), 'service_types': Attr(_list_of), 'use_default_subnetpool': Attr(None, put=False),
    'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}
_UNSUPPORTED = ('subnetpool_id', 'ipv6_ra_mode', 'ipv6_address_mode', 'segment_id', 'use_default_subnetpool')


def view(row):
    out = {'id': row.id, 'name': row.name, 'description': row.description, 'network_id': row.network_id,
           'ip_version': row.ip_version, 'cidr': row.cidr, 'gateway_ip': row.gateway_ip,
           'enable_dhcp': row.enable_dhcp, 'allocation_pools': row.allocation_pools,
           'dns_nameservers': row.dns_nameservers, 'host_routes': row.host_routes, 'ipv6_ra_mode': None,
           'ipv6_address_mode': None, 'subnetpool_id': None, 'segment_id': None, 'service_types': [],
           'dns_publish_fixed_ip': None, 'tags': []}
    out.update(model.project_ids(row.project_id))
    out.update(model.stamps(row))
    return out


def _visible(context):
    t, nets = table('subnets'), table('networks')
    query = model.ordered('subnets')
    if context.is_admin:
        return query
    return query.join(nets, nets.c.id == t.c.network_id).where(sa.or_(
        t.c.project_id == context.project_id, nets.c.shared.is_(True), nets.c.router_external.is_(True)))


def list_subnets(conn, context):
    return [view(r) for r in conn.execute(_visible(context))]


def get_row(conn, context, subnet_id, field='subnet_id', writer=False):
    return model.fetch(conn, _visible(context), subnet_id, 'SubnetNotFound', 'Subnet', field,
                       writable_by=context if writer else None)


def show(conn, context, subnet_id):
    return view(get_row(conn, context, subnet_id))


def of_network(conn, network_id):
    t = table('subnets')
    return conn.execute(sa.select(t).where(t.c.network_id == network_id).order_by(t.c.created_at, t.c.id)).all()


def create(conn, context, body):
    spec = model.parse('subnet', body, ATTRS, create=True)
    for attr in _UNSUPPORTED:
        if spec.get(attr) not in (None, False):
            raise errors.BadRequest('%s is not supported by novalite' % attr, field=attr)
    if 'network_id' not in spec:
        raise errors.BadRequest("Failed to parse request. Required attribute 'network_id' not specified",
                                field='network_id', kind='HTTPBadRequest')
    if 'cidr' not in spec:
        raise errors.BadRequest('Bad subnet request: a cidr must be specified in the absence of a subnet pool.',
                                field='cidr')
    project_id = model.owner(context, spec)
    quotas.check(conn, project_id, {'subnet': 1})   # (the project's lock before the network's)
    network = model.lock_network(conn, networks.get_row(conn, context, spec['network_id']).id)
    if not context.is_admin and network.project_id != project_id:
        raise errors.policy_refused('create_subnet', field='network_id')
    net = ipam.cidr('cidr', spec['cidr'])
    if net.version != spec['ip_version']:
        raise errors.InvalidInput('Cidr %s does not match the IP version %d' % (net, spec['ip_version']),
                                  field='cidr')
    gateway, pools, dns, routes = ipam.check_subnet(net, spec.get('gateway_ip', Ellipsis), spec.get(
        'allocation_pools'), spec['dns_nameservers'], spec['host_routes'], spec['enable_dhcp'])
    ipam.check_overlap(conn, network.id, net)
    subnet_id = model.new_id()
    conn.execute(table('subnets').insert().values(
        id=subnet_id, project_id=project_id, name=spec['name'], description=spec['description'],
        network_id=network.id, ip_version=4, cidr=str(net), gateway_ip=gateway, enable_dhcp=spec['enable_dhcp'],
        allocation_pools=pools, dns_nameservers=dns, host_routes=routes, created_at=model.now()))
    model.touch(conn, 'networks', network.id)
    return show(conn, context, subnet_id)


def update(conn, context, subnet_id, body):
    spec = model.parse('subnet', body, ATTRS, create=False)
    row = get_row(conn, context, subnet_id, writer=True)
    model.lock_network(conn, row.network_id)
    net = ipam.netaddr.IPNetwork(row.cidr)
    gateway = spec.get('gateway_ip', row.gateway_ip)
    pools = spec.get('allocation_pools')
    if pools is None and 'gateway_ip' in spec:
        pools = row.allocation_pools   # a new gateway keeps the pools (and must stay out of them)
    gateway, pools, dns, routes = ipam.check_subnet(
        net, gateway, pools if pools is not None else row.allocation_pools,
        spec.get('dns_nameservers', row.dns_nameservers), spec.get('host_routes', row.host_routes),
        spec.get('enable_dhcp', row.enable_dhcp))
    values = dict((k, spec[k]) for k in ('name', 'description', 'enable_dhcp') if k in spec)
    values.update(gateway_ip=gateway, allocation_pools=pools, dns_nameservers=dns, host_routes=routes)
    model.touch(conn, 'subnets', subnet_id, **values)
    return show(conn, context, subnet_id)


def delete(conn, context, subnet_id):
    row = get_row(conn, context, subnet_id, writer=True)
    model.lock_network(conn, row.network_id)
    allocations, ports = table('ip_allocations'), table('ports')
    in_use = conn.execute(sa.select(ports.c.id).join(allocations, allocations.c.port_id == ports.c.id)
                          .where(allocations.c.subnet_id == subnet_id)
                          .where(ports.c.device_owner.notin_(model.AUTO_DELETE_OWNERS))).first()
    if in_use is not None:
        raise errors.subnet_in_use(subnet_id)
    conn.execute(allocations.delete().where(allocations.c.subnet_id == subnet_id))
    conn.execute(table('subnets').delete().where(table('subnets').c.id == subnet_id))
    model.touch(conn, 'networks', row.network_id)
