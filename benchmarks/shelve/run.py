#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Shelve benchmark: a running server shelved and offloaded, then unshelved, through the REST shim.

    benchmarks/shelve/run [--runs 3]

A shim (gunicorn + ansible-runner jobs, SQLite store, this machine's libvirt) is started as the tests start it
(tests/lib/live_api.py) and boots one m1.tiny server of the test image. Each run, timed from the POST and
polled every 50 ms:

* ``shelve``: ``POST shelve`` until SHELVED_OFFLOADED with no task state (the guest powered off - ACPI -, its
  disk flattened into the shelve image and imported into the image store, the domain and instance directory
  removed, the claim released; shelved_offload_time 0, Nova's default);
* ``unshelve``: ``POST unshelve`` until ACTIVE with no task state (scheduled, the shelve image cached as the
  host's base, a new overlay, the domain defined and started, the image deleted);
* ``booted``: until the unshelved guest prints its boot line on its new console;
* the floor, in the same run: ``qemu-img convert`` of the guest's disk (what the snapshot copies at least)
  plus ``virsh create`` of the server's own domain XML on a copy-on-write overlay (what a spawn costs at least).

Prints one table (medians of ``--runs``) with the shelve image's size. Needs root, libvirt and the built test
image; run it alone (the shared heavy-test lock is taken).
"""

import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

# importing novalite_api puts the collection on sys.path
import novalite_api  # noqa: E402,F401  pylint: disable=unused-import
from lib.guests import BOOTED, destroy_domains, start_floor_copy  # noqa: E402
from lib.live_api import LiveApi  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'
MB = 1000.0 * 1000.0


def _until(live, token, ident, status, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _s, _h, body = live.http.call('GET', '/compute/v2.1/servers/%s' % ident, token=token)
        server = (body or {}).get('server') or {}
        if server.get('status') == status and server.get('OS-EXT-STS:task_state') is None:
            return time.time()
        if server.get('status') == 'ERROR':
            raise RuntimeError('server %s went to ERROR: %s' % (ident, server.get('fault')))
        time.sleep(0.05)
    raise RuntimeError('server %s not %s after %ss' % (ident, status, timeout))


def _booted(live, ident, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(live.console_log(ident), errors='replace') as handle:
                if BOOTED in handle.read():
                    return time.time()
        except IOError:
            pass
        time.sleep(0.05)
    raise RuntimeError('server %s did not boot after %ss' % (ident, timeout))


def _action(live, token, ident, body):
    status, _h, answer = live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, body, token=token)
    if status != 202:
        raise RuntimeError('%s: %s %s' % (list(body)[0], status, answer))


def _shelve_image_size(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        image_id = instances.get(store, ident)['system_metadata']['shelved_image_id']
        return images.get(store, image_id)['size']
    finally:
        store.dispose()


def _floor(live, ident):
    """qemu-img convert of the guest's disk + virsh create of its domain XML on a fresh overlay: seconds."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        xml = instances.get(store, ident)['domain_xml']
    finally:
        store.dispose()
    disk = os.path.join(live.instances_path, ident, 'disk')
    with tempfile.TemporaryDirectory(dir='/var/lib/novalite') as scratch:
        started = time.perf_counter()
        subprocess.check_call(['qemu-img', 'convert', '-U', '-O', 'qcow2', disk, os.path.join(scratch, 'flat')])
        convert = time.perf_counter() - started
        os.chmod(scratch, 0o755)
        copy, _console, create = start_floor_copy(xml, scratch)
        destroy_domains([copy])
    return convert, create


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    rows = {'shelve': [], 'unshelve': [], 'booted': [], 'convert': [], 'create': []}
    size = None
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        live = LiveApi(job_concurrency=2, heartbeat_interval=60)
        try:
            live.setup().start()
            token = live.token('demo', 'demo')
            status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
                'name': 'bench-shelve', 'flavorRef': '1', 'imageRef': live.seeds['image']['id']}}, token=token)
            if status != 202:
                raise RuntimeError('create: %s %s' % (status, body))
            ident = body['server']['id']
            _until(live, token, ident, 'ACTIVE')
            _booted(live, ident)
            for _run in range(args.runs):
                convert, create = _floor(live, ident)
                rows['convert'].append(convert)
                rows['create'].append(create)
                started = time.time()
                _action(live, token, ident, {'shelve': None})
                rows['shelve'].append(_until(live, token, ident, 'SHELVED_OFFLOADED') - started)
                size = _shelve_image_size(live, ident)
                started = time.time()
                _action(live, token, ident, {'unshelve': None})
                rows['unshelve'].append(_until(live, token, ident, 'ACTIVE') - started)
                rows['booted'].append(_booted(live, ident) - started)
        finally:
            live.cleanup()
    med = dict((k, statistics.median(v)) for k, v in rows.items())
    print('shelve-offload + unshelve of a running m1.tiny server (test image) through the REST shim, '
          'median of %d runs' % args.runs)
    print('| shelve image MB | shelve -> SHELVED_OFFLOADED s | unshelve -> ACTIVE s | unshelve -> guest booted s '
          '| round trip s | floor: qemu-img convert s | floor: virsh create s |')
    print('| --- | --- | --- | --- | --- | --- | --- |')
    print('| %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |' % (
        size / MB, med['shelve'], med['unshelve'], med['booted'], med['shelve'] + med['unshelve'], med['convert'],
        med['create']))


if __name__ == '__main__':
    main()
