# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Networks (Neutron's core resource with the external-net, provider and port-security extensions).

A network belongs to its project; ``shared`` and ``router:external`` networks
are visible to every project. Only admins make shared, external or provider
networks (Neutron's default policy). A tenant network is ``vxlan`` unless an
admin says otherwise; what each type becomes on the hosts is the host side's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import errors, model, quotas, security_groups
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

DEFAULT_MTU = 1450      # a VXLAN tenant network's, as Neutron's ML2 gives
NETWORK_TYPES = ('flat', 'vlan', 'vxlan', 'local')
_ADMIN_ONLY = ('shared', 'router:external', 'provider:network_type', 'provider:physical_network',
               'provider:segmentation_id')


def _network_type(attr, value):
    if value not in NETWORK_TYPES:
        raise errors.InvalidInput('network_type value \'%s\' not supported' % (value,), field=attr)
    return value


ATTRS = {
    'name': Attr(model.text, default=''), 'description': Attr(model.text, default=''),
    'admin_state_up': Attr(model.boolean, default=True), 'shared': Attr(model.boolean, default=False),
    'router:external': Attr(model.boolean, default=False), 'mtu': Attr(model.integer),
    'port_security_enabled': Attr(model.boolean, default=True),
    'provider:network_type': Attr(_network_type, put=False),
    'provider:physical_network': Attr(model.text, put=False),
    'provider:segmentation_id': Attr(lambda a, v: None if v is None else model.integer(a, v), put=False),
    'availability_zone_hints': Attr(None, put=False), 'dns_domain': Attr(model.text),
    'is_default': Attr(model.boolean),
    'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}


def _visible(context):
    t = table('networks')
    query = model.ordered('networks')
    if context.is_admin:
        return query
    return query.where(sa.or_(t.c.project_id == context.project_id, t.c.shared.is_(True),
                              t.c.router_external.is_(True)))


def views(conn, context, rows):
    subnets = table('subnets')
    ids = [r.id for r in rows]
    by_net = {}
    if ids:
        for s in conn.execute(sa.select(subnets.c.id, subnets.c.network_id).where(subnets.c.network_id.in_(ids))
                              .order_by(subnets.c.created_at, subnets.c.id)):
            by_net.setdefault(s.network_id, []).append(s.id)
    out = []
    for row in rows:
        view = {'id': row.id, 'name': row.name, 'description': row.description, 'status': row.status,
                'admin_state_up': row.admin_state_up, 'shared': row.shared, 'router:external': row.router_external,
                'mtu': row.mtu, 'port_security_enabled': row.port_security_enabled,
                'subnets': by_net.get(row.id, []), 'availability_zone_hints': [], 'availability_zones': ['nova'],
                'ipv4_address_scope': None, 'ipv6_address_scope': None, 'l2_adjacency': True, 'tags': [],
                'is_default': False, 'dns_domain': ''}
        if context.is_admin:   # the provider attributes are the admin's (Neutron's policy)
            view.update({'provider:network_type': row.network_type,
                         'provider:physical_network': row.physical_network,
                         'provider:segmentation_id': row.segmentation_id})
        view.update(model.project_ids(row.project_id))
        view.update(model.stamps(row))
        out.append(view)
    return out


def list_networks(conn, context):
    return views(conn, context, conn.execute(_visible(context)).all())


def get_row(conn, context, network_id, field='network_id', writer=False):
    return model.fetch(conn, _visible(context), network_id, 'NetworkNotFound', 'Network', field,
                       writable_by=context if writer else None)


def show(conn, context, network_id):
    return views(conn, context, [get_row(conn, context, network_id)])[0]


def _admin_only(context, spec, action):
    if context.is_admin:
        return
    for attr in _ADMIN_ONLY:
        if attr in spec and (spec[attr] not in (False, None) or action == 'create' and attr.startswith('provider')):
            raise errors.policy_refused('%s_network:%s' % (action, attr), field=attr)


def create(conn, context, body):
    spec = model.parse('network', body, ATTRS, create=True)
    _admin_only(context, spec, 'create')
    project_id = model.owner(context, spec)
    network_type = spec.get('provider:network_type') or (
        'flat' if spec.get('provider:physical_network') else 'vxlan')
    if network_type == 'flat' and spec.get('provider:segmentation_id') is not None:
        raise errors.InvalidInput('segmentation_id specified for flat provider network',
                                  field='provider:segmentation_id')
    if network_type in ('flat', 'vlan') and not spec.get('provider:physical_network'):
        raise errors.InvalidInput('physical_network required for %s provider network' % network_type,
                                  field='provider:physical_network')
    mtu = spec.get('mtu') or (1500 if network_type in ('flat', 'vlan') else DEFAULT_MTU)
    if mtu < 68:
        raise errors.invalid_attribute('mtu', "'%s' is too small - must be at least '68'" % mtu)
    security_groups.ensure_default(conn, project_id)
    quotas.check(conn, project_id, {'network': 1})
    segmentation_id = spec.get('provider:segmentation_id')
    if network_type == 'vxlan' and segmentation_id is None:
        # a tenant network's VNI (the hosts' VXLAN between them: network/host_plan.py), as ML2 allocates it
        from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
        segmentation_id = host_plan.allocate_vni(conn)
    network_id = model.new_id()
    conn.execute(table('networks').insert().values(
        id=network_id, project_id=project_id, name=spec['name'], description=spec['description'],
        admin_state_up=spec['admin_state_up'], status='ACTIVE', shared=spec['shared'],
        router_external=spec['router:external'], mtu=mtu, port_security_enabled=spec['port_security_enabled'],
        network_type=network_type, physical_network=spec.get('provider:physical_network'),
        segmentation_id=segmentation_id, created_at=model.now()))
    return show(conn, context, network_id)


def update(conn, context, network_id, body):
    spec = model.parse('network', body, ATTRS, create=False)
    get_row(conn, context, network_id, writer=True)
    _admin_only(context, spec, 'update')
    values = {}
    for attr, column in (('name', 'name'), ('description', 'description'), ('admin_state_up', 'admin_state_up'),
                         ('shared', 'shared'), ('router:external', 'router_external'), ('mtu', 'mtu'),
                         ('port_security_enabled', 'port_security_enabled')):
        if attr in spec:
            values[column] = spec[attr]
    if values:
        model.touch(conn, 'networks', network_id, **values)
    return show(conn, context, network_id)


def delete(conn, context, network_id):
    get_row(conn, context, network_id, writer=True)
    ports = table('ports')
    # only the ports Neutron would remove by itself (a host's DHCP or SNAT port) do not keep a network in use
    in_use = conn.execute(sa.select(ports.c.id).where(ports.c.network_id == network_id)
                          .where(ports.c.device_owner.notin_(model.AUTO_DELETE_OWNERS))).first()
    if in_use is not None:
        raise errors.network_in_use(network_id)
    conn.execute(ports.delete().where(ports.c.network_id == network_id))
    subnets = table('subnets')
    conn.execute(subnets.delete().where(subnets.c.network_id == network_id))
    conn.execute(table('networks').delete().where(table('networks').c.id == network_id))
