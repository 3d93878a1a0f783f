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

``libvirt_hosts(n, fabric=True)`` also wires the hosts together, as a rack's
switch would: a network namespace of the test's own (``Fabric``) holds a bridge
with one veth to each host, where it is ``eth0`` with ``host.address``
(10.254.0.11, .12, ...; the fabric itself is 10.254.0.1). Nothing is added to
the machine's own network namespace; the fabric vanishes with its holder
process. ``host.run([...])`` / ``fabric.run([...])`` run a command inside.

``libvirt_hosts(n, ssh=True)`` (implies the fabric) makes them compute hosts as
production reaches them: each runs an ``sshd`` in its namespaces (its own host
keys, config and authorized key in its directory, listening on its fabric
address only, started and stopped by PID), and ``ssh_inventory(hosts, path)``
writes an inventory shaped like inventory/multihost-ssh.example.yml whose
compute hosts are reached over SSH through a ProxyCommand that enters the
fabric's network namespace (``nsenter -t <fabric pid> -n nc %h %p``): nothing
listens or is routed in the machine's own namespace. Over SSH, modules run
inside the host's mount namespace, where ``qemu:///system`` is that host's
libvirtd. ``host.ssh([...])`` runs a command there the same way. The hosts reach
each other directly on the fabric with a migration key every sshd authorizes
(``SshAccess``), as a resize or cold migration's disk copy does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shlex
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


FABRIC_PREFIX = '10.254.0.'
FABRIC_ADDRESS = FABRIC_PREFIX + '1'

SSHD = '/usr/sbin/sshd'
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_PYTHON = os.path.join(REPO, '.venv', 'bin', 'python')
# the migration key's forced command on every SSH test host, as a deployment installs it
MIGRATION_GATE = os.path.join(REPO, 'scripts', 'novalite-migration-gate')

# A host's own sshd: its fabric address only, its own keys; root by key (the test key) alone.
_SSHD_CONFIG = """# novalite test host %(name)s
ListenAddress %(address)s
Port 22
HostKey %(host_key)s
PidFile %(pid_file)s
AuthorizedKeysFile %(authorized_keys)s
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
MaxStartups 50:30:100
MaxSessions 50
Subsystem sftp internal-sftp
"""


def _nsenter(pid, flags, argv, check=True, **kwargs):
    """Run ``argv`` in the namespaces (``flags``: -m -u -n ...) of ``pid``; CompletedProcess, text."""
    return subprocess.run(['nsenter', '-t', str(pid)] + list(flags) + ['--'] + list(argv),
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=check, **kwargs)


class Fabric(object):
    """A network namespace of the test's own with the bridge the hosts hang on."""

    def __init__(self, holder):
        self.holder = holder          # Popen of the process keeping the namespace
        self.pid = holder.pid
        self.address = FABRIC_ADDRESS

    def run(self, argv, **kwargs):
        return _nsenter(self.pid, ['-n'], argv, **kwargs)


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
        self.address = None           # its fabric address, when wired to one
        self.sshd = None              # Popen of its sshd, with ssh=True
        self.access = None            # the SshAccess that reaches it

    @property
    def ns_pid(self):
        """A process inside the host's namespaces (its libvirtd)."""
        return self.pid('libvirtd')

    def run(self, argv, **kwargs):
        """Run ``argv`` on the host: its mount, UTS and network namespaces."""
        return _nsenter(self.ns_pid, ['-m', '-u', '-n'], argv, **kwargs)

    def ssh(self, argv, timeout=30, check=True, **kwargs):
        """Run ``argv`` on the host over SSH, as ansible reaches it; CompletedProcess, text."""
        return subprocess.run(self.access.ssh_argv(self.address) + ['--', shlex.join(argv)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=timeout, check=check, **kwargs)

    def pid(self, daemon):
        """PID of 'libvirtd' or 'virtlogd' from its pid file, or None."""
        try:
            with open(os.path.join(self.run_dir, '%s.pid' % daemon)) as handle:
                return int(handle.read().strip())
        except (IOError, OSError, ValueError):
            return None

    def qemu_pid(self, domain_name):
        """PID of a running guest's QEMU on this host (libvirt's pid file), or None."""
        try:
            with open(os.path.join(self.run_dir, 'qemu', '%s.pid' % domain_name)) as handle:
                return int(handle.read().strip())
        except (IOError, OSError, ValueError):
            return None

    def stop_libvirtd(self, timeout=30.0):
        """Stop the host's libvirtd by PID (its guests' QEMU keep running, as on a host whose management died)."""
        pid = self.pid('libvirtd')
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while process_running(pid):
            if time.monotonic() > deadline:
                raise RuntimeError('libvirtd of %s did not stop' % self.name)
            time.sleep(0.1)

    def start_libvirtd(self, timeout=30.0):
        """libvirtd again in the host's namespaces (entered through its virtlogd, which kept running)."""
        subprocess.run(['nsenter', '-t', str(self.pid('virtlogd')), '-m', '-u', '-n', '--',
                        'libvirtd', '-d', '-p', '/run/libvirt/libvirtd.pid'], check=True, stdin=subprocess.DEVNULL)
        _wait_until_answering(self, timeout)

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
    stop_sshd(host)
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
    # a guest whose QEMU left the host's namespace (libvirt's own per-guest one) while libvirtd was down: by the
    # PID its libvirt recorded (the record goes with the host's dirs)
    for pid in _recorded_guest_processes(host.root):
        _stop_pid(pid, timeout=5.0)
    shutil.rmtree(host.root, ignore_errors=True)


def start_fabric():
    """A new network namespace with bridge ``fabric`` at FABRIC_ADDRESS/24, up."""
    fabric = start_namespace()
    try:
        for argv in (['ip', 'link', 'add', 'fabric', 'type', 'bridge'],
                     ['ip', 'addr', 'add', FABRIC_ADDRESS + '/24', 'dev', 'fabric'],
                     ['ip', 'link', 'set', 'fabric', 'up']):
            fabric.run(argv)
    except BaseException:
        stop_fabric(fabric)
        raise
    return fabric


def external_network(host, interface, address):
    """A namespace of the test's own standing for an external network on ``host``: a veth whose end on the
    host is ``interface`` (the host's novalite_physical_interface_mappings names it) and whose end here has
    ``address`` (CIDR). A Fabric: ``run`` inside, ``stop_fabric`` ends it."""
    outside = start_namespace()
    try:
        outside.run(['ip', 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'nlext%d' % outside.pid])
        outside.run(['ip', 'link', 'set', 'nlext%d' % outside.pid, 'netns', str(host.ns_pid)])
        host.run(['ip', 'link', 'set', 'nlext%d' % outside.pid, 'name', interface])
        outside.run(['ip', 'addr', 'add', address, 'dev', 'uplink'])
        outside.run(['ip', 'link', 'set', 'uplink', 'up'])
    except BaseException:
        stop_fabric(outside)
        raise
    return outside


def start_namespace():
    """A new network namespace (lo up) held by a process of ours: a Fabric without its bridge."""
    holder = subprocess.Popen(['unshare', '--net', '--fork', 'sleep', 'infinity'],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # unshare forks: the sleeper (its child) holds the namespace
    deadline = time.monotonic() + 10
    sleeper = None
    while sleeper is None and time.monotonic() < deadline:
        try:
            with open('/proc/%d/task/%d/children' % (holder.pid, holder.pid)) as handle:
                children = handle.read().split()
        except (IOError, OSError):
            children = []
        if children:
            sleeper = int(children[0])
        else:
            time.sleep(0.02)
    fabric = Fabric(holder)
    if sleeper is None:
        stop_fabric(fabric)
        raise RuntimeError('the namespace did not start')
    fabric.pid = sleeper
    try:
        fabric.run(['ip', 'link', 'set', 'lo', 'up'])
    except BaseException:
        stop_fabric(fabric)
        raise
    return fabric


def attach_to_fabric(fabric, host, index):
    """Give ``host`` an ``eth0`` on the fabric's bridge with address 10.254.0.<10+index>."""
    outer, inner = 'h%d' % index, 'nlfab%d' % index
    fabric.run(['ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner])
    fabric.run(['ip', 'link', 'set', inner, 'netns', str(host.ns_pid)])
    fabric.run(['ip', 'link', 'set', outer, 'master', 'fabric', 'up'])
    host.address = FABRIC_PREFIX + str(10 + index)
    host.run(['ip', 'link', 'set', inner, 'name', 'eth0'])
    host.run(['ip', 'addr', 'add', host.address + '/24', 'dev', 'eth0'])
    host.run(['ip', 'link', 'set', 'eth0', 'up'])


def _net_ns(pid):
    try:
        return os.readlink('/proc/%d/ns/net' % pid)
    except OSError:
        return None


def _stop_net_ns_members(pid, spare):
    """Stop, by PID, the processes in ``pid``'s network namespace (when not ours) other than ``spare``."""
    namespace = _net_ns(pid)
    if namespace and namespace != _net_ns(os.getpid()):
        for entry in os.listdir('/proc'):
            if entry.isdigit() and int(entry) not in spare and _net_ns(int(entry)) == namespace:
                _stop_pid(int(entry), timeout=5.0)


def stop_fabric(fabric):
    """Stop the namespace's holder by PID: the namespace and its links vanish.

    Relays still in its network namespace (an ssh ProxyCommand's nc outliving its ssh) are stopped
    by PID first: they would keep the namespace alive.
    """
    _stop_net_ns_members(fabric.pid, spare=(fabric.pid, fabric.holder.pid))
    if fabric.pid != fabric.holder.pid:
        _stop_pid(fabric.pid, timeout=5.0)
    _stop_pid(fabric.holder.pid, timeout=5.0)
    try:
        fabric.holder.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class SshAccess(object):
    """The controller's way in: a key pair, the hosts' known keys, the ProxyCommand into the fabric.

    Also the hosts' way to each other for moving disks (a deployer's nova-user keys between computes): a
    migration key pair every host's sshd authorizes and a known_hosts file of the hosts' keys by fabric address
    (the hosts' inventory ``novalite_migration_ssh_key`` and ``novalite_migration_known_hosts``).
    """

    def __init__(self, root, fabric):
        self.root = root
        os.makedirs(root, mode=0o700)
        self.private_key = os.path.join(root, 'id_ed25519')
        self.public_key = self.private_key + '.pub'
        self.known_hosts = os.path.join(root, 'known_hosts')
        # ansible's ControlMaster sockets: in the run's dir, so the masters can be found and stopped
        self.control_dir = os.path.join(root, 'cp')
        os.makedirs(self.control_dir, mode=0o700)
        self.migration_key = os.path.join(root, 'migration_ed25519')
        self.migration_known_hosts = os.path.join(root, 'migration_known_hosts')
        for path, comment in ((self.private_key, 'novalite-test-controller'),
                              (self.migration_key, 'novalite-test-migration')):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path],
                           check=True, stdin=subprocess.DEVNULL)
        for path in (self.known_hosts, self.migration_known_hosts):
            open(path, 'a').close()
        # the controller stays in its own namespace: only this relay enters the fabric's
        self.proxy_command = 'nsenter -t %d -n nc %%h %%p' % fabric.pid

    def options(self):
        """ssh -o options every connection to a test host uses (also ansible_ssh_common_args)."""
        return ['-o', 'ProxyCommand=%s' % self.proxy_command, '-o', 'UserKnownHostsFile=%s' % self.known_hosts,
                '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5']

    def ssh_argv(self, address):
        return ['ssh', '-i', self.private_key, '-o', 'IdentitiesOnly=yes'] + self.options() + ['root@%s' % address]

    def stop_control_masters(self):
        """ssh ControlMaster processes (ansible's) on this run's sockets, stopped by PID."""
        needle = ('ControlPath=' + self.control_dir).encode()
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                    cmdline = handle.read()
            except (IOError, OSError):
                continue
            if needle in cmdline and cmdline.startswith(b'ssh'):
                _stop_pid(int(entry), timeout=5.0)


def start_sshd(host, access, timeout=15.0):
    """The host's own sshd in its namespaces, on its fabric address; waits until a login works."""
    ssh_dir = os.path.join(host.root, 'ssh')
    os.makedirs(ssh_dir, mode=0o700)
    host_key = os.path.join(ssh_dir, 'ssh_host_ed25519_key')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', host.name, '-f', host_key],
                   check=True, stdin=subprocess.DEVNULL)
    authorized_keys = os.path.join(ssh_dir, 'authorized_keys')
    with open(authorized_keys, 'w') as out:
        with open(access.public_key) as handle:   # the controller's
            out.write(handle.read())
        # the other hosts': only what a move needs, through the gate (README "Several compute hosts over SSH")
        with open(access.migration_key + '.pub') as handle:
            out.write('command="/usr/bin/python3 %s %s",restrict %s' % (MIGRATION_GATE, host.instances_path,
                                                                        handle.read()))
    config = os.path.join(ssh_dir, 'sshd_config')
    with open(config, 'w') as handle:
        handle.write(_SSHD_CONFIG % {'name': host.name, 'address': host.address, 'host_key': host_key,
                                     'pid_file': os.path.join(ssh_dir, 'sshd.pid'),
                                     'authorized_keys': authorized_keys})
    with open(host_key + '.pub') as handle:
        key_type, key_data = handle.read().split()[:2]
    for known_hosts in (access.known_hosts, access.migration_known_hosts):
        with open(known_hosts, 'a') as handle:
            handle.write('%s %s %s\n' % (host.address, key_type, key_data))
    # sshd's privilege separation directory (/run is the machine's: only /run/libvirt is the host's)
    os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
    host.access = access
    with open(os.path.join(ssh_dir, 'sshd.log'), 'ab') as log:
        # nsenter without -p execs sshd in place: the Popen's PID is sshd's
        host.sshd = subprocess.Popen(['nsenter', '-t', str(host.ns_pid), '-m', '-u', '-n', '--',
                                      SSHD, '-D', '-e', '-f', config],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        result = host.ssh(['hostname'], check=False, timeout=timeout)
        if result.returncode == 0 and result.stdout.strip() == host.name:
            return
        if host.sshd.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError('test host %s: no SSH login (%s)' % (host.name, result.stderr.strip()[-500:]))
        time.sleep(0.2)


def stop_sshd(host):
    """Stop the host's sshd by PID (its sessions go with the host's other processes)."""
    if host.sshd is not None:
        _stop_pid(host.sshd.pid, timeout=5.0)
        try:
            host.sshd.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def ssh_inventory(hosts, path, all_vars=None, host_vars=None, python=VENV_PYTHON):
    """Write an inventory shaped like inventory/multihost-ssh.example.yml for ``hosts`` (ssh=True).

    The controller is localhost (local connection); every host is a compute host reached as root
    over SSH with the test key through the fabric ProxyCommand, with the venv's Python as its
    interpreter (on the shared filesystem; a real host needs python3 with libvirt-python and
    lxml) and its own instances path. ``host_vars``: {host name: extra vars}. Returns ``path``.
    """
    import yaml
    access = hosts[0].access
    compute = {}
    for host in hosts:
        # what lives in a real host's own /etc, /run and /var/log goes to its dir here (one filesystem)
        entry = {'ansible_host': host.address, 'novalite_host_ip': host.address,
                 'novalite_instances_path': host.instances_path,
                 'compute_host_config_file': os.path.join(host.root, 'novalite', 'compute-report.json'),
                 'compute_host_pid_file': os.path.join(host.root, 'novalite', 'compute-report.pid'),
                 'compute_host_log_file': os.path.join(host.root, 'novalite', 'compute-report.log'),
                 'compute_host_collections_path': os.path.join(REPO, 'collections'),
                 # how it reaches the other hosts to move a server's disk (one key all hosts authorize)
                 'novalite_migration_ssh_key': access.migration_key,
                 'novalite_migration_known_hosts': access.migration_known_hosts}
        entry.update((host_vars or {}).get(host.name, {}))
        compute[host.name] = entry
    inventory = {'all': {
        'vars': dict({'ansible_user': 'root'}, **(all_vars or {})),
        'children': {
            'controller': {'hosts': {'localhost': {
                'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}},
            'compute': {
                'vars': {'ansible_connection': 'ssh', 'ansible_python_interpreter': python,
                         'ansible_ssh_private_key_file': access.private_key,
                         'ansible_ssh_common_args': shlex.join(access.options()),
                         'ansible_control_path_dir': access.control_dir,
                         'ansible_ssh_pipelining': True},
                'hosts': compute}}}}
    with open(path, 'w') as handle:
        yaml.safe_dump(inventory, handle, default_flow_style=False)
    return path


def _start_time(pid):
    """The kernel's start time of ``pid`` (with the PID it names one process, never a later one), or None."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[19]
    except (IOError, OSError, IndexError):
        return None


def _record_process(path, pid):
    with open(path, 'w') as handle:
        handle.write('%d %s\n' % (pid, _start_time(pid)))


def _recorded_process(path):
    """The PID recorded in ``path`` while that very process still runs, else None."""
    try:
        with open(path) as handle:
            pid, started = handle.read().split()
        pid = int(pid)
    except (IOError, OSError, ValueError):
        return None
    return pid if process_running(pid) and _start_time(pid) == started else None


def _host_processes(host_root):
    """PIDs of the processes inside a test host's mount namespace (its bind mount of <root>/run names it)."""
    mark = ' %s /run/libvirt ' % os.path.join(host_root, 'run')
    ours = _mount_ns(os.getpid())
    pids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit() and _mount_ns(int(entry)) not in (None, ours):
            try:
                with open('/proc/%s/mountinfo' % entry) as handle:
                    if mark in handle.read():
                        pids.append(int(entry))
            except (IOError, OSError):
                pass
    return pids


def _started_at(pid):
    """When ``pid`` started (seconds since the epoch), or None when there is no such process."""
    ticks = _start_time(pid)
    if ticks is None:
        return None
    with open('/proc/stat') as handle:
        boot = [int(line.split()[1]) for line in handle if line.startswith('btime ')][0]
    return boot + int(ticks) / float(os.sysconf('SC_CLK_TCK'))


def _recorded_guest_processes(host_root):
    """PIDs of the guests' QEMU a test host's libvirt recorded (``<root>/run/qemu/<domain>.pid``, which stays when
    the host's daemons and namespaces are gone while a QEMU lives on), each only while it is still that very
    process: started before its pid file was written (a later process with a reused PID is not) and not in our
    own mount namespace (never one of the machine's own guests)."""
    qemu_dir = os.path.join(host_root, 'run', 'qemu')
    ours = _mount_ns(os.getpid())
    pids = []
    for name in sorted(os.listdir(qemu_dir)) if os.path.isdir(qemu_dir) else []:
        path = os.path.join(qemu_dir, name)
        if not name.endswith('.pid'):
            continue
        try:
            with open(path) as handle:
                pid = int(handle.read().strip())
            written = os.stat(path).st_mtime
        except (IOError, OSError, ValueError):
            continue
        started = _started_at(pid)
        if started is not None and started <= written + 1.0 and _mount_ns(pid) not in (None, ours):
            pids.append(pid)
    return pids


def sweep_abandoned_hosts(base_dir=DEFAULT_BASE_DIR):
    """Stop, by PID, the hosts and fabric of test runs whose process is gone (killed by an outer timeout: its
    ``finally`` never ran, and its guests would keep two cores busy under the next runs); returns their names.
    A host's processes are those in its mount namespace and the QEMU its libvirt recorded (a guest outlives its
    host's namespaces: found by its pid file, never by a name)."""
    swept = []
    for run_id in sorted(os.listdir(base_dir)) if os.path.isdir(base_dir) else []:
        group_dir = os.path.join(base_dir, run_id)
        owner = os.path.join(group_dir, 'owner')
        if not os.path.exists(owner) or _recorded_process(owner) is not None:
            continue      # a run of an older harness (no record), or one still going
        for name in sorted(os.listdir(group_dir)):
            root = os.path.join(group_dir, name)
            if os.path.isdir(os.path.join(root, 'run')):
                for pid in list(dict.fromkeys(_recorded_guest_processes(root) + _host_processes(root))):
                    _stop_pid(pid, timeout=5.0)
                swept.append(name)
        holder = _recorded_process(os.path.join(group_dir, 'fabric'))
        if holder is not None and _net_ns(holder) != _net_ns(os.getpid()):
            _stop_net_ns_members(holder, spare=(holder,))
            _stop_pid(holder, timeout=5.0)
        shutil.rmtree(group_dir, ignore_errors=True)
    return swept


@contextlib.contextmanager
def libvirt_hosts(count, prefix='nltest', base_dir=DEFAULT_BASE_DIR, timeout=30.0, fabric=False, ssh=False):
    """Start ``count`` extra libvirt hosts; yield a list of LibvirtHost.

    Names are ``<prefix>-<8 hex>-<n>`` so concurrent test runs never collide.
    With ``fabric=True`` the hosts are wired together (see the module's doc);
    the Fabric is then ``hosts.fabric``. ``ssh=True`` (implies the fabric)
    starts an sshd on each host; ``hosts.access`` is then the SshAccess.
    """
    if not HAS_LIBVIRT:
        raise RuntimeError('libvirt-python is needed for test hosts')
    if os.geteuid() != 0:
        raise RuntimeError('test hosts need root (unshare --mount --net, libvirtd)')
    run_id = uuid.uuid4().hex[:8]
    os.makedirs(base_dir, exist_ok=True)
    os.chmod(base_dir, 0o755)
    sweep_abandoned_hosts(base_dir)
    group_dir = os.path.join(base_dir, run_id)
    os.makedirs(group_dir)
    os.chmod(group_dir, 0o755)
    _record_process(os.path.join(group_dir, 'owner'), os.getpid())
    hosts = HostList()
    try:
        if fabric or ssh:
            hosts.fabric = start_fabric()
            _record_process(os.path.join(group_dir, 'fabric'), hosts.fabric.pid)
        if ssh:
            if not os.path.exists(SSHD):
                raise RuntimeError('test hosts with ssh=True need %s (openssh-server, bindep.txt)' % SSHD)
            hosts.access = SshAccess(os.path.join(group_dir, 'ssh'), hosts.fabric)
        for index in range(1, count + 1):
            name = '%s-%s-%d' % (prefix, run_id, index)
            hosts.append(start_host(name, os.path.join(group_dir, name), timeout=timeout))
            if hosts.fabric is not None:
                attach_to_fabric(hosts.fabric, hosts[-1], index)
            if ssh:
                start_sshd(hosts[-1], hosts.access, timeout=timeout)
        yield hosts
    finally:
        if hosts.access is not None:
            hosts.access.stop_control_masters()
        for host in hosts:
            stop_host(host)
        if hosts.fabric is not None:
            stop_fabric(hosts.fabric)
        shutil.rmtree(group_dir, ignore_errors=True)


class HostList(list):
    """The started hosts, the Fabric joining them and the SshAccess to them (None without)."""
    fabric = None
    access = None


def inventory_vars(host, python):
    """Inventory vars that run a compute host's modules inside ``host``'s namespaces (mount, UTS, net) with
    ``python``, and realise its networks there on its fabric address (``libvirt_hosts(n, fabric=True)``)."""
    wrapper = os.path.join(host.root, 'python')
    with open(wrapper, 'w') as handle:
        handle.write('#!/bin/sh\nexec nsenter -t %d -m -u -n -- %s "$@"\n' % (host.ns_pid, python))
    os.chmod(wrapper, 0o755)
    return {'ansible_python_interpreter': wrapper,
            'novalite_host_ip': host.address, 'novalite_host_networking': True,
            'novalite_network_state_dir': os.path.join(host.root, 'network')}
