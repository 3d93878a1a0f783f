# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's rescue (controller side): the checks and the rescue image of a rescue host call.

nova/compute/api.py ``rescue``: the lock and state checks (``action_table`` row ``rescue``: ACTIVE, STOPPED
or ERROR, no task in flight), then the rescue image - the server's own unless the request names one
(``rescue_image_ref``), which must be an image the requester can see and boot (else Nova's
UnsupportedRescueImage, a 400). The host call (``host_calls.build``) carries that image in ``rescue``; the
host boots a new disk from it with the server's root disk second (``virt/driver.py`` ``rescue``).
Unrescue needs nothing more than its table row. Shared by the ``server_action`` module and the REST shim.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import rescue_devices
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, host_calls, instances,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, NotFound,
)

# Nova's UnsupportedRescueImage
UNSUPPORTED = "Requested rescue image '%s' is not supported"
# Images that cannot be a root disk (a kernel or ramdisk of an AMI-style image)
_NOT_BOOTABLE = ('aki', 'ari')


def rescue_image(store, context, image_ref):
    """The catalog image ``image_ref`` names (None: the server's own), checked as Nova checks a rescue image."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    if image_ref is None:
        return None
    if not isinstance(image_ref, str) or not image_ref:
        raise InvalidInput('rescue_image_ref', 'must be an image id or name')
    try:
        image = images.get(store, image_ref, project=context.scope)
    except NotFound:
        raise InvalidInput('rescue_image_ref', UNSUPPORTED % image_ref)
    if (image.get('status') != 'active' or image.get('disk_format') in _NOT_BOOTABLE
            or (image.get('properties') or {}).get('img_block_device_mapping')):
        # not bootable as a disk (Nova: a volume snapshot image is refused the same way)
        raise InvalidInput('rescue_image_ref', UNSUPPORTED % image_ref)
    # a stable device rescue's device and bus must be ones the host can attach (Nova's driver would fail later)
    rescue_devices.stable_rescue_device(image.get('properties'))
    return image


def check(store, ident, context, image_ref=None):
    """Every check of a rescue, nothing written: (the server row, the rescue image or None)."""
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, 'rescue', context)
    if not inst['host']:
        # a server that never reached a host (an ERROR from scheduling) has no disk to rescue
        raise InstanceInvalidState("Cannot 'rescue' instance %s: it has no host" % inst['uuid'], field='server')
    return inst, rescue_image(store, context, image_ref)


def with_image(call, inst, image):
    """The rescue host call booting ``image`` (None: the server's own image, as host_calls.build made it)."""
    if image is not None:
        spec = host_calls.instance_spec(dict(inst, image=conductor.image_snapshot(image)))
        call = dict(call, rescue={'image': spec['image']})
    return call
