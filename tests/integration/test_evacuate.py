# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Evacuation of a failed compute host (issue 14), on three namespaced libvirt hosts reached over SSH.

Three servers boot on host A through the REST shim. A fails: its libvirtd stops (by PID; its guests' QEMU keep
running, as on a host whose management died) and an operator forces its compute service down. The unmodified
``openstack server evacuate`` (no host: the scheduler picks B of the two others) rebuilds one server on B from
its image: ACTIVE there, its guest boots, the capacity moves (B claimed; A held for the evacuated server until A
is back, as Nova's Placement allocation), the third host untouched; a second server goes to that third host
through ``playbooks/server_action.yml`` (host named). A comes back (its libvirtd restarted, the service up
again) and ``playbooks/reconcile.yml`` runs: the stale guests and their directories are gone from A, the
migrations are ``completed`` and A's allocations for them freed, while A's own server and the evacuated ones
keep running.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from lib.novalite_env import BOOT_LINE, TEST_IMAGE, libvirt_state
from lib.sched_rows import allocation_sums
from lib.test_hosts import libvirt_hosts

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)'),
              pytest.mark.skipif(not os.path.exists('/usr/sbin/sshd'), reason='openssh-server (bindep.txt)')]


def _migration(live, uuid):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import migration_records
    store = live.store()
    try:
        with store.read() as conn:
            return migration_records.latest(conn, uuid)
    finally:
        store.dispose()


def _allocations(live):
    store = live.store()
    try:
        return allocation_sums(store)
    finally:
        store.dispose()


def test_evacuate_a_failed_host_and_clean_it_up_when_it_is_back():
    from lib.live_api import running
    with libvirt_hosts(3, prefix='nlevac', ssh=True) as hosts, \
            running(ssh_hosts=hosts, console_proxy=False) as live:
        a = hosts[0]
        token = live.token()
        servers = [live.cli('--os-compute-api-version', '2.74', 'server', 'create', '--flavor', 'm1.tiny',
                            '--image', 'novalite-test-image', '--host', a.name, name)['id']
                   for name in ('evacuee', 'stays', 'second')]
        for ident in servers:
            server = live.wait_server(ident, ['ACTIVE'])
            assert server['OS-EXT-SRV-ATTR:host'] == a.name, server
        evacuee, stays, second = servers
        live.wait_console(evacuee, BOOT_LINE)
        assert _allocations(live) == {a.name: (3, 1536, 3)}

        # Nova's refusals, nothing changed: the body per microversion, an admin's action, the host named
        for version, args, code, message in (
                ('2.1', {}, 400, None), ('2.14', {'onSharedStorage': False}, 400, None),
                ('2.68', {'force': False}, 400, None),
                ('2.1', {'onSharedStorage': True, 'adminPass': 'x'}, 400, "admin password can't be changed on existing disk"),
                ('2.29', {'force': True}, 400, "Can't force to a non-provided destination"),
                ('2.29', {'host': 'nowhere'}, 404, 'Compute host nowhere not found.'),
                ('2.29', {'host': a.name}, 400, "The target host can't be the same one."),
                # A's compute service is up
                ('2.14', {}, 400, 'Compute service of %s is still in use.' % a.name)):
            status, _h, body = live.action(evacuee, {'evacuate': args}, token, version=version)
            assert status == code, (version, args, status, body)
            assert message is None or list(body.values())[0]['message'] == message, (args, body)
        status, _h, body = live.action(evacuee, {'evacuate': {}}, live.token('demo', 'demo'), version='2.14')
        assert status in (403, 404), body
        assert live.show(evacuee, token)['status'] == 'ACTIVE' and _migration(live, evacuee) is None

        # A fails: its libvirtd stops (its guests keep running), its service is forced down (2.11)
        started = time.time()
        a.stop_libvirtd()
        live.cli('--os-compute-api-version', '2.11', 'compute', 'service', 'set', '--down', a.name, 'nova-compute',
                 as_json=False)
        states = dict((s['Host'], s['State']) for s in live.cli('compute', 'service', 'list'))
        assert states == dict([(a.name, 'down')] + [(h.name, 'up') for h in hosts[1:]])

        # the unmodified CLI at 2.29 (from 2.95 an evacuated server ends stopped), no host: the scheduler's choice
        answer = live.cli('--os-compute-api-version', '2.29', 'server', 'evacuate', evacuee)
        # scheduled and claimed before the answer: the server is B's, being rebuilt there
        b = [h for h in hosts if h.name == answer['OS-EXT-SRV-ATTR:host']][0]
        c = [h for h in hosts if h is not a and h is not b][0]
        assert answer['status'] in ('REBUILD', 'ACTIVE') and b is not a, answer
        evacuated = live.wait_status(evacuee, token, ['ACTIVE'], timeout=400)
        print('\nevacuated to %s: ACTIVE after %.1fs' % (b.name, time.time() - started))
        assert evacuated['OS-EXT-SRV-ATTR:host'] == b.name
        assert libvirt_state(evacuee, b.uri) == 'running'
        assert libvirt_state(evacuee, c.uri) is None and not os.path.exists(os.path.join(c.instances_path, evacuee))
        live.wait_console(evacuee, BOOT_LINE)   # B's console log: the guest booted from a new disk
        assert os.path.isfile(os.path.join(b.instances_path, evacuee, 'disk'))
        migration = _migration(live, evacuee)
        assert (migration['migration_type'], migration['status'], migration['source_compute'],
                migration['dest_compute']) == ('evacuation', 'done', a.name, b.name)
        events = [e['Action'] for e in live.cli('server', 'event', 'list', evacuee)]
        assert 'evacuate' in events, events
        # B holds the evacuated server; A stays held for it until it is back (and for its own servers)
        assert _allocations(live) == {a.name: (3, 1536, 3), b.name: (1, 512, 1)}

        # the second one through playbooks/server_action.yml, to the third host (named)
        run = live.playbook('server_action.yml', server=second, action='evacuate', host=c.name, is_admin=True)
        assert run.rc == 0 and run.failed == 0, run.output[-4000:]
        assert live.wait_server(second, ['ACTIVE'])['OS-EXT-SRV-ATTR:host'] == c.name
        assert libvirt_state(second, c.uri) == 'running' and libvirt_state(second, b.uri) is None
        live.wait_console(second, BOOT_LINE)
        assert _migration(live, second)['status'] == 'done'
        assert _allocations(live) == {a.name: (3, 1536, 3), b.name: (1, 512, 1), c.name: (1, 512, 1)}

        # A is back: libvirtd again (the stale guest still runs there), the service up
        a.start_libvirtd()
        assert libvirt_state(evacuee, a.uri) == 'running' and libvirt_state(second, a.uri) == 'running'
        live.cli('--os-compute-api-version', '2.11', 'compute', 'service', 'set', '--up', a.name, 'nova-compute',
                 as_json=False)
        back = time.time()
        run = live.playbook('reconcile.yml')
        assert run.rc == 0, run.output[-4000:]
        print('reconcile of the hosts: %.1fs' % (time.time() - back))
        # the stale guests and their directories are gone from A; A's own server, B's and C's are untouched
        for gone in (evacuee, second):
            assert libvirt_state(gone, a.uri) is None
            assert not os.path.exists(os.path.join(a.instances_path, gone))
        assert libvirt_state(second, c.uri) == 'running' and _migration(live, second)['status'] == 'completed'
        assert libvirt_state(stays, a.uri) == 'running'
        assert os.path.isdir(os.path.join(a.instances_path, stays))
        assert libvirt_state(evacuee, b.uri) == 'running'
        assert live.show(stays, token)['status'] == 'ACTIVE'
        assert live.show(evacuee, token)['OS-EXT-SRV-ATTR:host'] == b.name
        assert _migration(live, evacuee)['status'] == 'completed'
        assert _allocations(live) == {a.name: (1, 512, 1), b.name: (1, 512, 1), c.name: (1, 512, 1)}
        for server_id in servers:
            live.cli_then_wait('server', 'delete', server_id, as_json=False, server=server_id, until=['DELETED'])
        assert _allocations(live) == {}
