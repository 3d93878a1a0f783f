# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A throw-away novalite deployment for integration tests.

``NovaliteEnv`` owns a state store (the URL the test gives: SQLite or a
MariaDB database), an image store and one instances path per compute host
under /var/lib/novalite/test-<id> (QEMU's user must reach them), and an
inventory whose compute hosts all use the local libvirt. ``playbook()`` runs
the collection's real playbooks with ansible-playbook and returns the recap
and output; ``cleanup()`` destroys every domain whose uuid belongs to an
instance of this store and removes the directories.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import subprocess
import time
import uuid

import yaml

from lib.guests import destroy_domains

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
TEST_IMAGE = os.path.join(REPO, '.cache', 'test-image', 'disk.qcow2')
BOOT_LINE = 'NOVALITE TEST IMAGE BOOTED'
# the controller-side actions with no module code (their plugins/modules files only document them)
ACTION_ONLY = ('user_input', 'host_call_follow_up')
_RECAP = re.compile(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def module_names():
    """The collection's modules that have module code (not ``ACTION_ONLY``)."""
    return sorted(n[:-3] for n in os.listdir(os.path.join(REPO, 'plugins', 'modules'))
                  if n.endswith('.py') and n[:-3] not in ACTION_ONLY)


class PlaybookRun(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.recap = dict((m.group(1), {'ok': int(m.group(2)), 'changed': int(m.group(3)),
                                        'unreachable': int(m.group(4)), 'failed': int(m.group(5))})
                          for m in _RECAP.finditer(proc.stdout))

    @property
    def changed(self):
        return sum(r['changed'] for r in self.recap.values())

    @property
    def failed(self):
        return sum(r['failed'] + r['unreachable'] for r in self.recap.values())


class NovaliteEnv(object):
    def __init__(self, db_url, hosts=('localhost',), zones=None, libvirt_uris=None, host_vars=None, ssh_hosts=None):
        """``libvirt_uris``: {host: URI} for hosts on another libvirt (lib/test_hosts.py), else qemu:///system.

        ``host_vars``: {host: inventory vars} (e.g. ``lib.test_hosts.inventory_vars``: modules run inside a
        namespaced host, its networks realised there). Without them a host realises no networks
        (``novalite_host_networking: false``): nothing is ever added to the machine's own network.

        ``ssh_hosts``: LibvirtHosts started with ``ssh=True``: the compute hosts are those, reached over
        SSH as in production (lib/test_hosts.ssh_inventory); ``libvirt_uris`` are then their URIs from
        this machine, for the test's own look, and the reports go through register_hosts.yml.
        """
        self.ssh_hosts = list(ssh_hosts or [])
        if self.ssh_hosts:
            hosts = [h.name for h in self.ssh_hosts]
            libvirt_uris = dict((h.name, h.uri) for h in self.ssh_hosts)
        self.host_vars = dict((h, dict((host_vars or {}).get(h) or {})) for h in hosts)
        self.id = uuid.uuid4().hex[:10]
        self.libvirt_uris = dict((h, (libvirt_uris or {}).get(h) or 'qemu:///system') for h in hosts)
        self.root = '/var/lib/novalite/test-%s' % self.id
        self.db_url = db_url
        self.image_store = os.path.join(self.root, 'images')
        self.hosts = list(hosts)
        self.instances_paths = dict((h, os.path.join(self.root, 'instances-%s' % h)) for h in self.hosts)
        self.instances_paths.update((h.name, h.instances_path) for h in self.ssh_hosts)
        os.makedirs(self.image_store)
        os.chmod(self.root, 0o755)
        for path in self.instances_paths.values():
            os.makedirs(path, exist_ok=True)
        self.inventory = os.path.join(self.root, 'inventory.yml')
        if self.ssh_hosts:
            from lib.test_hosts import ssh_inventory
            ssh_inventory(self.ssh_hosts, self.inventory,
                          all_vars={'novalite_database_url': db_url, 'novalite_image_store': self.image_store},
                          host_vars=dict((h, dict({'novalite_availability_zone': (zones or {}).get(h, 'nova')},
                                                  **self.host_vars[h])) for h in self.hosts))
            return
        compute = {}
        for index, host in enumerate(self.hosts):
            compute[host] = {
                'ansible_connection': 'local',
                'novalite_libvirt_uri': self.libvirt_uris[host],
                'novalite_instances_path': self.instances_paths[host],
                'novalite_availability_zone': (zones or {}).get(host, 'nova'),
                'novalite_host_networking': False,
            }
            compute[host].update(self.host_vars[host])
        inventory = {'all': {
            'vars': {'ansible_python_interpreter': os.path.join(VENV_BIN, 'python'),
                     'novalite_database_url': db_url, 'novalite_image_store': self.image_store},
            'children': {'controller': {'hosts': {'localhost': {'ansible_connection': 'local'}}},
                         'compute': {'hosts': compute}}}}
        with open(self.inventory, 'w') as f:
            yaml.safe_dump(inventory, f)

    # -- running playbooks ---------------------------------------------------

    def playbook(self, playbook_name, *args, **extra_vars):
        extra = dict(extra_vars)
        cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', self.inventory,
               os.path.join(REPO, 'playbooks', playbook_name)]
        if extra:
            cmd += ['-e', yaml.safe_dump(extra, default_flow_style=True).strip()]
        cmd += list(args)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'),
                   ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0',
                   ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0',
                   NOVALITE_DATABASE_URL=self.db_url,
                   # every test store numbers its instances from 1: keep their domain names apart
                   NOVALITE_INSTANCE_NAME_TEMPLATE='nl-%s-%%08x' % self.id)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=REPO, check=False)
        return PlaybookRun(proc)

    def must(self, playbook_name, *args, **extra_vars):
        run = self.playbook(playbook_name, *args, **extra_vars)
        assert run.rc == 0 and run.failed == 0, run.output[-6000:]
        return run

    # -- catalog and registry through the same code the modules use ---------

    def setup(self, flavors=(('m1.tiny', 1, 512, 1),)):
        """Flavors, the test image and the hosts' real facts + heartbeats."""
        from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavor_api
        from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
        store = self.store()
        for name, vcpus, ram, disk in flavors:
            flavor_api.create(store, name, vcpus, ram, disk)
        self.image = images.register(store, self.image_store, 'novalite-test', TEST_IMAGE, visibility='public',
                                     properties={'hw_architecture': 'x86_64'})
        self.heartbeat()
        return store

    def heartbeat(self):
        """The periodic resource report (register_hosts.yml's work): real facts, fresh heartbeats."""
        if self.ssh_hosts:
            self.must('register_hosts.yml')   # over SSH, each host reads its own libvirt
            return
        from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, settings
        from ansible_collections.novalite.compute.plugins.module_utils.virt import host_facts
        for host in self.hosts:
            facts = host_facts.gather(self.libvirt_uris[host], self.instances_paths[host])
            cfg = settings.parse(dict({'novalite_instances_path': self.instances_paths[host],
                                       'novalite_libvirt_uri': self.libvirt_uris[host]},
                                      **dict((k, v) for k, v in self.host_vars[host].items()
                                             if k in ('novalite_host_ip', 'novalite_physical_interface_mappings'))))
            hosts.record(self.store(), host, facts, cfg)

    def store(self):
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import open_store
        return open_store(self.db_url)

    def server(self, name_or_uuid):
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        return instances.get(self.store(), name_or_uuid, include_deleted=True)

    def console_log(self, server):
        return os.path.join(self.instances_paths[server['host']], server['uuid'], 'console.log')

    def wait_for_console(self, server, text=BOOT_LINE, timeout=90, after=0):
        """Wait until ``text`` appears in the console log (past byte ``after``); returns seconds waited."""
        path = self.console_log(server)
        start = time.time()
        while time.time() - start < timeout:
            try:
                with open(path, 'rb') as f:
                    f.seek(after)
                    if text.encode() in f.read():
                        return time.time() - start
            except (IOError, OSError):
                pass
            time.sleep(0.5)
        raise AssertionError('%r not in %s after %ss' % (text, path, timeout))

    # -- cleanup -------------------------------------------------------------

    def cleanup(self):
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        try:
            uuids = [i['uuid'] for i in instances.list_instances(self.store(), include_deleted=True)]
        except Exception:   # the store may be gone already
            uuids = []
        destroy_domains(uuids)
        shutil.rmtree(self.root, ignore_errors=True)


def libvirt_state(uuid, uri='qemu:///system'):
    """libvirt's own state name for a domain ('running', 'paused', 'shut off', ...) or None."""
    out = subprocess.run(['virsh', '-c', uri, 'domstate', uuid], capture_output=True, text=True, check=False)
    return out.stdout.strip() if out.returncode == 0 else None


def has_managed_save(uuid):
    out = subprocess.run(['virsh', '-c', 'qemu:///system', 'dominfo', uuid], capture_output=True, text=True, check=False)
    return 'Managed save:   yes' in out.stdout
