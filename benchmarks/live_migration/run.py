#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Live migration benchmark: novalite's os-migrateLive against raw ``virsh migrate`` of the same guest.

    benchmarks/live_migration/run [--runs 3]

Two namespaced libvirt hosts on the test's fabric (tests/lib/test_hosts.py ``fabric=True``) are the compute hosts
of a REST shim started as the tests start it (tests/lib/live_api.py); one m1.tiny server of the test image boots
and runs. Each run, in the same process, with the same guest between the same two hosts:

* ``novalite``: ``POST os-migrateLive`` (block_migration auto: a block migration, the hosts share nothing) until
  the server is ACTIVE on the other host with no task state (polled every 50 ms): the scheduler's choice and
  claim, the destination's check and pre-created disks (one host call), the source's check and the migration
  itself (one host call), the store updated;
* ``virsh``: ``virsh migrate --live --p2p --persistent --undefinesource --copy-storage-inc`` of the guest to the
  other host and back (the mean of the two), each with the destination's disks pre-created beforehand (not
  timed) and the same destination XML novalite sends: what the migration costs at least.

Prints one table (medians of ``--runs``) and the ratio. Needs root, libvirt and the built test image; it takes the
shared heavy-test lock.
"""

import argparse
import fcntl
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

import novalite_api  # noqa: E402,F401  pylint: disable=unused-import
from lib.guests import BOOTED  # noqa: E402
from lib.live_api import one_server_on_hosts  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'


def _until_on(live, token, ident, host, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        server = live.show(ident, token)
        if server.get('status') == 'ACTIVE' and server.get('OS-EXT-STS:task_state') is None \
                and server.get('OS-EXT-SRV-ATTR:host') == host:
            return time.time()
        if server.get('status') == 'ERROR' or (server.get('status') == 'ACTIVE' and
                                               server.get('OS-EXT-STS:task_state') is None and
                                               server.get('OS-EXT-SRV-ATTR:host') != host and
                                               time.time() > deadline - timeout + 5):
            raise RuntimeError('server %s not moved to %s: %s' % (ident, host, server))
        time.sleep(0.05)
    raise RuntimeError('server %s not ACTIVE on %s after %ss' % (ident, host, timeout))


def _row(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return instances.get(store, ident)
    finally:
        store.dispose()


def _raw(live, hosts, ident, src, dst):
    """virsh migrate of the guest from host ``src`` to ``dst`` (LibvirtHosts), its disks pre-created: seconds."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls
    from ansible_collections.novalite.compute.plugins.module_utils.virt import (
        connection, disk, imagecache, live_migration,
    )
    inst = _row(live, ident)
    spec = host_calls.instance_spec(inst)
    src_path, dst_path = live.instances_paths[src.name], live.instances_paths[dst.name]
    settings = {'instances_path': dst_path, 'force_raw_images': True}
    conn = connection.open_connection(src.uri)
    try:
        live_migration.pre_live_migration(spec, settings, live_migration.source_disks(conn, ident))
        dom = conn.lookupByUUIDString(ident)
        import libvirt
        flags = libvirt.VIR_DOMAIN_XML_SECURE | libvirt.VIR_DOMAIN_XML_MIGRATABLE
        bases = (imagecache.base_dir(src_path), imagecache.base_dir(dst_path))
        dirs = (disk.instance_dir(src_path, ident), disk.instance_dir(dst_path, ident))
        live_xml = live_migration._rewrite_paths(dom.XMLDesc(flags), dirs[0], dirs[1], *bases)
        persist = live_migration._rewrite_paths(dom.XMLDesc(flags | libvirt.VIR_DOMAIN_XML_INACTIVE), dirs[0],
                                                dirs[1], *bases)
        targets = live_migration._writable_targets(live_xml)
    finally:
        conn.close()
    with tempfile.TemporaryDirectory() as scratch:
        xml_path, persist_path = os.path.join(scratch, 'dest.xml'), os.path.join(scratch, 'persist.xml')
        with open(xml_path, 'w') as handle:
            handle.write(live_xml)
        with open(persist_path, 'w') as handle:
            handle.write(persist)
        cmd = ['virsh', '-c', src.uri, 'migrate', '--live', '--p2p', '--persistent', '--undefinesource',
               '--copy-storage-inc', '--migrate-disks', ','.join(targets), '--xml', xml_path,
               '--persistent-xml', persist_path, '--migrateuri', 'tcp://%s' % dst.address, ident, dst.uri]
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    shutil.rmtree(dirs[0], ignore_errors=True)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    rows = {'novalite': [], 'virsh': []}
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with one_server_on_hosts(2, 'nlbench', fabric=True, job_concurrency=2, heartbeat_interval=60) as (
                live, hosts, ident):
            admin = live.token()
            deadline = time.time() + 300
            host = _row(live, ident)['host']
            console = os.path.join(live.instances_paths[host], ident, 'console.log')
            while BOOTED not in open(console, errors='replace').read():
                if time.time() > deadline:
                    raise RuntimeError('no boot line')
                time.sleep(0.2)
            for _run in range(args.runs):
                here = _row(live, ident)['host']
                src = [h for h in hosts if h.name == here][0]
                dst = [h for h in hosts if h.name != here][0]
                there_and_back = [(src, dst), (dst, src)]
                raw = [_raw(live, hosts, ident, a, b) for a, b in there_and_back]
                rows['virsh'].append(statistics.mean(raw))
                started = time.time()
                status, _h, body = live.action(ident, {'os-migrateLive': {'block_migration': 'auto', 'host': None}},
                                               admin, version='2.80')
                if status != 202:
                    raise RuntimeError('os-migrateLive: %s %s' % (status, body))
                rows['novalite'].append(_until_on(live, admin, ident, dst.name) - started)
    med = dict((k, statistics.median(v)) for k, v in rows.items())
    print('live (block) migration of a running m1.tiny server (test image, 512 MB) between two namespaced hosts, '
          'median of %d runs' % args.runs)
    print('| novalite: os-migrateLive -> ACTIVE on the destination s | raw virsh migrate s | ratio |')
    print('| --- | --- | --- |')
    print('| %.2f | %.2f | %.2fx |' % (med['novalite'], med['virsh'], med['novalite'] / med['virsh']))
    print('runs: novalite %s, virsh %s' % (['%.2f' % v for v in rows['novalite']], ['%.2f' % v for v in rows['virsh']]))


if __name__ == '__main__':
    main()
