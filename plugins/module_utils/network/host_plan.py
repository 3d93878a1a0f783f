# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Controller side of a compute host's network: what the host must have, read from the store.

``desired(conn, host)`` is the host's whole network as data (the ``network`` option of
``novalite.compute.host_network``; ``host_side.converge`` makes it so on the host):

* one entry per network with a compute port bound to the host: its Linux bridge
  (``brq`` + the network id's first 11 characters, as Neutron's linuxbridge agent), its
  VXLAN (``vxlan-<VNI>``; VNI = the network's segmentation id, allocated here for a
  vxlan network that has none) flooding to every other compute host's ``host_ip``
  (head-end replication; unicast MACs are learned),
  its subnets, and - for DHCP - the host's own DHCP port (``network:dhcp``, one per
  network and host, as Neutron's DHCP agent has: its address is where that host's
  dnsmasq listens) and the reservations (MAC, IP, hostname) of exactly this host's ports;
* one entry per port on the host: its tap (Nova's devname ``tap`` + port id[:11]), MAC,
  addresses and the security group rules that apply to it (remote groups resolved to the
  members' addresses);
* the L3 of the routers, "DVR-like" (Neutron's distributed router without its namespaces,
  nova-network's multi_host): a tenant network's entry lists its subnets' router interface
  addresses (``gateways``: the subnet's gateway IP, held on this host's bridge so its guests
  route through the host they run on); ``external``: one entry per external network a
  local port reaches through a router's external gateway - its bridge (in ``networks`` too, a
  ``flat`` one on the host interface ``physical_interface_mappings`` names), its subnets, the
  routing table (``EXTERNAL_TABLE`` + its index) that the router's tenant subnets leave by, the
  floating IPs of this host's ports (DNAT floating -> fixed, SNAT fixed -> floating, the
  floating address bound on the external bridge) and ``snat_ip``: the address of the host's own
  port on that network (``network:floatingip_agent_gateway``, one per host and external network,
  as Neutron's DVR gives each host), which the other traffic of the router's subnets that have
  ``enable_snat`` leaves from (nova-network's multi_host SNAT to the host's address: each host
  NATs its own guests, so no host carries another's traffic and no address is held twice).

Interface names come from ids only, never from names users give. ``leaving``: servers
whose ports are about to go (a delete): left out, so the host drops them. ``generation``: when the
plan was read (the host keeps per port the newest it applied).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.network import model
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

DHCP_OWNER = 'network:dhcp'
SNAT_OWNER = 'network:floatingip_agent_gateway'
MAX_VNI = 2 ** 24 - 1
# routing tables of the external networks on a host (this + index) and the priority of their ip rules
EXTERNAL_TABLE = 20044
MAX_EXTERNAL = 64


def bridge_name(network_id):
    return ('brq' + network_id)[:14]


def tap_name(port_id):
    return ('tap' + port_id)[:14]


def vxlan_name(vni):
    return 'vxlan-%d' % int(vni)


def agent_id(host):
    """The id of a host's network agent (uuid5 of its name): in its DHCP ports' and its SNAT ports' device_id."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, host))


def dhcp_device_id(host, network_id):
    """Neutron's DHCP port device_id: dhcp<uuid5 of the host>-<network id>."""
    return 'dhcp%s-%s' % (agent_id(host), network_id)


def allocate_vni(conn):
    """The lowest VNI no network has (a vxlan tenant network's segmentation id)."""
    t = table('networks')
    used = set(r[0] for r in conn.execute(sa.select(t.c.segmentation_id).where(t.c.network_type == 'vxlan')
                                          .where(t.c.segmentation_id.isnot(None))))
    vni = 1
    while vni in used:
        vni += 1
    if vni > MAX_VNI:
        raise model.errors.NeutronError('Unable to create the network. No tenant network is available for '
                                        'allocation.', kind='NoNetworkAvailable')
    return vni


def ensure_vni(conn, network_id):
    """A vxlan network's VNI, allocated now if it has none (a network made before VNIs were allocated)."""
    t = table('networks')
    row = conn.execute(sa.select(t.c.network_type, t.c.segmentation_id).where(t.c.id == network_id)).first()
    if row is None or row.network_type != 'vxlan' or row.segmentation_id is not None:
        return
    conn.execute(t.update().where(t.c.id == network_id).values(segmentation_id=allocate_vni(conn)))


def _compute_ports(conn, where):
    t = table('ports')
    return conn.execute(sa.select(t).where(t.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%'))
                        .where(*where).order_by(t.c.created_at, t.c.id)).all()


def _addresses(conn, port_ids):
    out = {}
    if port_ids:
        a = table('ip_allocations')
        for row in conn.execute(sa.select(a).where(a.c.port_id.in_(port_ids)).order_by(a.c.ip_address)):
            out.setdefault(row.port_id, []).append((row.subnet_id, row.ip_address))
    return out


def _groups(conn, port_ids):
    out = {}
    if port_ids:
        m = table('port_security_groups')
        for row in conn.execute(sa.select(m).where(m.c.port_id.in_(port_ids))):
            out.setdefault(row.port_id, []).append(row.security_group_id)
    return out


def _rules(conn, group_ids):
    """Each group's rules; remote groups as the addresses of every port in them."""
    if not group_ids:
        return {}
    r = table('security_group_rules')
    rows = conn.execute(sa.select(r).where(r.c.security_group_id.in_(group_ids)).order_by(r.c.id)).all()
    remote = set(x.remote_group_id for x in rows if x.remote_group_id)
    members = {}
    if remote:
        m, a = table('port_security_groups'), table('ip_allocations')
        for row in conn.execute(sa.select(m.c.security_group_id, a.c.ip_address)
                                .where(m.c.port_id == a.c.port_id).where(m.c.security_group_id.in_(remote))):
            members.setdefault(row.security_group_id, []).append(row.ip_address)
    out = {}
    for x in rows:
        if x.ethertype != 'IPv4':
            continue   # the host side filters IPv4 (novalite's subnets are IPv4)
        rule = {'id': x.id, 'direction': x.direction, 'protocol': x.protocol,
                'port_range_min': x.port_range_min, 'port_range_max': x.port_range_max,
                'remote_ip_prefix': x.remote_ip_prefix}
        if x.remote_group_id:
            rule['remote_ips'] = sorted(set(members.get(x.remote_group_id, [])))
        out.setdefault(x.security_group_id, []).append(rule)
    return out


def _dhcp_port(conn, host, network_id):
    t = table('ports')
    return conn.execute(sa.select(t).where(t.c.device_id == dhcp_device_id(host, network_id))
                        .where(t.c.device_owner == DHCP_OWNER)).first()


class _System(object):
    user_id = project_id = request_id = None
    is_admin = True


def bind(conn, host, network_ids):
    """Ports of ``network_ids`` were bound to ``host`` (in the binding's transaction): each network has its
    VNI and, where a subnet has DHCP, the host's DHCP port (Neutron's DHCP agent port: its address is where
    that host's dnsmasq listens)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import ports
    if not host:
        return
    nets, subs, t = table('networks'), table('subnets'), table('ports')
    ensure_snat_ports(conn, [host])
    for network_id in sorted(set(network_ids)):
        ensure_vni(conn, network_id)
        network = conn.execute(sa.select(nets).where(nets.c.id == network_id)).first()
        dhcp = conn.execute(sa.select(subs.c.id).where(subs.c.network_id == network_id)
                            .where(subs.c.enable_dhcp.is_(True)).limit(1)).first()
        if network is None or dhcp is None or _dhcp_port(conn, host, network_id) is not None:
            continue
        port_id = ports.make(conn, _System(), network_id, network.project_id, device_id=dhcp_device_id(host, network_id),
                             device_owner=DHCP_OWNER, host=host, count_quota=False, port_security=False)
        conn.execute(t.update().where(t.c.id == port_id).values(status='ACTIVE', binding_vif_type='bridge'))


def unbind(conn, host):
    """After ports left ``host``: its DHCP ports on networks where it has no compute port any more go (and the
    SNAT ports it needs no more)."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import ports
    if not host:
        return
    t = table('ports')
    used = set(r.network_id for r in _compute_ports(conn, [t.c.binding_host_id == host]))
    for row in conn.execute(sa.select(t).where(t.c.device_owner == DHCP_OWNER)
                            .where(t.c.binding_host_id == host)).all():
        if row.network_id not in used:
            ports.remove(conn, row)
    ensure_snat_ports(conn, [host])


def _snat_networks(conn, host):
    """The external networks ``host``'s compute ports leave by with SNAT: a router with its gateway there and
    ``enable_snat`` has an interface on a subnet where the host has a compute port."""
    a, p, routers = table('ip_allocations'), table('ports'), table('routers')
    local = sa.select(a.c.subnet_id).where(a.c.port_id == p.c.id).where(p.c.binding_host_id == host).where(
        p.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%'))
    iface, alloc = p.alias('iface'), a.alias('alloc')
    return set(r[0] for r in conn.execute(
        sa.select(routers.c.gw_network_id).where(alloc.c.port_id == iface.c.id)
        .where(iface.c.device_owner == model.ROUTER_INTERFACE).where(iface.c.device_id == routers.c.id)
        .where(routers.c.gw_network_id.isnot(None)).where(routers.c.enable_snat.is_(True))
        .where(alloc.c.subnet_id.in_(local))))


def ensure_snat_ports(conn, hosts):
    """Each of ``hosts`` has its SNAT port (``SNAT_OWNER``, no project, no quota) on exactly the external
    networks its guests leave by with SNAT (in the caller's transaction). An external network with no address
    left gives that host no SNAT port: its guests without a floating IP then stay inside, as before."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import errors, ports
    t = table('ports')
    for host in sorted(set(h for h in hosts if h)):
        want = _snat_networks(conn, host)
        have = dict((row.network_id, row) for row in conn.execute(
            sa.select(t).where(t.c.device_owner == SNAT_OWNER).where(t.c.binding_host_id == host)).all())
        for network_id, row in sorted(have.items()):
            if network_id not in want:
                ports.remove(conn, row)
        for network_id in sorted(want - set(have)):
            try:
                port_id = ports.make(conn, _System(), network_id, '', device_id=agent_id(host),
                                     device_owner=SNAT_OWNER, host=host, count_quota=False, port_security=False)
            except errors.NeutronError as exc:
                if exc.kind != 'IpAddressGenerationFailure':
                    raise
                continue
            conn.execute(t.update().where(t.c.id == port_id).values(status='ACTIVE', binding_vif_type='bridge'))


def hosts_of_router(conn, router_id):
    """The compute hosts with a compute port on one of the router's interface networks."""
    p = table('ports')
    networks = sa.select(p.c.network_id).where(p.c.device_id == router_id).where(
        p.c.device_owner == model.ROUTER_INTERFACE)
    return _hosts(conn, p.c.network_id.in_(networks))


def _snat_addresses(conn, host):
    """{external network id: the address of ``host``'s SNAT port there}."""
    t, a = table('ports'), table('ip_allocations')
    out = {}
    for row in conn.execute(sa.select(t.c.network_id, a.c.ip_address).where(a.c.port_id == t.c.id)
                            .where(t.c.device_owner == SNAT_OWNER).where(t.c.binding_host_id == host)
                            .order_by(a.c.ip_address)):
        out.setdefault(row.network_id, row.ip_address)
    return out


def desired(conn, host, leaving=(), without_ports=(), arriving=()):
    """The network of compute host ``host`` as data (see the module's doc); only reads (``bind`` made the DHCP
    ports and VNIs when the ports were bound). ``leaving``: servers whose ports are left out, ``without_ports``:
    ports left out (an interface being detached), ``arriving``: servers whose ports are put in though still
    bound elsewhere (a live migration's destination plugs them before the guest arrives, as Nova's
    pre_live_migration).

    ``generation``: when it was read (before the first read: it has at least what was committed then); the host
    keeps per port the newest plan it applied, so an older snapshot applied later never rolls a port back
    (host_side.combine)."""
    generation = time.time()
    nodes = table('compute_nodes')
    node = conn.execute(sa.select(nodes.c.host, nodes.c.host_ip, nodes.c.physical_interface_mappings)
                        .where(nodes.c.host == host)).first()
    local_ip = node.host_ip if node is not None else None
    mappings = (node.physical_interface_mappings if node is not None else None) or {}
    p = table('ports')
    here = p.c.binding_host_id == host
    if arriving:
        here = sa.or_(here, p.c.device_id.in_(list(arriving)))
    rows = [r for r in _compute_ports(conn, [here])
            if r.device_id not in set(leaving) and r.id not in set(without_ports)]
    l3 = _l3(conn, rows)
    snat_ips = _snat_addresses(conn, host)
    # an external network is realised where a floating IP or the SNAT of a router's other traffic needs it
    needed = set(e for e, ext in l3['external'].items()
                 if ext['floating_ips'] or (e in snat_ips and any(ext['sources'].values())))
    network_ids = sorted(set(r.network_id for r in rows) | needed)
    nets, subs, inst = table('networks'), table('subnets'), table('instances')
    networks = dict((n.id, n) for n in conn.execute(sa.select(nets).where(nets.c.id.in_(network_ids))))
    subnets = {}
    for s in conn.execute(sa.select(subs).where(subs.c.network_id.in_(network_ids)).order_by(subs.c.id)):
        subnets.setdefault(s.network_id, []).append(s)
    addresses = _addresses(conn, [r.id for r in rows])
    hostnames = dict(conn.execute(sa.select(inst.c.uuid, inst.c.hostname)
                                  .where(inst.c.uuid.in_([r.device_id for r in rows]))).all())
    # the VXLAN's peers: every other compute host (its host_ip), so that a host's floods reach a host whose
    # first port on the network is new without telling the others (a host without the VNI drops them)
    n = table('compute_nodes')
    peers = sorted(set(r[0] for r in conn.execute(sa.select(n.c.host_ip).where(n.c.host != host))
                       if r[0] and r[0] != local_ip))
    out_networks = []
    for network_id in network_ids:
        network = networks[network_id]
        entry = {'id': network_id, 'bridge': bridge_name(network_id), 'mtu': network.mtu,
                 'network_type': network.network_type, 'vxlan': None, 'subnets': [], 'dhcp': None,
                 'physical_interface': None, 'gateways': []}
        if network.network_type == 'flat':
            # the uplink: None when this host maps no interface to the physical network (a bridge of its own)
            entry['physical_interface'] = mappings.get(network.physical_network)
        if network.network_type in ('vxlan', 'local'):
            vni = network.segmentation_id if network.network_type == 'vxlan' else None
            if vni is not None:
                entry['vxlan'] = {'name': vxlan_name(vni), 'vni': vni, 'local_ip': local_ip,
                                  'peers': peers}
        for s in subnets.get(network_id, []):
            entry['subnets'].append({'id': s.id, 'cidr': s.cidr, 'gateway_ip': s.gateway_ip,
                                     'enable_dhcp': bool(s.enable_dhcp),
                                     'dns_nameservers': list(s.dns_nameservers or [])})
            if s.id in l3['gateways']:
                entry['gateways'].append({'subnet_id': s.id, 'ip': l3['gateways'][s.id]})
        dhcp_subnets = set(s['id'] for s in entry['subnets'] if s['enable_dhcp'])
        dport = _dhcp_port(conn, host, network_id) if dhcp_subnets else None
        if dport is not None:
            own = [(sid, ip) for sid, ip in _addresses(conn, [dport.id]).get(dport.id, []) if sid in dhcp_subnets]
            reservations = []
            for r in rows:
                if r.network_id != network_id:
                    continue
                for sid, ip in addresses.get(r.id, []):
                    if sid in dhcp_subnets:
                        reservations.append({'mac': r.mac_address, 'ip': ip,
                                             'hostname': hostnames.get(r.device_id) or ''})
            entry['dhcp'] = {'port_id': dport.id, 'mac': dport.mac_address,
                             'addresses': [{'subnet_id': sid, 'ip': ip} for sid, ip in own],
                             'reservations': reservations}
        out_networks.append(entry)
    groups = _groups(conn, [r.id for r in rows])
    rules = _rules(conn, sorted(set(g for gs in groups.values() for g in gs)))
    out_ports = []
    for r in rows:
        port_rules = []
        for g in sorted(groups.get(r.id, [])):
            port_rules.extend(rules.get(g, []))
        out_ports.append({'id': r.id, 'device_id': r.device_id, 'network_id': r.network_id,
                          'mac': r.mac_address, 'tap': tap_name(r.id), 'bridge': bridge_name(r.network_id),
                          'ips': [ip for _sid, ip in addresses.get(r.id, [])],
                          'port_security': bool(r.port_security_enabled), 'rules': port_rules})
    subnet_rows = dict((s.id, s) for ss in subnets.values() for s in ss)
    external = []
    for index, ext_id in enumerate(sorted(needed)):
        ext = l3['external'][ext_id]
        snat_ip = snat_ips.get(ext_id)
        external.append({
            'network_id': ext_id, 'bridge': bridge_name(ext_id), 'table': EXTERNAL_TABLE + index,
            'subnets': [{'cidr': s.cidr, 'gateway_ip': s.gateway_ip} for s in subnets.get(ext_id, [])],
            # the router's tenant subnets with a port here: they leave by this network (SNATed to the host's
            # address there when their router has enable_snat and the host has that address)
            'sources': [{'cidr': subnet_rows[sid].cidr, 'bridge': bridge_name(subnet_rows[sid].network_id),
                         'snat': bool(snat and snat_ip)}
                        for sid, snat in sorted(ext['sources'].items()) if sid in subnet_rows],
            'snat_ip': snat_ip if any(ext['sources'].values()) else None,
            'floating_ips': ext['floating_ips']})
    return {'host': host, 'local_ip': local_ip, 'networks': out_networks, 'ports': out_ports,
            'external': external[:MAX_EXTERNAL], 'generation': generation}


def _l3(conn, rows):
    """The routers' part for the host's compute ports ``rows``: ``gateways`` {subnet id: router interface address}
    of their subnets, ``external`` {external network id: {sources: {tenant subnet id leaving by it: whether its
    router has enable_snat}, floating_ips}}."""
    port_ids = [r.id for r in rows]
    out = {'gateways': {}, 'external': {}}
    if not port_ids:
        return out
    a, p, routers, fips = table('ip_allocations'), table('ports'), table('routers'), table('floating_ips')
    local_subnets = set(sid for sid, _ip in
                        conn.execute(sa.select(a.c.subnet_id, a.c.ip_address).where(a.c.port_id.in_(port_ids))))
    if not local_subnets:
        return out
    # router interfaces on those subnets (oldest first: one address per subnet), with the router's gateway network
    for row in conn.execute(sa.select(a.c.subnet_id, a.c.ip_address, routers.c.gw_network_id, routers.c.enable_snat)
                            .where(a.c.port_id == p.c.id).where(p.c.device_owner == model.ROUTER_INTERFACE)
                            .where(p.c.device_id == routers.c.id).where(a.c.subnet_id.in_(list(local_subnets)))
                            .order_by(p.c.created_at, p.c.id)):
        out['gateways'].setdefault(row.subnet_id, row.ip_address)
        if row.gw_network_id:
            sources = out['external'].setdefault(row.gw_network_id, {'sources': {}, 'floating_ips': []})['sources']
            sources[row.subnet_id] = sources.get(row.subnet_id, False) or bool(row.enable_snat)
    for row in conn.execute(sa.select(fips).where(fips.c.fixed_port_id.in_(port_ids))
                            .where(fips.c.router_id.isnot(None)).order_by(fips.c.floating_ip_address)):
        ext = out['external'].setdefault(row.floating_network_id, {'sources': {}, 'floating_ips': []})
        ext['floating_ips'].append({'id': row.id, 'floating_ip': row.floating_ip_address,
                                    'fixed_ip': row.fixed_ip_address, 'port_id': row.fixed_port_id})
    return out


def _hosts(conn, *where):
    """The compute hosts that compute ports matching ``where`` are bound to."""
    p = table('ports')
    return sorted(set(x[0] for x in conn.execute(
        sa.select(p.c.binding_host_id).where(*where).where(p.c.binding_host_id != '')
        .where(p.c.binding_host_id.isnot(None)).where(p.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%')))))


def hosts_of_ports(conn, port_ids):
    """The compute hosts ``port_ids`` (compute ports) are bound to."""
    ids = [i for i in port_ids if i]
    return _hosts(conn, table('ports').c.id.in_(ids)) if ids else []


def hosts_of_network(conn, network_id):
    """The compute hosts with a compute port on ``network_id``."""
    return _hosts(conn, table('ports').c.network_id == network_id)


def hosts_of_groups(conn, group_ids):
    """The compute hosts with a port in one of ``group_ids`` or allowed by one (rules naming it as remote group)."""
    m, p, r = table('port_security_groups'), table('ports'), table('security_group_rules')
    groups = set(group_ids)
    groups.update(x[0] for x in conn.execute(sa.select(r.c.security_group_id).where(r.c.remote_group_id.in_(list(groups)))))
    return sorted(set(x[0] for x in conn.execute(
        sa.select(p.c.binding_host_id).where(p.c.id == m.c.port_id).where(m.c.security_group_id.in_(list(groups)))
        .where(p.c.binding_host_id != '').where(p.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%')))))


def mark_plugged(conn, host, port_ids):
    """The host plugged these ports: ACTIVE, binding:vif_type bridge (as Neutron's linuxbridge mechanism)."""
    if not port_ids:
        return
    t = table('ports')
    conn.execute(t.update().where(t.c.id.in_(list(port_ids))).where(t.c.binding_host_id == host)
                 .where(t.c.binding_vif_type != 'bridge')
                 .values(binding_vif_type='bridge', status='ACTIVE', updated_at=model.now(),
                         revision_number=t.c.revision_number + 1))


def host_has_ports(conn, host):
    """Whether a compute port (or a DHCP port: its network is still realised there) is bound to ``host``."""
    t = table('ports')
    return conn.execute(sa.select(t.c.id).where(t.c.binding_host_id == host).where(
        sa.or_(t.c.device_owner.like(model.COMPUTE_OWNER_PREFIX + '%'), t.c.device_owner == DHCP_OWNER))
        .limit(1)).first() is not None
