#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: floating_ip
short_description: Allocate, associate, move or release a Neutron floating IP
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages a floating IP as C(openstack floating ip create/set/delete) and C(server add/remove floating ip),
    and like M(openstack.cloud.floating_ip), through the REST shim's own code (Neutron's checks, the network
    must be external, the port's subnet must reach it through a router of the project).
  - The floating IP is found by I(floating_ip_address), else by the port (or server) it is associated with.
    A missing one is allocated on I(network); with I(port) or I(server) it is associated there, and an
    existing one given another port or server moves there at once.
  - I(state=absent) releases it.
  - This module writes the state store only; the compute hosts' NAT and floating addresses
    (M(novalite.compute.host_network)) follow on their next converge - C(playbooks/reconcile.yml) re-plugs every
    host, and the REST shim converges the hosts at once.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  state:
    description: Whether the floating IP should exist.
    type: str
    choices: [present, absent]
    default: present
  network:
    description: The external network (name or id) to allocate from. Required to allocate.
    type: str
  floating_ip_address:
    description: The address (choosing a new one's address is the admin's).
    type: str
  port:
    description: The port (name or id) to associate with.
    type: str
  server:
    description: The server (name or uuid) to associate with, through its first port (on I(nat_destination)).
    type: str
  nat_destination:
    description: With I(server), the network (name or id) of the server's port to use.
    type: str
  fixed_address:
    description: The port's fixed address to associate with, when it has several.
    type: str
  description:
    description: Free text.
    type: str
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.router
'''

EXAMPLES = r'''
- name: A floating IP for web-1
  novalite.compute.floating_ip:
    network: public
    server: web-1
    project_id: demo
  register: fip

- name: Move it to web-2
  novalite.compute.floating_ip:
    floating_ip_address: "{{ fip.floating_ip.floating_ip_address }}"
    server: web-2
    project_id: demo

- name: Release it
  novalite.compute.floating_ip:
    floating_ip_address: "{{ fip.floating_ip.floating_ip_address }}"
    state: absent
    project_id: demo
'''

RETURN = r'''
floating_ip:
  description: The floating IP as Neutron shows it (null once absent).
  returned: always
  type: dict
  sample:
    id: 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b
    floating_ip_address: 192.0.2.20
    floating_network_id: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a
    port_id: 8d0e6c5b-1a2f-4b3c-9d4e-5f6a7b8c9d0e
    fixed_ip_address: 10.20.0.10
    router_id: 3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d
    status: ACTIVE
id:
  description: The floating IP's id (of the released one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    network=dict(type='str'),
    floating_ip_address=dict(type='str'),
    port=dict(type='str'),
    server=dict(type='str'),
    nat_destination=dict(type='str'),
    fixed_address=dict(type='str'),
    description=dict(type='str'),
), handlers.floating_ip, mutually_exclusive=[('port', 'server')],
    required_one_of=[('floating_ip_address', 'port', 'server')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
