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


def _start(env, block=None):
    """Start a live migration: the destination's call (its checks and pre-created disks)."""
    store, uuid_ = env['store'], env['uuid']
    out = server_actions.start(store, uuid_, 'live_migrate', _ctx(), block_migration=block)
    assert (out['server']['status'], out['server']['task_state']) == ('MIGRATING', S.MIGRATING)
    assert allocation_sums(store) == {env['source']: TINY, env['dest']: TINY}   # both held
    call = out['host_call']
    assert _step(call) == ('instance_live_migrate', env['dest'], 'prepare_destination')
    assert call['live_migration']['block_migration'] is block
    assert call['live_migration']['source']['libvirt_uri']   # the disks are read from the running domain there
    assert _migration(store, uuid_)['status'] == 'preparing'
    return call


def _to_migrate(env, block=None, created=True, shared_file=None):
    """The destination's call recorded as done: the source's call (its check and the migration)."""
    store, uuid_ = env['store'], env['uuid']
    call = _start(env, block)
    row = _record(store, uuid_, call, {'changed': True, 'step': 'prepare_destination', 'created': created,
                                       'shared_file': shared_file})
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['source'], 'migrate')
    assert (call['live_migration']['shared_file'], call['live_migration']['block_migration']) == (shared_file, block)
    assert call['live_migration']['dest']['instances_path']
    assert _migration(store, uuid_)['status'] == 'running'
    return call


def _events(store, uuid_):
    act = [a for a in instances.list_actions(store, uuid_) if a['action'] == 'live-migration'][-1]
    return [(e['event'], e['result']) for e in act['events']]


def test_block_migration_chain_frees_the_source(env):
    store, uuid_ = env['store'], env['uuid']
    call = _to_migrate(env)
    row = _record(store, uuid_, call, {'changed': True, 'step': 'migrate', 'power_state': S.RUNNING, 'shared': False,
                                       'block_migration': True, 'domain_xml': '<domain>moved</domain>'})
    assert not row.get('reschedule')
    inst = instances.get(store, uuid_)
    assert (inst['host'], inst['vm_state'], inst['task_state'], inst['domain_xml']) == (
        env['dest'], S.ACTIVE, None, '<domain>moved</domain>')
    assert 'live_migration' not in inst['system_metadata']
    assert allocation_sums(store) == {env['dest']: TINY}
    assert _migration(store, uuid_)['status'] == 'completed'
    assert _events(store, uuid_) == [
        ('conductor_live_migrate_instance', 'Success'), ('compute_check_can_live_migrate_destination', 'Success'),
        ('compute_pre_live_migration', 'Success'), ('compute_check_can_live_migrate_source', 'Success'),
        ('compute_live_migration', 'Success')]


def _failed(env, call, message):
    """``call`` failed with ``message``: the server as it was on its source, the destination freed; the
    destination's rollback call."""
    store, uuid_ = env['store'], env['uuid']
    row = _record(store, uuid_, call, {'failed': True, 'msg': message})
    inst = instances.get(store, uuid_)
    assert (inst['host'], inst['vm_state'], inst['task_state']) == (env['source'], S.ACTIVE, None)
    assert allocation_sums(store) == {env['source']: TINY}
    assert _migration(store, uuid_)['status'] == 'error'
    assert message in instances.latest_fault(store, uuid_)['message']
    assert _step(row['reschedule']) == ('instance_live_migrate', env['dest'], 'rollback_dest')
    return row['reschedule']


def test_a_failed_migration_leaves_the_server_on_its_source(env):
    store, uuid_ = env['store'], env['uuid']
    call = _failed(env, _to_migrate(env), 'live migration of x failed: refused')
    assert call['live_migration']['shared'] is False   # the destination made the directory: it goes
    _record(store, uuid_, call, {'changed': True, 'step': 'rollback_dest'})
    assert _migration(store, uuid_)['status'] == 'error'
    assert ('compute_rollback_live_migration_at_destination', 'Success') in _events(store, uuid_)


def test_a_failed_destination_step_rolls_back_without_the_directory(env):
    """The destination's step failed (it removes what it made): the directory there is never removed by the
    rollback - it may be the shared one the guest runs from."""
    store, uuid_ = env['store'], env['uuid']
    call = _failed(env, _start(env), 'qemu-img: no space left')
    assert call['live_migration']['shared'] is True
    events = dict(_events(store, uuid_))
    assert events['compute_check_can_live_migrate_destination'] == events['compute_pre_live_migration'] == 'Error'
    assert events['conductor_live_migrate_instance'] == 'Error'
    assert 'compute_live_migration' not in events


def test_a_refusing_source_after_a_prepared_destination_cleans_it(env):
    """The destination pre-created the disks, the source's check refused (or its migration failed): the
    destination's directory and test file go."""
    store, uuid_ = env['store'], env['uuid']
    call = _to_migrate(env, block=True, created=False, shared_file='.novalite-shared-check-x')
    row = _record(store, uuid_, call, {'failed': True, 'error': 'Error', 'field': 'block_migration',
                                       'msg': 'block_migration: /i is not on local storage: Block migration can '
                                              'not be used with shared storage.'})
    assert 'is not on local storage' in instances.latest_fault(store, uuid_)['message']
    call = row['reschedule']
    assert _step(call) == ('instance_live_migrate', env['dest'], 'rollback_dest')
    # the destination saw the directory (shared): it is kept, only the test file goes
    assert (call['live_migration']['shared'], call['live_migration']['shared_file']) == (
        True, '.novalite-shared-check-x')
    assert allocation_sums(store) == {env['source']: TINY}
    events = dict(_events(store, uuid_))
    assert events['compute_check_can_live_migrate_source'] == events['compute_live_migration'] == 'Error'
    assert events['compute_pre_live_migration'] == 'Success'


def test_an_aborted_migration_is_cancelled(env):
    store, uuid_ = env['store'], env['uuid']
    call = _to_migrate(env)
    mid = _migration(store, uuid_)['id']
    inst, abort = live_migration.control(store, uuid_, mid, 'abort', _ctx())
    assert _step(abort) == ('instance_live_migrate', env['source'], 'abort')
    live_migration.controlled(store, uuid_, 'abort', abort['request_id'], {'changed': True, 'aborted': True})
    _record(store, uuid_, call, {
        'failed': True, 'msg': 'live migration of x to y aborted: operation aborted: canceled by client'})
    assert _migration(store, uuid_)['status'] == 'cancelled'
    assert allocation_sums(store) == {env['source']: TINY}
    assert instances.get(store, uuid_)['task_state'] is None


def test_an_abort_while_the_destination_prepares(env):
    """Abort from 2.65 while the destination prepares: the migration ends when that step comes back, whose
    pre-created disks go."""
    store, uuid_ = env['store'], env['uuid']
    call = _start(env)
    mid = _migration(store, uuid_)['id']
    with pytest.raises(InvalidRequest):   # preparing: force_complete needs running (abort from 2.65)
        live_migration.control(store, uuid_, mid, 'force_complete', _ctx())
    inst, abort = live_migration.control(store, uuid_, mid, 'abort', _ctx(), abort_in_queue=True)
    assert abort is None and _migration(store, uuid_)['status'] == 'cancelled'
    assert allocation_sums(store) == {env['source']: TINY, env['dest']: TINY}   # ends when the step comes back
    row = _record(store, uuid_, call, {'changed': True, 'step': 'prepare_destination', 'created': True})
    assert _step(row['reschedule']) == ('instance_live_migrate', env['dest'], 'rollback_dest')
    assert row['reschedule']['live_migration']['shared'] is False
    assert _migration(store, uuid_)['status'] == 'cancelled'
    assert allocation_sums(store) == {env['source']: TINY}
    assert instances.get(store, uuid_)['task_state'] is None


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
    _start(env)
    with pytest.raises(NotFound):
        live_migration.control(store, uuid_, 99999, 'abort', _ctx())


def test_a_late_rollback_of_an_earlier_migration_leaves_the_next_one_alone(env):
    """A refused migration's rollback_dest comes back while the next migration's destination prepares: it is
    recorded on its own action, and the new migration waits for its own step."""
    store, uuid_ = env['store'], env['uuid']
    rollback = _failed(env, _start(env), 'qemu-img: no space left')
    call = _start(env)
    row = _record(store, uuid_, rollback, {'changed': False, 'step': 'rollback_dest'})
    assert not row.get('reschedule')
    assert _migration(store, uuid_)['status'] == 'preparing'
    assert instances.get(store, uuid_)['task_state'] == S.MIGRATING
    first = [a for a in instances.list_actions(store, uuid_) if a['request_id'] == rollback['request_id']][-1]
    assert ('compute_rollback_live_migration_at_destination', 'Success') in [
        (e['event'], e['result']) for e in first['events']]
    row = _record(store, uuid_, call, {'changed': True, 'step': 'prepare_destination', 'created': True})
    assert _step(row['reschedule']) == ('instance_live_migrate', env['source'], 'migrate')
