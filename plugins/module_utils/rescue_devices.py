# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's stable device rescue: the device and bus a rescue image asks for (``hw_rescue_device`` /
``hw_rescue_bus``). Checked by the controller before a rescue starts (compute/rescue.py) and read by the
host to lay the rescue domain out (virt/driver.py); no store, no libvirt.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

# The buses each rescue device may use here (QEMU/KVM), the first the default.
RESCUE_BUSES = {'disk': ('virtio', 'sata', 'scsi', 'usb', 'ide'), 'cdrom': ('ide', 'sata', 'scsi', 'usb')}


def stable_rescue_device(properties):
    """(device, bus) of a stable device rescue asked by the rescue image's properties, None for a legacy
    rescue (neither property); InvalidInput (Nova's UnsupportedRescueDevice / UnsupportedRescueBus) otherwise."""
    properties = properties or {}
    if not properties.get('hw_rescue_device') and not properties.get('hw_rescue_bus'):
        return None
    device = properties.get('hw_rescue_device') or 'disk'
    if device not in RESCUE_BUSES:
        raise InvalidInput('rescue_image_ref', "Requested rescue device '%s' is not supported" % device)
    bus = properties.get('hw_rescue_bus') or RESCUE_BUSES[device][0]
    if bus not in RESCUE_BUSES[device]:
        raise InvalidInput('rescue_image_ref', "Requested rescue bus '%s' is not supported by the qemu virt driver"
                           % bus)
    return device, bus
