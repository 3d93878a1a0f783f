# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Ports: a MAC and fixed IPs on a network, the device that uses them, its host binding and security groups.

``make`` is the one way a port comes to be (the network API, a server create,
a router interface or gateway, a floating IP): quota, the network's lock, the
addresses from ``ipam.allocate``, the MAC, the security groups, all in the
caller's transaction, so a refused port leaves nothing behind. A port whose
device is a server keeps that server's network info (Nova's info cache) in
step (``instance_ports.refresh``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import (
    errors, ipam, model, networks, quotas, security_groups, subnets,
)
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
except ImportError:  # pragma: no cover
    sa = None
    IntegrityError = Exception


def fixed_ips(attr, value):
    """Neutron's ``fixed_ips`` list checked and normalised (``attr``: the attribute named in errors, e.g. a
    router's ``external_gateway_info``)."""
    if not isinstance(value, list):
        raise errors.invalid_attribute(attr, "'%s' is not a list" % (value,))
    out = []
    for item in value:
        if not isinstance(item, dict) or not item or set(item) - {'subnet_id', 'ip_address'}:
            raise errors.invalid_attribute(attr, "'%s' is not a valid fixed IP: give subnet_id and/or ip_address"
                                           % (item,))
        entry = {}
        if 'subnet_id' in item:
            entry['subnet_id'] = model.uuid_value(attr, item['subnet_id'])
        if 'ip_address' in item:
            entry['ip_address'] = str(ipam.ip_address(attr, item['ip_address']))
        out.append(entry)
    return out


def _uuid_list(attr, value):
    if not isinstance(value, list):
        raise errors.invalid_attribute(attr, "'%s' is not a list" % (value,))
    return [model.uuid_value(attr, v) for v in value]


def _mac(attr, value):
    parts = value.split(':') if isinstance(value, str) else []
    if len(parts) != 6 or not all(len(p) == 2 and all(c in '0123456789abcdefABCDEF' for c in p) for p in parts):
        raise errors.invalid_attribute(attr, "'%s' is not a valid MAC address" % (value,))
    if int(parts[0], 16) & 1 or value.strip(':0') == '':
        raise errors.invalid_attribute(attr, "'%s' is not a valid MAC address" % (value,))
    return value.lower()


ATTRS = {
    'name': Attr(model.text, default=''), 'description': Attr(model.text, default=''),
    'network_id': Attr(model.uuid_value, put=False), 'admin_state_up': Attr(model.boolean, default=True),
    'mac_address': Attr(_mac), 'fixed_ips': Attr(fixed_ips), 'device_id': Attr(model.text, default=''),
    'device_owner': Attr(model.text, default=''), 'security_groups': Attr(_uuid_list),
    'port_security_enabled': Attr(model.boolean), 'binding:host_id': Attr(model.text),
    'binding:vnic_type': Attr(lambda a, v: v if v == 'normal' else _bad_vnic(a, v)),
    'binding:profile': Attr(None), 'allowed_address_pairs': Attr(None), 'extra_dhcp_opts': Attr(None),
    'dns_name': Attr(model.text), 'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}


def _bad_vnic(attr, value):
    raise errors.invalid_attribute(attr, "'%s' is not in ['normal'] (novalite binds virtio NICs)" % (value,))


# ---- reading --------------------------------------------------------------------------------------

def views(conn, rows, context=None):
    ids = [r.id for r in rows]
    ips, groups = {}, {}
    if ids:
        allocations = table('ip_allocations')
        for a in conn.execute(sa.select(allocations).where(allocations.c.port_id.in_(ids))
                              .order_by(allocations.c.port_id, allocations.c.subnet_id, allocations.c.ip_address)):
            ips.setdefault(a.port_id, []).append({'subnet_id': a.subnet_id, 'ip_address': a.ip_address})
        members = table('port_security_groups')
        for m in conn.execute(sa.select(members).where(members.c.port_id.in_(ids))
                              .order_by(members.c.security_group_id)):
            groups.setdefault(m.port_id, []).append(m.security_group_id)
    out = []
    admin = context is None or context.is_admin
    for row in rows:
        view = {'id': row.id, 'name': row.name, 'description': row.description, 'network_id': row.network_id,
                'mac_address': row.mac_address, 'admin_state_up': row.admin_state_up, 'status': row.status,
                'device_id': row.device_id, 'device_owner': row.device_owner, 'fixed_ips': ips.get(row.id, []),
                'security_groups': groups.get(row.id, []), 'port_security_enabled': row.port_security_enabled,
                'allowed_address_pairs': [], 'extra_dhcp_opts': [], 'dns_name': '', 'dns_assignment': [],
                'binding:vnic_type': row.binding_vnic_type, 'tags': [], 'propagate_uplink_status': False,
                'ip_allocation': 'immediate'}
        if admin:   # the binding details are the admin's (Neutron's policy)
            view.update({'binding:host_id': row.binding_host_id, 'binding:vif_type': row.binding_vif_type,
                         'binding:vif_details': {}, 'binding:profile': {}})
        view.update(model.project_ids(row.project_id))
        view.update(model.stamps(row))
        out.append(view)
    return out


def _visible(context):
    t, nets = table('ports'), table('networks')
    query = model.ordered('ports')
    if context.is_admin:
        return query
    # a project sees its own ports and every port on its own networks (Neutron's admin_or_network_owner)
    return query.join(nets, nets.c.id == t.c.network_id).where(
        sa.or_(t.c.project_id == context.project_id, nets.c.project_id == context.project_id))


def list_ports(conn, context, where=()):
    query = _visible(context)
    for clause in where:
        query = query.where(clause)
    return views(conn, conn.execute(query).all(), context)


def get_row(conn, context, port_id, field='port_id'):
    return model.fetch(conn, _visible(context), port_id, 'PortNotFound', 'Port', field)


def rows_by_id(conn, port_ids):
    if not port_ids:
        return []
    t = table('ports')
    return conn.execute(sa.select(t).where(t.c.id.in_(port_ids))).all()


def show(conn, context, port_id):
    return views(conn, [get_row(conn, context, port_id)], context)[0]


# ---- making and changing --------------------------------------------------------------------------

def _groups_for(conn, project_id, requested, port_security, device_owner, is_admin):
    """The group ids a new port gets: the ones asked for (each must be the project's), else the default one."""
    if not port_security or device_owner.startswith(model.NETWORK_OWNER_PREFIX):
        if requested:
            raise errors.Conflict('Port has security group associated. Cannot disable port security or ip address '
                                  'until security group is removed', field='security_groups',
                                  kind='PortSecurityAndIPRequiredForSecurityGroups')
        return []
    if requested is None:
        return [security_groups.ensure_default(conn, project_id)]
    found = security_groups.resolve(conn, project_id, requested, is_admin)
    for ref, group_id in zip(requested, found):
        if group_id is None:
            raise errors.not_found('SecurityGroupNotFound', 'Security group', ref, field='security_groups')
    return list(dict.fromkeys(found))


def make(conn, context, network_id, project_id, name='', description='', fixed_ips=None, mac_address=None,
         device_id='', device_owner='', security_groups_=None, port_security=None, host='', admin_state_up=True,
         count_quota=True):
    """Write one port in ``conn``'s transaction and return its id (the checks of a port create)."""
    # the project's quota lock before the network's, everywhere (a server create holds its project's first)
    if count_quota and project_id:
        quotas.check(conn, project_id, {'port': 1})
    network = model.lock_network(conn, network_id)
    port_security = network.port_security_enabled if port_security is None else port_security
    groups = _groups_for(conn, project_id, security_groups_, port_security, device_owner,
                         context.is_admin) if project_id else []
    allocations = ipam.allocate(conn, network.id, subnets.of_network(conn, network.id), fixed_ips)
    t = table('ports')
    if mac_address is not None:
        if conn.execute(sa.select(t.c.id).where(t.c.mac_address == mac_address)).first() is not None:
            raise errors.Conflict('Unable to complete operation for network %s. The mac address %s is in use.'
                                  % (network.id, mac_address), field='mac_address', kind='MacAddressInUse')
    port_id = model.new_id()
    conn.execute(t.insert().values(
        id=port_id, project_id=project_id or '', name=name, description=description, network_id=network.id,
        mac_address=mac_address or model.random_mac(conn), admin_state_up=admin_state_up,
        # a port is ACTIVE once a host has plugged it (the host side); until then DOWN, as Neutron's
        status='DOWN', device_id=device_id, device_owner=device_owner, port_security_enabled=port_security,
        binding_host_id=host or '', created_at=model.now()))
    try:
        ipam.write(conn, port_id, network.id, allocations)
    except IntegrityError:   # only reachable if a caller skipped the network lock
        raise errors.ip_generation_failure(network.id)
    if groups:
        conn.execute(table('port_security_groups').insert(),
                     [{'port_id': port_id, 'security_group_id': g} for g in groups])
    return port_id


def _network_for_port(conn, context, network_id, project_id):
    network = networks.get_row(conn, context, network_id)
    if not context.is_admin and network.project_id != project_id and not network.shared:
        # a tenant may not plug into another project's network, nor an external one that is not shared
        raise errors.policy_refused('create_port:network', field='network_id')
    return network


def create(conn, context, body):
    spec = model.parse('port', body, ATTRS, create=True)
    if 'network_id' not in spec:
        raise errors.BadRequest("Failed to parse request. Required attribute 'network_id' not specified",
                                field='network_id', kind='HTTPBadRequest')
    project_id = model.owner(context, spec)
    network = _network_for_port(conn, context, spec['network_id'], project_id)
    if 'binding:host_id' in spec and not context.is_admin:
        raise errors.policy_refused('create_port:binding:host_id', field='binding:host_id')
    if 'mac_address' in spec and not (context.is_admin or network.project_id == context.project_id):
        raise errors.policy_refused('create_port:mac_address', field='mac_address')
    port_id = make(conn, context, network.id, project_id, name=spec['name'], description=spec['description'],
                   fixed_ips=spec.get('fixed_ips'), mac_address=spec.get('mac_address'),
                   device_id=spec['device_id'], device_owner=spec['device_owner'],
                   security_groups_=spec.get('security_groups'), port_security=spec.get('port_security_enabled'),
                   host=spec.get('binding:host_id'), admin_state_up=spec['admin_state_up'])
    device_changed(conn, spec['device_id'])
    return show(conn, context, port_id)


def update(conn, context, port_id, body):
    spec = model.parse('port', body, ATTRS, create=False)
    row = get_row(conn, context, port_id)
    if not model.is_owner_or_admin(context, row.project_id):
        raise errors.policy_refused('update_port', field='port_id')
    if 'binding:host_id' in spec and not context.is_admin:
        raise errors.policy_refused('update_port:binding:host_id', field='binding:host_id')
    if 'mac_address' in spec and not context.is_admin:
        raise errors.policy_refused('update_port:mac_address', field='mac_address')
    values = dict((k, spec[k]) for k in (
        'name', 'description', 'admin_state_up', 'device_id', 'device_owner', 'port_security_enabled') if k in spec)
    if 'binding:host_id' in spec:
        values['binding_host_id'] = spec['binding:host_id']
    if 'mac_address' in spec and spec['mac_address'] != row.mac_address:
        values['mac_address'] = spec['mac_address']
    if 'fixed_ips' in spec:
        model.lock_network(conn, row.network_id)
        allocations = table('ip_allocations')
        kept = conn.execute(sa.select(allocations).where(allocations.c.port_id == port_id)).all()
        conn.execute(allocations.delete().where(allocations.c.port_id == port_id))
        wanted = [dict(item) for item in spec['fixed_ips']]
        # an entry naming only a subnet reuses an address of the port on it that no other entry names (Neutron's
        # _get_changed_ips_for_port); an address named outright is not reused a second time
        named = set(item['ip_address'] for item in wanted if 'ip_address' in item)
        kept = [k for k in kept if k.ip_address not in named]
        for item in wanted:   # an address the port already has stays (Neutron keeps it)
            if 'ip_address' not in item:
                same = [k for k in kept if k.subnet_id == item.get('subnet_id')]
                if same:
                    item['ip_address'] = same[0].ip_address
                    kept.remove(same[0])
        ipam.write(conn, port_id, row.network_id,
                   ipam.allocate(conn, row.network_id, subnets.of_network(conn, row.network_id), wanted))
    if 'security_groups' in spec:
        members = table('port_security_groups')
        conn.execute(members.delete().where(members.c.port_id == port_id))
        groups = _groups_for(conn, row.project_id, spec['security_groups'],
                             values.get('port_security_enabled', row.port_security_enabled), row.device_owner,
                             context.is_admin)
        if groups:
            conn.execute(members.insert(), [{'port_id': port_id, 'security_group_id': g} for g in groups])
    try:
        model.touch(conn, 'ports', port_id, **values)
    except IntegrityError:
        raise errors.Conflict('Unable to complete operation for network %s. The mac address %s is in use.'
                              % (row.network_id, spec.get('mac_address')), field='mac_address',
                              kind='MacAddressInUse')
    device_changed(conn, row.device_id, values.get('device_id'))
    return show(conn, context, port_id)


def delete(conn, context, port_id, internal=False):
    """Neutron's port delete; a router's port goes only through the router (``internal``)."""
    row = get_row(conn, context, port_id)
    if not model.is_owner_or_admin(context, row.project_id) and not internal:
        raise errors.policy_refused('delete_port', field='port_id')
    if not internal and row.device_owner in (model.ROUTER_INTERFACE, model.ROUTER_GATEWAY, model.FLOATING_IP_OWNER):
        raise errors.Conflict('Port %s cannot be deleted directly via the port API: has device owner %s.'
                              % (port_id, row.device_owner), field='port_id', kind='ServicePortInUse')
    remove(conn, row)


def remove(conn, row):
    """Delete the port ``row`` (and its addresses); floating IPs on it are disassociated, as in Neutron."""
    fips = table('floating_ips')
    conn.execute(fips.update().where(fips.c.fixed_port_id == row.id).values(
        fixed_port_id=None, fixed_ip_address=None, router_id=None, status='DOWN', updated_at=model.now(),
        revision_number=fips.c.revision_number + 1))
    conn.execute(table('ports').delete().where(table('ports').c.id == row.id))
    device_changed(conn, row.device_id)


def device_changed(conn, *device_ids):
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    for device_id in set(d for d in device_ids if d):
        instance_ports.refresh(conn, device_id)
