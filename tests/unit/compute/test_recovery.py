"""The action table, host-call failures, admin reset-state and reconcile's end of stale task states."""

import datetime

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, instances, reconcile, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import Forbidden, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _server(store, host='h1', **state):
    ctx = Context(user_id='u1', project_id='p1', is_admin=False)
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': {'id': 'img'}})
        instances.action_start(conn, inst['uuid'], 'create', ctx.request_id, 'u1', 'p1')
    if host:
        with store.read() as conn:
            known = conn.execute(table('compute_nodes').select().where(table('compute_nodes').c.host == host)).first()
        if known is None:
            add_host(store, host)
    values = dict(vm_state=S.ACTIVE, task_state=None, power_state=S.RUNNING, host=host)
    values.update(state)
    return instances.update(store, inst['uuid'], **values), ctx


def test_table_gives_nova_desired_states_and_host_states():
    assert action_table.HOST_STATE_FOR_VM_STATE == {S.ACTIVE: 'running', S.STOPPED: 'stopped',
                                                    S.PAUSED: 'paused', S.SUSPENDED: 'suspended',
                                                    S.SOFT_DELETED: 'stopped'}
    assert action_table.desired_table('running') == {S.ACTIVE: None, S.STOPPED: 'start', S.PAUSED: 'unpause',
                                                     S.SUSPENDED: 'resume', S.SOFT_DELETED: 'restore'}
    assert action_table.desired_table('stopped') == {S.STOPPED: None, S.SOFT_DELETED: None, S.ACTIVE: 'stop',
                                                     S.ERROR: 'stop'}
    assert action_table.VERBS == ('stop', 'start', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'lock',
                                  'unlock', 'reset_state', 'soft_delete', 'restore', 'force_delete', 'delete', 'rebuild',
                                  'rescue', 'unrescue', 'snapshot', 'backup', 'shelve', 'shelve_offload',
                                  'unshelve', 'evacuate', 'resize', 'migrate', 'confirm_resize', 'revert_resize',
                                  'live_migrate', 'attach_interface', 'detach_interface', 'trigger_crash_dump',
                                  'console_output')
    assert action_table.ACTION_FOR_TASK_STATE[S.DELETING] == 'delete'
    assert action_table.API_ACTIONS['restore'] == ('restore', 'os_compute_api:os-deferred-delete:restore')
    assert action_table.API_ACTIONS['forceDelete'] == ('force_delete', 'os_compute_api:os-deferred-delete:force')
    assert action_table.API_ACTIONS['os-resetState'] == ('reset_state',
                                                         'os_compute_api:os-admin-actions:reset_state')


def test_host_calls_carry_everything_and_delete_only_identity(store):
    inst, ctx = _server(store, user_data='{{ 7*7 }}')
    admin = Context(request_id='req-del')
    _row, call = server_actions.begin_action(store, inst['uuid'], 'delete', admin)
    assert call['instance'] == {'uuid': inst['uuid'], 'name': instances.domain_name(inst)}
    assert (call['module'], call['state'], call['action'], call['server'], call['request_id'], call['host']) == \
        ('instance', 'absent', 'delete', inst['uuid'], 'req-del', 'h1')


def test_unreachable_host_result_is_a_host_failure(store):
    inst, _ctx = _server(store)
    ctx = Context(request_id='req-stop')
    _row, call = server_actions.begin_action(store, inst['uuid'], 'stop', ctx)
    report = server_actions.report_from_loop_result(
        {'item': call, 'unreachable': True, 'changed': False,
         'msg': 'Failed to connect to the host via ssh: Connection refused'})
    rows = server_actions.record_many(store, [report])
    assert (rows[0]['vm_state'], rows[0]['task_state']) == (S.ACTIVE, None)
    assert 'Failed to connect' in instances.latest_fault(store, inst['uuid'])['message']
    assert server_actions.failures([report], rows) == [
        'stop of vm on h1: Failed to connect to the host via ssh: Connection refused']
    [_create, stop] = instances.list_actions(store, inst['uuid'])
    assert [(e['event'], e['result']) for e in stop['events']] == [('compute_stop_instance', 'Error')]


def test_reset_state_is_nova_os_reset_state(store):
    inst, _ctx = _server(store, task_state=S.REBOOTING, locked=True)
    with pytest.raises(Forbidden):
        server_actions.reset_state(store, inst['uuid'], 'error', Context(project_id='p1', is_admin=False))
    with pytest.raises(InvalidInput):
        server_actions.reset_state(store, inst['uuid'], 'stopped', Context())
    admin = Context(request_id='req-reset')
    out = server_actions.start(store, inst['uuid'], 'reset_state', admin, state='error')
    assert out['host_call'] is None
    row = instances.get(store, inst['uuid'])
    assert (row['vm_state'], row['task_state'], row['status'], row['locked']) == (S.ERROR, None, 'ERROR', True)
    action = instances.list_actions(store, inst['uuid'])[-1]
    assert (action['action'], action['request_id']) == ('resetState', 'req-reset')
    assert action['finish_time'] is not None
    back = server_actions.reset_state(store, inst['uuid'], 'active', Context())
    assert back['status'] == 'ACTIVE'


def _job(store, request_id, status, lease_expires):
    with store.begin() as conn:
        conn.execute(table('api_jobs').insert().values(
            ident=request_id, request_id=request_id, kind='action', extravars={}, instance_uuids=[],
            status=status, created_at=utcnow(), lease_expires=lease_expires))


def _domain(inst, power):
    return {'uuid': inst['uuid'], 'name': instances.domain_name(inst), 'power_state': power, 'novalite': True}


def test_reconcile_ends_task_states_no_running_job_owns(store):
    now = utcnow()
    admin = Context()
    # rebooting, no job owns it (a killed playbook), domain running -> ACTIVE
    rebooting, _c = _server(store)
    server_actions.begin_action(store, rebooting['uuid'], 'reboot_soft', Context(request_id='req-a'))
    # powering-off owned by a job whose lease is fresh -> left alone
    owned, _c = _server(store)
    server_actions.begin_action(store, owned['uuid'], 'stop', Context(request_id='req-b'))
    _job(store, 'req-b', 'running', now + datetime.timedelta(seconds=60))
    # pausing whose job's lease lapsed long ago, domain paused -> PAUSED
    lapsed, _c = _server(store)
    server_actions.begin_action(store, lapsed['uuid'], 'pause', Context(request_id='req-c'))
    _job(store, 'req-c', 'running', now - datetime.timedelta(seconds=7200))
    # a finished job left powering-on behind, domain gone -> ERROR
    gone, _c = _server(store, vm_state=S.STOPPED, power_state=S.SHUTDOWN)
    server_actions.begin_action(store, gone['uuid'], 'start', Context(request_id='req-d'))
    _job(store, 'req-d', 'failed', None)
    # a boot that never got a host -> ERROR
    unscheduled, _c = _server(store, host=None, vm_state=S.BUILDING, task_state=S.SCHEDULING)
    # a delete whose domain is already gone -> deleted
    deleting, _c = _server(store)
    server_actions.begin_action(store, deleting['uuid'], 'delete', Context(request_id='req-e'))
    domains = [_domain(rebooting, S.RUNNING), _domain(owned, S.RUNNING), _domain(lapsed, S.PAUSED_POWER)]

    planned = reconcile.apply(store, 'h1', domains, [], check_mode=True, grace=0)
    assert sorted(s['uuid'] for s in planned['stale_task_states']) == sorted(
        i['uuid'] for i in (rebooting, lapsed, gone, unscheduled, deleting))
    assert instances.get(store, rebooting['uuid'])['task_state'] == S.REBOOTING   # check mode wrote nothing

    done = reconcile.apply(store, 'h1', domains, [], grace=0)
    assert len(done['stale_task_states']) == 5 and done['changed']
    states = dict((i['uuid'], (i['vm_state'], i['task_state']))
                  for i in instances.list_instances(store, include_deleted=True))
    assert states[rebooting['uuid']] == (S.ACTIVE, None)
    assert states[owned['uuid']] == (S.ACTIVE, S.POWERING_OFF)
    assert states[lapsed['uuid']] == (S.PAUSED, None)
    assert states[gone['uuid']] == (S.ERROR, None)
    assert states[unscheduled['uuid']] == (S.ERROR, None)
    assert states[deleting['uuid']] == (S.DELETED, None)
    for inst in (rebooting, lapsed, gone, unscheduled):
        assert 'found by reconcile' in instances.latest_fault(store, inst['uuid'])['message']
    reboot = instances.list_actions(store, rebooting['uuid'])[-1]
    assert [(e['event'], e['result']) for e in reboot['events']] == [('compute_reboot_instance', 'Error')]
    # a second run has nothing left to do; the owned one is still owned
    assert reconcile.apply(store, 'h1', domains, [], grace=0)['stale_task_states'] == []
    assert admin.is_admin


def test_reconcile_leaves_a_fresh_playbook_action_alone(store):
    inst, _c = _server(store)
    server_actions.begin_action(store, inst['uuid'], 'reboot_soft', Context(request_id='req-p'))
    found = reconcile.apply(store, 'h1', [_domain(inst, S.RUNNING)], [])
    assert found['stale_task_states'] == []
    assert instances.get(store, inst['uuid'])['task_state'] == S.REBOOTING
    assert conductor.fault_message({'unreachable': True}) == 'host unreachable'
