# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's root disk flattened into one new qcow2 file (nova/virt/libvirt/driver.py ``snapshot``).

The root disk is a qcow2 overlay on a cached base (``_base``); the snapshot is the whole disk as the guest
sees it, with no backing file, written to a staging file on the compute host
(``<instances_path>/snapshots/<image id>/<image id>.qcow2``) for the controller to fetch.

How the guest's state is kept consistent, as Nova's libvirt driver does:

* **live** (a running or paused domain): Nova's live snapshot. A shallow qcow2 ``delta`` on the same base is
  made, libvirt mirrors the active layer into it (``blockCopy`` with ``SHALLOW | REUSE_EXT | TRANSIENT_JOB``:
  a transient job, so the persistent domain need not be undefined as old libvirt required), and once the mirror
  is in sync the job is aborted without a pivot: the guest keeps running on its own disk the whole time, and the
  delta holds the disk as of the abort. ``qemu-img convert`` of the delta (its backing is the base) flattens it.
* **paused for the copy** (a running domain whose libvirt refuses the block copy): the domain is paused,
  ``qemu-img convert -U`` copies the disk, the domain is resumed (also on failure).
* **cold** (a shut-off or suspended domain: nothing writes the disk): ``qemu-img convert`` of the disk itself.

Host side only: never opens the state store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import shutil
import subprocess
import time
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils import image_io
from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, imagecache

try:
    import libvirt
except ImportError:  # pragma: no cover - reported by the handler
    libvirt = None

SNAPSHOTS_DIR = 'snapshots'
# QEMU (user libvirt-qemu) writes the delta: the staging directory must be reachable by it.
STAGING_MODE = 0o711
JOB_POLL = 0.2
JOB_TIMEOUT = 3600
CONVERT_TIMEOUT = 3600


def staging_dir(instances_path, image_id):
    return os.path.join(instances_path, SNAPSHOTS_DIR, check_image_id(image_id))


def check_image_id(image_id):
    try:
        text = str(uuidlib.UUID(str(image_id)))
    except ValueError:
        raise InvalidInput('image_id', 'must be a UUID, got %r' % (image_id,))
    return text


def staging_file(instances_path, image_id):
    return os.path.join(staging_dir(instances_path, image_id), '%s.qcow2' % check_image_id(image_id))


def remove_staging(instances_path, image_id):
    """Remove a snapshot's staging directory; True when there was one."""
    path = staging_dir(instances_path, image_id)
    if not os.path.isdir(path):
        return False
    shutil.rmtree(path, ignore_errors=True)
    return True


def _qemu_img(args, field='instance'):
    try:
        proc = subprocess.run(['qemu-img'] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=CONVERT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HypervisorError('qemu-img %s failed: %s' % (args[0], exc), field=field)
    if proc.returncode != 0:
        raise HypervisorError('qemu-img %s failed: %s' % (args[0], proc.stdout.decode('utf-8', 'replace').strip()),
                              field=field)


def flatten(src, dest, force_share=False):
    """``qemu-img convert`` of ``src`` (its whole backing chain) into a standalone qcow2 ``dest``."""
    args = ['convert', '-O', 'qcow2']
    if force_share:
        args.append('-U')   # the disk is open in a (paused) QEMU: read it without its lock
    _qemu_img(args + [src, dest])


def _digest(path):
    sha256 = hashlib.sha256()
    size = 0
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(image_io.CHUNK), b''):
            sha256.update(chunk)
            size += len(chunk)
    return size, sha256.hexdigest()


def _root_disk(instances_path, uuid):
    disks = disk.existing_disks(instances_path, uuid)
    if disks is None:
        raise NotFound('Instance disk', uuid, field='instance')
    root = [d for d in disks['disks'] if d['name'] == 'disk']
    if not root:
        raise NotFound('Instance root disk', uuid, field='instance')
    return root[0]


def _job_in_sync(dom, target):
    info = dom.blockJobInfo(target, 0)
    if not info:
        raise HypervisorError('the block copy of %s ended before it was in sync' % target, field='instance')
    return info.get('end', 0) > 0 and info.get('cur') == info.get('end')


def _live_copy(dom, root, delta):
    """Mirror the running guest's root disk into ``delta`` and stop the mirror once in sync (no pivot)."""
    backing = imagecache.qcow2_backing_file(root['path'])
    _fmt, vsize = imagecache.probe(root['path'])
    args = ['create', '-f', 'qcow2']
    if backing:
        args += ['-b', backing, '-F', imagecache.probe(backing)[0]]
    _qemu_img(args + [delta, str(vsize)])
    os.chmod(delta, 0o666)   # QEMU (libvirt-qemu) writes it; the directory keeps others out
    dest_xml = "<disk type='file'><driver type='qcow2'/><source file='%s'/></disk>" % delta
    try:
        if dom.blockJobInfo(root['target'], 0):
            # a mirror left by a snapshot whose process was killed (a crashed job worker): it is ended first
            dom.blockJobAbort(root['target'], 0)
    except libvirt.libvirtError:
        pass
    flags = (libvirt.VIR_DOMAIN_BLOCK_COPY_SHALLOW | libvirt.VIR_DOMAIN_BLOCK_COPY_REUSE_EXT
             | libvirt.VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB)
    dom.blockCopy(root['target'], dest_xml, None, flags)
    try:
        deadline = time.time() + JOB_TIMEOUT
        while not _job_in_sync(dom, root['target']):
            if time.time() > deadline:
                raise HypervisorError('the block copy of %s did not finish in %d s' % (root['target'], JOB_TIMEOUT),
                                      field='instance')
            time.sleep(JOB_POLL)
    finally:
        # no pivot: the guest stays on its own disk; the delta holds the disk as of now
        try:
            dom.blockJobAbort(root['target'], 0)
        except libvirt.libvirtError:
            pass


def snapshot_disk(conn, uuid, instances_path, image_id, live=True):
    """Flatten the root disk of instance ``uuid`` into its staging file; returns what was made.

    ``{'path', 'size', 'sha256', 'virtual_size', 'disk_format': 'qcow2', 'method': live|paused|cold,
    'seconds', 'power_state'}``. On failure nothing is left in the staging directory and a domain this
    function paused is resumed.
    """
    from ansible_collections.novalite.compute.plugins.module_utils.virt import driver
    dom = driver.require_domain(conn, uuid)
    root = _root_disk(instances_path, uuid)
    staging = staging_dir(instances_path, image_id)
    out_path = staging_file(instances_path, image_id)
    started = time.time()
    remove_staging(instances_path, image_id)   # a repeated call starts over
    imagecache.ensure_dir(os.path.dirname(staging))
    os.makedirs(staging, STAGING_MODE)
    os.chmod(staging, STAGING_MODE)
    state = driver.domain_info(dom)['status']
    method = 'cold'
    try:
        if state in ('running', 'paused') and live:
            delta = os.path.join(staging, 'delta.qcow2')
            try:
                _live_copy(dom, root, delta)
                method = 'live'
            except libvirt.libvirtError:
                method = None   # this libvirt/QEMU cannot mirror the disk: pause for the copy instead
            if method == 'live':
                flatten(delta, out_path)
                os.unlink(delta)
        if method != 'live' and state in ('running', 'paused'):
            was_running = state == 'running'
            if was_running:
                dom.suspend()
            try:
                flatten(root['path'], out_path, force_share=True)
            finally:
                if was_running:
                    dom.resume()
            method = 'paused' if was_running else 'cold'
        elif method != 'live':
            flatten(root['path'], out_path, force_share=True)
        size, sha256 = _digest(out_path)
        _fmt, vsize = imagecache.probe(out_path)
    except BaseException as exc:
        remove_staging(instances_path, image_id)
        if libvirt is not None and isinstance(exc, libvirt.libvirtError):
            raise HypervisorError('snapshot of %s failed: %s' % (uuid, exc.get_error_message()), field='instance')
        raise
    info = driver.domain_info(dom)
    return {'path': out_path, 'size': size, 'sha256': sha256, 'virtual_size': vsize, 'disk_format': 'qcow2',
            'method': method, 'seconds': round(time.time() - started, 3), 'power_state': info['power_state']}
