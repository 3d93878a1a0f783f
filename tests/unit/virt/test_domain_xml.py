import subprocess
import uuid

import pytest
from lxml import etree

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import (
    connection, disk, domain_xml, driver, xml_compare,
)

from virt_testlib import instance_spec

NS = {'n': domain_xml.NOVALITE_NS}


def spec(**flavor):
    image = {'id': str(uuid.uuid4()), 'name': 'img', 'location': '/nonexistent', 'properties': {}}
    return instance_spec(image, **flavor)


def layout(inst, ip='/var/lib/novalite/instances'):
    return disk.planned_disks(ip, inst)


def validate(xml, tmp_path):
    path = tmp_path / ('%s.xml' % uuid.uuid4().hex)
    path.write_text(xml, encoding='utf-8')
    proc = subprocess.run(['virt-xml-validate', str(path), 'domain'], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_nova_shaped_document_validates(tmp_path):
    inst = spec(vcpus=2, memory_mb=128, ephemeral_gb=1, swap=16)
    inst['network_info'] = [{'mac': 'FA:16:3E:00:00:01', 'network': 'net-a'}]
    xml = domain_xml.render(inst, layout(inst), {'vnc_listen': '127.0.0.1'}, 'qemu')
    validate(xml, tmp_path)
    doc = etree.fromstring(xml.encode())
    assert doc.get('type') == 'qemu'
    assert doc.findtext('name') == inst['name'] and doc.findtext('uuid') == inst['uuid']
    assert doc.findtext('memory') == str(128 * 1024) and doc.findtext('vcpu') == '2'
    assert [t.get('dev') for t in doc.findall('devices/disk/target')] == ['vda', 'vdb', 'vdc']
    entries = {e.get('name'): e.text for e in doc.findall('sysinfo/system/entry')}
    assert entries['product'] == 'OpenStack Compute' and entries['serial'] == inst['uuid']
    assert entries['manufacturer'] == 'novalite' and entries['family'] == 'Virtual Machine'
    assert doc.find('os/smbios').get('mode') == 'sysinfo' and doc.find('os/boot').get('dev') == 'hd'
    timers = {t.get('name'): dict(t.attrib) for t in doc.findall('clock/timer')}
    assert timers['pit']['tickpolicy'] == 'delay' and timers['hpet']['present'] == 'no'
    iface = doc.find('devices/interface')
    assert iface.get('type') == 'network' and iface.find('source').get('network') == 'net-a'
    assert iface.find('mac').get('address') == 'fa:16:3e:00:00:01' and iface.find('model').get('type') == 'virtio'
    log = doc.find('devices/serial/log')
    assert log.get('file').endswith('/%s/console.log' % inst['uuid']) and log.get('append') == 'off'
    assert doc.find('devices/graphics').get('listen') == '127.0.0.1'
    assert doc.find('devices/memballoon/stats').get('period') == '10'
    assert doc.find('cpu/topology').attrib == {'sockets': '2', 'cores': '1', 'threads': '1'}
    assert doc.find('metadata/n:instance/n:flavor/n:memory', NS).text == '128'


@pytest.mark.parametrize('value, channel', [('yes', True), ('True', True), ('no', False), (None, False)])
def test_the_guest_agent_channel_follows_hw_qemu_guest_agent(tmp_path, value, channel):
    inst = spec()
    if value is not None:
        inst['image']['properties']['hw_qemu_guest_agent'] = value
    xml = domain_xml.render(inst, layout(inst), {}, 'qemu')
    validate(xml, tmp_path)
    found = etree.fromstring(xml.encode()).findall('devices/channel')
    assert [(c.get('type'), c.find('target').get('type'), c.find('target').get('name')) for c in found] == (
        [('unix', 'virtio', 'org.qemu.guest_agent.0')] if channel else [])


def test_no_network_means_no_interface(tmp_path):
    inst = spec()
    inst['network_info'] = [{'mac': 'fa:16:3e:00:00:02', 'network': None}]
    xml = domain_xml.render(inst, layout(inst), {}, 'qemu')
    validate(xml, tmp_path)
    assert etree.fromstring(xml.encode()).find('devices/interface') is None


@pytest.mark.parametrize('name', ['a<b & "c" \'d\'', 'ünïcødé 名前 ✓', ']]><!-- x -->', '&amp;'])
def test_hostile_names_are_escaped_not_interpreted(tmp_path, name):
    inst = spec()
    inst['display_name'] = name
    inst['flavor']['name'] = name
    xml = domain_xml.render(inst, layout(inst), {}, 'qemu')
    validate(xml, tmp_path)
    doc = etree.fromstring(xml.encode())
    assert doc.find('metadata/n:instance/n:name', NS).text == name
    assert doc.find('metadata/n:instance/n:flavor', NS).get('name') == name
    assert domain_xml.domain_metadata(xml)['display_name'] == name


def test_kernel_ramdisk_boot(tmp_path):
    inst = spec()
    inst['kernel'] = {'id': 'k', 'location': '/x'}
    inst['ramdisk'] = {'id': 'r', 'location': '/y'}
    xml = domain_xml.render(inst, layout(inst), {}, 'qemu')
    validate(xml, tmp_path)
    os_el = etree.fromstring(xml.encode()).find('os')
    assert os_el.findtext('kernel').endswith('/kernel') and os_el.findtext('initrd').endswith('/ramdisk')
    assert os_el.findtext('cmdline') == 'root=/dev/vda console=tty0 console=ttyS0'
    assert os_el.find('boot') is None


def test_kvm_uses_host_model(tmp_path):
    inst = spec(vcpus=4, extra_specs={'hw:cpu_sockets': '2', 'hw:cpu_threads': '2'})
    xml = domain_xml.render(inst, layout(inst), {}, 'kvm')
    validate(xml, tmp_path)
    doc = etree.fromstring(xml.encode())
    assert doc.get('type') == 'kvm' and doc.find('cpu').get('mode') == 'host-model'
    assert doc.find('cpu/topology').attrib == {'sockets': '2', 'cores': '1', 'threads': '2'}


def test_image_property_topology():
    inst = spec(vcpus=4)
    inst['image']['properties'] = {'hw_cpu_cores': '4'}
    assert domain_xml.cpu_topology(inst) == (1, 4, 1)


@pytest.mark.parametrize('specs,field', [
    ({'hw:cpu_sockets': '3'}, 'flavor.extra_specs.hw:cpu_sockets'),
    ({'hw:cpu_sockets': 'two'}, 'flavor.extra_specs.hw:cpu_sockets'),
    ({'hw:cpu_cores': '0'}, 'flavor.extra_specs.hw:cpu_cores'),
])
def test_bad_topology_names_the_extra_spec(specs, field):
    inst = spec(vcpus=4, extra_specs=specs)
    with pytest.raises(errors.InvalidInput) as exc:
        domain_xml.render(inst, layout(inst), {}, 'qemu')
    assert exc.value.field == field


@pytest.mark.parametrize('mutate,field', [
    (lambda i: i.pop('name'), 'instance.name'),
    (lambda i: i['flavor'].update(memory_mb='lots'), 'flavor.memory_mb'),
    (lambda i: i['flavor'].update(vcpus=0), 'flavor.vcpus'),
    (lambda i: i.update(network_info=[{'network': 'n'}]), 'network_info[0].mac'),
    (lambda i: i['image']['properties'].update(hw_video_model='fancy'), 'image.properties.hw_video_model'),
])
def test_bad_input_names_the_field(mutate, field):
    inst = spec()
    mutate(inst)
    with pytest.raises(errors.InvalidInput) as exc:
        domain_xml.render(inst, layout(spec()), {}, 'qemu')
    assert exc.value.field == field


def test_compare_ignores_libvirt_additions_but_not_real_changes():
    inst = spec()
    ours = domain_xml.render(inst, layout(inst), {}, 'qemu')
    doc = etree.fromstring(ours.encode())
    doc.find('vcpu').set('placement', 'static')
    addr = etree.SubElement(doc.find('devices/disk'), 'address', type='pci', slot='0x03')
    assert addr is not None
    etree.SubElement(doc.find('devices'), 'controller', type='usb', index='0')
    etree.SubElement(doc.find('devices'), 'input', type='mouse', bus='ps2')
    theirs = etree.tostring(doc, encoding='unicode')
    assert xml_compare.equivalent(ours, theirs)

    doc.find('memory').text = '1'
    assert not xml_compare.equivalent(ours, etree.tostring(doc, encoding='unicode'))
    doc.find('memory').text = ours.split('<memory unit="KiB">')[1].split('<')[0]
    extra_nic = etree.SubElement(doc.find('devices'), 'interface', type='network')
    etree.SubElement(extra_nic, 'source', network='x')
    theirs2 = etree.tostring(doc, encoding='unicode')
    assert not xml_compare.equivalent(ours, theirs2)
    removed = [ln for ln in xml_compare.unified_diff(ours, theirs2).splitlines() if ln.startswith('-<') or ln.startswith('-  ')]
    assert any('<interface' in ln for ln in removed)
    assert 'interface' in xml_compare.diff(ours, theirs2)['before']
    assert 'interface' not in xml_compare.diff(ours, theirs2)['after']


@pytest.mark.libvirt
def test_redefine_unchanged_is_not_a_change_on_real_libvirt(libvirt_instances_path):
    conn = connection.open_connection('qemu:///system')
    inst = spec(vcpus=2, ephemeral_gb=1, swap=8)
    inst['name'] = 'novalite-unit-%s' % uuid.uuid4().hex[:12]
    inst['display_name'] = 'x<&>"\' é'
    settings = driver.host_settings(instances_path=libvirt_instances_path)
    try:
        xml, virt_type = driver.render_for(conn, inst, settings, layout(inst, libvirt_instances_path))
        first = driver.define(conn, xml)
        assert first['changed'] is True
        second = driver.define(conn, xml)
        assert second['changed'] is False, second['diff']
        # a real change is seen and applied
        inst['flavor']['memory_mb'] = 96
        xml2, _virt_type = driver.render_for(conn, inst, settings, layout(inst, libvirt_instances_path))
        third = driver.define(conn, xml2, check_mode=True)
        assert third['changed'] is True and '98304' in third['diff']['after']
        assert '65536' in third['diff']['before']
        assert driver.define(conn, xml2)['changed'] is True
        assert driver.define(conn, xml2)['changed'] is False
        assert conn.lookupByName(inst['name']).maxMemory() == 96 * 1024
        assert virt_type == connection.detect_virt_type(conn)
    finally:
        try:
            conn.lookupByName(inst['name']).undefine()
        except Exception:
            pass
        conn.close()
