# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute host's own periodic report: nova-compute's service heartbeat + update_available_resource.

One small process per compute host (installed by the ``compute_host`` role, as
a systemd timer or as this module's loop) that, every ``report_interval``
seconds (Nova's report_interval, 10), asks the host's libvirt whether it
answers and writes the heartbeat; every ``resource_interval`` seconds (Nova's
update_resources_interval, 60) it reads the host's capacity and records it with
the host's settings. It calls the same functions as the ``host_facts`` and
``compute_node`` modules (``virt.host_facts.gather``, ``registry.hosts.record``)
and, between resource reports, ``registry.hosts.heartbeat``. A host whose
libvirt does not answer writes no heartbeat, so the scheduler sees it down
after service_down_time, as it would a dead nova-compute.

Unlike the other host-side code it writes the state store itself (like the
periodic ``register_hosts.yml`` run, without an ansible-playbook start every
10 s): its config file names the store, and is readable by root only.

Command line (``python -m ansible_collections.novalite.compute.plugins.module_utils.registry.reporter``,
with the directory holding ``ansible_collections`` on PYTHONPATH)::

    ... --config FILE run                      # the loop, in the foreground (systemd, debugging)
    ... --config FILE --pid-file F start       # the loop in the background; a no-op when one runs
    ... --config FILE --pid-file F stop|restart|status
    ... --config FILE once                     # one full report (the systemd timer's service)

``start`` prints ``started <pid>`` or ``running <pid>`` (the role's changed_when).
Single instance: the running loop holds an exclusive lock on its PID file, so a
second ``start`` (or ``run``) finds it, and a stale PID file (a dead reporter,
its PID reused) is never mistaken for a live one: ``stop`` signals only the
PID that holds the lock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import errno
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.registry import settings as host_settings
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, host_facts

MODULE_NAME = 'ansible_collections.novalite.compute.plugins.module_utils.registry.reporter'
REPORT_INTERVAL = 10      # Nova's [DEFAULT] report_interval
RESOURCE_INTERVAL = 60    # Nova's [DEFAULT] update_resources_interval (its periodic task's default spacing)
LOG = logging.getLogger('novalite.compute_report')


def load_config(path):
    """The role's config file: host, database_url, libvirt_uri, instances_path, virt_type, settings, intervals."""
    with open(path) as handle:
        config = json.load(handle)
    if not config.get('host'):
        raise ValueError('%s: "host" (the inventory host name) is required' % path)
    config.setdefault('database_url', None)
    config.setdefault('libvirt_uri', connection.DEFAULT_URI)
    config.setdefault('instances_path', host_settings.DEFAULTS['instances_path'])
    config.setdefault('virt_type', None)
    config.setdefault('settings', {})
    config['report_interval'] = float(config.get('report_interval') or REPORT_INTERVAL)
    config['resource_interval'] = float(config.get('resource_interval') or RESOURCE_INTERVAL)
    return config


def check_libvirt(libvirt_uri):
    """Raise HypervisorError unless the host's libvirt answers (a read-only connection and one call)."""
    conn = connection.open_connection(libvirt_uri, readonly=True)
    try:
        conn.getLibVersion()
    finally:
        conn.close()


def report_resources(store, config, now=None):
    """The full report: capacity from libvirt, recorded with the host's settings and a heartbeat."""
    facts = host_facts.gather(config['libvirt_uri'], config['instances_path'], config['virt_type'])
    _changed, node = hosts.record(store, config['host'], facts, host_settings.parse(config['settings']), now=now)
    return node


def report_heartbeat(store, config, now=None):
    """The heartbeat alone, once libvirt answered; a host never recorded gets the full report instead."""
    check_libvirt(config['libvirt_uri'])
    try:
        return hosts.heartbeat(store, config['host'], now=now)
    except NotFound:
        return report_resources(store, config, now=now)


class Reporter(object):
    """The loop: a heartbeat every report_interval, the resources every resource_interval."""

    def __init__(self, config, store=None):
        self.config = config
        self._store = store
        self._last_resources = None     # monotonic time of the last full report
        self._failing = None            # the last error text, so a failure is logged once, not every tick

    def store(self):
        if self._store is None:
            from ansible_collections.novalite.compute.plugins.module_utils.store import engine
            self._store = engine.Store(self.config['database_url'])
        return self._store

    def tick(self):
        """One report; returns 'resources', 'heartbeat' or None (nothing written: the host is not well)."""
        due = (self._last_resources is None
               or time.monotonic() - self._last_resources >= self.config['resource_interval'])
        try:
            if due:
                report_resources(self.store(), self.config)
                self._last_resources = time.monotonic()
                kind = 'resources'
            else:
                report_heartbeat(self.store(), self.config)
                kind = 'heartbeat'
        except Exception as exc:  # pylint: disable=broad-except
            # The loop outlives a libvirt restart or a database outage; the scheduler counts the host down meanwhile.
            text = '%s: %s' % (exc.__class__.__name__, exc)
            if text != self._failing:
                LOG.error('no report for %s (the scheduler will count it down): %s', self.config['host'], text)
            self._failing = text
            return None
        if self._failing is not None:
            LOG.info('%s reports again (%s)', self.config['host'], kind)
        self._failing = None
        return kind

    def run(self, stop):
        while not stop.is_set():
            self.tick()
            stop.wait(self.config['report_interval'])


# ---- the PID file: one reporter per file --------------------------------------------------------

def _lock(pid_file):
    """Open and exclusively lock the PID file; returns the open file, or None when another process holds it."""
    directory = os.path.dirname(pid_file)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    handle = open(pid_file, 'a+')
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (IOError, OSError) as exc:
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    return handle


def running_pid(pid_file):
    """The PID of the reporter holding ``pid_file``'s lock, or None (no file, or nobody holds it)."""
    if not os.path.exists(pid_file):
        return None
    handle = _lock(pid_file)
    if handle is not None:
        handle.close()  # we got the lock: nobody runs
        return None
    for _attempt in range(50):
        # the holder writes its PID right after taking the lock
        try:
            with open(pid_file) as f:
                text = f.read().strip()
        except (IOError, OSError):
            text = ''
        if text.isdigit():
            return int(text)
        time.sleep(0.02)
    return None


def _say(text):
    """One line for the caller of the command line (the role's task reads it)."""
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


def run_foreground(config, pid_file=None, stop=None):
    """The loop in this process (until SIGTERM/SIGINT); returns an exit status."""
    stop = stop or threading.Event()
    held = None
    if pid_file:
        held = _lock(pid_file)
        if held is None:
            _say('running %s' % running_pid(pid_file))
            return 0
        held.seek(0)
        held.truncate()
        held.write('%d\n' % os.getpid())
        held.flush()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop.set())
    LOG.info('reporting %s to the state store: heartbeat every %ss, resources every %ss (pid %d)',
             config['host'], config['report_interval'], config['resource_interval'], os.getpid())
    try:
        Reporter(config).run(stop)
    finally:
        if held is not None:
            os.unlink(pid_file)
            held.close()
        LOG.info('stopped (pid %d)', os.getpid())
    return 0


def start(config_path, pid_file, log_file):
    """Start the loop in the background unless one holds the PID file; returns (started, pid)."""
    pid = running_pid(pid_file)
    if pid is not None:
        return False, pid
    if log_file:
        directory = os.path.dirname(log_file)
        if directory and not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
    log = open(log_file or os.devnull, 'ab')
    try:
        # Its own session: the Ansible task (or shell) that starts it may end, the reporter stays.
        child = subprocess.Popen([sys.executable, '-m', MODULE_NAME, '--config', config_path, '--pid-file', pid_file,
                                  'run'], stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True,
                                 start_new_session=True, cwd='/')
    finally:
        log.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid = running_pid(pid_file)
        if pid is not None:
            return pid == child.pid, pid
        if child.poll() is not None:
            raise RuntimeError('the reporter exited at once (status %s); see %s' % (child.returncode, log_file))
        time.sleep(0.05)
    raise RuntimeError('the reporter (pid %d) did not take %s within 15 s' % (child.pid, pid_file))


def _exited(pid):
    """True once ``pid`` is gone or a zombie (its parent, often init, has not reaped it yet)."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            # the state follows the command name in parentheses: "1234 (python) Z ..."
            return f.read().rsplit(')', 1)[1].split()[0] == 'Z'
    except (IOError, OSError, IndexError):
        return True


def stop(pid_file, timeout=15):
    """SIGTERM the reporter holding ``pid_file`` and wait for it; returns its PID or None if none ran."""
    pid = running_pid(pid_file)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # the lock goes first, the process a moment later: "stopped" means both
        if running_pid(pid_file) is None and _exited(pid):
            return pid
        time.sleep(0.05)
    # still holding the lock: the very PID that holds it, never anything found by name
    os.kill(pid, signal.SIGKILL)
    return pid


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m ' + MODULE_NAME, description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--config', required=True, help='the JSON config the compute_host role writes')
    parser.add_argument('--pid-file', help='PID file (and single-instance lock) of the background loop')
    parser.add_argument('--log-file', help='where start sends the loop\'s log')
    parser.add_argument('command', choices=['run', 'start', 'stop', 'restart', 'status', 'once'])
    args = parser.parse_args(argv)
    # the reporter's own lines only (alembic's INFO at every start would drown them)
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(name)s[%(process)d] %(levelname)s %(message)s')
    LOG.setLevel(logging.INFO)
    if args.command in ('start', 'stop', 'restart', 'status') and not args.pid_file:
        parser.error('%s needs --pid-file' % args.command)

    if args.command == 'status':
        pid = running_pid(args.pid_file)
        _say('running %d' % pid if pid else 'stopped')
        return 0 if pid else 3
    if args.command in ('stop', 'restart'):
        pid = stop(args.pid_file)
        if args.command == 'stop':
            _say('stopped %d' % pid if pid else 'stopped')
            return 0
    config = load_config(args.config)
    if args.command == 'once':
        node = report_resources(Reporter(config).store(), config)
        _say(json.dumps({'host': node['host'], 'state': node['state'], 'last_seen_up': node['last_seen_up']}))
        return 0
    if args.command == 'run':
        return run_foreground(config, args.pid_file)
    started, pid = start(args.config, args.pid_file, args.log_file)
    _say('%s %d' % ('started' if started else 'running', pid))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
