#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: port
short_description: Create, update or delete a Neutron port
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages a port (a MAC and fixed IPs on a network) as C(openstack port create/set/delete) and
    M(openstack.cloud.port) do, through the REST shim's own allocator. An address outside the subnet or already
    used, an exhausted subnet, another project's network fail with Neutron's texts, naming the option.
  - The port is found by I(name) in the project (and on I(network) when given), or by its id.
  - A port made here can be given to a server, as C(port) in the I(networks) of M(novalite.compute.server).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description: Port name (or id).
    type: str
    required: true
  state:
    description: Whether the port should exist.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The network (name or id). Required to create the port.
    type: str
  fixed_ips:
    description:
      - The port's addresses, each C({subnet, ip_address}) (C(subnet) a name or id, also C(subnet_id)); one
        without C(ip_address) gets the next free address of that subnet.
      - By default one address from the network's subnets.
    type: list
    elements: dict
  mac_address:
    description: The MAC; by default a unique C(fa:16:3e:..) one.
    type: str
  admin_state_up:
    description: Administrative state.
    type: bool
  security_groups:
    description: Security groups (names or ids); by default the project's C(default) group.
    type: list
    elements: str
  no_security_groups:
    description: The port has no security group.
    type: bool
    default: false
  port_security_enabled:
    description: Whether the port's traffic is filtered (needs no security groups when false).
    type: bool
  device_id:
    description: The device using the port.
    type: str
  device_owner:
    description: The kind of device (C(compute:nova) ...).
    type: str
  description:
    description: Free text.
    type: str
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.network
  - module: novalite.compute.security_group
'''

EXAMPLES = r'''
- name: A port with a chosen address
  novalite.compute.port:
    name: db-port
    network: web-net
    fixed_ips:
      - subnet: web-subnet
        ip_address: 10.20.0.10
    security_groups: [web]
    project_id: demo
'''

RETURN = r'''
port:
  description: The port as Neutron shows it (null once absent).
  returned: always
  type: dict
  sample:
    id: 8d0e6c5b-1a2f-4b3c-9d4e-5f6a7b8c9d0e
    name: db-port
    network_id: 0b5a7a8e-6c1d-4c9e-9f0e-3d2a8a8c6b11
    mac_address: fa:16:3e:12:34:56
    fixed_ips: [{subnet_id: 4f8e2c1a-9b7d-4e3f-8a6b-5c4d3e2f1a0b, ip_address: 10.20.0.10}]
    security_groups: [2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f]
    status: DOWN
id:
  description: The port's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 8d0e6c5b-1a2f-4b3c-9d4e-5f6a7b8c9d0e
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    network=dict(type='str'),
    fixed_ips=dict(type='list', elements='dict'),
    mac_address=dict(type='str'),
    admin_state_up=dict(type='bool'),
    security_groups=dict(type='list', elements='str'),
    no_security_groups=dict(type='bool', default=False),
    port_security_enabled=dict(type='bool'),
    device_id=dict(type='str'),
    device_owner=dict(type='str'),
    description=dict(type='str'),
), handlers.port, mutually_exclusive=[('security_groups', 'no_security_groups')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
