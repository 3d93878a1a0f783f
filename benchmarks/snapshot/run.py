#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Snapshot benchmark: a running server's root disk snapshotted live, against ``qemu-img convert`` of that disk.

    benchmarks/snapshot/run [--runs 3] [--skip-big]

Two servers on this machine's libvirt: one booted from the test image (about 16 MB of data), one whose
base holds 1 GiB of random data (the test image's boot sectors first; what the guest does with the rest
does not matter: QEMU runs and owns the disk). For each, in the same run and on the same disk:

* ``snapshot``: ``virt/snapshot.py`` as the ``instance_snapshot`` module runs it (live block copy, then
  ``qemu-img convert`` of the copy), seconds and MB/s of the snapshot file;
* ``qemu-img convert``: a plain ``qemu-img convert -U -O qcow2`` of the running guest's overlay (what a
  snapshot costs at least, though not consistent while the guest writes);
* ``import``: the controller's import of the fetched snapshot file into an image store
  (``catalog.images.upload(move=True)``: sha256 read in place, ``qemu-img info``, rename), the step after
  the fetch (the fetch itself is a local copy on this machine, an SSH transfer to a remote host).

Prints one table (medians of ``--runs``). Needs root, libvirt and the built test image; run it alone
(the shared heavy-test lock is taken).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import fcntl
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'collections'))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'unit', 'virt'))

from lib.guests import BOOTED, built_test_image, wait_for_line  # noqa: E402
from virt_testlib import image_spec, instance_spec  # noqa: E402

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver, snapshot  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'
MB = 1000.0 * 1000.0


def _big_base(workdir, disk):
    """A raw 1 GiB disk: the test image's first 32 MiB, then random data to the end."""
    path = os.path.join(workdir, 'big.raw')
    subprocess.check_call(['qemu-img', 'convert', '-O', 'raw', disk, path])
    subprocess.check_call(['truncate', '-s', '1G', path])
    with open(path, 'r+b') as out, open('/dev/urandom', 'rb') as rnd:
        out.seek(32 * 1024 * 1024)
        left = 1024 ** 3 - 32 * 1024 * 1024
        while left:
            chunk = rnd.read(min(left, 8 * 1024 * 1024))
            out.write(chunk)
            left -= len(chunk)
    return path


def _timed(func):
    started = time.perf_counter()
    out = func()
    return time.perf_counter() - started, out


def _case(conn, label, image_path, instances_path, workdir, runs, wait_boot):
    settings = driver.host_settings(instances_path=instances_path)
    inst = instance_spec(image_spec(image_path, disk_format='raw' if image_path.endswith('.raw') else 'qcow2'),
                         memory_mb=256, root_gb=2)
    inst['name'] = 'novalite-bench-snap-%s' % inst['uuid'][:8]
    store = Store('sqlite:///%s' % os.path.join(workdir, 'bench-%s.db' % label))
    image_store = os.path.join(workdir, 'images-%s' % label)
    rows = {'snapshot': [], 'convert': [], 'import': []}
    method = size = None
    try:
        driver.ensure_state(conn, inst, settings, 'running')
        if wait_boot:
            wait_for_line(os.path.join(instances_path, inst['uuid'], 'console.log'), BOOTED, timeout=120)
        overlay = os.path.join(instances_path, inst['uuid'], 'disk')
        for _run in range(runs):
            image_id = str(uuid.uuid4())
            seconds, made = _timed(lambda: snapshot.snapshot_disk(conn, inst['uuid'], instances_path, image_id))
            method, size = made['method'], made['size']
            rows['snapshot'].append((seconds, size))
            plain = os.path.join(workdir, 'plain-%s.qcow2' % image_id)
            seconds, _out = _timed(lambda: subprocess.check_call(['qemu-img', 'convert', '-U', '-O', 'qcow2',
                                                                  overlay, plain]))
            rows['convert'].append((seconds, os.path.getsize(plain)))
            os.unlink(plain)
            queued = images.create(store, 'bench', image_id=image_id)
            os.makedirs(image_store, exist_ok=True)
            fetched = os.path.join(image_store, '.incoming-%s' % image_id)
            shutil.copy(made['path'], fetched)   # what the fetch does on this machine
            seconds, _out = _timed(lambda: images.upload(store, image_store, queued['id'], fetched,
                                                         checksum=made['sha256'], disk_format='qcow2', move=True))
            rows['import'].append((seconds, size))
            snapshot.remove_staging(instances_path, image_id)
            images.delete(store, image_store, image_id)
        state = driver.get_info(conn, inst['uuid'])['status']
    finally:
        driver.destroy(conn, inst['uuid'], instances_path)
        store.dispose()
    out = {'case': label, 'method': method, 'size_mb': size / MB, 'state_after': state}
    for key, samples in rows.items():
        seconds = statistics.median(s for s, _b in samples)
        out[key] = (seconds, statistics.median(b for _s, b in samples) / MB / seconds)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--skip-big', action='store_true', help='only the test image')
    args = parser.parse_args()
    import libvirt
    disk = built_test_image().disk
    workdir = '/var/lib/novalite/bench-snapshot-%s' % uuid.uuid4().hex[:8]
    results = []
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = libvirt.open('qemu:///system')
        try:
            os.makedirs(workdir)
            os.chmod(workdir, 0o755)
            results.append(_case(conn, 'test image', disk, os.path.join(workdir, 'inst-small'), workdir,
                                 args.runs, True))
            if not args.skip_big:
                big = _big_base(workdir, disk)
                results.append(_case(conn, '1 GiB data', big, os.path.join(workdir, 'inst-big'), workdir,
                                     args.runs, False))
        finally:
            conn.close()
            shutil.rmtree(workdir, ignore_errors=True)
    print('snapshot of a running server, median of %d runs (MB = 10^6 bytes of the qcow2 written)' % args.runs)
    print('| case | data MB | snapshot s | MB/s | how | qemu-img convert s | MB/s | import to store s | MB/s |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    for r in results:
        print('| %s | %.1f | %.2f | %.0f | %s (guest %s after) | %.2f | %.0f | %.2f | %.0f |' % (
            r['case'], r['size_mb'], r['snapshot'][0], r['snapshot'][1], r['method'], r['state_after'],
            r['convert'][0], r['convert'][1], r['import'][0], r['import'][1]))


if __name__ == '__main__':
    main()
