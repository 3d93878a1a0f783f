"""Rescue on the host: the rescue layout of the domain XML, and driver.rescue / unrescue on libvirt's test driver."""

import os

import pytest
from lxml import etree

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, disk, domain_xml, driver

from test_domain_xml import validate
from virt_testlib import image_spec, instance_spec


def _sources(xml):
    doc = etree.fromstring(xml.encode('utf-8'))
    return [(d.get('device'), os.path.basename(d.find('source').get('file')), d.find('target').get('dev'))
            for d in doc.findall('devices/disk')]


def test_rescue_layout_boots_the_rescue_disk_with_the_root_disk_second(tmp_path):
    inst = instance_spec({'id': 'img-1', 'name': 'img', 'location': '/nonexistent', 'properties': {}},
                         ephemeral_gb=1, swap=16)
    inst['user_data'] = 'TkFUSQ=='
    existing = disk.planned_disks('/var/lib/novalite/instances', inst)
    idir = existing['instance_dir']
    layout = disk.rescue_disks(existing, os.path.join(idir, disk.RESCUE_DISK),
                               os.path.join(idir, disk.RESCUE_CONFIG_DRIVE))
    xml = domain_xml.render(inst, layout, {}, 'qemu')
    validate(xml, tmp_path)
    # Nova's legacy rescue: the rescue disk, the root disk, the config drive made again; no ephemeral, no swap
    assert _sources(xml) == [('disk', 'disk.rescue', 'vda'), ('disk', 'disk', 'vdb'),
                             ('cdrom', 'disk.config.rescue', 'hdd')]
    doc = etree.fromstring(xml.encode('utf-8'))
    assert doc.find('devices/serial/log').get('file') == os.path.join(idir, 'console.log')
    assert doc.find('os/boot').get('dev') == 'hd' and doc.findtext('uuid') == inst['uuid']
    # without a config drive there is none in the rescue domain either
    plain = disk.rescue_disks(dict(existing, config_drive=None), os.path.join(idir, disk.RESCUE_DISK))
    assert _sources(domain_xml.render(inst, plain, {}, 'qemu')) == [
        ('disk', 'disk.rescue', 'vda'), ('disk', 'disk', 'vdb')]
    with pytest.raises(errors.InvalidInput):
        disk.rescue_disks(dict(existing, disks=[]), os.path.join(idir, disk.RESCUE_DISK))


@pytest.fixture
def spawned(tmp_path, tiny_image):
    settings = {'instances_path': str(tmp_path / 'instances'), 'libvirt_uri': 'test:///default',
                'virt_type': 'qemu', 'force_raw_images': False}
    inst = instance_spec(image_spec(tiny_image), ephemeral_gb=1)
    inst['user_data'] = 'TkFUSQ=='   # a config drive
    conn = connection.open_connection('test:///default')
    try:
        driver.spawn(conn, inst, settings)
        yield conn, inst, settings, tmp_path / 'instances' / inst['uuid']
    finally:
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        conn.close()


def _xml(conn, uuid):
    import libvirt
    return conn.lookupByUUIDString(uuid).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)


def test_rescue_then_unrescue_once_each_on_the_test_driver(spawned, tmp_path):
    conn, inst, settings, idir = spawned
    original = _xml(conn, inst['uuid'])
    root = idir / 'disk'
    os.utime(root, (1, 1))
    rescue_image = image_spec(tmp_path / 'tiny.qcow2')
    out = driver.rescue(conn, inst, settings, rescue_image, shutdown_timeout=0)
    assert out['rescued'] is True
    assert _sources(_xml(conn, inst['uuid'])) == [('disk', 'disk.rescue', 'vda'), ('disk', 'disk', 'vdb'),
                                                  ('cdrom', 'disk.config.rescue', 'hdd')]
    assert (idir / driver.UNRESCUE_XML).read_text() == original
    assert driver.get_info(conn, inst['uuid'])['status'] == 'running'
    assert root.stat().st_mtime == 1   # the server's own disk is only attached, never rewritten
    # a repeated call (a resumed job) finds it rescued
    assert driver.rescue(conn, inst, settings, rescue_image, shutdown_timeout=0)['rescued'] is False

    assert driver.unrescue(conn, inst, settings) == {'unrescued': True}
    assert _xml(conn, inst['uuid']) == original
    assert driver.get_info(conn, inst['uuid'])['status'] == 'running'
    assert sorted(p.name for p in idir.iterdir() if p.name.endswith('.rescue') or p.name == 'unrescue.xml') == []
    assert (idir / 'disk').exists() and (idir / 'disk.local').exists()
    assert driver.unrescue(conn, inst, settings) == {'unrescued': False}


def test_a_failed_rescue_puts_the_original_domain_back(spawned, tmp_path):
    conn, inst, settings, idir = spawned
    original = _xml(conn, inst['uuid'])
    bad = image_spec(tmp_path / 'tiny.qcow2', sha256='0' * 64, id='bad-image')   # the checksum fails
    with pytest.raises(errors.NovaliteError):
        driver.rescue(conn, inst, settings, bad, shutdown_timeout=0)
    assert _xml(conn, inst['uuid']) == original
    assert not any(p.name.endswith('.rescue') or p.name == 'unrescue.xml' for p in idir.iterdir())
    with pytest.raises(errors.InvalidInput):
        driver.rescue(conn, inst, settings, None)
    # a rescue device the host cannot attach is refused before the guest is touched
    driver.power_on(conn, inst['uuid'])   # (the failed rescue above left the guest off, as Nova's does)
    floppy = image_spec(tmp_path / 'tiny.qcow2', properties={'hw_rescue_device': 'floppy'})
    with pytest.raises(errors.InvalidInput):
        driver.rescue(conn, inst, settings, floppy)
    assert driver.get_info(conn, inst['uuid'])['status'] == 'running' and _xml(conn, inst['uuid']) == original
    assert not (idir / driver.UNRESCUE_XML).exists()
    # a server that is not rescued has nothing to unrescue
    assert driver.unrescue(conn, inst, settings) == {'unrescued': False}


def test_stable_device_rescue_keeps_every_disk_and_boots_the_rescue_disk_first(tmp_path):
    from ansible_collections.novalite.compute.plugins.module_utils import rescue_devices
    inst = instance_spec({'id': 'img-1', 'name': 'img', 'location': '/nonexistent', 'properties': {}},
                         ephemeral_gb=1)
    inst['user_data'] = 'TkFUSQ=='
    existing = disk.planned_disks('/var/lib/novalite/instances', inst)
    rescue_disk = os.path.join(existing['instance_dir'], disk.RESCUE_DISK)
    assert rescue_devices.stable_rescue_device({}) is None   # a legacy rescue
    assert rescue_devices.stable_rescue_device({'hw_rescue_bus': 'virtio'}) == ('disk', 'virtio')
    for props, want in (({'hw_rescue_device': 'disk', 'hw_rescue_bus': 'virtio'}, ('disk', 'vdc', 'virtio')),
                        ({'hw_rescue_device': 'disk', 'hw_rescue_bus': 'sata'}, ('disk', 'sda', 'sata')),
                        ({'hw_rescue_device': 'cdrom'}, ('cdrom', 'hda', 'ide'))):
        layout = disk.stable_rescue_disks(existing, rescue_disk, *rescue_devices.stable_rescue_device(props))
        xml = domain_xml.render(inst, layout, {}, 'qemu')
        validate(xml, tmp_path)
        doc = etree.fromstring(xml.encode('utf-8'))
        assert [(d.get('device'), os.path.basename(d.find('source').get('file'))) for d in doc.findall(
            'devices/disk')] == [('disk', 'disk'), ('disk', 'disk.local'), (want[0], 'disk.rescue'),
                                 ('cdrom', 'disk.config')]
        rescue = doc.findall('devices/disk')[2]
        assert (rescue.find('target').get('dev'), rescue.find('target').get('bus')) == want[1:]
        assert rescue.find('boot').get('order') == '1' and doc.find('os/boot') is None
    for props in ({'hw_rescue_device': 'floppy'}, {'hw_rescue_device': 'cdrom', 'hw_rescue_bus': 'virtio'},
                  {'hw_rescue_bus': 'xen'}):
        with pytest.raises(errors.InvalidInput) as info:
            rescue_devices.stable_rescue_device(props)
        assert info.value.field == 'rescue_image_ref'


def test_stable_device_rescue_on_the_test_driver(spawned, tmp_path):
    conn, inst, settings, idir = spawned
    original = _xml(conn, inst['uuid'])
    image = image_spec(tmp_path / 'tiny.qcow2', properties={'hw_rescue_device': 'disk', 'hw_rescue_bus': 'virtio'})
    assert driver.rescue(conn, inst, settings, image, shutdown_timeout=0)['rescued'] is True
    assert _sources(_xml(conn, inst['uuid'])) == [('disk', 'disk', 'vda'), ('disk', 'disk.local', 'vdb'),
                                                  ('disk', 'disk.rescue', 'vdc'), ('cdrom', 'disk.config', 'hdd')]
    assert driver.unrescue(conn, inst, settings) == {'unrescued': True}
    assert _xml(conn, inst['uuid']) == original and not (idir / 'disk.rescue').exists()
