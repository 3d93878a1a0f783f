#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: subnet
short_description: Create, update or delete a Neutron subnet
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages an IPv4 subnet of a network as C(openstack subnet create/set/delete) and M(openstack.cloud.subnet)
    do, through the REST shim's own code. A CIDR that is not a network, a gateway outside the subnet, pools
    outside it or overlapping subnets on one network fail with Neutron's texts, naming the option.
  - The subnet is found by I(name) in the project (and on I(network) when given), or by its id.
  - I(cidr) and I(ip_version) cannot change on an existing subnet; the gateway, pools, DNS servers, host routes,
    DHCP flag and description can.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description: Subnet name (or id).
    type: str
    required: true
  state:
    description: Whether the subnet should exist. Deleting one whose addresses ports still hold fails (C(SubnetInUse)).
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The network (name or id). Required to create the subnet.
    type: str
    aliases: [network_name]
  cidr:
    description: The subnet's range, e.g. C(10.0.0.0/24). Required to create the subnet.
    type: str
  ip_version:
    description: IP version; only 4.
    type: int
    choices: [4]
  gateway_ip:
    description: Gateway address; by default the first address of the range.
    type: str
  no_gateway_ip:
    description: The subnet has no gateway.
    type: bool
    default: false
  enable_dhcp:
    description: Whether the hosts answer DHCP on this subnet.
    type: bool
  dns_nameservers:
    description: DNS servers handed out by DHCP.
    type: list
    elements: str
  allocation_pool_start:
    description: First address of the one allocation pool (with I(allocation_pool_end)).
    type: str
  allocation_pool_end:
    description: Last address of the allocation pool.
    type: str
  host_routes:
    description: Extra routes, each C({destination, nexthop}).
    type: list
    elements: dict
  description:
    description: Free text.
    type: str
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.network
'''

EXAMPLES = r'''
- name: A /24 on web-net
  novalite.compute.subnet:
    name: web-subnet
    network: web-net
    cidr: 10.20.0.0/24
    dns_nameservers: [10.20.0.1]
    project_id: demo

- name: Only part of it for ports
  novalite.compute.subnet:
    name: web-subnet
    network: web-net
    cidr: 10.20.0.0/24
    allocation_pool_start: 10.20.0.100
    allocation_pool_end: 10.20.0.200
    project_id: demo
'''

RETURN = r'''
subnet:
  description: The subnet as Neutron shows it (null once absent).
  returned: always
  type: dict
  sample:
    id: 4f8e2c1a-9b7d-4e3f-8a6b-5c4d3e2f1a0b
    name: web-subnet
    network_id: 0b5a7a8e-6c1d-4c9e-9f0e-3d2a8a8c6b11
    cidr: 10.20.0.0/24
    gateway_ip: 10.20.0.1
    allocation_pools: [{start: 10.20.0.2, end: 10.20.0.254}]
    enable_dhcp: true
id:
  description: The subnet's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 4f8e2c1a-9b7d-4e3f-8a6b-5c4d3e2f1a0b
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    network=dict(type='str', aliases=['network_name']),
    cidr=dict(type='str'),
    ip_version=dict(type='int', choices=[4]),
    gateway_ip=dict(type='str'),
    no_gateway_ip=dict(type='bool', default=False),
    enable_dhcp=dict(type='bool'),
    dns_nameservers=dict(type='list', elements='str'),
    allocation_pool_start=dict(type='str'),
    allocation_pool_end=dict(type='str'),
    host_routes=dict(type='list', elements='dict'),
    description=dict(type='str'),
), handlers.subnet, mutually_exclusive=[('gateway_ip', 'no_gateway_ip')],
    required_together=[('allocation_pool_start', 'allocation_pool_end')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
