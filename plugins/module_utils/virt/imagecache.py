# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The per-host image cache: ``<instances_path>/_base/<sha1(image id)>`` (Nova's imagecache).

Each image is fetched once per host, its sha256 verified, converted to raw once
when ``force_raw_images`` (Nova's default), and published with an atomic rename
under an exclusive per-base ``fcntl`` lock, so N instances booting the same image
at once download it once. The mtime of a base is its "last used" time: every
``ensure_base`` touches it, and ``age`` removes bases that are unused (no instance
disk on this host has it as backing file) and older than the configured age.

Host side only: never opens the state store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
import subprocess
import time

from ansible_collections.novalite.compute.plugins.module_utils import image_io
from ansible_collections.novalite.compute.plugins.module_utils.errors import ImageError, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.files import TEMP_MARK, replacing

from urllib.parse import urlparse


BASE_DIR = '_base'
QCOW2_MAGIC = b'QFI\xfb'
# QEMU runs as libvirt-qemu: directories must be traversable, bases readable by it.
DIR_MODE = 0o755
FILE_MODE = 0o644


def base_dir(instances_path):
    return os.path.join(instances_path, BASE_DIR)


def base_name(image_id):
    """Nova names a cached base by the SHA-1 of the image id."""
    return hashlib.sha1(str(image_id).encode('utf-8')).hexdigest()


def ensure_dir(path):
    # exist_ok: a host's calls run in parallel (the instances module), and any may make it first
    os.makedirs(path, DIR_MODE, exist_ok=True)
    os.chmod(path, DIR_MODE)


@contextlib.contextmanager
def locked(path):
    """An exclusive fcntl lock on ``path`` (a sidecar ``.lock`` file), held for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def probe(path):
    """(format, virtual_size) read from the file header: qcow2 when it has the magic, else raw.

    Reading 32 bytes is far cheaper than ``qemu-img info`` on every boot.
    """
    with open(path, 'rb') as f:
        header = f.read(32)
    if header[:4] == QCOW2_MAGIC and len(header) >= 32:
        return 'qcow2', struct.unpack('>Q', header[24:32])[0]
    return 'raw', os.path.getsize(path)


def qcow2_backing_file(path):
    """The backing file recorded in a qcow2 header, or None (raw file, no backing file)."""
    try:
        with open(path, 'rb') as f:
            header = f.read(20)
            if header[:4] != QCOW2_MAGIC or len(header) < 20:
                return None
            offset, size = struct.unpack('>QI', header[8:20])
            if not offset or not size:
                return None
            f.seek(offset)
            return f.read(size).decode('utf-8', 'replace')
    except (IOError, OSError):
        return None


def _validate(image, what):
    if not isinstance(image, dict):
        raise InvalidInput(what, 'must be a dict with id and location')
    for key in ('id', 'location'):
        if not image.get(key):
            raise InvalidInput('%s.%s' % (what, key), 'is required')
    location = str(image['location'])
    if '://' in location:
        scheme = urlparse(location).scheme
        if scheme not in ('http', 'https', 'file'):
            raise InvalidInput('%s.location' % what, 'scheme %r is not supported (http, https or a local path)' % scheme)
    else:
        if not os.path.isabs(location):
            raise InvalidInput('%s.location' % what, 'a local path must be absolute: %r' % location)


def _fetch(location, dest, field):
    """Copy ``location`` to ``dest``; returns (bytes copied, sha256 hex, md5 hex)."""
    src, length = image_io.open_source(location, field)
    try:
        with open(dest, 'wb') as out:
            return image_io.copy_hashing(src, out, field, length)
    finally:
        src.close()


def _convert_to_raw(src, dest, field):
    """Nova's force_raw_images: qemu-img convert once per base, not per instance. Whether it wrote ``dest``
    (not when ``src`` is raw already)."""
    try:
        out = subprocess.check_output(['qemu-img', 'info', '--output=json', src], stderr=subprocess.STDOUT)
        fmt = json.loads(out.decode('utf-8')).get('format')
    except (subprocess.CalledProcessError, ValueError) as exc:
        raise ImageError(field, 'qemu-img cannot read the image: %s' % exc)
    if fmt == 'raw':
        return False
    proc = subprocess.run(['qemu-img', 'convert', '-f', fmt, '-O', 'raw', src, dest],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise ImageError(field, 'converting to raw failed: %s' % proc.stdout.decode('utf-8', 'replace').strip())
    return True


def _remove(*paths):
    for path in paths:
        try:
            os.unlink(path)
        except OSError:
            pass


def ensure_base(instances_path, image, force_raw=True, convert=True, what='image'):
    """Make sure the image is in the cache; returns a dict.

    ``path`` (the base file), ``format`` (raw or qcow2: the backing format for
    overlays), ``virtual_size`` (bytes), ``copied_bytes`` (0 when it was already
    cached: the second boot of an image copies nothing) and ``fetched`` (bool).
    ``convert=False`` is for kernel/ramdisk files, which are cached as they are.
    Bad checksum or unreadable source: ImageError naming ``<what>.sha256`` /
    ``<what>.location``; nothing is left in the cache.
    """
    _validate(image, what)
    bdir = base_dir(instances_path)
    ensure_dir(instances_path)
    ensure_dir(bdir)
    name = base_name(image['id'])
    path = os.path.join(bdir, name)
    copied = 0
    with locked(path + '.lock'):
        if not os.path.exists(path):
            # atomic publish: readers never see a half-written base
            with replacing(path, FILE_MODE) as part:
                copied, sha256, md5 = _fetch(str(image['location']), part, '%s.location' % what)
                want = image.get('sha256')
                if want and want.lower() != sha256:
                    raise ImageError('%s.sha256' % what, 'checksum mismatch: expected %s, got %s' % (want, sha256))
                if not want and image.get('md5') and image['md5'].lower() != md5:
                    raise ImageError('%s.md5' % what, 'checksum mismatch: expected %s, got %s' % (image['md5'], md5))
                conv = part + '.raw'
                try:
                    if convert and force_raw and _convert_to_raw(part, conv, '%s.location' % what):
                        os.rename(conv, part)
                finally:
                    _remove(conv)
        else:
            os.utime(path, None)  # last-use time for ageing
    fmt, vsize = probe(path) if convert else ('raw', os.path.getsize(path))
    return {'path': path, 'format': fmt, 'virtual_size': vsize, 'copied_bytes': copied, 'fetched': copied > 0}


def bases_in_use(instances_path):
    """Absolute paths of bases referenced by an instance on this host.

    An instance uses a base when one of its qcow2 disks has it as backing file,
    or when its kernel/ramdisk is a hard link of it (same inode).
    """
    used = set()
    bdir = base_dir(instances_path)
    try:
        entries = os.listdir(instances_path)
    except OSError:
        return used
    base_inodes = {}
    if os.path.isdir(bdir):
        for name in os.listdir(bdir):
            full = os.path.join(bdir, name)
            try:
                base_inodes[os.stat(full).st_ino] = full
            except OSError:
                pass
    for entry in entries:
        idir = os.path.join(instances_path, entry)
        if entry == BASE_DIR or not os.path.isdir(idir):
            continue
        for fname in os.listdir(idir):
            full = os.path.join(idir, fname)
            backing = qcow2_backing_file(full)
            if backing:
                used.add(os.path.normpath(os.path.join(idir, backing)))
            try:
                ino = os.stat(full).st_ino
            except OSError:
                continue
            if ino in base_inodes:
                used.add(base_inodes[ino])
    return used


def age(instances_path, max_age_seconds, dry_run=False, now=None):
    """Remove bases unused by every instance here and not used for ``max_age_seconds``.

    Returns ``{'removed': [...], 'in_use': [...], 'kept': [...]}`` (paths).
    A base in use is never removed, whatever its age. Each removal takes the
    base's lock, so a boot fetching the same image at that moment is not broken.
    """
    try:
        max_age = float(max_age_seconds)
    except (TypeError, ValueError):
        raise InvalidInput('max_age', 'must be a number of seconds')
    if max_age < 0:
        raise InvalidInput('max_age', 'must not be negative')
    result = {'removed': [], 'in_use': [], 'kept': []}
    bdir = base_dir(instances_path)
    if not os.path.isdir(bdir):
        return result
    now = time.time() if now is None else now
    for name in sorted(os.listdir(bdir)):
        path = os.path.join(bdir, name)
        if name.endswith('.lock') or TEMP_MARK in name or not os.path.isfile(path):
            continue
        with locked(path + '.lock'):
            # Re-checked under the lock: an instance may have been created meanwhile.
            if path in bases_in_use(instances_path):
                result['in_use'].append(path)
                continue
            try:
                last_used = os.stat(path).st_mtime
            except OSError:
                continue
            if now - last_used < max_age:
                result['kept'].append(path)
                continue
            result['removed'].append(path)
            if not dry_run:
                _remove(path)
        # The .lock file stays: unlinking it would let two processes lock different inodes.
    return result


def link_or_copy(src, dest):
    """Put a cached file into an instance dir without copying bytes when possible."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
        os.chmod(dest, FILE_MODE)
