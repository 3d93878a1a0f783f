#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: network
short_description: Create, update or delete a Neutron network
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages a network in the novalite state store as C(openstack network create/set/delete) and
    M(openstack.cloud.network) do, through the same code as the REST shim's Neutron API (same checks,
    quotas and error texts).
  - The network is found by I(name) in the project (I(project_id)), or by its id.
  - An existing network is updated for what Neutron lets an update change; a provider attribute that differs
    is an error naming it (delete the network first).
  - Only admins make shared, external or provider networks (Neutron's policy).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description: Network name (or id).
    type: str
    required: true
  state:
    description: Whether the network should exist. Deleting one that still has ports fails (C(NetworkInUse)).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Free text.
    type: str
  admin_state_up:
    description: Administrative state.
    type: bool
  shared:
    description: Visible to every project (admin only).
    type: bool
  external:
    description: An external network (C(router:external)), for router gateways and floating IPs (admin only).
    type: bool
  mtu:
    description: MTU; defaults to 1450 for a tenant (VXLAN) network and 1500 for a flat or VLAN one.
    type: int
  port_security_enabled:
    description: Whether new ports get security groups by default.
    type: bool
  provider_network_type:
    description: C(provider:network_type) (admin only).
    type: str
    choices: [flat, vlan, vxlan, local]
  provider_physical_network:
    description: C(provider:physical_network) of a flat or VLAN network (admin only).
    type: str
  provider_segmentation_id:
    description: C(provider:segmentation_id), the VLAN id or VNI (admin only).
    type: int
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.subnet
  - module: novalite.compute.network_info
'''

EXAMPLES = r'''
- name: A tenant network in project demo
  novalite.compute.network:
    name: web-net
    project_id: demo

- name: An external network on the hosts' flat interface
  novalite.compute.network:
    name: public
    external: true
    provider_network_type: flat
    provider_physical_network: physnet1

- name: Gone
  novalite.compute.network:
    name: web-net
    project_id: demo
    state: absent
'''

RETURN = r'''
network:
  description: The network as Neutron shows it (null once absent). In check mode, the network that would be made.
  returned: always
  type: dict
  sample:
    id: 0b5a7a8e-6c1d-4c9e-9f0e-3d2a8a8c6b11
    name: web-net
    status: ACTIVE
    shared: false
    router:external: false
    mtu: 1450
    subnets: []
    project_id: 6f0c0f1e8a2b4b5e9c0d1e2f3a4b5c6d
id:
  description: The network's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 0b5a7a8e-6c1d-4c9e-9f0e-3d2a8a8c6b11
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    description=dict(type='str'),
    admin_state_up=dict(type='bool'),
    shared=dict(type='bool'),
    external=dict(type='bool'),
    mtu=dict(type='int'),
    port_security_enabled=dict(type='bool'),
    provider_network_type=dict(type='str', choices=['flat', 'vlan', 'vxlan', 'local']),
    provider_physical_network=dict(type='str'),
    provider_segmentation_id=dict(type='int'),
), handlers.network)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
