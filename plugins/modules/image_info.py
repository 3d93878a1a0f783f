#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: image_info
short_description: List images of the novalite image catalog or show one
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Reads image metadata from the novalite state store, as C(openstack image list/show) does with Glance v2.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  image:
    description: An image id, or a name (all images with that name are returned).
    type: str
    aliases: [name, id]
  status:
    description: Only images in this Glance status.
    type: str
    choices: [queued, saving, active, killed, deleted]
  visibility:
    description: Only images with this visibility.
    type: str
    choices: [public, private, shared, community]
  owner:
    description: Only images owned by this project.
    type: str
  project:
    description: Only images this project may see (its own, public and community ones).
    type: str
  properties:
    description: Only images whose free-form properties have these values.
    type: dict
    default: {}
notes:
  - Supports check mode (it changes nothing).
seealso:
  - module: novalite.compute.image
'''

EXAMPLES = r'''
- name: Active public images for x86_64
  novalite.compute.image_info:
    status: active
    visibility: public
    properties:
      hw_architecture: x86_64
  register: found

- name: One image by name
  novalite.compute.image_info:
    image: cirros
'''

RETURN = r'''
images:
  description: Matching images, newest first.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 0b7c7c4c-0e0e-4f7d-8b3a-5e8f3c1d2a11
      name: cirros
      status: active
      disk_format: qcow2
      os_hash_value: 0d4c...e1
      size: 16318464
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    image=dict(type='str', aliases=['name', 'id']),
    status=dict(type='str', choices=['queued', 'saving', 'active', 'killed', 'deleted']),
    visibility=dict(type='str', choices=list(images.VISIBILITIES)),
    owner=dict(type='str'),
    project=dict(type='str'),
    properties=dict(type='dict', default={}),
), handlers.image_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
