# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host side of the network: make a compute host's bridges, VXLANs, DHCP and filters what its plan says.

``converge(plan)`` takes ``host_plan.desired``'s answer (data from the controller, checked
here again: names must be the id-derived ones, MACs and addresses must parse with netaddr)
and, on this host:

* a Linux bridge per network (``brq...``), up, holding the host's DHCP address;
* a VXLAN device per network (``vxlan-<VNI>``, UDP 4789, from the host's ``local_ip``) in the
  bridge, with one all-zeros FDB entry per peer host (head-end replication of broadcasts;
  unicast MACs are learned): guests on different hosts share the network's L2;
* one dnsmasq per network (PID file, config and hosts file under ``STATE_DIR/<network id>``)
  listening only on that bridge, handing out exactly the reservations of the ports on this host
  and ignoring every other MAC; a new reservation is read on SIGHUP, a changed config restarts
  it, a network that goes stops it (by its PID);
* the security groups as nftables: ``bridge novalite_mark`` marks each bridged packet with the
  port it comes from (high 16 bits) and goes to (low 16 bits), and ``inet novalite_sg`` (the
  bridge's IPv4 passes netfilter's inet hooks with ``bridge-nf-call-iptables``, so conntrack
  sees it) sends it through the source port's egress chain and the destination port's ingress
  chain: established traffic passes, new traffic needs a rule, DHCP and the port's own
  addresses are allowed out, anything else is dropped. The whole ruleset is replaced in one
  nft transaction when it differs, so a rule change reaches running guests at once.

Plans are snapshots: a job's plan was read when the job was built, and jobs on one host run side by
side. So ``converge`` holds the host's lock (``STATE_DIR/lock``) from reading what the host applied last
(``STATE_DIR/applied.json``: per port its plan's ``generation``, the controller's clock when the plan was
read) to having applied the result, and applies ``combine(applied, plan)``: per port the newer of the two
wins (an older snapshot never rolls a port's rules or reservation back), and a port the plan does not
mention stays as the host last had it. ``prune`` False adds and never removes (before a boot); True also
removes what the plan no longer has - a port the host recorded from an older plan than this one (gone from
the store since), and always the ports of the plan's ``leaving`` servers - never a port applied from a newer
plan (a concurrent boot's). Networks, reservations and floating IPs follow the ports kept. A plan without a
``generation`` (written by hand) is newer than everything. Returns ``{changed, actions, plugged}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:  # pragma: no cover
    netaddr = None
    HAS_NETADDR = False

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.files import write_atomically
from ansible_collections.novalite.compute.plugins.module_utils.network import daemons

STATE_DIR = '/run/novalite/network'
APPLIED = 'applied.json'     # what the host applied last, per port with its plan's generation
LOCK = 'lock'
VXLAN_PORT = 4789
MARK_TABLE = 'novalite_mark'
SG_TABLE = 'novalite_sg'
NAT_TABLE = 'novalite_nat'
GW_TABLE = 'novalite_gw'
EXTERNAL_TABLE = 20044     # host_plan.EXTERNAL_TABLE: the first external network's routing table, the rules' priority
MAX_EXTERNAL = 64
LEASE_SECONDS = 86400
_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
_BRIDGE = re.compile(r'^brq[0-9a-f-]{11}$')
_TAP = re.compile(r'^tap[0-9a-f-]{11}$')
_IFNAME = re.compile(r'^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$')
_HOSTNAME = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')
_PROTOCOLS = {'icmp': 'icmp', '1': 'icmp', 'tcp': 'tcp', '6': 'tcp', 'udp': 'udp', '17': 'udp'}


class HostNetworkError(NovaliteError):
    kind = 'HostNetworkError'


# ---- checking the plan ---------------------------------------------------------------------------

def _uuid(value, field):
    if not isinstance(value, str) or not _UUID.match(value):
        raise InvalidInput(field, 'must be a lowercase UUID')
    return value


def _ip(value, field):
    try:
        return str(netaddr.IPAddress(value, version=4, flags=netaddr.INET_PTON))
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise InvalidInput(field, 'must be an IPv4 address')


def _mac(value, field):
    try:
        return str(netaddr.EUI(value, dialect=netaddr.mac_unix_expanded)).lower()
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise InvalidInput(field, 'must be a MAC address')


def _cidr(value, field):
    try:
        net = netaddr.IPNetwork(value, version=4)
    except (netaddr.AddrFormatError, TypeError, ValueError):
        raise InvalidInput(field, 'must be an IPv4 CIDR')
    return net


def _name(value, pattern, derived, field):
    if value != derived or not pattern.match(value):
        raise InvalidInput(field, 'must be the name derived from the id (%s)' % derived)
    return value


def _int(value, field, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, 'must be an integer from %d to %d' % (low, high))
    return value


def check_plan(plan):
    """The plan with every name, id, MAC and address checked; InvalidInput for anything else."""
    if not HAS_NETADDR:
        raise HostNetworkError('netaddr is needed on the compute host')
    if not isinstance(plan, dict):
        raise InvalidInput('network', 'must be a dict')
    local_ip = _ip(plan['local_ip'], 'network.local_ip') if plan.get('local_ip') else None
    _generation(plan.get('generation'), 'network.generation')
    leaving = plan.get('leaving') or []
    if not isinstance(leaving, list) or not all(isinstance(d, str) for d in leaving):
        raise InvalidInput('network.leaving', 'must be a list of server ids')
    leaving_ports = plan.get('leaving_ports') or []
    if not isinstance(leaving_ports, list) or not all(isinstance(d, str) for d in leaving_ports):
        raise InvalidInput('network.leaving_ports', 'must be a list of port ids')
    networks = []
    for i, n in enumerate(plan.get('networks') or []):
        f = 'network.networks[%d]' % i
        nid = _uuid(n.get('id'), f + '.id')
        entry = {'id': nid, 'bridge': _name(n.get('bridge'), _BRIDGE, ('brq' + nid)[:14], f + '.bridge'),
                 'mtu': _int(n.get('mtu') or 1500, f + '.mtu', 68, 9000), 'vxlan': None, 'subnets': [],
                 'dhcp': None, 'physical_interface': None, 'gateways': []}
        uplink = n.get('physical_interface')
        if uplink:
            if not isinstance(uplink, str) or not _IFNAME.match(uplink) or _BRIDGE.match(uplink) or \
                    _TAP.match(uplink) or uplink.startswith('vxlan-'):
                raise InvalidInput(f + '.physical_interface', 'must be the name of a host interface')
            entry['physical_interface'] = uplink
        vx = n.get('vxlan')
        if vx:
            vni = _int(vx.get('vni'), f + '.vxlan.vni', 1, 2 ** 24 - 1)
            if not local_ip:
                raise InvalidInput('network.local_ip', 'is needed for a VXLAN network (novalite_host_ip)')
            entry['vxlan'] = {'name': _name(vx.get('name'), re.compile(r'^vxlan-\d{1,8}$'), 'vxlan-%d' % vni,
                                            f + '.vxlan.name'),
                              'vni': vni, 'local_ip': local_ip,
                              'peers': sorted(set(_ip(p, f + '.vxlan.peers') for p in vx.get('peers') or [])
                                              - set([local_ip]))}
        for j, s in enumerate(n.get('subnets') or []):
            sf = '%s.subnets[%d]' % (f, j)
            net = _cidr(s.get('cidr'), sf + '.cidr')
            entry['subnets'].append({'id': _uuid(s.get('id'), sf + '.id'), 'net': net,
                                     'gateway_ip': _ip(s['gateway_ip'], sf + '.gateway_ip')
                                     if s.get('gateway_ip') else None,
                                     'enable_dhcp': bool(s.get('enable_dhcp')),
                                     'dns': [_ip(d, sf + '.dns_nameservers') for d in s.get('dns_nameservers') or []]})
        subnets = dict((s['id'], s) for s in entry['subnets'])
        for g in n.get('gateways') or []:
            sub = subnets.get(g.get('subnet_id'))
            if sub is None:
                raise InvalidInput(f + '.gateways', 'names a subnet the network lacks')
            ip = _ip(g.get('ip'), f + '.gateways')
            if netaddr.IPAddress(ip) not in sub['net']:
                raise InvalidInput(f + '.gateways', '%s is not in subnet %s' % (ip, sub['net']))
            entry['gateways'].append({'subnet': sub, 'ip': ip})
        d = n.get('dhcp')
        if d:
            addresses = []
            for a in d.get('addresses') or []:
                sub = subnets.get(a.get('subnet_id'))
                if sub is None:
                    raise InvalidInput(f + '.dhcp.addresses', 'names a subnet the network lacks')
                ip = _ip(a.get('ip'), f + '.dhcp.addresses')
                addresses.append({'subnet': sub, 'ip': ip})
            reservations = []
            for k, r in enumerate(d.get('reservations') or []):
                rf = '%s.dhcp.reservations[%d]' % (f, k)
                host = r.get('hostname') or ''
                reservations.append({'mac': _mac(r.get('mac'), rf + '.mac'), 'ip': _ip(r.get('ip'), rf + '.ip'),
                                     # a hostname dnsmasq could not take is left out (the lease still comes)
                                     'hostname': host if isinstance(host, str) and _HOSTNAME.match(host) else ''})
            entry['dhcp'] = {'addresses': addresses, 'reservations': reservations}
        networks.append(entry)
    ports = []
    for i, p in enumerate(plan.get('ports') or []):
        f = 'network.ports[%d]' % i
        pid = _uuid(p.get('id'), f + '.id')
        nid = _uuid(p.get('network_id'), f + '.network_id')
        _generation(p.get('generation'), f + '.generation')
        rules = [_rule(r, '%s.rules[%d]' % (f, j)) for j, r in enumerate(p.get('rules') or [])]
        ports.append({'id': pid, 'network_id': nid, 'device_id': p.get('device_id') or '',
                      'tap': _name(p.get('tap'), _TAP, ('tap' + pid)[:14], f + '.tap'),
                      'bridge': _name(p.get('bridge'), _BRIDGE, ('brq' + nid)[:14], f + '.bridge'),
                      'mac': _mac(p.get('mac'), f + '.mac'), 'ips': [_ip(a, f + '.ips') for a in p.get('ips') or []],
                      'port_security': bool(p.get('port_security', True)), 'rules': rules})
    bridges = set(n['bridge'] for n in networks)
    fixed = dict((ip, p['id']) for p in ports for ip in p['ips'])
    external = []
    for i, e in enumerate((plan.get('external') or [])[:MAX_EXTERNAL]):
        f = 'network.external[%d]' % i
        nid = _uuid(e.get('network_id'), f + '.network_id')
        bridge = _name(e.get('bridge'), _BRIDGE, ('brq' + nid)[:14], f + '.bridge')
        if bridge not in bridges:
            raise InvalidInput(f + '.network_id', 'is not one of the plan\'s networks')
        entry = {'network_id': nid, 'bridge': bridge,
                 'table': _int(e.get('table'), f + '.table', EXTERNAL_TABLE, EXTERNAL_TABLE + MAX_EXTERNAL - 1),
                 'subnets': [], 'sources': [], 'floating_ips': [],
                 'snat_ip': _ip(e['snat_ip'], f + '.snat_ip') if e.get('snat_ip') else None}
        for j, sub in enumerate(e.get('subnets') or []):
            sf = '%s.subnets[%d]' % (f, j)
            entry['subnets'].append({'net': _cidr(sub.get('cidr'), sf + '.cidr').cidr,
                                     'gateway_ip': _ip(sub['gateway_ip'], sf + '.gateway_ip')
                                     if sub.get('gateway_ip') else None})
        for j, src in enumerate(e.get('sources') or []):
            sf = '%s.sources[%d]' % (f, j)
            if src.get('bridge') not in bridges:
                raise InvalidInput(sf + '.bridge', 'is not the bridge of one of the plan\'s networks')
            entry['sources'].append({'net': _cidr(src.get('cidr'), sf + '.cidr').cidr, 'bridge': src['bridge'],
                                     'snat': bool(src.get('snat')) and entry['snat_ip'] is not None})
        for j, fip in enumerate(e.get('floating_ips') or []):
            sf = '%s.floating_ips[%d]' % (f, j)
            address, fixed_ip = _ip(fip.get('floating_ip'), sf + '.floating_ip'), _ip(fip.get('fixed_ip'), sf + '.fixed_ip')
            port_id = _uuid(fip.get('port_id'), sf + '.port_id')
            if fixed.get(fixed_ip) != port_id:
                raise InvalidInput(sf + '.fixed_ip', 'is not an address of the plan\'s port %s' % port_id)
            entry['floating_ips'].append({'floating_ip': address, 'fixed_ip': fixed_ip, 'port_id': port_id})
        external.append(entry)
    if len(set(e['table'] for e in external)) != len(external):
        raise InvalidInput('network.external', 'gives two external networks one routing table')
    return {'local_ip': local_ip, 'networks': networks, 'ports': ports, 'external': external}


def _generation(value, field):
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0):
        raise InvalidInput(field, 'must be a number (the time the plan was read)')
    return value


def _rule(r, field):
    direction = r.get('direction')
    if direction not in ('ingress', 'egress'):
        raise InvalidInput(field + '.direction', 'must be ingress or egress')
    proto = r.get('protocol')
    if proto is not None:
        proto = str(proto).lower()
        if proto in _PROTOCOLS:
            proto = _PROTOCOLS[proto]
        elif proto.isdigit() and 0 <= int(proto) <= 255:
            proto = int(proto)
        elif proto in ('any', ''):
            proto = None
        else:
            raise InvalidInput(field + '.protocol', 'is not a protocol the host filters')
    low, high = r.get('port_range_min'), r.get('port_range_max')
    low = None if low is None else _int(low, field + '.port_range_min', 0, 65535)
    high = None if high is None else _int(high, field + '.port_range_max', 0, 65535)
    out = {'direction': direction, 'protocol': proto, 'min': low, 'max': high, 'remote': None}
    if r.get('remote_ip_prefix'):
        out['remote'] = [str(_cidr(r['remote_ip_prefix'], field + '.remote_ip_prefix').cidr)]
    if 'remote_ips' in r:
        out['remote'] = sorted(set(_ip(a, field + '.remote_ips') for a in r.get('remote_ips') or []))
    return out


# ---- running commands ----------------------------------------------------------------------------

def _run(argv, check=True, data=None):
    proc = subprocess.run(argv, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-500:]
        raise HostNetworkError('%s failed (rc %d): %s' % (' '.join(argv[:4]), proc.returncode, detail))
    return proc


def _links():
    """{name: link} of this host's links (ip -details -json)."""
    out = _run(['ip', '-d', '-j', 'link', 'show']).stdout
    return dict((link['ifname'], link) for link in json.loads(out or '[]'))


def _kind(link):
    return ((link or {}).get('linkinfo') or {}).get('info_kind')


def _addresses(dev):
    out = json.loads(_run(['ip', '-j', 'addr', 'show', 'dev', dev]).stdout or '[]')
    found = set()
    for link in out:
        for a in link.get('addr_info') or []:
            if a.get('family') == 'inet':
                found.add('%s/%s' % (a['local'], a['prefixlen']))
    return found


def gratuitous_arp(mac, ip):
    """The two Ethernet frames of a gratuitous ARP for ``ip`` at ``mac`` (a request and a reply, both broadcast:
    hosts honour one or the other), as ``arping -U`` / ``-A`` send them."""
    hw = bytes(int(part, 16) for part in mac.split(':'))
    addr = netaddr.IPAddress(ip).packed
    frames = []
    for op, target_hw in ((1, b'\x00' * 6), (2, hw)):
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, hw, addr, target_hw, addr)
        frames.append(b'\xff' * 6 + hw + struct.pack('!H', 0x0806) + arp)
    return frames


# when the announcements go out, in seconds from the first: a bridge whose uplink was attached a moment ago may
# not forward the first one yet (Neutron's l3 agent sends three, arping -c 3)
ANNOUNCE_AT = (0, 0.1, 0.4)


def announce(addresses, at=ANNOUNCE_AT):
    """Send a gratuitous ARP for each (device, ip) of ``addresses`` (Neutron's l3 agent does so for a floating IP it
    binds), all of them at each delay of ``at``: the external network's neighbours that cached another host's MAC
    for it switch now, not when it expires. A host that cannot send one (no raw socket) is left to ARP's own
    timeouts."""
    frames = []
    for dev, ip in addresses:
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        except (IOError, OSError, AttributeError):
            break
        try:
            sock.bind((dev, 0))
            # the device's own MAC, as the bound socket names it (no /sys: it may show another network namespace)
            mac = ':'.join('%02x' % b for b in bytearray(sock.getsockname()[4]))
        except (IOError, OSError):
            sock.close()
            continue
        frames.append((sock, gratuitous_arp(mac, ip)))
    started = time.time()
    try:
        for delay in at if frames else ():
            time.sleep(max(0.0, started + delay - time.time()))
            for sock, gratuitous in frames:
                try:
                    for frame in gratuitous:
                        sock.send(frame)
                except (IOError, OSError):
                    pass
    finally:
        for sock, _frames in frames:
            sock.close()


class _Work(object):
    def __init__(self, check_mode, state_dir):
        self.check_mode = check_mode
        self.state_dir = state_dir
        self.actions = []
        self.announcements = []   # (bridge, address) bound by this converge: gratuitous ARPs sent at its end
        # dnsmasqs: started here, or by the API job's launcher outside the run's PID namespace (daemons.py)
        self.daemons = daemons.for_this_process()

    def do(self, what, *argvs):
        self.actions.append(what)
        if not self.check_mode:
            for argv in argvs:
                _run(argv)


# ---- bridges and VXLANs --------------------------------------------------------------------------

def _bridge_nf(work):
    path = '/proc/sys/net/bridge/bridge-nf-call-iptables'
    if not os.path.exists(path):
        _run(['modprobe', 'br_netfilter'], check=False)
    try:
        with open(path) as handle:
            if handle.read().strip() == '1':
                return
    except (IOError, OSError):
        raise HostNetworkError('bridged traffic cannot be filtered: br_netfilter is missing (%s)' % path)
    work.actions.append('bridge-nf-call-iptables=1')
    if not work.check_mode:
        with open(path, 'w') as handle:
            handle.write('1\n')


def _network_links(work, net, links, prune, extra=()):
    """The network's bridge (holding its DHCP address, router gateways and ``extra`` addresses), uplink, VXLAN."""
    bridge = net['bridge']
    if bridge not in links:
        work.do('add bridge %s' % bridge, ['ip', 'link', 'add', 'name', bridge, 'type', 'bridge'])
    elif _kind(links[bridge]) != 'bridge':
        raise HostNetworkError('%s exists and is not a bridge' % bridge)
    if 'UP' not in (links.get(bridge) or {}).get('flags', []):
        work.do('up %s' % bridge, ['ip', 'link', 'set', bridge, 'up'])
    uplink = net['physical_interface']
    if uplink:
        link = links.get(uplink)
        if link is None:
            raise HostNetworkError('the physical interface %s of network %s is not on this host '
                                   '(novalite_physical_interface_mappings)' % (uplink, net['id']))
        if link.get('master') != bridge:
            work.do('%s into %s' % (uplink, bridge), ['ip', 'link', 'set', uplink, 'master', bridge])
        if 'UP' not in link.get('flags', []):
            work.do('up %s' % uplink, ['ip', 'link', 'set', uplink, 'up'])
    # a router gateway and the DHCP address share the subnet: removing the first one must not take the other
    promote = '/proc/sys/net/ipv4/conf/%s/promote_secondaries' % bridge
    if (bridge in links or not work.check_mode) and (_read(promote) or '').strip() != '1':
        work.actions.append('promote_secondaries on %s' % bridge)
        if not work.check_mode:
            with open(promote, 'w') as handle:
                handle.write('1\n')
    have = _addresses(bridge) if bridge in links else set()
    want = set('%s/%d' % (a['ip'], a['subnet']['net'].prefixlen) for a in (net['dhcp'] or {}).get('addresses', []))
    # the router interfaces' addresses: this host routes its guests (DVR-like)
    want.update('%s/%d' % (g['ip'], g['subnet']['net'].prefixlen) for g in net['gateways'])
    want.update(extra)
    for addr in sorted(want - have):
        work.do('address %s on %s' % (addr, bridge), ['ip', 'addr', 'add', addr, 'dev', bridge])
        if addr in extra and not work.check_mode:
            # a floating IP now answered here (new, or moved from another host): its neighbours learn at once,
            # announced once the converge is done (its NAT in place), all of the run's addresses together
            work.announcements.append((bridge, addr.split('/')[0]))
    if prune:
        for addr in sorted(have - want):
            work.do('remove address %s from %s' % (addr, bridge), ['ip', 'addr', 'del', addr, 'dev', bridge])
    vx = net['vxlan']
    if not vx:
        return
    name = vx['name']
    link = links.get(name)
    info = ((link or {}).get('linkinfo') or {}).get('info_data') or {}
    if link is not None and (_kind(link) != 'vxlan' or info.get('id') != vx['vni'] or info.get('local') != vx['local_ip']):
        work.do('recreate %s' % name, ['ip', 'link', 'del', name])
        link = None
    if link is None:
        # MTU: the network's (Neutron's 1450 for VXLAN: 50 bytes of headers on a 1500 underlay)
        work.do('add %s (VNI %d from %s)' % (name, vx['vni'], vx['local_ip']),
                ['ip', 'link', 'add', name, 'type', 'vxlan', 'id', str(vx['vni']), 'local', vx['local_ip'],
                 'dstport', str(VXLAN_PORT)],
                ['ip', 'link', 'set', name, 'mtu', str(net['mtu'])])
    if link is None or link.get('master') != net['bridge']:
        work.do('%s into %s' % (name, net['bridge']), ['ip', 'link', 'set', name, 'master', net['bridge']])
    if link is None or 'UP' not in link.get('flags', []):
        work.do('up %s' % name, ['ip', 'link', 'set', name, 'up'])
    have = set()
    if link is not None:
        for entry in json.loads(_run(['bridge', '-j', 'fdb', 'show', 'dev', name]).stdout or '[]'):
            if entry.get('mac') == '00:00:00:00:00:00' and entry.get('dst'):
                have.add(entry['dst'])
    for peer in vx['peers']:
        if peer not in have:
            work.do('flood %s to %s' % (name, peer),
                    ['bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', name, 'dst', peer])
    if prune:
        for peer in sorted(have - set(vx['peers'])):
            work.do('stop flooding %s to %s' % (name, peer),
                    ['bridge', 'fdb', 'del', '00:00:00:00:00:00', 'dev', name, 'dst', peer])


def _remove_network_links(work, links, keep_bridges, keep_vxlans):
    for name, link in sorted(links.items()):
        if _BRIDGE.match(name) and _kind(link) == 'bridge' and name not in keep_bridges:
            work.do('remove bridge %s' % name, ['ip', 'link', 'del', name])
        elif re.match(r'^vxlan-\d{1,8}$', name) and _kind(link) == 'vxlan' and name not in keep_vxlans:
            work.do('remove %s' % name, ['ip', 'link', 'del', name])


def _plug_taps(work, ports, links):
    """A tap libvirt made is in its bridge (again, after a host's bridges were rebuilt)."""
    plugged = []
    for p in ports:
        link = links.get(p['tap'])
        if link is None:
            continue
        if link.get('master') != p['bridge']:
            work.do('plug %s into %s' % (p['tap'], p['bridge']), ['ip', 'link', 'set', p['tap'], 'master', p['bridge']])
        plugged.append(p['id'])
    return plugged


# ---- dnsmasq -------------------------------------------------------------------------------------

def _dnsmasq_files(net, state_dir):
    """(config text, hosts text) of the network's dnsmasq: only its reservations' MACs get an answer."""
    d = os.path.join(state_dir, _uuid(net['id'], 'network id'))
    lines = ['# novalite: DHCP of network %s on this host' % net['id'],
             'port=0', 'interface=%s' % net['bridge'], 'bind-interfaces', 'except-interface=lo',
             'no-resolv', 'no-hosts', 'dhcp-ignore=tag:!known', 'dhcp-authoritative',
             'dhcp-hostsfile=%s' % os.path.join(d, 'hosts'), 'dhcp-leasefile=%s' % os.path.join(d, 'leases'),
             'pid-file=%s' % os.path.join(d, 'pid'), 'dhcp-option-force=option:mtu,%d' % net['mtu']]
    served = set(a['subnet']['id'] for a in net['dhcp']['addresses'])
    for index, s in enumerate(net['subnets']):
        if not s['enable_dhcp'] or s['id'] not in served:
            continue
        tag = 'subnet%d' % index
        lines.append('dhcp-range=set:%s,%s,static,%s,%ds' % (tag, s['net'].network, s['net'].netmask, LEASE_SECONDS))
        lines.append('dhcp-option=tag:%s,option:router%s' % (tag, (',' + s['gateway_ip']) if s['gateway_ip'] else ''))
        if s['dns']:
            lines.append('dhcp-option=tag:%s,option:dns-server,%s' % (tag, ','.join(s['dns'])))
    hosts = ['%s,%s%s' % (r['mac'], r['ip'], (',' + r['hostname']) if r['hostname'] else '')
             for r in net['dhcp']['reservations']]
    return '\n'.join(lines) + '\n', '\n'.join(hosts) + ('\n' if hosts else '')


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _dnsmasq(work, net):
    directory = os.path.join(work.state_dir, _uuid(net['id'], 'network id'))
    conf, hosts = _dnsmasq_files(net, work.state_dir)
    conf_path, hosts_path = os.path.join(directory, daemons.CONF_NAME), os.path.join(directory, 'hosts')
    running = work.daemons.running(conf_path)
    conf_changed, hosts_changed = _read(conf_path) != conf, _read(hosts_path) != hosts
    if running and not conf_changed and not hosts_changed:
        return
    if work.check_mode:
        work.actions.append('dnsmasq of %s' % net['id'])
        return
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    if hosts_changed:
        write_atomically(hosts_path, hosts)
        work.actions.append('DHCP reservations of %s: %d' % (net['id'], len(net['dhcp']['reservations'])))
    if conf_changed:
        write_atomically(conf_path, conf)
    if running and conf_changed:
        work.daemons.stop(conf_path)
    elif running and work.daemons.reload(conf_path):   # SIGHUP: dnsmasq reads its dhcp-hostsfile again
        return
    work.actions.append('start dnsmasq of %s' % net['id'])
    try:
        work.daemons.start(conf_path)
    except daemons.DaemonError as exc:
        raise HostNetworkError(str(exc))


def _stop_dnsmasqs(work, keep):
    if not os.path.isdir(work.state_dir):
        return
    for name in sorted(os.listdir(work.state_dir)):
        directory = os.path.join(work.state_dir, name)
        if not _UUID.match(name) or name in keep or not os.path.isdir(directory):
            continue
        work.actions.append('stop dnsmasq of %s' % name)
        if not work.check_mode:
            try:
                work.daemons.stop(os.path.join(directory, daemons.CONF_NAME))
            except daemons.DaemonError as exc:
                raise HostNetworkError(str(exc))
            shutil.rmtree(directory, ignore_errors=True)


# ---- nftables ------------------------------------------------------------------------------------

def _match(rule):
    parts = []
    remote = rule['remote']
    if remote is not None:
        if not remote:
            return None        # a remote group without members allows nothing
        parts.append('ip %s { %s }' % ('saddr' if rule['direction'] == 'ingress' else 'daddr', ', '.join(remote)))
    proto = rule['protocol']
    if proto == 'icmp':
        parts.append('ip protocol icmp')
        if rule['min'] is not None:
            parts.append('icmp type %d' % rule['min'])
            if rule['max'] is not None:
                parts.append('icmp code %d' % rule['max'])
    elif proto in ('tcp', 'udp'):
        parts.append('ip protocol %s' % proto)
        if rule['min'] is not None or rule['max'] is not None:
            low = rule['min'] if rule['min'] is not None else 1
            high = rule['max'] if rule['max'] is not None else 65535
            parts.append('%s dport %s' % (proto, low if low == high else '%d-%d' % (low, high)))
    elif proto is not None:
        parts.append('ip protocol %d' % proto)
    return ' '.join(parts) or 'meta nfproto ipv4'


def ruleset(ports):
    """The nft script of the ports' filters (both tables replaced in one transaction)."""
    filtered = [p for p in ports if p['port_security']]
    mark = ['table bridge %s {' % MARK_TABLE, '  chain forward {',
            '    type filter hook forward priority -200; policy accept;', '    meta mark set 0x0']
    # what a guest sends to its router (the bridge's own address: routed, not bridged) is marked on the way in
    mark_in = ['  chain input {', '    type filter hook input priority -200; policy accept;', '    meta mark set 0x0']
    sg = ['table inet %s {' % SG_TABLE, '  chain forward {',
          '    type filter hook forward priority 0; policy accept;']
    routed = []
    chains = []
    for index, p in enumerate(filtered, 1):
        mark.append('    iifname "%s" meta mark set meta mark or 0x%08x' % (p['tap'], index << 16))
        mark.append('    oifname "%s" meta mark set meta mark or 0x%08x' % (p['tap'], index))
        mark_in.append('    iifname "%s" meta mark set meta mark or 0x%08x' % (p['tap'], index << 16))
        sg.append('    meta mark and 0xffff0000 == 0x%08x jump out-%d' % (index << 16, index))
        sg.append('    meta mark and 0x0000ffff == 0x%08x jump in-%d' % (index, index))
        if p['ips']:
            # routed to the port (a floating IP's DNAT): not bridged from another port, so no mark says where to
            routed.append('    meta mark and 0x0000ffff == 0x00000000 oifname "%s" ip daddr { %s } jump in-%d'
                          % (p['bridge'], ', '.join(p['ips']), index))
        own = ', '.join(p['ips'])
        out = ['  chain out-%d {' % index, '    # port %s egress' % p['id'],
               '    ct state invalid drop', '    ct state established,related return',
               '    udp sport 68 udp dport 67 return']
        if own:
            out.append('    ip saddr != { %s } drop' % own)
        else:
            out.append('    meta nfproto ipv4 drop')
        inp = ['  chain in-%d {' % index, '    # port %s ingress' % p['id'],
               '    ct state invalid drop', '    ct state established,related return']
        for rule in p['rules']:
            match = _match(rule)
            if match is not None:
                (inp if rule['direction'] == 'ingress' else out).append('    %s return' % match)
        chains.extend(out + ['    drop', '  }'] + inp + ['    drop', '  }'])
    return '\n'.join(mark + ['  }'] + mark_in + ['  }', '}'] + sg + routed + ['  }'] + chains + ['}']) + '\n'


def _replace_tables(work, filename, tables, text, action):
    """nft tables ``tables`` ((family, name)) become what ``text`` declares, in one transaction (the old ones go
    and the new ones come at once), when the applied text (its digest in ``filename``.sha256) or the tables
    present differ."""
    path = os.path.join(work.state_dir, filename)
    digest = hashlib.sha256(text.encode()).hexdigest()
    listed = _run(['nft', 'list', 'tables'], check=False).stdout.splitlines()
    present = sorted(t for t in ('table %s %s' % pair for pair in tables) if t in listed)
    wanted = sorted(line.rstrip(' {') for line in text.splitlines() if line.startswith('table '))
    if wanted == present and (not text or _read(path + '.sha256') == digest):
        return
    work.actions.append(action)
    if work.check_mode:
        return
    if not os.path.isdir(work.state_dir):
        os.makedirs(work.state_dir, 0o755)
    # one transaction: the old tables go and the new ones come at once
    script = ''.join('table %s %s\ndelete table %s %s\n' % (family, name, family, name) for family, name in tables)
    write_atomically(path, script + text)
    _run(['nft', '-f', path])
    write_atomically(path + '.sha256', digest)


def _filters(work, ports):
    _replace_tables(work, 'filters.nft', (('bridge', MARK_TABLE), ('inet', SG_TABLE)), ruleset(ports),
                    'security group filters (%d ports)' % len([p for p in ports if p['port_security']]))


def remove_filters():
    """Drop both tables (a host leaving novalite's networking)."""
    for family, name in (('bridge', MARK_TABLE), ('inet', SG_TABLE)):
        _run(['nft', 'delete', 'table', family, name], check=False)


# ---- routers: floating IPs, gateways, the way out -----------------------------------------------

def nat_ruleset(networks, external):
    """The nft script of the routers on this host, or '' when it has none.

    ``ip novalite_nat``: each floating IP DNATed to its fixed IP on the way in and the fixed IP SNATed to it on
    the way out by the external bridge; the other traffic of a router's subnets with ``enable_snat`` SNATed to
    the host's own address on that network (``snat_ip``), that of the others dropped there (a private address
    never leaves as it is). ``bridge novalite_gw``: every host holds its networks' router gateway
    addresses (DVR-like), so ARP for them never crosses a VXLAN: each guest's router is the host it runs on."""
    gateways = sorted(set(g['ip'] for n in networks for g in n['gateways']), key=netaddr.IPAddress)
    fips = [(e['bridge'], f) for e in external for f in e['floating_ips']]
    if not gateways and not external:
        return ''
    pre = ['table ip %s {' % NAT_TABLE, '  chain prerouting {', '    type nat hook prerouting priority -100; policy accept;']
    post = ['  chain postrouting {', '    type nat hook postrouting priority 100; policy accept;']
    fwd = ['  chain forward {', '    type filter hook forward priority 10; policy accept;']
    # a floating IP's own SNAT comes first: the first NAT rule a connection matches is the one it keeps
    for bridge, f in fips:
        pre.append('    ip daddr %s dnat to %s' % (f['floating_ip'], f['fixed_ip']))
        post.append('    oifname "%s" ip saddr %s snat to %s' % (bridge, f['fixed_ip'], f['floating_ip']))
    for e in external:
        snat = [str(src['net']) for src in e['sources'] if src['snat']]
        if snat:
            post.append('    oifname "%s" ip saddr { %s } snat to %s' % (e['bridge'], ', '.join(snat), e['snat_ip']))
        kept_in = [str(src['net']) for src in e['sources'] if not src['snat']]
        if kept_in:
            fixed = sorted(set(f['fixed_ip'] for f in e['floating_ips']), key=netaddr.IPAddress)
            fwd.append('    oifname "%s" ip saddr { %s }%s drop' % (
                e['bridge'], ', '.join(kept_in), ' ip saddr != { %s }' % ', '.join(fixed) if fixed else ''))
    lines = pre + ['  }'] + post + ['  }'] + fwd + ['  }', '}']
    if gateways:
        held = ', '.join(gateways)
        lines += ['table bridge %s {' % GW_TABLE]
        for hook, sides in (('forward', ('iifname', 'oifname')), ('input', ('iifname',)), ('output', ('oifname',))):
            lines += ['  chain %s {' % hook, '    type filter hook %s priority -190; policy accept;' % hook]
            for side in sides:
                for field in ('saddr', 'daddr'):
                    lines.append('    %s "vxlan-*" arp %s ip { %s } drop' % (side, field, held))
            lines.append('  }')
        lines.append('}')
    return '\n'.join(lines) + '\n'


def _nat(work, networks, external):
    _replace_tables(work, 'nat.nft', (('ip', NAT_TABLE), ('bridge', GW_TABLE)), nat_ruleset(networks, external),
                    'routers: %d floating IP(s), %d gateway(s), %d SNAT address(es)' % (
                        sum(len(e['floating_ips']) for e in external), sum(len(n['gateways']) for n in networks),
                        len([e for e in external if any(src['snat'] for src in e['sources'])])))


def _ip_forward(work):
    path = '/proc/sys/net/ipv4/ip_forward'
    if (_read(path) or '').strip() == '1':
        return
    work.actions.append('ip_forward=1')
    if not work.check_mode:
        with open(path, 'w') as handle:
            handle.write('1\n')


def _routes_wanted(ext):
    """(dst, gateway, dev) of the external network's routing table: what its router's subnets reach."""
    out = set((str(sub['net']), '', ext['bridge']) for sub in ext['subnets'])
    out.update((str(src['net']), '', src['bridge']) for src in ext['sources'])
    gateway = next((sub['gateway_ip'] for sub in ext['subnets'] if sub['gateway_ip']), None)
    if gateway:
        out.add(('default', gateway, ext['bridge']))
    return out


def _routes_have(table_id):
    out = set()
    proc = _run(['ip', '-j', 'route', 'show', 'table', str(table_id)], check=False)
    if proc.returncode != 0:
        return out      # a table never used: "FIB table does not exist"
    for r in json.loads(proc.stdout or '[]'):
        dst = r.get('dst')
        if dst and dst != 'default' and '/' not in dst:
            dst += '/32'
        out.add((dst, r.get('gateway') or '', r.get('dev')))
    return out


def _routing(work, external, prune):
    """Each router's tenant subnets leave by their external network: ``ip rule from <subnet> lookup <table>``
    (priority EXTERNAL_TABLE) and that table's routes; the host's own routing is left alone."""
    tables = dict((e['table'], e) for e in external)
    for table_id, ext in sorted(tables.items()):
        want = _routes_wanted(ext)
        have = _routes_have(table_id)
        if have == want:
            continue
        argvs = [['ip', 'route', 'flush', 'table', str(table_id)]] if have else []
        for dst, gateway, dev in sorted(want, key=lambda r: (r[0] == 'default', r)):
            argvs.append(['ip', 'route', 'replace', dst] + (['via', gateway] if gateway else []) +
                         ['dev', dev, 'table', str(table_id)])
        work.do('routes of external network %s (table %d)' % (ext['network_id'], table_id), *argvs)
    want_rules = set((str(src['net']), e['table']) for e in external for src in e['sources'])
    have_rules = set()
    for r in json.loads(_run(['ip', '-j', 'rule', 'show'], check=False).stdout or '[]'):
        if r.get('priority') == EXTERNAL_TABLE and r.get('src'):
            try:
                have_rules.add(('%s/%s' % (r['src'], r.get('srclen', 32)), int(r.get('table'))))
            except (TypeError, ValueError):
                continue
    for src, table_id in sorted(want_rules - have_rules):
        work.do('rule from %s lookup %d' % (src, table_id),
                ['ip', 'rule', 'add', 'from', src, 'lookup', str(table_id), 'priority', str(EXTERNAL_TABLE)])
    if not prune:
        return
    for src, table_id in sorted(have_rules - want_rules):
        work.do('remove rule from %s lookup %d' % (src, table_id),
                ['ip', 'rule', 'del', 'from', src, 'lookup', str(table_id), 'priority', str(EXTERNAL_TABLE)])
    for table_id in range(EXTERNAL_TABLE, EXTERNAL_TABLE + MAX_EXTERNAL):
        if table_id not in tables and _routes_have(table_id):
            work.do('flush table %d' % table_id, ['ip', 'route', 'flush', 'table', str(table_id)])


# ---- the whole host ------------------------------------------------------------------------------

def merge(plans, leaving=(), leaving_ports=()):
    """One plan out of several calls' plans for this host: per port the newest plan's entry (each port keeps its
    plan's ``generation``), the newest plan's networks; the plan's own ``generation`` is the oldest of them (what
    none of them has is older than all of them: a prune may remove it). ``leaving``: servers whose ports go;
    ``leaving_ports``: ports that go (an interface taken off again), whatever plan the host has them from."""
    if not plans:
        return None
    ordered = sorted(enumerate(plans), key=lambda item: (_plan_generation(item[1]), item[0]))
    out = {'local_ip': None, 'networks': [], 'ports': [], 'external': [], 'leaving': list(leaving),
           'generation': None}
    if leaving_ports:
        out['leaving_ports'] = list(leaving_ports)
    nets, ports, external = {}, {}, {}
    for _i, plan in ordered:
        out['local_ip'] = plan.get('local_ip') or out['local_ip']
        for n in plan.get('networks') or []:
            nets[n.get('id')] = n
        for p in plan.get('ports') or []:
            if plan.get('generation') is not None and p.get('generation') is None:
                p = dict(p, generation=plan['generation'])
            ports[p.get('id')] = p
        for e in plan.get('external') or []:
            external[e.get('network_id')] = e
    gens = [plan.get('generation') for plan in plans]
    if None not in gens:
        out['generation'] = min(gens)
    out['ports'] = [p for p in ports.values()
                    if p.get('device_id') not in set(leaving) and p.get('id') not in set(leaving_ports)]
    used = set(p.get('network_id') for p in out['ports'])
    kept = set(p.get('id') for p in out['ports'])
    bridges = set(n.get('bridge') for n in nets.values() if n.get('id') in used)
    for e in external.values():
        # a leaving port's floating IPs go, and an external network no local port needs any more
        e = dict(e, floating_ips=[f for f in e.get('floating_ips') or [] if f.get('port_id') in kept],
                 sources=[s for s in e.get('sources') or [] if s.get('bridge') in bridges])
        if e['floating_ips'] or (e.get('snat_ip') and any(s.get('snat') for s in e['sources'])):
            out['external'].append(e)
            used.add(e.get('network_id'))
    out['networks'] = [n for n in nets.values() if n.get('id') in used]
    return out


def _plan_generation(plan):
    value = plan.get('generation')
    return float('inf') if value is None else value


def _mac_key(value):
    try:
        return str(netaddr.EUI(value, dialect=netaddr.mac_unix_expanded)).lower()
    except (netaddr.AddrFormatError, TypeError, ValueError):
        return str(value).lower()


def combine(applied, plan, prune=False):
    """``(plan to apply, record to keep)``: ``plan`` (a snapshot) on top of what the host applied last
    (``applied``, the record of the previous call; None for none).

    Per port the newer wins (the plan's on a tie); a port the plan lacks is kept, unless its server is leaving
    or - with ``prune`` - the host has it from an older plan than this one. A port's DHCP reservations and
    floating IPs travel with it; a network (an external one) is the newer of the two entries and stays while
    a kept port needs it."""
    applied = applied if isinstance(applied, dict) else {}
    held = applied.get('ports') or {}
    held_nets = applied.get('networks') or {}
    held_ext = applied.get('external') or {}
    recorded = [r.get('generation') or 0 for group in (held, held_nets, held_ext) for r in group.values()]
    by_hand = plan.get('generation') is None
    # a plan written by hand is newer than anything (and is recorded as new as the newest so far)
    gen = max(recorded + [0]) if by_hand else plan['generation']
    newer_than = float('inf') if by_hand else gen
    leaving = set(plan.get('leaving') or [])
    leaving_ports = set(plan.get('leaving_ports') or [])
    removed = dict(applied.get('removed') or {})      # port id: generation of the plan that removed it
    plan_nets = dict((n.get('id'), n) for n in plan.get('networks') or [])
    plan_ext = plan.get('external') or []
    ports = {}
    for p in plan.get('ports') or []:
        if p.get('device_id') in leaving or p.get('id') in leaving_ports:
            continue
        g = gen if by_hand or p.get('generation') is None else p['generation']
        old = held.get(p.get('id'))
        if old is not None and not by_hand and (old.get('generation') or 0) > g:
            continue       # the host has this port from a newer plan: kept below
        if not by_hand and p.get('id') in removed and removed[p.get('id')] >= g:
            continue       # a newer plan removed it (its server was deleted): an older snapshot brings nothing back
        dhcp = (plan_nets.get(p.get('network_id')) or {}).get('dhcp') or {}
        ports[p.get('id')] = {
            'generation': g, 'port': dict((k, v) for k, v in p.items() if k != 'generation'),
            'reservations': [r for r in dhcp.get('reservations') or [] if _mac_key(r.get('mac')) == _mac_key(p.get('mac'))],
            'floating_ips': [dict(f, network_id=e.get('network_id')) for e in plan_ext
                             for f in e.get('floating_ips') or [] if f.get('port_id') == p.get('id')]}
    mentioned = set(p.get('id') for p in plan.get('ports') or [])
    for pid, rec in held.items():
        if pid in ports:
            continue
        if rec.get('port', {}).get('device_id') in leaving or pid in leaving_ports or \
                (prune and pid not in mentioned and (rec.get('generation') or 0) < newer_than):
            # its server or the port itself is leaving, or the plan is newer than this port's record and lacks it
            removed[pid] = max(gen, rec.get('generation') or 0)
            continue
        ports[pid] = rec
    for pid in ports:
        removed.pop(pid, None)
    newest_gen = max([gen] + list(removed.values()))
    removed = dict((k, v) for k, v in removed.items() if v > newest_gen - 86400)   # a day's deletes are remembered

    def newest(plan_entry, record, key):
        if plan_entry is not None and (record is None or by_hand or (record.get('generation') or 0) <= gen):
            return {'generation': gen, key: plan_entry}
        return record

    networks, external = {}, {}
    for rec in ports.values():
        nid = rec['port'].get('network_id')
        if nid not in networks:
            networks[nid] = newest(plan_nets.get(nid), held_nets.get(nid), 'network')
        for f in rec['floating_ips']:
            eid = f.get('network_id')
            if eid not in external:
                external[eid] = newest(next((e for e in plan_ext if e.get('network_id') == eid), None),
                                       held_ext.get(eid), 'entry')
                if eid not in networks:
                    networks[eid] = newest(plan_nets.get(eid), held_nets.get(eid), 'network')
    # an external network a kept port's subnet leaves by with SNAT (the host's SNAT address there), as the
    # newer of the two entries says; one the plan drops stays only if the host has it from a newer plan
    port_bridges = set(rec['port'].get('bridge') for rec in ports.values())
    for eid in sorted(set(e.get('network_id') for e in plan_ext) | set(held_ext)):
        if eid in external:
            continue
        planned = next((e for e in plan_ext if e.get('network_id') == eid), None)
        held_entry = held_ext.get(eid)
        if planned is None and held_entry is not None and not by_hand and (held_entry.get('generation') or 0) <= gen:
            continue
        entry = newest(planned, held_entry, 'entry')
        body = (entry or {}).get('entry') or {}
        if body.get('snat_ip') and any(src.get('snat') and src.get('bridge') in port_bridges
                                       for src in body.get('sources') or []):
            external[eid] = entry
            if eid not in networks:
                networks[eid] = newest(plan_nets.get(eid), held_nets.get(eid), 'network')
    networks = dict((k, v) for k, v in networks.items() if v is not None)
    external = dict((k, v) for k, v in external.items() if v is not None)
    order = sorted(ports)
    out_nets = []
    for nid in sorted(networks):
        n = dict(networks[nid]['network'])
        if n.get('dhcp'):
            n['dhcp'] = dict(n['dhcp'], reservations=[r for pid in order if ports[pid]['port'].get('network_id') == nid
                                                      for r in ports[pid]['reservations']])
        out_nets.append(n)
    bridges = set(n.get('bridge') for n in out_nets)
    out_ext = []
    for index, eid in enumerate(sorted(external)):
        e = external[eid]['entry']
        fips = [dict((k, v) for k, v in f.items() if k != 'network_id') for pid in order
                for f in ports[pid]['floating_ips'] if f.get('network_id') == eid]
        out_ext.append(dict(e, table=EXTERNAL_TABLE + index, floating_ips=fips,
                            sources=[s for s in e.get('sources') or [] if s.get('bridge') in bridges]))
    local_ip = plan.get('local_ip') or applied.get('local_ip')
    out = {'local_ip': local_ip, 'networks': out_nets, 'ports': [ports[pid]['port'] for pid in order],
           'external': out_ext}
    if by_hand and prune:
        # a whole plan written by hand: exactly what it says (its networks too, with or without ports)
        out = dict((k, plan.get(k) or []) for k in ('networks', 'ports', 'external'))
        out['ports'] = [p for p in out['ports'] if p.get('device_id') not in leaving and p.get('id') not in leaving_ports]
        out['local_ip'] = plan.get('local_ip')
    record = {'local_ip': local_ip, 'ports': ports, 'networks': networks, 'external': external, 'removed': removed}
    return out, record


def _load_applied(state_dir):
    text = _read(os.path.join(state_dir, APPLIED))
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None     # a torn record (it is written atomically, so only by hand): the plan alone


class _HostLock(object):
    """The host's network lock (``state_dir``/lock): one converge at a time from reading what the host
    applied to having applied the next plan (modules, playbooks and jobs alike). None in check mode."""

    def __init__(self, state_dir, check_mode):
        self.path = None if check_mode else os.path.join(state_dir, LOCK)
        self.handle = None

    def __enter__(self):
        if self.path:
            directory = os.path.dirname(self.path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
            self.handle = open(self.path, 'a')
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.handle is not None:
            self.handle.close()     # closing releases the lock
        return False


def converge(plan, prune=True, check_mode=False, state_dir=STATE_DIR):
    """Make this host's network what ``plan`` says (on top of what the host applied; see ``combine``);
    ``{changed, actions, plugged}``.

    ``state_dir``: where this host keeps its dnsmasq files, applied filters, record and lock (one per host)."""
    check_plan(plan)        # bad input: an error naming the field before anything is read or changed
    state_dir = state_dir or STATE_DIR
    with _HostLock(state_dir, check_mode):
        merged, record = combine(_load_applied(state_dir), plan, prune)
        result = _converge(check_plan(merged), prune, check_mode, state_dir)
        if not check_mode:
            write_atomically(os.path.join(state_dir, APPLIED), json.dumps(record, sort_keys=True))
    return result


def _converge(plan, prune, check_mode, state_dir):
    work = _Work(check_mode, state_dir)
    if plan['networks'] or prune:
        if plan['networks']:
            _bridge_nf(work)
        links = _links()
        # the floating IPs are bound on their external network's bridge (answered there, then DNATed)
        extra = {}
        for ext in plan['external']:
            extra.setdefault(ext['bridge'], set()).update('%s/32' % f['floating_ip'] for f in ext['floating_ips'])
            if any(src['snat'] for src in ext['sources']):
                extra[ext['bridge']].add('%s/32' % ext['snat_ip'])     # the address the host SNATs to there
        for net in plan['networks']:
            _network_links(work, net, links, prune, extra.get(net['bridge'], ()))
        if not check_mode:
            links = _links()
        for net in plan['networks']:
            if net['dhcp'] and net['dhcp']['addresses']:
                _dnsmasq(work, net)
        _filters(work, plan['ports'])
        if plan['external']:
            _ip_forward(work)
        _routing(work, plan['external'], prune)
        _nat(work, plan['networks'], plan['external'])
        if prune:
            keep = set(n['id'] for n in plan['networks'] if n['dhcp'] and n['dhcp']['addresses'])
            _stop_dnsmasqs(work, keep)
            _remove_network_links(work, links, set(n['bridge'] for n in plan['networks']),
                                  set(n['vxlan']['name'] for n in plan['networks'] if n['vxlan']))
        plugged = _plug_taps(work, plan['ports'], links)
    else:
        plugged = []
    announce(work.announcements)
    return {'changed': bool(work.actions), 'actions': work.actions, 'plugged': plugged}
