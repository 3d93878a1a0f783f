# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The test image boots on real libvirt + QEMU: from disk, as a kernel/ramdisk
pair, reads a config drive, and powers off cleanly on an ACPI shutdown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time
import uuid

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import (
    detect_virt_type, open_connection)
from lib.guests import (BOOTED, CONFIG_DRIVE, MARKER_WRITTEN, MARKERS_DONE, NO_CONFIG_DRIVE, SHUTTING_DOWN,
                        USER_DATA, built_test_image, make_config_drive, make_vfat_config_drive, marker_user_data,
                        markers_seen, overlay, read_console, scratch_dir, wait_for_boot, wait_for_line)

libvirt = pytest.importorskip('libvirt')

pytestmark = pytest.mark.libvirt

# TCG boots in ~6 s on these machines; leave room for a loaded 2-core box.
BOOT_TIMEOUT = 120.0
SHUTDOWN_TIMEOUT = 60.0


@pytest.fixture(scope='module')
def image():
    return built_test_image()


@pytest.fixture
def conn():
    connection = open_connection('qemu:///system')
    yield connection
    connection.close()


@pytest.fixture
def workdir():
    with scratch_dir('nltest-image-') as path:
        yield path


def domain_xml(name, virt_type, console_log, disk=None, kernel=None, ramdisk=None, cdrom=None,
               config_disk=None, second_disk=None):
    # machine 'pc' (i440fx): the cloud kernel has IDE (ata_piix) but no AHCI for q35's SATA
    if kernel:
        boot = ("<kernel>%s</kernel><initrd>%s</initrd><cmdline>console=ttyS0</cmdline>"
                % (kernel, ramdisk))
    else:
        boot = "<boot dev='hd'/>"
    devices = []
    if disk:
        devices.append("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                       "<source file='%s'/><target dev='vda' bus='virtio'/></disk>" % disk)
    if cdrom:
        devices.append("<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"
                       "<source file='%s'/><target dev='hdc' bus='ide'/><readonly/></disk>" % cdrom)
    if second_disk:
        devices.append("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                       "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>" % second_disk)
    if config_disk:
        devices.append("<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                       "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>" % config_disk)
    devices.append("<serial type='file'><source path='%s'/><target port='0'/></serial>" % console_log)
    devices.append("<console type='file'><source path='%s'/><target type='serial' port='0'/></console>"
                   % console_log)
    return ("<domain type='%s'><name>%s</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64' machine='pc'>hvm</type>%s</os><features><acpi/></features>"
            "<on_poweroff>destroy</on_poweroff><devices>%s</devices></domain>"
            % (virt_type, name, boot, ''.join(devices)))


def boot(conn, xml):
    """createXML a transient domain; return (domain, monotonic time it was started)."""
    started = time.monotonic()
    dom = conn.createXML(xml, 0)
    return dom, started


def destroy_quietly(conn, name):
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return
    try:
        dom.destroy()
    except libvirt.libvirtError:
        pass


def gone(conn, name):
    try:
        conn.lookupByName(name)
    except libvirt.libvirtError as exc:
        return exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    return False


def test_image_files_and_manifest(image):
    for path in (image.disk, image.kernel, image.ramdisk):
        assert os.path.getsize(path) > 0
    assert image.manifest['files']['disk.qcow2']['format'] == 'qcow2'
    assert image.manifest['kernel_package'].startswith('linux-image-')
    # the build must resolve the modules the /init needs (or they are built in)
    assert 'button.ko' in image.manifest['modules']
    assert 'isofs.ko' in image.manifest['modules']
    # small enough to copy around in tests
    assert os.path.getsize(image.disk) < 40 * 1024 * 1024


def test_boot_from_disk_config_drive_and_acpi_shutdown(image, conn, workdir):
    name = 'nltest-image-%s' % uuid.uuid4().hex[:12]
    console_log = os.path.join(workdir, 'console.log')
    disk = overlay(image.disk, os.path.join(workdir, 'disk.qcow2'))
    instance_uuid = str(uuid.uuid4())
    cdrom = make_config_drive(os.path.join(workdir, 'disk.config'),
                              {'uuid': instance_uuid, 'name': name, 'hostname': name},
                              user_data='#!/bin/sh\necho hi\n')
    xml = domain_xml(name, detect_virt_type(conn), console_log, disk=disk, cdrom=cdrom)
    try:
        dom, started = boot(conn, xml)
        wait_for_boot(dom, console_log, BOOTED, BOOT_TIMEOUT)
        boot_seconds = time.monotonic() - started
        assert wait_for_line(console_log, CONFIG_DRIVE, 30) == CONFIG_DRIVE + instance_uuid
        assert wait_for_line(console_log, USER_DATA, 5) == USER_DATA + '#!/bin/sh'
        print('boot-to-line: %.1f s (%s)' % (boot_seconds, detect_virt_type(conn)))

        shutdown_started = time.monotonic()
        dom.shutdown()  # ACPI power button
        deadline = shutdown_started + SHUTDOWN_TIMEOUT
        while not gone(conn, name) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert gone(conn, name), 'guest did not power off within %ss' % SHUTDOWN_TIMEOUT
        print('acpi shutdown: %.1f s' % (time.monotonic() - shutdown_started))
        console = read_console(console_log)
        assert SHUTTING_DOWN in console
        # a clean ACPI power-off, not a panic or a reset
        assert 'reboot: Power down' in console
        assert 'Kernel panic' not in console
    finally:
        destroy_quietly(conn, name)


def test_boot_kernel_ramdisk_pair_without_config_drive(image, conn, workdir):
    name = 'nltest-image-%s' % uuid.uuid4().hex[:12]
    console_log = os.path.join(workdir, 'console.log')
    xml = domain_xml(name, detect_virt_type(conn), console_log,
                     kernel=image.kernel, ramdisk=image.ramdisk)
    try:
        dom, started = boot(conn, xml)
        wait_for_boot(dom, console_log, BOOTED, BOOT_TIMEOUT)
        print('kernel/ramdisk boot-to-line: %.1f s' % (time.monotonic() - started))
        # no disk attached at all: the guest says so instead of hanging
        wait_for_line(console_log, NO_CONFIG_DRIVE, 30)
        assert CONFIG_DRIVE not in read_console(console_log)
    finally:
        destroy_quietly(conn, name)


def test_vfat_config_drive_on_virtio_disk(image, conn, workdir):
    name = 'nltest-image-%s' % uuid.uuid4().hex[:12]
    console_log = os.path.join(workdir, 'console.log')
    disk = overlay(image.disk, os.path.join(workdir, 'disk.qcow2'))
    instance_uuid = str(uuid.uuid4())
    config_disk = make_vfat_config_drive(os.path.join(workdir, 'disk.config'), {'uuid': instance_uuid})
    xml = domain_xml(name, detect_virt_type(conn), console_log, disk=disk, config_disk=config_disk)
    try:
        dom, _started = boot(conn, xml)
        wait_for_boot(dom, console_log, BOOTED, BOOT_TIMEOUT)
        assert wait_for_line(console_log, CONFIG_DRIVE, 30) == CONFIG_DRIVE + instance_uuid
        # no user_data file on this drive: no user-data line
        assert USER_DATA not in read_console(console_log)
    finally:
        destroy_quietly(conn, name)


def test_markers_written_on_request_and_found_on_every_disk(image, conn, workdir):
    """User data makes the guest write a marker to its root disk; later boots print each disk's markers
    (the proofs of snapshot, shelve, rebuild and rescue read them)."""
    virt_type = detect_virt_type(conn)
    name = 'nltest-image-%s' % uuid.uuid4().hex[:12]
    disk = overlay(image.disk, os.path.join(workdir, 'disk.qcow2'))
    cdrom = make_config_drive(os.path.join(workdir, 'disk.config'), {'uuid': str(uuid.uuid4())},
                              user_data=marker_user_data('alpha', 'beta') + 'NOVALITE-MARKER bad;word\n')
    first_log = os.path.join(workdir, 'first.log')
    try:
        dom, _started = boot(conn, domain_xml(name, virt_type, first_log, disk=disk, cdrom=cdrom))
        wait_for_boot(dom, first_log, MARKERS_DONE, BOOT_TIMEOUT)
        console = read_console(first_log)
        # what the disk held before this boot wrote anything: nothing (a fresh overlay of the image)
        assert markers_seen(console) == {'vda': []}
        assert [l.strip() for l in console.splitlines() if l.startswith(MARKER_WRITTEN)] == [
            MARKER_WRITTEN + 'vda: alpha', MARKER_WRITTEN + 'vda: beta']   # the unsafe word is not written
    finally:
        destroy_quietly(conn, name)

    # The same disk as the second disk of a guest booted from a fresh root disk, no config drive.
    second_log = os.path.join(workdir, 'second.log')
    fresh = overlay(image.disk, os.path.join(workdir, 'fresh.qcow2'))
    try:
        dom, _started = boot(conn, domain_xml(name, virt_type, second_log, disk=fresh, second_disk=disk))
        wait_for_boot(dom, second_log, MARKERS_DONE, BOOT_TIMEOUT)
        console = read_console(second_log)
        assert markers_seen(console) == {'vda': [], 'vdb': ['alpha', 'beta']}
        assert MARKER_WRITTEN not in console
    finally:
        destroy_quietly(conn, name)
