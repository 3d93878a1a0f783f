# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A running domain's diagnostics, read from libvirt as Nova's libvirt driver reads them
(get_diagnostics and get_instance_diagnostics): CPU times, block and interface counters, memory.

Only reads. The answer holds both of Nova's forms: ``legacy`` (the flat dict of microversions below
2.48: ``cpu0_time``, ``vda_read``, ``<tap>_rx``, ``memory``, ``memory-<stat>``) and the 2.48 fields.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, driver

try:
    import libvirt
except ImportError:  # pragma: no cover
    libvirt = None

# nova/compute/power_state.py STATE_MAP: the name a diagnostics answer gives the power state
POWER_STATE_NAMES = {0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended'}


def _devices(doc):
    """(disk targets, [(mac, tap or None)]) of the domain XML, as Nova's _get_io_devices reads them."""
    disks = [t.get('dev') for t in doc.findall('devices/disk/target') if t.get('dev')]
    nics = []
    for interface in doc.findall('devices/interface'):
        mac = interface.find('mac')
        target = interface.find('target')
        nics.append((mac.get('address') if mac is not None else None,
                     target.get('dev') if target is not None else None))
    return disks, nics


def _try(call, *args):
    try:
        return call(*args)
    except libvirt.libvirtError:
        return None


def read(conn, uuid):
    """{'power_state', 'legacy': {...}, 'details': {...}} of the instance's domain on this host.

    NotFound without the domain. A domain that is not running gives only its power state (Nova answers
    409 for it before reading anything).
    """
    from lxml import etree
    disk.validate_uuid({'uuid': uuid})
    dom = driver.lookup(conn, uuid)
    if dom is None:
        raise NotFound('Instance', uuid, field='instance.uuid')
    power_state = driver.domain_info(dom)['power_state']
    out = {'power_state': power_state, 'legacy': None, 'details': None}
    if power_state != states.RUNNING:
        return out
    doc = etree.fromstring(dom.XMLDesc(0).encode('utf-8'))
    disks, nics = _devices(doc)
    _state, max_kib, used_kib, num_cpus, _cpu_time = dom.info()
    legacy, details = {}, {'hypervisor': doc.get('type'), 'num_cpus': num_cpus, 'cpu_details': [], 'disk_details': [], 'nic_details': [],
                           'memory_details': {'maximum': max_kib // 1024, 'used': used_kib // 1024}}
    vcpus = _try(dom.vcpus)
    for vcpu in (vcpus[0] if vcpus else []):
        # (number, state, cpu time in ns, physical cpu)
        legacy['cpu%d_time' % vcpu[0]] = vcpu[2]
        details['cpu_details'].append({'id': vcpu[0], 'time': vcpu[2], 'utilisation': None})
    for target in disks:
        stats = _try(dom.blockStats, target)
        if stats is None:
            continue
        read_req, read_bytes, write_req, write_bytes, errors = stats
        legacy.update({target + '_read_req': read_req, target + '_read': read_bytes,
                       target + '_write_req': write_req, target + '_write': write_bytes, target + '_errors': errors})
        details['disk_details'].append({'read_bytes': read_bytes, 'read_requests': read_req,
                                        'write_bytes': write_bytes, 'write_requests': write_req,
                                        'errors_count': errors})
    for mac, tap in nics:
        nic = {'mac_address': mac, 'rx_octets': None, 'rx_errors': None, 'rx_drop': None, 'rx_packets': None,
               'rx_rate': None, 'tx_octets': None, 'tx_errors': None, 'tx_drop': None, 'tx_packets': None,
               'tx_rate': None}
        stats = _try(dom.interfaceStats, tap) if tap else None
        if stats is not None:
            names = ('rx', 'rx_packets', 'rx_errors', 'rx_drop', 'tx', 'tx_packets', 'tx_errors', 'tx_drop')
            legacy.update(('%s_%s' % (tap, name), value) for name, value in zip(names, stats))
            nic.update(rx_octets=stats[0], rx_packets=stats[1], rx_errors=stats[2], rx_drop=stats[3],
                       tx_octets=stats[4], tx_packets=stats[5], tx_errors=stats[6], tx_drop=stats[7])
        if tap is None or stats is not None:
            details['nic_details'].append(nic)
    legacy['memory'] = dom.maxMemory()
    memory = _try(dom.memoryStats) or {}
    legacy.update(('memory-' + key, value) for key, value in memory.items())
    details['num_disks'] = len(details['disk_details'])
    details['num_nics'] = len(details['nic_details'])
    out.update(legacy=legacy, details=details)
    return out
