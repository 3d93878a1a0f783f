"""Desired-state files: converge.yml across three registered hosts, idempotence, --check --diff plans."""

import os

import pytest
import yaml

from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances

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
    assert plan.changed >= 3
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
    path = _write(env, {'servers': [_server('app-1'), _server('app-2')]})
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

    pruned = env.must('converge.yml', desired_state_file=_write(env, {'prune': True, 'servers': [_server('app-1')]}))
    assert pruned.changed > 0
    assert [s['display_name'] for s in instances.list_instances(env.store())] == ['app-1']


def test_bad_desired_state_changes_nothing(env):
    bad = _write(env, {'servers': [_server('ok-1'), dict(_server('bad-1'), colour='blue')]})
    run = env.playbook('converge.yml', desired_state_file=bad)
    assert run.rc != 0 and 'bad-1' in run.output and 'colour' in run.output
    dup = _write(env, {'servers': [_server('same'), _server('same')]})
    run = env.playbook('converge.yml', desired_state_file=dup)
    assert run.rc != 0 and 'unique' in run.output
    assert instances.list_instances(env.store()) == []
