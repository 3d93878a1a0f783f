# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The REST shim as a real service: gunicorn in a subprocess on a free 127.0.0.1 port.

The store (temp SQLite) is prepared through the collection's own code before
the service starts: identity bootstrap, a second project+user, Nova's default
flavors, the test image, a compute node recorded from real libvirt facts
(qemu:///system), and one server row in the admin project.
The service is stopped by its PID.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
TEST_IMAGE = os.path.join(REPO, '.cache', 'test-image', 'disk.qcow2')
ADMIN_PASSWORD = 'admin-secret-%s' % uuid.uuid4().hex[:8]
DEMO_PASSWORD = 'demo-secret-%s' % uuid.uuid4().hex[:8]
CONFIG_FILE = 'novalite-api.yml'
DEFAULT_FLAVORS = (('m1.nano', '42', 1, 128, 1), ('m1.micro', '84', 1, 192, 1), ('m1.tiny', '1', 1, 512, 1),
                   ('m1.small', '2', 1, 2048, 20), ('m1.medium', '3', 2, 4096, 40),
                   ('m1.large', '4', 4, 8192, 80), ('m1.xlarge', '5', 8, 16384, 160))


def free_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _image_source(workdir):
    if os.path.exists(TEST_IMAGE):
        return TEST_IMAGE
    path = os.path.join(workdir, 'tiny.qcow2')
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '64M'])
    return path


def _prepare(workdir, cfg):
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils import states
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow
    from ansible_collections.novalite.compute.plugins.module_utils.virt import host_facts

    catalog = prepare_catalog(workdir, cfg)
    admin, public_image, source = catalog['admin'], catalog['image'], catalog['image_source']
    store = Store(cfg['database_url'])
    demo_project = accounts.create_project(store, 'demo')
    demo_user = accounts.create_user(store, 'demo', DEMO_PASSWORD, default_project='demo')
    accounts.assign_role(store, 'demo', 'demo', 'member')
    private = flavors.create(store, 'admin.private', 1, 256, 1, flavorid='p1', is_public=False,
                             extra_specs={'hw:cpu_policy': 'shared'})
    flavors.add_project_access(store, private['flavorid'], admin['project']['id'])
    private_image = images.register(store, cfg['image_store'], 'admin-private-image', source,
                                    disk_format='qcow2', container_format='bare', visibility='private',
                                    owner=admin['project']['id'])
    host = 'apitest-%s' % uuid.uuid4().hex[:8]
    facts = host_facts.gather('qemu:///system', os.path.join(workdir, 'instances'))
    hosts.record(store, host, facts)
    ctx = Context(user_id=admin['user']['id'], project_id=admin['project']['id'], is_admin=True)
    server = conductor.create_servers(store, ctx, {'name': 'api-vm-%s' % uuid.uuid4().hex[:6],
                                                   'flavor': 'm1.tiny', 'image': public_image['id']})[0]
    instances.update(store, server['uuid'], vm_state=states.ACTIVE, task_state=None,
                     power_state=states.RUNNING, host=host, node=facts['hostname'], launched_at=utcnow())
    store.dispose()
    return {'admin': admin, 'demo_project': demo_project, 'demo_user': demo_user, 'host': host,
            'public_image': public_image, 'private_image': private_image, 'private_flavor': private,
            'server': instances.get(Store(cfg['database_url']), server['uuid']), 'image_source': source}


def wait_listening(port, proc, deadline):
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen('http://127.0.0.1:%d/identity/v3' % port, timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    return False


def _stop(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope='session')
def api(tmp_path_factory):
    """A running service and what was seeded: dict with url, port, cfg path, clouds file, seeds."""
    workdir = str(tmp_path_factory.mktemp('novalite-api'))
    os.chmod(workdir, 0o755)
    # no ansible runs against this store's fake host: no heartbeats, jobs kept in the workdir
    # tokens outlive the whole api part (session-scoped admin/demo tokens; the part can take over 20 min)
    cfg = service_config(workdir, token_expiration=7200, heartbeat_interval=0)
    seeds = _prepare(workdir, cfg)
    url = 'http://127.0.0.1:%d' % cfg['bind_port']
    users = (('novalite', 'admin', 'admin'), ('novalite-demo', 'demo', 'demo'))
    clouds = write_clouds(os.path.join(workdir, 'clouds.yaml'), url, users)
    proc, log_path = start_service(workdir, cfg)
    try:
        yield dict(seeds, url=url, port=cfg['bind_port'], cfg=cfg, cfg_path=os.path.join(workdir, CONFIG_FILE),
                   clouds=clouds, workdir=workdir, pid=proc.pid, log=log_path)
    finally:
        stop_service(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def write_clouds(path, url, entries):
    """A clouds.yaml at ``path``: one cloud per (cloud, user, project) against the service at ``url``."""
    clouds = {}
    for cloud, user, project in entries:
        clouds[cloud] = {'auth': {'auth_url': '%s/identity' % url, 'username': user,
                                  'password': ADMIN_PASSWORD if user == 'admin' else DEMO_PASSWORD,
                                  'project_name': project, 'user_domain_name': 'Default',
                                  'project_domain_name': 'Default'},
                         'region_name': 'RegionOne', 'identity_api_version': 3, 'interface': 'public'}
    with open(path, 'w') as handle:
        json.dump({'clouds': clouds}, handle)   # JSON is YAML
    return path


def client_env(api, cloud):
    """The environment for the CLI/SDK: only our clouds.yaml, no proxies, nothing but 127.0.0.1."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith('OS_') and k.lower() not in ('http_proxy', 'https_proxy', 'all_proxy'))
    env.update(OS_CLIENT_CONFIG_FILE=api['clouds'], OS_CLOUD=cloud, no_proxy='127.0.0.1', NO_PROXY='127.0.0.1',
               HOME=api['workdir'])
    return env


def openstack(api, *args, **kwargs):
    """Run the real `openstack` CLI; returns (rc, parsed JSON or text, stderr)."""
    cloud = kwargs.pop('cloud', 'novalite')
    as_json = kwargs.pop('as_json', True)
    cmd = [os.path.join(VENV_BIN, 'openstack')] + list(args) + (['-f', 'json'] if as_json else [])
    proc = subprocess.run(cmd, env=client_env(api, cloud), capture_output=True, text=True, timeout=120,
                          check=False)
    out = proc.stdout
    if as_json and proc.returncode == 0 and out.strip():
        out = json.loads(out)
    return proc.returncode, out, proc.stderr


class Http(object):
    """Plain HTTP calls to the service: status, headers, parsed body."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, headers=None, token=None):
        data = json.dumps(body).encode('utf-8') if body is not None else None
        return self.send(method, path, data, headers=headers, token=token)

    def send(self, method, path, data, headers=None, token=None, content_type='application/json'):
        """Like ``call`` with the body as raw bytes (``data``)."""
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header('Content-Type', content_type)
        if token:
            req.add_header('X-Auth-Token', token)
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            resp = opener.open(req, timeout=30)
        except urllib.error.HTTPError as err:
            resp = err
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw
        return resp.status if hasattr(resp, 'status') else resp.code, resp.headers, parsed

    def token(self, user, password, project):
        status, headers, body = self.call('POST', '/identity/v3/auth/tokens', {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': user, 'domain': {'id': 'default'}, 'password': password}}},
            'scope': {'project': {'name': project, 'domain': {'id': 'default'}}}}})
        assert status == 201, body
        return headers['X-Subject-Token']


@pytest.fixture(scope='session')
def http(api):
    return Http(api['url'])


@pytest.fixture(scope='session')
def admin_token(http):
    return http.token('admin', ADMIN_PASSWORD, 'admin')


@pytest.fixture(scope='session')
def demo_token(http):
    return http.token('demo', DEMO_PASSWORD, 'demo')


# ---- a dedicated service with its own store (tests/api/test_openapi.py) -------------------------

def service_config(workdir, **settings):
    """A shim config (dict) on a free port with everything under ``workdir``; ``settings`` override."""
    port = free_port()
    cfg = {'database_url': 'sqlite:///%s/novalite.db' % workdir, 'image_store': os.path.join(workdir, 'images'),
           'bind_host': '127.0.0.1', 'bind_port': port, 'secret_key_file': os.path.join(workdir, 'token.key'),
           'jobs_dir': os.path.join(workdir, 'jobs'), 'token_expiration': 3600, 'threads': 4,
           'console_proxy_port': free_port()}
    cfg.update(settings)
    return cfg


def prepare_catalog(workdir, cfg):
    """The store with only the catalog: bootstrap admin, Nova's default flavors, the test image (public).

    No compute node is recorded, so a server create that passes validation ends in ERROR (NoValidHost)
    without any VM being started.
    """
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

    store = Store(cfg['database_url'])
    admin = accounts.bootstrap(store, ADMIN_PASSWORD)
    for name, flavorid, vcpus, ram, disk in DEFAULT_FLAVORS:
        flavors.create(store, name, vcpus, ram, disk, flavorid=flavorid)
    source = _image_source(workdir)
    image = images.register(store, cfg['image_store'], 'novalite-test-image', source,
                            disk_format='qcow2', container_format='bare', visibility='public',
                            owner=admin['project']['id'])
    store.dispose()
    return {'admin': admin, 'image': image, 'image_source': source}


def start_service(workdir, cfg, timeout=30, command='serve', name='service'):
    """Run ``python -m novalite_api --config F <command>`` on ``cfg``; returns (proc, log path).

    ``serve`` (API + one job worker) and ``api`` are waited for until they answer on cfg's port; a
    ``worker`` until it runs. ``name`` names the config and log files. Stop it with stop_service.
    """
    cfg_path = os.path.join(workdir, CONFIG_FILE if name == 'service' else name + '.yml')
    with open(cfg_path, 'w') as handle:
        json.dump(cfg, handle)   # JSON is YAML
    log_path = os.path.join(workdir, name + '.log')
    with open(log_path, 'ab') as log:   # appends: a restarted service keeps the earlier log
        proc = subprocess.Popen([os.path.join(VENV_BIN, 'python'), '-m', 'novalite_api', '--config', cfg_path,
                                 command], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if command == 'worker':
        up = _wait_log(log_path, 'INFO worker ', proc, time.time() + timeout)
    else:
        up = wait_listening(cfg['bind_port'], proc, time.time() + timeout)
    if not up:
        stop_service(proc)
        with open(log_path) as handle:
            pytest.fail('%s (%s) did not start:\n%s' % (name, command, handle.read()))
    return proc, log_path


def _wait_log(path, text, proc, deadline):
    while time.time() < deadline and proc.poll() is None:
        with open(path, errors='replace') as handle:
            if text in handle.read():
                return True
        time.sleep(0.2)
    return False


def stop_service(proc):
    _stop(proc)


def child_pids(pid):
    """PIDs whose parent is ``pid`` (gunicorn's worker, serve's job worker)."""
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % name) as handle:
                ppid = int(handle.read().rsplit(')', 1)[1].split()[1])
        except (IOError, OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(name))
    return out


def kill_service(proc):
    """A crash: SIGKILL the process and its children (gunicorn's worker, serve's job worker), by PID."""
    children = child_pids(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    proc.wait()


class Processes(object):
    """Any number of API processes (``api``, a port each) and job workers (``worker``) on one store."""

    def __init__(self, workdir, cfg):
        self.workdir = workdir
        self.cfg = cfg
        self.apis = []       # (proc, url)
        self.workers = []
        self._names = itertools.count(1)

    def start_api(self):
        cfg = dict(self.cfg, bind_port=free_port())
        cfg.pop('public_url', None)
        proc, _log = start_service(self.workdir, cfg, timeout=60, command='api', name='api-%d' % next(self._names))
        self.apis.append((proc, 'http://127.0.0.1:%d' % cfg['bind_port']))
        return self.apis[-1]

    def start_worker(self):
        proc, _log = start_service(self.workdir, self.cfg, timeout=60, command='worker',
                                   name='worker-%d' % next(self._names))
        self.workers.append(proc)
        return proc

    def logs(self, tail=4000):
        out = []
        for name in sorted(os.listdir(self.workdir)):
            if name.startswith(('api-', 'worker-')) and name.endswith('.log'):
                with open(os.path.join(self.workdir, name), errors='replace') as handle:
                    out.append('--- %s\n%s' % (name, handle.read()[-tail:]))
        return '\n'.join(out)

    def stop_all(self):
        for proc in [p for p, _url in self.apis] + self.workers:
            stop_service(proc)


@pytest.fixture(autouse=True)
def fresh_api_heartbeat(request):
    """The ``api`` service's compute node is recorded once and has no reporter: keep it up for every test
    that uses the service, however long the session has run (a host silent for 60 s is down, as in Nova)."""
    if 'api' not in request.fixturenames:
        return
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    service = request.getfixturevalue('api')
    store = Store(service['cfg']['database_url'])
    try:
        hosts.heartbeat(store, service['host'])
    finally:
        store.dispose()


def delete_networks_named(http, token, name):
    """Delete the networks called ``name`` and their ports (a module's teardown: the session's later network
    tests expect none left)."""
    status, _h, body = http.call('GET', '/network/v2.0/networks?name=%s' % name, token=token)
    assert status == 200, body
    for net in body['networks']:
        _s, _h, ports = http.call('GET', '/network/v2.0/ports?network_id=%s' % net['id'], token=token)
        for port in ports['ports']:
            http.call('DELETE', '/network/v2.0/ports/%s' % port['id'], token=token)
        status, _h, gone = http.call('DELETE', '/network/v2.0/networks/%s' % net['id'], token=token)
        assert status == 204, gone
