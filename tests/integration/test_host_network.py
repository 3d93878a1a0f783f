# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Issue 12 on real guests: two servers on one tenant network on two namespaced compute hosts, all declared in
one desired-state file (converge.yml: the network, its subnet, the security group and the servers).

The hosts (lib/test_hosts.py, ``fabric=True``) reach each other only over the test's own fabric
namespace; the network's bridges, VXLAN, dnsmasqs and filters live in the hosts' namespaces
(their modules run there: ``inventory_vars``). Each guest gets exactly its fixed IP by DHCP (its
console line), pings the other (its user data script), and a security group without ICMP stops
that until a rule is added - which reaches the running guests through ``reconcile.yml``'s
re-plug, without a reboot.

Then a floating IP on the same guest: a namespace of the test's own stands for the external network (a flat
provider network on ``ext0`` in the first host's namespace); it pings the floating IP and the guest answers
(TTL 63: one routed hop, the DNAT to the guest - the host itself would answer with 64), and the guest's own pings
out arrive from the floating IP; disassociated, nothing answers, and the guest's pings out arrive from its host's
own address on the external network (the router's SNAT); with enable_snat off they do not leave.

Last, a cold migration of the guest to a host that has no port on its network: plugged there before the guest
starts, it gets its fixed IP from that host's dnsmasq, and the confirm takes the network off the host it left;
then a live migration back: plugged on the destination before the guest arrives, it answers there without a
reboot, and the host it left loses the network.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

import pytest
import yaml

from lib.novalite_env import TEST_IMAGE, VENV_BIN, NovaliteEnv
from lib.test_hosts import external_network, inventory_vars, libvirt_hosts, stop_fabric

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

CIDR = '10.77.0.0/24'
IPS = {'na': '10.77.0.21', 'nb': '10.77.0.22'}
EXT_CIDR, EXT_GATEWAY, FLOATING_IP = '203.0.113.0/24', '203.0.113.1', '203.0.113.50'


def _ping_script(*peers):
    # one line per attempt and peer, so the test sees a ping fail and then pass without a reboot
    body = ''.join('  if ping -c 1 -W 1 %s >/dev/null 2>&1; then echo "NOVALITE PING %s ok"; '
                   'else echo "NOVALITE PING %s fail"; fi\n' % (peer, peer, peer) for peer in peers)
    return '#!/bin/sh\nwhile true; do\n%s  sleep 1\ndone\n' % body


_ECHO_SOURCES = """
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.5)
seen, deadline = set(), time.time() + float(sys.argv[1])
while time.time() < deadline:
    try:
        packet = s.recv(2048)
    except socket.timeout:
        continue
    if packet[(packet[0] & 15) * 4] == 8:       # an echo request
        seen.add(socket.inet_ntoa(packet[12:16]))
print(' '.join(sorted(seen)))
"""


def _echo_sources(outside, seconds):
    """The source addresses of the echo requests the external network receives within ``seconds``."""
    out = outside.run([os.path.join(VENV_BIN, 'python'), '-c', _ECHO_SOURCES, str(seconds)])
    return out.stdout.split()


def _console(env, vm):
    try:
        with open(env.console_log(vm), errors='replace') as handle:
            return handle.read()
    except (IOError, OSError):
        return ''


def _wait(env, vm, pattern, timeout=120, after=0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = _console(env, vm)
        if re.search(pattern, text[after:]):
            return text
        time.sleep(0.5)
    raise AssertionError('%r not on the console of %s after %ss:\n%s' % (pattern, vm['display_name'], timeout,
                                                                         _console(env, vm)[-3000:]))


def _replug_task(run):
    """The host_network task's per-host lines of a reconcile.yml run."""
    part = run.output.split('Re-plug the host', 1)[1].split('TASK [', 1)[0]
    return re.findall(r'^(ok|changed|skipping|failed|fatal): \[([^\]]+)\]', part, re.M)


def test_two_guests_on_two_hosts_dhcp_ping_and_a_security_group_rule_without_reboot(tmp_path):
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import for_playbook
    from ansible_collections.novalite.compute.plugins.module_utils.network import (
        declared, floating_ips, host_plan, networks, routers, security_groups, subnets)
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    import sqlalchemy as sa

    python = os.path.join(VENV_BIN, 'python')
    with libvirt_hosts(2, prefix='nlnet', fabric=True) as hosts:
        names = [h.name for h in hosts]
        # the external network reaches the first host (na's) on its ext0
        outside = external_network(hosts[0], 'ext0', '%s/24' % EXT_GATEWAY)
        # (only the first host has an uplink to it: on the other the external network is a bridge of its own)
        host_vars = dict((h.name, dict(inventory_vars(h, python), **(
            {'novalite_physical_interface_mappings': {'physnet1': 'ext0'}} if h is hosts[0] else {})))
            for h in hosts)
        env = NovaliteEnv('sqlite:///%s' % (tmp_path / 'novalite.db'), hosts=names,
                          libvirt_uris=dict((h.name, h.uri) for h in hosts), host_vars=host_vars)
        try:
            store = env.setup()
            from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates
            for index, name in enumerate(names, 1):   # one zone per host: the two guests land apart
                aggregates.ensure(store, 'rack%d' % index, hosts=[name], availability_zone='az%d' % index)
            ctx = for_playbook(store)
            # one desired-state file declares the network, its subnet, the group and the two servers on them
            # (a network name that would be a disaster as an interface name or in a dnsmasq file: data only)
            net_name = 'net;$(reboot)\nx'
            desired = {'name': 'net-proof', 'security_groups': [{'name': 'no-icmp'}],
                       'networks': [{'name': net_name, 'subnets': [{'name': 'sub', 'cidr': CIDR}]}],
                       'servers': [{'name': name, 'flavor': 'm1.tiny', 'image': 'novalite-test',
                                    'availability_zone': zone, 'networks': [{'network': net_name, 'fixed_ip': IPS[name]}],
                                    'security_groups': ['no-icmp'], 'user_data': _ping_script(*peers)}
                                   for name, zone, peers in (('na', 'az1', (IPS['nb'], EXT_GATEWAY)),
                                                             ('nb', 'az2', (IPS['na'],)))]}
            desired_file = tmp_path / 'desired.yml'
            desired_file.write_text(yaml.safe_dump(desired))
            env.must('converge.yml', desired_state_file=str(desired_file))
            with store.begin() as conn:
                net = declared.find(conn, ctx, 'network', net_name)
                group = declared.find(conn, ctx, 'security_group', 'no-icmp')
            assert net['provider:segmentation_id'] is not None   # its VNI
            vms = dict((name, env.server(name)) for name in IPS)
            assert {vms['na']['host'], vms['nb']['host']} == set(names)

            # each guest gets exactly its fixed IP from its own host's dnsmasq
            for name, vm in vms.items():
                text = _wait(env, vm, r'NOVALITE (NO )?IP eth0')
                assert 'NOVALITE IP eth0 %s' % IPS[name] in text, text[-2000:]
            # no ICMP allowed in: both pings fail (three times each) ...
            marks = {}
            for name, vm in vms.items():
                peer = IPS['nb' if name == 'na' else 'na']
                text = _wait(env, vm, r'(NOVALITE PING %s fail[\s\S]*){3}' % re.escape(peer), timeout=60)
                assert 'NOVALITE PING %s ok' % peer not in text
                marks[name] = len(text)

            # the store: ports bound and plugged on their hosts, addresses in the server views
            with store.read() as conn:
                ports = conn.execute(sa.select(table('ports'))).all()
            compute = [p for p in ports if p.device_owner.startswith('compute:')]
            assert sorted((p.binding_host_id, p.binding_vif_type, p.status) for p in compute) == sorted(
                (vms[n]['host'], 'bridge', 'ACTIVE') for n in vms)
            dhcp = [p for p in ports if p.device_owner == 'network:dhcp']
            assert sorted(p.binding_host_id for p in dhcp) == sorted(names)   # one DHCP port per host
            for name in vms:
                info = env.server(name)['network_info']
                assert [ip['address'] for s in info[0]['network']['subnets'] for ip in s['ips']] == [IPS[name]]
            # the file again: networks, group and servers as they are, nothing changes
            again = env.must('converge.yml', desired_state_file=str(desired_file))
            assert again.changed == 0, again.output[-4000:]

            # on each host, in its own namespace: the bridge, the VXLAN to the other host, one dnsmasq
            bridge = host_plan.bridge_name(net['id'])
            vxlan = host_plan.vxlan_name(net['provider:segmentation_id'])
            for host in hosts:
                links = host.run(['ip', '-o', 'link', 'show']).stdout
                assert bridge in links and vxlan in links
                other = [h.address for h in hosts if h is not host][0]
                floods = re.findall(r'^00:00:00:00:00:00 dst (\S+)', host.run(['bridge', 'fdb', 'show', 'dev', vxlan]).stdout,
                                    re.M)
                assert floods == [other]   # head-end replication to the other host's fabric address
                pid_file = os.path.join(host.root, 'network', net['id'], 'pid')
                assert os.path.exists('/proc/%s' % open(pid_file).read().strip())
            import subprocess
            assert bridge not in subprocess.run(['ip', '-o', 'link', 'show'], capture_output=True,
                                                text=True, check=True).stdout   # nothing in the machine's own namespace

            # a rule: ICMP in; reconcile re-plugs (the filters are replaced); the running guests ping
            with store.begin() as conn:
                security_groups.create_rule(conn, ctx, {'security_group_rule': {
                    'security_group_id': group['id'], 'direction': 'ingress', 'ethertype': 'IPv4',
                    'protocol': 'icmp'}})
            started = time.time()
            run = env.must('reconcile.yml')
            assert sorted(h for state, h in _replug_task(run) if state == 'changed') == sorted(names), run.output[-3000:]
            for name, vm in vms.items():
                peer = IPS['nb' if name == 'na' else 'na']
                _wait(env, vm, r'NOVALITE PING %s ok' % re.escape(peer), timeout=60, after=marks[name])
            print('rule to effect: %.1fs (reconcile included)' % (time.time() - started))
            for name, vm in vms.items():   # no reboot: one boot line each
                assert _console(env, vm).count('NOVALITE TEST IMAGE BOOTED') == 1

            # desired state: a second re-plug changes nothing
            run = env.must('reconcile.yml')
            assert sorted(h for state, h in _replug_task(run) if state == 'ok') == sorted(names), run.output[-3000:]

            # a floating IP for na: an external flat network, a router with its gateway there and an interface on
            # the tenant subnet (the host holds its gateway address), the floating IP associated with na's port
            with store.begin() as conn:
                ext = networks.create(conn, ctx, {'network': {
                    'name': 'ext', 'router:external': True, 'provider:network_type': 'flat',
                    'provider:physical_network': 'physnet1'}})
                subnets.create(conn, ctx, {'subnet': {'network_id': ext['id'], 'cidr': EXT_CIDR, 'ip_version': 4,
                                                      'gateway_ip': EXT_GATEWAY, 'enable_dhcp': False}})
                router = routers.create(conn, ctx, {'router': {'name': 'r', 'external_gateway_info': {
                    'network_id': ext['id']}}})
                routers.add_interface(conn, ctx, router['id'], {'subnet_id': net['subnets'][0]})
                na_port = [p for p in compute if p.device_id == vms['na']['uuid']][0]
                fip = floating_ips.create(conn, ctx, {'floatingip': {
                    'floating_network_id': ext['id'], 'floating_ip_address': FLOATING_IP, 'port_id': na_port.id}})
            started = time.time()
            env.must('reconcile.yml')
            ping = outside.run(['ping', '-c', '3', '-W', '2', FLOATING_IP], check=False)
            assert ping.returncode == 0 and 'ttl=63' in ping.stdout, ping.stdout + ping.stderr
            print('floating IP to effect: %.1fs (reconcile included)' % (time.time() - started))
            na_host = hosts[0]
            assert '%s/32' % FLOATING_IP in na_host.run(['ip', '-o', 'addr', 'show', 'dev',
                                                         host_plan.bridge_name(ext['id'])]).stdout
            assert 'dnat to 10.77.0.21' in na_host.run(['nft', 'list', 'table', 'ip', 'novalite_nat']).stdout
            # desired state: converged again, nothing changes
            run = env.must('reconcile.yml')
            assert sorted(h for state, h in _replug_task(run) if state == 'ok') == sorted(names), run.output[-3000:]
            # na's own pings out leave from its floating IP
            assert _echo_sources(outside, 3) == [FLOATING_IP]
            # disassociated: the address and the NAT leave the host, nothing answers
            with store.begin() as conn:
                floating_ips.update(conn, ctx, fip['id'], {'floatingip': {'port_id': None}})
            env.must('reconcile.yml')
            ping = outside.run(['ping', '-c', '2', '-W', '1', FLOATING_IP], check=False)
            assert ping.returncode != 0, ping.stdout
            assert FLOATING_IP not in na_host.run(['ip', '-o', 'addr', 'show']).stdout
            assert 'dnat' not in na_host.run(['nft', 'list', 'ruleset']).stdout
            # ... and na still reaches the external network: the router has enable_snat (Neutron's default), so
            # its other traffic leaves SNATed to its host's own address there (that host's SNAT port)
            with store.read() as conn:
                snat = dict((p.binding_host_id, p.id) for p in conn.execute(sa.select(table('ports')).where(
                    table('ports').c.device_owner == host_plan.SNAT_OWNER)))
                snat_ip = conn.execute(sa.select(table('ip_allocations').c.ip_address).where(
                    table('ip_allocations').c.port_id == snat[na_host.name])).scalar()
            assert sorted(snat) == sorted(names)      # one per host with a port on the router's subnet
            mark = len(_console(env, vms['na']))
            _wait(env, vms['na'], r'NOVALITE PING %s ok' % re.escape(EXT_GATEWAY), timeout=60, after=mark)
            assert _echo_sources(outside, 3) == [snat_ip]
            # enable_snat off: nothing leaves from a fixed address
            with store.begin() as conn:
                routers.update(conn, ctx, router['id'], {'router': {'external_gateway_info': {
                    'network_id': ext['id'], 'enable_snat': False}}})
            env.must('reconcile.yml')
            assert _echo_sources(outside, 3) == []
            assert snat_ip not in na_host.run(['ip', '-o', 'addr', 'show']).stdout

            # a delete takes its host's reservation, bridge, VXLAN and dnsmasq away
            gone = [h for h in hosts if h.name == vms['nb']['host']][0]
            env.must('server.yml', server_name='nb', server_state='absent')
            assert bridge not in gone.run(['ip', '-o', 'link', 'show']).stdout
            assert not os.path.exists(os.path.join(gone.root, 'network', net['id']))
            with store.read() as conn:
                left = conn.execute(sa.select(table('ports'))).all()
            left = [p for p in left if p.device_owner.startswith('compute:') or p.device_owner == 'network:dhcp']
            assert sorted(p.binding_host_id for p in left) == [vms['na']['host']] * 2   # na's port + its DHCP port

            # a cold migration of na to that host, which has no network any more (its zone made na's first): the
            # port is plugged there before the guest starts (Nova's plug_vifs), the guest gets the same fixed IP
            # from that host's dnsmasq; the confirm takes the network off the host it left
            source = [h for h in hosts if h.name == vms['na']['host']][0]
            aggregates.ensure(store, 'rack2', hosts=[gone.name], availability_zone='az1')
            env.must('server_action.yml', server='na', action='migrate', host=gone.name, is_admin=True)
            moved = env.server('na')
            assert (moved['host'], moved['vm_state']) == (gone.name, 'resized'), moved
            text = _wait(env, moved, r'NOVALITE (NO )?IP eth0')
            assert 'NOVALITE IP eth0 %s' % IPS['na'] in text, text[-2000:]
            assert bridge in gone.run(['ip', '-o', 'link', 'show']).stdout
            env.must('server_action.yml', server='na', action='confirmResize', is_admin=True)
            assert env.server('na')['vm_state'] == 'active'
            assert not os.path.exists(os.path.join(source.root, 'network', net['id']))   # its dnsmasq gone
            assert bridge not in source.run(['ip', '-o', 'link', 'show']).stdout
            with store.read() as conn:
                left = [p for p in conn.execute(sa.select(table('ports'))).all()
                        if p.device_owner.startswith('compute:') or p.device_owner == 'network:dhcp']
            assert sorted(p.binding_host_id for p in left) == [gone.name] * 2

            # a live migration back (block: nothing shared): the ports are plugged on the destination before the
            # guest arrives (Nova's pre_live_migration), the guest runs on without a reboot and answers there
            # (from that host, which holds the router's address on the network), the host it left is pruned
            env.must('server_action.yml', server='na', action='live_migrate', host=source.name,
                     block_migration='true', is_admin=True)
            back = env.server('na')
            assert (back['host'], back['vm_state'], back['task_state']) == (source.name, 'active', None), back
            assert bridge in source.run(['ip', '-o', 'link', 'show']).stdout
            ping = source.run(['ping', '-c', '3', '-W', '2', IPS['na']], check=False)
            assert ping.returncode == 0, ping.stdout + ping.stderr
            assert 'NOVALITE TEST IMAGE BOOTED' not in _console(env, back)   # the same boot, moved
            assert bridge not in gone.run(['ip', '-o', 'link', 'show']).stdout
            assert not os.path.exists(os.path.join(gone.root, 'network', net['id']))
            with store.read() as conn:
                left = [p for p in conn.execute(sa.select(table('ports'))).all()
                        if p.device_owner.startswith('compute:') or p.device_owner == 'network:dhcp']
            assert sorted(p.binding_host_id for p in left) == [source.name] * 2
        finally:
            env.cleanup()
            stop_fabric(outside)
