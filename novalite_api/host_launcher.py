# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host daemons a job's ansible run needs beyond its end, started by the worker on the run's behalf.

A job's run is a PID namespace that dies whole when the run ends (run_groups.py): on a compute host reached
with a local connection, the network's dnsmasq (network/host_side.py) would be one of its processes and die
with it, and a process cannot enter an ancestor PID namespace. The worker, outside, can: for each run it
listens on a unix socket of its own (``NOVALITE_HOST_LAUNCHER`` in the run's environment, a fresh private
directory: a socket path holds about 100 bytes) and answers requests one JSON line each (network/daemons.py):

* ``status`` / ``reload`` (SIGHUP) / ``stop`` (SIGTERM, SIGKILL after 5 s) of the dnsmasq of a config file;
* ``start``: ``nsenter -t <asker> -m -u -n -- dnsmasq --conf-file=<config>`` - a fixed command line, in the
  asking module's mount, UTS and network namespaces (the compute host's), in the worker's PID namespace.

Only a process of this run's PID namespace may ask (its peer credentials, its namespace against that of the
run's init in ``pgroup``). The config is a path, never a command: absolute, normalised, ``<dir>/<network
uuid>/dnsmasq.conf``, and for ``start`` a file the asker sees. The dnsmasq of a config is the process its
PID file names if it runs that config in the asker's network namespace; only such a process is signalled
(through a pidfd). The launcher ends with the run (``close``): a dead worker's run is ended as before, and
what it started is the host's, as an SSH-started dnsmasq is (a converge that drops the network stops it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading

from novalite_api import run_groups

from ansible_collections.novalite.compute.plugins.module_utils.network import daemons

LOG = logging.getLogger(__name__)

SOCKET_NAME = 's'
START_TIMEOUT = 30
MAX_REQUEST = 8192
_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
_PATH_ENV = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL': 'C'}


class Refused(Exception):
    pass


def check_conf(value):
    """The config path of a request, or Refused: absolute, normalised, ``.../<network uuid>/dnsmasq.conf``."""
    if not isinstance(value, str) or not value.startswith('/') or len(value) > 1024:
        raise Refused('conf must be an absolute path')
    if any(c in value for c in '\0\n\r') or os.path.normpath(value) != value:
        raise Refused('conf must be a normalised path')
    directory, name = os.path.split(value)
    if name != daemons.CONF_NAME or not _UUID.match(os.path.basename(directory)):
        raise Refused('conf must be <state dir>/<network id>/%s' % daemons.CONF_NAME)
    return value


def _ns(pid, kind):
    try:
        return os.stat('/proc/%d/ns/%s' % (pid, kind)).st_ino
    except OSError:
        return None


def _send(pid, signum):
    """Signal ``pid`` through a pidfd (OSError when it is gone)."""
    fd = os.pidfd_open(pid)
    try:
        signal.pidfd_send_signal(fd, signum)
    finally:
        os.close(fd)


def _signal(pid, signum):
    try:
        _send(pid, signum)
        return True
    except OSError:
        return False


class HostLauncher(object):
    """The launcher of one run: ``env()`` for the run's environment, ``close()`` when the run ended."""

    def __init__(self, data_dir):
        self.pgroup = os.path.join(data_dir, run_groups.PGROUP_FILE)
        self.dir = tempfile.mkdtemp(prefix='nlhl-')
        self.path = os.path.join(self.dir, SOCKET_NAME)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o600)
        self.sock.listen(16)
        self.started = []         # PIDs of the dnsmasqs started for this run (a test's cleanup may want them)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, name='nl-launcher', daemon=True)
        self._thread.start()

    def env(self):
        return {daemons.LAUNCHER_ENV: self.path}

    def close(self):
        self._closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self._thread.join(timeout=START_TIMEOUT + 5)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- serving --------------------------------------------------------------------------------

    def _serve(self):
        while not self._closed.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return      # closed
            threading.Thread(target=self._answer, args=(conn,), name='nl-launcher-req', daemon=True).start()

    def _answer(self, conn):
        try:
            conn.settimeout(START_TIMEOUT + 10)
            pid, uid, _gid = struct.unpack('3i', conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                 struct.calcsize('3i')))
            data = b''
            while len(data) <= MAX_REQUEST:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            try:
                answer = self.handle(pid, uid, data)
            except Refused as exc:
                answer = {'ok': False, 'error': str(exc)}
            conn.sendall(json.dumps(answer).encode() + b'\n')
        except Exception:  # pylint: disable=broad-except
            LOG.exception('host launcher request failed')
        finally:
            conn.close()

    def _of_this_run(self, pid):
        """True when ``pid`` is a process of this run's PID namespace (that of its init, in pgroup)."""
        try:
            members = run_groups.run_members(self.pgroup)
        except (IOError, OSError):
            return False
        if len(members) < 2 or not run_groups.alive(*members[1]):
            return False
        mine = _ns(members[1][0], 'pid')
        return mine is not None and _ns(pid, 'pid') == mine

    def handle(self, peer, uid, data):
        """The answer to one request (bytes) of process ``peer`` (its uid ``uid``)."""
        if uid != os.geteuid():
            raise Refused('not this run\'s user')
        if not self._of_this_run(peer):
            raise Refused('not a process of this run')
        if len(data) > MAX_REQUEST:
            raise Refused('request too long')
        try:
            request = json.loads(data.decode('utf-8'))
        except ValueError:
            raise Refused('a request is one JSON object')
        if not isinstance(request, dict):
            raise Refused('a request is one JSON object')
        op = request.get('op')
        if op not in ('status', 'start', 'reload', 'stop'):
            raise Refused('unknown op')
        conf = check_conf(request.get('conf'))
        pid = self.dnsmasq_of(peer, conf)
        if op == 'status':
            return {'ok': True, 'running': pid is not None}
        if op == 'reload':
            return {'ok': True, 'running': pid is not None and _signal(pid, signal.SIGHUP)}
        if op == 'stop':
            if pid is not None:
                daemons.stop_pid(pid, send=_send)
            return {'ok': True, 'running': False}
        if pid is not None:
            return {'ok': True, 'running': True, 'started': False}
        return self._start(peer, conf)

    def dnsmasq_of(self, peer, conf):
        """The PID of the dnsmasq running ``conf`` in ``peer``'s network namespace (PID file read as ``peer``
        sees it), or None."""
        pid = daemons.dnsmasq_pid(conf, root='/proc/%d/root' % peer)
        if pid is None or _ns(pid, 'net') != _ns(peer, 'net') or _ns(pid, 'net') is None:
            return None
        return pid

    def _start(self, peer, conf):
        if not os.path.isfile('/proc/%d/root%s' % (peer, conf)):
            raise Refused('%s does not exist' % conf)
        argv = ['nsenter', '-t', str(peer), '-m', '-u', '-n', '--'] + daemons.dnsmasq_argv(conf)
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_PATH_ENV,
                                  universal_newlines=True, timeout=START_TIMEOUT, check=False, cwd='/')
        except (OSError, subprocess.TimeoutExpired) as exc:
            return {'ok': False, 'error': 'dnsmasq could not be started: %s' % exc}
        if proc.returncode != 0:
            return {'ok': False, 'error': 'dnsmasq --conf-file failed (rc %d): %s'
                    % (proc.returncode, (proc.stderr or proc.stdout).strip()[-500:])}
        pid = self.dnsmasq_of(peer, conf)
        if pid is not None:
            self.started.append(pid)
        LOG.info('host launcher: dnsmasq %s started for %s (pid %s)', conf, self.pgroup, pid)
        return {'ok': True, 'running': pid is not None, 'started': True}
