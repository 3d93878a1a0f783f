"""The whole lifecycle through the collection's playbooks, on real libvirt + QEMU booting the test image.

Each step checks both sides: libvirt's own domain state and the stored
vm_state / task_state / power_state (and the instance actions recorded).
"""

import glob
import os

import pytest
import yaml

from lib.novalite_env import REPO, TEST_IMAGE, has_managed_save, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]


def _states(env, name):
    s = env.server(name)
    return s, (s['vm_state'], s['task_state'], s['power_state'], s['status'])


def _host_call_task_names(kind_file):
    with open(os.path.join(REPO, 'roles', 'server', 'tasks', kind_file)) as handle:
        return [task['name'] for task in yaml.safe_load(handle)]


def test_boot_and_every_action(env):
    boot = env.must('server.yml', server_name='vm1', flavor='m1.tiny', image='novalite-test')
    # a boot carries only `instance` calls: the run starts their task and no task of another kind's file
    others = [name for path in glob.glob(os.path.join(REPO, 'roles', 'server', 'tasks', 'host_calls_*.yml'))
              if os.path.basename(path) not in ('host_calls_instances.yml', 'host_calls_record.yml')
              for name in _host_call_task_names(os.path.basename(path))]
    assert len(others) >= 9
    assert 'TASK [novalite.compute.server : %s]' % _host_call_task_names('host_calls_instances.yml')[0] in boot.output
    assert [name for name in others if name in boot.output] == []
    vm, got = _states(env, 'vm1')
    assert got == (S.ACTIVE, None, S.RUNNING, 'ACTIVE')
    assert libvirt_state(vm['uuid']) == 'running'
    assert vm['host'] == 'localhost' and vm['launched_at']
    base_dir = os.path.join(env.instances_paths['localhost'], '_base')
    disk = os.path.join(env.instances_paths['localhost'], vm['uuid'], 'disk')
    assert os.path.isfile(disk) and len(os.listdir(base_dir)) >= 1
    env.wait_for_console(vm)

    # the boot's create action went through Nova's events
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    [create] = instances.list_actions(env.store(), vm['uuid'])
    events = [(e['event'], e['result']) for e in create['events']]
    assert ('conductor_schedule_and_build_instances', 'Success') in events
    assert ('compute__do_build_and_run_instance', 'Success') in events

    steps = [
        # (extra vars, vm_state, power_state, status, libvirt state)
        ({'action': 'stop'}, S.STOPPED, S.SHUTDOWN, 'SHUTOFF', 'shut off'),
        ({'action': 'start'}, S.ACTIVE, S.RUNNING, 'ACTIVE', 'running'),
        ({'action': 'reboot'}, S.ACTIVE, S.RUNNING, 'ACTIVE', 'running'),
        ({'action': 'reboot', 'reboot_type': 'HARD'}, S.ACTIVE, S.RUNNING, 'ACTIVE', 'running'),
        ({'action': 'pause'}, S.PAUSED, S.PAUSED_POWER, 'PAUSED', 'paused'),
        ({'action': 'unpause'}, S.ACTIVE, S.RUNNING, 'ACTIVE', 'running'),
        ({'action': 'suspend'}, S.SUSPENDED, None, 'SUSPENDED', 'shut off'),
        ({'action': 'resume'}, S.ACTIVE, S.RUNNING, 'ACTIVE', 'running'),
    ]
    for extra, vm_state, power_state, status, domstate in steps:
        env.must('server_action.yml', server='vm1', **extra)
        vm, (got_vm, got_task, got_power, got_status) = _states(env, 'vm1')
        assert (got_vm, got_task, got_status) == (vm_state, None, status), extra
        if power_state is not None:
            assert got_power == power_state, extra
        assert libvirt_state(vm['uuid']) == domstate, extra
        if extra['action'] == 'suspend':
            assert has_managed_save(vm['uuid'])
        if extra['action'] == 'resume':
            assert not has_managed_save(vm['uuid'])   # restored from the saved state, not rebooted
        if extra['action'] == 'start' or extra.get('reboot_type') == 'HARD':
            env.wait_for_console(vm)    # a fresh boot: the guest really runs again

    actions = [a['action'] for a in instances.list_actions(env.store(), vm['uuid'])]
    assert actions == ['create', 'stop', 'start', 'reboot', 'reboot', 'pause', 'unpause', 'suspend', 'resume']

    env.must('server.yml', server_name='vm1', server_state='absent')
    gone = env.server(vm['uuid'])
    assert gone['vm_state'] == S.DELETED and gone['deleted']
    assert libvirt_state(vm['uuid']) is None
    assert not os.path.exists(os.path.dirname(disk))
    assert os.listdir(base_dir), 'the cached base stays after delete'
    with env.store().read() as conn:
        import sqlalchemy as sa
        assert conn.execute(sa.text('SELECT COUNT(*) FROM allocations')).scalar() == 0
        assert conn.execute(sa.text('SELECT vcpus_used, memory_mb_used FROM compute_nodes')).one() == (0, 0)


def test_refused_and_locked_actions_change_nothing(env):
    env.must('server.yml', server_name='vm2', flavor='m1.tiny', image='novalite-test')
    vm = env.server('vm2')
    refused = env.playbook('server_action.yml', server='vm2', action='resume')   # resume needs SUSPENDED
    assert refused.rc != 0 and "Cannot 'resume'" in refused.output
    assert _states(env, 'vm2')[1][:3] == (S.ACTIVE, None, S.RUNNING)

    env.must('server_action.yml', server='vm2', action='lock', is_admin=False, project_id='admin')
    locked = env.playbook('server_action.yml', server='vm2', action='stop', is_admin=False, project_id='admin')
    assert locked.rc != 0 and 'is locked' in locked.output
    assert libvirt_state(vm['uuid']) == 'running'
    env.must('server_action.yml', server='vm2', action='unlock', is_admin=False, project_id='admin')
    env.must('server_action.yml', server='vm2', action='stop', is_admin=False, project_id='admin')
    assert libvirt_state(vm['uuid']) == 'shut off'


def test_failed_boot_goes_to_error_with_fault_and_frees_claims(env):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    flavors.create(env.store(), 'huge', 1, 10 ** 7, 1)
    run = env.playbook('server.yml', server_name='big', flavor='huge', image='novalite-test')
    assert run.rc != 0 and 'No valid host' in run.output and 'RamFilter' in run.output
    vm = env.server('big')
    assert (vm['vm_state'], vm['task_state'], vm['status']) == (S.ERROR, None, 'ERROR')
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    fault = instances.latest_fault(env.store(), vm['uuid'])
    assert fault['message'].startswith('No valid host was found.') and 'RamFilter' in fault['details']
    assert vm['host'] is None and libvirt_state(vm['uuid']) is None
    # an ERROR server that never reached a host is deleted locally
    env.must('server.yml', server_name='big', server_state='absent')
    assert env.server(vm['uuid'])['deleted']


def test_host_failure_during_boot_leaves_nothing_half_made(env):
    """The image file vanishes from the store after scheduling: the host's copy fails."""
    os.rename(env.image['location'], env.image['location'] + '.gone')
    run = env.playbook('server.yml', server_name='broken', flavor='m1.tiny', image='novalite-test')
    assert run.rc != 0
    vm = env.server('broken')
    assert (vm['vm_state'], vm['task_state']) == (S.ERROR, None)
    assert libvirt_state(vm['uuid']) is None
    assert not os.path.exists(os.path.join(env.instances_paths['localhost'], vm['uuid']))
    with env.store().read() as conn:
        import sqlalchemy as sa
        assert conn.execute(sa.text('SELECT COUNT(*) FROM allocations')).scalar() == 0


def test_kernel_ramdisk_image_boots_directly(env):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    image_dir = os.path.dirname(TEST_IMAGE)
    store = env.store()
    kernel = images.register(store, env.image_store, 'test-kernel', os.path.join(image_dir, 'vmlinuz'),
                             disk_format='aki', container_format='aki', visibility='public')
    ramdisk = images.register(store, env.image_store, 'test-ramdisk', os.path.join(image_dir, 'initrd.img'),
                              disk_format='ari', container_format='ari', visibility='public')
    images.register(store, env.image_store, 'test-ami', TEST_IMAGE, visibility='public',
                    properties={'kernel_id': kernel['id'], 'ramdisk_id': ramdisk['id']})
    env.must('server.yml', server_name='ami', flavor='m1.tiny', image='test-ami')
    vm = env.server('ami')
    assert vm['status'] == 'ACTIVE'
    idir = os.path.join(env.instances_paths['localhost'], vm['uuid'])
    assert os.path.isfile(os.path.join(idir, 'kernel')) and os.path.isfile(os.path.join(idir, 'ramdisk'))
    assert '<kernel>%s/kernel</kernel>' % idir in vm['domain_xml']
    env.wait_for_console(vm)

    images.register(store, env.image_store, 'test-ami-broken', TEST_IMAGE, visibility='public',
                    properties={'kernel_id': '00000000-0000-0000-0000-000000000000'})
    run = env.playbook('server.yml', server_name='broken-ami', flavor='m1.tiny', image='test-ami-broken')
    assert run.rc != 0 and 'kernel_id' in run.output
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    assert [i['display_name'] for i in instances.list_instances(store)] == ['ami'], 'nothing recorded'
