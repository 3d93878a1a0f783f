"""Remote consoles on the controller side: Nova's checks and nova-consoleauth's tokens (SQLite and MariaDB)."""

import hashlib
import subprocess

import pytest
import sqlalchemy as sa
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import all_actions as _all  # noqa: F401 (record_result)
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, consoles, instances
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InstanceNotReady, InvalidRequest, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}
PORTS = {'vnc': {'host': '127.0.0.1', 'port': 5901}, 'serial': [{'host': '127.0.0.1', 'port': 10042}]}
NOVNC = 'http://127.0.0.1:6080/vnc_lite.html'
SERIAL = 'ws://127.0.0.1:6080/'


def _ctx(admin=False, project='p1'):
    return Context(user_id='u1', project_id=project, is_admin=admin)


@pytest.fixture
def image(store, tmp_path):
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1')
    add_host(store, 'h2')
    return images.register(store, str(tmp_path / 'images'), 'img', disk, visibility='public')


def _server(store, image, vm_state=S.ACTIVE, **values):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': conductor.image_snapshot(image)})
    values = dict({'task_state': None, 'host': 'h1', 'node': 'h1'}, **values)
    return instances.update(store, inst['uuid'], vm_state=vm_state, **values)


def test_check_builds_the_read_only_host_call_in_novas_order(store, image):
    inst = _server(store, image)
    row, call = consoles.check(store, inst['uuid'], _ctx(), 'vnc', 'novnc')
    assert (call['module'], call['host'], call['server']) == ('console_ports', 'h1', inst['uuid'])
    assert set(call['instance']) == {'uuid', 'name'}
    # nothing recorded: a console URL is no instance action
    assert instances.list_actions(store, inst['uuid']) == []
    # another project's server is not there; an admin gets it
    with pytest.raises(NotFound):
        consoles.check(store, inst['uuid'], _ctx(project='p2'), 'vnc', 'novnc')
    consoles.check(store, inst['uuid'], _ctx(admin=True, project='p2'), 'serial', 'serial')
    # types: Nova's ConsoleTypeUnavailable (a protocol not enabled) and ConsoleTypeInvalid (a type it lacks)
    with pytest.raises(InvalidRequest, match=r'^Unavailable console type spice-html5\.$'):
        consoles.check(store, inst['uuid'], _ctx(), 'spice', 'spice-html5')
    with pytest.raises(InvalidRequest, match=r'^Invalid console type xvpvnc$'):
        consoles.check(store, inst['uuid'], _ctx(), 'vnc', 'xvpvnc')
    with pytest.raises(InvalidRequest, match=r'^Invalid console type novnc$'):
        consoles.check(store, inst['uuid'], _ctx(), 'serial', 'novnc')


@pytest.mark.parametrize('vm_state,values,error', [
    (S.STOPPED, {}, InstanceNotReady),
    (S.SUSPENDED, {}, InstanceNotReady),
    (S.BUILDING, {'host': None, 'node': None}, InstanceNotReady),
    (S.ACTIVE, {'task_state': S.DELETING}, InstanceInvalidState),
    (S.ACTIVE, {'task_state': 'migrating'}, InstanceInvalidState),
])
def test_check_refuses_a_server_without_a_running_console(store, image, vm_state, values, error):
    inst = _server(store, image, vm_state=vm_state, **values)
    with pytest.raises(error) as exc:
        consoles.check(store, inst['uuid'], _ctx(), 'vnc', 'novnc')
    assert exc.value.code == 409


def test_paused_and_rescued_servers_have_consoles(store, image):
    for vm_state in (S.PAUSED, S.RESCUED):
        inst = _server(store, image, vm_state=vm_state)
        consoles.check(store, inst['uuid'], _ctx(), 'vnc', 'novnc')


def test_token_is_random_stored_hashed_and_in_novas_url_shape(store, image):
    inst = _server(store, image)
    out = consoles.authorize(store, inst, 'novnc', PORTS, NOVNC, ttl=600, now=1000)
    assert out['url'] == NOVNC + '?path=%3Ftoken%3D' + out['token']
    assert (out['host'], out['port'], out['expires']) == ('127.0.0.1', 5901, 1600)
    serial = consoles.authorize(store, inst, 'serial', PORTS, SERIAL, ttl=600, now=1000)
    assert serial['url'] == SERIAL + '?token=' + serial['token'] and serial['port'] == 10042
    assert out['token'] != serial['token'] and len(out['token']) == 36
    with store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(table('console_auth_tokens')))]
    # only the SHA-256 is kept, never the token
    assert sorted(r['token_hash'] for r in rows) == sorted(
        hashlib.sha256(t.encode()).hexdigest() for t in (out['token'], serial['token']))
    assert all(out['token'] not in str(r) and serial['token'] not in str(r) for r in rows)
    row = consoles.validate(store, out['token'], now=1599)
    assert (row['instance_uuid'], row['host'], row['port'], row['console_type']) == (
        inst['uuid'], '127.0.0.1', 5901, 'novnc')


def test_token_validity_expiry_other_instance_and_cleanup(store, image):
    inst = _server(store, image)
    other = _server(store, image)
    token = consoles.authorize(store, inst, 'novnc', PORTS, NOVNC, ttl=10, now=1000)['token']
    assert consoles.validate(store, token, now=1009) is not None
    assert consoles.validate(store, token, now=1010) is None          # expired
    assert consoles.validate(store, token, instance_uuid=other['uuid'], now=1001) is None
    assert consoles.validate(store, token, console_type='serial', now=1001) is None
    for bad in ('', 'x' * 300, token.upper(), token + ' ', None, 42):
        assert consoles.validate(store, bad, now=1001) is None
    # a new authorization removes the expired ones
    consoles.authorize(store, other, 'novnc', PORTS, NOVNC, ttl=600, now=2000)
    with store.read() as conn:
        left = [r.instance_uuid for r in conn.execute(sa.select(table('console_auth_tokens')))]
    assert left == [other['uuid']]


def test_tokens_go_with_a_deleted_or_moved_server(store, image):
    inst = _server(store, image)
    token = consoles.authorize(store, inst, 'novnc', PORTS, NOVNC)['token']
    assert consoles.validate(store, token) is not None
    # moved to another host: void at once, and the one function removes them
    instances.update(store, inst['uuid'], host='h2', node='h2')
    assert consoles.validate(store, token) is None
    with store.begin() as conn:
        assert consoles.delete_for_instance(conn, inst['uuid']) == 1
    instances.update(store, inst['uuid'], host='h1', node='h1')
    token = consoles.authorize(store, inst, 'serial', PORTS, SERIAL)['token']
    # deleted through the conductor (the one delete path): its tokens are removed
    instances.update(store, inst['uuid'], task_state=S.DELETING)
    with store.begin() as conn:
        instances.action_start(conn, inst['uuid'], 'delete', 'req-del', 'u1', 'p1')
    conductor.record_result(store, inst['uuid'], 'delete', 'req-del', {'power_state': S.NOSTATE})
    assert consoles.validate(store, token) is None
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table('console_auth_tokens'))).scalar() == 0


def test_connect_address_and_a_domain_without_a_listener(store, image):
    inst = _server(store, image)
    with store.begin() as conn:
        conn.execute(table('compute_nodes').update().where(table('compute_nodes').c.host == 'h1')
                     .values(host_ip='192.0.2.7'))
    # a VNC server on every address: the proxy connects to the host's own address (Nova's proxyclient_address)
    wild = {'vnc': {'host': '0.0.0.0', 'port': 5900}, 'serial': []}
    assert consoles.authorize(store, inst, 'novnc', wild, NOVNC)['host'] == '192.0.2.7'
    with pytest.raises(InvalidRequest, match='Unavailable console type serial'):
        consoles.authorize(store, inst, 'serial', wild, SERIAL)
    with pytest.raises(InstanceNotReady):
        consoles.authorize(store, inst, 'novnc', {'vnc': None, 'serial': []}, NOVNC)
