#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Scheduler benchmark: synthetic registries of 1,000 / 10,000 / 100,000 hosts.

    benchmarks/scheduler/run [--sizes 1000,10000,100000] [--runs 9]
        [--database-url URL] [--no-playbook] [--heartbeats 10]

For each size: builds a fresh state store (SQLite file in a temp dir unless
--database-url names an empty database) with varied capacity, 4 AZs, down and
disabled hosts and existing allocations, then times:

* decision on a loaded state: filters, weighers and one real atomic claim on a
  state loaded once (the scheduler's own cost);
* API path: a request as the REST shim's job worker makes it,
  ``select_destinations(..., live=LiveHostState)``: sync the live state with
  what changed since the previous request (that request's claim and a claim
  by another worker through another store connection), resolve, filter,
  weigh, claim. Targets: 10 ms at 100,000 hosts, 3 ms at 10,000 (checked and
  printed). Then the same with ``--heartbeats`` heartbeats written by the
  other worker before each request as well (hosts reporting in);
* load path: ``select_destinations`` loading every host for the call (the
  worker before the live state; still the ``schedule`` module's path), and the
  module path's decision cost beyond the load (check mode, no claim).

The first decision of each path (one-off costs: the live state's first load,
capability columns, statement compilation) is printed next to the median.
Every chosen host is checked against a brute-force recomputation from the
store's rows in plain Python (zone, service up and enabled, capabilities,
image, capacity by the claim's rule): the host must pass and the scheduler's
passing count must equal the recomputed one. After each claim the host's
num_instances in the live state must equal its allocations in the store.
Load time per host is printed for each size (it should stay flat: linear
load). Finally a whole ``schedule`` module call through ansible-playbook
against the 1,000-host registry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import json
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
    capacity, claims, config as config_mod, filters as filters_mod, manager, request_spec, weighers)
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as registry  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import (  # noqa: E402
    HostState, LiveHostState)
from ansible_collections.novalite.compute.plugins.module_utils.store import schema  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow  # noqa: E402

import sqlalchemy as sa  # noqa: E402

AZS = ['az1', 'az2', 'az3', 'az4']
# A 100,000-host run takes minutes: hosts stay up for all of it (no heartbeats are written for them
# all), and the down ones were last seen long before.
SERVICE_DOWN_TIME = 3600
SCHEDULER = {'host_subset_size': 1, 'service_down_time': SERVICE_DOWN_TIME}
FLAVOR = {'vcpus': 4, 'memory_mb': 8192, 'root_gb': 40, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {'capabilities:ssd': 's== true', 'capabilities:hypervisor_version': '>= 7000000'}}
IMAGE = {'hw_architecture': 'x86_64', 'img_hv_type': 'kvm'}
TARGETS_MS = {100000: 10.0, 10000: 3.0}


def populate(store, count, seed=42):
    """Insert ``count`` hosts with services rows and one existing allocation each."""
    rng = random.Random(seed)
    now = utcnow()
    stale = now - datetime.timedelta(seconds=10 * SERVICE_DOWN_TIME)
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
    return request_spec.build(FLAVOR, image=IMAGE, availability_zone='az2')


def request_dict(claim=True):
    """The request as the conductor hands it to select_destinations."""
    return {'flavor': FLAVOR, 'image': IMAGE, 'availability_zone': 'az2',
            'consumer_uuids': [str(uuid.uuid4())] if claim else []}


# ---- the check: every choice recomputed from the store's rows in plain Python -------------------

def brute_force_passing(store):
    """{host: node row} of every host the request may use, by the rules written out, from the store now."""
    now = utcnow()
    nodes, services = schema.table('compute_nodes'), schema.table('services')
    with store.read() as conn:
        rows = conn.execute(sa.text(
            'SELECT n.*, s.disabled AS svc_disabled, s.forced_down AS svc_forced_down, s.last_seen_up AS svc_seen '
            'FROM %s n LEFT JOIN %s s ON s.host = n.host AND s.%s = :binary'
            % (nodes.name, services.name, '"binary"' if store.backend == 'sqlite' else '`binary`')),
            {'binary': 'nova-compute'}).mappings().all()
    passing = {}
    for row in rows:
        if row['availability_zone'] != 'az2':
            continue
        seen = row['svc_seen']
        if isinstance(seen, str):
            seen = datetime.datetime.fromisoformat(seen)
        if seen is None or row['svc_disabled'] or row['svc_forced_down'] or \
                (now - seen).total_seconds() > SERVICE_DOWN_TIME:
            continue
        if (row['cpu_arch'] or '').lower() != 'x86_64':
            continue
        if (row['hypervisor_type'] or '').lower() != 'qemu' or (row['virt_type'] or '').lower() != 'kvm':
            continue
        if row['hypervisor_version'] is None or row['hypervisor_version'] < 7000000:
            continue
        caps = row['capabilities']
        caps = json.loads(caps) if isinstance(caps, str) else (caps or {})
        if str(caps.get('ssd')) != 'true':
            continue
        if capacity.node_misfit(row, FLAVOR['vcpus'], FLAVOR['memory_mb'], FLAVOR['root_gb']):
            continue
        passing[row['host']] = dict(row)
    return passing


def verify(host, remaining, passing):
    if host not in passing:
        raise SystemExit('CHECK FAILED: %s was chosen but does not pass when recomputed from the store' % host)
    if remaining != len(passing):
        raise SystemExit('CHECK FAILED: the scheduler saw %d passing hosts, the store has %d'
                         % (remaining, len(passing)))


def verify_claimed(store, live, host, before):
    """After the claim: usage moved by the request, and num_instances equals the store's allocations."""
    nodes, allocs = schema.table('compute_nodes'), schema.table('allocations')
    with store.read() as conn:
        row = conn.execute(sa.select(nodes).where(nodes.c.host == host)).mappings().one()
        count = conn.execute(sa.select(sa.func.count()).select_from(allocs)
                             .where(allocs.c.compute_node_id == row['id'])).scalar()
    moved = (row['vcpus_used'] - before['vcpus_used'], row['memory_mb_used'] - before['memory_mb_used'],
             row['local_gb_used'] - before['local_gb_used'])
    if moved != (FLAVOR['vcpus'], FLAVOR['memory_mb'], FLAVOR['root_gb']):
        raise SystemExit('CHECK FAILED: the claim on %s moved usage by %s' % (host, moved))
    state = live.state
    pos = state.host_index[host]
    if state.num_instances[pos] != count or state.vcpus_used[pos] != row['vcpus_used']:
        raise SystemExit('CHECK FAILED: live state has %d instances / %d vCPUs used on %s, the store %d / %d'
                         % (state.num_instances[pos], state.vcpus_used[pos], host, count, row['vcpus_used']))


def _rss_mb():
    with open('/proc/self/statm') as fh:
        return int(fh.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def _decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers):
    passing = brute_force_passing(store)
    a = time.perf_counter()
    candidates, explanation = manager.run_filters(state, spec, enabled)
    b = time.perf_counter()
    chosen, _weight, _alternates = manager.rank(state, spec, candidates, cfg, random.Random(0), enabled_weighers)
    c = time.perf_counter()
    result = claims.claim(store, str(uuid.uuid4()), state.hosts[chosen], spec.vcpus, spec.memory_mb, spec.disk_gb)
    state.refresh_node(result['node'])
    d = time.perf_counter()
    verify(state.hosts[chosen], explanation.remaining, passing)
    return (b - a) * 1000, (c - b) * 1000, (d - c) * 1000, (d - a) * 1000, explanation


def _other_worker(other, rng, count, heartbeats):
    """What other workers write between two requests: a claim and some heartbeats."""
    for _beat in range(heartbeats):
        registry.heartbeat(other, 'cn%06d' % rng.randrange(count))
    for _attempt in range(10):
        try:
            claims.claim(other, str(uuid.uuid4()), 'cn%06d' % rng.randrange(count), 1, 512, 10)
            return
        except claims.ClaimFailed:
            continue


def bench_api_path(store, count, runs, heartbeats, prefix='api'):
    """Requests as the job worker makes them (live state); each one checked against the store."""
    other = Store(str(store.url), migrate=False)
    rng = random.Random(7)
    live = LiveHostState()
    rss_before = _rss_mb()
    samples, syncs, cpus = [], [], []
    first_ms = None
    for run in range(runs + 1):
        if run:
            _other_worker(other, rng, count, heartbeats)
        passing = brute_force_passing(store)
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = manager.select_destinations(store, request_dict(), SCHEDULER, claim=True, live=live,
                                             rng=random.Random(0))
        elapsed = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - cpu0) * 1000
        host = result['selections'][0]['host']
        verify(host, result['explanation']['remaining'], passing)
        verify_claimed(store, live, host, passing[host])
        if run == 0:
            first_ms = elapsed
            state_mb = _rss_mb() - rss_before
        else:
            samples.append(elapsed)
            cpus.append(cpu)
            syncs.append(result['timings_ms'].get('sync_ms', 0.0))
    other.dispose()
    state = live.state
    arrays_mb = sum(getattr(state, name).nbytes for name in HostState._ARRAYS) / 2 ** 20
    found = {'ms': statistics.median(samples), 'cpu_ms': statistics.median(cpus), 'first_ms': first_ms, 'sync_ms': statistics.median(syncs),
             'state_mb': state_mb, 'arrays_mb': arrays_mb, 'full_loads': live.stats['full_loads'],
             'node_rows': live.stats['node_rows'], 'service_rows': live.stats['service_rows']}
    return dict(('%s_%s' % (prefix, key), value) for key, value in found.items())


def bench_load_path(store, runs):
    """select_destinations loading every host per call: with a claim (the old worker) and in check mode (module)."""
    claimed, module, module_load = [], [], []
    for _run in range(runs):
        passing = brute_force_passing(store)
        t0 = time.perf_counter()
        result = manager.select_destinations(store, request_dict(), SCHEDULER, claim=True, rng=random.Random(0))
        claimed.append((time.perf_counter() - t0) * 1000)
        verify(result['selections'][0]['host'], result['explanation']['remaining'], passing)
        result = manager.select_destinations(store, request_dict(claim=False), SCHEDULER, claim=False,
                                             rng=random.Random(0))
        module.append(result['timings_ms']['total_ms'])
        module_load.append(result['timings_ms']['load_ms'])
    return {'load_path_ms': statistics.median(claimed), 'module_ms': statistics.median(module),
            'module_beyond_load_ms': statistics.median(m - l for m, l in zip(module, module_load))}


def bench_size(store, count, runs, heartbeats, load_runs):
    cfg = config_mod.from_dict(SCHEDULER)
    enabled = filters_mod.load_enabled(cfg)
    # as select_destinations does: plugins are loaded once per call, not per decision
    enabled_weighers = weighers.load_enabled(cfg)
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    with store.read() as conn:
        state = HostState.load(conn, service_down_time=SERVICE_DOWN_TIME)
    load_ms = (time.perf_counter() - t0) * 1000
    state_mb = _rss_mb() - rss_before
    spec = request()
    # the first decision pays one-off costs (per-run capability columns, SQL
    # statement compilation): shown apart, then the median of the rest
    first_ms = _decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers)[3]
    samples = [_decide_and_claim(store, state, spec, enabled, cfg, enabled_weighers) for _run in range(runs)]
    # memory of one decision, traced separately (tracing slows Python code, so not timed)
    passing = brute_force_passing(store)
    tracemalloc.start()
    candidates, _explanation = manager.run_filters(state, spec, enabled)
    manager.rank(state, spec, candidates, cfg, random.Random(0), enabled_weighers)
    decision_mb = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    del state

    def median(column):
        return statistics.median(sample[column] for sample in samples)

    explanation = samples[-1][4]
    row = {'hosts': count, 'load_ms': load_ms, 'filter_ms': median(0), 'weigh_ms': median(1),
           'claim_ms': median(2), 'total_ms': median(3), 'first_ms': first_ms, 'state_mb': state_mb,
           'decision_mb': decision_mb, 'remaining': len(passing), 'explanation': explanation.text()}
    row.update(bench_api_path(store, count, runs, 0))
    row.update(bench_api_path(store, count, runs, heartbeats, prefix='beats'))
    row.update(bench_load_path(store, load_runs))
    return row


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
    parser.add_argument('--heartbeats', type=int, default=10,
                        help='heartbeats another worker writes before each request of the second API-path '
                        'column (default 10)')
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
            row = bench_size(store, count, args.runs, args.heartbeats,
                             load_runs=1 if count >= 100000 else 3)
            row['build_s'] = build_s
            rows.append(row)
            if count == 1000 and not args.no_playbook:
                pb_seconds = playbook_time(url)
            store.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print('median of %d decisions per size (decision = filters + weighers on a loaded state + one atomic claim '
          'in SQLite; API path = the job worker\'s select_destinations on its live state, claim included, with '
          'the previous requests\' claims and another worker\'s claim applied; +%d beats = also %d heartbeats '
          'of other hosts per request; CPU = process time of the API path, what the wall time would be on an '
          'idle machine; every choice checked against the store)'
          % (args.runs, args.heartbeats, args.heartbeats))
    head = ('hosts', 'filter ms', 'weigh ms', 'claim ms', 'decision ms', 'first decision ms',
            'API path ms', 'API CPU ms', 'API first ms', 'API sync ms', 'API +%d beats ms' % args.heartbeats,
            'load path ms',
            'load ms', 'load us/host', 'state RSS MB', 'state arrays MB', 'decision peak MB', 'passing')
    print('| ' + ' | '.join(head) + ' |')
    print('|' + '|'.join('---:' for _column in head) + '|')
    for r in rows:
        print('| %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f | %.0f | %.1f '
              '| %.1f | %.1f | %.1f | %d |' % (
                  r['hosts'], r['filter_ms'], r['weigh_ms'], r['claim_ms'], r['total_ms'], r['first_ms'],
                  r['api_ms'], r['api_cpu_ms'], r['api_first_ms'], r['api_sync_ms'], r['beats_ms'], r['load_path_ms'], r['load_ms'],
                  r['load_ms'] * 1000 / r['hosts'], r['state_mb'], r['api_arrays_mb'], r['decision_mb'],
                  r['remaining']))
    print()
    for r in rows:
        target = TARGETS_MS.get(r['hosts'])
        verdict = ''
        if target:
            verdict = 'target %.0f ms: %s (CPU time %.2f ms)' % (
                target, 'met' if r['api_ms'] <= target else 'MISSED', r['api_cpu_ms'])
        print('%d hosts: API path %.2f ms per request %s; live state: %d full load(s), %d node rows and %d service '
              'rows applied as deltas (%d and %d with heartbeats); schedule module path: %.1f ms per call, %.2f ms '
              'of it beyond the load; build %.0f s'
              % (r['hosts'], r['api_ms'], verdict, r['api_full_loads'], r['api_node_rows'], r['api_service_rows'],
                 r['beats_node_rows'], r['beats_service_rows'], r['module_ms'], r['module_beyond_load_ms'],
                 r['build_s']))
    per_host = [r['load_ms'] / r['hosts'] for r in rows]
    if len(rows) > 1:
        print('load time per host: %s (linear when flat; largest/smallest %.2f)'
              % (', '.join('%.1f us' % (p * 1000) for p in per_host), max(per_host) / min(per_host)))
    print('every chosen host passed the brute-force recomputation from the store; num_instances matched the '
          'store after every claim')
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
