# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server create, actions and delete through the REST shim, on real libvirt + QEMU.

The unmodified `openstack` CLI and openstacksdk drive a shim whose jobs run the
collection's playbooks through ansible-runner against this machine's libvirt;
each state is checked in the API and in libvirt itself, and the guest's own
boot line is read from its console log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import concurrent.futures
import glob
import json
import os
import time

import pytest

from lib.api_service import openstack
from lib.guests import config_drive_file
from lib.novalite_env import libvirt_state
from lib.live_api import LiveApi

BOOTED = 'NOVALITE TEST IMAGE BOOTED'


@pytest.fixture(scope='module')
def live():
    # a window wide enough that boots sent together always share one pass, even on a busy machine
    service = LiveApi(job_concurrency=2, boot_batch_window_ms=1000)
    try:   # a failed setup or start is cleaned up too
        service.setup().start()
        yield service
    finally:
        service.cleanup()


def _server(live, ident, token):
    status, _headers, body = live.http.call('GET', '/compute/v2.1/servers/%s' % ident, token=token)
    return status, (body or {}).get('server')


def wait_status(live, ident, token, statuses, timeout=180):
    """Poll until the server is in one of ``statuses`` with no task state (or gone, for 'DELETED')."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        status, server = _server(live, ident, token)
        if status == 404 and 'DELETED' in statuses:
            return None
        if server:
            last = server
            if server['status'] in statuses and server['OS-EXT-STS:task_state'] is None:
                return server
            if server['status'] == 'ERROR' and 'ERROR' not in statuses:
                break   # it will not get there: say why now
        time.sleep(0.5)
    raise AssertionError('server %s not in %s after %ss; last seen %r\nits events:\n%s\n%s'
                         % (ident, statuses, timeout, last, _events(live, ident), live.log()))


def _events(live, ident):
    """The server's instance action events with their tracebacks (why a boot failed)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        return '\n'.join('%s %s %s %s' % (a['action'], e['event'], e['result'], e['traceback'] or '')
                         for a in instances.list_actions(store, ident) for e in a['events'])
    finally:
        store.dispose()


def cli(live, *args, **kwargs):
    rc, out, err = openstack(live.as_api(), *args, **kwargs)
    assert rc == 0, 'openstack %s failed: %s\n%s' % (' '.join(args), err, live.log())
    return out


def test_cli_server_lifecycle_on_real_libvirt(live):
    token = live.token()
    server = cli(live, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image', '--wait', 'vm1')
    assert server['status'] == 'ACTIVE'
    ident = server['id']
    live.wait_console(ident, BOOTED)
    assert libvirt_state(ident) == 'running'

    listed = cli(live, 'server', 'list')
    assert [(s['Name'], s['Status']) for s in listed if s['ID'] == ident] == [('vm1', 'ACTIVE')]
    shown = cli(live, 'server', 'show', 'vm1')
    assert shown['OS-EXT-STS:vm_state'] == 'active' and shown['OS-EXT-STS:power_state'] in ('Running', 1)

    # (step, Nova status, libvirt's state, whether the guest boots afresh: a new QEMU starts a new console log)
    steps = [(('server', 'stop', 'vm1'), 'SHUTOFF', ('shut off',), False),
             (('server', 'start', 'vm1'), 'ACTIVE', ('running',), True),
             (('server', 'reboot', 'vm1'), 'ACTIVE', ('running',), False),
             (('server', 'reboot', '--hard', 'vm1'), 'ACTIVE', ('running',), True),
             (('server', 'pause', 'vm1'), 'PAUSED', ('paused',), False),
             (('server', 'unpause', 'vm1'), 'ACTIVE', ('running',), False),
             (('server', 'suspend', 'vm1'), 'SUSPENDED', ('shut off', 'saved', 'pmsuspended'), False),
             (('server', 'resume', 'vm1'), 'ACTIVE', ('running',), False)]
    for args, status, libvirt_states, boots in steps:
        cli(live, *args, as_json=False)
        wait_status(live, ident, token, [status])
        assert libvirt_state(ident) in libvirt_states, (args, libvirt_state(ident))
        if boots:
            live.wait_console(ident, BOOTED)

    # Nova's instance actions: each request's action, with the ansible-runner job linked from the store.
    events = cli(live, 'server', 'event', 'list', 'vm1')
    names = [e['Action'] for e in events]
    for expected in ('create', 'stop', 'start', 'reboot', 'pause', 'unpause', 'suspend', 'resume'):
        assert expected in names, names
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        create = [a for a in instances.list_actions(store, ident) if a['action'] == 'create'][0]
    finally:
        store.dispose()
    job_events = [e for e in create['events'] if e['event'] == 'novalite_ansible_job']
    assert job_events and job_events[0]['result'] == 'Success'
    assert os.path.isdir(job_events[0]['details']), job_events[0]
    assert os.path.exists(os.path.join(job_events[0]['details'], 'job_events'))

    cli(live, 'server', 'delete', '--wait', 'vm1', as_json=False)
    assert _server(live, ident, token)[0] == 404
    assert libvirt_state(ident) is None


def test_sdk_create_wait_delete_and_project_isolation(live):
    import openstack as sdk
    from openstack import config as sdk_config
    loader = sdk_config.OpenStackConfig(config_files=[live.clouds])
    demo = sdk.connection.Connection(config=loader.get_one('novalite-demo'))
    other = sdk.connection.Connection(config=loader.get_one('novalite-other'))
    image = demo.image.find_image('novalite-test-image')
    flavor = demo.compute.find_flavor('m1.tiny')
    server = demo.compute.create_server(name='sdk-vm', image_id=image.id, flavor_id=flavor.id, networks='auto')
    server = demo.compute.wait_for_server(server, status='ACTIVE', wait=180)
    assert server.status == 'ACTIVE'
    live.wait_console(server.id, BOOTED)

    # Another project's user neither sees nor touches it (404, never 403).
    assert other.compute.find_server(server.id) is None
    assert [s.id for s in other.compute.servers()] == []
    other_token = live.token('other', 'other')
    for method, path, body in (('GET', '', None), ('POST', '/action', {'os-stop': None}), ('DELETE', '', None)):
        status, _h, _b = live.http.call(method, '/compute/v2.1/servers/%s%s' % (server.id, path), body,
                                        token=other_token)
        assert status == 404, (method, path, status)
    assert libvirt_state(server.id) == 'running'

    demo.compute.delete_server(server)
    demo.compute.wait_for_delete(server, wait=120)
    assert demo.compute.find_server(server.id) is None
    assert libvirt_state(server.id) is None


def test_bad_requests_change_nothing(live):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    token = live.token('demo', 'demo')
    store = live.store()
    before = len(instances.list_instances(store, include_deleted=True))
    image = live.seeds['image']['id']
    cases = [
        ({'server': {'name': 'x', 'flavorRef': 'nope', 'imageRef': image}}, 400, 'Flavor nope could not be found'),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': 'c0ffee00-0000-4000-8000-000000000000'}}, 400,
         'Image c0ffee00-0000-4000-8000-000000000000 could not be found'),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image, 'bogus': 1}}, 400, "'bogus' was unexpected"),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image, 'min_count': 3, 'max_count': 2}}, 400,
         'min_count'),
        # base64 as Nova reads it (characters outside the alphabet skipped): 13 letters do not decode
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image, 'user_data': 'A random string'}}, 400,
         "Invalid input for field/attribute user_data. Value: A random string. 'A random string' is not a 'base64'"),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image, 'key_name': 'missing'}}, 400, 'key_name'),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image,
                     'networks': [{'uuid': 'c0ffee00-0000-4000-8000-000000000001'}]}}, 400, 'Network'),
        ({'server': {'name': 'x', 'flavorRef': '1', 'imageRef': image, 'availability_zone': 'nova:somehost'}},
         403, 'forced_host'),
    ]
    for body, code, text in cases:
        status, _h, answer = live.http.call('POST', '/compute/v2.1/servers', body, token=token)
        assert status == code, (body, status, answer)
        fault = list(answer.values())[0]
        assert fault['code'] == code and text in fault['message'], (body, answer)
    # Above nova's max_request_body_size (112 KiB): 413 before the body is read.
    status, _h, answer = live.http.call('POST', '/compute/v2.1/servers', {'pad': 'y' * 200000}, token=token)
    assert status == 413 and answer['overLimit']['code'] == 413, answer
    assert len(instances.list_instances(store, include_deleted=True)) == before
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    import sqlalchemy as sa
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(table('api_jobs'))
                            .where(table('api_jobs').c.status == 'accepted')).scalar() == 0
    store.dispose()


def test_boots_arriving_together_share_a_run_and_all_go_active(live):
    token = live.token('demo', 'demo')
    image = live.seeds['image']['id']

    def create(index):
        return live.http.call('POST', '/compute/v2.1/servers', {'server': {
            'name': 'batch-%d' % index, 'flavorRef': '42', 'imageRef': image}}, token=token)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(create, range(4)))
    assert [a[0] for a in answers] == [202] * 4, answers
    ids = [a[2]['server']['id'] for a in answers]
    for ident in ids:
        wait_status(live, ident, token, ['ACTIVE'])
        assert libvirt_state(ident) == 'running'
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    # each run's artifacts dir is on the novalite_ansible_job event of the instances it carried
    servers_per_run = collections.Counter(
        e['details'] for ident in ids for a in instances.list_actions(store, ident) for e in a['events']
        if e['event'] == 'novalite_ansible_job')
    store.dispose()
    # The four boots arrive within the batch window, so one pass claims them all; the pass is
    # one ansible run whose calls on the one host are spread over job_concurrency (2) lanes of
    # two servers each (play hosts that run side by side).
    assert list(servers_per_run.values()) == [4], servers_per_run
    lanes = collections.Counter()
    artifacts = list(servers_per_run)[0]
    # The guests are ACTIVE once their items arrive; the run itself may still be writing events
    # (an event is a '-partial.json' until runner renames it), so read them once it has ended.
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(artifacts, 'status')) and time.time() < deadline:
        time.sleep(0.2)
    started = set()
    for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
        with open(path) as handle:
            event = json.load(handle)
        if event['event'] == 'playbook_on_task_start':
            started.add(event['event_data']['task_action'])
        # (the include of the kinds' task files has items of its own, under its own loop_var, not `item`)
        if event['event'] != 'runner_item_on_ok' or 'item' not in event['event_data']['res']:
            continue
        # an instances item is [host, [its calls]] (one module start per host and lane)
        item = event['event_data']['res']['item']
        calls = item[1] if isinstance(item, list) else [item]
        lanes[event['event_data']['host']] += len([c for c in calls if c['server'] in ids])
    assert sorted(lanes.values()) == [2, 2], lanes
    # A boot run carries only `instance` calls: of the collection's modules it starts the input task and
    # the instances task, no task of another kind of host call and no recording (the shim records).
    assert set(a for a in started if a.startswith('novalite.compute.')) == {
        'novalite.compute.user_input', 'novalite.compute.instances'}, started
    for ident in ids:
        status, _h, _b = live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)
        assert status == 204
    for ident in ids:
        wait_status(live, ident, token, ['DELETED'])


def test_invalid_state_and_lock_answer_409(live):
    token = live.token('demo', 'demo')
    admin = live.token()
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'locky', 'flavorRef': '42', 'imageRef': live.seeds['image']['id']}}, token=token)
    assert status == 202, body
    ident = body['server']['id']
    wait_status(live, ident, token, ['ACTIVE'])
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'os-start': None},
                                      token=token)
    assert status == 409 and "Cannot 'start' instance" in body['conflictingRequest']['message'], body
    assert live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'lock': None}, token=admin)[0] == 202
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'os-stop': None},
                                      token=token)
    assert status == 409 and 'is locked' in body['conflictingRequest']['message'], body
    assert live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'unlock': None}, token=admin)[0] == 202
    assert live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'reboot': {'type': 'FIRM'}},
                          token=token)[0] == 400
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'os-explode': None},
                                      token=token)
    assert status == 400 and body['badRequest']['message'] == 'There is no such action: os-explode', body
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/action' % ident,
                                      {'os-stop': None, 'os-start': None}, token=token)
    assert status == 400 and 'too many body keys' in body['badRequest']['message'], body
    assert wait_status(live, ident, token, ['ACTIVE'])['OS-EXT-STS:vm_state'] == 'active'
    assert live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 204
    wait_status(live, ident, token, ['DELETED'])


def test_work_accepted_before_a_crash_finishes_after_restart(live):
    """SIGKILL the service right after it accepted a boot, and once while a boot runs: after a restart each
    server ends ACTIVE or in ERROR with a fault, never stuck in BUILD."""
    token = live.token('demo', 'demo')
    image = live.seeds['image']['id']
    ids = []
    for phase in ('accepted', 'running'):
        status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
            'name': 'crash-%s' % phase, 'flavorRef': '42', 'imageRef': image}}, token=token)
        assert status == 202, body
        ident = body['server']['id']
        ids.append(ident)
        if phase == 'running':
            deadline = time.time() + 60
            while time.time() < deadline and _server(live, ident, token)[1]['OS-EXT-STS:task_state'] == 'scheduling':
                time.sleep(0.1)
        live.kill()
        live.start()
        token = live.token('demo', 'demo')
        server = wait_status(live, ident, token, ['ACTIVE', 'ERROR'], timeout=240)
        if server['status'] == 'ERROR':
            assert server['fault']['message'], server
        else:
            live.wait_console(ident, BOOTED)
    for ident in ids:
        assert live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 204
    for ident in ids:
        wait_status(live, ident, token, ['DELETED'])
        assert libvirt_state(ident) is None


def test_jobs_on_mariadb_state_store(mariadb_url):
    """The same job path with the state store on MariaDB: create -> ACTIVE -> stop -> delete, jobs recorded.

    (The SQLite store runs every other test of this module.)
    """
    service = LiveApi(database_url=mariadb_url, heartbeat_interval=0)
    try:
        service.setup().start()
        token = service.token('demo', 'demo')
        status, headers, body = service.http.call('POST', '/compute/v2.1/servers', {'server': {
            'name': 'on-mariadb', 'flavorRef': '42', 'imageRef': service.seeds['image']['id']}}, token=token)
        assert status == 202, body
        ident = body['server']['id']
        wait_status(service, ident, token, ['ACTIVE'])
        service.wait_console(ident, BOOTED)
        assert service.http.call('POST', '/compute/v2.1/servers/%s/action' % ident, {'os-stop': None},
                                 token=token)[0] == 202
        wait_status(service, ident, token, ['SHUTOFF'])
        assert libvirt_state(ident) == 'shut off'
        assert service.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 204
        wait_status(service, ident, token, ['DELETED'])
        assert libvirt_state(ident) is None
        from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
        import sqlalchemy as sa
        store = service.store()
        deadline = time.time() + 60
        while time.time() < deadline:   # a job row closes when its run has ended, just after the record
            with store.read() as conn:
                t = table('api_jobs')
                jobs = dict((r.request_id, r.status) for r in conn.execute(sa.select(t.c.request_id, t.c.status)))
            if 'running' not in jobs.values():
                break
            time.sleep(0.2)
        store.dispose()
        assert jobs[headers['x-openstack-request-id']] == 'successful'
        assert sorted(set(jobs.values())) == ['successful'] and len(jobs) == 3
    finally:
        service.cleanup()


def test_personality_files_reach_the_config_drive_before_2_57(live):
    """Nova's personality (file injection, gone in 2.57): each file on the guest's config drive under
    openstack/content, its path in meta_data.json; the guest boots from it."""
    import base64
    token = live.token('demo', 'demo')
    files = [{'path': '/etc/novalite-motd', 'contents': base64.b64encode(b'from the API\n').decode()}]
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'with-files', 'flavorRef': '42', 'imageRef': live.seeds['image']['id'], 'personality': files,
        'networks': 'none', 'adminPass': 'Given pass {{ 7*7 }}'}},
        token=token, headers={'OpenStack-API-Version': 'compute 2.56'})
    assert status == 202, body
    assert body['server']['adminPass'] == 'Given pass {{ 7*7 }}'   # the one given (enable_instance_password)
    ident = body['server']['id']
    wait_status(live, ident, token, ['ACTIVE'])
    live.wait_console(ident, 'NOVALITE CONFIG DRIVE uuid=%s' % ident)   # the guest found and read the drive
    drive = os.path.join(os.path.dirname(live.console_log(ident)), 'disk.config')
    meta = json.loads(config_drive_file(drive, '/openstack/latest/meta_data.json'))
    assert meta['files'] == [{'path': '/etc/novalite-motd', 'content_path': '/content/0000'}]
    assert meta['admin_pass'] == 'Given pass {{ 7*7 }}'   # as Nova's libvirt driver writes it, never templated
    assert os.stat(drive).st_mode & 0o077 == 0   # the drive holds a password: its owner only
    assert config_drive_file(drive, '/openstack/content/0000') == b'from the API\n'
    assert live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 204
    wait_status(live, ident, token, ['DELETED'])


def test_user_data_reaches_the_guest_on_a_config_drive(live):
    """Nova's config drive (ISO 9660, config-2): the guest reads its uuid and the user data the API was given."""
    import base64
    token = live.token('demo', 'demo')
    status, _headers, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'with-user-data', 'flavorRef': '42', 'imageRef': live.seeds['image']['id'], 'config_drive': True,
        'user_data': base64.b64encode(b'hello-from-the-api\n').decode('ascii')}}, token=token)
    assert status == 202, body
    ident = body['server']['id']
    password = body['server']['adminPass']   # none given: Nova's generated one (password_length 12)
    groups = ('23456789', 'ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz')
    assert len(password) == 12 and set(password) <= set(''.join(groups)), password
    server = wait_status(live, ident, token, ['ACTIVE'])
    assert server['config_drive'] == 'True'
    live.wait_console(ident, 'NOVALITE CONFIG DRIVE uuid=%s' % ident)
    live.wait_console(ident, 'NOVALITE USER DATA hello-from-the-api')
    drive = os.path.join(os.path.dirname(live.console_log(ident)), 'disk.config')
    assert json.loads(config_drive_file(drive, '/openstack/latest/meta_data.json'))['admin_pass'] == password
    _assert_password_kept_nowhere(live, password, request_id=_headers['x-openstack-request-id'])
    assert live.http.call('DELETE', '/compute/v2.1/servers/%s' % ident, token=token)[0] == 204
    wait_status(live, ident, token, ['DELETED'])


def _assert_password_kept_nowhere(live, password, request_id):
    """Once its job ended, the admin password is in no row of the store, no file of the job runs (events,
    stdout, extra vars) and not in the service's log: only the guest's config drive has it (Nova keeps it
    nowhere either)."""
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    import sqlalchemy as sa
    store = live.store()
    try:
        deadline = time.time() + 60
        while True:
            with store.read() as conn:
                job = conn.execute(sa.select(table('api_jobs')).where(table('api_jobs').c.ident == request_id)).first()
            if job is not None and job.status not in ('accepted', 'queued', 'running'):
                break
            assert time.time() < deadline, 'job %s did not end: %r' % (request_id, job)
            time.sleep(0.3)
        assert job.status == 'successful' and 'secrets' not in (job.extravars or {}), job
    finally:
        store.dispose()
    needle = password.encode('utf-8')
    database = live.cfg['database_url'].split('sqlite:///', 1)[1]
    places = [database, live.log_path] + [os.path.join(d, f) for d, _s, files in os.walk(live.cfg['jobs_dir'])
                                          for f in files]
    runs = [p for p in places if os.sep + 'artifacts' + os.sep in p]
    assert runs, 'no job run artifacts found under %s' % live.cfg['jobs_dir']
    for path in places:
        with open(path, 'rb') as handle:
            assert needle not in handle.read(), 'the admin password is in %s' % path
