"""Instance records and Nova's action rules, on SQLite and MariaDB."""

import multiprocessing

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, conductor, instances, server_actions
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InstanceInvalidState, InstanceLocked, InvalidInput, NotFound,
)

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _new(store, name='vm1', project='p1', **state):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': name, 'project_id': project, 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': {'id': 'img'}})
    if state.get('host'):
        with store.read() as conn:
            known = conn.execute(schema.table('compute_nodes').select().where(
                schema.table('compute_nodes').c.host == state['host'])).first()
        if known is None:
            add_host(store, state['host'])
    if state:
        inst = instances.update(store, inst['uuid'], **state)
    return inst


def _ctx(admin=False, project='p1', user='u1'):
    return Context(user_id=user, project_id=project, is_admin=admin)


def test_create_records_build_scheduling(store):
    inst = _new(store, name='Web Server_1')
    assert inst['vm_state'] == S.BUILDING
    assert inst['task_state'] == S.SCHEDULING
    assert inst['status'] == 'BUILD'
    assert inst['instance_name'] == 'instance-%08x' % inst['id']
    assert inst['hostname'] == 'web-server-1'
    assert instances.get(store, inst['uuid'])['display_name'] == 'Web Server_1'
    assert instances.get(store, 'Web Server_1')['uuid'] == inst['uuid']


def test_get_unknown_and_ambiguous(store):
    with pytest.raises(NotFound) as err:
        instances.get(store, 'nope')
    assert err.value.field == 'server'
    _new(store, 'twin')
    _new(store, 'twin')
    with pytest.raises(Conflict):
        instances.get(store, 'twin')


def test_update_with_expected_task_state_is_compare_and_set(store):
    inst = _new(store)
    instances.update(store, inst['uuid'], expected_task_state=S.SCHEDULING, task_state=S.SPAWNING)
    with pytest.raises(Conflict) as err:
        instances.update(store, inst['uuid'], expected_task_state=S.SCHEDULING, task_state=S.SPAWNING)
    assert 'expected task_state' in err.value.message
    assert instances.get(store, inst['uuid'])['task_state'] == S.SPAWNING


@pytest.mark.parametrize('action,vm_state,ok', [
    ('pause', S.ACTIVE, True), ('pause', S.STOPPED, False), ('unpause', S.PAUSED, True),
    ('unpause', S.ACTIVE, False), ('stop', S.ACTIVE, True), ('stop', S.PAUSED, False),
    ('start', S.STOPPED, True), ('start', S.ACTIVE, False), ('suspend', S.ACTIVE, True),
    ('resume', S.SUSPENDED, True), ('resume', S.ACTIVE, False), ('reboot_soft', S.ACTIVE, True),
    ('reboot_soft', S.STOPPED, False), ('reboot_hard', S.STOPPED, True), ('reboot_hard', S.PAUSED, True),
    ('delete', S.ERROR, True), ('delete', S.BUILDING, True),
])
def test_allowed_source_states_follow_nova(action, vm_state, ok):
    inst = {'uuid': 'u', 'vm_state': vm_state, 'task_state': None, 'locked': False}
    if ok:
        action_table.check_action(inst, action, _ctx())
    else:
        with pytest.raises(InstanceInvalidState):
            action_table.check_action(inst, action, _ctx())


def test_refused_action_changes_nothing(store):
    inst = _new(store, vm_state=S.STOPPED, task_state=None, host='h1')
    with pytest.raises(InstanceInvalidState):
        server_actions.begin_action(store, inst['uuid'], 'pause', _ctx())
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state']) == (S.STOPPED, None)
    assert instances.list_actions(store, inst['uuid']) == []


def test_lock_refuses_non_admin_but_not_admin(store):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None)
    locked, call = server_actions.begin_action(store, inst['uuid'], 'lock', _ctx(), reason='maintenance')
    assert call is None and locked['locked'] and locked['locked_by'] == 'owner'
    with pytest.raises(InstanceLocked):
        server_actions.begin_action(store, inst['uuid'], 'stop', _ctx())
    assert instances.get(store, inst['uuid'])['task_state'] is None
    action_table.check_action(instances.get(store, inst['uuid']), 'stop', _ctx(admin=True))
    actions = [a['action'] for a in instances.list_actions(store, inst['uuid'])]
    assert actions == ['lock']


def test_admin_lock_cannot_be_undone_by_owner(store):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None)
    server_actions.begin_action(store, inst['uuid'], 'lock', _ctx(admin=True, project='admin'))
    with pytest.raises(InstanceLocked):
        server_actions.begin_action(store, inst['uuid'], 'unlock', _ctx())
    unlocked, _host_call = server_actions.begin_action(store, inst['uuid'], 'unlock', _ctx(admin=True, project='admin'))
    assert not unlocked['locked']


def test_other_project_cannot_see_server(store):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None, host='h1')
    with pytest.raises(NotFound):
        server_actions.begin_action(store, inst['uuid'], 'stop', _ctx(project='p2'))


def test_local_delete_of_unscheduled_server(store):
    inst = _new(store, vm_state=S.ERROR, task_state=None)
    ctx = _ctx()
    gone, call = server_actions.begin_action(store, inst['uuid'], 'delete', ctx)
    assert call is None
    conductor.record_result(store, inst['uuid'], 'delete', ctx.request_id)
    with pytest.raises(NotFound):
        instances.get(store, inst['uuid'])
    deleted = instances.get(store, inst['uuid'], include_deleted=True)
    assert deleted['deleted'] == deleted['id'] and deleted['vm_state'] == S.DELETED


def test_action_result_moves_states_and_records_events(store):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None, host='h1', power_state=S.RUNNING)
    ctx = _ctx()
    started, call = server_actions.begin_action(store, inst['uuid'], 'stop', ctx)
    assert started['task_state'] == S.POWERING_OFF
    assert (call['module'], call['state'], call['action'], call['host'], call['server'], call['request_id']) == \
        ('instance', 'stopped', 'stop', 'h1', inst['uuid'], ctx.request_id)
    done = conductor.record_result(store, inst['uuid'], 'stop', ctx.request_id, {'power_state': S.SHUTDOWN})
    assert (done['vm_state'], done['task_state'], done['power_state'], done['status']) == \
        (S.STOPPED, None, S.SHUTDOWN, 'SHUTOFF')
    [action] = instances.list_actions(store, inst['uuid'])
    assert action['action'] == 'stop' and action['request_id'] == ctx.request_id
    assert [(e['event'], e['result']) for e in action['events']] == [('compute_stop_instance', 'Success')]


def test_failed_action_keeps_vm_state_and_records_fault(store):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None, host='h1', power_state=S.RUNNING)
    ctx = _ctx()
    server_actions.begin_action(store, inst['uuid'], 'pause', ctx)
    after = conductor.record_result(store, inst['uuid'], 'pause', ctx.request_id,
                                    {'failed': True, 'msg': 'libvirt: domain is not running'})
    assert (after['vm_state'], after['task_state']) == (S.ACTIVE, None)
    assert instances.latest_fault(store, inst['uuid'])['message'] == 'libvirt: domain is not running'


def test_desired_state_transitions():
    active = {'vm_state': S.ACTIVE, 'display_name': 'x', 'status': 'ACTIVE'}
    assert action_table.action_for_desired(active, 'running') is None
    assert action_table.action_for_desired(active, 'paused') == 'pause'
    assert action_table.action_for_desired(dict(active, vm_state=S.PAUSED), 'running') == 'unpause'
    assert action_table.action_for_desired(dict(active, vm_state=S.SUSPENDED), 'running') == 'resume'
    with pytest.raises(InstanceInvalidState):
        action_table.action_for_desired(dict(active, vm_state=S.STOPPED), 'paused')
    with pytest.raises(InvalidInput):
        action_table.action_for_desired(active, 'sideways')


def _race_stop(db_url, uuid, queue):
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    try:
        server_actions.begin_action(Store(db_url, migrate=False), uuid, 'stop', Context(project_id='p1', is_admin=False))
        queue.put('won')
    except Conflict as exc:
        queue.put('conflict: %s' % exc.message)


def test_concurrent_actions_only_one_starts(store, db_url):
    inst = _new(store, vm_state=S.ACTIVE, task_state=None, host='h1')
    ctx = multiprocessing.get_context('spawn')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_race_stop, args=(db_url, inst['uuid'], queue)) for _process in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = [queue.get(timeout=5) for _proc in procs]
    assert outcomes.count('won') == 1, outcomes
    assert len(instances.list_actions(store, inst['uuid'])) == 1
