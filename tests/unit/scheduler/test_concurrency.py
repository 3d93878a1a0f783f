# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""8+ processes race for the last slots; claims never exceed capacity (SQLite and MariaDB)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import multiprocessing
import time
import uuid

from ansible_collections.novalite.compute.plugins.module_utils import errors

from lib.sched_rows import add_host, allocation_sums, node

PROCESSES = 8
FLAVOR = {'vcpus': 1, 'memory_mb': 256, 'root_gb': 1}


def _racer(db_url, barrier, results, requests_each):
    # a fresh Store per process: no connection crosses the fork
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(db_url, migrate=False)
    barrier.wait()
    for _request in range(requests_each):
        try:
            got = manager.select_destinations(store, {'flavor': FLAVOR, 'consumer_uuids': [str(uuid.uuid4())]})
            results.put(('ok', got['selections'][0]['host']))
        except errors.NoValidHost as exc:
            results.put(('novalidhost', exc.message))
        except Exception as exc:  # report, the parent asserts
            results.put(('error', repr(exc)))
    store.dispose()


def test_parallel_processes_race_for_last_slots(store, db_url):
    # 3 hosts x 2 vCPUs (ratio 1.0) = 6 slots; 8 processes ask for 3 each = 24 requests
    hosts = [add_host(store, 'race-%d-%s' % (i, uuid.uuid4().hex[:6]), vcpus=2, cpu_ratio=1.0, memory_mb=65536)
             for i in range(3)]
    ctx = multiprocessing.get_context('fork')
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_racer, args=(db_url, barrier, results, 3)) for _process in range(PROCESSES)]
    started = time.time()
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _outcome in range(PROCESSES * 3)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    elapsed = time.time() - started
    errors_seen = [o for o in outcomes if o[0] == 'error']
    assert errors_seen == []
    wins = [o[1] for o in outcomes if o[0] == 'ok']
    assert len(wins) == 6, outcomes
    assert sorted(wins) == sorted(hosts * 2)
    assert all('CoreFilter removed 3' in o[1] for o in outcomes if o[0] == 'novalidhost')
    sums = allocation_sums(store)
    for host in hosts:
        assert sums[host] == (2, 512, 2)
        assert node(store, host)['vcpus_used'] == 2
    print('\n%s: %d processes, %d requests, 6 slots: 6 claims won, %d NoValidHost, %.2f s'
          % (store.backend, PROCESSES, len(outcomes), len(outcomes) - 6, elapsed))


def _claimer(db_url, host, barrier, results, count):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(db_url, migrate=False)
    barrier.wait()
    for _claim in range(count):
        try:
            claims.claim(store, str(uuid.uuid4()), host, 1, 100, 0)
            results.put('ok')
        except claims.ClaimFailed:
            results.put('full')
        except Exception as exc:
            results.put('error %r' % exc)
    store.dispose()


def test_direct_claims_on_one_host_stop_at_capacity(store, db_url):
    # 10 vCPU slots, 8 processes x 4 claims: exactly 10 win
    host = add_host(store, 'one-%s' % uuid.uuid4().hex[:6], vcpus=10, cpu_ratio=1.0, memory_mb=65536)
    ctx = multiprocessing.get_context('fork')
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(db_url, host, barrier, results, 4)) for _process in range(PROCESSES)]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=120) for _outcome in range(PROCESSES * 4)]
    for proc in procs:
        proc.join(timeout=60)
    assert outcomes.count('ok') == 10, outcomes
    assert outcomes.count('full') == PROCESSES * 4 - 10
    row = node(store, host)
    assert row['vcpus_used'] == 10 and row['generation'] == 10
