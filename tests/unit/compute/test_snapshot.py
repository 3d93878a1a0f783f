"""Snapshot and backup on the controller side: Nova's checks, image, task states, records, rotation."""

import datetime
import hashlib
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, instances, server_actions, snapshot,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _ctx(admin=False, project='p1', user='u1'):
    return Context(user_id=user, project_id=project, is_admin=admin)


@pytest.fixture
def env(store, tmp_path):
    image_store = str(tmp_path / 'images')
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1')
    base = images.register(store, image_store, 'base', disk, visibility='public', min_ram=64,
                           properties={'hw_architecture': 'x86_64', 'bittorrent': 'yes', 'img_signature': 'sig',
                                       'os_glance_importing': 'x', 'image_type': 'snapshot'})
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm1', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': conductor.image_snapshot(base)})
    inst = instances.update(store, inst['uuid'], vm_state=S.ACTIVE, power_state=S.RUNNING, task_state=None,
                            host='h1', node='h1')
    return {'store': store, 'image_store': image_store, 'disk': disk, 'base': base, 'inst': inst}


def _host_did(env, call):
    """What the host and the action plugin do: a flattened qcow2 at the call's dest; the module's result."""
    shutil.copy(env['disk'], call['snapshot']['dest'])
    with open(call['snapshot']['dest'], 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {'changed': True, 'sha256': digest, 'power_state': S.RUNNING, 'method': 'live',
            'dest': call['snapshot']['dest']}


def _start(env, verb, ctx=None, **request):
    return server_actions.start(env['store'], env['inst']['uuid'], verb, ctx or _ctx(), image_request=request,
                                image_store=env['image_store'])


def test_snapshot_makes_a_queued_image_then_an_active_one_with_nova_properties(env):
    store, inst = env['store'], env['inst']
    out = _start(env, 'snapshot', name='snap', metadata={'purpose': 'test'})
    row, call, image = out['server'], out['host_call'], out['image']
    assert (row['vm_state'], row['task_state'], row['status']) == (S.ACTIVE, S.IMAGE_SNAPSHOT, 'ACTIVE')
    assert (image['status'], image['owner'], image['visibility'], image['min_disk'], image['min_ram']) == (
        'queued', 'p1', 'private', 1, 64)
    props = image['properties']
    assert (props['image_type'], props['instance_uuid'], props['base_image_ref'], props['user_id'],
            props['purpose'], props['hw_architecture'], props['owner_id']) == (
        'snapshot', inst['uuid'], env['base']['id'], 'u1', 'test', 'x86_64', 'p1')
    assert not set(props) & {'bittorrent', 'img_signature', 'os_glance_importing'}
    assert (call['module'], call['action'], call['host'], call['instance']['uuid']) == (
        'instance_snapshot', 'snapshot', 'h1', inst['uuid'])
    assert call['snapshot'] == {'image_id': image['id'],
                                'dest': os.path.join(env['image_store'], '.incoming-%s' % image['id'])}
    done = conductor.record_result(store, inst['uuid'], 'snapshot', out['request_id'], _host_did(env, call))
    assert (done['vm_state'], done['task_state']) == (S.ACTIVE, None)
    assert 'pending_image' not in done['system_metadata']
    made = images.get(store, image['id'])
    assert (made['status'], made['disk_format'], made['container_format']) == ('active', 'qcow2', 'bare')
    assert sorted(os.listdir(env['image_store'])) == sorted([env['base']['id'], image['id']])
    [action] = instances.list_actions(store, inst['uuid'])
    assert action['action'] == 'createImage'
    assert [(e['event'], e['result']) for e in action['events']] == [('compute_snapshot_instance', 'Success')]
    # a repeated report changes nothing
    assert conductor.record_result(store, inst['uuid'], 'snapshot', out['request_id'], {})['changed'] is False


@pytest.mark.parametrize('result', [{'failed': True, 'msg': 'qemu-img convert failed'},
                                    {'unreachable': True, 'msg': 'host gone'}, 'bad-checksum', 'no-file'])
def test_a_failed_snapshot_leaves_no_image_and_the_server_as_it_was(env, result):
    store, inst = env['store'], env['inst']
    out = _start(env, 'snapshot', name='snap')
    call, image = out['host_call'], out['image']
    if result == 'bad-checksum':
        result = dict(_host_did(env, call), sha256='0' * 64)
    elif result == 'no-file':
        result = {'changed': True, 'sha256': '0' * 64}
    done = conductor.record_result(store, inst['uuid'], 'snapshot', out['request_id'], result)
    assert (done['vm_state'], done['task_state']) == (S.ACTIVE, None)
    with pytest.raises(NotFound):
        images.get(store, image['id'])
    assert os.listdir(env['image_store']) == [env['base']['id']]
    assert 'Snapshot to image %s failed' % image['id'] in instances.latest_fault(store, inst['uuid'])['message']
    [action] = instances.list_actions(store, inst['uuid'])
    assert [(e['event'], e['result']) for e in action['events']] == [('compute_snapshot_instance', 'Error')]


def test_backup_rotation_keeps_the_newest_of_its_type(env):
    store, inst = env['store'], env['inst']
    made = []
    for index, backup_type in enumerate(('daily', 'daily', 'weekly', 'daily')):
        out = _start(env, 'backup', name='b%d' % index, backup_type=backup_type, rotation=2)
        assert out['server']['task_state'] == S.IMAGE_BACKUP
        conductor.record_result(store, inst['uuid'], 'backup', out['request_id'], _host_did(env, out['host_call']))
        made.append(out['image']['id'])
        if index == 0:
            # created_at has second precision: make the first one older
            with store.begin() as conn:
                conn.execute(sa.update(table('images')).where(table('images').c.id == made[0]).values(
                    created_at=datetime.datetime(2020, 1, 1)))
    left = dict((i['id'], i['properties']['backup_type']) for i in images.list_images(
        store, properties={'image_type': 'backup', 'instance_uuid': inst['uuid']}))
    assert left == {made[1]: 'daily', made[2]: 'weekly', made[3]: 'daily'}
    assert [a['action'] for a in instances.list_actions(store, inst['uuid'])] == ['createBackup'] * 4


def test_backups_to_rotate_is_newest_first_and_keeps_the_new_one():
    rows = [{'id': 'a', 'created_at': '2026-01-01T00:00:01Z'}, {'id': 'b', 'created_at': '2026-01-01T00:00:03Z'},
            {'id': 'c', 'created_at': '2026-01-01T00:00:03Z'}, {'id': 'd', 'created_at': '2026-01-01T00:00:02Z'}]
    assert [r['id'] for r in snapshot.backups_to_rotate(rows, 2, keep_id='b')] == ['d', 'a']
    assert [r['id'] for r in snapshot.backups_to_rotate(rows, 0, keep_id='a')] == ['a', 'c', 'b', 'd']
    assert snapshot.backups_to_rotate(rows, 9) == []


def test_refusals_change_nothing(env):
    store, inst = env['store'], env['inst']
    for request, field in (({'name': 'x', 'backup_type': 'daily', 'rotation': -1}, 'rotation'),
                           ({'name': 'x', 'backup_type': 'daily'}, 'rotation'),
                           ({'name': 'x', 'rotation': 1}, 'backup_type'),
                           ({'backup_type': 'daily', 'rotation': 1}, 'name'),
                           ({'name': 'x', 'backup_type': 'daily', 'rotation': 1, 'bogus': 1}, 'bogus')):
        with pytest.raises(InvalidInput) as err:
            _start(env, 'backup', **request)
        assert err.value.field == field
    with pytest.raises(InvalidInput):
        _start(env, 'snapshot', name='x', backup_type='daily')
    with pytest.raises(NotFound):
        _start(env, 'snapshot', ctx=_ctx(project='p2'), name='x')
    instances.update(store, inst['uuid'], task_state=S.REBOOTING)
    with pytest.raises(InstanceInvalidState):
        _start(env, 'snapshot', name='x')
    instances.update(store, inst['uuid'], task_state=None, vm_state=S.ERROR)
    with pytest.raises(InstanceInvalidState):
        _start(env, 'backup', name='x', backup_type='daily', rotation=1)
    assert [i['id'] for i in images.list_images(store)] == [env['base']['id']]
    assert instances.list_actions(store, inst['uuid']) == []
    # check mode checks only; a locked server may be snapshotted (Nova checks no lock for it)
    instances.update(store, inst['uuid'], vm_state=S.STOPPED, locked=True, locked_by='admin')
    out = server_actions.start(store, inst['uuid'], 'snapshot', _ctx(), image_request={'name': 'x'},
                               image_store=env['image_store'], check_mode=True)
    assert out['host_call'] is None and [i['id'] for i in images.list_images(store)] == [env['base']['id']]
    assert _start(env, 'snapshot', name='locked')['image']['status'] == 'queued'


def test_an_admin_snapshot_of_another_project_is_shared_with_its_owner(env):
    out = _start(env, 'snapshot', ctx=_ctx(admin=True, project='admin', user='root'), name='adm')
    image = out['image']
    assert (image['owner'], image['visibility'], image['properties']['instance_owner'],
            image['properties']['user_id']) == ('p1', 'shared', 'p1', 'root')


def test_the_owners_image_storage_quota_applies_to_the_snapshot(env):
    store, inst = env['store'], env['inst']
    out = server_actions.start(store, inst['uuid'], 'snapshot', _ctx(), image_request={'name': 'big'},
                               image_store=env['image_store'], image_limits={'storage_quota': 1024})
    done = conductor.record_result(store, inst['uuid'], 'snapshot', out['request_id'],
                                   _host_did(env, out['host_call']))
    assert done['task_state'] is None
    assert 'storage quota' in instances.latest_fault(store, inst['uuid'])['message']
    with pytest.raises(NotFound):
        images.get(store, out['image']['id'])


def test_an_interrupted_snapshot_ended_by_reconcile_leaves_no_image(env):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table
    store, inst = env['store'], env['inst']
    out = _start(env, 'backup', name='b', backup_type='daily', rotation=1)
    in_flight = (S.IMAGE_BACKUP, S.IMAGE_SNAPSHOT_PENDING, S.IMAGE_SNAPSHOT, S.IMAGE_PENDING_UPLOAD, S.IMAGE_UPLOADING)
    assert [action_table.ACTION_FOR_TASK_STATE[t] for t in in_flight] == [
        'backup', 'snapshot', 'snapshot', 'snapshot', 'snapshot']
    # reconcile (compute/reconcile.py clear_stale): the task state cleared first, then the failure recorded
    instances.update(store, inst['uuid'], expected_task_state=S.IMAGE_BACKUP, task_state=None)
    with open(out['host_call']['snapshot']['dest'] + '.part-5f3a9c', 'w') as half:
        half.write('a fetch cut short')
    done = conductor.record_result(store, inst['uuid'], 'snapshot', out['request_id'],
                                   {'failed': True, 'msg': 'interrupted', 'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state']) == (S.ACTIVE, None)
    assert os.listdir(env['image_store']) == [env['base']['id']]
    [action] = instances.list_actions(store, inst['uuid'])
    assert [(e['event'], e['result']) for e in action['events']] == [('compute_backup_instance', 'Error')]
