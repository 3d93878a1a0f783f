# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Instance disks: ``<instances_path>/<uuid>/`` as Nova's libvirt Qcow2 image backend lays it out.

* ``disk``: qcow2 overlay, backing file the cached base, virtual size = flavor root_gb
  (root_gb 0: the image's virtual size);
* ``disk.local``: ephemeral disk, overlay of a formatted base ``_base/ephemeral_<N>_<fs>``;
* ``disk.swap``: swap disk, overlay of a mkswap'd base ``_base/swap_<MB>``;
* ``disk.info``: JSON path -> format; ``console.log``: empty, the serial log;
* ``kernel`` / ``ramdisk``: for kernel/ramdisk images.

Any failure removes the instance directory this call created.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess

from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    FlavorDiskSmallerThanImage, HypervisorError, InvalidInput,
)
from ansible_collections.novalite.compute.plugins.module_utils.files import replacing, write_atomically
from ansible_collections.novalite.compute.plugins.module_utils.virt import config_drive, imagecache

GiB = 1024 ** 3
MiB = 1024 ** 2
DEFAULT_EPHEMERAL_FS = 'ext4'  # Nova's default for os_type linux
SUPPORTED_FS = ('ext4', 'ext3', 'ext2', 'vfat')


def instance_dir(instances_path, uuid):
    return os.path.join(instances_path, uuid)


def _int_field(flavor, key, default=0):
    value = flavor.get(key, default)
    if value in (None, ''):
        value = default
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise InvalidInput('flavor.%s' % key, 'must be an integer, got %r' % (value,))
    if value < 0:
        raise InvalidInput('flavor.%s' % key, 'must not be negative')
    return value


def validate_uuid(instance):
    uuid = instance.get('uuid') if isinstance(instance, dict) else None
    if not uuid or not isinstance(uuid, str):
        raise InvalidInput('instance.uuid', 'is required')
    # The uuid becomes a directory name: refuse anything that could escape instances_path.
    if '/' in uuid or uuid in ('.', '..', imagecache.BASE_DIR) or uuid.startswith('.'):
        raise InvalidInput('instance.uuid', 'is not a valid uuid: %r' % uuid)
    return uuid


def root_size(instance, base):
    """Bytes of the root disk; FlavorDiskSmallerThanImage when the flavor cannot hold the image."""
    flavor = instance.get('flavor') or {}
    image = instance.get('image') or {}
    root_gb = _int_field(flavor, 'root_gb')
    min_disk = _int_field(image, 'min_disk') if image.get('min_disk') not in (None, '') else 0
    vsize = int(base['virtual_size'])
    if root_gb == 0:
        return vsize  # Nova: root_gb 0 means "the image's size"
    if root_gb * GiB < vsize:
        raise FlavorDiskSmallerThanImage(
            'flavor.root_gb', 'flavor root disk (%d GiB) is smaller than the image virtual size (%d bytes)'
            % (root_gb, vsize), flavor_size=root_gb * GiB, image_size=vsize)
    if root_gb < min_disk:
        raise FlavorDiskSmallerThanImage(
            'flavor.root_gb', 'flavor root disk (%d GiB) is smaller than the image min_disk (%d GiB)'
            % (root_gb, min_disk), flavor_size=root_gb * GiB, image_size=min_disk * GiB)
    return root_gb * GiB


def _run(cmd, field):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise HypervisorError('%s failed: %s' % (cmd[0], proc.stdout.decode('utf-8', 'replace').strip()), field=field)


def create_overlay(path, backing, backing_format, size_bytes):
    """``qemu-img create -f qcow2 -b <base> -F <fmt> <path> <size>``: one call, no separate resize."""
    _run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', backing, '-F', backing_format,
          path, str(int(size_bytes))], 'disk')


def ensure_formatted_base(instances_path, name, size_bytes, make_cmd, field):
    """A raw base made once (under the base lock) and then only reused, like Nova's ephemeral bases."""
    bdir = imagecache.base_dir(instances_path)
    imagecache.ensure_dir(bdir)
    path = os.path.join(bdir, name)
    with imagecache.locked(path + '.lock'):
        if os.path.exists(path):
            os.utime(path, None)
            return path
        with replacing(path, imagecache.FILE_MODE) as part:
            with open(part, 'wb') as f:
                f.truncate(size_bytes)  # sparse: formatting writes only metadata
            _run(make_cmd + [part], field)
    return path


def _ephemeral_fs(instance):
    flavor = instance.get('flavor') or {}
    fs = (flavor.get('extra_specs') or {}).get('hw:ephemeral_format') or DEFAULT_EPHEMERAL_FS
    if fs not in SUPPORTED_FS:
        raise InvalidInput('flavor.extra_specs.hw:ephemeral_format', 'must be one of %s' % ', '.join(SUPPORTED_FS))
    return fs


def mkfs_cmd(fs):
    """The command (without the target) that formats an ephemeral disk with ``fs``, labelled as Nova labels it."""
    if fs == 'vfat':
        return ['mkfs.vfat', '-n', 'EPHEMERAL0']
    return ['mkfs.%s' % fs, '-F', '-q', '-L', 'ephemeral0']


def existing_disks(instances_path, uuid):
    """What ``create_instance_disks`` made, read back from disk.info (None if not created)."""
    idir = instance_dir(instances_path, uuid)
    info_path = os.path.join(idir, 'disk.info')
    if not os.path.isfile(os.path.join(idir, 'disk')) or not os.path.isfile(info_path):
        return None
    with open(info_path) as f:
        info = json.load(f)
    return _describe(idir, info)


def _describe(idir, info):
    disks = []
    for name, target in (('disk', 'vda'), ('disk.local', 'vdb'), ('disk.swap', 'vdc')):
        path = os.path.join(idir, name)
        if path in info:
            disks.append({'name': name, 'path': path, 'format': info[path], 'target': target})
    out = {
        'instance_dir': idir,
        'disks': disks,
        'disk_info': os.path.join(idir, 'disk.info'),
        'console_log': os.path.join(idir, 'console.log'),
        'kernel': None,
        'ramdisk': None,
    }
    for name in ('kernel', 'ramdisk'):
        if os.path.exists(os.path.join(idir, name)):
            out[name] = os.path.join(idir, name)
    drive = os.path.join(idir, config_drive.FILE_NAME)
    out['config_drive'] = drive if drive in info else None   # a cdrom, not one of the vdX disks
    return out


RESCUE_DISK = 'disk.rescue'                  # Nova's rescue disk: an overlay of the rescue image
RESCUE_CONFIG_DRIVE = 'disk.config.rescue'   # the config drive made again for the rescue guest


def rescue_disks(existing, rescue_disk, rescue_config_drive=None):
    """The rescue layout (Nova's libvirt rescue): ``rescue_disk`` first (vda, the guest boots it), the
    instance's root disk second (vdb), the rescue config drive if any; no ephemeral or swap disk.
    ``existing``: ``existing_disks`` of the instance (its kernel/ramdisk and console log are kept)."""
    root = [d for d in existing['disks'] if d['name'] == 'disk']
    if not root:
        raise InvalidInput('instance', 'the instance has no root disk to rescue')
    out = dict(existing)
    out['disks'] = [{'name': RESCUE_DISK, 'path': rescue_disk, 'format': 'qcow2', 'target': 'vda'},
                    dict(root[0], target='vdb')]
    out['config_drive'] = rescue_config_drive
    return out


# Each bus's device names (a stable device rescue's disk: rescue_devices.py).
_BUS_PREFIX = {'virtio': 'vd', 'sata': 'sd', 'scsi': 'sd', 'usb': 'sd', 'ide': 'hd'}


def _next_target(bus, taken):
    prefix = _BUS_PREFIX[bus]
    for letter in 'abcdefghijklmnopqrstuvwxyz':
        if prefix + letter not in taken:
            return prefix + letter
    raise InvalidInput('rescue_image_ref', 'no free %s device name for the rescue disk' % bus)


def stable_rescue_disks(existing, rescue_disk, device, bus):
    """Nova's stable device rescue layout: every disk of the instance where it was (its config drive too),
    with the rescue disk appended on ``bus`` as a ``device`` that the guest boots first (boot order 1)."""
    out = dict(existing)
    taken = set(d['target'] for d in existing['disks'])
    if existing.get('config_drive'):
        taken.add('hdd')
    out['disks'] = list(existing['disks']) + [{
        'name': RESCUE_DISK, 'path': rescue_disk, 'format': 'qcow2', 'target': _next_target(bus, taken),
        'bus': bus, 'device': device, 'boot_order': 1}]
    return out


def planned_disks(instances_path, instance):
    """The layout ``create_instance_disks`` would make (paths only; nothing is touched)."""
    uuid = validate_uuid(instance)
    flavor = instance.get('flavor') or {}
    idir = instance_dir(instances_path, uuid)
    info = {os.path.join(idir, 'disk'): 'qcow2'}
    if _int_field(flavor, 'ephemeral_gb'):
        info[os.path.join(idir, 'disk.local')] = 'qcow2'
    if _int_field(flavor, 'swap'):
        info[os.path.join(idir, 'disk.swap')] = 'qcow2'
    if config_drive.wanted(instance):
        info[os.path.join(idir, config_drive.FILE_NAME)] = 'raw'
    out = _describe(idir, info)
    for name in ('kernel', 'ramdisk'):
        out[name] = os.path.join(idir, name) if instance.get(name) else None
    return out


def create_instance_disks(instances_path, instance, base, kernel_base=None, ramdisk_base=None):
    """Create the instance directory and its disks; returns paths (see ``_describe``) + ``created``.

    ``base`` / ``kernel_base`` / ``ramdisk_base`` are ``imagecache.ensure_base`` results.
    Existing disks are left alone (``created`` False): creating is idempotent.
    Validation happens before anything is written; on any later failure the
    instance directory is removed again.
    """
    uuid = validate_uuid(instance)
    flavor = instance.get('flavor')
    if not isinstance(flavor, dict):
        raise InvalidInput('instance.flavor', 'is required')
    existing = existing_disks(instances_path, uuid)
    if existing is not None:
        existing['created'] = False
        return existing
    size = root_size(instance, base)
    ephemeral_gb = _int_field(flavor, 'ephemeral_gb')
    swap_mb = _int_field(flavor, 'swap')
    fs = _ephemeral_fs(instance) if ephemeral_gb else None

    idir = instance_dir(instances_path, uuid)
    imagecache.ensure_dir(instances_path)
    if os.path.isdir(idir):
        # No disk.info: a create was killed before it finished (disk.info is written last, by rename).
        # Nothing in it was ever used by a domain, so it is made again from scratch.
        shutil.rmtree(idir)
    os.mkdir(idir, imagecache.DIR_MODE)
    os.chmod(idir, imagecache.DIR_MODE)
    try:
        info = {}
        root = os.path.join(idir, 'disk')
        create_overlay(root, base['path'], base['format'], size)
        info[root] = 'qcow2'
        if ephemeral_gb:
            ebase = ensure_formatted_base(instances_path, 'ephemeral_%d_%s' % (ephemeral_gb, fs),
                                          ephemeral_gb * GiB, mkfs_cmd(fs), 'flavor.ephemeral_gb')
            local = os.path.join(idir, 'disk.local')
            create_overlay(local, ebase, 'raw', ephemeral_gb * GiB)
            info[local] = 'qcow2'
        if swap_mb:
            sbase = ensure_formatted_base(instances_path, 'swap_%d' % swap_mb, swap_mb * MiB,
                                          ['mkswap', '-q'], 'flavor.swap')
            swap = os.path.join(idir, 'disk.swap')
            create_overlay(swap, sbase, 'raw', swap_mb * MiB)
            info[swap] = 'qcow2'
        if kernel_base:
            imagecache.link_or_copy(kernel_base['path'], os.path.join(idir, 'kernel'))
        if ramdisk_base:
            imagecache.link_or_copy(ramdisk_base['path'], os.path.join(idir, 'ramdisk'))
        if config_drive.wanted(instance):
            info[config_drive.build(os.path.join(idir, config_drive.FILE_NAME), instance)] = 'raw'
        open(os.path.join(idir, 'console.log'), 'w').close()
        write_atomically(os.path.join(idir, 'disk.info'), json.dumps(info))
    except BaseException:
        shutil.rmtree(idir, ignore_errors=True)
        raise
    out = _describe(idir, info)
    out['created'] = True
    return out


def delete_instance_files(instances_path, uuid):
    """Remove the instance directory (the cached bases stay). True when something was removed."""
    uuid = validate_uuid({'uuid': uuid})
    idir = instance_dir(instances_path, uuid)
    if not os.path.exists(idir):
        return False
    shutil.rmtree(idir)
    return True
