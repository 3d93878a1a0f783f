"""8 processes (spawn) creating flavors at once, on both backends: no lost rows, one winner per name."""

import multiprocessing
import os
import sys

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

WORKERS = 8
COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), 'collections')


def _create_flavor(args):
    """Runs in a spawned child: returns 'ok', or the error kind and field."""
    db_url, name, flavorid, barrier = args
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as child_flavors
    from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store as ChildStore
    store = ChildStore(db_url)
    try:
        barrier.wait(timeout=60)  # all children hit the database together
        child_flavors.create(store, name, 1, 64, 1, flavorid=flavorid)
        return ('ok', None)
    except NovaliteError as exc:
        return (exc.kind, exc.field)
    finally:
        store.dispose()


def _run_all(db_url, jobs):
    ctx = multiprocessing.get_context('spawn')
    with ctx.Manager() as manager:
        barrier = manager.Barrier(len(jobs))
        with ctx.Pool(len(jobs)) as pool:
            return pool.map(_create_flavor, [(db_url, name, fid, barrier) for name, fid in jobs])


@pytest.mark.slow
def test_distinct_flavors_in_parallel_all_land(db_url):
    Store(db_url).dispose()  # migrate once, up front
    results = _run_all(db_url, [('par-%d' % i, 'p%d' % i) for i in range(WORKERS)])
    assert results == [('ok', None)] * WORKERS
    store = Store(db_url)
    try:
        assert sorted(f['name'] for f in flavors.list_flavors(store)) == sorted('par-%d' % i for i in range(WORKERS))
    finally:
        store.dispose()


@pytest.mark.slow
def test_race_for_one_name_has_one_winner(db_url):
    Store(db_url).dispose()
    results = _run_all(db_url, [('contested', 'c%d' % i) for i in range(WORKERS)])
    assert results.count(('ok', None)) == 1
    assert sorted(results)[:WORKERS - 1] == [('Conflict', 'name')] * (WORKERS - 1)
    store = Store(db_url)
    try:
        rows = flavors.list_flavors(store)
        assert len(rows) == 1 and rows[0]['name'] == 'contested'
    finally:
        store.dispose()
