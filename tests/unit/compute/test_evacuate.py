"""Evacuate on the controller side: Nova's checks (the source's service down or forced down), the migration
record, the move claim (the source held until the failed host is back), the destination's rebuild call, and the
source's cleanup at its reconcile (Nova's _destroy_evacuated_instances)."""

import subprocess

import pytest
from lib.sched_rows import add_flavor, add_host, allocation_sums

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, evacuate, instances, migration_records, reconcile, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Forbidden, InstanceInvalidState, InvalidRequest, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts


def _ctx(admin=True):
    return Context(user_id='u1', project_id='p1', is_admin=admin)


@pytest.fixture
def env(store, tmp_path):
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    for name in ('h1', 'h2', 'h3'):
        add_host(store, name, local_gb=10)
    add_flavor(store, 'm1.tiny', root_gb=1)
    base = images.register(store, str(tmp_path / 'images'), 'base', disk, visibility='public')
    ctx = _ctx(admin=False)
    uuids = []
    for name in ('vm1', 'vm2'):
        rows = conductor.create_servers(store, ctx, {'name': name, 'flavor': 'm1.tiny', 'image': base['id']})
        conductor.schedule_and_prepare(store, [rows[0]['uuid']], ctx.request_id)
        conductor.record_result(store, rows[0]['uuid'], 'create', ctx.request_id, {'power_state': S.RUNNING})
        uuids.append(rows[0]['uuid'])
    return {'store': store, 'uuids': uuids}


def _on(store, uuid_):
    return instances.get(store, uuid_)['host']


def _evacuate(store, uuid_, **request):
    return server_actions.start(store, uuid_, 'evacuate', _ctx(), evacuate_request=request)


def test_refused_while_the_source_is_up_and_for_non_admins(env):
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    with pytest.raises(InvalidRequest, match='Compute service of %s is still in use.' % source):
        _evacuate(store, uuid_)
    hosts.force_down(store, source)
    with pytest.raises(Forbidden):
        server_actions.start(store, uuid_, 'evacuate', _ctx(admin=False), evacuate_request={})
    with pytest.raises(InvalidRequest, match="can't be the same one"):
        _evacuate(store, uuid_, host=source)
    with pytest.raises(NotFound):
        _evacuate(store, uuid_, host='nowhere')
    with pytest.raises(InvalidRequest, match="Can't force"):
        _evacuate(store, uuid_, force=True)
    instances.update(store, uuid_, vm_state=S.PAUSED)
    with pytest.raises(InstanceInvalidState):
        _evacuate(store, uuid_)


def test_evacuate_rebuilds_on_another_host_and_the_source_cleans_up_when_back(env):
    store, (uuid_, other) = env['store'], env['uuids']
    source = _on(store, uuid_)
    hosts.force_down(store, source)
    before = allocation_sums(store)
    out = _evacuate(store, uuid_)
    inst, call = out['server'], out['host_call']
    dest = inst['host']
    assert dest != source and (inst['task_state'], inst['status']) == (S.REBUILD_SPAWNING, 'REBUILD')
    assert (call['host'], call['module'], call['state'], call['rebuild'], call['action']) == (
        dest, 'instance', 'running', out['request_id'], 'evacuate')
    with store.read() as conn:
        mig = migration_records.latest(conn, uuid_)
    assert (mig['migration_type'], mig['status'], mig['source_compute'], mig['dest_compute']) == (
        'evacuation', 'pre-migrating', source, dest)
    # the destination claimed for the server, the source still held (by the migration) until it is back
    sums = allocation_sums(store)
    assert sums[dest][0] == before.get(dest, (0,))[0] + 1 and sums[source] == before[source]
    done = conductor.record_result(store, uuid_, 'evacuate', out['request_id'],
                                   {'changed': True, 'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state'], done['status'], done['host']) == (S.ACTIVE, None, 'ACTIVE', dest)
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'done'
    assert [a['action'] for a in instances.list_actions(store, uuid_)][-1] == 'evacuate'
    # the failed host is back: its reconcile lists the stale guest, never one of its own
    domains = [{'uuid': u, 'name': 'x-%s' % u, 'novalite': True, 'power_state': S.RUNNING} for u in (uuid_, other)]
    own = [u for u in (other,) if _on(store, u) == source]   # vm2 when the scheduler put it on the same host
    first = reconcile.apply(store, source, [d for d in domains if d['uuid'] in [uuid_] + own], [uuid_] + own)
    assert [e['uuid'] for e in first['evacuated']] == [uuid_]
    assert uuid_ not in [o['uuid'] for o in first['orphan_domains']] and uuid_ not in first['orphan_dirs']
    assert first['evacuations_completed'] == []
    # and the destination's reconcile leaves the evacuated server alone
    assert reconcile.plan(store, dest, [domains[0]], [uuid_])['evacuated'] == []
    # the host destroyed it: the next reconcile completes the migration and frees the source
    second = reconcile.apply(store, source, [d for d in domains if d['uuid'] in own], own)
    assert second['evacuations_completed'] == [mig['uuid']]
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'completed'
    sums = allocation_sums(store)
    assert sums.get(source, (0,))[0] == len(own) and sums[dest][0] >= 1
    assert reconcile.apply(store, source, [], [])['evacuated'] == []


def test_on_shared_storage_the_failed_host_destroys_its_stale_guest_and_keeps_the_directory(env):
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    hosts.force_down(store, source)
    out = _evacuate(store, uuid_)
    assert out['host_call']['evacuate'] is True   # the destination looks for the disks on shared storage
    dest = out['server']['host']
    conductor.record_result(store, uuid_, 'evacuate', out['request_id'],
                            {'changed': True, 'power_state': S.RUNNING, 'on_shared_storage': True})
    with store.read() as conn:
        mig = migration_records.latest(conn, uuid_)
    assert (mig['status'], mig['shared_storage']) == ('done', True)
    others = [u for u in env['uuids'][1:] if _on(store, u) == source]
    # back, the failed host sees its stale domain and the shared directory, which the server runs from
    domain = {'uuid': uuid_, 'name': 'x', 'novalite': True, 'power_state': S.SHUTDOWN}
    first = reconcile.apply(store, source, [domain], [uuid_] + others)
    assert first['evacuated'] == [{'uuid': uuid_, 'name': 'x', 'migration': mig['uuid'], 'domain': True,
                                   'instance_dir': False, 'shared_storage': True}]
    assert uuid_ not in first['orphan_dirs'] and first['evacuations_completed'] == []
    # the domain gone, the directory still there: completed, and never an orphan of the failed host
    second = reconcile.apply(store, source, [], [uuid_] + others)
    assert second['evacuated'] == [] and second['evacuations_completed'] == [mig['uuid']]
    assert uuid_ not in second['orphan_dirs']
    # nor of a third host sharing the storage; the destination's own server it is, not an orphan there either
    assert uuid_ not in reconcile.plan(store, 'h9', [], [uuid_])['orphan_dirs']
    assert reconcile.plan(store, dest, [], [uuid_])['orphan_dirs'] == []


def test_stopped_target_state_forced_host_and_failure(env):
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    dest = [h for h in ('h1', 'h2', 'h3') if h != source][0]
    hosts.force_down(store, source)
    before = allocation_sums(store)
    out = _evacuate(store, uuid_, host=dest, force=True, target_state='stopped')
    assert (out['host_call']['host'], out['host_call']['state']) == (dest, 'stopped')
    failed = conductor.record_result(store, uuid_, 'evacuate', out['request_id'], {'failed': True, 'msg': 'boom'})
    # the destination freed, the server back on its failed host in ERROR: it can be evacuated again
    assert (failed['vm_state'], failed['task_state'], failed['host']) == (S.ERROR, None, source)
    assert allocation_sums(store) == before
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'failed'
    again = _evacuate(store, uuid_, host=dest, force=False, target_state='stopped')
    done = conductor.record_result(store, uuid_, 'evacuate', again['request_id'],
                                   {'changed': True, 'power_state': S.SHUTDOWN})
    assert (done['vm_state'], done['status'], done['host']) == (S.STOPPED, 'SHUTOFF', dest)


def test_no_valid_host_keeps_the_server(env):
    store, uuid_ = env['store'], env['uuids'][0]
    for name in ('h1', 'h2', 'h3'):
        hosts.force_down(store, name)
    out = _evacuate(store, uuid_)
    assert out['host_call'] is None
    row = instances.get(store, uuid_)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.ACTIVE, None, out['server']['host'])
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'error'
    assert evacuate.source_cleanup(store, row['host']) == {}


def test_an_interrupted_evacuation_is_ended_by_reconcile(env):
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    hosts.force_down(store, source)
    before = allocation_sums(store)
    out = _evacuate(store, uuid_)
    dest = out['server']['host']
    # no job owns the task state any more (a killed playbook): the destination's reconcile ends it as a failure
    result = reconcile.apply(store, dest, [], [], grace=0)
    assert [(s['uuid'], s['action']) for s in result['stale_task_states']] == [(uuid_, 'evacuate')]
    row = instances.get(store, uuid_)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.ERROR, None, source)
    assert allocation_sums(store) == before
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'failed'


def test_the_server_action_module_evacuates(env, db_url):
    """The module (as the playbook runs it, in-process): the host call is the destination's rebuild."""
    from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    dest = [h for h in ('h1', 'h2', 'h3') if h != source][0]
    args = {'server': uuid_, 'action': 'evacuate', 'host': dest, 'database_url': db_url, 'is_admin': True}
    refused = run_in_process('server_action', module_definition('server_action'), args)
    assert refused['failed'] and 'Compute service of %s is still in use.' % source in refused['msg']
    hosts.force_down(store, source)
    checked = run_in_process('server_action', module_definition('server_action'), args, check_mode=True)
    assert checked['host_call'] is None and instances.get(store, uuid_)['task_state'] is None
    out = run_in_process('server_action', module_definition('server_action'),
                         dict(args, target_state='stopped', on_shared_storage=True))
    assert (out['action'], out['host_call']['host'], out['host_call']['state']) == ('evacuate', dest, 'stopped')
    assert out['host_call']['on_shared_storage'] is True   # the caller's word, for the destination to check
    assert out['server']['task_state'] == S.REBUILD_SPAWNING


def test_the_callers_word_on_shared_storage_goes_to_the_destination_which_refuses_a_wrong_one(env):
    """Before 2.14 (onSharedStorage) the request's word travels in the destination's rebuild call; the host's
    refusal (Nova's InvalidSharedStorage, raised in the compute manager's rebuild) is recorded as Nova's
    evacuation failure: the server in ERROR on its failed host with the fault, the migration failed, the
    destination's claim dropped."""
    from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
    from ansible_collections.novalite.compute.plugins.module_utils.virt import driver
    store, uuid_ = env['store'], env['uuids'][0]
    source = _on(store, uuid_)
    hosts.force_down(store, source)
    with pytest.raises(InvalidInput):
        _evacuate(store, uuid_, on_shared_storage='yes')
    assert instances.get(store, uuid_)['task_state'] is None
    before = allocation_sums(store)
    out = _evacuate(store, uuid_, on_shared_storage=False)
    assert out['host_call']['on_shared_storage'] is False and out['host_call']['evacuate'] is True
    failed = conductor.record_result(store, uuid_, 'evacuate', out['request_id'],
                                     {'failed': True, 'changed': False, 'msg': driver.INVALID_SHARED_STORAGE})
    assert (failed['vm_state'], failed['task_state'], failed['host']) == (S.ERROR, None, source)
    assert instances.latest_fault(store, uuid_)['message'] == 'Invalid state of instance files on shared storage'
    assert allocation_sums(store) == before
    with store.read() as conn:
        assert migration_records.latest(conn, uuid_)['status'] == 'failed'
    # from 2.14 the request says nothing: the destination decides (no key in its call)
    again = _evacuate(store, uuid_)
    assert 'on_shared_storage' not in again['host_call']
