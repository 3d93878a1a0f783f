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

import contextlib
import json
import os
import shutil
import time
import uuid

from lib.guests import destroy_domains
from lib.api_service import (ADMIN_PASSWORD, DEMO_PASSWORD, VENV_BIN, Http, kill_service, openstack,
                             prepare_catalog, service_config, start_service, stop_service, write_clouds)


@contextlib.contextmanager
def running(**settings):
    """A started LiveApi for a test module's fixture; cleaned up (also after a failed start)."""
    service = LiveApi(**settings)
    try:
        service.setup().start()
        yield service
    finally:
        service.cleanup()


@contextlib.contextmanager
def one_server_on_hosts(count, prefix, fabric=False, **settings):
    """``count`` namespaced hosts (lib/test_hosts.py), a started LiveApi on them and one m1.tiny server of the
    test image (the demo project's), ACTIVE: yields (live, hosts, server id). What the move benchmarks share."""
    from lib.test_hosts import libvirt_hosts
    with libvirt_hosts(count, prefix=prefix, fabric=fabric) as hosts:
        with running(compute_hosts=hosts, **settings) as live:
            token = live.token('demo', 'demo')
            status, _h, body = live.http.call('POST', '/compute/v2.1/servers', {'server': {
                'name': prefix + '-server', 'flavorRef': '1', 'imageRef': live.seeds['image']['id']}}, token=token)
            if status != 202:
                raise RuntimeError('server create: %s %s' % (status, body))
            live.wait_status(body['server']['id'], token, ['ACTIVE'], timeout=300)
            yield live, hosts, body['server']['id']


class LiveApi(object):
    def __init__(self, database_url=None, ssh_hosts=None, compute_hosts=None, host_vars=None, shared_instances=False,
                 **settings):
        """``ssh_hosts``: LibvirtHosts started with ``ssh=True``: the service's compute hosts are those,
        reached over SSH (lib.test_hosts.ssh_inventory) instead of this machine's qemu:///system.

        ``compute_hosts``: lib/test_hosts.py hosts that are the inventory's compute hosts instead of this
        machine's libvirt, reached by their libvirt URI (each with an instances directory of its own under
        the service's root; with ``shared_instances`` one directory for all of them, as storage the hosts
        share). ``host_vars``: {host name: inventory vars} added to those hosts' or the SSH hosts' (e.g.
        lib.test_hosts.inventory_vars: their modules run in the host's namespaces, which realise networks)."""
        self.ssh_hosts = list(ssh_hosts or [])
        self.compute_hosts = list(compute_hosts or [])
        self.host_vars = dict(host_vars or {})
        self.id = uuid.uuid4().hex[:8]
        self.root = '/var/lib/novalite/test-api-%s' % self.id
        self.host = 'api-host-%s' % self.id
        os.makedirs(self.root)
        os.chmod(self.root, 0o755)
        settings = dict({'token_expiration': 1800, 'threads': 8, 'heartbeat_interval': 20,
                         'inventory': os.path.join(self.root, 'inventory.yml'),
                         # domain names are per libvirt: keep clear of other stores' instance-0000000N
                         'instance_name_template': 'nl-api-%s-%%08x' % self.id}, **settings)
        if database_url:
            settings['database_url'] = database_url
        self.cfg = service_config(self.root, **settings)
        self.port = self.cfg['bind_port']
        self.url = 'http://127.0.0.1:%d' % self.port
        self.instances_path = os.path.join(self.root, 'instances')
        self.instances_paths = dict((h.name, os.path.join(self.root, 'instances-%s' % (
            'shared' if shared_instances else h.name))) for h in self.compute_hosts)
        self.clouds = os.path.join(self.root, 'clouds.yaml')
        self.proc = None
        self.log_path = None
        self.http = Http(self.url)
        self.seeds = {}

    # -- setup -----------------------------------------------------------------------------------

    def setup(self):
        """Seed the store (identity, flavors, the test image) and record this host through a heartbeat job."""
        from novalite_api import accounts, config as config_mod, jobs
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

        if self.ssh_hosts:
            from lib.test_hosts import ssh_inventory
            ssh_inventory(self.ssh_hosts, self.cfg['inventory'],
                          host_vars=dict((h.name, dict({'novalite_vnc_listen': h.address}, **self.host_vars.get(h.name, {})))
                                         for h in self.ssh_hosts))
        else:
            # this machine's own network namespace: no host realises its ports' networks here
            compute = {self.host: {
                'ansible_connection': 'local', 'novalite_libvirt_uri': 'qemu:///system',
                'novalite_instances_path': self.instances_path, 'novalite_availability_zone': 'nova',
                'novalite_vnc_listen': '127.0.0.1', 'novalite_host_networking': False}}
            if self.compute_hosts:
                compute = dict((h.name, {
                    'ansible_connection': 'local', 'novalite_libvirt_uri': h.uri,
                    'novalite_instances_path': self.instances_paths[h.name], 'novalite_availability_zone': 'nova',
                    'novalite_vnc_listen': '127.0.0.1', 'novalite_host_networking': False})
                    for h in self.compute_hosts)
                for h in self.compute_hosts:
                    if h.address:
                        # a host on the test's fabric (libvirt_hosts(fabric=True)) is reached there: a live
                        # migration streams to this address
                        compute[h.name]['novalite_host_ip'] = h.address
                for h in self.compute_hosts:
                    compute[h.name].update(self.host_vars.get(h.name) or {})
                for path in set(self.instances_paths.values()):
                    os.makedirs(path)
                    os.chmod(path, 0o755)
            inventory = {'all': {'vars': {'ansible_python_interpreter': os.path.join(VENV_BIN, 'python')},
                                 'children': {'controller': {'hosts': {'localhost': {'ansible_connection': 'local'}}},
                                              'compute': {'hosts': compute}}}}
            with open(self.cfg['inventory'], 'w') as handle:
                json.dump(inventory, handle)   # JSON is YAML
        write_clouds(self.clouds, self.url, (('novalite', 'admin', 'admin'), ('novalite-demo', 'demo', 'demo'),
                                             ('novalite-other', 'other', 'other')))
        self.seeds = prepare_catalog(self.root, self.cfg)
        store = Store(self.cfg['database_url'])
        for name in ('demo', 'other'):
            accounts.create_project(store, name)
            accounts.create_user(store, name, DEMO_PASSWORD, default_project=name)
            accounts.assign_role(store, name, name, 'member')
        jobs.JobRunner(config_mod.validate(dict(self.cfg)), store).heartbeat_once()
        store.dispose()
        return self

    # -- the service -----------------------------------------------------------------------------

    def start(self):
        self.proc, self.log_path = start_service(self.root, self.cfg, timeout=60)
        return self

    def kill(self):
        """A crash: SIGKILL the master and its children (gunicorn's worker, the job worker), by PID."""
        kill_service(self.proc)
        self.proc = None

    def stop(self):
        if self.proc is not None:
            stop_service(self.proc)
        self.proc = None

    def log(self):
        try:
            with open(self.log_path) as handle:
                return handle.read()[-6000:]
        except (IOError, TypeError):
            return ''

    # -- what tests use --------------------------------------------------------------------------

    def as_api(self):
        """The dict lib.api_service.openstack() takes."""
        return {'clouds': self.clouds, 'workdir': self.root}

    def cli(self, *args, **kwargs):
        """The real `openstack` CLI against this service (``cloud``: novalite, novalite-demo, novalite-other);
        its parsed output, asserting that it succeeded."""
        rc, out, err = openstack(self.as_api(), *args, **kwargs)
        assert rc == 0, 'openstack %s failed: %s\n%s' % (' '.join(args), err, self.log())
        return out

    def token(self, user='admin', project='admin'):
        return self.http.token(user, ADMIN_PASSWORD if user == 'admin' else DEMO_PASSWORD, project)

    def store(self):
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
        return Store(self.cfg['database_url'])

    def console_log(self, server_id):
        instances_path = self.instances_path
        if self.ssh_hosts:
            from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
            store = self.store()
            try:
                host = instances.get(store, server_id, include_deleted=True)['host']
            finally:
                store.dispose()
            instances_path = [h.instances_path for h in self.ssh_hosts if h.name == host][0]
        return os.path.join(instances_path, server_id, 'console.log')

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

    def show(self, server_id, token):
        """GET /servers/{id} (the server, asserting a 200)."""
        status, _h, body = self.http.call('GET', '/compute/v2.1/servers/%s' % server_id, token=token)
        assert status == 200, body
        return body['server']

    def wait_status(self, server_id, token, statuses, timeout=180):
        """Wait until the server's status is one of ``statuses`` with no task state; the server."""
        return self.wait_server(server_id, statuses, timeout=timeout, token=token, stop_at_error=False, poll=0.5)

    def cli_then_wait(self, *args, **kwargs):
        """The CLI call ``args`` as its ``--wait`` would end it, with the wait done here: ``until`` the server
        ``server`` (its id; by default the id the call printed) is in one of these statuses with no task
        state, or 'DELETED': gone. The CLI's own --wait polls every 5 s (2.5 s lost a wait on average); this polls
        every 0.25 s. The call's parsed output."""
        until, server = kwargs.pop('until'), kwargs.pop('server', None)
        timeout = kwargs.pop('timeout', 300)
        out = self.cli(*args, **kwargs)
        view = self.wait_server(server or out['id'], until, timeout=timeout)
        if isinstance(out, dict) and view:
            # the fields the CLI prints as the API gives them (status, host, vm_state, ...), as after its --wait
            out.update((k, v) for k, v in view.items() if k in out and not isinstance(v, (dict, list)))
        return out

    def wait_server(self, server_id, statuses, timeout=300, token=None, stop_at_error=True, poll=0.25):
        """Until the server is in one of ``statuses`` with no task state ('DELETED': gone), polled every ``poll`` s
        as ``token`` (an admin's by default); the server, or None when gone. ``stop_at_error``: an ERROR not asked
        for fails at once."""
        token = token or self.token()
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            status, _h, body = self.http.call('GET', '/compute/v2.1/servers/%s' % server_id, token=token)
            if status == 404 and 'DELETED' in statuses:
                return None
            assert status == 200, body
            last = body['server']
            if last['status'] in statuses and last['OS-EXT-STS:task_state'] is None:
                return last
            assert not stop_at_error or last['status'] != 'ERROR' or 'ERROR' in statuses, (last, self.log())
            time.sleep(poll)
        raise AssertionError('server %s not in %s after %ss; last %r\n%s'
                             % (server_id, statuses, timeout, last, self.log()))

    def action(self, server_id, body, token, version='2.1'):
        """POST /servers/{id}/action at compute microversion ``version``: (status, headers, body)."""
        return self.http.call('POST', '/compute/v2.1/servers/%s/action' % server_id, body, token=token,
                              headers={'OpenStack-API-Version': 'compute %s' % version})

    def playbook(self, playbook_name, **extra_vars):
        """ansible-playbook of one of the collection's playbooks on this service's inventory and store (an
        operator's run beside the API): a lib.novalite_env.PlaybookRun."""
        import subprocess
        import yaml
        from lib.novalite_env import REPO, PlaybookRun
        extra = dict({'novalite_database_url': self.cfg['database_url'], 'novalite_image_store': self.cfg['image_store']},
                     **extra_vars)
        cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', self.cfg['inventory'],
               os.path.join(REPO, 'playbooks', playbook_name), '-e', yaml.safe_dump(extra, default_flow_style=True)]
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCALHOST_WARNING='0',
                   NOVALITE_INSTANCE_NAME_TEMPLATE=self.cfg['instance_name_template'])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=REPO, check=False)
        return PlaybookRun(proc)

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


# -- what server action tests share (module-level names for the LiveApi methods) -----------------------

def show_server(live, ident, token):
    return live.show(ident, token)


def wait_status(live, ident, token, statuses, timeout=180):
    return live.wait_status(ident, token, statuses, timeout)


def server_action(live, ident, body, token, version='2.1'):
    return live.action(ident, body, token, version)


def action_events(inst, action):
    """(event, result) of a server's last instance action ``action``, without the ansible job's link."""
    act = [a for a in inst['actions'] if a['action'] == action][-1]
    return [(e['event'], e['result']) for e in act['events'] if e['event'] != 'novalite_ansible_job']


def console_text(live, ident):
    with open(live.console_log(ident), errors='replace') as handle:
        return handle.read()
