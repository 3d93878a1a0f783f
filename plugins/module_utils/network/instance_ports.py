# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's side of the network: a server's ports, made or bound at create, freed at delete, and its network info.

* ``allocate_for_instance`` (in the create's transaction, Nova's
  allocate_for_instance): each requested network gets a new port, each
  requested port is bound (device_id = the server, device_owner
  ``compute:<zone>``); "auto" takes the project's one network; the errors are
  the ones Nova's API answers, and a refusal leaves nothing behind.
* ``refresh``: the server's ``network_info`` column (Nova's instance info
  cache, in Nova's VIF shape) rewritten from its ports whenever one changes,
  in the same transaction; the server views, ``/ips`` and the host calls read it.
* ``deallocate`` (Nova's deallocate_for_instance): at delete, the ports Nova
  made are deleted and the ones given to it are unbound.
* ``bind_host``: the ports' binding:host_id follows the server's host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas as compute_quotas
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, Forbidden, InvalidRequest, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.network import errors, model, ports
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


class NetworkAmbiguous(Conflict):
    kind = 'NetworkAmbiguous'


def _nova_error(exc, network_id=None, fixed_ip=None):
    """A network error as Nova's API words it for a server create."""
    kind = getattr(exc, 'kind', '')
    if kind == 'NetworkNotFound':
        return InvalidRequest('Network %s could not be found.' % network_id, field='networks')
    if kind == 'IpAddressGenerationFailure':
        return InvalidRequest('No fixed IP addresses available for network: %s' % network_id, field='networks')
    if kind == 'IpAddressInUse':
        return InvalidRequest('Fixed IP address %s is already in use.' % fixed_ip, field='networks')
    if kind == 'OverQuota':
        return compute_quotas.QuotaExceeded('Maximum number of ports exceeded', field='networks')
    if kind == 'PolicyNotAuthorized':
        return Forbidden('It is not allowed to create an interface on external network %s' % network_id,
                         field='networks')
    return InvalidRequest(exc.message, field='networks')


def _auto_networks(conn, context):
    """The networks "auto" (or no request, before 2.37) may use: the project's own, else the shared ones."""
    t = table('networks')
    own = conn.execute(sa.select(t.c.id).where(t.c.project_id == context.project_id)
                       .where(t.c.router_external.is_(False)).where(t.c.shared.is_(False))).all()
    if own:
        return [r.id for r in own]
    return [r.id for r in conn.execute(sa.select(t.c.id).where(t.c.shared.is_(True)))]


def plan(conn, context, requested, count):
    """Check a create's ``networks`` before any row is written: [{network_id | port_id, fixed_ip}] per server.

    ``requested``: "auto" / "none" / [{uuid, port, fixed_ip, tag}] (as the API validated them).
    """
    if requested == 'none':
        return []
    if requested == 'auto':
        found = _auto_networks(conn, context)
        if len(found) > 1:
            raise NetworkAmbiguous('More than one possible network found. Specify network ID(s) to select which '
                                   'one(s) to connect to.', field='networks')
        # no network to give: the server has none (novalite has no auto-allocated topology)
        return [{'network_id': found[0]}] if found else []
    out = []
    for item in requested:
        if item.get('port'):
            if count > 1:
                raise InvalidRequest('Unable to launch multiple instances with a single configured port ID. Please '
                                     'launch your instance one by one with different ports.', field='networks')
            try:
                row = ports.get_row(conn, context, item['port'])
            except errors.NeutronError:
                raise InvalidRequest('Port id %s could not be found.' % item['port'], field='networks')
            if row.project_id != context.project_id and not context.is_admin:
                raise Conflict('Port %s not usable for instance.' % row.id, field='networks')
            if row.device_id:
                raise Conflict('Port %s is still in use.' % row.id, field='networks')
            out.append({'port_id': row.id})
            continue
        from ansible_collections.novalite.compute.plugins.module_utils.network import networks
        try:
            network = networks.get_row(conn, context, item['uuid'])
        except errors.NeutronError:
            raise InvalidRequest('Network %s could not be found.' % item['uuid'], field='networks')
        if network.router_external and not network.shared and not context.is_admin:
            raise Forbidden('It is not allowed to create an interface on external network %s' % network.id,
                            field='networks')
        if item.get('fixed_ip') and count > 1:
            raise InvalidRequest('max_count cannot be greater than 1 if an fixed_ip is specified.', field='networks')
        out.append({'network_id': network.id, 'fixed_ip': item.get('fixed_ip')})
    return out


def resolve_security_groups(conn, context, refs):
    """Group ids for a create's ``security_groups`` names or ids (Nova's 400 for one the project lacks)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import security_groups
    if not refs:
        return None
    try:
        found = security_groups.resolve(conn, context.project_id, refs, context.is_admin)
    except errors.NeutronError as exc:
        raise InvalidRequest(exc.message, field='security_groups')
    for ref, group_id in zip(refs, found):
        if group_id is None:
            raise InvalidRequest('Security group %s not found for project %s.' % (ref, context.project_id),
                                 field='security_groups')
    return found


def allocate_for_instance(conn, context, instance, planned, group_ids):
    """Make or bind the ports ``planned`` (``plan``'s answer) for ``instance``; returns its network info."""
    owner = '%s%s' % (model.COMPUTE_OWNER_PREFIX, instance.get('availability_zone') or 'nova')
    preserved, order = set(), []
    t = table('ports')
    for item in planned:
        if item.get('port_id'):
            conn.execute(t.update().where(t.c.id == item['port_id']).values(
                device_id=instance['uuid'], device_owner=owner, updated_at=model.now(),
                revision_number=t.c.revision_number + 1))
            preserved.add(item['port_id'])
            order.append(item['port_id'])
            continue
        fixed = [{'ip_address': item['fixed_ip']}] if item.get('fixed_ip') else None
        try:
            order.append(ports.make(conn, context, item['network_id'], instance['project_id'], fixed_ips=fixed,
                                    device_id=instance['uuid'], device_owner=owner, security_groups_=group_ids))
        except errors.NeutronError as exc:
            raise _nova_error(exc, item['network_id'], item.get('fixed_ip'))
    return refresh(conn, instance['uuid'], preserved=preserved, order=order)


def _not_found(what, ident, field, message):
    """A 404 in Nova's words (its PortNotFound, NetworkNotFound)."""
    exc = NotFound(what, ident, field=field)
    exc.message = message
    exc.args = (message,)
    return exc


def attach(conn, context, instance, port_id=None, network_id=None, fixed_ip=None):
    """Nova's allocate_for_instance for one interface attach (os-interface): bind the port ``port_id`` or make a
    port on ``network_id`` (``fixed_ip``: its address; neither: the project's one network), bound to the
    server's host; returns (port id, whether it was made here). The errors are the ones Nova's API answers
    (a port the caller cannot see 404, another project's 400, one in use 409...), and nothing is written then."""
    made = False
    if port_id:
        try:
            row = ports.get_row(conn, context, port_id)
        except errors.NeutronError:
            raise _not_found('Port', port_id, 'port_id', 'Port id %s could not be found.' % port_id)
        if row.project_id != instance['project_id']:
            raise InvalidRequest('Port %s not usable for instance %s.' % (row.id, instance['uuid']), field='port_id')
        if row.device_id:
            raise Conflict('Port %s is still in use.' % row.id, field='port_id')
        t = table('ports')
        owner = '%s%s' % (model.COMPUTE_OWNER_PREFIX, instance.get('availability_zone') or 'nova')
        conn.execute(t.update().where(t.c.id == row.id).values(
            device_id=instance['uuid'], device_owner=owner, updated_at=model.now(),
            revision_number=t.c.revision_number + 1))
        port_id = row.id
    else:
        if not network_id:
            found = _auto_networks(conn, context)
            if len(found) > 1:
                raise InvalidRequest('Multiple possible networks found, use a Network ID to be more specific.',
                                     field='net_id')
            if not found:
                raise InvalidRequest("No specific network was requested and none are available for project '%s'."
                                     % instance['project_id'], field='net_id')
            network_id = found[0]
        from ansible_collections.novalite.compute.plugins.module_utils.network import networks
        try:
            network = networks.get_row(conn, context, network_id)
        except errors.NeutronError:
            raise _not_found('Network', network_id, 'net_id', 'Network %s could not be found.' % network_id)
        if network.router_external and not network.shared and not context.is_admin:
            raise Forbidden('It is not allowed to create an interface on external network %s' % network.id,
                            field='net_id')
        owner = '%s%s' % (model.COMPUTE_OWNER_PREFIX, instance.get('availability_zone') or 'nova')
        try:
            port_id = ports.make(conn, context, network.id, instance['project_id'],
                                 fixed_ips=[{'ip_address': fixed_ip}] if fixed_ip else None,
                                 device_id=instance['uuid'], device_owner=owner)
        except errors.NeutronError as exc:
            kind = getattr(exc, 'kind', '')
            if kind == 'IpAddressInUse':
                raise Conflict('Fixed IP address %s is already in use on instance %s.' % (fixed_ip, instance['uuid']),
                               field='fixed_ips')
            if kind == 'IpAddressGenerationFailure':
                raise InvalidRequest('No fixed IP addresses available for network: %s' % network.id, field='net_id')
            if kind == 'OverQuota':
                raise Forbidden('Maximum number of ports exceeded', field='net_id')
            raise InvalidRequest(exc.message, field='fixed_ips' if fixed_ip else 'net_id')
        made = True
    inst = table('instances')
    cached = conn.execute(sa.select(inst.c.network_info).where(inst.c.uuid == instance['uuid'])).scalar() or []
    preserved = set(v.get('id') for v in cached if isinstance(v, dict) and v.get('preserve_on_delete'))
    bind_host(conn, instance['uuid'], instance.get('host'))
    refresh(conn, instance['uuid'], preserved=preserved if made else preserved | set([port_id]))
    return port_id, made


def detach(conn, instance_uuid, port_id, delete):
    """One port leaves the server (a detach, or an attach rolled back): deleted when Nova made it (``delete``),
    else unbound (device_id empty, DOWN); the server's network info and its host's DHCP ports follow."""
    t = table('ports')
    row = conn.execute(sa.select(t).where(t.c.id == port_id).where(t.c.device_id == instance_uuid)).first()
    if row is None:
        return
    if delete:
        ports.remove(conn, row)
    else:
        conn.execute(t.update().where(t.c.id == row.id).values(
            device_id='', device_owner='', binding_host_id='', binding_vif_type='unbound', status='DOWN',
            updated_at=model.now(), revision_number=t.c.revision_number + 1))
        refresh(conn, instance_uuid)
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
    host_plan.unbind(conn, row.binding_host_id)


def _zone_ports(conn, instance, network_id=None, address=None):
    """The server's ports as Nova's multinic finds them: device_id the server, device_owner ``compute:<its zone>``,
    on ``network_id`` / holding ``address`` when given."""
    t = table('ports')
    query = (sa.select(t).where(t.c.device_id == instance['uuid'])
             .where(t.c.device_owner == '%s%s' % (model.COMPUTE_OWNER_PREFIX, instance.get('availability_zone') or 'nova')))
    if network_id is not None:
        query = query.where(t.c.network_id == network_id)
    if address is not None:
        allocations = table('ip_allocations')
        query = query.where(t.c.id.in_(sa.select(allocations.c.port_id).where(allocations.c.ip_address == address)))
    return conn.execute(query.order_by(t.c.created_at, t.c.id)).all()


def _fixed_ips_of(conn, port_id):
    allocations = table('ip_allocations')
    return [{'subnet_id': a.subnet_id, 'ip_address': a.ip_address}
            for a in conn.execute(sa.select(allocations).where(allocations.c.port_id == port_id)
                                  .order_by(allocations.c.subnet_id, allocations.c.ip_address))]


def add_fixed_ip(conn, context, instance, network_id):
    """Nova's add_fixed_ip_to_instance with Neutron (multinic addFixedIp): one more address, from a subnet of
    ``network_id``, on the server's port on that network (a port update of its fixed_ips; no new port, no NIC).
    Each port and subnet is tried in turn (a full subnet is passed over); none: Nova's NetworkNotFoundForInstance.
    Returns the port's id."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import subnets
    network_id = str(network_id)
    found = subnets.of_network(conn, network_id)
    if found:
        for row in _zone_ports(conn, instance, network_id=network_id):
            for subnet in found:
                wanted = _fixed_ips_of(conn, row.id) + [{'subnet_id': subnet.id}]
                try:
                    with conn.begin_nested():   # a refused update leaves the port as it was
                        ports.update(conn, context, row.id, {'port': {'fixed_ips': wanted}})
                    return row.id
                except errors.NeutronError:
                    continue
    raise _not_found('Network', network_id, 'networkId', 'Network could not be found for instance %s.' % instance['uuid'])


def remove_fixed_ip(conn, context, instance, address):
    """Nova's remove_fixed_ip_from_instance with Neutron (multinic removeFixedIp): ``address`` taken off the
    server's port that holds it (a port update of its fixed_ips; the port stays, even with no address left).
    No such port: Nova's FixedIpNotFoundForInstance. Returns the port's id."""
    for row in _zone_ports(conn, instance, address=address):
        wanted = [ip for ip in _fixed_ips_of(conn, row.id) if ip['ip_address'] != address]
        try:
            with conn.begin_nested():
                ports.update(conn, context, row.id, {'port': {'fixed_ips': wanted}})
        except errors.NeutronError:
            pass   # Nova logs the refused update and answers as done
        return row.id
    raise _not_found('Fixed IP', address, 'address',
                     "Instance %s does not have fixed IP '%s'." % (instance['uuid'], address))


def _ports_of(conn, instance_uuid):
    t = table('ports')
    return conn.execute(sa.select(t).where(t.c.device_id == instance_uuid)
                        .where(t.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%'))
                        .order_by(t.c.created_at, t.c.id)).all()


def port_views(conn, instance_uuid):
    """The Neutron views of the server's ports (its interface attachments), oldest first."""
    return ports.views(conn, _ports_of(conn, instance_uuid))


def network_info(conn, rows, preserved=()):
    """Nova's network model for the ports ``rows``: one VIF each, its network, subnets, fixed and floating IPs."""
    if not rows:
        return []
    views = ports.views(conn, rows)
    nets, subs, fips = table('networks'), table('subnets'), table('floating_ips')
    network_ids = list(set(v['network_id'] for v in views))
    networks = dict((n.id, n) for n in conn.execute(sa.select(nets).where(nets.c.id.in_(network_ids))))
    subnets = dict((s.id, s) for s in conn.execute(sa.select(subs).where(subs.c.network_id.in_(network_ids))))
    floating = {}
    for f in conn.execute(sa.select(fips).where(fips.c.fixed_port_id.in_([v['id'] for v in views]))):
        floating.setdefault((f.fixed_port_id, f.fixed_ip_address), []).append(f.floating_ip_address)
    out = []
    for view in views:
        network = networks[view['network_id']]
        by_subnet = {}
        for ip in view['fixed_ips']:
            subnet = subnets[ip['subnet_id']]
            entry = by_subnet.setdefault(subnet.id, {
                'cidr': subnet.cidr, 'gateway': subnet.gateway_ip, 'dns': list(subnet.dns_nameservers or []),
                'routes': list(subnet.host_routes or []), 'enable_dhcp': subnet.enable_dhcp, 'version': 4,
                'ips': []})
            entry['ips'].append({'address': ip['ip_address'], 'type': 'fixed', 'version': 4,
                                 'floating_ips': [{'address': a, 'type': 'floating', 'version': 4}
                                                  for a in floating.get((view['id'], ip['ip_address']), [])]})
        out.append({
            'id': view['id'], 'address': view['mac_address'], 'type': view['binding:vif_type'],
            'vnic_type': view['binding:vnic_type'], 'devname': ('tap' + view['id'])[:14],
            'active': view['status'] == 'ACTIVE', 'preserve_on_delete': view['id'] in preserved,
            'security_groups': view['security_groups'], 'host': view['binding:host_id'],
            'network': {'id': network.id, 'label': network.name, 'mtu': network.mtu,
                        'network_type': network.network_type, 'physical_network': network.physical_network,
                        'segmentation_id': network.segmentation_id, 'bridge': None,
                        'subnets': list(by_subnet.values())},
        })
    return out


def refresh(conn, instance_uuid, preserved=None, order=None):
    """Rewrite the live server ``instance_uuid``'s network info from its ports (nothing for another device).

    The VIFs keep their order (the create request's, ``order``); a port bound later comes last."""
    inst = table('instances')
    row = conn.execute(sa.select(inst.c.id, inst.c.network_info).where(inst.c.uuid == instance_uuid)
                       .where(inst.c.deleted == 0)).first()
    if row is None:
        return None
    cached = [v for v in row.network_info or [] if isinstance(v, dict)]
    if preserved is None:
        preserved = set(v.get('id') for v in cached if v.get('preserve_on_delete'))
    order = order or [v.get('id') for v in cached]
    rows = sorted(_ports_of(conn, instance_uuid), key=lambda r: order.index(r.id) if r.id in order else len(order))
    info = network_info(conn, rows, preserved)
    conn.execute(inst.update().where(inst.c.id == row.id).values(network_info=info))
    return info


def deallocate(conn, instance_uuid):
    """Nova's deallocate_for_instance: the ports it made go, the ones it was given are unbound."""
    inst = table('instances')
    cached = conn.execute(sa.select(inst.c.network_info).where(inst.c.uuid == instance_uuid)).scalar() or []
    preserved = set(v.get('id') for v in cached if isinstance(v, dict) and v.get('preserve_on_delete'))
    t = table('ports')
    rows = _ports_of(conn, instance_uuid)
    for row in rows:
        if row.id in preserved:
            conn.execute(t.update().where(t.c.id == row.id).values(
                device_id='', device_owner='', binding_host_id='', status='DOWN', updated_at=model.now(),
                revision_number=t.c.revision_number + 1))
        else:
            ports.remove(conn, row)
    conn.execute(inst.update().where(inst.c.uuid == instance_uuid).values(network_info=[]))
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
    for host in set(r.binding_host_id for r in rows if r.binding_host_id):
        host_plan.unbind(conn, host)   # a host's DHCP port goes with its last port on the network


def bind_host(conn, instance_uuid, host):
    """binding:host_id of the server's ports = its host (the host side plugs exactly the ports bound to it)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
    t = table('ports')
    rows = _ports_of(conn, instance_uuid)
    conn.execute(t.update().where(t.c.device_id == instance_uuid)
                 .where(t.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%'))
                 .values(binding_host_id=host or '', updated_at=model.now(), revision_number=t.c.revision_number + 1))
    # the host's DHCP port on each network and the networks' VNIs; the previous host's DHCP ports it needs no more
    host_plan.bind(conn, host, [r.network_id for r in rows])
    for old in set(r.binding_host_id for r in rows if r.binding_host_id and r.binding_host_id != host):
        host_plan.unbind(conn, old)
    refresh(conn, instance_uuid)


def prepare_host(conn, instance_uuid, host):
    """``host``'s DHCP ports and VNIs for the server's ports before they are bound there (a live migration's
    destination, which plugs them before the guest arrives; ``bind_host`` binds them once it did)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
    host_plan.bind(conn, host, [r.network_id for r in _ports_of(conn, instance_uuid)])


def security_group_names(conn, instance_uuids):
    """{instance uuid: [{'name': group name (its id when unnamed)}, ...]} over the servers' ports, one entry
    per port and group (Nova's get_instances_security_groups_bindings); servers without ports are left out."""
    if not instance_uuids:
        return {}
    t, members, groups = table('ports'), table('port_security_groups'), table('security_groups')
    query = (sa.select(t.c.device_id, groups.c.id, groups.c.name)
             .select_from(t.join(members, members.c.port_id == t.c.id)
                          .join(groups, groups.c.id == members.c.security_group_id))
             .where(t.c.device_id.in_(list(instance_uuids))).order_by(t.c.device_id, t.c.created_at, t.c.id))
    out = {}
    for row in conn.execute(query):
        out.setdefault(row.device_id, []).append({'name': row.name or row.id})
    return out


# ---- reading the network info (server views, /ips, the ip filter) -----------------------------------

def addresses(info, extended=True):
    """Nova's ``addresses``: per network name, each fixed IP then its floating IPs (type and MAC when extended)."""
    out = {}
    for vif in info or []:
        if not isinstance(vif, dict) or not isinstance(vif.get('network'), dict):
            continue
        label = vif['network'].get('label') or ''
        entries = out.setdefault(label, [])
        for subnet in vif['network'].get('subnets') or []:
            for ip in subnet.get('ips') or []:
                floating = [(f['address'], 'floating') for f in ip.get('floating_ips') or []]
                for address, kind in [(ip['address'], 'fixed')] + floating:
                    entry = {'version': 6 if ':' in address else 4, 'addr': address}
                    if extended:
                        entry.update({'OS-EXT-IPS:type': kind, 'OS-EXT-IPS-MAC:mac_addr': vif.get('address')})
                    entries.append(entry)
    return out


def ip_addresses(info):
    """Every address (fixed and floating) of a network info, for the servers list's ip/ip6 filters."""
    return [e['addr'] for entries in addresses(info, extended=False).values() for e in entries]
