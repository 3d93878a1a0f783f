#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Cold move benchmark: novalite's cold migration and resize against the raw floor of the same move.

    benchmarks/resize/run [--runs 3]

Two namespaced libvirt hosts (tests/lib/test_hosts.py) are the compute hosts of a REST shim started as the
tests start it (tests/lib/live_api.py); one m1.tiny server of the test image boots and runs. Each run, with the
same guest between the same two hosts:

* ``migrate``: ``POST migrate`` (admin) until the server is VERIFY_RESIZE on the other host with no task state
  (polled every 50 ms): the scheduler's choice and move claim, the guest powered off cleanly on the source, its
  instance directory copied, rebased onto the destination's image cache, the domain defined and started there;
  then ``confirmResize`` until ACTIVE (the source's domain and kept directory removed, its claim freed);
* ``resize``: the same with ``resize`` to a flavor with a root disk 1 GB bigger (the disk also grown), confirmed;
* ``raw``: what a cold move costs at least, by hand: ``virsh shutdown`` until shut off, ``cp -a --sparse`` of
  the instance directory to the other host's, the domain XML with the paths rewritten defined and started
  there, the source's domain undefined and directory removed (the mean of there and back).

Prints one table (medians of ``--runs``) and the ratios. Needs root, libvirt and the built test image; it takes
the shared heavy-test lock.
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


def _until(live, token, ident, status, host=None, timeout=600, settled_elsewhere=None):
    """Seconds-since-epoch when the server is ``status`` with no task state (on ``host`` when given).
    ``settled_elsewhere``: the status it is in with no task state when the move was refused or rolled back."""
    deadline = time.time() + timeout
    busy = False
    while time.time() < deadline:
        server = live.show(ident, token)
        if server.get('status') == status and server.get('OS-EXT-STS:task_state') is None \
                and (host is None or server.get('OS-EXT-SRV-ATTR:host') == host):
            return time.time()
        busy = busy or server.get('OS-EXT-STS:task_state') is not None
        if server.get('status') == 'ERROR' or (
                busy and server.get('status') == settled_elsewhere and server.get('OS-EXT-STS:task_state') is None):
            raise RuntimeError('server %s did not get to %s: %s %s; its last action: %s'
                               % (ident, status, server.get('status'), server.get('fault'), _last_action(live, ident)))
        time.sleep(0.05)
    raise RuntimeError('server %s not %s after %ss: %s' % (ident, status, timeout, live.show(ident, token)))


def _last_action(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        action = instances.list_actions(store, ident)[-1]
        return [(action['action'], e['event'], e['result'], (e['traceback'] or '')[-600:]) for e in action['events']]
    finally:
        store.dispose()


def _host_of(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return instances.get(store, ident)['host']
    finally:
        store.dispose()


def _wait_booted(live, host, ident, boots, timeout=300):
    """Until the guest's console log (new at each start of its domain) shows the boot line: a guest still
    booting ignores the ACPI power button, so the next clean power-off would wait its whole timeout."""
    path = os.path.join(live.instances_paths[host], ident, 'console.log')
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path, errors='replace') as handle:
                if handle.read().count(BOOTED) >= boots:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError('%s did not boot on %s' % (ident, host))


def _virsh(uri, *args, **kwargs):
    return subprocess.run(['virsh', '-c', uri] + list(args), check=True, capture_output=True, text=True, **kwargs)


def _raw(live, ident, src, dst):
    """The cold move by hand from host ``src`` to ``dst`` (LibvirtHosts): seconds."""
    src_dir = os.path.join(live.instances_paths[src.name], ident)
    dst_dir = os.path.join(live.instances_paths[dst.name], ident)
    xml = _virsh(src.uri, 'dumpxml', '--inactive', '--security-info', ident).stdout
    xml = xml.replace(live.instances_paths[src.name] + '/', live.instances_paths[dst.name] + '/')
    with tempfile.TemporaryDirectory() as scratch:
        xml_path = os.path.join(scratch, 'dest.xml')
        with open(xml_path, 'w') as handle:
            handle.write(xml)
        started = time.perf_counter()
        # the ACPI power button, pressed again each second until the guest is off (novalite presses it every
        # SHUTDOWN_RETRY_INTERVAL s, as Nova does): a press the guest's kernel meets too early is lost
        pressed = 0.0
        while _virsh(src.uri, 'domstate', ident).stdout.strip() != 'shut off':
            if time.perf_counter() - pressed >= 1.0:
                subprocess.run(['virsh', '-c', src.uri, 'shutdown', ident], check=False, capture_output=True)
                pressed = time.perf_counter()
            time.sleep(0.05)
        subprocess.run(['cp', '-a', '--sparse=always', src_dir, dst_dir], check=True)
        _virsh(dst.uri, 'define', xml_path)
        _virsh(dst.uri, 'start', ident)
        _virsh(src.uri, 'undefine', ident)
        shutil.rmtree(src_dir)
        seconds = time.perf_counter() - started
    return seconds


def _move(live, admin, ident, body, hosts):
    """novalite's move (``body``) and its confirm: (seconds to VERIFY_RESIZE, seconds of the confirm)."""
    here = _host_of(live, ident)
    there = [h for h in hosts if h.name != here][0]
    started = time.time()
    status, _h, answer = live.action(ident, body, admin)
    if status != 202:
        raise RuntimeError('%s: %s %s' % (list(body)[0], status, answer))
    moved = _until(live, admin, ident, 'VERIFY_RESIZE', there.name, settled_elsewhere='ACTIVE') - started
    started = time.time()
    status, _h, answer = live.action(ident, {'confirmResize': None}, admin)
    if status != 204:
        raise RuntimeError('confirmResize: %s %s' % (status, answer))
    confirmed = _until(live, admin, ident, 'ACTIVE') - started
    return moved, confirmed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    rows = dict((k, []) for k in ('migrate', 'migrate_confirm', 'resize', 'resize_confirm', 'raw'))
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with one_server_on_hosts(2, 'nlbench', job_concurrency=2, heartbeat_interval=60) as (live, hosts, ident):
            admin = live.token()
            boots = dict((h.name, 0) for h in hosts)

            def booted_on(name):
                boots[name] = 1   # the console log starts afresh at each start of the domain
                _wait_booted(live, name, ident, boots[name])
            booted_on(_host_of(live, ident))
            for run in range(args.runs):
                # the floor: there and back by hand
                here = _host_of(live, ident)
                src = [h for h in hosts if h.name == here][0]
                dst = [h for h in hosts if h.name != here][0]
                raw = []
                for a, b in ((src, dst), (dst, src)):
                    raw.append(_raw(live, ident, a, b))
                    booted_on(b.name)
                rows['raw'].append(statistics.mean(raw))
                moved, confirmed = _move(live, admin, ident, {'migrate': None}, hosts)
                rows['migrate'].append(moved)
                rows['migrate_confirm'].append(confirmed)
                booted_on(_host_of(live, ident))
                # a flavor one root GB bigger than the server's (resizes never shrink)
                flavor = {'name': 'bench.r%d' % run, 'ram': 512, 'vcpus': 1, 'disk': 2 + run, 'id': 'bench-%d' % run}
                status, _h, made = live.http.call('POST', '/compute/v2.1/flavors', {'flavor': flavor}, token=admin)
                if status != 200:
                    raise RuntimeError('flavor create: %s %s' % (status, made))
                moved, confirmed = _move(live, admin, ident, {'resize': {'flavorRef': flavor['id']}}, hosts)
                rows['resize'].append(moved)
                rows['resize_confirm'].append(confirmed)
                booted_on(_host_of(live, ident))
    med = dict((k, statistics.median(v)) for k, v in rows.items())
    print('cold moves of a running m1.tiny server (test image) between two namespaced hosts, median of %d runs'
          % args.runs)
    print('| move | novalite: action -> VERIFY_RESIZE s | confirmResize -> ACTIVE s | raw floor s | ratio |')
    print('| --- | --- | --- | --- | --- |')
    for name in ('migrate', 'resize'):
        print('| %s | %.2f | %.2f | %.2f | %.2fx |' % (name, med[name], med[name + '_confirm'], med['raw'],
                                                       med[name] / med['raw']))
    print('runs: %s' % dict((k, ['%.2f' % v for v in vals]) for k, vals in rows.items()))


if __name__ == '__main__':
    main()
