# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The libvirt domain XML of an instance, as Nova's libvirt driver writes it.

Built with lxml element by element: user text (names, metadata) is always a text
node or an attribute value, so ``<``, ``&``, quotes and non-ASCII are escaped by
the serializer and never interpreted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.novalite.compute.plugins.module_utils.catalog import image_properties
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover - reported by the module
    etree = None
    HAS_LXML = False

NOVALITE_NS = 'http://novalite.dev/xmlns/libvirt/domain/0.1'
PACKAGE_VERSION = '0.1.0'
KERNEL_CMDLINE = 'root=/dev/vda console=tty0 console=ttyS0'
DEFAULT_VNC_LISTEN = '127.0.0.1'
VIDEO_MODELS = ('virtio', 'cirrus', 'vga', 'qxl', 'none')
# Nova's [serial_console] port_range: the TCP ports a host gives its guests' serial consoles.
SERIAL_PORT_RANGE = (10000, 20000)
# a port's NIC: names made from ids (network/host_plan.py), never from what users name things
_BRIDGE_NAME = re.compile(r'^brq[0-9a-f-]{11}$')
_TAP_NAME = re.compile(r'^tap[0-9a-f-]{11}$')
_MAC = re.compile(r'^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$')


def _n(tag):
    return '{%s}%s' % (NOVALITE_NS, tag)


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = str(text)
    return el


def _int(value, field, minimum=0):
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if value < minimum:
        raise InvalidInput(field, 'must be at least %d' % minimum)
    return value


def cpu_topology(instance):
    """(sockets, cores, threads) from flavor extra specs, else image properties, else vcpus sockets.

    Nova: hw:cpu_sockets/cores/threads (flavor) or hw_cpu_sockets/... (image); their
    product must equal the flavor's vcpus.
    """
    flavor = instance.get('flavor') or {}
    vcpus = _int(flavor.get('vcpus'), 'flavor.vcpus', 1)
    specs = flavor.get('extra_specs') or {}
    props = (instance.get('image') or {}).get('properties') or {}
    values = {}
    source = {}
    for part in ('sockets', 'cores', 'threads'):
        spec_key = 'hw:cpu_%s' % part
        prop_key = 'hw_cpu_%s' % part
        if specs.get(spec_key) not in (None, ''):
            values[part] = _int(specs[spec_key], 'flavor.extra_specs.%s' % spec_key, 1)
            source[part] = 'flavor.extra_specs.%s' % spec_key
        elif props.get(prop_key) not in (None, ''):
            values[part] = _int(props[prop_key], 'image.properties.%s' % prop_key, 1)
            source[part] = 'image.properties.%s' % prop_key
    if not values:
        return vcpus, 1, 1
    # Unspecified parts fill the rest, as Nova prefers sockets.
    threads = values.get('threads', 1)
    cores = values.get('cores', 1)
    if 'sockets' in values:
        sockets = values['sockets']
        if 'cores' not in values and vcpus % (sockets * threads) == 0:
            cores = vcpus // (sockets * threads)
    else:
        sockets = max(vcpus // (cores * threads), 1)
    if sockets * cores * threads != vcpus:
        field = source.get('sockets') or source.get('cores') or source.get('threads')
        raise InvalidInput(field, 'CPU topology sockets=%d cores=%d threads=%d does not give the flavor vcpus=%d'
                           % (sockets, cores, threads, vcpus))
    return sockets, cores, threads


def _metadata(domain, instance):
    flavor = instance.get('flavor') or {}
    image = instance.get('image') or {}
    meta = _sub(domain, 'metadata')
    nsmap = {'novalite': NOVALITE_NS}
    inst = etree.SubElement(meta, _n('instance'), nsmap=nsmap)
    _sub(inst, _n('package'), version=PACKAGE_VERSION)
    _sub(inst, _n('name'), instance.get('display_name') or '')
    if instance.get('created_at'):
        _sub(inst, _n('creationTime'), instance['created_at'])
    fl = _sub(inst, _n('flavor'), name=flavor.get('name') or '')
    for key, tag in (('memory_mb', 'memory'), ('root_gb', 'disk'), ('swap', 'swap'),
                     ('ephemeral_gb', 'ephemeral'), ('vcpus', 'vcpus')):
        _sub(fl, _n(tag), int(flavor.get(key) or 0))
    owner = _sub(inst, _n('owner'))
    _sub(owner, _n('user'), instance.get('user_name') or '', uuid=instance.get('user_id') or '')
    _sub(owner, _n('project'), instance.get('project_name') or '', uuid=instance.get('project_id') or '')
    if image.get('id'):
        _sub(inst, _n('root'), type='image', uuid=image['id'])


def _sysinfo(domain, uuid):
    sysinfo = _sub(domain, 'sysinfo', type='smbios')
    system = _sub(sysinfo, 'system')
    _sub(system, 'entry', 'novalite', name='manufacturer')
    _sub(system, 'entry', 'OpenStack Compute', name='product')
    _sub(system, 'entry', PACKAGE_VERSION, name='version')
    _sub(system, 'entry', uuid, name='serial')
    _sub(system, 'entry', uuid, name='uuid')
    _sub(system, 'entry', 'Virtual Machine', name='family')


def render(instance, disks, settings=None, virt_type='qemu', cache_mode='none'):
    """The domain XML (a str) for ``instance``.

    ``disks``: ``disk.create_instance_disks`` result (``disks`` list with path/target/format,
    optional ``kernel``/``ramdisk``, ``console_log``). ``settings``: host settings
    (``vnc_listen``, ``video_model``, ``serial_port``: the serial console's TCP port, none without). ``virt_type``: kvm or qemu.
    ``cache_mode``: none, or writeback when the filesystem has no O_DIRECT.
    """
    if not HAS_LXML:
        raise InvalidInput('lxml', 'the lxml Python library is required')
    settings = settings or {}
    if virt_type not in ('kvm', 'qemu'):
        raise InvalidInput('virt_type', 'must be kvm or qemu, got %r' % (virt_type,))
    uuid = instance.get('uuid')
    name = instance.get('name')
    if not uuid:
        raise InvalidInput('instance.uuid', 'is required')
    if not name:
        raise InvalidInput('instance.name', 'is required (the libvirt domain name)')
    flavor = instance.get('flavor') or {}
    memory_kib = _int(flavor.get('memory_mb'), 'flavor.memory_mb', 1) * 1024
    vcpus = _int(flavor.get('vcpus'), 'flavor.vcpus', 1)
    sockets, cores, threads = cpu_topology(instance)
    props = (instance.get('image') or {}).get('properties') or {}
    video_model = props.get('hw_video_model') or settings.get('video_model') or 'virtio'
    if video_model not in VIDEO_MODELS:
        raise InvalidInput('image.properties.hw_video_model', 'must be one of %s' % ', '.join(VIDEO_MODELS))

    domain = etree.Element('domain', type=virt_type)
    _sub(domain, 'name', name)
    _sub(domain, 'uuid', uuid)
    _metadata(domain, instance)
    _sub(domain, 'memory', memory_kib, unit='KiB')
    _sub(domain, 'currentMemory', memory_kib, unit='KiB')
    _sub(domain, 'vcpu', vcpus)
    _sysinfo(domain, uuid)

    os_el = _sub(domain, 'os')
    _sub(os_el, 'type', 'hvm')
    if disks.get('kernel'):
        _sub(os_el, 'kernel', disks['kernel'])
        if disks.get('ramdisk'):
            _sub(os_el, 'initrd', disks['ramdisk'])
        _sub(os_el, 'cmdline', props.get('os_command_line') or KERNEL_CMDLINE)
    elif not any(d.get('boot_order') for d in disks.get('disks') or []):
        _sub(os_el, 'boot', dev='hd')   # (a disk with its own boot order - a stable rescue - replaces it)
    _sub(os_el, 'smbios', mode='sysinfo')

    features = _sub(domain, 'features')
    _sub(features, 'acpi')
    _sub(features, 'apic')

    cpu = _sub(domain, 'cpu', mode='host-model') if virt_type == 'kvm' else _sub(domain, 'cpu')
    _sub(cpu, 'topology', sockets=sockets, cores=cores, threads=threads)

    clock = _sub(domain, 'clock', offset='utc')
    _sub(clock, 'timer', name='pit', tickpolicy='delay')
    _sub(clock, 'timer', name='rtc', tickpolicy='catchup')
    _sub(clock, 'timer', name='hpet', present='no')

    _sub(domain, 'on_poweroff', 'destroy')
    _sub(domain, 'on_reboot', 'restart')
    _sub(domain, 'on_crash', 'destroy')

    devices = _sub(domain, 'devices')
    for d in disks.get('disks') or []:
        # (only a stable rescue's disk names another device or bus, or a boot order)
        disk_el = _sub(devices, 'disk', type='file', device=d.get('device') or 'disk')
        _sub(disk_el, 'driver', name='qemu', type=d.get('format') or 'qcow2', cache=cache_mode)
        _sub(disk_el, 'source', file=d['path'])
        _sub(disk_el, 'target', dev=d['target'], bus=d.get('bus') or 'virtio')
        if d.get('boot_order'):
            _sub(disk_el, 'boot', order=int(d['boot_order']))
        if d.get('device') == 'cdrom':
            _sub(disk_el, 'readonly')
    if disks.get('config_drive'):
        # Nova's config drive on an i440fx machine: a read-only IDE cdrom (hdd), raw ISO 9660.
        cdrom = _sub(devices, 'disk', type='file', device='cdrom')
        _sub(cdrom, 'driver', name='qemu', type='raw')
        _sub(cdrom, 'source', file=disks['config_drive'])
        _sub(cdrom, 'target', dev='hdd', bus='ide')
        _sub(cdrom, 'readonly')
    for idx, vif in enumerate(instance.get('network_info') or []):
        _interface(devices, vif, 'network_info[%d]' % idx)
    console_log = disks.get('console_log') or os.path.join(os.path.dirname(disks['disks'][0]['path']), 'console.log')
    serial = _sub(devices, 'serial', type='pty')
    _sub(serial, 'log', file=console_log, append='off')
    if settings.get('serial_port'):
        _sub(serial, 'target', port=0)   # (libvirt numbers an unnumbered port after the numbered ones)
        # Nova's serial console (libvirt driver with [serial_console] enabled): a TCP listener on the host's
        # console address that the console proxy connects to; the guest sees it as its second port (ttyS1),
        # the first one keeps writing console.log.
        tcp = _sub(devices, 'serial', type='tcp')
        _sub(tcp, 'source', mode='bind', host=settings.get('vnc_listen') or DEFAULT_VNC_LISTEN,
             service=_int(settings['serial_port'], 'serial_port', 1))
        _sub(tcp, 'protocol', type='raw')
        _sub(tcp, 'target', port=1)
    console = _sub(devices, 'console', type='pty')
    _sub(console, 'target', type='serial', port=0)
    if image_properties.guest_agent_enabled(props):
        # Nova's libvirt driver: the QEMU guest agent's virtio channel (changePassword sets the password through
        # it); libvirt picks the host side's socket
        channel = _sub(devices, 'channel', type='unix')
        _sub(channel, 'target', type='virtio', name='org.qemu.guest_agent.0')
    _sub(devices, 'input', type='tablet', bus='usb')
    graphics = _sub(devices, 'graphics', type='vnc', autoport='yes',
                    listen=settings.get('vnc_listen') or DEFAULT_VNC_LISTEN)
    _sub(graphics, 'listen', type='address', address=settings.get('vnc_listen') or DEFAULT_VNC_LISTEN)
    video = _sub(devices, 'video')
    _sub(video, 'model', type=video_model)
    balloon = _sub(devices, 'memballoon', model='virtio')
    _sub(balloon, 'stats', period=10)
    return etree.tostring(domain, pretty_print=True, encoding='unicode')


def _interface(devices, vif, field):
    """The NIC of one VIF under ``devices`` (None when it gives the guest none)."""
    if isinstance(vif, dict) and isinstance(vif.get('network'), dict):
        # A Neutron port (network/instance_ports.py, Nova's VIF shape): a virtio NIC with the port's MAC on the
        # bridge the host side made for its network (network/host_side.py fills ``network.bridge`` once the
        # host has it); a port the host did not plug gives the guest no NIC.
        bridge = vif['network'].get('bridge')
        if not bridge:
            return None
        if not _BRIDGE_NAME.match(str(bridge)) or not _TAP_NAME.match(str(vif.get('devname') or '')):
            raise InvalidInput(field, 'bridge and devname must be the names derived from ids')
        if not _MAC.match(str(vif.get('address') or '')):
            raise InvalidInput(field + '.address', 'must be a MAC address')
        iface = _sub(devices, 'interface', type='bridge')
        _sub(iface, 'mac', address=str(vif['address']).lower())
        _sub(iface, 'source', bridge=bridge)
        _sub(iface, 'target', dev=vif['devname'])
        _sub(iface, 'model', type='virtio')
        if vif['network'].get('mtu'):
            _sub(iface, 'mtu', size=_int(vif['network']['mtu'], field + '.network.mtu', 68))
        return iface
    if not isinstance(vif, dict) or not vif.get('mac'):
        raise InvalidInput(field + '.mac', 'is required')
    if not vif.get('network'):
        # Never fall back to a user-mode/NAT interface: no network, no NIC.
        return None
    iface = _sub(devices, 'interface', type='network')
    _sub(iface, 'mac', address=str(vif['mac']).lower())
    _sub(iface, 'source', network=vif['network'])
    _sub(iface, 'model', type='virtio')
    return iface


def interface_xml(vif, field='vif'):
    """The ``<interface>`` device of one VIF (the same element the domain XML has for it), for a hot-plug
    (libvirt attachDeviceFlags); InvalidInput when the VIF gives the guest no NIC (no bridge)."""
    if not HAS_LXML:
        raise InvalidInput('lxml', 'the lxml Python library is required')
    holder = etree.Element('devices')
    iface = _interface(holder, vif, field)
    if iface is None:
        raise InvalidInput(field, 'the port is not plugged on this host (no bridge): no NIC to attach')
    return etree.tostring(iface, pretty_print=True, encoding='unicode')


def supports_direct_io(path):
    """Nova's check: cache=none needs O_DIRECT, which e.g. tmpfs lacks; then use writeback."""
    if not hasattr(os, 'O_DIRECT'):
        return False
    probe = os.path.join(path, '.directio.test.%d' % os.getpid())
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o600)
        os.close(fd)
        return True
    except OSError:
        return False
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def domain_metadata(xml_text):
    """The novalite metadata of a domain XML as a dict (or None when it is not ours)."""
    doc = etree.fromstring(xml_text.encode('utf-8') if isinstance(xml_text, str) else xml_text)
    inst = doc.find('metadata/{%s}instance' % NOVALITE_NS)
    if inst is None:
        return None
    root = inst.find(_n('root'))
    return {
        'display_name': inst.findtext(_n('name')),
        'created_at': inst.findtext(_n('creationTime')),
        'image_id': root.get('uuid') if root is not None else None,
    }
