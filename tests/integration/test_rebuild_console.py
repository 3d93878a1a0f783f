"""Rebuild and console output through the collection's playbooks, on real libvirt + QEMU.

One guest per backend: it writes a marker to its root disk (its user data asks), server_action.yml's
console_output shows what it printed, and a rebuild to the same image gives it a new root disk (the
marker is gone) with the same uuid, host and domain; checked in libvirt and in the store at each step.
"""

import os

import pytest

from lib.guests import MARKERS_DONE, marker_user_data, markers_seen
from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]


def _console(env, vm):
    with open(env.console_log(vm), errors='replace') as handle:
        return handle.read()


def _domain_name(uuid):
    import subprocess
    return subprocess.run(['virsh', '-c', 'qemu:///system', 'domname', uuid], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_console_output_and_rebuild_through_the_playbooks(env):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    env.must('server.yml', server_name='rb1', flavor='m1.tiny', image='novalite-test',
             user_data=marker_user_data('before'))
    vm = env.server('rb1')
    env.wait_for_console(vm, MARKERS_DONE)
    assert 'NOVALITE MARKER WRITTEN vda: before' in _console(env, vm)
    domain = _domain_name(vm['uuid'])

    # console output: the playbook prints the tail, changes nothing, records nothing
    run = env.must('server_action.yml', server='rb1', action='console_output', length=3)
    assert MARKERS_DONE in run.output and 'NOVALITE TEST IMAGE BOOTED' not in run.output
    assert run.recap['localhost']['changed'] == 0
    whole = env.must('server_action.yml', server='rb1', action='console_output')
    assert 'NOVALITE TEST IMAGE BOOTED' in whole.output
    assert [a['action'] for a in instances.list_actions(env.store(), vm['uuid'])] == ['create']

    # rebuild to the same image: a new root disk under the same identity
    old_disk = os.path.join(env.instances_paths['localhost'], vm['uuid'], 'disk')
    os.utime(old_disk, (1, 1))   # an mtime no new file has (inode numbers are reused)
    env.must('server_action.yml', server='rb1', action='rebuild', image='novalite-test', name='rb1-new',
             metadata={'rebuilt': 'yes'}, user_data=marker_user_data('after'))
    after = env.server(vm['uuid'])
    assert (after['vm_state'], after['task_state'], after['power_state'], after['status']) == (
        S.ACTIVE, None, S.RUNNING, 'ACTIVE')
    assert (after['uuid'], after['host'], after['instance_type_id'], after['project_id']) == (
        vm['uuid'], vm['host'], vm['instance_type_id'], vm['project_id'])
    assert (after['display_name'], after['metadata']) == ('rb1-new', {'rebuilt': 'yes'})
    assert libvirt_state(vm['uuid']) == 'running' and _domain_name(vm['uuid']) == domain
    assert os.stat(old_disk).st_mtime != 1   # a new overlay
    env.wait_for_console(after, MARKERS_DONE)
    console = _console(env, after)
    assert markers_seen(console) == {'vda': []}, console
    assert 'NOVALITE MARKER WRITTEN vda: after' in console and 'vda: before' not in console
    [_create, rebuild] = instances.list_actions(env.store(), vm['uuid'])
    assert rebuild['action'] == 'rebuild'
    assert [(e['event'], e['result']) for e in rebuild['events']] == [('compute_rebuild_instance', 'Success')]

    # a stopped server stays stopped; its new disk holds no marker until it boots
    env.must('server_action.yml', server='rb1-new', action='stop')
    env.must('server_action.yml', server='rb1-new', action='rebuild', image='novalite-test')
    stopped = env.server(vm['uuid'])
    assert (stopped['vm_state'], stopped['task_state'], stopped['status']) == (S.STOPPED, None, 'SHUTOFF')
    assert libvirt_state(vm['uuid']) == 'shut off'
    assert os.path.getsize(env.console_log(stopped)) == 0   # a new, empty console log: never booted

    # refusals change nothing: a locked server, an image too big for the flavor, an unknown image
    env.must('server_action.yml', server='rb1-new', action='lock', is_admin=False, project_id='admin')
    locked = env.playbook('server_action.yml', server='rb1-new', action='rebuild', image='novalite-test',
                          is_admin=False, project_id='admin')
    assert locked.rc != 0 and 'is locked' in locked.output
    env.must('server_action.yml', server='rb1-new', action='unlock', is_admin=False, project_id='admin')
    big = images.register(env.store(), env.image_store, 'needs-5gb', TEST_IMAGE, visibility='public', min_disk=5)
    too_big = env.playbook('server_action.yml', server='rb1-new', action='rebuild', image=big['id'])
    assert too_big.rc != 0 and "Flavor's disk is too small" in too_big.output
    unknown = env.playbook('server_action.yml', server='rb1-new', action='rebuild', image='no-such-image')
    assert unknown.rc != 0 and 'Cannot find image for rebuild' in unknown.output
    kept = env.server(vm['uuid'])
    assert (kept['vm_state'], kept['task_state'], kept['image_ref']) == (S.STOPPED, None, env.image['id'])
    assert libvirt_state(vm['uuid']) == 'shut off'
    assert [a['action'] for a in instances.list_actions(env.store(), vm['uuid'])] == [
        'create', 'rebuild', 'stop', 'rebuild', 'lock', 'unlock']
