#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: router
short_description: Create, update or delete a Neutron router, its external gateway and interfaces
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages a router as C(openstack router create/set/add subnet/delete) and M(openstack.cloud.router) do,
    with an external gateway (a port on an external I(network)) and interfaces on tenant subnets (each holding the
    subnet's gateway address). Floating IPs reach a subnet through such a router.
  - The router is found by I(name) in the project, or by its id.
  - With I(interfaces) the router has exactly those subnets' interfaces (missing ones added, others removed);
    without it, its interfaces are left alone. I(state=absent) removes its interfaces, then the router.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description: Router name (or id).
    type: str
    required: true
  state:
    description: Whether the router should exist.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The external network (name or id) of the router's gateway.
    type: str
  enable_snat:
    description: Whether the gateway does SNAT for the router's subnets.
    type: bool
  external_fixed_ips:
    description: The gateway's addresses, each C({subnet, ip_address}) (admin only).
    type: list
    elements: dict
  interfaces:
    description: Subnets (names or ids) the router has an interface on.
    type: list
    elements: str
  admin_state_up:
    description: Administrative state.
    type: bool
  description:
    description: Free text.
    type: str
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.network
  - module: novalite.compute.subnet
'''

EXAMPLES = r'''
- name: Route web-subnet to the public network
  novalite.compute.router:
    name: web-router
    network: public
    interfaces: [web-subnet]
    project_id: demo
'''

RETURN = r'''
router:
  description: The router as Neutron shows it, plus C(interfaces) (the subnet ids it has an interface on).
  returned: always
  type: dict
  sample:
    id: 3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d
    name: web-router
    status: ACTIVE
    external_gateway_info:
      network_id: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a
      enable_snat: true
      external_fixed_ips: [{subnet_id: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d, ip_address: 192.0.2.10}]
    interfaces: [4f8e2c1a-9b7d-4e3f-8a6b-5c4d3e2f1a0b]
id:
  description: The router's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    network=dict(type='str'),
    enable_snat=dict(type='bool'),
    external_fixed_ips=dict(type='list', elements='dict'),
    interfaces=dict(type='list', elements='str'),
    admin_state_up=dict(type='bool'),
    description=dict(type='str'),
), handlers.router)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
