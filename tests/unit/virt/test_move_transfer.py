"""virt/move.py's ``ssh`` transfer (resize / cold migration between SSH-reached hosts): the commands it runs on
the source host, its checks of what comes from the call, and the clean-up of a failed copy. subprocess is faked
here only; tests/integration/test_ssh_moves.py moves real guests between real sshd hosts."""

import shlex
import subprocess

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.compute import resize
from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.virt import move

SRC = '/srv/a/instances/11111111-2222-3333-4444-555555555555_resize'
DEST = '/srv/b/instances/11111111-2222-3333-4444-555555555555'
SSH = {'key': '/etc/novalite/migration_ed25519', 'known_hosts': '/etc/novalite/known_hosts', 'user': 'nova'}


class FakeRun(object):
    """subprocess.run as move.py calls it: records each argv, answers from ``codes`` ({first word: rc})."""

    def __init__(self, **codes):
        self.calls = []
        self.codes = codes

    def __call__(self, argv, **kwargs):
        self.calls.append(list(argv))
        word = argv[0] if argv[0] != 'ssh' else shlex.split(argv[-1])[0]
        return subprocess.CompletedProcess(argv, self.codes.get(word, 0), stdout=b'out of space', stderr=b'')

    def remote(self):
        """The commands run on the destination over ssh, as its shell reads them."""
        return [shlex.split(c[-1]) for c in self.calls if c[0] == 'ssh']


@pytest.fixture
def fake(monkeypatch):
    def make(**codes):
        run = FakeRun(**codes)
        monkeypatch.setattr(move.subprocess, 'run', run)
        return run
    return make


def _ssh_base():
    return ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=10',
            '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4',
            '-o', 'UserKnownHostsFile=/etc/novalite/known_hosts', '-i', '/etc/novalite/migration_ed25519',
            '-o', 'IdentitiesOnly=yes']


def test_ssh_transfer_rsyncs_into_part_then_renames_it_there(fake):
    run = fake(test=1)   # the destination has no copy yet
    assert move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH) is True
    probe, rsync, rename = run.calls
    assert probe == _ssh_base() + ['nova@10.0.0.12', '--', shlex.join(['test', '-f', DEST + '/disk.info'])]
    assert rsync == ['rsync', '-a', '--sparse', '--delete', '-e', shlex.join(_ssh_base()), '--', SRC + '/',
                     'nova@10.0.0.12:%s.part/' % DEST]
    assert rename == _ssh_base() + ['nova@10.0.0.12', '--', shlex.join(['mv', '-T', '--', DEST + '.part', DEST])]
    # rsync splits -e on spaces: every word of the ssh command is one word there too
    assert shlex.split(rsync[5]) == _ssh_base()


def test_a_repeat_copies_nothing(fake):
    run = fake(test=0)   # <dest>/disk.info is there: an earlier call copied and renamed it
    assert move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH) is False
    assert [c[0] for c in run.calls] == ['ssh']


def test_defaults_are_ssh_own_and_ipv6_is_bracketed_for_rsync_only(fake):
    run = fake(test=1)
    move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': 'fd00::12'}, {'key': '', 'known_hosts': None})
    probe, rsync, _rename = run.calls
    # ssh's own identities and known_hosts; the host key still checked
    assert probe[:11] == ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=10',
                          '-o', 'ServerAliveInterval=15', '-o', 'ServerAliveCountMax=4']
    assert probe[11:13] == ['fd00::12', '--'] and '-i' not in probe
    assert rsync[-1] == '[fd00::12]:%s.part/' % DEST


def test_a_failed_copy_removes_the_part_on_the_destination(fake):
    run = fake(test=1, rsync=11)
    with pytest.raises(HypervisorError, match='copying the instance directory to 10.0.0.12 failed: out of space'):
        move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH)
    assert run.remote()[-1] == ['rm', '-rf', '--', DEST + '.part']
    assert ['mv', '-T', '--', DEST + '.part', DEST] not in run.remote()


def test_a_failed_rename_removes_the_part_too(fake):
    run = fake(test=1, mv=1)
    with pytest.raises(HypervisorError, match='renaming the copy into place on 10.0.0.12'):
        move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH)
    assert run.remote()[-1] == ['rm', '-rf', '--', DEST + '.part']


def test_an_unreachable_destination_fails_before_copying(fake):
    run = fake(test=255)   # ssh's own status: no login (unknown host key, refused, no route)
    with pytest.raises(HypervisorError, match='ssh to 10.0.0.12 failed') as err:
        move.transfer(SRC, DEST, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH)
    assert err.value.field == 'move.dest.host_ip'
    assert len(run.calls) == 1


def test_paths_reach_the_remote_shell_as_data(fake):
    run = fake(test=1)
    odd = "/srv/b/it's; rm -rf ~/$(x)/11111111-2222-3333-4444-555555555555"
    move.transfer(SRC, odd, {'transfer': 'ssh', 'host_ip': '10.0.0.12'}, SSH)
    assert run.remote()[0] == ['test', '-f', odd + '/disk.info']
    assert run.remote()[1] == ['mv', '-T', '--', odd + '.part', odd]


@pytest.mark.parametrize('dest, ssh, field', [
    ({'host_ip': None}, SSH, 'move.dest.host_ip'),
    ({'host_ip': 'compute2.example.org'}, SSH, 'move.dest.host_ip'),
    ({'host_ip': '10.0.0.12; true'}, SSH, 'move.dest.host_ip'),
    ({'host_ip': '-oProxyCommand=x'}, SSH, 'move.dest.host_ip'),
    ({'host_ip': '10.0.0.12'}, dict(SSH, key='relative/key'), 'migration_ssh.key'),
    ({'host_ip': '10.0.0.12'}, dict(SSH, known_hosts='/etc/known hosts'), 'migration_ssh.known_hosts'),
    ({'host_ip': '10.0.0.12'}, dict(SSH, user='-oProxyCommand=x'), 'migration_ssh.user'),
    ({'host_ip': '10.0.0.12'}, dict(SSH, port=22), 'migration_ssh'),
])
def test_bad_input_is_refused_and_runs_nothing(fake, dest, ssh, field):
    run = fake()
    with pytest.raises(InvalidInput) as err:
        move.transfer(SRC, DEST, dict(dest, transfer='ssh'), ssh)
    assert err.value.field == field
    assert run.calls == []


def _node(host, uri='qemu:///system', ip=None):
    return {'host': host, 'libvirt_uri': uri, 'host_ip': ip}


@pytest.mark.parametrize('source, dest, want', [
    # hosts reached by SSH: modules run on each, their own qemu:///system, their own addresses
    (_node('c1', ip='10.0.0.11'), _node('c2', ip='10.0.0.12'), 'ssh'),
    (_node('c1', uri=None, ip='10.0.0.11'), _node('c2', ip='10.0.0.12'), 'ssh'),
    # a resize on one host
    (_node('c1', ip='10.0.0.11'), _node('c1', ip='10.0.0.11'), 'local'),
    # the libvirt-URI shape: every module on the controller machine, one filesystem
    (_node('h1', uri='qemu+unix:///system?socket=/a/sock', ip='10.254.0.11'),
     _node('h2', uri='qemu+unix:///system?socket=/b/sock', ip='10.254.0.12'), 'local'),
    # one machine's libvirt under two host names (one address, or none reported)
    (_node('h1', ip='192.0.2.5'), _node('h2', ip='192.0.2.5'), 'local'),
    (_node('h1'), _node('h2'), 'local'),
])
def test_the_controller_picks_ssh_between_ssh_reached_hosts(source, dest, want):
    assert resize.transfer_for(source, dest) == want
