"""The instance lifecycle on real libvirt + QEMU, driven through real ansible-playbook runs
of the host-side modules (instance, instance_action), booting the project's test image.

Each test uses its own instances_path under /var/lib/novalite/test-<uuid> and unique
domain names, and removes both afterwards.
"""

import json
import os
import shutil
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'unit', 'virt'))

from lib.guests import BOOTED, built_test_image, wait_for_line  # noqa: E402
from virt_testlib import image_spec, instance_spec, run_tasks, sha256_of  # noqa: E402

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

BOOT_TIMEOUT = 180
SAVE_DIR = '/var/lib/libvirt/qemu/save'


@pytest.fixture(scope='module')
def guest_image():
    return built_test_image()


@pytest.fixture
def conn():
    import libvirt
    c = libvirt.open('qemu:///system')
    yield c
    c.close()


@pytest.fixture
def host(conn):
    """A fresh instances_path; every domain a test made (tracked by uuid) is removed afterwards."""
    path = '/var/lib/novalite/test-%s' % uuid.uuid4().hex
    os.makedirs('/var/lib/novalite', exist_ok=True)
    os.chmod('/var/lib/novalite', 0o755)
    made = []
    yield {'instances_path': path, 'uuids': made}
    import libvirt
    for u in made:
        try:
            dom = conn.lookupByUUIDString(u)
        except libvirt.libvirtError:
            continue
        if dom.isActive():
            dom.destroy()
        dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    shutil.rmtree(path, ignore_errors=True)


def new_instance(host, guest_image, image=None, **flavor):
    image = image or image_spec(guest_image.disk, disk_format='qcow2')
    flavor.setdefault('memory_mb', 256)  # the test image's kernel needs more than 64 MB
    inst = instance_spec(image, **flavor)
    inst['name'] = 'novalite-test-%s' % inst['uuid'][:13]
    host['uuids'].append(inst['uuid'])
    return inst


def instance_task(host, inst, state, **extra):
    args = {'instance': inst, 'state': state, 'instances_path': host['instances_path'], 'shutdown_timeout': 60}
    args.update(extra)
    return ('instance', args)


def dom_state(conn, uuid_):
    import libvirt
    try:
        dom = conn.lookupByUUIDString(uuid_)
    except libvirt.libvirtError:
        return None
    state = dom.state()[0]
    names = {1: 'running', 3: 'paused', 5: 'shutoff'}
    return names.get(state, str(state)), bool(dom.hasManagedSaveImage(0))


def test_full_lifecycle(tmp_path, host, guest_image, conn, capsys):
    inst = new_instance(host, guest_image)
    idir = os.path.join(host['instances_path'], inst['uuid'])
    console = os.path.join(idir, 'console.log')
    figures = {}

    # boot: one module call caches the image, makes the disks, defines and starts the domain
    t0 = time.monotonic()
    [boot] = run_tasks([instance_task(host, inst, 'running')], tmp_path)
    created = time.monotonic()
    assert boot['changed'] and boot['actions'] == ['spawn'], boot
    assert boot['power_state'] == 1 and boot['domain_state'] == 'running'
    assert boot['bases_copied'] == os.path.getsize(guest_image.disk)
    assert dom_state(conn, inst['uuid']) == ('running', False)
    wait_for_line(console, BOOTED, BOOT_TIMEOUT)
    figures['create_to_booted_line_s'] = round(time.monotonic() - created, 1)
    figures['playbook_boot_s'] = round(created - t0, 1)
    figures['spawn_uncached'] = boot['spawn_timing']
    stored_xml = boot['domain_xml']

    # idempotent; re-rendering and redefining the unchanged instance is not a change either
    [again, redefine] = run_tasks([
        instance_task(host, inst, 'running'),
        ('domain_xml', {'instance': inst, 'define': True, 'instances_path': host['instances_path']}, {'diff': True}),
    ], tmp_path)
    assert again['changed'] is False and again['actions'] == []
    assert redefine['changed'] is False, redefine.get('diff')

    # check mode says what it would do and does nothing
    [plan] = run_tasks([instance_task(host, inst, 'stopped')], tmp_path, check=True)
    assert plan['changed'] is True and plan['actions'] == ['power_off']
    assert dom_state(conn, inst['uuid']) == ('running', False)

    # stop (clean ACPI shutdown), start, stop twice = unchanged
    [stop, stop2] = run_tasks([instance_task(host, inst, 'stopped'), instance_task(host, inst, 'stopped')], tmp_path)
    assert stop['changed'] and stop['status'] == 'stopped' and stop['power_state'] == 4
    assert stop['clean_shutdown'] is True
    assert stop2['changed'] is False
    assert dom_state(conn, inst['uuid']) == ('shutoff', False)

    [start] = run_tasks([instance_task(host, inst, 'running')], tmp_path)
    assert start['actions'] == ['power_on'] and dom_state(conn, inst['uuid']) == ('running', False)
    wait_for_line(console, BOOTED, BOOT_TIMEOUT)

    # soft reboot: clean shutdown + start; console.log is rewritten (append=off) and the line comes again
    [soft] = run_tasks([('instance_action', {'instance': inst, 'action': 'reboot_soft', 'shutdown_timeout': 60})],
                       tmp_path)
    assert soft['changed'] and soft['reboot_type'] == 'SOFT' and soft['fell_back'] is False, soft
    assert dom_state(conn, inst['uuid']) == ('running', False)
    wait_for_line(console, BOOTED, BOOT_TIMEOUT)

    # hard reboot, redefining from the stored XML
    [hard] = run_tasks([('instance_action', {'instance': inst, 'action': 'reboot_hard',
                                             'domain_xml': stored_xml})], tmp_path)
    assert hard['reboot_type'] == 'HARD' and hard['domain_state'] == 'running'
    wait_for_line(console, BOOTED, BOOT_TIMEOUT)

    # pause / unpause: the same QEMU process, memory kept
    pid_before = open('/run/libvirt/qemu/%s.pid' % inst['name']).read().strip()
    [paused] = run_tasks([instance_task(host, inst, 'paused')], tmp_path)
    assert paused['power_state'] == 3 and dom_state(conn, inst['uuid']) == ('paused', False)
    [unpaused] = run_tasks([instance_task(host, inst, 'running')], tmp_path)
    assert unpaused['actions'] == ['unpause'] and dom_state(conn, inst['uuid']) == ('running', False)
    assert open('/run/libvirt/qemu/%s.pid' % inst['name']).read().strip() == pid_before

    # suspend / resume: managed save on disk while suspended
    t = time.monotonic()
    [susp] = run_tasks([instance_task(host, inst, 'suspended')], tmp_path)
    figures['suspend_playbook_s'] = round(time.monotonic() - t, 1)
    assert susp['status'] == 'suspended' and susp['power_state'] == 7 and susp['has_managed_save'] is True
    assert dom_state(conn, inst['uuid']) == ('shutoff', True)
    assert os.path.exists(os.path.join(SAVE_DIR, '%s.save' % inst['name']))
    [resumed] = run_tasks([instance_task(host, inst, 'running')], tmp_path)
    assert resumed['actions'] == ['resume', 'unpause'] and resumed['domain_state'] == 'running'
    assert dom_state(conn, inst['uuid']) == ('running', False)
    assert not os.path.exists(os.path.join(SAVE_DIR, '%s.save' % inst['name']))

    # a second instance of the same image copies no image bytes
    other = new_instance(host, guest_image, image=inst['image'])
    [boot2] = run_tasks([instance_task(host, other, 'running')], tmp_path)
    assert boot2['bases_copied'] == 0 and boot2['actions'] == ['spawn']
    figures['spawn_cached'] = boot2['spawn_timing']

    # delete: domains and instance dirs gone, base still cached; deleting again changes nothing
    base = os.path.join(host['instances_path'], '_base')
    [gone, gone2, gone_other] = run_tasks([instance_task(host, inst, 'absent'), instance_task(host, inst, 'absent'),
                                           instance_task(host, other, 'absent')], tmp_path)
    assert gone['changed'] and gone['status'] == 'absent'
    assert gone2['changed'] is False
    assert gone_other['changed']
    assert dom_state(conn, inst['uuid']) is None and dom_state(conn, other['uuid']) is None
    assert not os.path.exists(idir)
    assert [n for n in os.listdir(base) if not n.endswith('.lock')]
    with capsys.disabled():
        print('\nvirt lifecycle figures: %s' % json.dumps(figures))


def test_kernel_ramdisk_image_boots(tmp_path, host, guest_image, conn):
    inst = new_instance(host, guest_image)
    inst['kernel'] = {'id': str(uuid.uuid4()), 'location': guest_image.kernel, 'sha256': sha256_of(guest_image.kernel)}
    inst['ramdisk'] = {'id': str(uuid.uuid4()), 'location': guest_image.ramdisk,
                       'sha256': sha256_of(guest_image.ramdisk)}
    [boot] = run_tasks([instance_task(host, inst, 'running')], tmp_path)
    assert boot['actions'] == ['spawn'], boot
    idir = os.path.join(host['instances_path'], inst['uuid'])
    assert os.path.isfile(os.path.join(idir, 'kernel')) and os.path.isfile(os.path.join(idir, 'ramdisk'))
    assert '<kernel>%s/kernel</kernel>' % idir in boot['domain_xml']
    wait_for_line(os.path.join(idir, 'console.log'), BOOTED, BOOT_TIMEOUT)
    [gone] = run_tasks([instance_task(host, inst, 'absent')], tmp_path)
    assert gone['changed'] and not os.path.exists(idir)


def test_failures_during_boot_leave_nothing(tmp_path, host, guest_image, conn):
    too_small = new_instance(host, guest_image, root_gb=1)
    too_small['image']['min_disk'] = 5
    bad_sum = new_instance(host, guest_image)
    bad_sum['image'] = dict(bad_sum['image'], id=str(uuid.uuid4()), sha256='0' * 64)
    bad_mac = new_instance(host, guest_image)  # libvirt refuses to define it
    bad_mac['network_info'] = [{'mac': 'zz:16:3e:00:00:01', 'network': 'novalite-none'}]
    no_net = new_instance(host, guest_image)  # defines fine, fails at start: network does not exist
    no_net['network_info'] = [{'mac': 'fa:16:3e:00:00:01', 'network': 'novalite-missing-%s' % uuid.uuid4().hex[:8]}]
    results = run_tasks([instance_task(host, i, 'running') for i in (too_small, bad_sum, bad_mac, no_net)], tmp_path)
    small, checksum, mac, net = results
    assert small['failed'] and small['error'] == 'FlavorDiskSmallerThanImage' and small['field'] == 'flavor.root_gb'
    assert checksum['failed'] and checksum['error'] == 'ImageError' and checksum['field'] == 'image.sha256'
    assert mac['failed'] and mac['error'] == 'HypervisorError' and 'defining' in mac['msg']
    assert net['failed'] and net['error'] == 'HypervisorError' and 'starting' in net['msg']
    for inst in (too_small, bad_sum, bad_mac, no_net):
        assert dom_state(conn, inst['uuid']) is None, inst['name']
        assert not os.path.exists(os.path.join(host['instances_path'], inst['uuid'])), inst['name']
    import libvirt
    for inst in (bad_mac, no_net):
        with pytest.raises(libvirt.libvirtError):
            conn.lookupByName(inst['name'])
    # the bad checksum left no base behind either
    bad_base = os.path.join(host['instances_path'], '_base',
                            __import__('hashlib').sha1(bad_sum['image']['id'].encode()).hexdigest())
    assert not os.path.exists(bad_base)
