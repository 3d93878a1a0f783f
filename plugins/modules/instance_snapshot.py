#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_snapshot
short_description: Flatten a novalite instance's root disk into a new qcow2 image file on its compute host
description:
  - Runs on a compute host (Nova's libvirt C(snapshot)). The root disk (a qcow2 overlay on its cached base)
    is copied whole, with no backing file, into
    C(<instances_path>/snapshots/<image_id>/<image_id>.qcow2).
  - A running or paused domain is snapshotted live - libvirt mirrors its disk into a shallow copy (a
    transient block copy job) and stops the mirror without a pivot, so the guest never stops; where libvirt
    refuses the block copy the domain is paused for the copy and resumed. A shut-off or suspended domain is
    copied as it is.
  - With I(dest) (the action plugin) the file is then fetched over the task's connection to I(dest) on the
    Ansible controller and removed from the host - how the snapshot reaches the image store.
  - With I(state=absent) the staging file of I(image_id) is removed.
  - Never opens the state store. On failure nothing is left behind and a domain paused for the copy is resumed.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec; only C(uuid) is used.
    type: dict
    required: true
  image_id:
    description:
      - The id of the new image (names the staging file).
    type: str
    required: true
  state:
    description:
      - C(present) makes the snapshot file, C(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  live:
    description:
      - Snapshot a running domain live (block copy); false pauses it for the copy.
    type: bool
    default: true
  power_off:
    description:
      - Power the guest off first (Nova's shelve - an ACPI shutdown waiting up to I(shutdown_timeout), then
        destroy; a paused guest is destroyed at once, a suspended one's saved memory discarded), then copy the
        shut-off disk. The domain stays defined, shut off.
    type: bool
    default: false
  shutdown_timeout:
    description:
      - Seconds to wait for a clean shutdown when I(power_off) is true (Nova's C(shutdown_timeout)).
    type: int
    default: 60
  dest:
    description:
      - A path on the Ansible controller to fetch the snapshot file to (then removed from the host).
      - Handled by the action plugin; the module itself ignores it.
    type: path
'''

EXAMPLES = r'''
- name: Snapshot vm1's root disk and bring it to the controller
  novalite.compute.instance_snapshot:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e}
    image_id: 5f1c9d0e-52a1-4c1d-9a52-1f6c2b3d4e5f
    dest: /var/lib/novalite/images/.incoming-5f1c9d0e-52a1-4c1d-9a52-1f6c2b3d4e5f
  delegate_to: compute-1
'''

RETURN = r'''
path:
  description: The snapshot file on the host (removed again when I(dest) was given).
  returned: state is present
  type: str
dest:
  description: Where the file was fetched to on the controller.
  returned: dest was given
  type: str
size:
  description: Bytes of the snapshot file.
  returned: state is present
  type: int
sha256:
  description: sha256 of the snapshot file.
  returned: state is present
  type: str
virtual_size:
  description: The disk's size as the guest sees it (bytes).
  returned: state is present
  type: int
disk_format:
  description: Always C(qcow2).
  returned: state is present
  type: str
method:
  description: C(live) (block copy), C(paused) (paused for the copy) or C(cold) (the domain was not running,
    or was powered off first).
  returned: state is present
  type: str
seconds:
  description: Time the snapshot took on the host.
  returned: state is present
  type: float
power_state:
  description: Nova's power state of the domain afterwards.
  returned: state is present
  type: int
clean_shutdown:
  description: Whether the guest shut down cleanly (ACPI) before the copy.
  returned: power_off was true and the guest was running
  type: bool
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    image_id=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    live=dict(type='bool', default=True),
    power_off=dict(type='bool', default=False),
    shutdown_timeout=dict(type='int', default=60),
    dest=dict(type='path'),
), handlers.instance_snapshot)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
