"""Nova's build retry: a boot that fails on one host is rescheduled to another (max_attempts)."""

import os
import shutil

import pytest
import sqlalchemy as sa

from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

HOSTS = ('node1', 'node2', 'node3')


def _break(env, host):
    """The host's instances path becomes a file: every spawn there fails before creating anything."""
    path = env.instances_paths[host]
    shutil.rmtree(path)
    with open(path, 'w') as f:
        f.write('not a directory')


def _failed_builds(env):
    with env.store().read() as conn:
        return dict(conn.execute(sa.text('SELECT host, failed_builds FROM compute_nodes')).fetchall())


def test_failed_boot_is_rescheduled_to_a_working_host(env):
    _break(env, 'node1')
    _break(env, 'node2')
    env.must('server.yml', server_name='retry-me', flavor='m1.tiny', image='novalite-test')
    vm = env.server('retry-me')
    assert (vm['vm_state'], vm['task_state'], vm['host']) == (S.ACTIVE, None, 'node3')
    assert libvirt_state(vm['uuid']) == 'running'
    retry = vm['system_metadata'].get('retry') or {'num_attempts': 1, 'hosts': []}
    assert set(retry['hosts']) <= {'node1', 'node2'} and retry['num_attempts'] == len(retry['hosts']) + 1
    [create] = instances.list_actions(env.store(), vm['uuid'])
    build_events = [e for e in create['events'] if e['event'] == 'compute__do_build_and_run_instance']
    assert [e['result'] for e in build_events] == ['Error'] * len(retry['hosts']) + ['Success']
    # only node3 holds a claim; the failed hosts count a build failure each time they were tried
    with env.store().read() as conn:
        held = conn.execute(sa.text('SELECT n.host FROM allocations a JOIN compute_nodes n'
                                    ' ON a.compute_node_id = n.id')).fetchall()
    assert [h for (h,) in held] == ['node3']
    failures = _failed_builds(env)
    assert all(failures[h] == 1 for h in retry['hosts']) and failures['node3'] == 0


def test_batch_boot_gives_up_after_max_attempts(env):
    for host in HOSTS:
        _break(env, host)
    run = env.playbook('boot.yml', name='doomed', flavor='m1.tiny', image='novalite-test')
    assert run.rc != 0
    [vm] = instances.list_instances(env.store())
    assert (vm['vm_state'], vm['task_state']) == (S.ERROR, None)
    fault = instances.latest_fault(env.store(), vm['uuid'])
    assert 'Exceeded maximum number of retries (3)' in fault['message']
    assert vm['system_metadata']['retry']['num_attempts'] == 3
    assert len(set(vm['system_metadata']['retry']['hosts'])) == 2   # each attempt on a different host
    with env.store().read() as conn:
        assert conn.execute(sa.text('SELECT COUNT(*) FROM allocations')).scalar() == 0
        assert conn.execute(sa.text('SELECT SUM(vcpus_used) FROM compute_nodes')).scalar() == 0
