# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Resize, revertResize, cold migrate and confirmResize on real libvirt + QEMU between two namespaced compute
hosts (lib/test_hosts.py, each with its own libvirtd and instances directory), through the real `openstack` CLI
and playbooks/server_action.yml beside the REST shim.

One guest of the demo project wrote a marker to its root disk. A resize to a flavor that fits nowhere is
refused by the scheduler (202, the server ACTIVE on its source, a NoValidHost fault, capacity unchanged). The CLI
resizes it to a flavor with a bigger root disk: VERIFY_RESIZE on the other host, its disk copied there and grown,
the old domain shut off on the source, both hosts held; the revert brings it back to the source with the old
flavor. A cold migration (admin) moves it again and the confirm frees the source (its domain and kept directory
gone). After every move the guest's boot shows the marker it wrote before, the domains are where the store says
and the scheduler's allocations are exactly the flavor's on the hosts it holds. `server migration list` shows the
migrations with Nova's statuses.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time

import pytest

from lib.guests import BOOTED, MARKERS_DONE, marker_user_data, markers_seen
from lib.live_api import action_events, running
from lib.novalite_env import libvirt_state
from lib.sched_rows import console_text, host_uri, moved_server
from lib.test_hosts import libvirt_hosts

WORD = 'moveword'
TINY = (1, 512, 1)
BIGGER = (1, 512, 2)


@pytest.fixture(scope='module')
def hosts():
    with libvirt_hosts(2, prefix='nlmove') as made:
        yield made


@pytest.fixture(scope='module')
def live(hosts):
    with running(job_concurrency=2, compute_hosts=hosts) as service:
        yield service


def _last_boot_markers(live, host, ident, boots, timeout=150):
    """The markers the guest's boot found (the console log starts afresh at each start of its domain)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = console_text(live, host, ident)
        if text.count(BOOTED) >= boots and text.count(MARKERS_DONE) >= boots:
            return markers_seen(text[text.rindex(BOOTED):])
        time.sleep(0.5)
    raise AssertionError('boot %d of %s not seen on %s:\n%s' % (boots, ident, host, console_text(live, host, ident)[-2000:]))


def _virtual_size(path):
    import json
    out = subprocess.run(['qemu-img', 'info', '--output=json', '-U', path], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)['virtual-size']


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    data = tmp_path_factory.mktemp('userdata') / 'marker.txt'
    data.write_text(marker_user_data(WORD))
    live.cli('flavor', 'create', '--vcpus', '1', '--ram', '512', '--disk', '2', '--id', '901', 'm1.tiny2')
    # a root disk no host has room for (its cores and RAM within the quota: the scheduler, not the quota, says no)
    live.cli('flavor', 'create', '--vcpus', '1', '--ram', '512', '--disk', '100000', '--id', '902', 'm1.nowhere')
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                '--user-data', str(data), 'move-vm', cloud='novalite-demo', until=['ACTIVE'])
    assert server['status'] == 'ACTIVE'
    inst, _alloc = moved_server(live, server['id'])
    text = ''
    deadline = time.time() + 150
    while MARKERS_DONE not in text and time.time() < deadline:
        text = console_text(live, inst['host'], server['id'])
        time.sleep(0.5)
    assert 'NOVALITE MARKER WRITTEN vda: %s' % WORD in text
    return server


def test_no_valid_host_leaves_the_server_on_its_source(live, hosts, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    before, alloc = moved_server(live, ident)
    assert alloc == {before['host']: TINY}
    status, _h, _body = live.action(ident, {'resize': {'flavorRef': '902'}}, demo)
    assert status == 202
    server = live.wait_status(ident, demo, ['ACTIVE'])
    assert 'fault' not in server   # (Nova shows a fault on ERROR servers only)
    inst, after = moved_server(live, ident)
    assert inst['fault']['message'].startswith('No valid host was found')
    assert (inst['host'], inst['vm_state'], inst['task_state'], inst['flavor']['name']) == (
        before['host'], 'active', None, 'm1.tiny')
    assert after == alloc and inst['migration']['status'] == 'error'
    assert libvirt_state(ident, host_uri(hosts, before['host'])) == 'running'
    assert action_events(inst, 'resize') == [('cold_migrate', 'Error')]
    # Nova's 400s and 409s change nothing either
    for body, code in (({'resize': {'flavorRef': '1'}}, 400), ({'confirmResize': None}, 409),
                       ({'revertResize': None}, 409), ({'migrate': None}, 403)):
        assert live.action(ident, body, demo)[0] == code, body
    assert moved_server(live, ident)[1] == alloc


def test_resize_then_revert_by_cli(live, hosts, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    live.cli('server', 'resize', '--flavor', 'm1.tiny2', ident, as_json=False, cloud='novalite-demo')
    server = live.wait_status(ident, demo, ['VERIFY_RESIZE'])
    assert server['flavor']['id'] == '901'   # (the flavor's id before 2.47)
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['flavor']['name']) == (dest, 'resized', 'm1.tiny2')
    assert alloc == {source: TINY, dest: BIGGER}   # both held: the migration the source, the server the dest
    assert inst['migration']['status'] == 'finished' and inst['migration']['migration_type'] == 'resize'
    assert (libvirt_state(ident, host_uri(hosts, source)), libvirt_state(ident, host_uri(hosts, dest))) == (
        'shut off', 'running')
    disk = os.path.join(live.instances_paths[dest], ident, 'disk')
    assert _virtual_size(disk) == 2 * 1024 ** 3   # grown to the new root_gb
    assert os.path.isdir(os.path.join(live.instances_paths[source], ident + '_resize'))
    assert _last_boot_markers(live, dest, ident, 1) == {'vda': [WORD]}
    assert action_events(inst, 'resize') == [('cold_migrate', 'Success'), ('compute_prep_resize', 'Success'),
                                             ('compute_resize_instance', 'Success'),
                                             ('compute_finish_resize', 'Success')]

    live.cli('server', 'resize', 'revert', ident, as_json=False, cloud='novalite-demo')
    server = live.wait_status(ident, demo, ['ACTIVE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['flavor']['name']) == (source, 'active', 'm1.tiny')
    assert alloc == {source: TINY} and inst['migration']['status'] == 'reverted'
    assert (libvirt_state(ident, host_uri(hosts, source)), libvirt_state(ident, host_uri(hosts, dest))) == ('running', None)
    assert not os.path.exists(os.path.join(live.instances_paths[dest], ident))
    assert _virtual_size(os.path.join(live.instances_paths[source], ident, 'disk')) == 1024 ** 3
    assert _last_boot_markers(live, source, ident, 1) == {'vda': [WORD]}


def test_cold_migrate_by_cli_then_confirm(live, hosts, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    live.cli('server', 'migrate', ident, as_json=False)
    live.wait_status(ident, demo, ['VERIFY_RESIZE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['flavor']['name'], inst['migration']['migration_type']) == (
        dest, 'm1.tiny', 'migration')
    assert alloc == {source: TINY, dest: TINY}
    assert _last_boot_markers(live, dest, ident, 1) == {'vda': [WORD]}
    live.cli('server', 'resize', 'confirm', ident, as_json=False, cloud='novalite-demo')
    live.wait_status(ident, demo, ['ACTIVE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['migration']['status']) == (dest, 'active', 'confirmed')
    assert alloc == {dest: TINY}
    assert (libvirt_state(ident, host_uri(hosts, source)), libvirt_state(ident, host_uri(hosts, dest))) == (None, 'running')
    assert not os.path.exists(os.path.join(live.instances_paths[source], ident + '_resize'))
    assert not os.path.exists(os.path.join(live.instances_paths[source], ident))

    listed = live.cli('server', 'migration', 'list', '--server', ident)
    assert sorted(m['Status'] for m in listed) == ['confirmed', 'error', 'reverted']
    status, _h, body = live.http.call('GET', '/compute/v2.1/os-migrations?instance_uuid=%s' % ident,
                                      token=live.token(), headers={'OpenStack-API-Version': 'compute 2.80'})
    assert status == 200 and [m['migration_type'] for m in body['migrations']] == ['migration', 'resize', 'resize']
    assert body['migrations'][0]['source_compute'] == source and body['migrations'][0]['project_id']
    status, _h, body = live.http.call('GET', '/compute/v2.1/servers/%s/migrations' % ident, token=live.token(),
                                      headers={'OpenStack-API-Version': 'compute 2.23'})
    assert (status, body) == (200, {'migrations': []})   # Nova lists in-progress live migrations only


def test_resize_and_confirm_by_playbook(live, hosts, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    run = live.playbook('server_action.yml', server=ident, action='resize', flavor='m1.tiny2', is_admin=True)
    assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    live.wait_status(ident, demo, ['VERIFY_RESIZE'])
    run = live.playbook('server_action.yml', server=ident, action='confirmResize', is_admin=True)
    assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    live.wait_status(ident, demo, ['ACTIVE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['flavor']['name']) == (dest, 'm1.tiny2') and alloc == {dest: BIGGER}
    assert (libvirt_state(ident, host_uri(hosts, source)), libvirt_state(ident, host_uri(hosts, dest))) == (None, 'running')
    assert _last_boot_markers(live, dest, ident, 1) == {'vda': [WORD]}
