"""Deferred delete (Nova's reclaim_instance_interval): soft delete, restore, forceDelete and the reclaim."""

import datetime

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances, quotas, server_actions
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.compute.quotas import QuotaExceeded
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceInvalidState, InstanceLocked
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _server(store, launched=True, **state):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': {'id': 'img'}})
    add_host(store, 'h-%s' % inst['uuid'][:8])
    values = dict(vm_state=S.ACTIVE, task_state=None, power_state=S.RUNNING, host='h-%s' % inst['uuid'][:8],
                  launched_at=utcnow() if launched else None)
    values.update(state)
    return instances.update(store, inst['uuid'], **values)


def _member(request_id=None):
    return Context(user_id='u1', project_id='p1', is_admin=False, request_id=request_id)


def _soft_delete(store, inst):
    started = server_actions.start(store, inst['uuid'], 'soft_delete', _member())
    assert started['host_call']['state'] == 'stopped'   # the guest is powered off, its domain and disk kept
    return conductor.record_result(store, inst['uuid'], 'soft_delete', started['request_id'],
                                   host_result={'power_state': S.SHUTDOWN})


def test_soft_delete_keeps_the_server_off_and_out_of_quota(store):
    inst = _server(store)
    with store.read() as conn:
        assert quotas.usage(conn, 'p1')['instances'] == 1
    done = _soft_delete(store, inst)
    assert (done['vm_state'], done['task_state'], done['power_state']) == (S.SOFT_DELETED, None, S.SHUTDOWN)
    assert done['status'] == 'SOFT_DELETED' and done['deleted_at'] is not None
    assert instances.get(store, inst['uuid'])['uuid'] == inst['uuid']   # still a live row
    with store.read() as conn:
        used = quotas.usage(conn, 'p1')
    assert (used['instances'], used['cores'], used['ram']) == (0, 0, 0)


def test_restore_powers_on_and_counts_again(store):
    inst = _soft_delete(store, _server(store))
    started = server_actions.start(store, inst['uuid'], 'restore', _member())
    assert started['host_call']['state'] == 'running' and started['server']['task_state'] == S.RESTORING
    done = conductor.record_result(store, inst['uuid'], 'restore', started['request_id'],
                                   host_result={'power_state': S.RUNNING})
    assert (done['vm_state'], done['task_state'], done['deleted_at']) == (S.ACTIVE, None, None)
    with store.read() as conn:
        assert quotas.usage(conn, 'p1')['instances'] == 1


def test_restore_over_quota_is_refused_and_changes_nothing(store):
    inst = _soft_delete(store, _server(store))
    quotas.set_limits(store, 'p1', {'instances': 1})
    _server(store)   # the project's one instance now
    with pytest.raises(QuotaExceeded) as err:
        server_actions.start(store, inst['uuid'], 'restore', _member())
    assert 'Quota exceeded for instances' in str(err.value)
    again = instances.get(store, inst['uuid'])
    assert (again['vm_state'], again['task_state']) == (S.SOFT_DELETED, None)


def test_restore_needs_soft_deleted_and_respects_the_lock(store):
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, _server(store)['uuid'], 'restore', _member())
    inst = _soft_delete(store, _server(store))
    instances.update(store, inst['uuid'], locked=True)
    with pytest.raises(InstanceLocked):
        server_actions.start(store, inst['uuid'], 'restore', _member())


def test_a_server_that_never_launched_cannot_be_soft_deleted(store):
    inst = _server(store, launched=False, vm_state=S.ERROR)
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, inst['uuid'], 'soft_delete', _member())
    assert instances.get(store, inst['uuid'])['task_state'] is None


def test_force_delete_deletes_a_soft_deleted_server_and_frees_its_claims(store):
    inst = _soft_delete(store, _server(store))
    started = server_actions.start(store, inst['uuid'], 'force_delete', _member())
    assert (started['host_call']['state'], started['server']['task_state']) == ('absent', S.DELETING)
    conductor.record_result(store, inst['uuid'], 'force_delete', started['request_id'],
                            host_result={'changed': True})
    gone = instances.get(store, inst['uuid'], include_deleted=True)
    assert gone['vm_state'] == S.DELETED and gone['deleted'] != 0
    with store.read() as conn:
        assert conn.execute(table('allocations').select().where(
            table('allocations').c.consumer_uuid == inst['uuid'])).first() is None


def test_due_for_reclaim_is_the_soft_deleted_at_rest_past_the_interval(store):
    old = _soft_delete(store, _server(store))
    fresh = _soft_delete(store, _server(store))
    busy = _soft_delete(store, _server(store))
    instances.update(store, busy['uuid'], task_state=S.RESTORING)
    _server(store)   # active
    hour_ago = utcnow() - datetime.timedelta(hours=1)
    with store.begin() as conn:
        t = table('instances')
        conn.execute(t.update().where(t.c.uuid.in_([old['uuid'], busy['uuid']])).values(deleted_at=hour_ago))
    due = instances.due_for_reclaim(store, utcnow() - datetime.timedelta(minutes=30))
    assert [d['uuid'] for d in due] == [old['uuid']]
    assert sorted(d['uuid'] for d in instances.due_for_reclaim(store, utcnow() + datetime.timedelta(seconds=1))) \
        == sorted([old['uuid'], fresh['uuid']])


def test_reclaim_queues_one_delete_per_due_server_even_with_two_workers(store):
    from novalite_api.jobs import JobQueue
    cfg = {'accepted_grace_seconds': 300}
    inst = _soft_delete(store, _server(store))
    later = utcnow() + datetime.timedelta(seconds=61)
    first, second = JobQueue(cfg, store), JobQueue(cfg, store)
    assert first.reclaim_due(60, now=later) == [inst['uuid']]
    assert second.reclaim_due(60, now=later) == []   # the first holds the task state
    row = instances.get(store, inst['uuid'])
    assert (row['vm_state'], row['task_state']) == (S.SOFT_DELETED, S.DELETING)
    with store.read() as conn:
        jobs = conn.execute(table('api_jobs').select()).fetchall()
    assert [(j.status, j.extravars['host_call']['state']) for j in jobs] == [('queued', 'absent')]
