"""Rebuild and console output on the controller side: Nova's checks, states and records (SQLite and MariaDB)."""

import subprocess

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images, keypairs
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    FlavorDiskSmallerThanImage, InstanceInvalidState, InstanceLocked, InstanceNotReady, InvalidInput,
)

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}
KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJk1kAKCpbmBWbHhHcLaQ1EbmIeVdKRHz1XUfsdl3xZz test'


def _ctx(admin=False, project='p1', user='u1'):
    return Context(user_id=user, project_id=project, is_admin=admin)


@pytest.fixture
def catalog(store, tmp_path):
    """Two images (one for another architecture), a 2 GiB one, a keypair and a host h1 (x86_64)."""
    image_store = str(tmp_path / 'images')
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    big = str(tmp_path / 'big.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', big, '2G'], check=True)
    add_host(store, 'h1')
    return {
        'first': images.register(store, image_store, 'first', disk, visibility='public'),
        'second': images.register(store, image_store, 'second', disk, visibility='public'),
        'arm': images.register(store, image_store, 'arm', disk, visibility='public',
                               properties={'hw_architecture': 'aarch64'}),
        'big': images.register(store, image_store, 'big', big, visibility='public'),
        'key': keypairs.import_key(store, 'u1', 'k1', KEY),
    }


def _server(store, catalog, vm_state=S.ACTIVE, **values):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm1', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': conductor.image_snapshot(catalog['first']),
                                       'metadata': {'old': '1'}, 'user_data': 'b2xk'})
    values = dict({'task_state': None, 'host': 'h1', 'node': 'h1'}, **values)
    return instances.update(store, inst['uuid'], vm_state=vm_state,
                            power_state=S.RUNNING if vm_state == S.ACTIVE else S.SHUTDOWN, **values)


def test_rebuild_same_image_keeps_identity_and_walks_nova_task_states(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rebuild', _ctx(),
                               rebuild_request={'image': 'first', 'name': 'vm1-new', 'metadata': {'new': '2'},
                                                'key_name': 'k1', 'user_data': 'bmV3', 'hostname': 'guest1'})
    row, call = out['server'], out['host_call']
    assert (row['uuid'], row['host'], row['instance_type_id'], row['project_id']) == (
        inst['uuid'], 'h1', '1', 'p1')
    assert (row['vm_state'], row['task_state'], row['status']) == (S.ACTIVE, S.REBUILD_SPAWNING, 'REBUILD')
    assert (row['display_name'], row['metadata'], row['key_name'], row['user_data'], row['hostname']) == (
        'vm1-new', {'new': '2'}, 'k1', 'bmV3', 'guest1')
    assert row['key_data'] == KEY
    # one host call: the instance module rebuilds once per request, then runs the domain
    assert (call['module'], call['action'], call['state'], call['rebuild']) == (
        'instance', 'rebuild', 'running', out['request_id'])
    assert call['instance']['image']['id'] == catalog['first']['id']
    assert call['instance']['user_data'] == 'bmV3' and call['preserve_ephemeral'] is False
    [action] = instances.list_actions(store, inst['uuid'])
    assert action['action'] == 'rebuild'
    done = conductor.record_result(store, inst['uuid'], 'rebuild', out['request_id'],
                                   {'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    assert (done['vm_state'], done['task_state'], done['status']) == (S.ACTIVE, None, 'ACTIVE')
    assert done['launched_at'] is not None


def test_rebuild_of_a_stopped_server_stays_stopped_and_error_becomes_active(store, catalog):
    stopped = _server(store, catalog, vm_state=S.STOPPED)
    out = server_actions.start(store, stopped['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'second'})
    assert out['server']['status'] == 'REBUILD' and out['host_call']['state'] == 'stopped'
    assert out['server']['image_ref'] == catalog['second']['id']
    done = conductor.record_result(store, stopped['uuid'], 'rebuild', out['request_id'], {'power_state': S.SHUTDOWN})
    assert (done['vm_state'], done['status']) == (S.STOPPED, 'SHUTOFF')
    broken = _server(store, catalog, vm_state=S.ERROR)
    out = server_actions.start(store, broken['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'first'})
    assert out['server']['status'] == 'REBUILD' and out['host_call']['state'] == 'running'
    done = conductor.record_result(store, broken['uuid'], 'rebuild', out['request_id'], {'power_state': S.RUNNING})
    assert done['status'] == 'ACTIVE'


def test_rebuild_failed_on_the_host_is_error_with_a_fault(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'first'})
    done = conductor.record_result(store, inst['uuid'], 'rebuild', out['request_id'],
                                   {'failed': True, 'msg': 'disk full'})
    assert (done['vm_state'], done['task_state']) == (S.ERROR, None)
    assert 'disk full' in instances.latest_fault(store, inst['uuid'])['message']


@pytest.mark.parametrize('request_, error, field', [
    ({'image': 'nope'}, InvalidInput, 'image'),
    ({'image': 'big'}, FlavorDiskSmallerThanImage, 'flavor'),
    ({'image': 'first', 'key_name': 'nokey'}, InvalidInput, 'key_name'),
    ({'image': 'first', 'name': ' padded '}, InvalidInput, 'name'),
    ({'image': 'first', 'color': 'red'}, InvalidInput, 'color'),
])
def test_bad_rebuild_input_changes_nothing(store, catalog, request_, error, field):
    inst = _server(store, catalog)
    with pytest.raises(error) as err:
        server_actions.start(store, inst['uuid'], 'rebuild', _ctx(), rebuild_request=request_)
    assert err.value.field == field
    after = instances.get(store, inst['uuid'])
    assert (after['task_state'], after['display_name'], after['image_ref']) == (None, 'vm1', catalog['first']['id'])
    assert instances.list_actions(store, inst['uuid']) == []


@pytest.mark.parametrize('vm_state,ok', [(S.ACTIVE, True), (S.STOPPED, True), (S.ERROR, True),
                                         (S.PAUSED, False), (S.SUSPENDED, False), (S.BUILDING, False)])
def test_rebuild_allowed_states_are_novas(vm_state, ok):
    inst = {'uuid': 'u', 'vm_state': vm_state, 'task_state': None, 'locked': False}
    if ok:
        action_table.check_action(inst, 'rebuild', _ctx())
    else:
        with pytest.raises(InstanceInvalidState):
            action_table.check_action(inst, 'rebuild', _ctx())


def test_rebuild_refused_when_locked_busy_or_never_placed(store, catalog):
    inst = _server(store, catalog, locked=True)
    with pytest.raises(InstanceLocked):
        server_actions.start(store, inst['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'first'})
    busy = _server(store, catalog, task_state=S.POWERING_OFF)
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, busy['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'first'})
    nowhere = _server(store, catalog, vm_state=S.ERROR, host=None)
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, nowhere['uuid'], 'rebuild', _ctx(), rebuild_request={'image': 'first'})
    other = _ctx(project='p2')
    with pytest.raises(Exception) as err:
        server_actions.start(store, busy['uuid'], 'rebuild', other, rebuild_request={'image': 'first'})
    assert getattr(err.value, 'code', None) == 404


def test_new_image_the_host_cannot_run_is_novas_no_valid_host(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rebuild', _ctx(),
                               rebuild_request={'image': 'arm', 'name': 'renamed'})
    assert out['host_call'] is None
    row = instances.get(store, inst['uuid'])
    # Nova: ERROR, task state cleared, the old image kept, the scheduler's reason as the fault
    assert (row['vm_state'], row['task_state'], row['image_ref']) == (S.ERROR, None, catalog['first']['id'])
    assert row['display_name'] == 'renamed'
    fault = instances.latest_fault(store, inst['uuid'])
    assert fault['message'].startswith('No valid host was found.') and 'ImagePropertiesFilter' in fault['message']
    # the same image is not checked again (Nova schedules only for a new image)
    again = _server(store, catalog, image=conductor.image_snapshot(catalog['arm']), image_ref=catalog['arm']['id'])
    assert server_actions.start(store, again['uuid'], 'rebuild', _ctx(),
                                rebuild_request={'image': 'arm'})['host_call'] is not None


def test_rebuild_check_mode_writes_nothing(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rebuild', _ctx(), check_mode=True,
                               rebuild_request={'image': 'second'})
    assert out['host_call'] is None
    after = instances.get(store, inst['uuid'])
    assert (after['task_state'], after['image_ref']) == (None, catalog['first']['id'])


def test_console_output_is_a_read_of_the_host(store, catalog):
    inst = _server(store, catalog, vm_state=S.STOPPED, locked=True)
    out = server_actions.start(store, inst['uuid'], 'console_output', _ctx(), length=10)
    call = out['host_call']
    assert (call['module'], call['host'], call['length'], sorted(call['instance'])) == (
        'console_log', 'h1', 10, ['name', 'uuid'])
    assert server_actions.start(store, inst['uuid'], 'console_output', _ctx(), length=-1)['host_call']['length'] is None
    # nothing recorded, before or after
    assert instances.list_actions(store, inst['uuid']) == []
    row = conductor.record_result(store, inst['uuid'], 'console_output', out['request_id'], {'output': 'x'})
    assert row['changed'] is False and instances.get(store, inst['uuid'])['task_state'] is None
    with pytest.raises(InvalidInput):
        server_actions.start(store, inst['uuid'], 'console_output', _ctx(), length=-2)
    nowhere = _server(store, catalog, vm_state=S.ERROR, host=None)
    with pytest.raises(InstanceNotReady) as err:
        server_actions.start(store, nowhere['uuid'], 'console_output', _ctx())
    assert err.value.code == 409


def test_rebuild_task_states_show_as_rebuild():
    for vm_state in (S.ACTIVE, S.STOPPED, S.ERROR):
        for task in S.REBUILD_TASKS:
            assert S.api_status(vm_state, task) == 'REBUILD'
    assert {action_table.ACTION_FOR_TASK_STATE[t] for t in S.REBUILD_TASKS} == {'rebuild'}
