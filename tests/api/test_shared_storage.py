# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Moves on shared storage (issue 14): two namespaced compute hosts on the test's fabric whose instance
directories are one directory (as an NFS export mounted on both would be), through the REST shim and the
unmodified CLI, on one ticking guest (lib/ticking.py) of the demo project.

* Live migration: Nova's shared-storage test (a file the destination makes in the instance directory, seen by
  the source) finds the directory shared: a block migration is refused, and without one libvirt refuses the
  migration as unsafe (it trusts only filesystem types it knows to be shared: NFS, GlusterFS, CephFS...; this
  machine has none). Both refusals leave the guest running on its source from its whole disk.
* Evacuation: the host running the guest fails for real (its QEMU killed, its libvirtd stopped), an operator
  forces its service down and evacuates. At 2.13 with ``onSharedStorage`` false the destination, finding the
  disks, refuses (Nova's InvalidSharedStorage: ERROR, the migration failed, nothing touched); then at 2.29
  (the host decides) the destination finds the server's disks already there (Nova's
  ``instance_on_disk``) and recreates the guest from them: its next boot reads the word its disk held before
  the failure (a rebuild from the image would print none), the migration records ``shared_storage``. When the
  failed host is back, ``playbooks/reconcile.yml`` destroys its stale domain but keeps the directory the
  server runs from; the migration is ``completed`` and the allocations are exactly the flavor's on the new host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal

import pytest

from lib.guests import BOOTED, MARKERS_DONE, markers_seen
from lib.live_api import running
from lib.novalite_env import TEST_IMAGE, libvirt_state
from lib.sched_rows import console_text, host_uri, moved_server
from lib.test_hosts import libvirt_hosts, process_running
from lib.ticking import boot_ticking_guest, eventually, live_tick

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

WORD = 'sharedword'
TINY = (1, 512, 1)


@pytest.fixture(scope='module')
def cloud():
    with libvirt_hosts(2, prefix='nlshare', fabric=True) as hosts, \
            running(job_concurrency=2, compute_hosts=hosts, shared_instances=True) as live:
        yield hosts, live


@pytest.fixture(scope='module')
def hosts(cloud):
    return cloud[0]


@pytest.fixture(scope='module')
def live(cloud):
    return cloud[1]


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    return boot_ticking_guest(live, tmp_path_factory.mktemp('userdata'), WORD, 'shared-vm')['id']


def _other(hosts, name):
    return [h for h in hosts if h.name != name][0]


def test_live_migration_finds_the_storage_shared_and_a_refusal_leaves_it_whole(live, hosts, guest):
    """``block_migration: auto`` on these hosts: Nova's shared-storage test finds the directory shared, so no disk
    is to be copied (a block migration is refused with Nova's message). libvirt 9.0 then judges the storage by
    its filesystem type (NFS, GlusterFS, CephFS...), which a local directory two hosts share is not, and refuses
    the migration as unsafe (so would it under Nova, which never forces one). The rollback must not take the
    directory for the destination's own: the guest runs on, from the same disk file, on its source."""
    source = moved_server(live, guest)[0]['host']
    dest = _other(hosts, source).name
    disk = os.path.join(live.instances_paths[source], guest, 'disk')
    inode = os.stat(disk).st_ino
    before = live_tick(live, source, guest)
    status, _h, _b = live.action(guest, {'os-migrateLive': {'block_migration': True, 'host': dest}},
                                 live.token(), version='2.30')
    assert status == 202
    live.wait_status(guest, live.token(), ['ACTIVE'])
    inst, alloc = moved_server(live, guest)
    assert (inst['host'], inst['migration']['status'], alloc) == (source, 'error', {source: TINY})
    assert 'Block migration can not be used with shared storage' in inst['fault']['message']
    live.cli_then_wait('server', 'migrate', '--live-migration', guest, as_json=False, server=guest, until=['ACTIVE'])
    inst, alloc = moved_server(live, guest)
    assert (inst['host'], inst['vm_state'], inst['task_state'], alloc) == (source, 'active', None, {source: TINY})
    assert inst['migration']['status'] == 'error'
    assert 'Unsafe migration' in inst['fault']['message'], inst['fault']['message']
    assert (libvirt_state(guest, host_uri(hosts, source)), libvirt_state(guest, host_uri(hosts, dest))) == (
        'running', None)
    # the directory and its disk are whole (the same file), the check file gone, the guest still ticking
    assert os.stat(disk).st_ino == inode
    eventually(lambda: not [n for n in os.listdir(os.path.join(live.instances_paths[dest], guest))
                            if n.startswith('.novalite-shared-check-')], 'the check file is left')
    assert live_tick(live, source, guest, after=before[0] + 1)[1] == [WORD]
    assert os.stat(disk).st_ino == inode and console_text(live, source, guest).count(BOOTED) == 1   # one boot


def test_evacuation_on_shared_storage_keeps_the_data_and_the_directory(live, hosts, guest):
    inst, _alloc = moved_server(live, guest)
    failed = [h for h in hosts if h.name == inst['host']][0]
    dest = _other(hosts, failed.name)
    name = inst['domain_xml'].split('<name>')[1].split('</name>')[0]
    idir = os.path.join(live.instances_paths[failed.name], guest)
    # the host dies with its guest (fenced: its QEMU killed), then its libvirtd
    qemu = failed.qemu_pid(name)
    assert qemu and process_running(qemu)
    os.kill(qemu, signal.SIGKILL)
    eventually(lambda: not process_running(qemu), 'QEMU %d still runs' % qemu)
    failed.stop_libvirtd()
    live.cli('--os-compute-api-version', '2.11', 'compute', 'service', 'set', '--down', failed.name,
             'nova-compute', as_json=False)
    # before 2.14 the admin says where the files are: told they are not shared, the destination (which finds them
    # there) refuses before touching anything, as Nova's compute does (InvalidSharedStorage): the server in ERROR
    # on its failed host with the fault, the migration failed, the destination's claim dropped, the disk as it was
    disk = os.path.join(idir, 'disk')
    stamp = (os.stat(disk).st_ino, os.stat(disk).st_mtime)
    status, _h, body = live.action(guest, {'evacuate': {'onSharedStorage': False}}, live.token(), version='2.13')
    assert status == 200, body
    live.wait_status(guest, live.token(), ['ERROR'], timeout=120)
    inst, alloc = moved_server(live, guest)
    assert (inst['host'], inst['vm_state'], alloc) == (failed.name, 'error', {failed.name: TINY})
    assert (inst['migration']['migration_type'], inst['migration']['status'], inst['migration']['dest_compute']) == (
        'evacuation', 'failed', dest.name)
    assert inst['fault']['message'] == 'Invalid state of instance files on shared storage'
    assert libvirt_state(guest, dest.uri) is None and (os.stat(disk).st_ino, os.stat(disk).st_mtime) == stamp
    # the host's own word (2.29): evacuated again, from ERROR
    answer = live.cli('--os-compute-api-version', '2.29', 'server', 'evacuate', guest)
    assert answer['OS-EXT-SRV-ATTR:host'] == dest.name, answer
    server = live.wait_status(guest, live.token(), ['ACTIVE'], timeout=300)
    assert server['OS-EXT-SRV-ATTR:host'] == dest.name
    inst, alloc = moved_server(live, guest)
    assert (inst['migration']['migration_type'], inst['migration']['status'],
            inst['migration']['shared_storage']) == ('evacuation', 'done', True)
    assert libvirt_state(guest, dest.uri) == 'running'
    # recreated from its own disk: the new boot reads the word the disk held before the failure
    eventually(lambda: MARKERS_DONE in console_text(live, dest.name, guest), 'no boot on %s' % dest.name, timeout=180)
    assert markers_seen(console_text(live, dest.name, guest)).get('vda') == [WORD]
    assert live_tick(live, dest.name, guest)[1] == [WORD]

    # the failed host is back: its stale domain goes, the directory the server runs from stays
    failed.start_libvirtd()
    assert libvirt_state(guest, failed.uri) == 'shut off'
    live.cli('--os-compute-api-version', '2.11', 'compute', 'service', 'set', '--up', failed.name,
             'nova-compute', as_json=False)
    run = live.playbook('reconcile.yml')
    assert run.rc == 0, run.output[-4000:]
    assert libvirt_state(guest, failed.uri) is None
    assert os.path.isfile(os.path.join(idir, 'disk')) and libvirt_state(guest, dest.uri) == 'running'
    inst, alloc = moved_server(live, guest)
    assert inst['migration']['status'] == 'completed' and alloc == {dest.name: TINY}
    assert live_tick(live, dest.name, guest, after=live_tick(live, dest.name, guest)[0])[1] == [WORD]
    live.cli_then_wait('server', 'delete', guest, as_json=False, server=guest, until=['DELETED'])
    assert not os.path.exists(idir)   # deleted with the server, by the host it ran on
