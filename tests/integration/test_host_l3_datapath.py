# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The routers' datapath on a compute host, in seconds: namespaces of the test's own stand for the host, two
guests (a veth whose host end is the port's tap) and the external network (a veth whose host end is the host's
mapped ``ext0``). ``host_side.converge`` runs inside the host's namespace with a plan like host_plan's.

Binding the floating IP sends a gratuitous ARP (the external side's stale entry for it, another host's MAC, moves
to this host at once). The external namespace pings the floating IP and the guest answers (TTL 63: routed once, by the host); the guest
reaches the external network from its floating IP (SNAT); the port's security group applies to routed traffic
(no ICMP rule, no answer); the router's other guest, without a floating IP, does not leave unNATed; a second
converge changes nothing; an older snapshot applied last rolls nothing back; the floating IP gone, nothing
answers; with the router's enable_snat the other guest leaves SNATed to the host's own external address. (On real guests: test_host_network.py,
tests/api/test_floating_ip_hosts.py.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import time

import pytest

from lib.novalite_env import VENV_BIN
from lib.test_hosts import REPO, start_namespace, stop_fabric

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')]

NET, SUB = '1de2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10', '84428ba8-aa68-49ed-84e1-b1368ebe1b78'
EXT, EXT_SUB = 'e1e2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10', 'e4428ba8-aa68-49ed-84e1-b1368ebe1b78'
PORTS = {'a': ('588958eb-d9d3-4a9b-bbe9-7af7330f05e0', 'fa:16:3e:80:fb:4e', '10.77.0.21'),
         'b': ('7f0c4f4e-5b1e-4d55-8d8a-0c4b2f1e9a21', 'fa:16:3e:80:fb:4f', '10.77.0.22')}
FLOATING_IP = '203.0.113.5'
SNAT_IP = '203.0.113.9'      # the host's own address on the external network (its SNAT port's)

_CONVERGE = '''
import json, sys
from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
args = json.loads(sys.stdin.read())
print(json.dumps(host_side.converge(args['plan'], state_dir=args['state_dir'])))
'''


def _plan(icmp=True, floating=True):
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
    bridge, ext_bridge = host_plan.bridge_name(NET), host_plan.bridge_name(EXT)
    rules = [{'direction': 'egress', 'protocol': None}] + ([{'direction': 'ingress', 'protocol': 'icmp'}] if icmp else [])
    ports = [{'id': pid, 'device_id': name, 'network_id': NET, 'mac': mac, 'tap': host_plan.tap_name(pid),
              'bridge': bridge, 'ips': [ip], 'port_security': True, 'rules': rules}
             for name, (pid, mac, ip) in sorted(PORTS.items())]
    networks = [
        {'id': NET, 'bridge': bridge, 'mtu': 1500, 'network_type': 'local', 'vxlan': None, 'dhcp': None,
         'physical_interface': None, 'gateways': [{'subnet_id': SUB, 'ip': '10.77.0.1'}],
         'subnets': [{'id': SUB, 'cidr': '10.77.0.0/24', 'gateway_ip': '10.77.0.1', 'enable_dhcp': False}]},
        {'id': EXT, 'bridge': ext_bridge, 'mtu': 1500, 'network_type': 'flat', 'vxlan': None, 'dhcp': None,
         'physical_interface': 'ext0', 'gateways': [],
         'subnets': [{'id': EXT_SUB, 'cidr': '203.0.113.0/24', 'gateway_ip': '203.0.113.1', 'enable_dhcp': False}]}]
    external = [{'network_id': EXT, 'bridge': ext_bridge, 'table': host_plan.EXTERNAL_TABLE,
                 'subnets': [{'cidr': '203.0.113.0/24', 'gateway_ip': '203.0.113.1'}],
                 'sources': [{'cidr': '10.77.0.0/24', 'bridge': bridge}],
                 'floating_ips': [{'id': 'f', 'floating_ip': FLOATING_IP, 'fixed_ip': PORTS['a'][2],
                                   'port_id': PORTS['a'][0]}]}]
    if not floating:
        external, networks = [], networks[:1]
    return {'local_ip': None, 'networks': networks, 'ports': ports, 'external': external}


@pytest.fixture
def spaces(tmp_path):
    """{name: namespace} of the host, the two guests and the external network, wired as the docstring says."""
    made = {}
    try:
        for name in ('host', 'a', 'b', 'ext'):
            made[name] = start_namespace()
        host = made['host']
        for name, (pid, mac, ip) in sorted(PORTS.items()):
            tap = 'tap' + pid[:11]
            host.run(['ip', 'link', 'add', tap, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', str(made[name].pid)])
            host.run(['ip', 'link', 'set', tap, 'up'])
            for argv in (['ip', 'link', 'set', 'eth0', 'address', mac], ['ip', 'addr', 'add', ip + '/24', 'dev', 'eth0'],
                         ['ip', 'link', 'set', 'eth0', 'up'], ['ip', 'route', 'add', 'default', 'via', '10.77.0.1']):
                made[name].run(argv)
        host.run(['ip', 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'uplink', 'netns', str(made['ext'].pid)])
        for argv in (['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'uplink'], ['ip', 'link', 'set', 'uplink', 'up']):
            made['ext'].run(argv)
        made['state_dir'] = str(tmp_path / 'state')
        yield made
    finally:
        for name in ('host', 'a', 'b', 'ext'):
            if name in made:
                stop_fabric(made[name])


def _converge(spaces, plan):
    proc = subprocess.run(['nsenter', '-t', str(spaces['host'].pid), '-n', '--', os.path.join(VENV_BIN, 'python'),
                           '-c', _CONVERGE], input=json.dumps({'plan': plan, 'state_dir': spaces['state_dir']}),
                          capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.path.join(REPO, 'collections')))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


_UDP_SOURCE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('203.0.113.1', 9999))
s.settimeout(float(sys.argv[1]))
print('ready', flush=True)
try:
    print(s.recvfrom(64)[1][0], flush=True)
except socket.timeout:
    print('nothing', flush=True)
"""


def _source_seen_outside(spaces, guest, timeout=3):
    """The source address the external network sees on a datagram ``guest`` sends it (or 'nothing')."""
    listener = subprocess.Popen(['nsenter', '-t', str(spaces['ext'].pid), '-n', '--', os.path.join(VENV_BIN, 'python'),
                                 '-c', _UDP_SOURCE, str(timeout)], stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout.readline().strip() == 'ready'
        spaces[guest].run([os.path.join(VENV_BIN, 'python'), '-c',
                           "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto("
                           "b'x', ('203.0.113.1', 9999))"])
        return listener.stdout.readline().strip()
    finally:
        listener.wait(timeout + 5)


def _ping(space, address, count=1):
    return space.run(['ping', '-c', str(count), '-W', '1', address], check=False)


def test_floating_ip_nat_security_groups_and_the_way_out(spaces):
    # the external network still has another host's MAC for the floating IP (it was bound elsewhere before)
    spaces['ext'].run(['ip', 'neigh', 'replace', FLOATING_IP, 'lladdr', '02:00:00:00:00:99', 'dev', 'uplink',
                       'nud', 'stale'])
    first = _converge(spaces, _plan())
    # the binding's gratuitous ARP moved it to this host's external bridge at once (before any ping)
    ext_mac = json.loads(spaces['host'].run(['ip', '-j', 'link', 'show', 'dev', 'brq' + EXT[:11]]).stdout)[0]['address']
    deadline = time.time() + 2   # the ARP frames are taken in by the other namespace's softirq: a moment
    neigh = spaces['ext'].run(['ip', 'neigh', 'show', FLOATING_IP, 'dev', 'uplink']).stdout
    while 'lladdr %s' % ext_mac not in neigh and time.time() < deadline:
        time.sleep(0.1)
        neigh = spaces['ext'].run(['ip', 'neigh', 'show', FLOATING_IP, 'dev', 'uplink']).stdout
    assert 'lladdr %s' % ext_mac in neigh, (ext_mac, neigh)
    assert 'routers: 1 floating IP(s), 1 gateway(s), 0 SNAT address(es)' in first['actions']
    again = _converge(spaces, _plan())
    assert (again['changed'], again['actions']) == (False, [])    # desired state: a second converge changes nothing
    ping = _ping(spaces['ext'], FLOATING_IP, count=2)
    assert ping.returncode == 0 and 'ttl=63' in ping.stdout, ping.stdout + ping.stderr   # the guest, not the host
    out = _ping(spaces['a'], '203.0.113.1')
    assert out.returncode == 0, out.stdout                        # out by its floating IP (SNAT)
    assert _ping(spaces['b'], '203.0.113.1').returncode != 0      # no floating IP: it does not leave unNATed
    assert _source_seen_outside(spaces, 'a') == FLOATING_IP
    assert _source_seen_outside(spaces, 'b', timeout=1) == 'nothing'
    assert _ping(spaces['b'], '10.77.0.1').returncode == 0        # its router is the host it runs on

    # the port's group without ICMP: routed traffic to it is dropped too
    _converge(spaces, dict(_plan(icmp=False), generation=200.0))
    assert _ping(spaces['ext'], FLOATING_IP).returncode != 0
    # a job's older snapshot (ICMP still allowed, b not yet bound) applied last, pruning: neither rolls a's
    # rules back nor drops b's filter (host_side.combine)
    older = _plan(icmp=True)
    older['ports'] = [p for p in older['ports'] if p['id'] != PORTS['b'][0]]
    _converge(spaces, dict(older, generation=100.0))
    assert _ping(spaces['ext'], FLOATING_IP).returncode != 0
    assert 'tap' + PORTS['b'][0][:11] in spaces['host'].run(['nft', 'list', 'table', 'bridge', 'novalite_mark']).stdout
    assert 'chain in-2 {' in spaces['host'].run(['nft', 'list', 'table', 'inet', 'novalite_sg']).stdout

    # the floating IP gone: the address, the NAT and the routing leave the host
    gone = _converge(spaces, _plan(floating=False))
    assert 'remove rule from 10.77.0.0/24 lookup 20044' in gone['actions'], gone
    assert _ping(spaces['ext'], FLOATING_IP).returncode != 0
    assert FLOATING_IP not in spaces['host'].run(['ip', '-o', 'addr', 'show']).stdout
    assert 'dnat' not in spaces['host'].run(['nft', 'list', 'ruleset']).stdout

    # the router has enable_snat and the host its own address on the external network: the other traffic of
    # the router's subnet leaves SNATed to that address (each host NATs its own guests)
    snat = _plan(floating=True)
    snat['external'][0].update(floating_ips=[], snat_ip=SNAT_IP)
    snat['external'][0]['sources'][0]['snat'] = True
    applied = _converge(spaces, dict(snat, generation=300.0))
    assert 'routers: 0 floating IP(s), 1 gateway(s), 1 SNAT address(es)' in applied['actions'], applied
    assert _source_seen_outside(spaces, 'b') == SNAT_IP
    assert _source_seen_outside(spaces, 'a') == SNAT_IP
    assert _ping(spaces['b'], '203.0.113.1').returncode == 0
    assert _ping(spaces['ext'], PORTS['b'][2]).returncode != 0     # nothing reaches a fixed address from outside
    assert (_converge(spaces, dict(snat, generation=301.0))['changed']) is False
    # enable_snat off again: it stays inside
    snat['external'][0]['sources'][0]['snat'] = False
    _converge(spaces, dict(snat, generation=302.0))
    assert _source_seen_outside(spaces, 'b', timeout=1) == 'nothing'
    assert SNAT_IP not in spaces['host'].run(['ip', '-o', 'addr', 'show']).stdout
