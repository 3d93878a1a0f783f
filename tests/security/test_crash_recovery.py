# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Crashes of the shim's processes while real guests boot (libvirt + QEMU, the test image).

(a) ``serve`` (gunicorn's master, its worker and the job worker) is SIGKILLed at
    seeded random moments during 10 boots and 5 actions and restarted: within
    60 s nothing is in BUILD or a task state, every ACTIVE server has exactly
    one running domain, and no domain is without a server.
(b) Two API processes and two workers on MariaDB, 20 boots spread over both
    APIs, one worker SIGKILLed mid-way: every server ends ACTIVE exactly once.

The seed is printed; ``NOVALITE_CRASH_SEED=<seed>`` repeats a run's moments.
Every process is stopped by PID, every domain destroyed by UUID, and any
ansible run a killed worker left is ended from its recorded process group.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import random
import threading
import time
import urllib.error

import pytest

from lib.api_service import DEMO_PASSWORD, Http, Processes
from lib.guests import BOOTED
from lib.live_api import LiveApi, console_text

pytestmark = pytest.mark.libvirt

SETTLE_SECONDS = 60


def seeded_random(name):
    seed = int(os.environ.get('NOVALITE_CRASH_SEED') or random.SystemRandom().randrange(1 << 30))
    print('%s: seed %d (NOVALITE_CRASH_SEED=%d repeats its moments)' % (name, seed, seed))
    return random.Random(seed)


def post(http, path, body, token):
    """The answer's (status, body), or None when the service is down or died while answering."""
    try:
        status, _headers, answer = http.call('POST', path, body, token=token)
    except (urllib.error.URLError, ConnectionError, OSError):
        return None
    return status, answer


def boot(http, token, image, name, retry_until=0.0):
    """POST a server (again while the service is down, until ``retry_until``); its id or None."""
    body = {'server': {'name': name, 'flavorRef': '42', 'imageRef': image}}
    lost = False
    while True:
        answer = post(http, '/compute/v2.1/servers', body, token)
        if answer is not None:
            if lost and answer[0] == 403 and 'Quota exceeded' in str(answer[1]):
                # The answer lost in the crash was a server made: this retry is one boot too many, as it
                # would be for any client that retries a POST.
                return None
            assert answer[0] == 202, answer
            return answer[1]['server']['id']
        lost = True
        if time.time() > retry_until:
            return None
        time.sleep(0.3)


def guest_booted(live, uuid):
    try:
        with open(live.console_log(uuid), errors='replace') as handle:
            return BOOTED in handle.read()
    except IOError:
        return False


def live_servers(live):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return instances.list_instances(store)
    finally:
        store.dispose()


def unsettled(live):
    return [(s['uuid'], s['vm_state'], s['task_state']) for s in live_servers(live)
            if s['vm_state'] == 'building' or s['task_state']]


def wait_settled(live, since, timeout=SETTLE_SECONDS):
    """Seconds from ``since`` until nothing is in BUILD or a task state; fails after ``timeout``."""
    while True:
        left = unsettled(live)
        if not left:
            return time.time() - since
        assert time.time() - since < timeout, 'still unsettled %ds after the restart: %s' % (timeout, left)
        time.sleep(0.5)


def our_domains(live):
    """(uuid, running) of every domain named by this service's instance_name_template."""
    import libvirt
    prefix = live.cfg['instance_name_template'].split('%')[0]
    conn = libvirt.open('qemu:///system')
    try:
        return [(d.UUIDString(), d.state()[0] == libvirt.VIR_DOMAIN_RUNNING)
                for d in conn.listAllDomains() if d.name().startswith(prefix)]
    finally:
        conn.close()


def assert_domains_match_servers(live):
    servers = dict((s['uuid'], s) for s in live_servers(live))
    domains = our_domains(live)
    assert [d for d in domains if d[0] not in servers] == [], 'domains without a server'
    for uuid, server in servers.items():
        if server['vm_state'] == 'active':
            assert [d for d in domains if d[0] == uuid and d[1]] == [(uuid, True)], server
    return servers


def error_fault(live, uuid):
    """The fault's message and details of a server (cut short), for an assertion's message."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        fault = instances.latest_fault(store, uuid) or {}
        return fault.get('message'), (fault.get('details') or '')[:600]
    finally:
        store.dispose()


def all_jobs(live):
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    store = live.store()
    try:
        with store.read() as conn:
            return [as_dict(r) for r in conn.execute(sa.select(table('api_jobs')))]
    finally:
        store.dispose()


def jobs_of(live, pid):
    """Idents of the running jobs a worker process holds (its pid is part of its owner id)."""
    return [j['ident'] for j in all_jobs(live)
            if j['status'] == 'running' and (j['owner'] or '::::').rsplit(':', 4)[2] == str(pid)]


def wait_for(probe, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('nothing after %ss' % timeout)


def _allow_instances(live, project_name, count):
    """Nova's default quota is 10 instances: raise it for the project that boots them all."""
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    store = live.store()
    try:
        quotas.set_limits(store, accounts.get_project(store, project_name)['id'], {'instances': count})
    finally:
        store.dispose()


def end_left_runs(live):
    """Runs a killed worker left and no takeover needed (its heartbeats): ended by their recorded group."""
    from novalite_api import run_groups
    root = live.cfg['jobs_dir']
    for name in os.listdir(root) if os.path.isdir(root) else []:
        if run_groups.running(os.path.join(root, name)):
            run_groups.end_run(run_groups.run_record(os.path.join(root, name)))


def test_service_killed_during_boots_and_actions_settles(capsys):
    rng = seeded_random('crash (a)')
    # The moments, drawn up front so a seed repeats them: gaps between requests, then each kill's delay.
    boot_gaps = [rng.uniform(0.0, 0.5) for _index in range(10)]
    boot_kills = [rng.uniform(0.5, 6.0), rng.uniform(1.0, 8.0)]
    action_gaps = [rng.uniform(0.0, 0.5) for _index in range(5)]
    action_kill = rng.uniform(0.2, 4.0)
    live = LiveApi(job_concurrency=2, heartbeat_interval=20)
    try:
        live.setup().start()
        token = live.token('demo', 'demo')
        image = live.seeds['image']['id']
        ids = []

        def send_boots():
            for index, gap in enumerate(boot_gaps):
                ident = boot(live.http, token, image, 'crash-a-%d' % index, retry_until=time.time() + 60)
                ids.append(ident)
                time.sleep(gap)

        started = time.time()
        moments, restarts = [], []

        def crash_and_restart():
            moments.append(round(time.time() - started, 1))
            live.kill()
            live.start()
            restarts.append(time.time())

        sender = threading.Thread(target=send_boots)
        sender.start()
        for delay in boot_kills:
            time.sleep(delay)
            crash_and_restart()
        sender.join()
        # Actions on servers whose guests have booted (a guest still booting ignores the ACPI power button, and
        # a stop then waits Nova's 60 s shutdown_timeout); the other boots go on meanwhile.
        deadline = time.time() + 180
        active = []
        while time.time() < deadline and len(active) < 5:
            time.sleep(0.5)
            active = [s['uuid'] for s in live_servers(live)
                      if (s['vm_state'], s['task_state']) == ('active', None) and guest_booted(live, s['uuid'])][:5]
        assert len(active) == 5, live_servers(live)
        requests = [{'os-stop': None}, {'pause': None}, {'reboot': {'type': 'HARD'}}, {'suspend': None},
                    {'os-stop': None}]
        killer = threading.Timer(action_kill, crash_and_restart)
        killer.start()
        answered = []
        for uuid, body, gap in zip(active, requests, action_gaps):
            answer, retry_until = None, time.time() + 60
            while answer is None and time.time() < retry_until:
                answer = post(live.http, '/compute/v2.1/servers/%s/action' % uuid, body, token)
                time.sleep(0.3 if answer is None else gap)
            answered.append(answer)
        killer.join()
        restarted = restarts[-1]
        settled = wait_settled(live, restarted)
        servers = assert_domains_match_servers(live)
        states = sorted(s['vm_state'] for s in servers.values())
        with capsys.disabled():
            print('\ncrash (a): %d boots (%d answered), 5 actions (answers %s), kills at %s s, '
                  'settled %.1f s after the last restart, states %s'
                  % (len(ids), len([i for i in ids if i]), [a and a[0] for a in answered], moments, settled,
                     states))
        assert 'error' not in states, [(u, s['vm_state'], s['task_state'], error_fault(live, u))
                                       for u, s in servers.items() if s['vm_state'] == 'error']
    finally:
        live.stop()
        end_left_runs(live)
        live.cleanup()


def test_worker_killed_among_two_while_boots_spread_over_two_apis(mariadb_url, capsys):
    """Two APIs and two workers share one MariaDB store."""
    db_url = mariadb_url
    rng = seeded_random('crash (b)')
    gaps = [rng.uniform(0.0, 0.3) for _index in range(20)]
    kill_after = rng.randrange(4, 12)      # boots sent before the kill
    live = LiveApi(database_url=db_url, job_concurrency=2, heartbeat_interval=20)
    processes = Processes(live.root, live.cfg)
    try:
        live.setup()
        _allow_instances(live, 'demo', 20)
        apis = [Http(processes.start_api()[1]) for _index in range(2)]
        victim = processes.start_worker()
        processes.start_worker()
        tokens = [api.token('demo', DEMO_PASSWORD, 'demo') for api in apis]
        image = live.seeds['image']['id']
        ids = []
        started = time.time()
        held, killed_at, killed_after = [], None, None

        def kill_victim_holding_jobs(timeout):
            # SIGKILL, by PID, once the victim holds a job (its runs, if any, are then left behind).
            held.extend(wait_for(lambda: jobs_of(live, victim.pid), timeout))
            victim.kill()
            victim.wait()
            return round(time.time() - started, 1)

        for index, gap in enumerate(gaps):
            # Mid-way, at the first moment the victim holds a job: the other worker may have taken a whole
            # batch of the boots sent so far (a worker claims up to 4 x job_concurrency), so sends go on
            # until the victim has claimed some.
            if killed_at is None and index >= kill_after and jobs_of(live, victim.pid):
                killed_at, killed_after = kill_victim_holding_jobs(1), index
            api = index % 2
            ids.append(boot(apis[api], tokens[api], image, 'crash-b-%d' % index))
            time.sleep(gap)
        if killed_at is None:
            killed_at, killed_after = kill_victim_holding_jobs(60), len(gaps)
        deadline = time.time() + 240
        while time.time() < deadline and unsettled(live):
            time.sleep(1)
        settled = time.time() - started
        servers = assert_domains_match_servers(live)
        assert sorted(servers) == sorted(ids) and len(ids) == 20, processes.logs()
        assert [u for u, s in servers.items() if (s['vm_state'], s['task_state']) != ('active', None)] == [], \
            processes.logs()
        # Exactly once: each request made one server and one create action; the victim's jobs were taken over.
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        store = live.store()
        try:
            for uuid in ids:
                assert [a['action'] for a in instances.list_actions(store, uuid)] == ['create']
        finally:
            store.dispose()
        assert held and all(job['status'] == 'successful' and job['attempts'] == 2
                            for job in all_jobs(live) if job['ident'] in held), (held, all_jobs(live))
        with capsys.disabled():
            print('\ncrash (b): 20 boots over 2 APIs, worker %d SIGKILLed after %d boots (%.1f s) holding %d jobs, '
                  'all ACTIVE %.1f s after the first' % (victim.pid, killed_after, killed_at, len(held), settled))
    finally:
        processes.stop_all()
        end_left_runs(live)
        live.cleanup()


def _wait_run_started(live, ident, task_states, timeout=60):
    """Until the server is in one of ``task_states`` and its job's ansible run has started (a run recorded)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances

    def probe():
        store = live.store()
        try:
            inst = instances.get(store, ident)
        finally:
            store.dispose()
        if inst['task_state'] not in task_states:
            return None
        request = instances_request(live, ident)
        return [j for j in all_jobs(live) if j['request_id'] == request and j['runs']]
    return wait_for(probe, timeout)


def _kill_mid_job_and_restart(live, ident, task_states, delay):
    """SIGKILL the service ``delay`` s after the server's job started its run, restart it; the seconds until
    nothing is in a task state. The job was taken over (a second attempt), not finished before the kill."""
    job = _wait_run_started(live, ident, task_states)[0]
    time.sleep(delay)
    live.kill()
    live.start()
    settled = wait_settled(live, time.time())
    assert [j['attempts'] for j in all_jobs(live) if j['ident'] == job['ident']] == [2]
    return settled


def instances_request(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return instances.list_actions(store, ident)[-1]['request_id']
    finally:
        store.dispose()


def test_worker_killed_during_a_snapshot_and_an_unshelve_leaves_clean_states(capsys):
    """The service is SIGKILLed while a snapshot's and then an unshelve's host call runs, and restarted: the
    jobs are taken over, the server ends at rest (ACTIVE, SHUTOFF or SHELVED_OFFLOADED), no image is left half
    made and no domain is without its server."""
    from lib.guests import MARKERS_DONE, marker_user_data, markers_seen
    from lib.sched_rows import allocation_sums
    rng = seeded_random('crash (c)')
    delays = [rng.uniform(0.1, 1.2), rng.uniform(0.1, 1.2)]
    live = LiveApi(job_concurrency=2, heartbeat_interval=20)
    outcomes = []
    try:
        live.setup().start()
        demo = live.token('demo', 'demo')
        answer = post(live.http, '/compute/v2.1/servers', {'server': {
            'name': 'crash-c', 'flavorRef': '42', 'imageRef': live.seeds['image']['id'],
            'user_data': base64.b64encode(marker_user_data('crashword').encode()).decode()}}, demo)
        ident = answer[1]['server']['id']
        live.wait_status(ident, demo, ['ACTIVE'])
        live.wait_console(ident, MARKERS_DONE)

        def image_states():
            status, _h, body = live.http.call('GET', '/image/v2/images?owner=%s' % live.show(ident, demo)['tenant_id'],
                                              token=demo)
            assert status == 200, body
            return dict((i['id'], i['status']) for i in body['images'])

        # (1) a snapshot: killed while its host call runs
        status, _h, body = live.action(ident, {'createImage': {'name': 'crash-snap'}}, demo, version='2.45')
        assert status == 202, body
        settled = _kill_mid_job_and_restart(live, ident, ('image_snapshot', 'image_pending_upload', 'image_uploading'),
                                            delays[0])
        server = live.wait_status(ident, demo, ['ACTIVE', 'SHUTOFF'])
        snap = image_states().get(body['image_id'], 'deleted')
        assert snap in ('active', 'deleted'), snap        # never queued, saving or killed
        assert_domains_match_servers(live)
        outcomes.append(('snapshot', server['status'], snap, round(settled, 1)))

        # (2) shelve (offloaded at once), then an unshelve killed while its spawn runs
        assert live.action(ident, {'shelve': None}, demo)[0] == 202
        live.wait_status(ident, demo, ['SHELVED_OFFLOADED'])
        shelved_image = [i for i, s in image_states().items() if i != body['image_id']]
        assert live.action(ident, {'unshelve': None}, demo)[0] == 202
        settled = _kill_mid_job_and_restart(live, ident, ('spawning',), delays[1])
        server = live.wait_status(ident, demo, ['ACTIVE', 'SHELVED_OFFLOADED'])
        servers = assert_domains_match_servers(live)
        store = live.store()
        try:
            allocations = allocation_sums(store)
        finally:
            store.dispose()
        left = dict((i, s) for i, s in image_states().items() if i in shelved_image)
        if server['status'] == 'ACTIVE':
            # taken over and finished: the guest booted from the shelve image, which is gone now
            assert left == {} and allocations == {live.host: (1, 128, 1)}
            live.wait_console(ident, MARKERS_DONE)
            assert markers_seen(console_text(live, ident)) == {'vda': ['crashword']}
        else:
            # ended: no domain, no claim, the shelve image kept for the next unshelve
            assert list(left.values()) == ['active'] and allocations == {} and servers[ident]['host'] is None
        outcomes.append(('unshelve', server['status'], left, round(settled, 1)))
        with capsys.disabled():
            print('\ncrash (c): kills %.1f s into a snapshot and %.1f s into an unshelve; outcomes %s'
                  % (delays[0], delays[1], outcomes))
    finally:
        live.stop()
        end_left_runs(live)
        live.cleanup()
