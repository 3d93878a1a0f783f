# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs through the unmodified `openstack` CLI reach a real guest at once: the REST shim in front of a
namespaced compute host that realises its networks (lib/test_hosts.py), a namespace of the test's own standing
for the external network (a flat provider network on the host's ``ext0``).

``server add floating ip`` converges the host before the answer: the external namespace pings the floating IP
and the guest answers (TTL 63: routed once by the host, so the guest and not the host); after ``server remove
floating ip`` nothing answers, and a second converge of the host changes nothing.

On the same running guest, interface hot-plug (Nova's os-interface): ``server add port`` and ``server add
network`` give the guest a new NIC that leases the port's fixed IP by DHCP (its console's ``NOVALITE IP eth1
<address>``), shown by ``server show`` and ``port list --server``, in libvirt's live and persistent domain;
``server remove port`` / ``remove network`` take the NIC out of the domain and the port off the server
(unbound, or deleted when Nova made it), and the host's bridge of a network left with no port goes; a locked
server and another project's port are refused.

The host is reached with a local connection, so every job's modules run in the job's PID namespace: the dnsmasq
the boot job starts, and the one the ``server add network`` job starts for the new network, are alive (by the PID
in their PID files, in the host's network namespace) after those jobs' runs ended, and the guest leases from them
afterwards (novalite_api/host_launcher.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import libvirt
import pytest
from lxml import etree

from lib.live_api import running
from lib.novalite_env import TEST_IMAGE, VENV_BIN
from lib.test_hosts import external_network, inventory_vars, libvirt_hosts, stop_fabric

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

DEMO = 'novalite-demo'


def _ping(outside, address, count=1):
    return outside.run(['ping', '-c', str(count), '-W', '1', address], check=False)


def _until(what, check, timeout=120):
    deadline = time.time() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.time() < deadline, 'timed out waiting for %s' % what
        time.sleep(0.5)


def _macs(host, server_id):
    """The MACs of the domain's NICs: (live, persistent), read from the host's libvirt."""
    conn = libvirt.open(host.uri)
    try:
        dom = conn.lookupByUUIDString(server_id)
        return tuple(sorted(etree.fromstring(dom.XMLDesc(flags).encode()).xpath('/domain/devices/interface/mac/@address'))
                     for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE))
    finally:
        conn.close()


def _last_request(live, server_id, action):
    """The request id of the server's latest ``action``."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return [a for a in instances.list_actions(store, server_id) if a['action'] == action][-1]['request_id']
    finally:
        store.dispose()


def _job_ended(live, request_id):
    """Wait until the worker closed the job of ``request_id``: its ansible run (a PID namespace) has ended."""
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    jobs = table('api_jobs')
    store = live.store()
    try:
        def status():
            with store.read() as conn:
                row = conn.execute(sa.select(jobs.c.status).where(jobs.c.ident == request_id)).first()
            return row is not None and row.status in ('successful', 'failed') and row.status
        return _until('the job %s closed' % request_id, status)
    finally:
        store.dispose()


def _dnsmasq(live, host, network_name):
    """The PID of the host's dnsmasq serving the network (from its PID file, checked against its command line
    and the host's network namespace), or None."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import daemons
    net_id = live.cli('network', 'show', network_name, cloud=DEMO)['id']
    pid = daemons.dnsmasq_pid(os.path.join(host.root, 'network', net_id, daemons.CONF_NAME))
    if pid is None or os.stat('/proc/%d/ns/net' % pid).st_ino != os.stat('/proc/%d/ns/net' % host.ns_pid).st_ino:
        return None
    return pid


def _console(live, host, server_id):
    with open(os.path.join(live.instances_paths[host.name], server_id, 'console.log'), errors='replace') as handle:
        return handle.read()


def _interfaces(live, host, server):
    """server add/remove port and network on the running guest (see the module docstring)."""
    live.cli('network', 'create', 'net2', cloud=DEMO)
    live.cli('subnet', 'create', '--network', 'net2', '--subnet-range', '10.79.0.0/24', 'sub2', cloud=DEMO)
    first = live.cli('port', 'list', '--server', server['id'], cloud=DEMO)
    assert len(first) == 1
    first_mac = first[0]['MAC Address']
    port = live.cli('port', 'create', '--network', 'net', 'extra', cloud=DEMO)
    address = port['fixed_ips'][0]['ip_address']
    started = time.time()
    live.cli('server', 'add', 'port', server['id'], port['id'], as_json=False, cloud=DEMO)
    took = time.time() - started
    # in libvirt before the answer, live and persistent
    assert _macs(host, server['id']) == (sorted([first_mac, port['mac_address']]),) * 2
    # the attach is a job: its run (a PID namespace, killed whole) ended, the network's dnsmasq serves on
    assert _job_ended(live, _last_request(live, server['id'], 'attach_interface')) == 'successful'
    serving = _dnsmasq(live, host, 'net')
    assert serving is not None
    _until('the guest leasing %s on eth1' % address,
           lambda: 'NOVALITE IP eth1 %s' % address in _console(live, host, server['id']))
    print('server add port: %.1fs to the answer (NIC hot-plugged), then the guest leased %s in %.1fs'
          % (took, address, time.time() - started))
    assert _dnsmasq(live, host, 'net') == serving
    shown = live.cli('server', 'show', server['id'], cloud=DEMO)
    assert address in str(shown['addresses']) and shown['OS-EXT-STS:task_state'] is None
    listed = dict((p['ID'], p) for p in live.cli('port', 'list', '--server', server['id'], cloud=DEMO))
    assert set(listed) == {first[0]['ID'], port['id']}
    bound = live.cli('port', 'show', port['id'])
    assert (bound['device_id'], bound['status'], bound['binding_host_id'], bound['binding_vif_type']) == (
        server['id'], 'ACTIVE', host.name, 'bridge')
    # another NIC from a network: a new port Nova makes
    live.cli('server', 'add', 'network', server['id'], 'net2', as_json=False, cloud=DEMO)
    made = live.cli('port', 'list', '--server', server['id'], '--network', 'net2', cloud=DEMO)
    assert len(made) == 1
    made_address = made[0]['Fixed IP Addresses'][0]['ip_address']
    # net2's dnsmasq was started by this attach job (through the worker's launcher): alive after the job's run
    assert _job_ended(live, _last_request(live, server['id'], 'attach_interface')) == 'successful'
    serving2 = _dnsmasq(live, host, 'net2')
    assert serving2 is not None
    _until('the guest leasing %s on eth2' % made_address,
           lambda: 'NOVALITE IP eth2 %s' % made_address in _console(live, host, server['id']))
    assert _dnsmasq(live, host, 'net2') == serving2
    bridge2 = 'brq' + live.cli('network', 'show', 'net2', cloud=DEMO)['id'][:11]
    assert bridge2 in host.run(['ip', '-o', 'link', 'show']).stdout
    # refused: a locked server, another project's port, a port in use
    live.cli('server', 'lock', server['id'], as_json=False, cloud=DEMO)
    rc, _out, err = _cli(live, 'server', 'remove', 'port', server['id'], port['id'])
    assert rc != 0 and 'is locked' in err, err
    live.cli('server', 'unlock', server['id'], as_json=False, cloud=DEMO)
    live.cli('network', 'create', 'theirs', cloud='novalite-other')
    live.cli('subnet', 'create', '--network', 'theirs', '--subnet-range', '10.80.0.0/24', 'theirs', cloud='novalite-other')
    theirs = live.cli('port', 'create', '--network', 'theirs', 'theirs', cloud='novalite-other')
    rc, _out, err = _cli(live, 'server', 'add', 'port', server['id'], theirs['id'])
    assert rc != 0 and 'No Port found for %s' % theirs['id'] in err, err     # (the CLI looks it up first: 404)
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/os-interface' % server['id'],
                                      {'interfaceAttachment': {'port_id': theirs['id']}}, token=live.token('demo', 'demo'))
    assert status == 404 and 'Port id %s could not be found.' % theirs['id'] in str(body), body
    rc, _out, err = _cli(live, 'server', 'add', 'port', server['id'], port['id'])
    assert rc != 0 and 'is still in use' in err, err
    # detach: gone from the domain (live and persistent), the addresses, the port unbound
    live.cli('server', 'remove', 'port', server['id'], port['id'], as_json=False, cloud=DEMO)
    _until('the port unbound', lambda: live.cli('port', 'show', port['id'])['device_id'] == '')
    assert port['mac_address'] not in str(_macs(host, server['id']))
    left = live.cli('port', 'show', port['id'])
    assert (left['status'], left['binding_host_id'], left['device_owner']) == ('DOWN', '', '')
    assert address not in str(live.cli('server', 'show', server['id'], cloud=DEMO)['addresses'])
    live.cli('server', 'remove', 'network', server['id'], 'net2', as_json=False, cloud=DEMO)
    _until('the made port deleted', lambda: not live.cli('port', 'list', '--network', 'net2', '--device-owner',
                                                         'compute:nova', cloud=DEMO))
    assert _macs(host, server['id']) == ([first_mac],) * 2
    assert bridge2 not in host.run(['ip', '-o', 'link', 'show']).stdout
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        inst = instances.get(store, server['id'])
        actions = [a for a in instances.list_actions(store, server['id'])
                   if a['action'] in ('attach_interface', 'detach_interface')]
    finally:
        store.dispose()
    assert (inst['task_state'], inst['vm_state'], [v['address'] for v in inst['network_info']]) == (
        None, 'active', [first_mac])
    assert [a['action'] for a in actions] == ['attach_interface'] * 2 + ['detach_interface'] * 2
    for act in actions:
        assert [(e['event'], e['result']) for e in act['events'] if e['event'].startswith('compute_')] == [
            ('compute_' + act['action'], 'Success')]


def _cli(live, *args):
    from lib.api_service import openstack
    return openstack(live.as_api(), *args, as_json=False, cloud=DEMO)


def test_server_add_and_remove_floating_ip_on_a_real_guest():
    python = os.path.join(VENV_BIN, 'python')
    with libvirt_hosts(1, prefix='nlfip', fabric=True) as hosts:
        host = hosts[0]
        outside = external_network(host, 'ext0', '203.0.113.1/24')
        try:
            host_vars = {host.name: dict(inventory_vars(host, python),
                                         novalite_physical_interface_mappings='physnet1:ext0')}
            with running(compute_hosts=hosts, host_vars=host_vars) as live:
                ext = live.cli('network', 'create', '--external', '--provider-network-type', 'flat',
                               '--provider-physical-network', 'physnet1', 'public')
                live.cli('subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24',
                         '--gateway', '203.0.113.1', '--no-dhcp', 'public-sub')
                live.cli('network', 'create', 'net', cloud=DEMO)
                live.cli('subnet', 'create', '--network', 'net', '--subnet-range', '10.78.0.0/24', 'sub', cloud=DEMO)
                live.cli('security', 'group', 'rule', 'create', '--protocol', 'icmp', 'default', cloud=DEMO)
                live.cli('router', 'create', 'r', cloud=DEMO)
                live.cli('router', 'set', '--external-gateway', 'public', 'r', as_json=False, cloud=DEMO)
                live.cli('router', 'add', 'subnet', 'r', 'sub', as_json=False, cloud=DEMO)
                server = live.cli('server', 'create', '--flavor', 'm1.tiny', '--image', live.seeds['image']['id'],
                                  '--network', 'net', '--wait', 'vm', cloud=DEMO)
                # the boot job started the network's dnsmasq: it serves on after the job's run ended
                assert _job_ended(live, _last_request(live, server['id'], 'create')) == 'successful'
                booted_dnsmasq = _dnsmasq(live, host, 'net')
                assert booted_dnsmasq is not None
                address = live.cli('floating', 'ip', 'create', ext['id'], cloud=DEMO)['floating_ip_address']
                started = time.time()
                live.cli('server', 'add', 'floating', 'ip', server['id'], address, as_json=False, cloud=DEMO)
                took = time.time() - started
                deadline = time.time() + 120       # the guest may still be booting: its DHCP, its route
                ping = _ping(outside, address)
                while ping.returncode != 0 and time.time() < deadline:
                    time.sleep(1)
                    ping = _ping(outside, address)
                assert ping.returncode == 0 and 'ttl=63' in ping.stdout, ping.stdout + ping.stderr + live.log()
                print('server add floating ip: %.1fs to the answer (host converged)' % took)
                shown = live.cli('server', 'show', server['id'], cloud=DEMO)
                assert address in str(shown['addresses'])
                # a second converge of the host changes nothing
                run = live.playbook('reconcile.yml')
                assert run.rc == 0, run.output[-3000:]
                replug = run.output.split('Re-plug the host', 1)[1].split('TASK [', 1)[0]
                assert 'ok: [%s]' % host.name in replug and 'changed:' not in replug, replug

                live.cli('server', 'remove', 'floating', 'ip', server['id'], address, as_json=False, cloud=DEMO)
                ping = _ping(outside, address, count=2)
                assert ping.returncode != 0, ping.stdout
                assert address not in host.run(['ip', '-o', 'addr', 'show']).stdout
                assert 'dnat' not in host.run(['nft', 'list', 'ruleset']).stdout
                _interfaces(live, host, server)
                live.cli('server', 'delete', '--wait', server['id'], as_json=False, cloud=DEMO)
        finally:
            stop_fabric(outside)
