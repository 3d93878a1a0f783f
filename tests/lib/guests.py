# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The test image and small helpers for booting it on real libvirt.

    from lib.guests import built_test_image, scratch_dir, wait_for_line, BOOTED

``built_test_image()`` returns the built image (building it once if needed);
``scratch_dir()`` makes a per-test directory QEMU (user libvirt-qemu) can reach;
``wait_for_line(console_log, BOOTED)`` waits for a known console line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE_LINK = os.path.join(REPO, '.cache', 'test-image')
BUILD_SCRIPT = os.path.join(REPO, 'scripts', 'build-test-image.sh')
# /tmp may be private or not traversable for libvirt-qemu; this one is.
SCRATCH_BASE = '/var/lib/novalite/test-tmp'

BOOTED = 'NOVALITE TEST IMAGE BOOTED'
CONFIG_DRIVE = 'NOVALITE CONFIG DRIVE uuid='
USER_DATA = 'NOVALITE USER DATA '
NO_CONFIG_DRIVE = 'NOVALITE NO CONFIG DRIVE'
SHUTTING_DOWN = 'NOVALITE TEST IMAGE SHUTTING DOWN'
# Disk markers: user data lines "NOVALITE-MARKER <word>" make the guest write <word> to its root
# disk; every boot first prints what each disk holds ("NOVALITE MARKERS vda: w1 w2", "none" or
# "unreadable"), then what it wrote, then MARKERS_DONE.
MARKERS = 'NOVALITE MARKERS '
MARKER_WRITTEN = 'NOVALITE MARKER WRITTEN '
MARKERS_DONE = 'NOVALITE MARKERS DONE'


def marker_user_data(*words):
    """User data that makes the test image write ``words`` to its root disk."""
    return ''.join('NOVALITE-MARKER %s\n' % word for word in words)


# a ticking guest's console line (tick_user_data): its uptime, then the words its root disk holds
TICK = re.compile(r'NOVALITE TICK (\d+\.\d+) (.*?)\s*$', re.M)
_TICKS = '''#!/bin/sh
NOVALITE-MARKER %s
mkdir -p /mnt/tick
while true; do
    sync
    echo 3 > /proc/sys/vm/drop_caches
    if mount -o ro /dev/vda /mnt/tick 2>/dev/null; then
        m=$(cat /mnt/tick/NOVALITE.MRK 2>/dev/null | tr '\\n' ' ')
        umount /mnt/tick
    else
        m=unreadable
    fi
    echo "NOVALITE TICK $(cut -d' ' -f1 /proc/uptime) $m"
    sleep 1
done
'''


def tick_user_data(word):
    """User data that writes the marker ``word`` to the root disk at boot, then prints a tick every second with
    the guest's uptime and what its root disk holds (read from the disk each time, caches dropped): a live
    migration's proof that the guest kept running (the uptime goes on, no boot line) with its disk."""
    return _TICKS % word


def ticks(console_text):
    """[(uptime, [words on the root disk])] of a ticking guest's console, in order."""
    return [(float(up), words.split()) for up, words in TICK.findall(console_text)]


def wait_tick(read_console, after=0.0, timeout=120, where=''):
    """The first tick with an uptime above ``after`` in the console ``read_console()`` returns: (uptime, words)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        later = [t for t in ticks(read_console()) if t[0] > after]
        if later:
            return later[0]
        time.sleep(0.5)
    raise AssertionError('no tick after %s %s:\n%s' % (after, where, read_console()[-2000:]))


def markers_seen(console_text):
    """{disk: [words]} from the MARKERS lines of one boot's console (None for an unreadable disk)."""
    out = {}
    for line in console_text.splitlines():
        line = line.strip('\r')
        if line.startswith(MARKERS) and line != MARKERS_DONE:
            disk, _sep, words = line[len(MARKERS):].partition(': ')
            out[disk] = None if words == 'unreadable' else ([] if words == 'none' else words.split())
    return out


class GuestImage(object):
    """Paths of the built test image (read-only: use disk as a qcow2 backing file)."""

    def __init__(self, directory):
        self.directory = os.path.realpath(directory)
        self.disk = os.path.join(self.directory, 'disk.qcow2')
        self.kernel = os.path.join(self.directory, 'vmlinuz')
        self.ramdisk = os.path.join(self.directory, 'initrd.img')
        with open(os.path.join(self.directory, 'manifest.json')) as handle:
            self.manifest = json.load(handle)


def built_test_image(build=True):
    """The test image; runs scripts/build-test-image.sh when it is missing (a no-op when built)."""
    if build and not os.path.exists(os.path.join(IMAGE_LINK, 'manifest.json')):
        subprocess.run([BUILD_SCRIPT], check=True, stdout=subprocess.DEVNULL)
    return GuestImage(IMAGE_LINK)


@contextlib.contextmanager
def scratch_dir(prefix='nltest-'):
    """A fresh directory under /var/lib/novalite/test-tmp, removed afterwards."""
    os.makedirs(SCRATCH_BASE, exist_ok=True)
    os.chmod(SCRATCH_BASE, 0o1777)
    os.chmod(os.path.dirname(SCRATCH_BASE), 0o755)
    path = tempfile.mkdtemp(prefix=prefix, dir=SCRATCH_BASE)
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def overlay(backing, path):
    """A qcow2 overlay on ``backing`` so the shared image itself is never written."""
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', backing, '-F', 'qcow2', path], check=True)
    return path


def read_console(console_log):
    try:
        with open(console_log, 'rb') as handle:
            return handle.read().decode('utf-8', 'replace')
    except (IOError, OSError):
        return ''


def wait_for_line(console_log, prefix, timeout=120.0, interval=0.2):
    """Wait until a console line starts with ``prefix``; return that line.

    Raises AssertionError with the console tail when it does not appear in time.
    """
    deadline = time.monotonic() + timeout
    while True:
        for line in read_console(console_log).splitlines():
            line = line.strip('\r')
            if line.startswith(prefix):
                return line
        if time.monotonic() >= deadline:
            tail = '\n'.join(read_console(console_log).splitlines()[-20:])
            raise AssertionError('%r not seen in %s within %ss; console tail:\n%s'
                                 % (prefix, console_log, timeout, tail))
        time.sleep(interval)


@contextlib.contextmanager
def _config_drive_tree(meta_data, user_data):
    """A temporary directory holding Nova's openstack/latest layout."""
    tree = tempfile.mkdtemp(prefix='cfgdrive-')
    try:
        latest = os.path.join(tree, 'openstack', 'latest')
        os.makedirs(latest)
        with open(os.path.join(latest, 'meta_data.json'), 'w') as handle:
            json.dump(meta_data, handle)
        if user_data is not None:
            with open(os.path.join(latest, 'user_data'), 'w') as handle:
                handle.write(user_data)
        yield tree
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def make_config_drive(path, meta_data, user_data=None, volume_id='config-2'):
    """An ISO 9660 config drive with Nova's openstack/latest layout (genisoimage)."""
    with _config_drive_tree(meta_data, user_data) as tree:
        subprocess.run(['genisoimage', '-quiet', '-o', path, '-V', volume_id, '-r', '-J', tree], check=True)
    return path


def make_vfat_config_drive(path, meta_data, user_data=None, label='config-2'):
    """A VFAT config drive (Nova's config_drive_format=vfat): 64 MiB, mkfs.vfat + mcopy."""
    with _config_drive_tree(meta_data, user_data) as tree:
        subprocess.run(['mkfs.vfat', '-n', label, '-C', path, str(64 * 1024)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['mcopy', '-s', '-i', path, os.path.join(tree, 'openstack'), '::/'], check=True)
    return path


def config_drive_file(drive, name):
    """The bytes of ``name`` (e.g. /openstack/latest/meta_data.json) in an ISO 9660 config drive."""
    return subprocess.run(['isoinfo', '-i', drive, '-R', '-x', name], capture_output=True, check=True).stdout


def domain_xml_of(uuid, uri='qemu:///system'):
    """libvirt's own XML of a domain (by UUID)."""
    return subprocess.run(['virsh', '-c', uri, 'dumpxml', uuid], capture_output=True, text=True, check=True).stdout


def domain_disks(uuid, uri='qemu:///system'):
    """[(target, source file name)] of a domain's disks as libvirt has them (cdroms aside)."""
    from lxml import etree
    doc = etree.fromstring(domain_xml_of(uuid, uri).encode('utf-8'))
    return [(d.find('target').get('dev'), os.path.basename(d.find('source').get('file')))
            for d in doc.findall("devices/disk[@device='disk']")]


def qemu_log_tail(domain_name, lines=15):
    """The end of libvirt's QEMU log for a domain (for failure messages)."""
    path = '/var/log/libvirt/qemu/%s.log' % domain_name
    try:
        with open(path, 'rb') as handle:
            return '\n'.join(handle.read().decode('utf-8', 'replace').splitlines()[-lines:])
    except (IOError, OSError):
        return '(no %s)' % path


def wait_for_boot(dom, console_log, prefix=BOOTED, timeout=120.0):
    """wait_for_line, and on timeout say what state the domain is in and what QEMU logged."""
    try:
        return wait_for_line(console_log, prefix, timeout)
    except AssertionError as exc:
        try:
            state = dom.state()
            cpu_ns = dom.info()[4]
        except Exception as info_exc:  # pylint: disable=broad-except
            state, cpu_ns = 'unknown (%s)' % info_exc, None
        raise AssertionError('%s\ndomain %s state=%s cpu_time_ns=%s\nQEMU log:\n%s'
                             % (exc, dom.name(), state, cpu_ns, qemu_log_tail(dom.name())))


def destroy_domains(uuids, uri='qemu:///system'):
    """Stop and undefine the domains with these UUIDs (a test's own), whatever their state."""
    import libvirt
    from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import open_connection
    # novalite's own opener: a domain that is already gone is expected, not printed to stderr
    conn = open_connection(uri)
    try:
        for ident in uuids:
            try:
                dom = conn.lookupByUUIDString(ident)
            except libvirt.libvirtError:
                continue
            persistent = dom.isPersistent()   # a transient domain is gone once destroyed
            if dom.isActive():
                dom.destroy()
            if persistent:
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                                  | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    finally:
        conn.close()


def overlay_backing(domain_xml):
    """The backing file of a domain's root disk overlay (read while the overlay exists)."""
    from lxml import etree
    disk = etree.fromstring(domain_xml.encode()).find("devices/disk[@device='disk']/source").get('file')
    info = subprocess.run(['qemu-img', 'info', '-U', '--output=json', disk], capture_output=True, text=True,
                          check=True)
    return json.loads(info.stdout)['backing-filename']


def start_floor_copy(domain_xml, workdir, backing=None):
    """The benchmarks' floor: a copy of a domain novalite defined, started by hand.

    ``qemu-img create`` of a new overlay on the same base + ``virsh create`` of
    the same XML (new UUID, name, disk and console log) as a transient domain.
    Returns (uuid, console log path, seconds from overlay to virsh returning);
    destroy_domains([uuid]) is its whole cleanup.
    """
    import uuid as uuidlib
    from lxml import etree
    xml = etree.fromstring(domain_xml.encode())
    new_uuid = str(uuidlib.uuid4())
    work = os.path.join(workdir, 'floor-%s' % new_uuid[:8])
    os.makedirs(work)
    disk_el = xml.find("devices/disk[@device='disk']/source")
    backing = backing or overlay_backing(domain_xml)
    xml.find('uuid').text = new_uuid
    xml.find('name').text = 'floor-%s' % new_uuid[:8]
    disk_path = os.path.join(work, 'disk')
    disk_el.set('file', disk_path)
    log = os.path.join(work, 'console.log')
    for el in xml.iter('log'):
        el.set('file', log)
    for entry in xml.iter('entry'):
        if entry.get('name') in ('serial', 'uuid'):
            entry.text = new_uuid
    from lib.api_service import free_port
    for source in xml.xpath("devices/serial[@type='tcp']/source"):
        source.set('service', str(free_port()))   # the original's port is still taken
    xml_path = os.path.join(work, 'domain.xml')
    with open(xml_path, 'wb') as handle:
        handle.write(etree.tostring(xml))
    start = time.time()
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', backing, '-F', 'raw', disk_path], check=True)
    made = subprocess.run(['virsh', '-q', '-c', 'qemu:///system', 'create', xml_path], capture_output=True, text=True,
                          check=False)
    if made.returncode != 0:
        raise RuntimeError('virsh create %s: %s' % (xml_path, made.stderr.strip()))
    return new_uuid, log, time.time() - start
