#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Warm starts benchmark: a server action's job with ansible-playbook started ahead (novalite_api/warm_starts.py)
and started cold, against raw ``virsh``.

    benchmarks/warm_starts/run [--runs 10]

Two REST shims are started as the tests start them (tests/lib/live_api.py), on this machine's libvirt, one with
``warm_ansible_starts: 2`` (the default) and one with 0; each boots one m1.tiny server of the test image. Each
run, in turn on both: ``POST pause`` until the server is PAUSED with no task state, then ``POST unpause`` until
ACTIVE (polled every 20 ms): one job each, one ansible run with one host call. The floor is ``virsh suspend`` and
``virsh resume`` of the same guest. Prints medians and ratios; takes the shared heavy-test lock.
"""

import argparse
import fcntl
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

import novalite_api  # noqa: E402,F401  pylint: disable=unused-import
from lib.live_api import running  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'


def _action(live, token, ident, body, status):
    start = time.time()
    code, _h, answer = live.action(ident, body, token)
    if code != 202:
        raise RuntimeError('%s: %s %s' % (body, code, answer))
    live.wait_server(ident, [status], timeout=120, token=token, poll=0.02)
    return time.time() - start


def _boot(live):
    token = live.token('demo', 'demo')
    code, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'bench-warm', 'flavorRef': '1', 'imageRef': live.seeds['image']['id']}}, token=token)
    if code != 202:
        raise RuntimeError('server create: %s %s' % (code, body))
    live.wait_server(body['server']['id'], ['ACTIVE'], timeout=300, token=token)
    return token, body['server']['id']


def _virsh(domain, verb):
    start = time.time()
    subprocess.run(['virsh', '-c', 'qemu:///system', verb, domain], check=True, stdout=subprocess.DEVNULL)
    return time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    args = parser.parse_args()
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with running(warm_ansible_starts=2) as warm, running(warm_ansible_starts=0) as cold:
            servers = {'warm': (warm,) + _boot(warm), 'cold': (cold,) + _boot(cold)}
            domain = warm.show(servers['warm'][2], warm.token())['OS-EXT-SRV-ATTR:instance_name']
            times = dict((key, {'pause': [], 'unpause': []}) for key in ('warm', 'cold', 'virsh'))
            for run in range(args.runs):
                for key in ('cold', 'warm'):
                    live, token, ident = servers[key]
                    time.sleep(1)   # the worker idle, its spares (if any) imported, as between requests
                    times[key]['pause'].append(_action(live, token, ident, {'pause': None}, 'PAUSED'))
                    time.sleep(1)
                    times[key]['unpause'].append(_action(live, token, ident, {'unpause': None}, 'ACTIVE'))
                times['virsh']['pause'].append(_virsh(domain, 'suspend'))
                times['virsh']['unpause'].append(_virsh(domain, 'resume'))
                latest = ['%s %s %.2fs' % (key, verb, times[key][verb][-1])
                          for key in ('cold', 'warm', 'virsh') for verb in ('pause', 'unpause')]
                print('run %d: %s' % (run + 1, ', '.join(latest)), flush=True)
    med = statistics.median
    print()
    print('One server action, one job with one host call (this machine, TCG guest, SQLite), median of %d'
          % args.runs)
    print('| action | novalite, cold start | novalite, warm start | virsh | warm/cold | warm/virsh |')
    print('|---|---:|---:|---:|---:|---:|')
    for verb in ('pause', 'unpause'):
        cold_s, warm_s, raw = (med(times[key][verb]) for key in ('cold', 'warm', 'virsh'))
        print('| %s | %.2f s | %.2f s | %.3f s | %.2f | %.1fx |'
              % (verb, cold_s, warm_s, raw, warm_s / cold_s, warm_s / raw))


if __name__ == '__main__':
    main()
