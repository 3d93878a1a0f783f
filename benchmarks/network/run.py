#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Network benchmark: the Networking API and the hosts' networks, each against its floor in the same run.

    benchmarks/network/run [--runs 3] [--ports 100] [--concurrent-ports 200]

One namespaced compute host (tests/lib/test_hosts.py, ``ssh=True``) reached over SSH as production reaches one,
realising its networks in its own namespaces (bridge, VXLAN, dnsmasq and nftables there, never in the machine's
own namespace), is the compute host of a REST shim started as the tests start it (tests/lib/live_api.py, SQLite
store). Measured, medians of ``--runs``:

1. ports per second: ``POST /v2.0/ports`` on a /16 network through the HTTP API, from one client (``--ports``)
   and from ten at once (``--concurrent-ports`` in all). The floor is the same number of
   ``network.ports.create`` calls through the store layer in this process, one transaction each, from as many
   threads: what the API must do at least (quota, the network's lock, IPAM, the rows) without HTTP, token
   and Flask. The authenticated ``GET /v2.0/networks/{id}`` rate from as many clients is shown beside it: what
   any authenticated call costs. At the end every port must be listed by the API with one address of the
   subnet, no two alike, and MACs no two alike.
2. boot to the guest's address: ``POST /servers`` (m1.nano, the test image) with ``--network`` until the guest
   prints ``NOVALITE IP eth0 <address>`` (its DHCP lease from the host's dnsmasq; the address must be its
   port's), against the same boot with networks ``none`` until ``NOVALITE TEST IMAGE BOOTED``, and against the
   raw floor: ``qemu-img create`` + ``virsh create`` of that server's very domain XML on the same host to the
   same boot line (lib.guests.start_floor_copy), run when no other guest runs.
3. a security group rule to its effect: two guests on one network in a group without ICMP; the one starts a
   new ``ping -c 1 -W 1`` of the other every 0.2 s (its user data script) and prints ``NOVALITE PING ok`` for
   each answer. Timed from ``POST /v2.0/security-group-rules`` (ICMP in) to the first answer on its console
   (the API converges the host's filters before it answers), then the rule's ``DELETE`` until the answers stop;
   the floor is the same by hand: ``nft insert rule`` of an ICMP accept in the peer's ingress chain in the
   host's namespace to the first answer, and the ``nft delete rule``. Also the ``nft -f`` of the whole filter
   file novalite applies (the raw command of a converge). Resolution: the 0.2 s between pings.

Prints three tables with ratios. Needs root, libvirt and the built test image; it takes the shared heavy-test
lock.
"""

import argparse
import base64
import concurrent.futures
import fcntl
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

import novalite_api  # noqa: E402,F401  pylint: disable=unused-import
from lib.guests import BOOTED, destroy_domains, overlay_backing, read_console, start_floor_copy  # noqa: E402
from lib.live_api import running  # noqa: E402
from lib.test_hosts import libvirt_hosts  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'
NET = '/network/v2.0'
SERVERS = '/compute/v2.1/servers'
# a whole line (the console may hold half of one)
IP_LINE = re.compile(r'NOVALITE (NO )?IP eth0(?: (\S+))?\r?\n')
PING_OK = 'NOVALITE PING ok'
# a new ping (its own ICMP id) every 0.2 s: a conntrack entry of an earlier answered one never lets a later through
PING_SCRIPT = ('#!/bin/sh\nwhile true; do\n  (if ping -c 1 -W 1 %s >/dev/null 2>&1; then echo "NOVALITE PING ok"; '
               'else echo "NOVALITE PING fail"; fi) &\n  sleep 0.2\ndone\n')


def _call(live, method, path, body=None, token=None, expect=(200,), version=None):
    headers = {'OpenStack-API-Version': 'compute %s' % version} if version else None
    status, _h, out = live.http.call(method, path, body, token=token, headers=headers)
    if status not in expect:
        raise RuntimeError('%s %s: %s %s\n%s' % (method, path, status, out, live.log()[-3000:]))
    return out


def _rate(count, clients, one):
    """``one(index)`` for ``count`` indexes from ``clients`` threads at once: (calls per second, results)."""
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(one, range(count)))
    return count / (time.perf_counter() - started), results


# -- 1. ports per second ---------------------------------------------------------------------------------------

def port_rates(live, token, runs, sizes):
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import for_playbook
    from ansible_collections.novalite.compute.plugins.module_utils.network import ports
    store = live.store()
    ctx = for_playbook(store, project='demo', user='demo', is_admin=False)
    # Neutron's 500 ports of a project would end the run, not measure it
    _call(live, 'PUT', NET + '/quotas/%s' % ctx.project_id, {'quota': {'port': -1}}, token=live.token())
    net = _call(live, 'POST', NET + '/networks', {'network': {'name': 'bench-ports'}}, token, (201,))['network']
    subnet = _call(live, 'POST', NET + '/subnets', {'subnet': {
        'network_id': net['id'], 'cidr': '10.90.0.0/16', 'ip_version': 4, 'name': 'bench-ports'}}, token,
        (201,))['subnet']

    def post(index):
        return _call(live, 'POST', NET + '/ports', {'port': {'network_id': net['id'], 'name': 'api-%d' % index}},
                     token, (201,))['port']['id']

    def raw(index):
        with store.begin() as conn:
            return ports.create(conn, ctx, {'port': {'network_id': net['id'], 'name': 'raw-%d' % index}})['id']

    def get(_index):
        _call(live, 'GET', NET + '/networks/%s' % net['id'], token=token)

    made = [post(i) for i in range(5)]     # warm-up: the first calls open the workers' connections
    rows = dict((clients, {'api': [], 'floor': [], 'get': []}) for clients, _count in sizes)
    try:
        for run in range(runs):
            for clients, count in sizes:
                rate, ids = _rate(count, clients, post)
                rows[clients]['api'].append(rate)
                made.extend(ids)
                rate, ids = _rate(count, clients, raw)
                rows[clients]['floor'].append(rate)
                made.extend(ids)
                rows[clients]['get'].append(_rate(count, clients, get)[0])
                print('ports run %d, %d client(s): API %.1f/s, store layer %.1f/s, GET %.1f/s'
                      % (run + 1, clients, rows[clients]['api'][-1], rows[clients]['floor'][-1],
                         rows[clients]['get'][-1]), file=sys.stderr, flush=True)
    finally:
        store.dispose()
    # a benchmark that failed silently is worthless: every port is there, each with its own address and MAC
    listed = _call(live, 'GET', NET + '/ports?network_id=%s' % net['id'], token=token)['ports']
    by_id = dict((p['id'], p) for p in listed)
    missing = [i for i in made if i not in by_id]
    addresses = [ip['ip_address'] for p in listed for ip in p['fixed_ips']]
    macs = [p['mac_address'] for p in listed]
    import ipaddress
    cidr = ipaddress.ip_network(subnet['cidr'])
    if (missing or len(by_id) != len(made) or len(set(made)) != len(made)
            or any(len(p['fixed_ips']) != 1 or p['fixed_ips'][0]['subnet_id'] != subnet['id'] for p in listed)
            or len(set(addresses)) != len(addresses) or len(set(macs)) != len(macs)
            or any(ipaddress.ip_address(a) not in cidr for a in addresses)):
        raise RuntimeError('ports check failed: %d made, %d listed, %d missing, %d addresses (%d distinct), '
                           '%d MACs (%d distinct)' % (len(made), len(by_id), len(missing), len(addresses),
                                                      len(set(addresses)), len(macs), len(set(macs))))
    return rows, len(made)


# -- 2. boot to the guest's address ----------------------------------------------------------------------------

def _console_path(_live, host, ident):
    # the one host: known before the server is scheduled there
    return os.path.join(host.instances_path, ident, 'console.log')


def _until(path, pattern, started, timeout=300):
    """Seconds from ``started`` until ``pattern`` is on the console ``path``, and its match."""
    deadline = started + timeout
    while time.time() < deadline:
        match = re.search(pattern, read_console(path))
        if match:
            return time.time() - started, match
        time.sleep(0.05)
    raise RuntimeError('%r not on %s after %ss:\n%s' % (pattern, path, timeout, read_console(path)[-2000:]))


def _boot(live, token, name, networks, user_data=None):
    server = {'name': name, 'flavorRef': '42', 'imageRef': live.seeds['image']['id'], 'networks': networks}
    if user_data:
        server['user_data'] = base64.b64encode(user_data.encode()).decode()
    return _call(live, 'POST', SERVERS, {'server': server}, token, (202,), version='2.37')['server']['id']


def _delete(live, token, ids):
    for ident in ids:
        _call(live, 'DELETE', SERVERS + '/%s' % ident, token=token, expect=(204,))
    deadline = time.time() + 180
    for ident in ids:
        while live.http.call('GET', SERVERS + '/%s' % ident, token=token)[0] != 404:
            if time.time() > deadline:
                raise RuntimeError('server %s not deleted after 180s' % ident)
            time.sleep(0.1)


def _network_state(live, host):
    """What the host realised (its state dir, links, filters' size) and the service's log: why a guest got no
    address."""
    out = []
    state = os.path.join(host.root, 'network')
    for directory, _dirs, files in os.walk(state):
        for name in sorted(files):
            with open(os.path.join(directory, name), errors='replace') as handle:
                out.append('== %s\n%s' % (os.path.join(directory, name), handle.read()[-1500:]))
    out.append(host.run(['ip', '-o', 'addr', 'show'], check=False).stdout)
    out.append(host.run(['bridge', 'link', 'show'], check=False).stdout)
    out.append(live.log()[-3000:])
    return '\n'.join(out)


def boot_to_address(live, token, host, net_id, runs):
    rows = {'ip': [], 'ip_booted': [], 'none': [], 'floor': []}
    for run in range(runs):
        started = time.time()
        ident = _boot(live, token, 'bench-net-%d' % run, [{'uuid': net_id}])
        path = _console_path(live, host, ident)
        took, match = _until(path, IP_LINE, started)
        if match.group(1):
            raise RuntimeError('the guest got no address:\n%s\n%s' % (read_console(path)[-1500:],
                                                                      _network_state(live, host)))
        addresses = live.show(ident, token)['addresses']
        port_ips = [a['addr'] for nets in addresses.values() for a in nets]
        if port_ips != [match.group(2)]:
            raise RuntimeError('the guest says %s, its port has %s' % (match.group(2), port_ips))
        rows['ip'].append(took)
        rows['ip_booted'].append(_until(path, BOOTED, started)[0])
        _delete(live, token, [ident])

        started = time.time()
        ident = _boot(live, token, 'bench-none-%d' % run, 'none')
        rows['none'].append(_until(_console_path(live, host, ident), BOOTED, started)[0])
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        store = live.store()
        try:
            xml = instances.get(store, ident)['domain_xml']
        finally:
            store.dispose()
        backing = overlay_backing(xml)
        _delete(live, token, [ident])

        started = time.time()
        uuid, log, _created = start_floor_copy(xml, live.root, backing, uri=host.uri)
        try:
            rows['floor'].append(_until(log, BOOTED, started)[0])
        finally:
            destroy_domains([uuid], host.uri)
        print('boot run %d: --network to its IP line %.2fs (boot line %.2fs), no network to boot line %.2fs, '
              'raw virsh create to boot line %.2fs'
              % (run + 1, rows['ip'][-1], rows['ip_booted'][-1], rows['none'][-1], rows['floor'][-1]),
              file=sys.stderr, flush=True)
    return rows


# -- 3. a security group rule to its effect --------------------------------------------------------------------

def _oks(path):
    return read_console(path).count(PING_OK)


def _until_answered(path, before, started, timeout=60):
    while time.time() < started + timeout:
        if _oks(path) > before:
            return time.time() - started
        time.sleep(0.05)
    raise RuntimeError('no ping answered %ss after the rule:\n%s' % (timeout, read_console(path)[-2000:]))


def _until_quiet(path, count, started, quiet=3.0, timeout=60):
    """Seconds from ``started`` (when the console had ``count`` answers) to the last answer, once none came for
    ``quiet`` seconds."""
    last = started
    while time.time() < started + timeout:
        time.sleep(0.05)
        now = _oks(path)
        if now != count:
            count, last = now, time.time()
        elif time.time() - last >= quiet and time.time() - started >= quiet:
            return last - started
    raise RuntimeError('the pings are still answered %ss after the rule went' % timeout)


def _nft(host, *args):
    return host.run(['nft'] + list(args)).stdout


def rule_to_effect(live, token, host, net_id, runs):
    group = _call(live, 'POST', NET + '/security-groups', {'security_group': {'name': 'bench-no-icmp'}}, token,
                  (201,))['security_group']['id']
    made = [_call(live, 'POST', NET + '/ports', {'port': {'network_id': net_id, 'security_groups': [group]}}, token,
                  (201,))['port'] for _i in range(2)]
    peer_ip = made[0]['fixed_ips'][0]['ip_address']
    # one after the other: two boots on one host at once race their network converges (the later run can apply
    # a plan without the other's port: no reservation, no filter), which is not what this measures
    peer = _boot(live, token, 'bench-peer', [{'port': made[0]['id']}])
    live.wait_status(peer, token, ['ACTIVE'], timeout=300)
    pinger = _boot(live, token, 'bench-pinger', [{'port': made[1]['id']}], user_data=PING_SCRIPT % peer_ip)
    path = _console_path(live, host, pinger)
    for ident in (peer, pinger):
        ip_line = _until(_console_path(live, host, ident), IP_LINE, time.time())[1]
        if ip_line.group(1):
            raise RuntimeError('a guest got no address:\n%s' % _network_state(live, host))
    deadline = time.time() + 120
    while read_console(path).count('NOVALITE PING fail') < 5:
        if time.time() > deadline:
            raise RuntimeError('the guest does not ping:\n%s' % read_console(path)[-2000:])
        time.sleep(0.2)
    if _oks(path):
        raise RuntimeError('a ping was answered without an ICMP rule')
    filters = os.path.join(host.root, 'network', 'filters.nft')
    with open(filters) as handle:
        chain = re.search(r'chain (in-\d+) \{\n\s*# port %s ingress' % made[0]['id'], handle.read()).group(1)
    rows = dict((k, []) for k in ('api', 'api_call', 'api_gone', 'api_del_call', 'raw', 'raw_call', 'raw_gone',
                                  'raw_del_call', 'nft_f'))
    rule = {'security_group_rule': {'security_group_id': group, 'direction': 'ingress', 'ethertype': 'IPv4',
                                    'protocol': 'icmp'}}
    for run in range(runs):
        before, started = _oks(path), time.time()
        made_rule = _call(live, 'POST', NET + '/security-group-rules', rule, token, (201,))['security_group_rule']
        rows['api_call'].append(time.time() - started)
        rows['api'].append(_until_answered(path, before, started))
        before, started = _oks(path), time.time()
        _call(live, 'DELETE', NET + '/security-group-rules/%s' % made_rule['id'], token=token, expect=(204,))
        rows['api_del_call'].append(time.time() - started)
        rows['api_gone'].append(_until_quiet(path, before, started))

        before, started = _oks(path), time.time()
        _nft(host, 'insert', 'rule', 'inet', 'novalite_sg', chain, 'ip', 'protocol', 'icmp', 'return')
        rows['raw_call'].append(time.time() - started)
        rows['raw'].append(_until_answered(path, before, started))
        handle = re.search(r'ip protocol icmp return # handle (\d+)',
                           _nft(host, '-a', 'list', 'chain', 'inet', 'novalite_sg', chain)).group(1)
        before, started = _oks(path), time.time()
        _nft(host, 'delete', 'rule', 'inet', 'novalite_sg', chain, 'handle', handle)
        rows['raw_del_call'].append(time.time() - started)
        rows['raw_gone'].append(_until_quiet(path, before, started))

        started = time.time()
        _nft(host, '-f', filters)       # what a converge runs: both tables replaced in one transaction
        rows['nft_f'].append(time.time() - started)
        print('rule run %d: API %.2fs to the first answer (POST %.2fs), gone %.2fs after DELETE; raw nft %.2fs '
              '(command %.3fs), gone %.2fs; nft -f %.3fs'
              % (run + 1, rows['api'][-1], rows['api_call'][-1], rows['api_gone'][-1], rows['raw'][-1],
                 rows['raw_call'][-1], rows['raw_gone'][-1], rows['nft_f'][-1]), file=sys.stderr, flush=True)
    if read_console(path).count('NOVALITE TEST IMAGE BOOTED') != 1:
        raise RuntimeError('the pinging guest rebooted')
    _delete(live, token, [peer, pinger])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--ports', type=int, default=100, help='ports one client creates, per run')
    parser.add_argument('--concurrent-ports', type=int, default=200, help='ports ten clients create, per run')
    parser.add_argument('--parts', default='ports,boot,rule', help='which tables (ports, boot, rule)')
    args = parser.parse_args()
    parts = args.parts.split(',')
    wall = time.time()
    sizes = ((1, args.ports), (10, args.concurrent_ports))
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # reached over SSH as production reaches a compute host: its modules, and the dnsmasq they start, run in
        # its own namespaces under its sshd (a local connection's module would run inside the job's PID
        # namespace, whose processes all end with the run)
        with libvirt_hosts(1, prefix='nlbnet', ssh=True) as hosts:
            host = hosts[0]
            networking = {'novalite_host_networking': True,
                          'novalite_network_state_dir': os.path.join(host.root, 'network')}
            with running(ssh_hosts=hosts, host_vars={host.name: networking}) as live:
                token = live.token('demo', 'demo')
                port_rows = boot_rows = rule_rows = port_count = None
                if 'ports' in parts:
                    port_rows, port_count = port_rates(live, token, args.runs, sizes)
                net = _call(live, 'POST', NET + '/networks', {'network': {'name': 'bench-net'}}, token,
                            (201,))['network']['id']
                _call(live, 'POST', NET + '/subnets', {'subnet': {
                    'network_id': net, 'cidr': '10.91.0.0/24', 'ip_version': 4, 'name': 'bench-net'}}, token, (201,))
                # warm-up: the first boot copies the image into the host's _base
                _delete(live, token, [_boot(live, token, 'bench-warm', 'none')])
                if 'boot' in parts:
                    boot_rows = boot_to_address(live, token, host, net, args.runs)
                if 'rule' in parts:
                    rule_rows = rule_to_effect(live, token, host, net, args.runs)
    print()
    print('REST shim (SQLite store) in front of one namespaced compute host that realises its networks; TCG guests; '
          'medians of %d runs' % args.runs)
    if port_rows:
        print_ports(port_rows, port_count, sizes)
    if boot_rows:
        print_boot(boot_rows)
    if rule_rows:
        print_rule(rule_rows)
    print('total run time: %.0f s' % (time.time() - wall))


def print_ports(port_rows, port_count, sizes):
    print()
    print('1. POST /v2.0/ports, ports per second (%d ports made in all, each listed with its own address and MAC)'
          % port_count)
    print('| clients | ports per run | API POST /v2.0/ports | floor: store layer ports.create | ratio | '
          'API authenticated GET /v2.0/networks/{id} |')
    print('|---:|---:|---:|---:|---:|---:|')
    for clients, count in sizes:
        row = dict((k, statistics.median(v)) for k, v in port_rows[clients].items())
        print('| %d | %d | %.1f /s | %.1f /s | %.1fx | %.1f /s |'
              % (clients, count, row['api'], row['floor'], row['floor'] / row['api'], row['get']))
    print('floor: the same ports.create (quota, network lock, IPAM, rows; one transaction each) from as many threads '
          'in-process: all a port create must do, without HTTP, token and Flask; the GET rate is what any '
          'authenticated call costs through the same HTTP stack.')
    for clients, _count in sizes:
        # the rates fall run after run as the network fills (API and floor alike): the runs show by how much
        print('runs, %d client(s): API %s, floor %s' % (
            clients, ['%.1f' % v for v in port_rows[clients]['api']], ['%.1f' % v for v in port_rows[clients]['floor']]))


def print_boot(boot_rows):
    med = dict((k, statistics.median(v)) for k, v in boot_rows.items())
    print()
    print('2. boot (m1.nano, test image) to the guest on its console')
    print('| measure | seconds | vs no-network boot | vs raw floor |')
    print('|---|---:|---:|---:|')
    print('| server create --network -> NOVALITE IP eth0 <its port\'s address> (DHCP) | %.2f | %.2fx | %.2fx |'
          % (med['ip'], med['ip'] / med['none'], med['ip'] / med['floor']))
    print('| server create --network -> boot line | %.2f | %.2fx | %.2fx |'
          % (med['ip_booted'], med['ip_booted'] / med['none'], med['ip_booted'] / med['floor']))
    print('| server create, networks none -> boot line | %.2f | 1.00x | %.2fx |'
          % (med['none'], med['none'] / med['floor']))
    print('| raw floor: qemu-img create + virsh create of the same XML on the same host -> boot line | %.2f | | 1.00x |'
          % med['floor'])


def print_rule(rule_rows):
    rule = dict((k, statistics.median(v)) for k, v in rule_rows.items())
    print()
    print('3. security group rule (ICMP in) to its effect on a running guest pinging its peer every 0.2 s')
    print('| measure | novalite API | raw nft in the host\'s namespace | ratio |')
    print('|---|---:|---:|---:|')
    print('| rule added -> first ping answered on the guest\'s console | %.2f s | %.2f s | %.1fx |'
          % (rule['api'], rule['raw'], rule['api'] / rule['raw']))
    print('| the call itself (POST security-group-rules answered / nft insert rule) | %.3f s | %.3f s | %.1fx |'
          % (rule['api_call'], rule['raw_call'], rule['api_call'] / rule['raw_call']))
    print('| rule deleted -> last answer (DELETE / nft delete rule) | %.2f s | %.2f s | |'
          % (rule['api_gone'], rule['raw_gone']))
    print('| the delete call itself | %.3f s | %.3f s | %.1fx |'
          % (rule['api_del_call'], rule['raw_del_call'], rule['api_del_call'] / rule['raw_del_call']))
    print('| nft -f of the whole filter file (what the converge runs) | | %.3f s | |' % rule['nft_f'])


if __name__ == '__main__':
    main()
