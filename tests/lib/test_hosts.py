# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Extra libvirt "compute hosts" on this machine, for scheduler / migration tests.

Each host is a virtlogd + libvirtd pair in its own mount+UTS+net namespace
(``unshare --mount --uts --net --fork``) with private copies of /run/libvirt,
/var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and /etc/libvirt (so it
neither sees the main host's domains nor autostarts its networks), its own
hostname and its own host UUID. From the main namespace it is reached at
``qemu+unix:///system?socket=<run dir>/libvirt-sock``.

    from lib.test_hosts import libvirt_hosts

    with libvirt_hosts(2) as hosts:
        conn = libvirt.open(hosts[0].uri)

On exit every domain and network on those hosts is destroyed, the daemons (and
anything else left in their namespaces) are stopped by PID, and the directories
are removed; the namespaces vanish with their last process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid

try:
    import libvirt
    HAS_LIBVIRT = True
except ImportError:
    libvirt = None
    HAS_LIBVIRT = False

if HAS_LIBVIRT:
    from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import install_error_handler
    # a host still starting refuses connections: retried here, not printed to stderr
    install_error_handler()

# Under /var/lib so QEMU (user libvirt-qemu) can reach disks and migration sockets.
DEFAULT_BASE_DIR = '/var/lib/novalite/test-hosts'
PRIVATE_DIRS = (
    ('run', '/run/libvirt'),
    ('lib', '/var/lib/libvirt'),
    ('cache', '/var/cache/libvirt'),
    ('log', '/var/log/libvirt'),
    ('etc', '/etc/libvirt'),
)

# Runs inside the new namespaces; $1 = host dir, $2 = hostname.
_HOST_SCRIPT = r'''
set -eu
host_dir=$1
mount --make-rprivate /
mount --bind "$host_dir/run" /run/libvirt
mount --bind "$host_dir/lib" /var/lib/libvirt
mount --bind "$host_dir/cache" /var/cache/libvirt
mount --bind "$host_dir/log" /var/log/libvirt
mount --bind "$host_dir/etc" /etc/libvirt
hostname "$2"
ip link set lo up
virtlogd -d -p /run/libvirt/virtlogd.pid
libvirtd -d -p /run/libvirt/libvirtd.pid
'''


class LibvirtHost(object):
    """One extra libvirt host: its name (hostname), URI and directories."""

    def __init__(self, name, root):
        self.name = name
        self.root = root
        self.run_dir = os.path.join(root, 'run')
        self.uri = 'qemu+unix:///system?socket=%s' % os.path.join(self.run_dir, 'libvirt-sock')
        self.host_uuid = str(uuid.uuid4())
        # An instances dir of its own, reachable by libvirt-qemu.
        self.instances_path = os.path.join(root, 'instances')
        self.mount_ns = None

    def pid(self, daemon):
        """PID of 'libvirtd' or 'virtlogd' from its pid file, or None."""
        try:
            with open(os.path.join(self.run_dir, '%s.pid' % daemon)) as handle:
                return int(handle.read().strip())
        except (IOError, OSError, ValueError):
            return None

    def __repr__(self):
        return 'LibvirtHost(%r, %r)' % (self.name, self.uri)


def _prepare_dirs(host):
    for sub, _target in PRIVATE_DIRS:
        if sub != 'etc':
            os.makedirs(os.path.join(host.root, sub))
    os.makedirs(host.instances_path)
    for path in (host.root, host.instances_path):
        os.chmod(path, 0o755)
    # Config from the real /etc/libvirt, minus the main host's persistent domains
    # and networks (they would show up, or autostart, on this host too).
    etc = os.path.join(host.root, 'etc')

    def skip(directory, names):
        rel = os.path.relpath(directory, '/etc/libvirt')
        if rel in ('qemu', os.path.join('qemu', 'networks')):
            return [n for n in names if n.endswith('.xml') or n == 'autostart']
        return []
    shutil.copytree('/etc/libvirt', etc, ignore=skip, symlinks=True)
    with open(os.path.join(etc, 'libvirtd.conf'), 'a') as conf:
        conf.write('\n# novalite test host\nhost_uuid = "%s"\n' % host.host_uuid)


def _mount_ns(pid):
    try:
        return os.readlink('/proc/%d/ns/mnt' % pid)
    except OSError:
        return None


def process_running(pid):
    """True while ``pid`` exists and is not a zombie (PID 1 here may reap late)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # a zombie is as good as gone
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (IOError, OSError, IndexError):
        return False


def _stop_pid(pid, timeout=15.0):
    if not pid or not process_running(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_running(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _pids_in_mount_ns(namespace):
    pids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit() and _mount_ns(int(entry)) == namespace:
            pids.append(int(entry))
    return pids


def _wait_until_answering(host, timeout):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            conn = libvirt.open(host.uri)
        except libvirt.libvirtError as exc:
            last_error = exc
            time.sleep(0.2)
            continue
        conn.close()
        return
    raise RuntimeError('test host %s: libvirtd does not answer on %s after %ss: %s'
                       % (host.name, host.uri, timeout, last_error))


def start_host(name, root, timeout=30.0):
    """Start one host; on failure everything it started is stopped again."""
    host = LibvirtHost(name, root)
    _prepare_dirs(host)
    try:
        result = subprocess.run(
            ['unshare', '--mount', '--uts', '--net', '--fork', 'sh', '-c', _HOST_SCRIPT, 'novalite-test-host',
             host.root, host.name],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            universal_newlines=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise RuntimeError('test host %s failed to start: %s' % (name, result.stdout.strip()))
        _wait_until_answering(host, timeout)
        host.mount_ns = _mount_ns(host.pid('libvirtd'))
    except BaseException:
        stop_host(host)
        raise
    return host


def stop_host(host):
    """Destroy what runs on the host, stop its daemons by PID, remove its dirs."""
    if HAS_LIBVIRT and host.pid('libvirtd') and process_running(host.pid('libvirtd')):
        try:
            conn = libvirt.open(host.uri)
        except libvirt.libvirtError:
            conn = None
        if conn is not None:
            try:
                for dom in conn.listAllDomains(0):
                    try:
                        if dom.isActive():
                            dom.destroy()
                    except libvirt.libvirtError:
                        pass
                for net in conn.listAllNetworks(0):
                    try:
                        if net.isActive():
                            net.destroy()
                    except libvirt.libvirtError:
                        pass
            finally:
                conn.close()
    namespace = host.mount_ns or _mount_ns(host.pid('libvirtd') or 0) or _mount_ns(host.pid('virtlogd') or 0)
    _stop_pid(host.pid('libvirtd'))
    _stop_pid(host.pid('virtlogd'))
    # Anything else the host started (QEMU, dnsmasq) lives in the same namespace.
    if namespace and namespace != _mount_ns(os.getpid()):
        for pid in _pids_in_mount_ns(namespace):
            _stop_pid(pid, timeout=5.0)
    shutil.rmtree(host.root, ignore_errors=True)


@contextlib.contextmanager
def libvirt_hosts(count, prefix='nltest', base_dir=DEFAULT_BASE_DIR, timeout=30.0):
    """Start ``count`` extra libvirt hosts; yield a list of LibvirtHost.

    Names are ``<prefix>-<8 hex>-<n>`` so concurrent test runs never collide.
    """
    if not HAS_LIBVIRT:
        raise RuntimeError('libvirt-python is needed for test hosts')
    if os.geteuid() != 0:
        raise RuntimeError('test hosts need root (unshare --mount --net, libvirtd)')
    run_id = uuid.uuid4().hex[:8]
    os.makedirs(base_dir, exist_ok=True)
    os.chmod(base_dir, 0o755)
    group_dir = os.path.join(base_dir, run_id)
    os.makedirs(group_dir)
    os.chmod(group_dir, 0o755)
    hosts = []
    try:
        for index in range(1, count + 1):
            name = '%s-%s-%d' % (prefix, run_id, index)
            hosts.append(start_host(name, os.path.join(group_dir, name), timeout=timeout))
        yield hosts
    finally:
        for host in hosts:
            stop_host(host)
        shutil.rmtree(group_dir, ignore_errors=True)
