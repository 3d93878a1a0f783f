"""Desired-state files: converge.yml across three registered hosts, idempotence, --check --diff plans, prune
scoped to the file's own servers; the server module's states through server.yml."""

import os

import pytest
import yaml

from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, converge, instances
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

HOSTS = ('node1', 'node2', 'node3')


def _write(env, desired):
    path = os.path.join(env.root, 'servers.yml')
    with open(path, 'w') as f:
        yaml.safe_dump(desired, f)
    return path


def _server(name, state='running'):
    return {'name': name, 'flavor': 'm1.tiny', 'image': 'novalite-test', 'state': state}


def test_converge_three_servers_then_change_the_file(env):
    desired = {'servers': [_server('web-1'), _server('web-2'), _server('web-3')]}
    path = _write(env, desired)

    plan = env.must('converge.yml', '--check', '--diff', desired_state_file=path)
    assert plan.changed == 1, 'one server_set call plans the whole file'
    assert all('"%s": {}' % name in plan.output for name in ('web-1', 'web-2', 'web-3')), plan.output[-4000:]
    assert instances.list_instances(env.store()) == [], 'check mode must not create anything'
    assert any("'host': 'node" in line or '"host": "node' in line for line in plan.output.splitlines()), \
        'the plan shows where each new server would be scheduled'

    first = env.must('converge.yml', desired_state_file=path)
    assert first.changed > 0
    servers = dict((s['display_name'], s) for s in instances.list_instances(env.store()))
    assert sorted(servers) == ['web-1', 'web-2', 'web-3']
    assert all(s['vm_state'] == S.ACTIVE and s['power_state'] == S.RUNNING for s in servers.values())
    assert sorted(s['host'] for s in servers.values()) == sorted(HOSTS), 'one per registered host (most free RAM wins)'
    for s in servers.values():
        assert libvirt_state(s['uuid']) == 'running'
        assert os.path.isfile(os.path.join(env.instances_paths[s['host']], s['uuid'], 'disk'))
    env.wait_for_console(servers['web-1'])

    again = env.must('converge.yml', desired_state_file=path)
    assert again.changed == 0, again.output[-4000:]

    desired['servers'][1]['state'] = 'stopped'
    desired['servers'][2]['state'] = 'absent'
    path = _write(env, desired)
    changed = env.must('converge.yml', desired_state_file=path)
    assert changed.changed > 0
    assert env.server(servers['web-2']['uuid'])['vm_state'] == S.STOPPED
    assert libvirt_state(servers['web-2']['uuid']) == 'shut off'
    assert env.server(servers['web-3']['uuid'])['deleted']
    assert libvirt_state(servers['web-3']['uuid']) is None
    assert env.server(servers['web-1']['uuid'])['vm_state'] == S.ACTIVE

    settled = env.must('converge.yml', desired_state_file=path)
    assert settled.changed == 0, settled.output[-4000:]


def test_converge_repairs_drift_and_prunes(env):
    path = _write(env, {'name': 'apps', 'servers': [_server('app-1'), _server('app-2')]})
    env.must('converge.yml', desired_state_file=path)
    app1 = env.server('app-1')
    # behind novalite's back: the domain is powered off
    import libvirt
    conn = libvirt.open('qemu:///system')
    try:
        conn.lookupByUUIDString(app1['uuid']).destroy()
    finally:
        conn.close()
    repaired = env.must('converge.yml', desired_state_file=path)
    assert repaired.changed > 0
    assert libvirt_state(app1['uuid']) == 'running'

    pruned = env.must('converge.yml', desired_state_file=_write(env, {'name': 'apps', 'prune': True,
                                                                      'servers': [_server('app-1')]}))
    assert pruned.changed > 0
    assert [s['display_name'] for s in instances.list_instances(env.store())] == ['app-1']


def test_one_run_makes_a_file_true_and_prune_keeps_other_servers(env):
    """A new server asked stopped is stopped after one run; prune deletes only this file's own servers."""
    # not this file's: a tenant's server made through the API, and one made by server.yml in the same project
    tenant = conductor.create_servers(env.store(), Context(user_id='u-t', project_id='tenant-project',
                                                           is_admin=False), {'name': 'web-2', 'flavor': 'm1.tiny',
                                                                             'image': 'novalite-test'})[0]
    env.must('server.yml', server_name='by-hand', flavor='m1.tiny', image='novalite-test')
    by_hand = env.server('by-hand')

    desired = {'name': 'web-tier', 'servers': [_server('web-1'), _server('web-2', 'stopped'),
                                               _server('web-3', 'paused')]}
    path = _write(env, desired)
    plan = env.must('converge.yml', '--check', '--diff', desired_state_file=path)
    assert plan.changed > 0 and '"state": "stopped"' in plan.output and '"host": "node' in plan.output, \
        plan.output[-4000:]
    assert len(instances.list_instances(env.store())) == 2, 'check mode creates nothing'

    env.must('converge.yml', desired_state_file=path)
    mine = dict((s['display_name'], s) for s in instances.list_instances(env.store(), project_id='admin'))
    assert mine['web-1']['vm_state'] == S.ACTIVE and libvirt_state(mine['web-1']['uuid']) == 'running'
    assert mine['web-2']['vm_state'] == S.STOPPED and libvirt_state(mine['web-2']['uuid']) == 'shut off'
    assert mine['web-3']['vm_state'] == S.PAUSED and libvirt_state(mine['web-3']['uuid']) == 'paused'
    assert all(mine[n]['system_metadata'][converge.SET_KEY] == 'web-tier' for n in ('web-1', 'web-2', 'web-3'))
    assert mine['web-2']['uuid'] != tenant['uuid'], "another project's namesake is not this file's web-2"
    assert [a['action'] for a in instances.list_actions(env.store(), mine['web-2']['uuid'])] == ['create', 'stop']

    again = env.must('converge.yml', desired_state_file=path)
    assert again.changed == 0, again.output[-4000:]

    desired['servers'][0]['state'] = 'stopped'
    change = env.must('converge.yml', '--check', '--diff', desired_state_file=_write(env, desired))
    lines = change.output.splitlines()
    assert any(line.startswith('-') and '"state": "running"' in line for line in lines), change.output[-4000:]
    assert any(line.startswith('+') and '"state": "stopped"' in line for line in lines), change.output[-4000:]
    assert env.server(mine['web-1']['uuid'])['vm_state'] == S.ACTIVE

    pruned = env.must('converge.yml', desired_state_file=_write(env, {'name': 'web-tier', 'prune': True,
                                                                      'servers': [_server('web-1')]}))
    assert pruned.changed > 0
    assert env.server(mine['web-2']['uuid'])['deleted'] and env.server(mine['web-3']['uuid'])['deleted']
    assert not env.server(mine['web-1']['uuid'])['deleted']
    assert not env.server(by_hand['uuid'])['deleted'] and libvirt_state(by_hand['uuid']) == 'running'
    assert not env.server(tenant['uuid'])['deleted']


def test_server_yml_states(env):
    """present leaves the power alone; a new server asked paused is paused after one run; busy fails clearly."""
    env.must('server.yml', server_name='s1', flavor='m1.tiny', image='novalite-test', server_state='paused')
    s1 = env.server('s1')
    assert (s1['vm_state'], libvirt_state(s1['uuid'])) == (S.PAUSED, 'paused')
    kept = env.must('server.yml', server_name='s1', server_state='present')
    assert kept.changed == 0 and env.server('s1')['vm_state'] == S.PAUSED
    env.must('server.yml', server_name='s1', server_state='running')
    assert env.server('s1')['vm_state'] == S.ACTIVE and libvirt_state(s1['uuid']) == 'running'
    instances.update(env.store(), s1['uuid'], task_state=S.POWERING_OFF)
    busy = env.playbook('server.yml', server_name='s1', server_state='suspended')
    assert busy.rc != 0 and 'busy (task_state powering-off)' in busy.output, busy.output[-3000:]
    assert env.server('s1')['task_state'] == S.POWERING_OFF and env.server('s1')['vm_state'] == S.ACTIVE


def test_bad_desired_state_changes_nothing(env):
    bad = _write(env, {'servers': [_server('ok-1'), dict(_server('bad-1'), colour='blue')]})
    run = env.playbook('converge.yml', desired_state_file=bad)
    assert run.rc != 0 and 'bad-1' in run.output and 'colour' in run.output
    dup = _write(env, {'servers': [_server('same'), _server('same')]})
    run = env.playbook('converge.yml', desired_state_file=dup)
    assert run.rc != 0 and 'unique' in run.output
    run = env.playbook('converge.yml', desired_state_file=_write(env, {'prune': True, 'servers': [_server('p')]}))
    assert run.rc != 0 and "prune needs the set's name" in run.output
    assert instances.list_instances(env.store()) == []
