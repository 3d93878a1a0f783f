"""Live migration on the controller side (compute/live_migration.py): Nova's checks, the step chain recorded from
each host call's outcome, the migration's statuses, and the move claim (both hosts held while it runs, the source
freed on success, the destination on failure). The host side runs in tests/api/test_live_migration.py."""

import subprocess

import pytest
from lib.sched_rows import add_flavor, add_host, allocation_sums

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, instances, live_migration, migration_records, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Forbidden, InstanceInvalidState, InvalidRequest, NotFound,
)

TINY = (1, 512, 1)
DISKS = [{'name': 'disk', 'format': 'qcow2', 'size': 1 << 30, 'backing': 'abc'}]


def _ctx(admin=True):
    return Context(user_id='u1', project_id='p1', is_admin=admin)


@pytest.fixture
def env(store, tmp_path):
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1', local_gb=10)
    add_host(store, 'h2', local_gb=10)
    add_flavor(store, 'm1.tiny', root_gb=1)
    base = images.register(store, str(tmp_path / 'images'), 'base', disk, visibility='public')
    ctx = _ctx(admin=False)
    rows = conductor.create_servers(store, ctx, {'name': 'vm1', 'flavor': 'm1.tiny', 'image': base['id']})
    built = conductor.schedule_and_prepare(store, [rows[0]['uuid']], ctx.request_id)['builds'][0]
    conductor.record_result(store, rows[0]['uuid'], 'create', ctx.request_id,
                            {'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    return {'store': store, 'uuid': rows[0]['uuid'], 'source': built['host'],
            'dest': 'h2' if built['host'] == 'h1' else 'h1'}


def _record(store, uuid_, call, result):
    return conductor.record_result(store, uuid_, call['action'], call['request_id'], result)


def _migration(store, uuid_):
    with store.read() as conn:
        return migration_records.latest(conn, uuid_)


def _step(call):
    return call['module'], call['host'], call['live_migration']['step']


def _to_pre(env, block=None, shared=False):
    """Start and record the checks; the pre_live_migration call."""
    store, uuid_ = env['store'], env['uuid']
    out = server_actions.start(store, uuid_, 'live_migrate', _ctx(), block_migration=block)
    assert (out['server']['status'], out['server']['task_state']) == ('MIGRATING', S.MIGRATING)
    assert allocation_sums(store) == {env['source']: TINY, env['dest']: TINY}   # both held
    call = out['host_call']
    assert _step(call) == ('instance_live_migrate', env['dest'], 'check_destination')
    assert _migration(store, uuid_)['status'] == 'accepted'
    row = _record(store, uuid_, call, {'changed': True, 'step': 'check_destination', 'shared_file': '.t1'})
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['source'], 'check_source')
    assert call['live_migration']['shared_file'] == '.t1'
    assert _migration(store, uuid_)['status'] == 'queued'
    return _record(store, uuid_, call, {'changed': True, 'step': 'check_source', 'shared': shared, 'disks': DISKS})


def test_block_migration_chain_frees_the_source(env):
    store, uuid_ = env['store'], env['uuid']
    row = _to_pre(env)
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['dest'], 'pre_live_migration')
    assert (call['live_migration']['block_migration'], call['live_migration']['disks']) == (True, DISKS)
    assert _migration(store, uuid_)['status'] == 'preparing'
    row = _record(store, uuid_, call, {'changed': True, 'step': 'pre_live_migration', 'created': True})
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['source'], 'live_migration')
    assert call['live_migration']['dest']['instances_path'] and call['live_migration']['block_migration']
    assert _migration(store, uuid_)['status'] == 'running'
    row = _record(store, uuid_, call, {'changed': True, 'step': 'live_migration', 'power_state': S.RUNNING,
                                       'domain_xml': '<domain>moved</domain>'})
    assert not row.get('reschedule')
    inst = instances.get(store, uuid_)
    assert (inst['host'], inst['vm_state'], inst['task_state'], inst['domain_xml']) == (
        env['dest'], S.ACTIVE, None, '<domain>moved</domain>')
    assert 'live_migration' not in inst['system_metadata']
    assert allocation_sums(store) == {env['dest']: TINY}
    assert _migration(store, uuid_)['status'] == 'completed'


def test_a_failed_migration_leaves_the_server_on_its_source(env):
    store, uuid_ = env['store'], env['uuid']
    row = _to_pre(env)
    row = _record(store, uuid_, row['reschedule'], {'changed': True, 'step': 'pre_live_migration'})
    row = _record(store, uuid_, row['reschedule'], {'failed': True, 'msg': 'live migration of x failed: refused'})
    inst = instances.get(store, uuid_)
    assert (inst['host'], inst['vm_state'], inst['task_state']) == (env['source'], S.ACTIVE, None)
    assert allocation_sums(store) == {env['source']: TINY}
    assert _migration(store, uuid_)['status'] == 'error'
    assert 'refused' in instances.latest_fault(store, uuid_)['message']
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['dest'], 'rollback_dest')
    assert call['live_migration']['shared'] is False
    _record(store, uuid_, call, {'changed': True, 'step': 'rollback_dest'})
    assert _migration(store, uuid_)['status'] == 'error'


def test_an_aborted_migration_is_cancelled(env):
    store, uuid_ = env['store'], env['uuid']
    row = _to_pre(env)
    row = _record(store, uuid_, row['reschedule'], {'changed': True, 'step': 'pre_live_migration'})
    mid = _migration(store, uuid_)['id']
    inst, call = live_migration.control(store, uuid_, mid, 'abort', _ctx())
    assert _step(call) == ('instance_live_migrate', env['source'], 'abort')
    live_migration.controlled(store, uuid_, 'abort', call['request_id'], {'changed': True, 'aborted': True})
    _record(store, uuid_, row['reschedule'], {
        'failed': True, 'msg': 'live migration of x to y aborted: operation aborted: canceled by client'})
    assert _migration(store, uuid_)['status'] == 'cancelled'
    assert allocation_sums(store) == {env['source']: TINY}
    assert instances.get(store, uuid_)['task_state'] is None


def test_shared_storage_decides_and_refuses(env):
    store, uuid_ = env['store'], env['uuid']
    row = _to_pre(env, block=False, shared=False)   # shared asked, nothing shared: Nova's InvalidSharedStorage
    assert 'is not on shared storage' in instances.latest_fault(store, uuid_)['message']
    assert _step(row['reschedule'])[2] == 'rollback_dest' and row['reschedule']['live_migration']['shared']
    assert allocation_sums(store) == {env['source']: TINY}
    assert _migration(store, uuid_)['status'] == 'error'
    row = _to_pre(env, block=None, shared=True)      # auto over shared storage: no block migration
    assert row['reschedule']['live_migration']['block_migration'] is False


def test_checks(env):
    store, uuid_ = env['store'], env['uuid']
    with pytest.raises(Forbidden):
        server_actions.start(store, uuid_, 'live_migrate', _ctx(admin=False))
    with pytest.raises(InvalidRequest):
        server_actions.start(store, uuid_, 'live_migrate', _ctx(), host='nowhere')
    with pytest.raises(InvalidRequest):
        server_actions.start(store, uuid_, 'live_migrate', _ctx(), host=env['source'])
    with pytest.raises(InstanceInvalidState):
        live_migration.control(store, uuid_, 1, 'force_complete', _ctx())
    _to_pre(env)
    mid = _migration(store, uuid_)['id']
    with pytest.raises(InvalidRequest):   # preparing: force_complete needs running (abort from 2.65)
        live_migration.control(store, uuid_, mid, 'force_complete', _ctx())
    with pytest.raises(NotFound):
        live_migration.control(store, uuid_, 99999, 'abort', _ctx())
    inst, call = live_migration.control(store, uuid_, mid, 'abort', _ctx(), abort_in_queue=True)
    assert call is None and _migration(store, uuid_)['status'] == 'cancelled'
    assert allocation_sums(store) == {env['source']: TINY, env['dest']: TINY}   # ends when the step comes back
