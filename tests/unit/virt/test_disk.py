import json
import os
import subprocess

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, imagecache

from virt_testlib import image_spec, instance_spec, make_qcow2

GiB = 1024 ** 3


def qemu_info(path):
    return json.loads(subprocess.check_output(['qemu-img', 'info', '--output=json', '-U', path]))


def test_root_disk_is_overlay_grown_to_flavor(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img, root_gb=2)
    out = disk.create_instance_disks(ip, inst, base)
    root = os.path.join(ip, inst['uuid'], 'disk')
    info = qemu_info(root)
    assert info['format'] == 'qcow2'
    assert info['backing-filename'] == base['path']
    assert info['backing-filename-format'] == 'raw'
    assert info['virtual-size'] == 2 * GiB
    assert out['created'] and [d['target'] for d in out['disks']] == ['vda']
    with open(os.path.join(ip, inst['uuid'], 'disk.info')) as f:
        assert json.load(f) == {root: 'qcow2'}
    assert os.path.getsize(os.path.join(ip, inst['uuid'], 'console.log')) == 0
    # second call: nothing recreated
    again = disk.create_instance_disks(ip, inst, base)
    assert again['created'] is False and again['disks'] == out['disks']


def test_create_killed_before_disk_info_is_made_again(tmp_path, tiny_image):
    # A create SIGKILLed mid-way leaves the directory without disk.info; the re-run (a resumed job)
    # must make the disks, not fail the boot.
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img, root_gb=1)
    idir = os.path.join(ip, inst['uuid'])
    os.mkdir(idir)
    with open(os.path.join(idir, 'disk'), 'w') as half:
        half.write('half a qcow2 header')
    out = disk.create_instance_disks(ip, inst, base)
    assert out['created']
    assert qemu_info(os.path.join(idir, 'disk'))['format'] == 'qcow2'
    assert os.path.exists(os.path.join(idir, 'disk.info'))


def test_root_gb_zero_means_image_size(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img, force_raw=False)
    inst = instance_spec(img, root_gb=0)
    disk.create_instance_disks(ip, inst, base)
    info = qemu_info(os.path.join(ip, inst['uuid'], 'disk'))
    assert info['virtual-size'] == 16 * 1024 * 1024
    assert info['backing-filename-format'] == 'qcow2'


def test_flavor_smaller_than_image_creates_nothing(tmp_path):
    ip = str(tmp_path / 'i')
    big = image_spec(make_qcow2(tmp_path / 'big.qcow2', '2G'))
    base = imagecache.ensure_base(ip, big, force_raw=False)
    inst = instance_spec(big, root_gb=1)
    with pytest.raises(errors.FlavorDiskSmallerThanImage) as exc:
        disk.create_instance_disks(ip, inst, base)
    assert exc.value.field == 'flavor.root_gb'
    assert not os.path.exists(os.path.join(ip, inst['uuid']))


def test_flavor_smaller_than_min_disk_creates_nothing(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image, min_disk=5)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img, root_gb=2)
    with pytest.raises(errors.FlavorDiskSmallerThanImage) as exc:
        disk.create_instance_disks(ip, inst, base)
    assert 'min_disk' in exc.value.message
    assert not os.path.exists(os.path.join(ip, inst['uuid']))


@pytest.mark.parametrize('flavor,field', [
    ({'root_gb': 'big'}, 'flavor.root_gb'),
    ({'ephemeral_gb': -1}, 'flavor.ephemeral_gb'),
    ({'swap': 'x'}, 'flavor.swap'),
    ({'ephemeral_gb': 1, 'extra_specs': {'hw:ephemeral_format': 'zfs'}}, 'flavor.extra_specs.hw:ephemeral_format'),
])
def test_bad_flavor_values_create_nothing(tmp_path, tiny_image, flavor, field):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img, **flavor)
    with pytest.raises(errors.InvalidInput) as exc:
        disk.create_instance_disks(ip, inst, base)
    assert exc.value.field == field
    assert not os.path.exists(os.path.join(ip, inst['uuid']))


@pytest.mark.parametrize('bad', ['../escape', '', '.hidden', '_base'])
def test_bad_uuid_rejected(tmp_path, tiny_image, bad):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img)
    inst['uuid'] = bad
    with pytest.raises(errors.InvalidInput) as exc:
        disk.create_instance_disks(ip, inst, base)
    assert exc.value.field == 'instance.uuid'
    assert sorted(os.listdir(ip)) == ['_base']


def test_ephemeral_and_swap_overlay_formatted_bases(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    a = instance_spec(img, ephemeral_gb=1, swap=32)
    b = instance_spec(img, ephemeral_gb=1, swap=32)
    out = disk.create_instance_disks(ip, a, base)
    assert [(d['name'], d['target']) for d in out['disks']] == [
        ('disk', 'vda'), ('disk.local', 'vdb'), ('disk.swap', 'vdc')]
    ebase = os.path.join(ip, '_base', 'ephemeral_1_ext4')
    sbase = os.path.join(ip, '_base', 'swap_32')
    assert qemu_info(out['disks'][1]['path'])['backing-filename'] == ebase
    assert qemu_info(out['disks'][2]['path'])['virtual-size'] == 32 * 1024 * 1024
    blkid = subprocess.check_output(['blkid', '-o', 'export', ebase]).decode()
    assert 'TYPE=ext4' in blkid and 'LABEL=ephemeral0' in blkid
    assert 'TYPE=swap' in subprocess.check_output(['blkid', '-o', 'export', sbase]).decode()
    mtime = os.stat(ebase).st_ino
    disk.create_instance_disks(ip, b, base)
    assert os.stat(ebase).st_ino == mtime  # made once, reused
    with open(os.path.join(ip, a['uuid'], 'disk.info')) as f:
        assert sorted(json.load(f)) == sorted(d['path'] for d in out['disks'])


def test_failure_midway_removes_instance_dir(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = instance_spec(img)
    broken = dict(base, path=os.path.join(ip, '_base', 'does-not-exist'))
    with pytest.raises(errors.HypervisorError):
        disk.create_instance_disks(ip, inst, broken)
    assert not os.path.exists(os.path.join(ip, inst['uuid']))


def test_kernel_ramdisk_files_and_delete(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    (tmp_path / 'k').write_bytes(b'K' * 1000)
    (tmp_path / 'r').write_bytes(b'R' * 1000)
    kb = imagecache.ensure_base(ip, {'id': 'k', 'location': str(tmp_path / 'k')}, convert=False, what='kernel')
    rb = imagecache.ensure_base(ip, {'id': 'r', 'location': str(tmp_path / 'r')}, convert=False, what='ramdisk')
    inst = instance_spec(img)
    out = disk.create_instance_disks(ip, inst, base, kb, rb)
    with open(out['kernel'], 'rb') as f:
        assert f.read() == b'K' * 1000
    with open(out['ramdisk'], 'rb') as f:
        assert f.read() == b'R' * 1000
    assert disk.delete_instance_files(ip, inst['uuid']) is True
    assert not os.path.exists(out['instance_dir'])
    assert os.path.exists(base['path']) and os.path.exists(kb['path'])
    assert disk.delete_instance_files(ip, inst['uuid']) is False
