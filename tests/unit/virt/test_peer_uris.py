"""How a compute host reaches another's libvirt for a live migration (virt/live_migration.py ``peer_uris``): over
SSH between hosts reached by SSH (virt/move.py ``ssh_libvirt_uri``, the login a resize's disk copy uses), else the
other host's libvirt URI or Nova's qemu+tcp default; and the domain's consoles moved to the destination's
address. The URIs and the XML only; tests/integration/test_ssh_moves.py
live-migrates a real guest between real sshd hosts with them."""

import os
import pwd
from urllib.parse import parse_qsl, urlsplit

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.compute import live_migration as controller
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.virt import live_migration as lm, move

SSH = {'key': '/etc/novalite/migration_ed25519', 'known_hosts': '/etc/novalite/known_hosts', 'user': 'nova'}


def _parts(uri):
    parts = urlsplit(uri)
    return parts.scheme, parts.netloc, parts.path, dict(parse_qsl(parts.query, strict_parsing=True))


def test_with_a_known_hosts_file_libssh_checks_the_key_against_it():
    uri, stream = lm.peer_uris({'host_ip': '10.0.0.12', 'ssh': True}, ssh=SSH)
    assert _parts(uri) == ('qemu+libssh2', 'nova@10.0.0.12', '/system', {
        'known_hosts': '/etc/novalite/known_hosts', 'known_hosts_verify': 'normal',
        'keyfile': '/etc/novalite/migration_ed25519', 'sshauth': 'privkey'})
    assert stream == 'tcp://10.0.0.12'


def test_without_one_the_ssh_client_and_its_own_known_hosts_in_batch_mode():
    uri = move.ssh_libvirt_uri('10.0.0.12', {'key': '/k/id', 'known_hosts': '', 'user': ''}, 'f')
    assert _parts(uri) == ('qemu+ssh', '%s@10.0.0.12' % pwd.getpwuid(os.geteuid()).pw_name, '/system',
                           {'no_tty': '1', 'no_verify': '0', 'keyfile': '/k/id'})
    assert _parts(move.ssh_libvirt_uri('10.0.0.12', None, 'f'))[3] == {'no_tty': '1', 'no_verify': '0'}


def test_ipv6_in_brackets_and_path_characters_escaped():
    ssh = dict(SSH, key='/etc/novalite/k+1@a=b%c,d:e')
    uri, stream = lm.peer_uris({'host_ip': 'fd00::12', 'ssh': True}, ssh=ssh)
    assert uri.startswith('qemu+libssh2://nova@[fd00::12]/system?')
    assert 'k%2B1%40a%3Db%25c%2Cd%3Ae' in uri and '+' not in uri.split('?')[1]
    assert _parts(uri)[3]['keyfile'] == ssh['key']
    assert stream == 'tcp://[fd00::12]'


def test_the_libvirt_uri_shape_is_kept():
    unix = 'qemu+unix:///system?socket=/srv/h2/run/libvirt-sock'
    assert lm.peer_uris({'libvirt_uri': unix, 'host_ip': '10.254.0.12', 'ssh': False}, ssh=SSH) == (
        unix, 'tcp://10.254.0.12')
    assert lm.peer_uris({'libvirt_uri': 'qemu:///system', 'host_ip': '10.0.0.12'}) == (
        'qemu+tcp://10.0.0.12/system', 'tcp://10.0.0.12')


@pytest.mark.parametrize('host_ip, ssh, field', [
    (None, SSH, 'live_migration.dest.host_ip'),
    ('compute2.example.org', SSH, 'live_migration.dest.host_ip'),
    ('10.0.0.12/system?keyfile=/x', SSH, 'live_migration.dest.host_ip'),
    ('10.0.0.12', dict(SSH, key='/a&known_hosts_verify=ignore'), 'migration_ssh.key'),
    ('10.0.0.12', dict(SSH, known_hosts='/k#x'), 'migration_ssh.known_hosts'),
    ('10.0.0.12', dict(SSH, user='root@10.0.0.99/'), 'migration_ssh.user'),
])
def test_bad_input_is_refused(host_ip, ssh, field):
    with pytest.raises(InvalidInput) as err:
        lm.peer_uris({'host_ip': host_ip, 'ssh': True}, ssh=ssh)
    assert err.value.field == field


def test_the_controller_asks_for_ssh_only_between_ssh_reached_hosts():
    a = {'host': 'c1', 'libvirt_uri': None, 'host_ip': '10.0.0.11'}
    b = {'host': 'c2', 'libvirt_uri': 'qemu:///system', 'host_ip': '10.0.0.12'}
    assert controller.peer(b, a) == {'libvirt_uri': 'qemu:///system', 'host_ip': '10.0.0.12', 'ssh': True}
    unix = dict(b, libvirt_uri='qemu+unix:///system?socket=/b/sock')
    assert controller.peer(unix, a) == {'libvirt_uri': unix['libvirt_uri'], 'host_ip': '10.0.0.12', 'ssh': False}


DOMAIN = '''<domain type="qemu"><name>i</name><devices>
<serial type="pty"><log file="/a/i/console.log"/></serial>
<serial type="tcp"><source mode="bind" host="10.0.0.11" service="10123"/><protocol type="raw"/></serial>
<graphics type="vnc" port="5900" autoport="yes" listen="10.0.0.11"><listen type="address" address="10.0.0.11"/>
</graphics></devices></domain>'''


def test_the_consoles_move_to_the_destination_address_and_port():
    from lxml import etree
    root = etree.fromstring(lm.rewrite_consoles(DOMAIN, {'vnc_listen': '10.0.0.12', 'serial_port': 10456}))
    assert root.find('devices/graphics').get('listen') == '10.0.0.12'
    assert root.find('devices/graphics/listen').get('address') == '10.0.0.12'
    assert dict(root.find("devices/serial[@type='tcp']/source").attrib) == {
        'mode': 'bind', 'host': '10.0.0.12', 'service': '10456'}
    assert root.find("devices/serial[@type='pty']/log").get('file') == '/a/i/console.log'
    assert lm.rewrite_consoles(DOMAIN, {}) == DOMAIN   # a destination that did not say: as it was


@pytest.mark.parametrize('dest, field', [
    ({'vnc_listen': '10.0.0.12"/><x a="', 'serial_port': 10456}, 'live_migration.dest.vnc_listen'),
    ({'vnc_listen': '10.0.0.12', 'serial_port': 22}, 'live_migration.dest.serial_port'),
    ({'vnc_listen': '10.0.0.12', 'serial_port': '10456'}, 'live_migration.dest.serial_port'),
])
def test_bad_console_settings_are_refused(dest, field):
    with pytest.raises(InvalidInput) as err:
        lm.rewrite_consoles(DOMAIN, dest)
    assert err.value.field == field
