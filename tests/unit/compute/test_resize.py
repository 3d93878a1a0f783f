"""Resize, cold migrate, confirmResize and revertResize on the controller side: Nova's checks, states, migration
records and the move claims (both hosts held until confirm / revert); the host side on libvirt's test driver."""

import os
import subprocess
import uuid

import pytest
from lib.sched_rows import add_flavor, add_host, allocation_sums

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, instances, migration_records, resize, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Forbidden, InstanceInvalidState, InstanceLocked, InvalidRequest,
)
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, move

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}, 'rxtx_factor': 1.0, 'description': None}


def _ctx(admin=False, project='p1', user='u1'):
    return Context(user_id=user, project_id=project, is_admin=admin)


@pytest.fixture
def env(store, tmp_path):
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1', local_gb=10)
    add_host(store, 'h2', local_gb=10)
    add_flavor(store, 'm1.tiny', root_gb=1)
    add_flavor(store, 'm1.bigger', vcpus=2, memory_mb=1024, root_gb=2)
    add_flavor(store, 'm1.huge', vcpus=2, memory_mb=1024, root_gb=50)
    add_flavor(store, 'm1.zero', root_gb=0)
    base = images.register(store, str(tmp_path / 'images'), 'base', disk, visibility='public')
    ctx = _ctx()
    rows = conductor.create_servers(store, ctx, {'name': 'vm1', 'flavor': 'm1.tiny', 'image': base['id']})
    built = conductor.schedule_and_prepare(store, [rows[0]['uuid']], ctx.request_id)['builds'][0]
    conductor.record_result(store, rows[0]['uuid'], 'create', ctx.request_id,
                            {'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    return {'store': store, 'inst': instances.get(store, rows[0]['uuid']), 'source': built['host'],
            'dest': 'h2' if built['host'] == 'h1' else 'h1'}


def _record(store, uuid_, call, result):
    return conductor.record_result(store, uuid_, call['action'], call['request_id'], result)


def _resized(env, flavor='m1.bigger', action='resize', ctx=None):
    store, uuid_ = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid_, action, ctx or _ctx(admin=action == 'migrate'), flavor=flavor)
    call = out['host_call']
    assert (call['module'], call['host'], call['move']['step']) == ('instance_move', env['source'], 'migrate_out')
    row = _record(store, uuid_, call, {'changed': True, 'power_state': S.SHUTDOWN})
    nxt = row['reschedule']
    assert (nxt['module'], nxt['host'], nxt['move']['step'], nxt['move']['power_on']) == (
        'instance_move', env['dest'], 'finish_in', True)
    assert (row['task_state'], row['status'], row['host']) == (S.RESIZE_FINISH, 'RESIZE', env['dest'])
    done = _record(store, uuid_, nxt, {'changed': True, 'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    return out, done


def test_resize_holds_both_hosts_until_confirm(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}
    out = server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.bigger')
    assert (out['server']['task_state'], out['server']['status']) == (S.RESIZE_MIGRATING, 'RESIZE')
    # the destination is claimed for the new flavor, the source stays held by the migration
    assert allocation_sums(store) == {env['source']: (1, 512, 1), env['dest']: (2, 1024, 2)}
    with store.read() as conn:
        mig = migration_records.latest(conn, uuid_)
    assert (mig['status'], mig['migration_type'], mig['source_compute'], mig['dest_compute']) == (
        'migrating', 'resize', env['source'], env['dest'])
    assert mig['old_instance_type_id'] != mig['new_instance_type_id']
    call = out['host_call']
    assert call['move']['dest']['transfer'] == 'local' and call['move']['same_host'] is False
    row = _record(store, uuid_, call, {'changed': True, 'power_state': S.SHUTDOWN})
    done = _record(store, uuid_, row['reschedule'], {'changed': True, 'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state'], done['status'], done['host'], done['flavor']['name']) == (
        S.RESIZED, None, 'VERIFY_RESIZE', env['dest'], 'm1.bigger')
    assert done['instance_type_id'] == done['flavor']['flavorid'] != env['inst']['instance_type_id']
    assert allocation_sums(store) == {env['source']: (1, 512, 1), env['dest']: (2, 1024, 2)}
    conf = server_actions.start(store, uuid_, 'confirm_resize', _ctx())
    call = conf['host_call']
    assert (call['host'], call['move']['step'], conf['server']['task_state']) == (
        env['source'], 'confirm', S.RESIZE_CONFIRMING)
    final = _record(store, uuid_, call, {'changed': True})
    assert (final['vm_state'], final['task_state'], final['status']) == (S.ACTIVE, None, 'ACTIVE')
    assert allocation_sums(store) == {env['dest']: (2, 1024, 2)}
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'confirmed'
    acts = [a['action'] for a in instances.list_actions(store, uuid_)]
    assert acts[-2:] == ['resize', 'confirmResize']


def test_revert_returns_to_the_source_with_the_old_flavor(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    _resized(env)
    rev = server_actions.start(store, uuid_, 'revert_resize', _ctx())
    assert (rev['server']['status'], rev['host_call']['host'], rev['host_call']['move']['step']) == (
        'REVERT_RESIZE', env['dest'], 'revert_dest')
    row = _record(store, uuid_, rev['host_call'], {'changed': True, 'power_state': S.NOSTATE})
    # the destination is free again, the instance holds the source
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}
    nxt = row['reschedule']
    assert (nxt['host'], nxt['move']['step'], nxt['instance']['flavor']['name']) == (
        env['source'], 'revert_source', 'm1.tiny')
    done = _record(store, uuid_, nxt, {'changed': True, 'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state'], done['host'], done['flavor']['name']) == (
        S.ACTIVE, None, env['source'], 'm1.tiny')
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'reverted'


def test_cold_migrate_is_admin_only_and_keeps_the_flavor(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    with pytest.raises(Forbidden):
        server_actions.start(store, uuid_, 'migrate', _ctx())
    with pytest.raises(InvalidRequest):
        server_actions.start(store, uuid_, 'migrate', _ctx(admin=True), host=env['source'])
    out, done = _resized(env, flavor=None, action='migrate')
    assert (done['status'], done['flavor']['name'], done['host']) == ('VERIFY_RESIZE', 'm1.tiny', env['dest'])
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['migration_type'] == 'migration'


def test_refusals_change_nothing(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    for flavor, text in (('m1.tiny', resize.SAME_FLAVOR), ('m1.zero', 'zero disk'), ('nope', 'could not be found')):
        with pytest.raises(InvalidRequest) as err:
            server_actions.start(store, uuid_, 'resize', _ctx(), flavor=flavor)
        assert text in err.value.message
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, uuid_, 'confirm_resize', _ctx())
    server_actions.start(store, uuid_, 'lock', _ctx(project='p1'))
    with pytest.raises(InstanceLocked):
        server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.bigger')
    server_actions.start(store, uuid_, 'unlock', _ctx())
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}
    assert instances.get(store, uuid_)['task_state'] is None


def test_an_upsize_must_fit_the_quota(env):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    store, uuid_ = env['store'], env['inst']['uuid']
    quotas.set_limits(store, 'p1', {'cores': 1}, force=True)
    with pytest.raises(quotas.QuotaExceeded, match='cores'):
        server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.bigger')
    assert instances.get(store, uuid_)['task_state'] is None
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}


def test_smaller_root_disk_is_refused(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    _resized(env)
    call = server_actions.start(store, uuid_, 'confirm_resize', _ctx())['host_call']
    _record(store, uuid_, call, {'changed': True})
    with pytest.raises(InvalidRequest, match='resize disk down'):
        server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.tiny')


def test_no_valid_host_leaves_the_server_active_on_its_source(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.huge')
    assert out['host_call'] is None
    row = instances.get(store, uuid_)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.ACTIVE, None, env['source'])
    assert instances.latest_fault(store, uuid_)['message'].startswith('No valid host was found')
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'error'


def test_same_host_only_when_allowed(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.bigger', allow_resize_to_same_host=True)
    # the weigher picks the emptier host (the other one), but the source was a candidate
    assert out['host_call']['move']['same_host'] is (out['host_call']['move']['dest']['host'] == env['source'])


def test_failed_migrate_out_puts_the_server_back(env):
    store, uuid_ = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid_, 'resize', _ctx(), flavor='m1.bigger')
    row = _record(store, uuid_, out['host_call'], {'failed': True, 'msg': 'copy failed'})
    assert (row['vm_state'], row['task_state'], row['host'], row['flavor']['name']) == (
        S.ACTIVE, None, env['source'], 'm1.tiny')
    assert allocation_sums(store) == {env['source']: (1, 512, 1)}


def test_confirm_due_after_the_window(env):
    import datetime
    store, uuid_ = env['store'], env['inst']['uuid']
    _resized(env)
    assert resize.confirm_due(store, 0) == []
    assert resize.confirm_due(store, 60) == []
    later = datetime.datetime.utcnow() + datetime.timedelta(seconds=120)
    assert [i['uuid'] for i in resize.confirm_due(store, 60, now=later)] == [uuid_]


# ---- the host side on libvirt's test driver ----------------------------------------------------------

@pytest.mark.skipif(not connection.HAS_LIBVIRT, reason='libvirt-python missing')
def test_host_steps_copy_grow_confirm_and_revert(tmp_path):
    image_file = str(tmp_path / 'img.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', image_file, '16M'], check=True)
    src = {'instances_path': str(tmp_path / 'a'), 'libvirt_uri': 'test:///default', 'virt_type': 'qemu'}
    dst = {'instances_path': str(tmp_path / 'b'), 'libvirt_uri': 'test:///default', 'virt_type': 'qemu'}
    u = str(uuid.uuid4())
    image = {'id': str(uuid.uuid4()), 'name': 'img', 'disk_format': 'qcow2', 'location': image_file,
             'min_disk': 0, 'properties': {}}
    inst = {'uuid': u, 'name': 'instance-m%s' % u[:8], 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
            'created_at': '2026-11-23T18:29:05Z', 'image': image, 'flavor': dict(FLAVOR), 'network_info': [],
            'metadata': {}}
    from ansible_collections.novalite.compute.plugins.module_utils.virt import driver, imagecache
    conn = connection.open_connection('test:///default')
    try:
        driver.ensure_state(conn, inst, src, 'running')
        out = move.run_step(conn, inst, driver.host_settings(**src),
                            {'step': 'migrate_out', 'dest': dict(dst, transfer='local')}, 0)
        assert out['copied'] and os.path.isdir(move.kept_dir(src['instances_path'], u))
        assert not os.path.exists(os.path.join(src['instances_path'], u))
        # the test driver is one hypervisor: the "destination" sees the source's domain; take it away first
        driver.destroy(conn, u, src['instances_path'] + '-none')
        bigger = dict(inst, flavor=dict(FLAVOR, root_gb=2))
        fin = move.run_step(conn, bigger, driver.host_settings(**dst), {'step': 'finish_in', 'power_on': True}, 0)
        root = os.path.join(dst['instances_path'], u, 'disk')
        assert fin['grown'] and imagecache.probe(root)[1] == 2 * 1024 ** 3
        assert imagecache.qcow2_backing_file(root).startswith(dst['instances_path'])
        smaller = dict(inst, flavor=dict(FLAVOR, root_gb=1))
        with pytest.raises(Exception, match='resize disk down'):
            move._rebase_and_grow(dst['instances_path'], smaller, True)
        move.run_step(conn, inst, driver.host_settings(**dst), {'step': 'revert_dest'}, 0)
        assert not os.path.exists(os.path.join(dst['instances_path'], u))
        back = move.run_step(conn, inst, driver.host_settings(**src), {'step': 'revert_source', 'power_on': True}, 0)
        assert back['power_state'] == S.RUNNING
        assert os.path.isdir(os.path.join(src['instances_path'], u))
        assert not os.path.exists(move.kept_dir(src['instances_path'], u))
        driver.destroy(conn, u, src['instances_path'])
    finally:
        conn.close()


def test_reconcile_leaves_the_source_domain_of_a_move_alone(env):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import reconcile
    store, uuid_ = env['store'], env['inst']['uuid']
    _resized(env)
    old = [{'uuid': uuid_, 'name': 'instance-x', 'novalite': True, 'power_state': S.SHUTDOWN}]
    assert reconcile.plan(store, env['source'], old, [uuid_])['orphan_domains'] == []
    call = server_actions.start(store, uuid_, 'confirm_resize', _ctx())['host_call']
    _record(store, uuid_, call, {'changed': True})
    # once confirmed, a domain left there is an orphan like any other
    assert [d['uuid'] for d in reconcile.plan(store, env['source'], old, [])['orphan_domains']] == [uuid_]


@pytest.mark.skipif(not connection.HAS_LIBVIRT, reason='libvirt-python missing')
def test_host_steps_on_the_same_host(tmp_path):
    """allow_resize_to_same_host: the copy is within the host, the old domain gives way, revert brings it back."""
    from ansible_collections.novalite.compute.plugins.module_utils.virt import driver, imagecache
    image_file = str(tmp_path / 'img.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', image_file, '16M'], check=True)
    here = {'instances_path': str(tmp_path / 'a'), 'libvirt_uri': 'test:///default', 'virt_type': 'qemu'}
    settings = driver.host_settings(**here)
    u = str(uuid.uuid4())
    image = {'id': str(uuid.uuid4()), 'name': 'img', 'disk_format': 'qcow2', 'location': image_file,
             'min_disk': 0, 'properties': {}}
    inst = {'uuid': u, 'name': 'instance-s%s' % u[:8], 'display_name': 'vm', 'project_id': 'p', 'user_id': 'u',
            'created_at': '2026-11-23T18:29:05Z', 'image': image, 'flavor': dict(FLAVOR), 'network_info': [],
            'metadata': {}}
    root = os.path.join(here['instances_path'], u, 'disk')
    conn = connection.open_connection('test:///default')
    try:
        driver.ensure_state(conn, inst, here, 'running')
        move.run_step(conn, inst, settings, {'step': 'migrate_out', 'same_host': True,
                                             'dest': dict(here, transfer='local')}, 0)
        assert os.path.isdir(move.kept_dir(here['instances_path'], u)) and os.path.isfile(root)
        bigger = dict(inst, flavor=dict(FLAVOR, root_gb=2))
        fin = move.run_step(conn, bigger, settings, {'step': 'finish_in', 'power_on': True, 'same_host': True}, 0)
        assert fin['power_state'] == S.RUNNING and imagecache.probe(root)[1] == 2 * 1024 ** 3
        move.run_step(conn, bigger, settings, {'step': 'revert_dest', 'same_host': True}, 0)
        back = move.run_step(conn, inst, settings, {'step': 'revert_source', 'power_on': True, 'same_host': True}, 0)
        assert back['power_state'] == S.RUNNING and imagecache.probe(root)[1] == 1024 ** 3
        assert not os.path.exists(move.kept_dir(here['instances_path'], u))
        # and a confirmed same-host resize keeps its one domain, dropping only the kept directory
        move.run_step(conn, inst, settings, {'step': 'migrate_out', 'same_host': True,
                                             'dest': dict(here, transfer='local')}, 0)
        move.run_step(conn, bigger, settings, {'step': 'finish_in', 'power_on': True, 'same_host': True}, 0)
        move.run_step(conn, bigger, settings, {'step': 'confirm', 'same_host': True}, 0)
        assert driver.get_info(conn, u)['power_state'] == S.RUNNING
        assert not os.path.exists(move.kept_dir(here['instances_path'], u))
        driver.destroy(conn, u, here['instances_path'])
    finally:
        conn.close()
