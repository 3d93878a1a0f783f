# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Remote consoles end to end on real libvirt + QEMU: the URL from the unmodified `openstack console url show`,
the console proxy (websockify) started by `serve`, noVNC in a real headless Chromium showing the guest's
screen, the serial console echoing a line, tokens refused before anything reaches the host, and 20 sessions
at once that leave nothing behind.

One guest is shared by the module's tests: the test image paints its VGA console (tty0) blue with a banner
and echoes what it reads on its second serial port (ttyS1, the domain's TCP serial console).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import time
import uuid

import pytest
import sqlalchemy as sa
import websocket

from lib.console_browser import BLUE_SHARE_JS, chromium, profile, serial_echo, token_of
from lib.live_api import running
from lib.rfb import RfbClient, TcpTransport, WebSocketTransport, blue_share, wait_for_screen

from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.path.join(REPO, 'artifacts', 'console')
READY = 'NOVALITE CONSOLES READY'


@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


@pytest.fixture(scope='module')
def guest(live):
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                'console-vm', cloud='novalite-demo', until=['ACTIVE'])
    assert server['status'] == 'ACTIVE'
    try:
        live.wait_console(server['id'], READY)
    except AssertionError:
        with open(live.console_log(server['id']), errors='replace') as handle:
            raise AssertionError('the guest did not get its consoles ready:\n%s' % handle.read()[-3000:])
    return server


def _url(live, kind='--novnc', cloud='novalite-demo'):
    out = live.cli('console', 'url', 'show', kind, 'console-vm', cloud=cloud)
    return out['url']


def _ws_url(live, token):
    return 'ws://127.0.0.1:%d/?token=%s' % (live.cfg['console_proxy_port'], token)


def _post(live, ident, body, token, version):
    return live.http.call('POST', '/compute/v2.1/servers/%s/remote-consoles' % ident, body, token=token,
                          headers={'OpenStack-API-Version': 'compute %s' % version})


def _handshake_status(live, token, origin=None):
    """The HTTP status the proxy answers a websocket upgrade with (101: accepted)."""
    sock = socket.create_connection(('127.0.0.1', live.cfg['console_proxy_port']), 10)
    try:
        lines = ['GET /?token=%s HTTP/1.1' % token, 'Host: 127.0.0.1:%d' % live.cfg['console_proxy_port'],
                 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
                 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: binary']
        if origin:
            lines.append('Origin: %s' % origin)
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode('ascii'))
        return int(sock.recv(4096).split(b' ', 2)[1])
    finally:
        sock.close()


def _proxy_pid(live):
    """The console proxy: the child of the service process started with `console-proxy`."""
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as handle:
                ppid = int(handle.read().rsplit(')', 1)[1].split()[1])
            with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                cmdline = handle.read().split(b'\0')
        except (IOError, IndexError, ValueError):
            continue
        if ppid == live.proc.pid and b'console-proxy' in cmdline:
            return int(pid)
    raise AssertionError('no console proxy process under the service\n%s' % live.log())


def _threads_and_sockets(pid):
    threads = len(os.listdir('/proc/%d/task' % pid))
    sockets = 0
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            sockets += os.readlink('/proc/%d/fd/%s' % (pid, fd)).startswith('socket:')
        except OSError:
            pass
    return threads, sockets


def test_api_urls_microversions_errors_and_policy(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    status, _h, body = _post(live, ident, {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}, demo, '2.6')
    assert status == 200, body
    console = body['remote_console']
    assert (console['protocol'], console['type']) == ('vnc', 'novnc')
    base = 'http://127.0.0.1:%d/vnc_lite.html?path=%%3Ftoken%%3D' % live.cfg['console_proxy_port']
    assert console['url'].startswith(base)
    token = token_of(console['url'])
    assert len(token) == 36 and uuid.UUID(token)
    status, _h, body = _post(live, ident, {'remote_console': {'protocol': 'serial', 'type': 'serial'}}, demo,
                             '2.99')
    assert status == 200 and body['remote_console']['url'].startswith(
        'ws://127.0.0.1:%d/?token=' % live.cfg['console_proxy_port']), body
    # the token is kept hashed only
    store = live.store()
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(table('console_auth_tokens')))]
    store.dispose()
    assert rows and all(r['instance_uuid'] == ident and token not in str(r) for r in rows)
    assert all(r['expires'] - time.time() > 590 for r in rows)   # token_ttl 600 s

    # the old actions until 2.5, the new resource from 2.6
    status, _h, body = live.action(ident, {'os-getVNCConsole': {'type': 'novnc'}}, demo, '2.5')
    assert status == 200 and body['console']['type'] == 'novnc' and '?path=%3Ftoken%3D' in body['console']['url']
    status, _h, body = live.action(ident, {'os-getSerialConsole': {'type': 'serial'}}, demo)
    assert status == 200 and body['console']['url'].startswith('ws://'), body
    assert live.action(ident, {'os-getVNCConsole': {'type': 'novnc'}}, demo, '2.6')[0] == 404
    assert _post(live, ident, {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}, demo, '2.5')[0] == 404

    # Nova's 400s: a type the schema does not know, a protocol not enabled, a type the protocol lacks, rdp
    for version, console_body, text in (
            ('2.6', {'protocol': 'vnc', 'type': 'bogus'}, 'Invalid input'),
            ('2.6', {'protocol': 'mks', 'type': 'webmks'}, 'Invalid input'),
            ('2.8', {'protocol': 'mks', 'type': 'webmks'}, 'Unavailable console type webmks.'),
            ('2.6', {'protocol': 'spice', 'type': 'spice-html5'}, 'Unavailable console type spice-html5.'),
            ('2.6', {'protocol': 'vnc', 'type': 'xvpvnc'}, 'Invalid console type xvpvnc'),
            ('2.6', {'protocol': 'serial', 'type': 'novnc'}, 'Invalid console type novnc'),
            ('2.6', {'protocol': 'rdp', 'type': 'rdp-html5'}, 'Unavailable console type rdp.'),
            ('2.6', {'protocol': 'vnc', 'type': 'novnc', 'x': 1}, 'Invalid input')):
        status, _h, body = _post(live, ident, {'remote_console': console_body}, demo, version)
        assert status == 400 and text in body['badRequest']['message'], (console_body, body)
    assert live.action(ident, {'os-getVNCConsole': {}}, demo)[0] == 400
    assert live.action(ident, {'os-getSPICEConsole': {'type': 'spice-html5'}}, demo)[0] == 400
    # another project's server is not there; an admin gets its console
    other = live.token('other', 'other')
    assert _post(live, ident, {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}, other, '2.6')[0] == 404
    assert _post(live, ident, {'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}, live.token(),
                 '2.6')[0] == 200


def test_browser_shows_the_guest_screen_and_a_wrong_token_does_not_connect(live, guest):
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.time()
    url = _url(live)
    url_shown = time.time()
    driver = chromium(profile(live.root))
    os.makedirs(ARTIFACTS, exist_ok=True)
    try:
        driver.get(url)
        # noVNC's status line, then its canvas showing the guest's blue VGA console
        WebDriverWait(driver, 60).until(
            lambda d: d.find_element('id', 'status').text.startswith('Connected'))
        connected = time.time()
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(BLUE_SHARE_JS) > 0.5)
        painted = time.time()
        os.makedirs(ARTIFACTS, exist_ok=True)
        shot = os.path.join(ARTIFACTS, 'novnc-guest-screen.png')
        driver.save_screenshot(shot)
        print('\nconsole timing: url show %.2fs, noVNC connected %.2fs, guest screen painted %.2fs after the '
              'CLI started; screenshot %s' % (url_shown - started, connected - started, painted - started, shot))
        assert driver.execute_script(BLUE_SHARE_JS) > 0.5

        # the same page with a wrong token: refused at the handshake, nothing drawn
        bad = url.replace(token_of(url), str(uuid.uuid4()))
        driver.get(bad)
        # noVNC's words for a websocket refused at the handshake
        WebDriverWait(driver, 30).until(
            lambda d: 'connection is closed' in d.find_element('id', 'status').text)
        assert any('Unexpected response code: 403' in entry['message'] for entry in driver.get_log('browser'))
        time.sleep(1)
        assert not driver.find_element('id', 'status').text.startswith('Connected')
        assert driver.execute_script(BLUE_SHARE_JS) == 0
        driver.save_screenshot(os.path.join(ARTIFACTS, 'novnc-wrong-token.png'))
    except Exception:
        driver.save_screenshot(os.path.join(ARTIFACTS, 'novnc-failure.png'))
        print('\nbrowser failure at %s: status %r\nbrowser log: %s\nservice log:\n%s' % (
            driver.current_url, driver.find_element('id', 'status').text, driver.get_log('browser'), live.log()))
        raise
    finally:
        driver.quit()


def test_serial_console_echoes_a_line(live, guest):
    url = _url(live, '--serial')
    assert url.startswith('ws://127.0.0.1:%d/?token=' % live.cfg['console_proxy_port'])
    ws = websocket.create_connection(url, timeout=30, subprotocols=['binary'], suppress_origin=True)
    try:
        serial_echo(ws, 'hello-%s' % uuid.uuid4().hex[:8])
    finally:
        ws.close()


def test_tokens_are_refused_before_anything_reaches_the_host(live, guest):
    url = _url(live)
    token = token_of(url)
    port = live.cfg['console_proxy_port']
    assert _handshake_status(live, token) == 101
    # an unknown token, a token of another length, none: 403 at the handshake
    for bad in (str(uuid.uuid4()), token[:-1], token + 'x', ''):
        assert _handshake_status(live, bad) == 403, bad
    # Origin: the proxy's own host is fine, another refused, a wrong scheme refused
    assert _handshake_status(live, token, 'http://127.0.0.1:%d' % port) == 101
    assert _handshake_status(live, token, 'http://evil.example') == 403
    assert _handshake_status(live, token, 'ftp://127.0.0.1') == 403
    # expired: refused; an open session is closed at its token's expiry
    store = live.store()
    t = table('console_auth_tokens')
    from ansible_collections.novalite.compute.plugins.module_utils.compute.consoles import token_hash
    with store.begin() as conn:
        conn.execute(t.update().where(t.c.token_hash == token_hash(token)).values(expires=int(time.time()) - 1))
    assert _handshake_status(live, token) == 403
    short = token_of(_url(live))
    with store.begin() as conn:
        conn.execute(t.update().where(t.c.token_hash == token_hash(short)).values(expires=int(time.time()) + 3))
    store.dispose()
    client = RfbClient(WebSocketTransport(_ws_url(live, short))).handshake()
    client.framebuffer()
    opened = time.time()
    with pytest.raises((EOFError, websocket.WebSocketException, OSError)):
        while time.time() - opened < 30:
            client.framebuffer(incremental=True)
            time.sleep(0.2)
    assert time.time() - opened < 10
    client.close()
    # the refusals are in the proxy's log; no connection was made for them
    log = live.log()
    assert 'console refused' in log


def _domain(guest_id):
    """(domain name, VNC port, serial TCP source element) of the guest, read from libvirt."""
    import libvirt
    from lxml import etree
    conn = libvirt.open('qemu:///system')
    try:
        dom = conn.lookupByUUIDString(guest_id)
        doc = etree.fromstring(dom.XMLDesc(0).encode())
        return (dom.name(), int(doc.find("devices/graphics[@type='vnc']").get('port')),
                doc.find("devices/serial[@type='tcp']/source"))
    finally:
        conn.close()


def test_twenty_sessions_at_once_each_see_the_guest_and_leave_nothing(live, guest):
    pid = _proxy_pid(live)
    name = _domain(guest['id'])[0]
    urls = [_url(live) for _url_index in range(2)]
    time.sleep(1)
    before = _threads_and_sockets(pid)
    clients = []
    started = time.time()
    try:
        for i in range(20):
            clients.append(RfbClient(WebSocketTransport(_ws_url(live, token_of(urls[i % 2])))).handshake())
        for client in clients:
            # QEMU names the VNC desktop after the domain: each session reached this guest, and sees its screen
            assert name in client.name, client.name
            assert blue_share(client.framebuffer()) > 0.5
        during = _threads_and_sockets(pid)
        print('\n20 sessions: open and one full screen each in %.2fs; proxy threads/sockets %s before, %s during'
              % (time.time() - started, before, during))
        assert during[0] >= before[0] + 20 and during[1] >= before[1] + 40   # a thread, two sockets each
    finally:
        for client in clients:
            client.close()
    deadline = time.time() + 20
    while _threads_and_sockets(pid) != before and time.time() < deadline:
        time.sleep(0.5)
    assert _threads_and_sockets(pid) == before, (before, _threads_and_sockets(pid))


def test_direct_vnc_is_the_same_screen(live, guest):
    """What the proxy showed is the guest's own VNC server (read directly on the host's console address)."""
    name, port, serial = _domain(guest['id'])
    assert serial.get('host') == '127.0.0.1' and 10000 <= int(serial.get('service')) < 20000
    direct = RfbClient(TcpTransport('127.0.0.1', port)).handshake()
    proxied = RfbClient(WebSocketTransport(_ws_url(live, token_of(_url(live))))).handshake()
    try:
        assert name in direct.name and direct.name == proxied.name
        assert (direct.width, direct.height) == (proxied.width, proxied.height)
        wait_for_screen(direct, lambda r: blue_share(r) > 0.5)
        assert blue_share(proxied.framebuffer()) > 0.5
    finally:
        direct.close()
        proxied.close()


def test_playbook_prints_a_url_the_proxy_accepts(live, guest):
    """playbooks/console.yml (the console module, the console_ports host read) against the same store."""
    import json
    import re
    import subprocess
    base = 'http://127.0.0.1:%d/vnc_lite.html' % live.cfg['console_proxy_port']
    extra = {'server': guest['id'], 'type': 'novnc', 'base_url': base, 'project_id': 'demo', 'is_admin': False,
             'novalite_database_url': live.cfg['database_url']}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
               NOVALITE_INSTANCE_NAME_TEMPLATE=live.cfg['instance_name_template'])
    cmd = [os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-i', live.cfg['inventory'],
           os.path.join(REPO, 'playbooks', 'console.yml'), '-e', json.dumps(extra)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    url = re.search(r'novnc console: (http://\S+?)"', proc.stdout).group(1)
    assert url.startswith(base + '?path=%3Ftoken%3D')
    client = RfbClient(WebSocketTransport(_ws_url(live, token_of(url)))).handshake()
    try:
        assert _domain(guest['id'])[0] in client.name
    finally:
        client.close()
    # another project's server is not found; nothing is made
    extra.update(project_id='other')
    proc = subprocess.run(cmd[:-1] + [json.dumps(extra)], capture_output=True, text=True, env=env, timeout=300,
                          cwd=REPO, check=False)
    assert proc.returncode != 0 and 'could not be found' in proc.stdout, proc.stdout[-3000:]


def test_diagnostics_of_the_running_guest_then_409_when_stopped(live, guest):
    """GET /servers/{id}/diagnostics (admin), read from the guest's running domain; sharing this module's guest,
    so it runs last: it stops the guest."""
    import libvirt
    ident = guest['id']
    admin = live.token()
    path = '/compute/v2.1/servers/%s/diagnostics' % ident
    status, _h, legacy = live.http.call('GET', path, token=admin)
    assert status == 200, legacy
    conn = libvirt.open('qemu:///system')
    try:
        dom = conn.lookupByUUIDString(ident)
        read_after = dom.blockStats('vda')[1]
        max_kib = dom.maxMemory()
    finally:
        conn.close()
    # the libvirt driver's flat form below 2.48: real counters of this guest
    assert legacy['cpu0_time'] > 0 and legacy['memory'] == max_kib
    assert 0 < legacy['vda_read'] <= read_after and legacy['vda_read_req'] > 0
    status, _h, body = live.http.call('GET', path, token=admin, headers={'OpenStack-API-Version': 'compute 2.48'})
    assert status == 200, body
    assert set(body) == {'state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime', 'config_drive', 'num_cpus',
                         'num_nics', 'num_disks', 'disk_details', 'cpu_details', 'nic_details', 'memory_details'}
    assert (body['state'], body['driver'], body['hypervisor_os']) == ('running', 'libvirt', 'linux')
    assert body['hypervisor'] in ('qemu', 'kvm') and body['num_cpus'] == len(body['cpu_details']) >= 1
    assert body['num_disks'] == len(body['disk_details']) >= 1 and body['disk_details'][0]['read_bytes'] > 0
    assert body['memory_details']['maximum'] == max_kib // 1024 and body['uptime'] >= 0
    # the unmodified CLI shows them too
    shown = live.cli('server', 'show', '--diagnostics', ident)
    # (the SDK asks 2.48: the standard form)
    assert (shown.get('driver'), shown.get('state')) == ('libvirt', 'running'), shown
    # admins only; a server that does not exist is 404
    assert live.http.call('GET', path, token=live.token('demo', 'demo'))[0] == 403
    assert live.http.call('GET', '/compute/v2.1/servers/%s/diagnostics' % uuid.uuid4(), token=admin)[0] == 404
    # a stopped guest has none: Nova's 409 naming the power state
    live.cli('server', 'stop', ident, as_json=False)
    live.wait_status(ident, admin, ('SHUTOFF',))
    status, _h, body = live.http.call('GET', path, token=admin)
    assert status == 409 and body['conflictingRequest']['message'] == (
        "Cannot 'get_diagnostics' instance %s while it is in power state shutdown" % ident)
