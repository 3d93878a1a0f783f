"""Shelve, shelveOffload and unshelve on the controller side: Nova's checks, states, image, claims and quota."""

import datetime
import hashlib
import os
import shutil
import subprocess

import pytest
from lib.sched_rows import add_host, allocation_sums

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, instances, quotas, reconcile, server_actions, shelve,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, Forbidden, InstanceInvalidState, InstanceLocked, InvalidRequest, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}, 'rxtx_factor': 1.0, 'description': None}


def _ctx(admin=False, project='p1', user='u1'):
    return Context(user_id=user, project_id=project, is_admin=admin)


@pytest.fixture
def env(store, tmp_path):
    image_store = str(tmp_path / 'images')
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1', az='nova')
    base = images.register(store, image_store, 'base', disk, visibility='public')
    ctx = _ctx()
    rows = conductor.create_servers(store, ctx, {'name': 'vm1', 'flavor': FLAVOR, 'image': base['id']})
    built = conductor.schedule_and_prepare(store, [rows[0]['uuid']], ctx.request_id)['builds'][0]
    conductor.record_result(store, rows[0]['uuid'], 'create', ctx.request_id,
                            {'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    assert built['host'] == 'h1'
    return {'store': store, 'image_store': image_store, 'disk': disk, 'base': base,
            'inst': instances.get(store, rows[0]['uuid'])}


def _host_snapshot(env, call):
    """What instance_snapshot and its action plugin do: a qcow2 at the call's dest, the guest powered off."""
    assert call['snapshot']['power_off'] is True
    shutil.copy(env['disk'], call['snapshot']['dest'])
    with open(call['snapshot']['dest'], 'rb') as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    return {'changed': True, 'sha256': digest, 'power_state': S.SHUTDOWN, 'method': 'cold'}


def _shelve(env, offload_time=0, ctx=None):
    out = server_actions.start(env['store'], env['inst']['uuid'], 'shelve', ctx or _ctx(),
                               image_store=env['image_store'], offload_time=offload_time)
    row = conductor.record_result(env['store'], env['inst']['uuid'], 'shelve', out['request_id'],
                                  _host_snapshot(env, out['host_call']))
    return out, row


def _offloaded(env):
    out, row = _shelve(env)
    nxt = row['reschedule']
    done = conductor.record_result(env['store'], env['inst']['uuid'], nxt['action'], nxt['request_id'],
                                   {'changed': True, 'power_state': S.NOSTATE})
    return out, done


def test_shelve_snapshots_then_offloads_at_once_releasing_the_claim(env):
    store, uuid = env['store'], env['inst']['uuid']
    assert allocation_sums(store) == {'h1': (1, 512, 1)}
    out = server_actions.start(store, uuid, 'shelve', _ctx(), image_store=env['image_store'])
    row, call, image = out['server'], out['host_call'], out['image']
    assert (row['task_state'], call['module'], call['action'], image['name'], image['status']) == (
        S.SHELVING, 'instance_snapshot', 'shelve', 'vm1-shelved', 'queued')
    assert (image['properties']['image_type'], image['properties']['instance_uuid']) == ('snapshot', uuid)
    assert row['system_metadata']['image_base_image_ref'] == env['base']['id']
    recorded = conductor.record_result(store, uuid, 'shelve', out['request_id'], _host_snapshot(env, call))
    # SHELVED with Nova's keys, then the offload's host call (instance absent) in the same request
    assert (recorded['vm_state'], recorded['task_state'], recorded['power_state']) == (
        S.SHELVED, S.SHELVING_OFFLOADING, S.SHUTDOWN)
    system = recorded['system_metadata']
    assert (system['shelved_image_id'], system['shelved_host']) == (image['id'], 'h1') and system['shelved_at']
    assert images.get(store, image['id'])['status'] == 'active'
    nxt = recorded['reschedule']
    assert (nxt['module'], nxt['state'], nxt['action'], nxt['request_id']) == (
        'instance', 'absent', 'shelve_offload', out['request_id'])
    done = conductor.record_result(store, uuid, 'shelve_offload', out['request_id'], {'changed': True})
    assert (done['vm_state'], done['task_state'], done['host'], done['node'], done['status']) == (
        S.SHELVED_OFFLOADED, None, None, None, 'SHELVED_OFFLOADED')
    assert allocation_sums(store) == {}
    act = [a for a in instances.list_actions(store, uuid) if a['action'] == 'shelve'][-1]
    assert [(e['event'], e['result']) for e in act['events'] if e['event'].startswith('compute_')] == [
        ('compute_shelve_instance', 'Success')]
    # a repeated report changes nothing
    assert conductor.record_result(store, uuid, 'shelve_offload', out['request_id'], {'changed': True})[
        'changed'] is False


def test_quota_counts_an_offloaded_server_as_an_instance_without_cores_or_ram(env):
    store = env['store']
    with store.read() as conn:
        assert {k: v for k, v in quotas.usage(conn, 'p1').items() if k in ('instances', 'cores', 'ram')} == {
            'instances': 1, 'cores': 1, 'ram': 512}
    _offloaded(env)
    with store.read() as conn:
        assert {k: v for k, v in quotas.usage(conn, 'p1').items() if k in ('instances', 'cores', 'ram')} == {
            'instances': 1, 'cores': 0, 'ram': 0}
    # cores must fit again to unshelve (Nova's deltas: instances 0, cores and ram of the flavor)
    quotas.set_limits(store, 'p1', {'cores': 0}, force=True)
    with pytest.raises(quotas.QuotaExceeded):
        server_actions.start(store, env['inst']['uuid'], 'unshelve', _ctx(), enforce_quota=True)
    assert instances.get(store, env['inst']['uuid'])['task_state'] is None


def test_unshelve_schedules_spawns_from_the_shelve_image_and_deletes_it(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, _done = _offloaded(env)
    image_id = out['image']['id']
    started = server_actions.start(store, uuid, 'unshelve', _ctx())
    row, call = started['server'], started['host_call']
    assert (row['vm_state'], row['task_state'], row['host'], row['status']) == (
        S.SHELVED_OFFLOADED, S.SPAWNING, 'h1', 'SHELVED_OFFLOADED')
    assert (call['module'], call['state'], call['action'], call['instance']['image']['id']) == (
        'instance', 'running', 'unshelve', image_id)
    assert allocation_sums(store) == {'h1': (1, 512, 1)}
    done = conductor.record_result(store, uuid, 'unshelve', started['request_id'],
                                   {'changed': True, 'power_state': S.RUNNING, 'domain_xml': '<domain/>'})
    assert (done['vm_state'], done['task_state'], done['power_state'], done['host']) == (S.ACTIVE, None, S.RUNNING,
                                                                                         'h1')
    assert not set(shelve.SHELVED_KEYS) & set(done['system_metadata'])
    assert done['image']['id'] == env['base']['id']   # the server's image is still the one it was booted from
    with pytest.raises(NotFound):
        images.get(store, image_id)
    assert not os.path.exists(os.path.join(env['image_store'], image_id))
    events = [a for a in instances.list_actions(store, uuid) if a['action'] == 'unshelve'][-1]['events']
    assert [(e['event'], e['result']) for e in events] == [('schedule_instances', 'Success'),
                                                           ('compute_unshelve_instance', 'Success')]


def test_unshelve_to_a_zone_or_a_host_of_an_offloaded_server(env):
    store, uuid = env['store'], env['inst']['uuid']
    add_host(store, 'h2', az='az2')
    _offloaded(env)
    with pytest.raises(Forbidden, match='unshelve_to_host'):
        server_actions.start(store, uuid, 'unshelve', _ctx(), unshelve_request={'host': 'h2'}, host_allowed=False)
    with pytest.raises(InvalidRequest, match='Compute host nowhere could not be found'):
        server_actions.start(store, uuid, 'unshelve', _ctx(), unshelve_request={'host': 'nowhere'})
    with pytest.raises(Conflict, match='is not in the availability zone "nova"'):
        server_actions.start(store, uuid, 'unshelve', _ctx(),
                             unshelve_request={'availability_zone': 'nova', 'host': 'h2'})
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state'], row['availability_zone']) == (S.SHELVED_OFFLOADED, None, 'nova')
    started = server_actions.start(store, uuid, 'unshelve', _ctx(), unshelve_request={'availability_zone': 'az2'})
    row = started['server']
    assert (row['host'], row['availability_zone'], row['system_metadata']['pinned_availability_zone']) == (
        'h2', 'az2', 'az2')
    assert allocation_sums(store) == {'h2': (1, 512, 1)}


def test_a_failed_unshelve_spawn_releases_the_claim_and_stays_offloaded(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, _done = _offloaded(env)
    started = server_actions.start(store, uuid, 'unshelve', _ctx())
    done = conductor.record_result(store, uuid, 'unshelve', started['request_id'], {'failed': True, 'msg': 'boom'})
    assert (done['vm_state'], done['task_state'], done['host']) == (S.SHELVED_OFFLOADED, None, None)
    assert allocation_sums(store) == {}
    assert images.get(store, out['image']['id'])['status'] == 'active'   # kept for the next try
    assert 'boom' in instances.latest_fault(store, uuid)['message']


def test_unshelve_with_no_valid_host_ends_the_task_and_stays_offloaded(env):
    store, uuid = env['store'], env['inst']['uuid']
    _offloaded(env)
    instances.update(store, uuid, system_metadata=dict(instances.get(store, uuid)['system_metadata'],
                                                       requested_destination={'host': 'nowhere'}))
    with store.begin() as conn:
        from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
        conn.execute(table('services').update().values(disabled=True))
    started = server_actions.start(store, uuid, 'unshelve', _ctx())
    assert started['host_call'] is None
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.SHELVED_OFFLOADED, None, None)
    events = [a for a in instances.list_actions(store, uuid) if a['action'] == 'unshelve'][-1]['events']
    assert [(e['event'], e['result']) for e in events] == [('schedule_instances', 'Error')]


def test_unshelve_of_a_server_still_on_its_host_powers_it_on(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, row = _shelve(env, offload_time=-1)
    assert (row['vm_state'], row['task_state'], row['host'], row.get('reschedule')) == (S.SHELVED, None, 'h1', None)
    assert allocation_sums(store) == {'h1': (1, 512, 1)}   # still on its host
    # Nova: a zone only for an offloaded server (UnshelveInstanceInvalidState, 409)
    with pytest.raises(InstanceInvalidState, match='SHELVED_OFFLOADED'):
        server_actions.start(store, uuid, 'unshelve', _ctx(), unshelve_request={'availability_zone': 'nova'})
    started = server_actions.start(store, uuid, 'unshelve', _ctx())
    call = started['host_call']
    assert (started['server']['task_state'], call['state'], call['host']) == (S.POWERING_ON, 'running', 'h1')
    done = conductor.record_result(store, uuid, 'unshelve', started['request_id'], {'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state']) == (S.ACTIVE, None)
    with pytest.raises(NotFound):
        images.get(store, out['image']['id'])


def test_refusals_change_nothing(env):
    store, uuid = env['store'], env['inst']['uuid']
    with pytest.raises(InstanceInvalidState, match="Cannot 'unshelve' instance .* vm_state active"):
        server_actions.start(store, uuid, 'unshelve', _ctx())
    with pytest.raises(InstanceInvalidState, match="Cannot 'shelveOffload'"):
        server_actions.start(store, uuid, 'shelve_offload', _ctx())
    with pytest.raises(NotFound):
        server_actions.start(store, uuid, 'shelve', _ctx(project='p2'), image_store=env['image_store'])
    server_actions.start(store, uuid, 'lock', _ctx())
    with pytest.raises(InstanceLocked):
        server_actions.start(store, uuid, 'shelve', _ctx(), image_store=env['image_store'])
    server_actions.start(store, uuid, 'unlock', _ctx())
    assert images.list_images(store, properties={'instance_uuid': uuid}) == []
    _offloaded(env)
    with pytest.raises(InvalidRequest, match='The requested availability zone is not available'):
        server_actions.start(store, uuid, 'unshelve', _ctx(), unshelve_request={'availability_zone': 'mars'})
    with pytest.raises(InstanceInvalidState, match="Cannot 'shelve'"):
        server_actions.start(store, uuid, 'shelve', _ctx(), image_store=env['image_store'])
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state']) == (S.SHELVED_OFFLOADED, None)


def test_a_shelve_recorded_again_after_its_import_keeps_the_image_and_no_incoming_file(env):
    store, uuid = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid, 'shelve', _ctx(), image_store=env['image_store'], offload_time=-1)
    result = _host_snapshot(env, out['host_call'])
    shelve._step_upload(store, uuid)
    shelve._imported(store, instances.get(store, uuid)['system_metadata'][shelve.PENDING], result)
    # (a worker died here) the job is run again: the host's file is fetched again, the image is active already
    again = _host_snapshot(env, out['host_call'])
    done = conductor.record_result(store, uuid, 'shelve', out['request_id'], again)
    assert (done['vm_state'], done['task_state'], done['system_metadata']['shelved_image_id']) == (
        S.SHELVED, None, out['image']['id'])
    assert images.get(store, out['image']['id'])['status'] == 'active'
    assert not [n for n in os.listdir(env['image_store']) if n.startswith('.incoming')]


def test_a_failed_shelve_snapshot_leaves_no_image_and_keeps_the_vm_state(env):
    store, uuid = env['store'], env['inst']['uuid']
    out = server_actions.start(store, uuid, 'shelve', _ctx(), image_store=env['image_store'])
    done = conductor.record_result(store, uuid, 'shelve', out['request_id'],
                                   {'failed': True, 'msg': 'disk gone', 'power_state': S.SHUTDOWN})
    assert (done['vm_state'], done['task_state'], done['power_state']) == (S.ACTIVE, None, S.SHUTDOWN)
    with pytest.raises(NotFound):
        images.get(store, out['image']['id'])
    assert 'shelved_image_id' not in done['system_metadata']


def test_delete_of_an_offloaded_server_deletes_its_shelve_image(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, _done = _offloaded(env)
    started = server_actions.start(store, uuid, 'delete', _ctx())
    assert started['host_call'] is None   # no host: deleted in the store at once
    with pytest.raises(NotFound):
        images.get(store, out['image']['id'])


def test_offload_due_and_a_taken_over_shelve_resumes_at_its_offload(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, _row = _shelve(env, offload_time=60)
    assert shelve.offload_due(store, 60) == []
    later = utcnow() + datetime.timedelta(seconds=61)
    assert [i['uuid'] for i in shelve.offload_due(store, 60, now=later)] == [uuid]
    # a shelve job taken over after its snapshot was recorded runs the offload, not the snapshot again
    instances.update(store, uuid, task_state=S.SHELVING_OFFLOADING)
    resumed = server_actions.resume_call(store, out['host_call'])
    assert (resumed['module'], resumed['state'], resumed['action']) == ('instance', 'absent', 'shelve_offload')
    # ... and a job that ends there without a result records the offload's failure, not a stuck task state
    done = conductor.record_result(store, uuid, 'shelve', out['request_id'], error='worker gone')
    assert (done['vm_state'], done['task_state']) == (S.SHELVED, None)


def test_the_worker_periodic_queues_one_offload_per_due_server(env):
    from novalite_api.jobs import JobQueue
    store, uuid = env['store'], env['inst']['uuid']
    _shelve(env, offload_time=60)
    later = utcnow() + datetime.timedelta(seconds=61)
    cfg = {'accepted_grace_seconds': 300}
    first, second = JobQueue(cfg, store), JobQueue(cfg, store)
    assert first.offload_due(60, now=later) == [uuid]
    assert second.offload_due(60, now=later) == []   # the first holds the task state
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state']) == (S.SHELVED, S.SHELVING_OFFLOADING)
    event = [a for a in instances.list_actions(store, uuid) if a['action'] == 'shelveOffload'][-1]['events']
    assert [e['event'] for e in event] == ['compute_shelve_offload_instance']


def test_reconcile_finishes_an_interrupted_offload_whose_domain_is_gone(env):
    store, uuid = env['store'], env['inst']['uuid']
    out, row = _shelve(env)
    assert row['task_state'] == S.SHELVING_OFFLOADING
    done = reconcile.apply(store, 'h1', [], [], grace=0)
    assert [s['uuid'] for s in done['stale_task_states']] == [uuid]
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.SHELVED_OFFLOADED, None, None)
    assert allocation_sums(store) == {}


def test_reconcile_ends_an_interrupted_unshelve_spawn_cleanly(env):
    store, uuid = env['store'], env['inst']['uuid']
    _offloaded(env)
    server_actions.start(store, uuid, 'unshelve', _ctx())
    reconcile.apply(store, 'h1', [], [], grace=0)
    row = instances.get(store, uuid)
    assert (row['vm_state'], row['task_state'], row['host']) == (S.SHELVED_OFFLOADED, None, None)
    assert allocation_sums(store) == {}
    with pytest.raises(Conflict):
        instances.update(store, uuid, expected_task_state=S.SPAWNING, task_state=None)
