# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A host's network daemons (one dnsmasq per network), started, re-read and stopped for ``host_side``.

A dnsmasq outlives the module that starts it. Where the module runs in the host's own process tree
(over SSH, a playbook run by hand, a host read of the API) it starts dnsmasq itself (``Local``). An API
job's ansible run is a PID namespace of its own (novalite_api/run_groups.py) that is killed whole when the
run ends, so on a host reached with a local connection a dnsmasq started there would die with the job,
and a dnsmasq started from outside could not be signalled from inside (its PID names another process
there). Such a run has a launcher: the worker, outside the namespace, listens on the unix socket named by
``NOVALITE_HOST_LAUNCHER`` for the run alone (novalite_api/host_launcher.py) and starts, signals and stops
dnsmasqs on the run's behalf (``Launcher``): always ``dnsmasq --conf-file=<STATE_DIR>/<network id>/dnsmasq.conf``
in the asking module's mount, UTS and network namespaces, and a signal only to the dnsmasq of that config file.

Both take the config file's path; the dnsmasq of a config is the process its PID file (``pid`` beside it)
names, if that process is a dnsmasq running that config.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import socket
import subprocess
import time

LAUNCHER_ENV = 'NOVALITE_HOST_LAUNCHER'
CONF_NAME = 'dnsmasq.conf'
PID_NAME = 'pid'
STOP_SECONDS = 5
LAUNCHER_TIMEOUT = 60


class DaemonError(Exception):
    pass


def dnsmasq_pid(conf_path, proc='/proc', root=''):
    """The PID (as ``proc`` numbers it) of the dnsmasq running ``conf_path``, from the PID file beside it
    (read under ``root``, a process's /proc/<pid>/root), or None."""
    try:
        with open(root + os.path.join(os.path.dirname(conf_path), PID_NAME)) as handle:
            pid = int(handle.read().strip())
        with open('%s/%d/cmdline' % (proc, pid), 'rb') as handle:
            argv = handle.read().split(b'\0')
    except (IOError, OSError, ValueError):
        return None
    conf = ('--conf-file=%s' % conf_path).encode()
    return pid if argv and os.path.basename(argv[0]) == b'dnsmasq' and conf in argv else None


def dnsmasq_argv(conf_path):
    """The one command line a network's dnsmasq is started with (its config file says everything else)."""
    return ['dnsmasq', '--conf-file=%s' % conf_path]


def stop_pid(pid, seconds=STOP_SECONDS, send=os.kill):
    """SIGTERM, then SIGKILL when it is still there after ``seconds`` (``send(pid, signum)`` signals it);
    returns when it is gone, or at once when it cannot be signalled."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            send(pid, signum)
        except OSError:
            return
        if _gone_within(pid, seconds):
            return


def _gone_within(pid, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return True
        time.sleep(0.05)
    return False


class Local(object):
    """This process starts and signals the dnsmasqs itself (it shares the host's PID namespace)."""

    def running(self, conf_path):
        return dnsmasq_pid(conf_path) is not None

    def start(self, conf_path):
        proc = subprocess.run(dnsmasq_argv(conf_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise DaemonError('dnsmasq --conf-file failed (rc %d): %s'
                              % (proc.returncode, (proc.stderr or proc.stdout).strip()[-500:]))

    def reload(self, conf_path):
        """SIGHUP: dnsmasq reads its dhcp-hostsfile again. False when it does not run."""
        pid = dnsmasq_pid(conf_path)
        if pid is None:
            return False
        try:
            os.kill(pid, signal.SIGHUP)
        except OSError:
            return False
        return True

    def stop(self, conf_path):
        pid = dnsmasq_pid(conf_path)
        if pid is not None:
            stop_pid(pid)


class Launcher(object):
    """The run's launcher (``NOVALITE_HOST_LAUNCHER``) does it: one JSON request per connection."""

    def __init__(self, path):
        self.path = path

    def _ask(self, op, conf_path):
        request = json.dumps({'op': op, 'conf': conf_path}).encode() + b'\n'
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(LAUNCHER_TIMEOUT)
        try:
            sock.connect(self.path)
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (IOError, OSError) as exc:
            raise DaemonError('the run\'s host launcher (%s) cannot be reached: %s' % (self.path, exc))
        finally:
            sock.close()
        try:
            answer = json.loads(b''.join(chunks).decode('utf-8'))
        except ValueError:
            raise DaemonError('the run\'s host launcher gave no answer to %s' % op)
        if not isinstance(answer, dict) or not answer.get('ok'):
            raise DaemonError('the run\'s host launcher refused %s of %s: %s'
                              % (op, conf_path, (answer or {}).get('error') if isinstance(answer, dict) else answer))
        return answer

    def running(self, conf_path):
        return bool(self._ask('status', conf_path).get('running'))

    def start(self, conf_path):
        self._ask('start', conf_path)

    def reload(self, conf_path):
        return bool(self._ask('reload', conf_path).get('running'))

    def stop(self, conf_path):
        self._ask('stop', conf_path)


def for_this_process(environ=None):
    """``Launcher`` inside an API job's run (its environment names the launcher), else ``Local``."""
    path = (environ if environ is not None else os.environ).get(LAUNCHER_ENV)
    return Launcher(path) if path else Local()
