# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The REST shim in front of a real compute host: jobs boot real QEMU guests.

Unlike the read-only ``api`` fixture (tests/lib/api_service.py) this service
has an inventory whose compute host is this machine (qemu:///system), heartbeats
and a jobs dir; its files live under /var/lib/novalite/test-api-<id> (QEMU's user
must reach the disks). ``LiveApi.stop()`` stops the service by PID;
``cleanup()`` destroys every domain of its store by UUID and removes the files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import signal
import subprocess
import time
import uuid

from lib.guests import destroy_domains
from lib.api_service import (ADMIN_PASSWORD, DEFAULT_FLAVORS, DEMO_PASSWORD, REPO, TEST_IMAGE, VENV_BIN, Http,
                             free_port, wait_listening)


class LiveApi(object):
    def __init__(self, database_url=None, **settings):
        self.id = uuid.uuid4().hex[:8]
        self.root = '/var/lib/novalite/test-api-%s' % self.id
        self.host = 'api-host-%s' % self.id
        os.makedirs(self.root)
        os.chmod(self.root, 0o755)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.instances_path = os.path.join(self.root, 'instances')
        self.cfg = {
            'database_url': database_url or 'sqlite:///%s/novalite.db' % self.root,
            'image_store': os.path.join(self.root, 'images'), 'bind_host': '127.0.0.1', 'bind_port': self.port,
            'secret_key_file': os.path.join(self.root, 'token.key'), 'token_expiration': 1800, 'threads': 8,
            'jobs_dir': os.path.join(self.root, 'jobs'), 'inventory': os.path.join(self.root, 'inventory.yml'),
            'heartbeat_interval': 20,
            # domain names are per libvirt: keep clear of other stores' instance-0000000N
            'instance_name_template': 'nl-api-%s-%%08x' % self.id,
        }
        self.cfg.update(settings)
        self.cfg_path = os.path.join(self.root, 'novalite-api.yml')
        self.log_path = os.path.join(self.root, 'service.log')
        self.clouds = os.path.join(self.root, 'clouds.yaml')
        self.proc = None
        self.http = Http(self.url)
        self.seeds = {}

    # -- setup -----------------------------------------------------------------------------------

    def _write_files(self):
        python = os.path.join(VENV_BIN, 'python')
        inventory = {'all': {'vars': {'ansible_python_interpreter': python}, 'children': {
            'controller': {'hosts': {'localhost': {'ansible_connection': 'local'}}},
            'compute': {'hosts': {self.host: {
                'ansible_connection': 'local', 'novalite_libvirt_uri': 'qemu:///system',
                'novalite_instances_path': self.instances_path, 'novalite_availability_zone': 'nova',
                'novalite_vnc_listen': '127.0.0.1'}}}}}}
        with open(self.cfg['inventory'], 'w') as handle:
            json.dump(inventory, handle)   # JSON is YAML
        with open(self.cfg_path, 'w') as handle:
            json.dump(self.cfg, handle)
        entries = {}
        for cloud, user, password, project in (('novalite', 'admin', ADMIN_PASSWORD, 'admin'),
                                               ('novalite-demo', 'demo', DEMO_PASSWORD, 'demo'),
                                               ('novalite-other', 'other', DEMO_PASSWORD, 'other')):
            entries[cloud] = {'auth': {'auth_url': '%s/identity' % self.url, 'username': user,
                                       'password': password, 'project_name': project,
                                       'user_domain_name': 'Default', 'project_domain_name': 'Default'},
                              'region_name': 'RegionOne', 'identity_api_version': 3, 'interface': 'public'}
        with open(self.clouds, 'w') as handle:
            json.dump({'clouds': entries}, handle)

    def setup(self):
        """Seed the store (identity, flavors, the test image) and record this host through a heartbeat job."""
        from novalite_api import accounts, jobs
        from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

        self._write_files()
        store = Store(self.cfg['database_url'])
        admin = accounts.bootstrap(store, ADMIN_PASSWORD)
        for name in ('demo', 'other'):
            accounts.create_project(store, name)
            accounts.create_user(store, name, DEMO_PASSWORD, default_project=name)
            accounts.assign_role(store, name, name, 'member')
        for name, flavorid, vcpus, ram, disk in DEFAULT_FLAVORS:
            flavors.create(store, name, vcpus, ram, disk, flavorid=flavorid)
        image = images.register(store, self.cfg['image_store'], 'novalite-test-image', TEST_IMAGE,
                                disk_format='qcow2', container_format='bare', visibility='public',
                                owner=admin['project']['id'])
        from novalite_api import config as config_mod
        runner = jobs.JobRunner(config_mod.validate(dict(self.cfg)), store)
        os.makedirs(self.cfg['jobs_dir'])
        runner.heartbeat_once()
        store.dispose()
        self.seeds = {'admin': admin, 'image': image}
        return self

    # -- the service -----------------------------------------------------------------------------

    def start(self):
        log = open(self.log_path, 'ab')
        self.proc = subprocess.Popen([os.path.join(VENV_BIN, 'python'), '-m', 'novalite_api', '--config',
                                      self.cfg_path], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        if not wait_listening(self.port, self.proc, time.time() + 60):
            self.stop()
            raise AssertionError('the API service did not start:\n%s' % self.log())
        return self

    def worker_pids(self):
        """gunicorn's worker: the master's child process (found by parent PID)."""
        out = []
        for name in os.listdir('/proc'):
            if not name.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % name) as handle:
                    ppid = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (IOError, OSError, ValueError, IndexError):
                continue
            if self.proc is not None and ppid == self.proc.pid:
                out.append(int(name))
        return out

    def kill(self):
        """A crash: SIGKILL the master and its worker, by PID."""
        workers = self.worker_pids()
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()[-6000:]
        except IOError:
            return ''

    # -- what tests use --------------------------------------------------------------------------

    def as_api(self):
        """The dict lib.api_service.openstack() takes."""
        return {'clouds': self.clouds, 'workdir': self.root}

    def token(self, user='admin', project='admin'):
        return self.http.token(user, ADMIN_PASSWORD if user == 'admin' else DEMO_PASSWORD, project)

    def store(self):
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
        return Store(self.cfg['database_url'])

    def console_log(self, server_id):
        return os.path.join(self.instances_path, server_id, 'console.log')

    def wait_console(self, server_id, text, timeout=120):
        path = self.console_log(server_id)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                with open(path, errors='replace') as handle:
                    if text in handle.read():
                        return True
            except IOError:
                pass
            time.sleep(0.5)
        raise AssertionError('%r not in %s after %ss' % (text, path, timeout))

    def cleanup(self):
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        self.stop()
        try:
            store = self.store()
            uuids = [i['uuid'] for i in instances.list_instances(store, include_deleted=True)]
            store.dispose()
        except Exception:   # pylint: disable=broad-except
            uuids = []
        destroy_domains(uuids)
        shutil.rmtree(self.root, ignore_errors=True)
