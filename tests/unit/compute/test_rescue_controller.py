"""Rescue / unrescue on the controller side: Nova's table rows, checks, host calls and records (SQLite and MariaDB)."""

import subprocess

import pytest
from lib.sched_rows import add_host
from test_rebuild_and_console import FLAVOR, _ctx

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, desired, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InstanceLocked, InvalidInput, NotFound,
)


@pytest.fixture
def catalog(store, tmp_path):
    image_store = str(tmp_path / 'images')
    disk = str(tmp_path / 'tiny.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True)
    add_host(store, 'h1')
    return {
        'own': images.register(store, image_store, 'own', disk, visibility='public'),
        'rescue': images.register(store, image_store, 'rescue-img', disk, visibility='public'),
        'private': images.register(store, image_store, 'theirs', disk, visibility='private', owner='p2'),
        'volume': images.register(store, image_store, 'vol-snap', disk, visibility='public',
                                  properties={'img_block_device_mapping': '[{}]'}),
        'stable': images.register(store, image_store, 'stable', disk, visibility='public',
                                  properties={'hw_rescue_device': 'disk', 'hw_rescue_bus': 'sata'}),
        'floppy': images.register(store, image_store, 'floppy', disk, visibility='public',
                                  properties={'hw_rescue_device': 'floppy'}),
    }


def _server(store, catalog, vm_state=S.ACTIVE, **values):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm1', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': conductor.image_snapshot(catalog['own'])})
    values = dict({'task_state': None, 'host': 'h1', 'node': 'h1', 'domain_xml': '<domain>original</domain>'},
                  **values)
    return instances.update(store, inst['uuid'], vm_state=vm_state,
                            power_state=S.RUNNING if vm_state == S.ACTIVE else S.SHUTDOWN, **values)


def test_table_rows_are_novas():
    rescue, unrescue = action_table.ACTIONS['rescue'], action_table.ACTIONS['unrescue']
    assert (rescue.vm_states, rescue.task_states, rescue.task_state, rescue.result) == (
        [S.ACTIVE, S.STOPPED, S.ERROR], [None], S.RESCUING, S.RESCUED)
    assert (unrescue.vm_states, unrescue.task_states, unrescue.task_state, unrescue.result) == (
        [S.RESCUED], [None], S.UNRESCUING, S.ACTIVE)
    assert (rescue.rule, unrescue.rule) == ('os_compute_api:os-rescue', 'os_compute_api:os-unrescue')
    assert (rescue.event, unrescue.event, rescue.lock_checked, unrescue.lock_checked) == (
        'rescue', 'unrescue', True, True)
    assert action_table.API_ACTIONS['rescue'] == ('rescue', 'os_compute_api:os-rescue')
    assert {'rescue', 'unrescue'} <= set(action_table.VERBS)
    assert action_table.ACTION_FOR_TASK_STATE[S.RESCUING] == 'rescue'
    assert action_table.ACTION_FOR_TASK_STATE[S.UNRESCUING] == 'unrescue'
    # RESCUE is no power state: never confirmed by a sync, never reached or left by a desired state
    assert S.RESCUED not in action_table.HOST_STATE_FOR_VM_STATE
    assert S.RESCUED not in action_table.desired_table('running')
    assert action_table.desired_table('running')[S.STOPPED] == 'start'
    assert S.api_status(S.RESCUED) == 'RESCUE' and S.api_status(S.RESCUED, S.UNRESCUING) == 'RESCUE'
    assert S.api_status(S.ACTIVE, S.RESCUING) == 'ACTIVE'


@pytest.mark.parametrize('vm_state,allowed', [
    (S.ACTIVE, True), (S.STOPPED, True), (S.ERROR, True), (S.PAUSED, False), (S.SUSPENDED, False),
    (S.RESCUED, False)])
def test_rescue_allowed_states(vm_state, allowed):
    inst = {'uuid': 'u', 'vm_state': vm_state, 'task_state': None, 'locked': False}
    if allowed:
        action_table.check_action(inst, 'rescue', _ctx())
    else:
        with pytest.raises(InstanceInvalidState, match="Cannot 'rescue'"):
            action_table.check_action(inst, 'rescue', _ctx())
    with pytest.raises(InstanceInvalidState):
        action_table.check_action(dict(inst, task_state=S.POWERING_OFF), 'rescue', _ctx())
    if vm_state != S.RESCUED:
        with pytest.raises(InstanceInvalidState, match="Cannot 'unrescue'"):
            action_table.check_action(inst, 'unrescue', _ctx())


def test_rescue_and_unrescue_walk_novas_states_and_records(store, catalog):
    inst = _server(store, catalog, vm_state=S.STOPPED)
    out = server_actions.start(store, inst['uuid'], 'rescue', _ctx())
    row, call = out['server'], out['host_call']
    assert (row['vm_state'], row['task_state'], row['status']) == (S.STOPPED, S.RESCUING, 'SHUTOFF')
    assert (call['module'], call['action'], call['state'], call['rescue']['image']['id']) == (
        'instance', 'rescue', 'running', catalog['own']['id'])   # the server's own image by default
    assert call['rescue']['image']['location'] == catalog['own']['location']
    done = conductor.record_result(store, inst['uuid'], 'rescue', out['request_id'],
                                   {'power_state': S.RUNNING, 'domain_xml': '<domain>rescue</domain>'})
    assert (done['vm_state'], done['task_state'], done['status'], done['power_state']) == (
        S.RESCUED, None, 'RESCUE', S.RUNNING)
    assert done['domain_xml'] == '<domain>original</domain>'   # the rescue domain is not the server's
    # a rescued server: no second rescue, no stop; unrescue
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, inst['uuid'], 'rescue', _ctx())
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, inst['uuid'], 'stop', _ctx())
    out = server_actions.start(store, inst['uuid'], 'unrescue', _ctx())
    assert (out['server']['task_state'], out['host_call']['unrescue'], out['host_call']['state']) == (
        S.UNRESCUING, True, 'running')
    assert 'rescue' not in out['host_call']
    done = conductor.record_result(store, inst['uuid'], 'unrescue', out['request_id'],
                                   {'power_state': S.RUNNING, 'domain_xml': '<domain>original</domain>'})
    assert (done['vm_state'], done['task_state'], done['status']) == (S.ACTIVE, None, 'ACTIVE')
    actions = instances.list_actions(store, inst['uuid'])
    assert [a['action'] for a in actions] == ['rescue', 'unrescue']
    assert [[(e['event'], e['result']) for e in a['events']] for a in actions] == [
        [('compute_rescue_instance', 'Success')], [('compute_unrescue_instance', 'Success')]]


def test_rescue_image_ref_and_refusals_change_nothing(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rescue', _ctx(), rescue_image=catalog['rescue']['id'])
    assert out['host_call']['rescue']['image']['id'] == catalog['rescue']['id']
    assert out['host_call']['instance']['image']['id'] == catalog['own']['id']   # the server keeps its image
    conductor.record_result(store, inst['uuid'], 'rescue', out['request_id'], {'power_state': S.RUNNING})
    assert instances.get(store, inst['uuid'])['image_ref'] == catalog['own']['id']

    other = _server(store, catalog)
    before = instances.get(store, other['uuid'])
    for ref in ('c0ffee00-0000-4000-8000-000000000000', 'no-such-image', catalog['private']['id'],
                catalog['volume']['id']):
        with pytest.raises(InvalidInput, match="Requested rescue image '%s' is not supported" % ref) as info:
            server_actions.start(store, other['uuid'], 'rescue', _ctx(), rescue_image=ref)
        assert info.value.field == 'rescue_image_ref' and info.value.code == 400
    # Nova's stable device rescue: the device and bus the rescue image asks for must be ones the host has
    with pytest.raises(InvalidInput, match="Requested rescue device 'floppy' is not supported"):
        server_actions.start(store, other['uuid'], 'rescue', _ctx(), rescue_image=catalog['floppy']['id'])
    stable = server_actions.start(store, other['uuid'], 'rescue', _ctx(), check_mode=True,
                                  rescue_image=catalog['stable']['id'])
    assert stable['server']['uuid'] == other['uuid']
    refused = instances.get(store, other['uuid'])
    assert (refused['vm_state'], refused['task_state'], refused['updated_at']) == (
        before['vm_state'], before['task_state'], before['updated_at'])
    # another project's server is not there; locked (by an admin) refuses before the image is looked at
    with pytest.raises(NotFound):
        server_actions.start(store, other['uuid'], 'rescue', _ctx(project='p2'))
    instances.update(store, other['uuid'], locked=True, locked_by='admin')
    with pytest.raises(InstanceLocked):
        server_actions.start(store, other['uuid'], 'rescue', _ctx(), rescue_image='no-such-image')
    instances.update(store, other['uuid'], locked=False, locked_by=None)
    unchanged = instances.get(store, other['uuid'])
    assert (unchanged['vm_state'], unchanged['task_state']) == (before['vm_state'], before['task_state'])
    before = unchanged     # the test's own lock and unlock wrote the row (on MariaDB updated_at follows any write)
    # an ERROR that never reached a host has no disk to rescue
    nohost = _server(store, catalog, vm_state=S.ERROR, host=None, node=None)
    with pytest.raises(InstanceInvalidState, match='no host'):
        server_actions.start(store, nohost['uuid'], 'rescue', _ctx())
    after = instances.get(store, other['uuid'])
    assert (after['vm_state'], after['task_state'], after['updated_at']) == (
        before['vm_state'], before['task_state'], before['updated_at'])
    assert instances.list_actions(store, other['uuid']) == []
    # check mode checks and writes nothing
    checked = server_actions.start(store, other['uuid'], 'rescue', _ctx(), check_mode=True,
                                   rescue_image=catalog['rescue']['id'])
    assert checked['host_call'] is None and instances.get(store, other['uuid'])['task_state'] is None


def test_a_rescue_the_host_failed_is_error_with_a_fault(store, catalog):
    inst = _server(store, catalog)
    out = server_actions.start(store, inst['uuid'], 'rescue', _ctx())
    failed = conductor.record_result(store, inst['uuid'], 'rescue', out['request_id'],
                                     {'failed': True, 'msg': 'rescue image unreadable'})
    assert (failed['vm_state'], failed['task_state']) == (S.ERROR, None)   # Nova's rescue_instance errors out
    assert 'rescue image unreadable' in instances.latest_fault(store, inst['uuid'])['message']
    [action] = instances.list_actions(store, inst['uuid'])
    assert action['events'][0]['result'] == 'Error'
    # ERROR is a state a rescue starts from
    assert server_actions.start(store, inst['uuid'], 'rescue', _ctx())['server']['task_state'] == S.RESCUING


def test_desired_states_leave_a_rescued_server_alone(store, catalog):
    inst = _server(store, catalog, vm_state=S.RESCUED)
    assert desired.decide(inst, 'present') == desired.Decision(None, False, None)   # no sync of a rescue
    with pytest.raises(InstanceInvalidState):
        desired.decide(inst, 'running')
    # an unrescue under way ends running; a rescue under way ends in no state a desired state names
    assert desired.decide(dict(inst, task_state=S.UNRESCUING), 'running') == desired.Decision(None, False, None)
    with pytest.raises(InstanceInvalidState, match='busy'):
        desired.decide(dict(inst, vm_state=S.ACTIVE, task_state=S.RESCUING), 'running')
    assert desired.decide(inst, 'absent').action == 'delete'


def test_reconcile_leaves_an_interrupted_rescue_in_error(store, catalog):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import reconcile
    inst = _server(store, catalog)
    server_actions.start(store, inst['uuid'], 'rescue', _ctx())   # no job owns it: a killed playbook
    domain = {'uuid': inst['uuid'], 'name': instances.domain_name(inst), 'power_state': S.RUNNING, 'novalite': True}
    done = reconcile.apply(store, 'h1', [domain], [], grace=0)
    assert [s['action'] for s in done['stale_task_states']] == ['rescue']
    # a running domain may be the rescue one or the server's own: ERROR, not ACTIVE
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state']) == (S.ERROR, None)
    assert 'found by reconcile' in instances.latest_fault(store, inst['uuid'])['message']
    assert server_actions.start(store, inst['uuid'], 'rescue', _ctx())['server']['task_state'] == S.RESCUING
