"""API benchmark: the REST shim booting real servers, and listing many, against the bare floor.

    benchmarks/api/run [--runs N] [--list-servers 1000]

A shim (gunicorn + ansible-runner jobs, SQLite store, this machine's libvirt)
is started as the tests start it (tests/lib/live_api.py). Measured, medians
of ``--runs``:

* one server: ``POST /servers`` until ``GET /servers/{id}`` says ACTIVE
  (polled every 50 ms);
* ten servers created at once (ten concurrent POSTs) until all are ACTIVE;
* ``GET /servers/detail`` with ``--list-servers`` servers of the caller's
  project in the store (rows written directly; Nova's page limit is 1000);
* the floors, in the same run: ``qemu-img create`` of the overlay plus
  ``virsh create`` of the very XML novalite defined for one of the servers
  (until virsh returns with the domain running), and the same for the ten
  servers' XMLs started all at once (the floor of the ten-at-once row).
"""

import argparse
import concurrent.futures
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

# importing novalite_api puts the collection on sys.path
import novalite_api  # noqa: E402,F401  pylint: disable=unused-import
from lib.guests import destroy_domains, overlay_backing, start_floor_copy  # noqa: E402
from lib.live_api import LiveApi  # noqa: E402


def _active(live, token, ident, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        _s, _h, body = live.http.call('GET', '/compute/v2.1/servers/%s' % ident, token=token)
        server = (body or {}).get('server') or {}
        if server.get('status') == 'ACTIVE' and server.get('OS-EXT-STS:task_state') is None:
            return time.time()
        if server.get('status') == 'ERROR':
            raise RuntimeError('server %s went to ERROR: %s' % (ident, server.get('fault')))
        time.sleep(0.05)
    raise RuntimeError('server %s not ACTIVE after %ss' % (ident, timeout))


def _create(live, token, name, image):
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': name, 'flavorRef': '42', 'imageRef': image}}, token=token)
    if status != 202:
        raise RuntimeError('create %s: %s %s' % (name, status, body))
    return body['server']['id']


def _delete_all(live, token, ids):
    for ident in ids:
        live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)
    deadline = time.time() + 180
    for ident in ids:
        while time.time() < deadline:
            if live.http.call('GET', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 404:
                break
            time.sleep(0.1)


def one_server(live, token, image):
    start = time.time()
    ident = _create(live, token, 'bench-one', image)
    took = _active(live, token, ident) - start
    return took, ident


def ten_at_once(live, token, image):
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        ids = list(pool.map(lambda i: _create(live, token, 'bench-ten-%d' % i, image), range(10)))
    for ident in ids:
        _active(live, token, ident)
    return time.time() - start, ids


def defined_xmls(live, ids):
    """(XML, backing file) of the domains novalite defined for ``ids`` (read before the servers are deleted)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        xmls = [instances.get(store, ident)['domain_xml'] for ident in ids]
    finally:
        store.dispose()
    return [(xml, overlay_backing(xml)) for xml in xmls]


def floor(live, xmls):
    """The same domains by hand, all started at once: overlay + ``virsh create`` of the XML novalite defined,
    until the last virsh returns. Run once novalite's own guests are gone, so both meet the same idle host."""
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(xmls)) as pool:
        started = list(pool.map(lambda made: start_floor_copy(made[0], live.root, made[1]), xmls))
    took = time.time() - start
    destroy_domains([uuid for uuid, _log, _took in started])
    return took


def seed_servers(live, project_id, user_id, count):
    """``count`` ACTIVE server rows of one project, written straight into the store (no guests)."""
    from ansible_collections.novalite.compute.plugins.module_utils import states
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    flavor = flavors.get(store, '42')
    image = live.seeds['image']
    with store.begin() as conn:
        for index in range(count):
            row = instances.create(conn, {
                'display_name': 'listed-%04d' % index, 'project_id': project_id, 'user_id': user_id,
                'flavor': flavor, 'image': {'id': image['id'], 'name': image['name'], 'properties': {}},
                'metadata': {'index': str(index)}})
            instances.update(None, row['uuid'], conn=conn, vm_state=states.ACTIVE, task_state=None,
                             power_state=states.RUNNING, host=live.host, node=live.host)
    store.dispose()


def detail_latency(live, token, count, repeats=15):
    times = []
    for _repeat in range(repeats):
        start = time.time()
        status, _h, body = live.http.call('GET', '/compute/v2.1/servers/detail', token=token)
        times.append(time.time() - start)
        if status != 200 or len(body['servers']) != count:
            raise RuntimeError('detail listing: %s, %d servers' % (status, len((body or {}).get('servers') or [])))
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--list-servers', type=int, default=1000)
    args = parser.parse_args()
    from novalite_api import accounts
    live = LiveApi(job_concurrency=4, heartbeat_interval=20)
    try:
        live.setup().start()
        token = live.token('demo', 'demo')
        image = live.seeds['image']['id']
        # Warm-up: the first boot copies the image into _base.
        _took, ident = one_server(live, token, image)
        xmls = defined_xmls(live, [ident])
        _delete_all(live, token, [ident])
        floors = [floor(live, xmls)]
        ones, tens, ten_floors = [], [], []
        for run in range(args.runs):
            took, ident = one_server(live, token, image)
            xmls = defined_xmls(live, [ident])
            _delete_all(live, token, [ident])
            floors.append(floor(live, xmls))
            ones.append(took)
            took, ids = ten_at_once(live, token, image)
            xmls = defined_xmls(live, ids)
            _delete_all(live, token, ids)
            ten_floors.append(floor(live, xmls))
            tens.append(took)
            print('run %d: one server ACTIVE %.2fs (floor %.2fs), ten at once %.2fs (floor %.2fs)'
                  % (run + 1, ones[-1], floors[-1], took, ten_floors[-1]), flush=True)
        store = live.store()
        project = accounts.create_project(store, 'bench-list')
        user = accounts.create_user(store, 'bench-list', 'bench-list-secret', default_project='bench-list')
        accounts.assign_role(store, 'bench-list', 'bench-list', 'member')
        store.dispose()
        seed_servers(live, project['id'], user['id'], args.list_servers)
        list_token = live.http.token('bench-list', 'bench-list-secret', 'bench-list')
        detail = detail_latency(live, list_token, min(args.list_servers, 1000))
    finally:
        live.cleanup()
    med = statistics.median
    floor_s = med(floors)
    print()
    print('REST shim on this machine (SQLite store, TCG guests, m1.nano, image cached), median of %d' % args.runs)
    print('| measure | novalite | floor (qemu-img create + virsh create) | ratio | target |')
    print('|---|---:|---:|---:|---:|')
    ten_floor = med(ten_floors)
    print('| POST /servers -> ACTIVE, one server | %.2f s | %.2f s | %.1fx | <= 3 s: %s |'
          % (med(ones), floor_s, med(ones) / floor_s, _verdict(med(ones) <= 3)))
    print('| 10 servers at once -> all ACTIVE | %.2f s | %.2f s (ten at once) | %.1fx | <= 2x: %s |' % (
        med(tens), ten_floor, med(tens) / ten_floor, _verdict(med(tens) <= 2 * ten_floor)))
    print('| GET /servers/detail, %d servers | %.1f ms | | | <= 100 ms: %s |'
          % (min(args.list_servers, 1000), detail * 1000, _verdict(detail <= 0.1)))


def _verdict(met):
    return 'met' if met else 'MISSED'


if __name__ == '__main__':
    main()
