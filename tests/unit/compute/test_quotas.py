"""Per-project quotas: defaults, overrides, Nova's messages, and no overcommit under racing creates."""

import multiprocessing
import os
import subprocess
import sys

import pytest

from lib.sched_rows import add_host, allocation_sums

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances, quotas
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

WORKERS = 8
COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), 'collections')
TINY = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}
MEDIUM = {'flavorid': '3', 'name': 'm1.medium', 'vcpus': 2, 'memory_mb': 4096, 'root_gb': 40}


def _rows(store, project, flavor, count):
    with store.begin() as conn:
        for index in range(count):
            instances.create(conn, {'display_name': 'vm%d' % index, 'project_id': project, 'user_id': 'u1',
                                    'flavor': flavor, 'image': {'id': 'img'}})


def test_defaults_and_overrides(store):
    with store.read() as conn:
        assert quotas.limits(conn, 'p1') == quotas.DEFAULTS
        assert quotas.limits(conn, 'p1', legacy=True)['floating_ips'] == 10
    got = quotas.set_limits(store, 'p1', {'instances': 3, 'cores': '7'})
    assert (got['instances'], got['cores'], got['ram']) == (3, 7, 51200)
    quotas.set_limits(store, 'p1', {'instances': 4})
    with store.read() as conn:
        assert quotas.overrides(conn, 'p1') == {'instances': 4, 'cores': 7}
        assert quotas.limits(conn, 'p2') == quotas.DEFAULTS
    quotas.reset(store, 'p1')
    with store.read() as conn:
        assert quotas.limits(conn, 'p1') == quotas.DEFAULTS


@pytest.mark.parametrize('values,field', [({'instances': -2}, 'quota_set.instances'),
                                          ({'cores': 'many'}, 'quota_set.cores'),
                                          ({'cores': True}, 'quota_set.cores'),
                                          ({'floating_ips': 1}, 'quota_set.floating_ips'),
                                          ({'instances': 2 ** 31}, 'quota_set.instances')])
def test_bad_limits_change_nothing(store, values, field):
    with pytest.raises(InvalidInput) as err:
        quotas.set_limits(store, 'p1', dict(values, ram=1))
    assert err.value.field == field
    with store.read() as conn:
        assert quotas.overrides(conn, 'p1') == {}


def test_limit_below_usage_needs_force(store):
    _rows(store, 'p1', TINY, 2)
    with pytest.raises(InvalidInput) as err:
        quotas.set_limits(store, 'p1', {'instances': 1})
    assert 'must be greater than or equal to already used and reserved 2' in err.value.message
    assert quotas.set_limits(store, 'p1', {'instances': 1}, force=True)['instances'] == 1


def test_check_create_messages_and_reduction(store):
    _rows(store, 'p1', MEDIUM, 9)     # 9 instances, 18 cores, 36864 MB
    with store.begin() as conn:
        assert quotas.check_create(conn, 'p1', TINY, 1) == 1
        # max 5 requested, min 1: reduced to what fits (1 instance left).
        assert quotas.check_create(conn, 'p1', TINY, 5, min_count=1) == 1
        with pytest.raises(quotas.QuotaExceeded) as err:
            quotas.check_create(conn, 'p1', TINY, 2)
    assert err.value.code == 403
    assert err.value.message == 'Quota exceeded for instances: Requested 2, but already used 9 of 10 instances'
    quotas.set_limits(store, 'p1', {'instances': 20})
    with store.begin() as conn:
        with pytest.raises(quotas.QuotaExceeded) as err:
            quotas.check_create(conn, 'p1', MEDIUM, 2)
    assert err.value.message == 'Quota exceeded for cores: Requested 4, but already used 18 of 20 cores'
    quotas.set_limits(store, 'p1', {'cores': -1, 'ram': 40000})
    with store.begin() as conn:
        with pytest.raises(quotas.QuotaExceeded) as err:
            quotas.check_create(conn, 'p1', MEDIUM, 1)
    assert err.value.message == 'Quota exceeded for ram: Requested 4096, but already used 36864 of 40000 ram'
    quotas.set_limits(store, 'p1', {'ram': -1, 'instances': -1})
    with store.begin() as conn:
        assert quotas.check_create(conn, 'p1', MEDIUM, 50) == 50


def test_deleted_instances_do_not_count(store):
    _rows(store, 'p1', TINY, 10)
    uuid = instances.list_instances(store, project_id='p1')[0]['uuid']
    with store.begin() as conn:
        instances.mark_deleted(conn, uuid)
        assert quotas.usage(conn, 'p1')['instances'] == 9
        assert quotas.check_create(conn, 'p1', TINY, 1) == 1


# ---- 8 processes racing 1-server creates through the conductor ----------------------------------

def _catalog(store, tmp_path):
    source = str(tmp_path / 'disk.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', source, '16M'], check=True)
    flavors.create(store, 'm1.tiny', 1, 512, 1, flavorid='1')
    return images.register(store, str(tmp_path / 'images'), 'img', source, disk_format='qcow2',
                           container_format='bare', visibility='public', owner='p1')['id']


def _create_one(args):
    """Runs in a spawned child: 'ok' or the error kind."""
    db_url, image_id, index, barrier = args
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor as child_conductor
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context as ChildContext
    from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store as ChildStore
    store = ChildStore(db_url)
    try:
        barrier.wait(timeout=60)
        child_conductor.create_servers(store, ChildContext('u1', 'p1', is_admin=False),
                                       {'name': 'racer-%d' % index, 'flavor': '1', 'image': image_id},
                                       enforce_quota=True)
        return 'ok'
    except NovaliteError as exc:
        return '%s %d' % (exc.kind, exc.code)
    finally:
        store.dispose()


@pytest.mark.slow
def test_racing_creates_never_overcommit(db_url, tmp_path):
    store = Store(db_url)
    try:
        image_id = _catalog(store, tmp_path)
        quotas.set_limits(store, 'p1', {'instances': 5})
    finally:
        store.dispose()
    ctx = multiprocessing.get_context('spawn')
    with ctx.Manager() as manager:
        barrier = manager.Barrier(WORKERS)
        with ctx.Pool(WORKERS) as pool:
            results = pool.map(_create_one, [(db_url, image_id, i, barrier) for i in range(WORKERS)])
    assert results.count('ok') == 5
    assert sorted(results)[:3] == ['OverQuota 403'] * 3
    store = Store(db_url)
    try:
        assert len(instances.list_instances(store, project_id='p1')) == 5
    finally:
        store.dispose()


def test_create_servers_reduces_to_quota(store, tmp_path):
    image_id = _catalog(store, tmp_path)
    quotas.set_limits(store, 'p1', {'instances': 3})
    ctx = Context('u1', 'p1', is_admin=False)
    made = conductor.create_servers(store, ctx, {'name': 'many', 'flavor': '1', 'image': image_id,
                                                 'min_count': 2, 'max_count': 5}, enforce_quota=True)
    assert [m['display_name'] for m in made] == ['many-1', 'many-2', 'many-3']
    with pytest.raises(quotas.QuotaExceeded):
        conductor.create_servers(store, ctx, {'name': 'more', 'flavor': '1', 'image': image_id},
                                 enforce_quota=True)
    assert len(instances.list_instances(store, project_id='p1')) == 3
    # Operators' playbooks (the server/server_build modules) are not held to API quotas.
    assert conductor.create_servers(store, ctx, {'name': 'operator', 'flavor': '1', 'image': image_id})


def test_a_request_is_placed_whole_or_not_at_all(store, tmp_path):
    """min_count 1, max_count 3, room for 2: Nova places every created instance or raises NoValidHost
    for the request; none stays in BUILD and nothing stays claimed."""
    image_id = _catalog(store, tmp_path)
    add_host(store, 'small', vcpus=2, cpu_ratio=1.0, memory_mb=65536)
    ctx = Context('u1', 'p1', is_admin=False)
    made = conductor.create_servers(store, ctx, {'name': 'many', 'flavor': '1', 'image': image_id,
                                                 'min_count': 1, 'max_count': 3})
    assert len(made) == 3
    result = conductor.schedule_and_prepare(store, [m['uuid'] for m in made], ctx.request_id)
    assert result['builds'] == [] and len(result['failed']) == 3
    for row in made:
        inst = instances.get(store, row['uuid'])
        assert (inst['vm_state'], inst['task_state'], inst['host']) == ('error', None, None)
        fault = instances.latest_fault(store, row['uuid'])['message']
        assert 'instance 3 of 3 (a request places all 3 or none)' in fault and 'CoreFilter removed 1' in fault
    assert allocation_sums(store) == {}


def test_fewer_selections_than_instances_fail_the_whole_request(store, tmp_path, monkeypatch):
    """Should the scheduler ever return fewer selections than the instances it was asked for, the
    conductor does not pair what it got and leave the rest in BUILD: the request is NoValidHost."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    image_id = _catalog(store, tmp_path)
    add_host(store, 'big', memory_mb=65536)
    ctx = Context('u1', 'p1', is_admin=False)
    made = conductor.create_servers(store, ctx, {'name': 'many', 'flavor': '1', 'image': image_id,
                                                 'min_count': 3, 'max_count': 3})
    real = manager.select_destinations

    def short(*args, **kwargs):
        result = real(*args, **kwargs)
        result['selections'] = result['selections'][:2]
        return result

    monkeypatch.setattr(manager, 'select_destinations', short)
    result = conductor.schedule_and_prepare(store, [m['uuid'] for m in made], ctx.request_id)
    assert result['builds'] == [] and len(result['failed']) == 3
    assert 'chose hosts for 2 of the request\'s 3 instances' in result['explanation']
    for row in made:
        inst = instances.get(store, row['uuid'])
        assert (inst['vm_state'], inst['task_state'], inst['host']) == ('error', None, None)
        assert 'a request places all 3 or none' in instances.latest_fault(store, row['uuid'])['message']
    assert allocation_sums(store) == {}
