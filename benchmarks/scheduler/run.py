#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Scheduler benchmark: synthetic registries of 1,000 / 10,000 / 100,000 hosts.

    .venv/bin/python benchmarks/scheduler/run.py [--sizes 1000,10000,100000] [--runs 9]
        [--database-url URL] [--no-playbook]

For each size: builds a fresh state store (SQLite file in a temp dir unless
--database-url names an empty database) with varied capacity, 4 AZs, down and
disabled hosts and existing allocations; loads the host state once (load ms),
then times decisions on that state (filters, weighers, one real atomic claim
in the store) and prints the median per decision and the peak memory of the
loaded state. Finally it times a whole ``schedule`` module call through
ansible-playbook against the 1,000-host registry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'collections'))


from ansible_collections.novalite.compute.plugins.module_utils.scheduler import (  # noqa: E402
    claims, config as config_mod, filters as filters_mod, manager, request_spec, weighers)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.store import schema  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow  # noqa: E402

AZS = ['az1', 'az2', 'az3', 'az4']


def populate(store, count, seed=42):
    """Insert ``count`` hosts with services rows and one existing allocation each."""
    rng = random.Random(seed)
    now = utcnow()
    stale = now - datetime.timedelta(minutes=10)
    nodes, services, allocs = [], [], []
    for i in range(count):
        host = 'cn%06d' % i
        vcpus = rng.choice([16, 32, 48, 64, 96])
        memory = rng.choice([65536, 131072, 262144, 524288])
        disk = rng.choice([500, 1000, 2000, 4000])
        used = (rng.randint(0, vcpus * 8), rng.randint(0, int(memory * 1.2)), rng.randint(0, disk // 2))
        nodes.append(dict(
            id=i + 1, uuid=str(uuid.UUID(int=rng.getrandbits(128))), host=host, hypervisor_hostname=host,
            availability_zone=AZS[i % 4], vcpus=vcpus, memory_mb=memory, local_gb=disk,
            vcpus_used=used[0], memory_mb_used=used[1], local_gb_used=used[2],
            cpu_allocation_ratio=rng.choice([4.0, 16.0]), ram_allocation_ratio=rng.choice([1.0, 1.5]),
            disk_allocation_ratio=1.0, reserved_host_memory_mb=512, reserved_host_disk_mb=0, reserved_host_cpus=0,
            cpu_arch='x86_64' if rng.random() < 0.9 else 'aarch64', hypervisor_type='QEMU',
            hypervisor_version=rng.choice([6002000, 7002000, 8000000]),
            virt_type='kvm' if rng.random() < 0.8 else 'qemu', traits=[],
            capabilities={'ssd': 'true'} if rng.random() < 0.5 else {}, generation=1, created_at=now))
        roll = rng.random()
        services.append(dict(uuid=str(uuid.UUID(int=rng.getrandbits(128))), host=host, binary='nova-compute',
                             topic='compute', disabled=0.05 <= roll < 0.08, forced_down=False, report_count=1,
                             last_seen_up=stale if roll < 0.05 else now, created_at=now))
        allocs.append(dict(compute_node_id=i + 1, consumer_uuid=str(uuid.UUID(int=rng.getrandbits(128))),
                           vcpus=used[0], memory_mb=used[1], disk_gb=used[2], created_at=now))
    with store.begin() as conn:
        for table, rows in (('compute_nodes', nodes), ('services', services), ('allocations', allocs)):
            for start in range(0, len(rows), 5000):
                conn.execute(schema.table(table).insert(), rows[start:start + 5000])
    if store.backend == 'sqlite':
        # fold the bulk load into the main file now, not inside the first timed claim
        raw = store.engine.raw_connection()   # outside a transaction, as checkpoints must be
        try:
            raw.cursor().execute('PRAGMA wal_checkpoint(TRUNCATE)')
        finally:
            raw.close()


def request():
    return request_spec.build(
        {'vcpus': 4, 'memory_mb': 8192, 'root_gb': 40, 'ephemeral_gb': 0, 'swap': 0,
         'extra_specs': {'capabilities:ssd': 's== true', 'capabilities:hypervisor_version': '>= 7000000'}},
        image={'hw_architecture': 'x86_64', 'img_hv_type': 'kvm'}, availability_zone='az2')


def _rss_mb():
    with open('/proc/self/statm') as fh:
        return int(fh.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def _decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers):
    a = time.perf_counter()
    candidates, explanation = manager.run_filters(state, spec, enabled)
    b = time.perf_counter()
    chosen, _weight, _alternates = manager.rank(state, spec, candidates, cfg, random.Random(0), enabled_weighers)
    c = time.perf_counter()
    result = claims.claim(store, str(uuid.uuid4()), state.hosts[chosen], spec.vcpus, spec.memory_mb, spec.disk_gb)
    state.refresh_node(result['node'])
    d = time.perf_counter()
    return (b - a) * 1000, (c - b) * 1000, (d - c) * 1000, (d - a) * 1000, explanation


def bench_size(store, count, runs):
    cfg = config_mod.SchedulerConfig(host_subset_size=1)
    enabled = filters_mod.load_enabled(cfg)
    # as select_destinations does: plugins are loaded once per call, not per decision
    enabled_weighers = weighers.load_enabled(cfg)
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    with store.read() as conn:
        state = HostState.load(conn)
    load_ms = (time.perf_counter() - t0) * 1000
    state_mb = _rss_mb() - rss_before
    spec = request()
    # the first decision pays one-off costs (per-run capability columns, SQL
    # statement compilation): shown apart, then the median of the rest
    first_ms = _decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers)[3]
    samples = [_decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers) for _run in range(runs)]
    # memory of one decision, traced separately (tracing slows Python code, so not timed)
    tracemalloc.start()
    _decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers)
    decision_mb = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()

    def median(column):
        return statistics.median(sample[column] for sample in samples)

    explanation = samples[-1][4]
    return {'hosts': count, 'load_ms': load_ms, 'filter_ms': median(0), 'weigh_ms': median(1),
            'claim_ms': median(2), 'total_ms': median(3), 'first_ms': first_ms, 'state_mb': state_mb,
            'decision_mb': decision_mb, 'remaining': explanation.remaining, 'explanation': explanation.text()}


def playbook_time(db_url, runs=3):
    """Seconds for a whole ansible-playbook run of one schedule task (claim=false, so repeatable)."""
    tmp = tempfile.mkdtemp(prefix='novalite-bench-pb-')
    try:
        book = os.path.join(tmp, 'schedule.yml')
        with open(book, 'w') as fh:
            fh.write('''- hosts: localhost
  gather_facts: false
  tasks:
    - novalite.compute.schedule:
        database_url: "%s"
        flavor: {vcpus: 4, memory_mb: 8192, root_gb: 40}
        availability_zone: az2
        claim: false
''' % db_url)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1')
        cmd = [os.path.join(REPO, '.venv', 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % os.path.join(REPO, '.venv', 'bin', 'python'), book]
        times = []
        for _run in range(runs):
            start = time.perf_counter()
            # the return code is checked below, to show the playbook's output on failure
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - start)
            if proc.returncode != 0:
                raise SystemExit('playbook failed:\n' + proc.stdout + proc.stderr)
        return statistics.median(times)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='1000,10000,100000')
    parser.add_argument('--runs', type=int, default=9)
    parser.add_argument('--database-url', help='an empty database per size is created from this SQLite dir '
                        'or used as is for one size (default: SQLite in a temp dir)')
    parser.add_argument('--no-playbook', action='store_true')
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    tmp = tempfile.mkdtemp(prefix='novalite-bench-')
    rows = []
    pb_seconds = None
    try:
        for count in sizes:
            url = args.database_url or 'sqlite:///%s/bench-%d.db' % (tmp, count)
            store = Store(url)
            t0 = time.perf_counter()
            populate(store, count)
            build_s = time.perf_counter() - t0
            row = bench_size(store, count, args.runs)
            row['build_s'] = build_s
            rows.append(row)
            if count == 1000 and not args.no_playbook:
                pb_seconds = playbook_time(url)
            store.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print('median of %d decisions per size (filters + weighers on loaded state; claim = one atomic '
          'claim in SQLite)' % args.runs)
    head = ('hosts', 'filter ms', 'weigh ms', 'claim ms', 'total ms', 'first decision ms', 'load ms',
            'state RSS MB', 'decision peak MB', 'passing')
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '|'.join('---:' for _column in head) + '|')
    for r in rows:
        print('| %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f | %.1f | %.1f | %d |' % (
            r['hosts'], r['filter_ms'], r['weigh_ms'], r['claim_ms'], r['total_ms'], r['first_ms'], r['load_ms'],
            r['state_mb'], r['decision_mb'], r['remaining']))
    print()
    for r in rows:
        print('%d hosts: %s' % (r['hosts'], r['explanation']))
    import resource
    print('peak process RSS: %.0f MB' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    if pb_seconds is not None:
        print('\nschedule module through ansible-playbook, 1,000 hosts (whole run, median of 3): %.2f s'
              % pb_seconds)


if __name__ == '__main__':
    main()
