# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Resize and cold migration between compute hosts reached over SSH (issue 14), as a real deployment's.

Three namespaced hosts (tests/lib/test_hosts.py, ``ssh=True``) behind the REST shim, its jobs reaching them over
SSH (the shape of test_ssh_hosts.py): each move has a host it does not involve, which must stay untouched, and
the scheduler's choices are real choices. The disk crosses from host to host the way Nova's does: the source host
rsyncs it over ssh to the destination's address with the hosts' migration key (the inventory's
``novalite_migration_ssh_key`` / ``novalite_migration_known_hosts``); the destination's sshd log shows that
login from the source's address. One guest, through the unmodified CLI: it writes a marker; a resize to a
bigger root disk (VERIFY_RESIZE on a host the scheduler picks, both hosts held), confirmed (the source
cleaned); a cold migration through playbooks/server_action.yml to the third host (named, as 2.56 allows),
reverted (back where it was, the destination cleaned). After each move the guest's boot shows its marker, each host's own libvirt (virsh over SSH) has the
domain where the store says (no domain on the uninvolved host), and the scheduler's allocations are exactly
the flavors on the hosts held.

Then live migration (block migration: the hosts share nothing) of the same guest, running, once through the CLI
to the scheduler's choice (`openstack server migrate --live-migration --block-migration`) and on to the host it
has not run on yet through playbooks/server_action.yml (host named): the
hosts' libvirt connections go over SSH with the same migration key (the destination reads the source's domain,
the source's libvirtd migrates peer to peer to the destination's), each sshd's log shows the other's login. The
guest ticks on its console with its uptime and its disk's marker: on the destination the uptime goes on from
where it was, with the marker read from the migrated disk and no boot line; the domain runs on the destination
only, the source's directory is gone and the allocation is the flavor's on the destination alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import signal
import subprocess
import time

import pytest

from lib.guests import BOOTED, MARKERS_DONE, markers_seen
from lib.novalite_env import TEST_IMAGE, libvirt_state
from lib.sched_rows import allocation_sums, moved_server
from lib.test_hosts import libvirt_hosts, process_running
from lib.ticking import tick_user_data, ticks, wait_tick

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)'),
              pytest.mark.skipif(not os.path.exists('/usr/sbin/sshd'), reason='openssh-server (bindep.txt)')]

WORD = 'sshmoveword'
TINY = (1, 512, 1)
BIGGER = (1, 512, 2)


@pytest.fixture(scope='module')
def cloud():
    from lib.live_api import running
    with libvirt_hosts(3, prefix='nlsshmv', ssh=True) as hosts, \
            running(ssh_hosts=hosts, console_proxy=False) as live:
        yield hosts, live


def _ssh_state(host, uuid):
    """The domain's state as the host's own qemu:///system reports it, asked over SSH (None: no domain)."""
    result = host.ssh(['virsh', '-c', 'qemu:///system', 'domstate', uuid], check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def _display(host, uuid):
    """Where the running guest's VNC console listens (virsh domdisplay on the host, over SSH)."""
    return host.ssh(['virsh', '-c', 'qemu:///system', 'domdisplay', uuid]).stdout.strip()


def _states(hosts, uuid):
    return dict((h.name, _ssh_state(h, uuid)) for h in hosts)


def _only(hosts, **states):
    """What _states must be: the hosts named with their states, every other host without the domain."""
    return dict((h.name, states.get(h.name)) for h in hosts)


def _host(hosts, name):
    return [h for h in hosts if h.name == name][0]


def _console(host, uuid):
    try:
        with open(os.path.join(host.instances_path, uuid, 'console.log'), errors='replace') as handle:
            return handle.read()
    except IOError:
        return ''


def _boot_markers(host, uuid, timeout=150):
    """The markers the guest's latest boot on ``host`` found (its console log starts afresh on each host)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = _console(host, uuid)
        if BOOTED in text and MARKERS_DONE in text[text.rindex(BOOTED):]:
            return markers_seen(text[text.rindex(BOOTED):])
        time.sleep(0.5)
    raise AssertionError('no boot of %s seen on %s:\n%s' % (uuid, host.name, _console(host, uuid)[-2000:]))


def _migration_logins(hosts, dest, source):
    """Logins with the hosts' migration key from ``source``'s address that ``dest``'s sshd accepted."""
    fingerprint = subprocess.run(['ssh-keygen', '-l', '-f', hosts.access.migration_key + '.pub'], check=True,
                                 capture_output=True, text=True).stdout.split()[1]
    with open(os.path.join(dest.root, 'ssh', 'sshd.log'), errors='replace') as handle:
        log = handle.read()
    return len(re.findall(r'Accepted publickey for \S+ from %s port \d+ ssh2: \S+ %s' % (
        re.escape(source.address), re.escape(fingerprint)), log))


def _wait(live, ident, status):
    """The server in ``status``, or the failure with the store's fault and migration (what a host said)."""
    try:
        return live.wait_status(ident, live.token(), [status])
    except AssertionError:
        inst = moved_server(live, ident)[0]
        raise AssertionError('%s: not %s: %r %r' % (ident, status, inst['fault'], inst['migration']))


def _moved(live, hosts, ident, move, source, kind, held, dest=None):
    """A resize / cold migration (``move``: the CLI's argv, or a callable) from ``source`` to ``dest`` (None: the
    scheduler's choice, never
    ``source``): VERIFY_RESIZE there with ``kind`` (migration type, flavor), the disk copied by the source's ssh
    login to it, ``held`` ({'source'|'dest': flavor}) allocated and nothing else. Returns the destination."""
    logins = dict((h.name, _migration_logins(hosts, h, source)) for h in hosts if h is not source)
    started = time.time()
    if callable(move):
        move()
    else:
        live.cli(*move, as_json=False)
    _wait(live, ident, 'VERIFY_RESIZE')
    print('\n%s %s over ssh: VERIFY_RESIZE after %.1fs' % (kind[0], ident, time.time() - started))
    inst, alloc = moved_server(live, ident)
    dest = dest or _host(hosts, inst['host'])
    assert dest is not source
    assert (inst['host'], inst['vm_state'], inst['migration']['migration_type'], inst['flavor']['name'],
            inst['migration']['status']) == (dest.name, 'resized') + kind + ('finished',)
    assert alloc == {source.name: held['source'], dest.name: held['dest']}
    assert _states(hosts, ident) == _only(hosts, **{source.name: 'shut off', dest.name: 'running'})
    assert _display(dest, ident).startswith('vnc://%s:' % dest.address)   # its consoles on its host's address
    assert _migration_logins(hosts, dest, source) > logins[dest.name]   # dest's sshd let the source's key in
    for other in hosts:
        if other is not source and other is not dest:   # the uninvolved host: no login, nothing written
            assert _migration_logins(hosts, other, source) == logins[other.name]
            assert not os.path.exists(os.path.join(other.instances_path, ident))
    assert os.path.isdir(os.path.join(source.instances_path, ident + '_resize'))
    assert not os.path.exists(os.path.join(dest.instances_path, ident + '.part'))
    assert _boot_markers(dest, ident) == {'vda': [WORD]}
    return dest


def _ended(live, hosts, ident, argv, stays, cleaned, status, held):
    """A confirm / revert by the CLI: ACTIVE on ``stays``, nothing of the guest left on ``cleaned``."""
    live.cli(*argv, as_json=False)
    _wait(live, ident, 'ACTIVE')
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['migration']['status']) == (stays.name, 'active', status)
    assert alloc == held
    for leftover in ('', '_resize', '.part'):
        assert not os.path.exists(os.path.join(cleaned.instances_path, ident + leftover))
    assert not os.path.exists(os.path.join(stays.instances_path, ident + '_resize'))
    assert _states(hosts, ident) == _only(hosts, **{stays.name: 'running'})
    assert _display(stays, ident).startswith('vnc://%s:' % stays.address)


@pytest.fixture(scope='module')
def guest(cloud, tmp_path_factory):
    """One running server (m1.tiny) that wrote its marker and ticks: (uuid, the host it booted on)."""
    hosts, live = cloud
    data = tmp_path_factory.mktemp('userdata') / 'ticks.sh'
    data.write_text(tick_user_data(WORD))
    live.cli('flavor', 'create', '--vcpus', '1', '--ram', '512', '--disk', '2', '--id', '911', 'm1.tiny2')
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                '--user-data', str(data), 'ssh-move', until=['ACTIVE'])
    ident = server['id']
    a = [h for h in hosts if h.name == server['OS-EXT-SRV-ATTR:host']][0]
    deadline = time.time() + 150
    while MARKERS_DONE not in _console(a, ident):
        assert time.time() < deadline, _console(a, ident)[-2000:]
        time.sleep(0.5)
    assert 'NOVALITE MARKER WRITTEN vda: %s' % WORD in _console(a, ident)
    assert moved_server(live, ident)[1] == {a.name: TINY}
    return ident, a


def test_the_migration_key_only_moves_servers(cloud):
    """The hosts' migration key is forced through scripts/novalite-migration-gate: a shell command, or a move's
    command aimed outside the instances path, is refused (126) and runs nothing; the moves below go through it."""
    hosts, _live = cloud
    host = hosts[0]
    login = ['ssh', '-i', hosts.access.migration_key, '-o', 'IdentitiesOnly=yes'] + hosts.access.options() + [
        'root@%s' % host.address]
    for command in ('id', 'touch /tmp/novalite-gate-breach', 'rm -rf -- %s/../x.part' % host.instances_path,
                    'rsync --server --sender -logDtprSe.iLsfxCIvu . /etc/'):
        proc = subprocess.run(login + [command], capture_output=True, text=True, check=False, timeout=30)
        assert proc.returncode == 126 and 'novalite-migration-gate: refused' in proc.stderr, (command, proc)
    assert not os.path.exists('/tmp/novalite-gate-breach')
    # the controller's own key is not restricted (ansible runs the modules with it)
    assert host.ssh(['id', '-u']).stdout.strip() == '0'


def test_resize_confirm_then_cold_migrate_revert_over_ssh(cloud, guest):
    hosts, live = cloud
    ident, a = guest

    # resize: the scheduler picks B (not A: allow_resize_to_same_host is off), the disk rsynced over ssh from A
    # to B, grown there; both hosts held, the third untouched
    b = _moved(live, hosts, ident, ('server', 'resize', '--flavor', 'm1.tiny2', ident), a,
               ('resize', 'm1.tiny2'), {'source': TINY, 'dest': BIGGER})
    # confirm: A's kept directory and old domain go, its allocation is freed
    _ended(live, hosts, ident, ('server', 'resize', 'confirm', ident), b, a, 'confirmed', {b.name: BIGGER})
    # a cold migration (admin) through playbooks/server_action.yml to the host named (Nova's 2.56): the one the
    # server has not been on, reverted: the server on B as it was, that host cleaned
    c = [h for h in hosts if h is not a and h is not b][0]

    def by_playbook():
        run = live.playbook('server_action.yml', server=ident, action='migrate', host=c.name, is_admin=True)
        assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    _moved(live, hosts, ident, by_playbook, b, ('migration', 'm1.tiny2'), {'source': BIGGER, 'dest': BIGGER}, dest=c)
    _ended(live, hosts, ident, ('server', 'resize', 'revert', ident), b, c, 'reverted', {b.name: BIGGER})
    assert _boot_markers(b, ident) == {'vda': [WORD]}


def _live_migrated(live, hosts, ident, migrate, source, dest=None):
    """A live migration (``migrate()``, until it ends) of the running guest from ``source`` to ``dest`` (None:
    the scheduler's choice, never ``source``). Returns the destination."""
    wait_tick(lambda: _console(source, ident), where='on %s' % source.name)
    before = ticks(_console(source, ident))[-1]   # its uptime right before
    others = [h for h in hosts if h is not source]
    logins = dict((h.name, (_migration_logins(hosts, dest=source, source=h), _migration_logins(hosts, h, source)))
                  for h in others)
    started = time.time()
    migrate()
    elapsed = time.time() - started
    inst, alloc = moved_server(live, ident)
    dest = dest or _host(hosts, inst['host'])
    assert dest is not source
    where = (inst['host'], inst['node'], inst['vm_state'], inst['task_state'])
    assert where == (dest.name, dest.name, 'active', None), inst['fault']
    migration = inst['migration']
    assert (migration['migration_type'], migration['status'], migration['source_compute'],
            migration['dest_compute']) == ('live-migration', 'completed', source.name, dest.name)
    assert alloc == {dest.name: BIGGER}                          # the source freed at once, as Nova's
    assert _states(hosts, ident) == _only(hosts, **{dest.name: 'running'})
    assert not os.path.exists(os.path.join(source.instances_path, ident))
    assert os.path.join(dest.instances_path, ident) in inst['domain_xml']
    # its consoles listen on the destination's address now (the source's is not there)
    assert _display(dest, ident).startswith('vnc://%s:' % dest.address)
    # over SSH with the migration key both ways: the destination read the source's domain, the source's
    # libvirtd migrated to the destination's
    assert _migration_logins(hosts, dest=source, source=dest) > logins[dest.name][0]
    assert _migration_logins(hosts, dest, source) > logins[dest.name][1]
    for other in others:
        if other is not dest:   # the uninvolved host: no login either way, nothing written
            assert (_migration_logins(hosts, dest=source, source=other),
                    _migration_logins(hosts, other, source)) == logins[other.name]
            assert not os.path.exists(os.path.join(other.instances_path, ident))
    # the same guest, never restarted: its first tick there goes on from the uptime it had (a new boot would start
    # from 0), with the marker read from the migrated disk, and no boot line
    after = wait_tick(lambda: _console(dest, ident), where='on %s' % dest.name)
    assert after[0] > before[0] and after[1] == [WORD], (before, after)
    assert BOOTED not in _console(dest, ident)
    print('\nlive migration %s -> %s over ssh: %.1fs (guest uptime %.1f -> %.1f)' % (
        source.name, dest.name, elapsed, before[0], after[0]))
    return dest


def test_live_migration_over_ssh_by_cli_and_playbook(cloud, guest):
    hosts, live = cloud
    ident = guest[0]
    b = _host(hosts, moved_server(live, ident)[0]['host'])

    def by_cli():
        live.cli_then_wait('server', 'migrate', '--live-migration', '--block-migration', ident, as_json=False,
                           server=ident, until=['ACTIVE'])

    # the scheduler's choice of the two others, then the last host, named
    here = _live_migrated(live, hosts, ident, by_cli, b)
    last = [h for h in hosts if h is not b and h is not here][0]

    def by_playbook():
        run = live.playbook('server_action.yml', server=ident, action='live_migrate', block_migration='true',
                            host=last.name, is_admin=True)
        assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    _live_migrated(live, hosts, ident, by_playbook, here, last)


def test_live_migration_failing_half_way_leaves_the_guest_on_its_source(cloud, guest):
    """The destination's libvirtd dies (SIGKILL) while the guest's memory streams into its QEMU: the source's
    libvirt gives up, the guest goes on running on the source with its uptime counting, the destination's claim
    is dropped (the flavor held on the source alone), the migration ``error`` with a fault; the destination's
    libvirtd back, its half-made guest is gone."""
    hosts, live = cloud
    ident = guest[0]
    source = _host(hosts, moved_server(live, ident)[0]['host'])
    dest = [h for h in hosts if h is not source][0]
    # 1 MiB/s for this guest's next migration (libvirt keeps the speed on the domain): seconds of streaming,
    # so the destination can fail in the middle of it
    subprocess.run(['virsh', '-c', source.uri, 'migrate-setspeed', ident, '1'], check=True, capture_output=True)
    try:
        wait_tick(lambda: _console(source, ident), where='on %s' % source.name)
        before = ticks(_console(source, ident))[-1]
        live.cli('server', 'migrate', '--live-migration', '--block-migration', '--host', dest.name, ident,
                 as_json=False)
        deadline = time.time() + 120
        while not (moved_server(live, ident)[0]['migration']['status'] == 'running'
                   and libvirt_state(ident, dest.uri) is not None):   # the incoming QEMU is there
            assert time.time() < deadline, moved_server(live, ident)[0]
            time.sleep(0.2)
        time.sleep(1)
        assert moved_server(live, ident)[0]['task_state'] == 'migrating'   # still streaming
        libvirtd = dest.pid('libvirtd')
        os.kill(libvirtd, signal.SIGKILL)
        while process_running(libvirtd):
            time.sleep(0.1)
        _wait(live, ident, 'ACTIVE')
    finally:
        subprocess.run(['virsh', '-c', source.uri, 'migrate-setspeed', ident, '8796093022207'], check=False,
                       capture_output=True)
        if not process_running(dest.pid('libvirtd')):
            dest.start_libvirtd()
    inst, alloc = moved_server(live, ident)
    assert (inst['host'], inst['vm_state'], inst['task_state'], inst['migration']['status']) == (
        source.name, 'active', None, 'error'), inst['fault']
    assert inst['fault'] and inst['fault']['message'], inst
    assert alloc == {source.name: BIGGER}
    # the same guest on the source, never restarted; nothing of it left running on the destination
    after = wait_tick(lambda: _console(source, ident), where='on %s' % source.name, after=before[0])
    assert after[1] == [WORD]
    assert _console(source, ident).count(BOOTED) == 0
    assert _states(hosts, ident) == _only(hosts, **{source.name: 'running'})


def test_delete_frees_every_host(cloud, guest):
    hosts, live = cloud
    ident = guest[0]
    live.cli_then_wait('server', 'delete', ident, as_json=False, server=ident, until=['DELETED'])
    assert _states(hosts, ident) == {h.name: None for h in hosts}
    store = live.store()
    try:
        assert allocation_sums(store) == {}
    finally:
        store.dispose()
