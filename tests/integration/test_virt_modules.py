"""The host-side building-block modules (image_cache, instance_disk, domain_xml, instance in
check mode) through real ansible-playbook runs: idempotence, check mode, diff mode, bad input.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'unit', 'virt'))

from virt_testlib import image_spec, instance_spec, make_qcow2, run_tasks  # noqa: E402

pytestmark = [pytest.mark.libvirt]


@pytest.fixture
def instances_path():
    path = '/var/lib/novalite/test-%s' % uuid.uuid4().hex
    os.makedirs('/var/lib/novalite', exist_ok=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def image(tmp_path):
    return image_spec(make_qcow2(tmp_path / 'img.qcow2', '32M', pattern=7))


def test_image_cache_and_instance_disk_modules(tmp_path, instances_path, image):
    inst = instance_spec(image, root_gb=1, ephemeral_gb=1, swap=16)
    common = {'instances_path': instances_path}
    tasks = [
        ('image_cache', dict(common, image=image), {'check_mode': True}),
        ('image_cache', dict(common, image=image)),
        ('image_cache', dict(common, image=image)),
        ('instance_disk', dict(common, instance=inst), {'check_mode': True}),
        ('instance_disk', dict(common, instance=inst)),
        ('instance_disk', dict(common, instance=inst)),
        ('image_cache', dict(common, remove_unused=True, max_age=0)),
        ('image_cache', dict(common, image=dict(image, location='relative.qcow2'))),
        ('instance_disk', dict(common, instance=dict(inst, uuid='../x'))),
    ]
    (cache_check, cache1, cache2, disk_check, disk1, disk2, aged, bad_loc, bad_uuid) = run_tasks(tasks, tmp_path)
    assert cache_check['changed'] is True and cache_check['copied_bytes'] == 0
    assert cache1['changed'] is True and cache1['copied_bytes'] == os.path.getsize(image['location'])
    assert cache2['changed'] is False and cache2['copied_bytes'] == 0
    assert cache1['path'] == cache2['path'] and os.path.isfile(cache1['path'])
    assert disk_check['changed'] is True and disk_check['created'] is False
    assert [d['target'] for d in disk_check['disks']] == ['vda', 'vdb', 'vdc']
    assert disk1['changed'] is True and disk1['created'] is True and disk1['bases_copied'] == 0
    assert disk2['changed'] is False
    info = json.loads(subprocess.check_output(['qemu-img', 'info', '--output=json', '-U',
                                               os.path.join(disk1['instance_dir'], 'disk')]))
    assert info['backing-filename'] == cache1['path'] and info['virtual-size'] == 1024 ** 3
    assert aged['changed'] is False and cache1['path'] in aged['in_use']
    assert bad_loc['failed'] and bad_loc['field'] == 'image.location'
    assert bad_uuid['failed'] and bad_uuid['field'] == 'instance.uuid'

    # delete: check mode first, then for real, then unchanged; the base then ages out
    gone = run_tasks([
        ('instance_disk', dict(common, instance=inst, state='absent'), {'check_mode': True}),
        ('instance_disk', dict(common, instance=inst, state='absent')),
        ('instance_disk', dict(common, instance=inst, state='absent')),
        ('image_cache', dict(common, remove_unused=True, max_age=0), {'check_mode': True}),
        ('image_cache', dict(common, remove_unused=True, max_age=0)),
    ], tmp_path)
    assert [g['changed'] for g in gone] == [True, True, False, True, True]
    assert not os.path.exists(disk1['instance_dir'])
    assert cache1['path'] in gone[3]['removed'] and cache1['path'] in gone[4]['removed']
    assert not os.path.exists(cache1['path'])


def test_domain_xml_module_define_is_idempotent_with_diff(tmp_path, instances_path, image):
    import libvirt
    inst = instance_spec(image, vcpus=2, memory_mb=128)
    inst['name'] = 'novalite-test-%s' % uuid.uuid4().hex[:12]
    inst['display_name'] = 'é <&> "q"'
    common = {'instances_path': instances_path, 'instance': inst}
    bigger = dict(inst, flavor=dict(inst['flavor'], memory_mb=192))
    conn = libvirt.open('qemu:///system')
    try:
        render, define1, define2, plan, define3 = run_tasks([
            ('domain_xml', common),
            ('domain_xml', dict(common, define=True)),
            ('domain_xml', dict(common, define=True), {'diff': True}),
            ('domain_xml', dict(common, instance=bigger, define=True), {'diff': True, 'check_mode': True}),
            ('domain_xml', dict(common, instance=bigger, define=True)),
        ], tmp_path)
        assert render['changed'] is False and '<name>%s</name>' % inst['name'] in render['xml']
        assert define1['changed'] is True
        assert define2['changed'] is False, define2.get('diff')
        assert plan['changed'] is True
        assert '131072' in plan['diff']['before'] and '196608' in plan['diff']['after']
        assert define3['changed'] is True and conn.lookupByName(inst['name']).maxMemory() == 196608
        bad = run_tasks([('domain_xml', dict(common, instance=dict(
            inst, flavor=dict(inst['flavor'], extra_specs={'hw:cpu_sockets': '3'}))))], tmp_path)[0]
        assert bad['failed'] and bad['field'] == 'flavor.extra_specs.hw:cpu_sockets'
    finally:
        try:
            conn.lookupByName(inst['name']).undefine()
        except libvirt.libvirtError:
            pass
        conn.close()


def test_instance_check_mode_creates_nothing(tmp_path, instances_path, image):
    import libvirt
    inst = instance_spec(image)
    inst['name'] = 'novalite-test-%s' % uuid.uuid4().hex[:12]
    plan, absent, bad_state = run_tasks([
        ('instance', {'instance': inst, 'state': 'running', 'instances_path': instances_path}, {'check_mode': True}),
        ('instance', {'instance': inst, 'state': 'absent', 'instances_path': instances_path}),
        ('instance', {'instance': inst, 'state': 'exploded', 'instances_path': instances_path}),
    ], tmp_path)
    assert plan['changed'] is True and plan['actions'] == ['spawn']
    assert absent['changed'] is False and absent['status'] == 'absent'
    assert bad_state['failed'] and 'state' in bad_state['msg']
    conn = libvirt.open('qemu:///system')
    try:
        with pytest.raises(libvirt.libvirtError):
            conn.lookupByUUIDString(inst['uuid'])
    finally:
        conn.close()
    assert not os.path.exists(os.path.join(instances_path, inst['uuid']))


def test_overlay_is_copy_on_write_whatever_the_base_size(tmp_path, instances_path):
    """An overlay holds no base data: same qcow2 metadata-only file over a 15 MB or a 1 GiB base.

    (How long qemu-img takes is a figure for benchmarks/overlay/run, not an assertion.)
    """
    from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, imagecache
    overlays = {}
    for label, size, pattern in (('small', '15M', 1), ('large', '1G', 2)):
        base = imagecache.ensure_base(instances_path, image_spec(make_qcow2(tmp_path / label, size, pattern=pattern)))
        path = os.path.join(instances_path, 'overlay-%s' % label)
        disk.create_overlay(path, base['path'], base['format'], 2 * 1024 ** 3)
        info = json.loads(subprocess.check_output(['qemu-img', 'info', '--output=json', path]))
        overlays[label] = info
        assert (info['format'], info['virtual-size'], info['backing-filename']) == \
            ('qcow2', 2 * 1024 ** 3, base['path'])
        assert info.get('backing-filename-format', base['format']) == base['format']
    # nothing of either base was copied: both overlays are the same few metadata clusters
    assert overlays['small']['actual-size'] == overlays['large']['actual-size']
    assert os.path.getsize(os.path.join(instances_path, 'overlay-small')) == \
        os.path.getsize(os.path.join(instances_path, 'overlay-large'))
