# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Which process is which, and ending an ansible run for certain.

Owners of ``api_jobs`` rows are named ``<hostname>:<boot id>:<pid>:<start
time>:<random>`` (start time: field 22 of /proc/<pid>/stat; random: several
owners may share a process), so a worker on the same machine can tell that an
owner is gone without waiting for its lease, and a reused pid is never taken
for the process that had it before.

An ansible run starts as ``sh -c WRAPPER``: ansible-runner's pexpect makes
that shell a session and process-group leader; it writes its pid and start
time into ``<run dir>/pgroup`` (O_EXCL) before anything else, then execs
``unshare --pid --fork --kill-child ansible-playbook ...``. The PID namespace
matters: ansible's own worker processes call setsid(), so the group alone
would not hold them, but every process of the namespace dies with its init
(ansible-playbook), which the group holds. ``end_run`` of a dead worker's run
either finds its processes (kills them, waits until they are gone) or creates
``pgroup`` first, which makes a run that was about to start exit instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time

BOOT_ID = '/proc/sys/kernel/random/boot_id'
PGROUP_FILE = 'pgroup'
FENCED = 'fenced'
# Runs as the group leader: record "<pid> <start>" (fails if a takeover fenced the run), then start the run.
_LEADER = ('set -C; f="$1"; shift; '
           'read -r p c s pp pg se t tp fl a b cc d e g h i pr n th it st x < /proc/self/stat; '
           '{ echo "$p $st" 2>/dev/null > "$f"; } 2>/dev/null || { echo "fenced by a takeover" >&2; exit 125; }; ')
# A cold start: the namespace; its init (the playbook) appends its own line, so a waiter knows when the
# namespace is empty. $f is the pgroup file.
_NAMESPACE = ('exec %s /bin/sh -c '
              '\'read -r p c s pp pg se t tp fl a b cc d e g h i pr n th it st x < /proc/self/stat; '
              'echo "$p $st" >> "$0"; exec "$@"\' "$f" "$@"')
# A warm start (warm_starts.py): the leader hands the run to a spare namespace made ahead, whose init appends
# its line; the client falls back to _NAMESPACE when the spare cannot take the run.
_WARM = 'w="$1"; shift; ' + _LEADER + 'exec %s -I -S %s client "$w" "$f" %s "$@"'


@contextlib.contextmanager
def ssh_master_dir():
    """``with ssh_master_dir() as path``: a ControlPath directory for one wrapped run alone, removed when the block
    ends however it ends. The run gets it as extra var ``ansible_control_path_dir`` (it wins over the inventory's).
    ansible's ssh ControlPersist masters are processes of the run's PID namespace and die with it; in a directory
    other runs or an operator's playbook share, one of them could be using such a master when it dies and fail
    that host as unreachable. Short (a socket path holds about 100 bytes)."""
    path = tempfile.mkdtemp(prefix='nlcp-')
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def boot_id():
    with open(BOOT_ID) as handle:
        return handle.read().strip()


def start_time(pid):
    """Field 22 of /proc/<pid>/stat, or None when there is no such live process (gone or a zombie)."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            fields = handle.read().rsplit(')', 1)[1].split()
    except (IOError, OSError, IndexError):
        return None
    return None if fields[0] in ('Z', 'X') else fields[19]


def alive(pid, start):
    return start is not None and start_time(pid) == str(start)


def owner_id():
    """A new owner in this process: '<hostname>:<boot id>:<pid>:<start time>:<random>'."""
    pid = os.getpid()
    return '%s:%s:%d:%s:%s' % (socket.gethostname(), boot_id(), pid, start_time(pid), os.urandom(4).hex())


def owner_gone(owner):
    """True when ``owner`` was a process of this machine that no longer runs (unknowable elsewhere: False)."""
    try:
        host, boot, pid, start, _random = owner.rsplit(':', 4)
        pid = int(pid)
    except (AttributeError, ValueError):
        return False
    if host != socket.gethostname():
        return False
    return boot != boot_id() or not alive(pid, start)


def running(data_dir):
    """Whether a process of the run in ``data_dir`` still runs (never rotate such a dir away)."""
    try:
        members = run_members(os.path.join(data_dir, PGROUP_FILE))
    except (IOError, OSError):
        return False
    return any(alive(pid, start) for pid, start in members)


def this_machine(run):
    """A run record ({dir, host, boot_id}) whose processes this machine can end."""
    return run.get('host') == socket.gethostname()


def run_record(data_dir):
    return {'dir': data_dir, 'host': socket.gethostname(), 'boot_id': boot_id()}


def namespace_argv():
    """The command that starts a run's PID namespace (a cold start's wrapper and a warm start's spare)."""
    return ['unshare', '--pid', '--fork', '--kill-child'] + (['--user', '--map-current-user'] if os.geteuid() else []) \
        + ['--']


def wrapped(argv, data_dir, spare=None):
    """(binary, cmdline) for ansible_runner.run: ``argv`` started as a recorded group in a PID namespace, made
    ahead when ``spare`` is a warm start's socket (warm_starts.Spares.one)."""
    pgroup = os.path.join(data_dir, PGROUP_FILE)
    cold = _NAMESPACE % ' '.join(namespace_argv())
    if spare is None:
        args = ['-c', _LEADER + cold, 'novalite-run', pgroup]
    else:
        from novalite_api import warm_starts
        script = _WARM % (shlex.quote(sys.executable), shlex.quote(warm_starts.SCRIPT),
                          shlex.quote('f="$1"; shift; ' + cold))
        args = ['-c', script, 'novalite-run', spare, pgroup]
    return '/bin/sh', ' '.join(shlex.quote(a) for a in args + list(argv))


def run_members(path):
    """The [(pid, start time)] a run's pgroup file names: its group leader, then its namespace's init."""
    with open(path) as handle:
        lines = [line.split() for line in handle.read().splitlines()]
    return [(int(line[0]), line[1]) for line in lines if len(line) == 2 and line[0].isdigit()]


def _fence_or_members(path):
    """Create ``path`` as fenced if the run has not started (it will then exit at once); else run_members."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
        # Empty for an instant: the leader created it and is writing its line.
        deadline = time.time() + 5
        while os.path.getsize(path) == 0 and time.time() < deadline:
            time.sleep(0.01)
        return run_members(path)
    with os.fdopen(fd, 'w') as handle:
        handle.write(FENCED + '\n')
    return []


def end_run(run, timeout=60):
    """End a run of a dead worker (a record made by run_record): kill its processes, wait until they are gone.

    Returns 'gone' (nothing of it ran any more), 'not started' (fenced) or 'ended'; raises RuntimeError
    if it outlives ``timeout``.
    """
    if run['boot_id'] != boot_id():
        return 'gone'   # the machine restarted since
    try:
        members = _fence_or_members(os.path.join(run['dir'], PGROUP_FILE))
    except (IOError, OSError):
        return 'gone'   # its dir was rotated away: only dirs of ended runs are
    if not members:
        return 'not started'
    if not any(alive(pid, start) for pid, start in members):
        return 'gone'
    # The group leader and the namespace's init: killing either ends the namespace (--kill-child), both
    # cover a death half done. A pidfd checked against the start time never signals a reused pid.
    for pid, start in members:
        _kill(pid, start)
    deadline = time.time() + timeout
    while any(alive(pid, start) for pid, start in members):
        if time.time() > deadline:
            raise RuntimeError('the run in %s did not end within %ss' % (run['dir'], timeout))
        time.sleep(0.05)
    return 'ended'


def _kill(pid, start):
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return   # gone already
    try:
        if alive(pid, start):
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except ProcessLookupError:
        pass
    finally:
        os.close(fd)
