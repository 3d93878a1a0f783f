"""Rescue / unrescue through server_action.yml, on real libvirt + QEMU (one guest per backend).

The guest wrote a marker to its root disk; refusals (an unknown rescue image, unrescue of a server not
rescued) change nothing; rescued from SHUTOFF it boots a rescue disk with its root disk second (the marker
is seen on vdb, libvirt has two disks, RESCUED in the store); unrescued it boots its own disk (ACTIVE, one
disk, the marker still there).
"""

import os

import pytest

from lib.guests import MARKERS_DONE, domain_disks, marker_user_data, markers_seen
from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]


def _console(env, vm):
    with open(env.console_log(vm), errors='replace') as handle:
        return handle.read()


def test_rescue_and_unrescue_through_the_playbook(env):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    env.must('server.yml', server_name='rs1', flavor='m1.tiny', image='novalite-test',
             user_data=marker_user_data('mine'))
    vm = env.server('rs1')
    env.wait_for_console(vm, MARKERS_DONE)

    unknown = env.playbook('server_action.yml', server='rs1', action='rescue', image='no-such-image')
    assert unknown.rc != 0 and "Requested rescue image 'no-such-image' is not supported" in unknown.output
    not_rescued = env.playbook('server_action.yml', server='rs1', action='unrescue')
    assert not_rescued.rc != 0 and "Cannot 'unrescue'" in not_rescued.output
    kept = env.server(vm['uuid'])
    assert (kept['vm_state'], kept['task_state']) == (S.ACTIVE, None) and domain_disks(vm['uuid']) == [('vda', 'disk')]
    assert [a['action'] for a in instances.list_actions(env.store(), vm['uuid'])] == ['create']

    # Nova rescues a stopped server too; the rescue guest runs
    env.must('server_action.yml', server='rs1', action='stop')
    env.must('server_action.yml', server='rs1', action='rescue', image='novalite-test')
    rescued = env.server(vm['uuid'])
    assert (rescued['vm_state'], rescued['task_state'], rescued['status'], rescued['power_state']) == (
        S.RESCUED, None, 'RESCUE', S.RUNNING)
    assert libvirt_state(vm['uuid']) == 'running'
    assert domain_disks(vm['uuid']) == [('vda', 'disk.rescue'), ('vdb', 'disk')]
    env.wait_for_console(rescued, MARKERS_DONE)
    assert markers_seen(_console(env, rescued)) == {'vda': [], 'vdb': ['mine']}

    env.must('server_action.yml', server='rs1', action='unrescue')
    back = env.server(vm['uuid'])
    assert (back['vm_state'], back['task_state'], back['status']) == (S.ACTIVE, None, 'ACTIVE')
    assert libvirt_state(vm['uuid']) == 'running' and domain_disks(vm['uuid']) == [('vda', 'disk')]
    idir = os.path.join(env.instances_paths['localhost'], vm['uuid'])
    assert not [n for n in os.listdir(idir) if n.endswith('.rescue') or n == 'unrescue.xml']
    env.wait_for_console(back, MARKERS_DONE)
    assert markers_seen(_console(env, back)) == {'vda': ['mine']}
    actions = instances.list_actions(env.store(), vm['uuid'])
    assert [a['action'] for a in actions] == ['create', 'stop', 'rescue', 'unrescue']
    assert [(e['event'], e['result']) for a in actions[2:] for e in a['events']] == [
        ('compute_rescue_instance', 'Success'), ('compute_unrescue_instance', 'Success')]
