# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""tests/lib/test_hosts.py really gives separate libvirt hosts and cleans them up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

import pytest

from lib.test_hosts import libvirt_hosts, process_running

libvirt = pytest.importorskip('libvirt')
etree = pytest.importorskip('lxml.etree')

pytestmark = pytest.mark.libvirt


def host_uuid(conn):
    return etree.fromstring(conn.getCapabilities().encode('utf-8')).findtext('host/uuid')


def test_two_hosts_are_distinct_and_gone_after_exit():
    main = libvirt.open('qemu:///system')
    try:
        main_uuid = host_uuid(main)
        main_domains = {d.name() for d in main.listAllDomains(0)}
    finally:
        main.close()

    with libvirt_hosts(2) as hosts:
        assert len(hosts) == 2
        seen_uuids = set()
        for host in hosts:
            conn = libvirt.open(host.uri)
            try:
                assert conn.getHostname() == host.name
                assert conn.getURI() == host.uri
                seen_uuids.add(host_uuid(conn))
                assert host_uuid(conn) == host.host_uuid
                # its own libvirt: none of the main host's domains
                assert not ({d.name() for d in conn.listAllDomains(0)} & main_domains)
            finally:
                conn.close()
        assert len(seen_uuids) == 2
        assert main_uuid not in seen_uuids
        pids = [(host.pid('libvirtd'), host.pid('virtlogd')) for host in hosts]
        roots = [host.root for host in hosts]
        for libvirtd_pid, virtlogd_pid in pids:
            assert process_running(libvirtd_pid)
            assert process_running(virtlogd_pid)

    for libvirtd_pid, virtlogd_pid in pids:
        assert not process_running(libvirtd_pid)
        assert not process_running(virtlogd_pid)
    for root in roots:
        assert not os.path.exists(root)
    for host in hosts:
        with pytest.raises(libvirt.libvirtError):
            libvirt.open(host.uri)
    # the main host was not disturbed
    main = libvirt.open('qemu:///system')
    try:
        assert host_uuid(main) == main_uuid
    finally:
        main.close()


def test_guest_on_a_test_host_boots_and_is_gone_after_exit():
    from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import detect_virt_type
    from lib.guests import BOOTED, built_test_image, overlay, wait_for_boot

    image = built_test_image()
    with libvirt_hosts(1) as hosts:
        host = hosts[0]
        disk = overlay(image.disk, os.path.join(host.instances_path, 'disk.qcow2'))
        console_log = os.path.join(host.instances_path, 'console.log')
        conn = libvirt.open(host.uri)
        try:
            xml = ("<domain type='%s'><name>guest</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                   "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>"
                   "<features><acpi/></features><devices>"
                   "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                   "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
                   "<serial type='file'><source path='%s'/><target port='0'/></serial>"
                   "</devices></domain>" % (detect_virt_type(conn), disk, console_log))
            dom = conn.createXML(xml, 0)
            wait_for_boot(dom, console_log, BOOTED, 120)
            qemu_pid = None
            for entry in os.listdir('/proc'):
                if entry.isdigit():
                    try:
                        with open('/proc/%s/cmdline' % entry, 'rb') as handle:
                            if disk.encode() in handle.read():
                                qemu_pid = int(entry)
                    except (IOError, OSError):
                        pass
            assert qemu_pid and process_running(qemu_pid)
            # the domain lives on the test host only
            assert 'guest' in [d.name() for d in conn.listAllDomains(0)]
        finally:
            conn.close()
    # leaving the context destroyed the guest with its host
    assert not process_running(qemu_pid)


def test_fabric_joins_the_hosts_and_leaves_the_machine_network_alone():
    def own_links():
        return subprocess.run(['ip', '-o', 'link'], stdout=subprocess.PIPE, universal_newlines=True,
                              check=True).stdout.count('\n')

    links_before = own_links()
    with libvirt_hosts(2, fabric=True) as hosts:
        fabric = hosts.fabric
        assert [host.address for host in hosts] == ['10.254.0.11', '10.254.0.12']
        # each host reaches the other and the fabric over its eth0, and has its own hostname
        for host, peer in ((hosts[0], hosts[1]), (hosts[1], hosts[0])):
            assert host.run(['hostname']).stdout.strip() == host.name
            assert host.run(['ping', '-c', '1', '-W', '2', peer.address], check=False).returncode == 0
            assert host.run(['ping', '-c', '1', '-W', '2', fabric.address], check=False).returncode == 0
        # the machine's own namespace got no new links (no traffic is sent from it: it may route off-box)
        assert own_links() == links_before
        holder = fabric.pid
        assert process_running(holder)
    assert not process_running(holder)
    assert own_links() == links_before


_ABANDONING_RUN = r'''
import sys, time
sys.path[:0] = [%(tests)r, %(collections)r]
from lib.test_hosts import libvirt_hosts
with libvirt_hosts(1, fabric=True) as hosts:
    print(hosts[0].root, hosts[0].pid('libvirtd'), hosts[0].pid('virtlogd'), hosts.fabric.pid, flush=True)
    time.sleep(600)
'''


def test_hosts_of_a_killed_run_are_stopped_by_the_next_run():
    """A run killed by an outer timeout never reaches its ``finally``: the next run stops what it left."""
    from lib.test_hosts import sweep_abandoned_hosts
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = _ABANDONING_RUN % {'tests': tests_dir, 'collections': os.path.join(os.path.dirname(tests_dir),
                                                                              'collections')}
    run = subprocess.Popen([os.path.join(os.path.dirname(tests_dir), '.venv', 'bin', 'python'), '-c', code],
                           stdout=subprocess.PIPE, universal_newlines=True)
    try:
        root, libvirtd, virtlogd, fabric = run.stdout.readline().split()
        pids = [int(libvirtd), int(virtlogd), int(fabric)]
    finally:
        run.kill()                                  # SIGKILL, by PID: no cleanup of its own
        run.wait()
    assert all(process_running(pid) for pid in pids)   # left behind
    swept = sweep_abandoned_hosts()
    assert os.path.basename(root) in swept
    assert [pid for pid in pids if process_running(pid)] == []
    assert not os.path.exists(os.path.dirname(root))


def test_a_guest_left_by_a_killed_run_is_stopped_by_the_pid_its_host_recorded(tmp_path):
    """A QEMU outliving its test host's daemons and namespaces is found by the pid file the host's libvirt wrote
    (``<root>/run/qemu/<domain>.pid``) and stopped by that PID: never a later process that reuses the PID (its
    start is after the file was written), never a process of our own mount namespace. Stand-in guests here: a
    process in a mount namespace of its own, as libvirt gives QEMU."""
    from lib.test_hosts import _mount_ns, _record_process, sweep_abandoned_hosts
    from lib.ticking import eventually
    base = tmp_path / 'hosts'
    qemu_dir = base / 'deadrun' / 'nltest-deadrun-1' / 'run' / 'qemu'
    qemu_dir.mkdir(parents=True)
    gone = subprocess.Popen(['true'])
    gone.wait()
    _record_process(str(base / 'deadrun' / 'owner'), gone.pid)   # the run's process: gone
    guest = subprocess.Popen(['unshare', '--mount', 'sleep', '120'])
    stale = subprocess.Popen(['unshare', '--mount', 'sleep', '120'])
    ours = subprocess.Popen(['sleep', '120'])
    try:
        for proc in (guest, stale):   # unshare runs before it execs sleep
            eventually(lambda proc=proc: _mount_ns(proc.pid) != _mount_ns(os.getpid()), 'no mount namespace of its own')
        for name, proc in (('instance-1', guest), ('instance-2', stale), ('instance-3', ours)):
            (qemu_dir / ('%s.pid' % name)).write_text('%d\n' % proc.pid)
        os.utime(str(qemu_dir / 'instance-2.pid'), (1, 1))   # written long before that process started
        assert sweep_abandoned_hosts(str(base)) == ['nltest-deadrun-1']
        assert guest.wait(timeout=10) is not None
        assert process_running(stale.pid) and process_running(ours.pid)
        assert not (base / 'deadrun').exists()
    finally:
        for proc in (guest, stale, ours):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
