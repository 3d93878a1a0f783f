# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Compute hosts reached as in production: over SSH (issue 14, "Hosts as in production").

Two namespaced libvirt hosts (tests/lib/test_hosts.py, ``ssh=True``) each run their own sshd on
their fabric address; the inventory (lib.test_hosts.ssh_inventory, the shape of
inventory/multihost-ssh.example.yml) reaches them through a ProxyCommand into the fabric's
namespace. The modules run on the hosts, with ``qemu:///system`` being each host's own libvirtd.
The hosts and the state store are shared by the module's tests, which run in order: register,
boot, the REST shim with consoles on both hosts, a host failure, delete.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import subprocess
import time

import pytest
import websocket

from lib.api_service import REPO, VENV_BIN, free_port, openstack
from lib.novalite_env import TEST_IMAGE, NovaliteEnv, libvirt_state
from lib.test_hosts import libvirt_hosts, process_running

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)'),
              pytest.mark.skipif(not os.path.exists('/usr/sbin/sshd'), reason='openssh-server (bindep.txt)')]

# The hosts' own report (compute_host.yml's reporter): a heartbeat every REPORT_INTERVAL seconds, and
# a host counts down DOWN_TIME seconds after its last one (Nova's report_interval and service_down_time,
# 10 and 60 by default; Nova raises a service_down_time not above report_interval to 2.5 intervals).
REPORT_INTERVAL = 2
DOWN_TIME = 5


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    with libvirt_hosts(2, prefix='nlssh', ssh=True) as hosts:
        db = tmp_path_factory.mktemp('ssh-hosts') / 'novalite.db'
        env = NovaliteEnv('sqlite:///%s' % db, ssh_hosts=hosts)
        try:
            # identity first (keystone-manage bootstrap): the playbooks' "admin" project is then the one the
            # REST shim on this store (test_a_failed_host_goes_down) knows
            from novalite_api import accounts
            from lib.api_service import ADMIN_PASSWORD
            accounts.bootstrap(env.store(), ADMIN_PASSWORD)
            env.setup()    # register_hosts.yml over SSH
            yield hosts, env
        finally:
            env.cleanup()


def _ssh_state(host, uuid):
    """The domain's state as the host's own qemu:///system reports it, asked over SSH."""
    result = host.ssh(['virsh', '-c', 'qemu:///system', 'domstate', uuid], check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def _services(env):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as registry
    return dict((s['host'], s) for s in registry.list_services(env.store(), service_down_time=DOWN_TIME))


def test_hosts_register_and_report_over_ssh(cloud):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as registry
    hosts, env = cloud
    nodes = dict((n['host'], n) for n in registry.list_nodes(env.store()))
    assert sorted(nodes) == sorted(h.name for h in hosts)
    for host in hosts:
        node = nodes[host.name]
        # read on the host itself: its libvirt's host name is the namespaced host's
        assert node['hypervisor_hostname'] == host.name, node
        assert (node['state'], node['host_ip']) == ('up', host.address), node
    # the hosts' own periodic report, installed over SSH, runs on each host
    env.must('compute_host.yml', compute_host_report_interval=REPORT_INTERVAL)
    before = dict((name, s['updated_at']) for name, s in _services(env).items())
    for host in hosts:
        with open(os.path.join(host.root, 'novalite', 'compute-report.pid')) as handle:
            reporter = int(handle.read().strip())
        assert process_running(reporter)
        assert os.readlink('/proc/%d/ns/mnt' % reporter) == host.mount_ns   # in the host's namespaces
    deadline = time.time() + 4 * REPORT_INTERVAL
    while time.time() < deadline:
        now = _services(env)
        if all(now[h.name]['updated_at'] != before[h.name] for h in hosts):
            break
        time.sleep(0.5)
    else:
        raise AssertionError('no fresh heartbeats from the hosts\' reporters: %r -> %r' % (before, now))


def test_boot_onto_an_ssh_host_runs_on_its_own_libvirt(cloud):
    hosts, env = cloud
    env.must('server.yml', server_name='ssh1', flavor='m1.tiny', image='novalite-test')
    vm = env.server('ssh1')
    host = [h for h in hosts if h.name == vm['host']][0]
    other = [h for h in hosts if h is not host][0]
    assert (vm['vm_state'], vm['task_state']) == ('active', None)
    assert _ssh_state(host, vm['uuid']) == 'running'          # the host's qemu:///system, over SSH
    assert libvirt_state(vm['uuid'], host.uri) == 'running'   # the same libvirtd, from here
    assert libvirt_state(vm['uuid'], other.uri) is None
    assert libvirt_state(vm['uuid']) is None                  # not on this machine's own libvirt
    env.wait_for_console(vm)


@contextlib.contextmanager
def _console_proxy_on_the_fabric(live, fabric):
    """The console proxy where a real one runs: on a machine that reaches the hosts' console addresses.

    Here that is the fabric's network namespace (the proxy connects to 10.254.0.1x like any proxy to its
    hosts); users reach it through a relay on this machine's loopback (as through a load balancer).
    Yields the relay's port. Both are stopped by PID.
    """
    cfg_path = os.path.join(live.root, 'console-proxy.yml')
    with open(cfg_path, 'w') as handle:
        json.dump(live.cfg, handle)   # JSON is YAML
    port = live.cfg['console_proxy_port']
    relay_port = free_port()
    procs = []
    with open(os.path.join(live.root, 'console-proxy.log'), 'ab') as log:
        try:
            # nsenter without -p execs the program in place: each PID is the proxy's / the relay's own
            procs.append(subprocess.Popen(
                ['nsenter', '-t', str(fabric.pid), '-n', '--', os.path.join(VENV_BIN, 'python'), '-m', 'novalite_api',
                 '--config', cfg_path, 'console-proxy'], cwd=REPO, stdout=log, stderr=subprocess.STDOUT))
            procs.append(subprocess.Popen(
                ['socat', 'TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork' % relay_port,
                 'EXEC:nsenter -t %d -n nc -q 0 127.0.0.1 %d' % (fabric.pid, port)],
                stdout=log, stderr=subprocess.STDOUT))
            deadline = time.time() + 30
            while fabric.run(['nc', '-z', '127.0.0.1', str(port)], check=False).returncode != 0:
                assert time.time() < deadline and procs[0].poll() is None, 'the console proxy did not start'
                time.sleep(0.2)
            yield relay_port
        finally:
            for proc in procs:
                if proc.poll() is None:
                    os.kill(proc.pid, 15)
                proc.wait(timeout=10)


def _domain(host, server_id):
    """(domain name, its VNC listen address) from the host's libvirt."""
    import libvirt
    from lxml import etree
    conn = libvirt.open(host.uri)
    try:
        dom = conn.lookupByUUIDString(server_id)
        return dom.name(), etree.fromstring(dom.XMLDesc(0).encode()).find("devices/graphics[@type='vnc']").get('listen')
    finally:
        conn.close()


def test_the_api_service_over_ssh_hosts_and_consoles_on_each(cloud):
    """The REST shim with the same hosts in its inventory (its own store): its jobs reach them over SSH;
    a server on each host, and each one's console (VNC and serial, through the proxy) reaches its own guest."""
    from lib.console_browser import serial_echo, token_of
    from lib.live_api import running
    from lib.rfb import RfbClient, WebSocketTransport, blue_share, wait_for_screen
    hosts, _env = cloud
    with running(ssh_hosts=hosts, heartbeat_interval=0, console_proxy=False) as live:
        services = live.cli('compute', 'service', 'list')
        assert sorted((s['Host'], s['State']) for s in services) == sorted((h.name, 'up') for h in hosts)
        servers = {}
        for index, host in enumerate(hosts):   # both boots at once
            servers[host.name] = live.cli('--os-compute-api-version', '2.74', 'server', 'create', '--flavor',
                                          'm1.tiny', '--image', 'novalite-test-image', '--host', host.name,
                                          'api-ssh%d' % index)
        token = live.token()
        for host in hosts:
            server = servers[host.name] = live.wait_status(servers[host.name]['id'], token, ['ACTIVE'])
            assert server['OS-EXT-SRV-ATTR:host'] == host.name, server
            assert _ssh_state(host, server['id']) == 'running'
        with _console_proxy_on_the_fabric(live, hosts.fabric) as relay_port:
            for host in hosts:
                server = servers[host.name]
                live.wait_console(server['id'], 'NOVALITE CONSOLES READY')
                name, listen = _domain(host, server['id'])
                assert listen == host.address    # the host's console address, from the inventory
                url = live.cli('console', 'url', 'show', '--novnc', server['id'])['url']
                client = RfbClient(WebSocketTransport('ws://127.0.0.1:%d/?token=%s' % (relay_port, token_of(url))))
                try:
                    client.handshake()
                    assert name in client.name, (client.name, name)   # QEMU names the desktop after the domain
                    wait_for_screen(client, lambda r: blue_share(r) > 0.5)
                finally:
                    client.close()
                url = live.cli('console', 'url', 'show', '--serial', server['id'])['url']
                ws = websocket.create_connection('ws://127.0.0.1:%d/?token=%s' % (relay_port, token_of(url)),
                                                 timeout=30, subprotocols=['binary'], suppress_origin=True)
                try:
                    serial_echo(ws, host.name)
                finally:
                    ws.close()
        for host in hosts:
            server = servers[host.name]
            live.cli_then_wait('server', 'delete', server['id'], as_json=False, server=server['id'],
                               until=['DELETED'])
            assert _ssh_state(host, server['id']) is None
            assert not os.path.exists(os.path.join(host.instances_path, server['id']))


@contextlib.contextmanager
def _api_on(env, **settings):
    """The REST shim on the env's own store (identity bootstrapped by the fixture) and SSH inventory; yields
    what lib.api_service.openstack() takes. Stopped by PID."""
    from lib.api_service import service_config, start_service, stop_service, write_clouds
    workdir = os.path.join(env.root, 'api')
    os.makedirs(workdir)
    cfg = service_config(workdir, database_url=env.db_url, image_store=env.image_store, inventory=env.inventory,
                         console_proxy=False, **settings)
    clouds = write_clouds(os.path.join(workdir, 'clouds.yaml'), 'http://127.0.0.1:%d' % cfg['bind_port'],
                          (('novalite', 'admin', 'admin'),))
    proc, _log = start_service(workdir, cfg)
    try:
        yield {'clouds': clouds, 'workdir': workdir}
    finally:
        stop_service(proc)


def _cli_states(api):
    rc, out, err = openstack(api, 'compute', 'service', 'list')
    assert rc == 0, err
    return dict((s['Host'], s['State']) for s in out)


def test_a_failed_host_goes_down(cloud):
    hosts, env = cloud
    holder = [h for h in hosts if h.name == env.server('ssh1')['host']][0]
    failed = [h for h in hosts if h is not holder][0]
    assert set(s['state'] for s in _services(env).values()) == {'up'}
    with _api_on(env, heartbeat_interval=0, service_down_time=DOWN_TIME) as api:
        assert _cli_states(api) == dict((h.name, 'up') for h in hosts)
        _fail_host(env, holder, failed)
        # the unmodified CLI: nova-compute on the failed host is down, the other one up
        assert _cli_states(api) == {holder.name: 'up', failed.name: 'down'}
        # a second server: the RAM weigher would spread it onto the empty failed host; the scheduler skips it
        rc, server, err = openstack(api, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test',
                                    '--wait', 'ssh2')
        assert rc == 0 and server['status'] == 'ACTIVE', (err, server)
        assert server['OS-EXT-SRV-ATTR:host'] == holder.name
        assert _ssh_state(holder, server['id']) == 'running'
        rc, _out, err = openstack(api, 'server', 'delete', '--wait', server['id'], as_json=False)
        assert rc == 0, err
        assert _ssh_state(holder, server['id']) is None


def _fail_host(env, holder, failed):
    # the host fails: its libvirtd and sshd stop (by PID); its reporter finds libvirt gone
    libvirtd, sshd = failed.pid('libvirtd'), failed.sshd.pid
    os.kill(libvirtd, 15)
    os.kill(sshd, 15)
    failed_at = time.time()
    while process_running(libvirtd) or process_running(sshd):
        time.sleep(0.1)
    while _services(env)[failed.name]['state'] == 'up':
        assert time.time() - failed_at < DOWN_TIME + 2 * REPORT_INTERVAL, 'the failed host is still up'
        time.sleep(0.25)
    print('\nfailed host down after %.1fs (service_down_time %ss, report interval %ss)'
          % (time.time() - failed_at, DOWN_TIME, REPORT_INTERVAL))
    # the other host keeps reporting
    time.sleep(REPORT_INTERVAL)
    assert _services(env)[holder.name]['state'] == 'up'
    assert failed.ssh(['true'], check=False).returncode == 255   # no SSH login any more


def test_delete_over_ssh_removes_the_guests_from_their_host(cloud):
    hosts, env = cloud
    holder = [h for h in hosts if h.name == env.server('ssh1')['host']][0]
    uuid = env.server('ssh1')['uuid']
    env.must('server.yml', server_name='ssh1', server_state='absent')
    assert env.server(uuid)['vm_state'] == 'deleted'
    assert _ssh_state(holder, uuid) is None
    assert libvirt_state(uuid, holder.uri) is None
    assert not os.path.exists(os.path.join(holder.instances_path, uuid))
