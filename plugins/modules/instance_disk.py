#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_disk
short_description: Copy-on-write disks of one instance on a novalite compute host
description:
  - Runs on a compute host. Caches the instance's image (see M(novalite.compute.image_cache)) and creates
    C(<instances_path>/<uuid>/disk), a qcow2 overlay whose backing file is the cached base, sized to the
    flavor's C(root_gb) (0 means the image's virtual size), plus C(disk.local) (formatted ephemeral disk)
    and C(disk.swap) when the flavor asks for them, C(disk.info), an empty C(console.log), and
    C(kernel)/C(ramdisk) for kernel/ramdisk images, and Nova's config drive C(disk.config) (ISO 9660,
    label C(config-2), with meta_data.json and user_data) when the instance asks for one or has user data.
  - A flavor smaller than the image's virtual size or its C(min_disk) fails with
    C(FlavorDiskSmallerThanImage) and creates nothing. Any failure removes the instance directory.
  - Existing disks are left alone (idempotent). I(state=absent) removes the instance directory;
    cached bases stay.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec (see docs/architecture.md) with at least C(uuid), C(flavor) and C(image)
        (C(kernel)/C(ramdisk) optional).
    type: dict
    required: true
  state:
    description:
      - C(present) creates the disks, C(absent) removes the instance directory.
    type: str
    choices: [present, absent]
    default: present
'''

EXAMPLES = r'''
- name: Create the disks of an instance
  novalite.compute.instance_disk:
    instance: "{{ instance_spec }}"
  register: disks

- name: Remove them
  novalite.compute.instance_disk:
    instance: "{{ instance_spec }}"
    state: absent
'''

RETURN = r'''
instance_dir:
  description: The instance directory.
  returned: always
  type: str
  sample: /var/lib/novalite/instances/0b7c2b1e-5f8e-4d0e-9d7a-1c2f3e4d5a6b
disks:
  description: Disks (name, path, format, target device) in boot order.
  returned: state=present
  type: list
  elements: dict
base:
  description: The cached base file of the root disk.
  returned: state=present and not check mode
  type: str
bases_copied:
  description: Bytes copied into the image cache by this call (0 when the image was cached).
  returned: state=present
  type: int
created:
  description: Whether this call created the disks.
  returned: state=present
  type: bool
kernel:
  description: Kernel file in the instance directory, or null.
  returned: state=present
  type: str
ramdisk:
  description: Ramdisk file in the instance directory, or null.
  returned: state=present
  type: str
config_drive:
  description: The config drive ISO in the instance directory, or null.
  returned: state=present
  type: str
disk_info:
  description: The C(disk.info) file recording each disk's format (Nova's libvirt driver keeps the same file).
  returned: state=present
  type: str
console_log:
  description: The serial console log file of the instance.
  returned: state=present
  type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
), handlers.instance_disk)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
