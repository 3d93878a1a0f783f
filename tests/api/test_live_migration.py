# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Live migration (os-migrateLive) on real libvirt + QEMU between two namespaced compute hosts wired by the test's
fabric (lib/test_hosts.py ``fabric=True``: the memory and disks stream over it), through the REST shim, the
unmodified `openstack server migrate --live-migration` CLI and playbooks/server_action.yml.

One guest of the demo project wrote a marker to its root disk at boot, then prints a tick every second with its
uptime and what its root disk holds (read from the disk each time, caches dropped). A block migration
(``block_migration: auto``: the hosts' instance directories are not shared) moves it while it runs: status
MIGRATING with an in-progress migration on /servers/{id}/migrations, then ACTIVE on the destination, the source's
domain and directory gone, the allocations exactly the flavor's on the destination, migration ``completed``;
the destination's console carries on ticking with the uptime still counting and the marker read from the
migrated disk, and never prints the boot line. Nova's refusals change nothing; a shared-storage migration
between hosts that share nothing and a destination that refuses the domain both leave the server running on its
source with the destination freed and cleaned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from lib.guests import BOOTED
from lib.live_api import action_events, running
from lib.novalite_env import libvirt_state
from lib.sched_rows import console_text, host_uri, moved_server
from lib.test_hosts import libvirt_hosts
from lib.ticking import boot_ticking_guest, eventually, live_tick

WORD = 'liveword'
TINY = (1, 512, 1)


@pytest.fixture(scope='module')
def hosts():
    with libvirt_hosts(2, prefix='nllive', fabric=True) as made:
        yield made


@pytest.fixture(scope='module')
def live(hosts):
    with running(job_concurrency=2, compute_hosts=hosts) as service:
        yield service


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    return boot_ticking_guest(live, tmp_path_factory.mktemp('userdata'), WORD, 'live-vm')


def _live_migrate(live, ident, body, version='2.80'):
    return live.action(ident, {'os-migrateLive': body}, live.token(), version=version)


def test_refusals_change_nothing(live, hosts, guest):
    ident = guest['id']
    before, alloc = moved_server(live, ident)
    demo = live.token('demo', 'demo')
    other = [h.name for h in hosts if h.name != before['host']][0]
    assert live.action(ident, {'os-migrateLive': {'block_migration': 'auto', 'host': None}}, demo,
                       version='2.80')[0] == 403
    for body, version, code in (
            ({'block_migration': 'auto', 'host': None}, '2.24', 400),                 # auto from 2.25
            ({'block_migration': False, 'host': None}, '2.24', 400),                  # disk_over_commit needed
            ({'block_migration': 'auto', 'host': None, 'force': True}, '2.30', 400),  # force needs a host
            ({'block_migration': 'auto', 'host': None, 'force': False}, '2.68', 400),  # no force from 2.68
            ({'block_migration': 'auto', 'host': 'no-such-host'}, '2.80', 400),
            ({'block_migration': 'auto', 'host': before['host']}, '2.80', 400)):     # not to itself
        status, _h, answer = _live_migrate(live, ident, body, version)
        assert status == code, (body, version, answer)
    admin = live.token()
    path = '/compute/v2.1/servers/%s/migrations/%s' % (ident, 999999)
    headers = {'OpenStack-API-Version': 'compute 2.80'}
    # not migrating: Nova's 409 for both
    assert live.http.call('POST', path + '/action', {'force_complete': None}, token=admin,
                          headers=headers)[0] == 409
    assert live.http.call('DELETE', path, token=admin, headers=headers)[0] == 409
    assert live.http.call('DELETE', path, token=admin,
                          headers={'OpenStack-API-Version': 'compute 2.23'})[0] == 404
    inst, after = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['task_state']) == (before['host'], 'active', None)
    assert after == alloc == {before['host']: TINY}
    assert libvirt_state(ident, host_uri(hosts, before['host'])) == 'running'
    assert libvirt_state(ident, host_uri(hosts, other)) is None


def test_block_live_migration_keeps_the_guest_running(live, hosts, guest):
    ident = guest['id']
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    before = live_tick(live, source, ident)
    started = time.time()
    status, _h, body = _live_migrate(live, ident, {'block_migration': 'auto', 'host': None})
    assert status == 202, body
    admin = live.token()
    server = live.show(ident, admin)
    assert (server['status'], server['OS-EXT-STS:task_state']) == ('MIGRATING', 'migrating')
    seen = []
    while server['status'] == 'MIGRATING':
        status, _h, listed = live.http.call('GET', '/compute/v2.1/servers/%s/migrations' % ident, token=admin,
                                            headers={'OpenStack-API-Version': 'compute 2.80'})
        assert status == 200
        seen.extend(m['status'] for m in listed['migrations'])
        time.sleep(0.3)
        server = live.show(ident, admin)
        assert time.time() - started < 240, server
    elapsed = time.time() - started
    assert server['status'] == 'ACTIVE' and server['OS-EXT-STS:task_state'] is None, server
    assert set(seen) <= {'queued', 'preparing', 'running'} and seen, seen
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['node'], inst['vm_state']) == (dest, dest, 'active')
    assert server['OS-EXT-SRV-ATTR:host'] == dest
    assert alloc == {dest: TINY}                     # the source released, the destination kept
    migration = inst['migration']
    assert (migration['migration_type'], migration['status'], migration['source_compute'],
            migration['dest_compute']) == ('live-migration', 'completed', source, dest)
    assert (libvirt_state(ident, host_uri(hosts, source)), libvirt_state(ident, host_uri(hosts, dest))) == (None, 'running')
    assert not os.path.exists(os.path.join(live.instances_paths[source], ident))
    assert live.instances_paths[dest] in inst['domain_xml']
    # the guest never stopped: the destination's console goes on ticking from where it was, no boot line,
    # and the marker is read from the migrated disk
    after = live_tick(live, dest, ident, after=before[0])
    assert after[1] == [WORD]
    assert BOOTED not in console_text(live, dest, ident)
    assert action_events(inst, 'live-migration') == [
        ('conductor_live_migrate_instance', 'Success'), ('compute_check_can_live_migrate_destination', 'Success'),
        ('compute_pre_live_migration', 'Success'), ('compute_check_can_live_migrate_source', 'Success'),
        ('compute_live_migration', 'Success')]
    act = [a for a in inst['actions'] if a['action'] == 'live-migration'][-1]
    print('\nlive migration (API 202 -> ACTIVE on the destination): %.1fs; events: %s' % (elapsed, [
        (e['event'], e.get('start_time'), e.get('finish_time')) for e in act['events']]))


def test_shared_migration_without_shared_storage_is_refused(live, hosts, guest):
    ident = guest['id']
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    status, _h, _b = _live_migrate(live, ident, {'block_migration': False, 'host': dest})
    assert status == 202
    live.wait_status(ident, live.token(), ['ACTIVE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['migration']['status']) == (source, 'active', 'error')
    assert 'is not on shared storage' in inst['fault']['message']
    assert alloc == {source: TINY}
    assert libvirt_state(ident, host_uri(hosts, source)) == 'running'
    # the destination's test file is gone with the check
    eventually(lambda: not [n for n in os.listdir(live.instances_paths[dest])
                            if n.startswith('.novalite-shared-check-')], 'the check file is left on %s' % dest)


def test_a_refusing_destination_leaves_the_guest_on_its_source(live, hosts, guest):
    """The destination already has a domain of that name: libvirt refuses there half-way; rollback."""
    import libvirt
    ident = guest['id']
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    name = moved_server(live, ident)[0]['domain_xml'].split('<name>')[1].split('</name>')[0]
    conn = libvirt.open(host_uri(hosts, dest))
    try:
        squatter = conn.defineXML('<domain type="qemu"><name>%s</name><memory unit="MiB">64</memory>'
                                  '<os><type>hvm</type></os></domain>' % name)
        before = live_tick(live, source, ident)
        live.cli('server', 'migrate', '--live-migration', '--block-migration', '--host', dest, ident,
                 as_json=False)
        live.wait_status(ident, live.token(), ['ACTIVE'])
        inst, alloc = moved_server(live, ident)
        assert (inst['host'], inst['vm_state'], inst['migration']['status']) == (source, 'active', 'error')
        assert alloc == {source: TINY}
        assert libvirt_state(ident, host_uri(hosts, source)) == 'running'
        eventually(lambda: not os.path.exists(os.path.join(live.instances_paths[dest], ident)),
                   'the pre-created directory is left on %s' % dest)
        # still the same boot, still ticking
        assert live_tick(live, source, ident, after=before[0] + 1)[1] == [WORD]
        assert BOOTED not in console_text(live, source, ident)
        squatter.undefine()
    finally:
        conn.close()


def test_live_migrate_back_by_cli_and_playbook(live, hosts, guest):
    ident = guest['id']
    source = moved_server(live, ident)[0]['host']
    dest = [h.name for h in hosts if h.name != source][0]
    before = live_tick(live, source, ident)
    live.cli_then_wait('server', 'migrate', '--live-migration', ident, as_json=False, server=ident, until=['ACTIVE'])
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], alloc) == (dest, 'active', {dest: TINY})
    middle = live_tick(live, dest, ident, after=before[0])
    assert middle[1] == [WORD]
    run = live.playbook('server_action.yml', server=ident, action='live_migrate', block_migration='true',
                        is_admin=True)
    assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['task_state'], alloc) == (source, 'active', None, {source: TINY})
    assert live_tick(live, source, ident, after=middle[0])[1] == [WORD]
    assert BOOTED not in console_text(live, source, ident)   # a new console log on the source: no boot since
    listed = live.cli('server', 'migration', 'list', '--server', ident)
    assert sorted(m['Status'] for m in listed) == ['completed', 'completed', 'completed', 'error', 'error']
