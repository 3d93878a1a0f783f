#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: flavor
short_description: Create, update or delete a Nova flavor
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Manages a flavor in the novalite state store, as C(openstack flavor create/set/delete) does for Nova.
  - As in Nova, the sizes of a flavor (vcpus, ram, disk, ephemeral, swap) and its I(flavorid), I(is_public) and
    I(rxtx_factor) never change in place. Asking for a different value on an existing flavor fails with a message
    naming the field; delete the flavor (I(state=absent)) and create it again. Instances keep the snapshot of the
    flavor they were built with.
  - Only I(description) and I(extra_specs) are updated in place.
  - Runs on the controller (the node that holds the state store).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: Flavor name, 1-255 characters without leading or trailing whitespace. Also matched against flavor ids.
    type: str
    required: true
  state:
    description: Whether the flavor should exist.
    type: str
    choices: [present, absent]
    default: present
  vcpus:
    description: Number of virtual CPUs (at least 1). Required with I(state=present).
    type: int
  ram:
    description: Memory in MB (at least 1). Required with I(state=present).
    type: int
  disk:
    description: Root disk size in GB; 0 means the image's size. Required with I(state=present).
    type: int
  ephemeral:
    description: Ephemeral disk size in GB.
    type: int
    default: 0
  swap:
    description: Swap disk size in MB.
    type: int
    default: 0
  is_public:
    description: Whether every project may use the flavor.
    type: bool
    default: true
  flavorid:
    description:
      - The flavor id the API shows. Omitted or C(auto) gives a new UUID, as Nova does.
      - Ignored when comparing with an existing flavor if omitted.
    type: str
  rxtx_factor:
    description: Nova's RX/TX factor.
    type: float
    default: 1.0
  description:
    description: Free-form description (Nova microversion 2.55). Omitted leaves an existing description unchanged.
    type: str
  extra_specs:
    description:
      - Extra specs to set, as key/value pairs (values are stored as strings).
      - Keys of known namespaces are validated, for example C(hw:cpu_sockets), C(hw:cpu_cores) and C(hw:cpu_threads)
        must be positive integers; C(capabilities:*) take any string.
    type: dict
    default: {}
  extra_specs_purge:
    description: Remove extra specs of an existing flavor that are not listed in I(extra_specs).
    type: bool
    default: false
notes:
  - The state store is chosen by I(database_url), else C($NOVALITE_DATABASE_URL), else the SQLite default.
  - Supports check mode and diff mode.
seealso:
  - module: novalite.compute.flavor_info
'''

EXAMPLES = r'''
- name: The m1.small flavor
  novalite.compute.flavor:
    name: m1.small
    flavorid: "2"
    vcpus: 1
    ram: 2048
    disk: 20

- name: A flavor that asks for two sockets
  novalite.compute.flavor:
    name: c2.two-socket
    vcpus: 4
    ram: 4096
    disk: 10
    extra_specs:
      hw:cpu_sockets: 2
    database_url: mysql+pymysql://nova:secret@db.example.com/novalite

- name: Gone
  novalite.compute.flavor:
    name: m1.xlarge
    state: absent
'''

RETURN = r'''
flavor:
  description: The flavor after the change (for I(state=absent), the deleted flavor; null when there was none).
  returned: always
  type: dict
  sample:
    flavorid: "2"
    name: m1.small
    vcpus: 1
    memory_mb: 2048
    root_gb: 20
    ephemeral_gb: 0
    swap: 0
    rxtx_factor: 1.0
    is_public: true
    disabled: false
    description: null
    extra_specs: {}
    projects: []
    created_at: "2026-11-23T18:29:05Z"
    updated_at: null
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    vcpus=dict(type='int'),
    ram=dict(type='int'),
    disk=dict(type='int'),
    ephemeral=dict(type='int', default=0),
    swap=dict(type='int', default=0),
    is_public=dict(type='bool', default=True),
    flavorid=dict(type='str'),
    rxtx_factor=dict(type='float', default=1.0),
    description=dict(type='str'),
    extra_specs=dict(type='dict', default={}),
    extra_specs_purge=dict(type='bool', default=False),
), handlers.flavor, required_if=[('state', 'present', ('vcpus', 'ram', 'disk'))])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
