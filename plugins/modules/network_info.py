#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: network_info
short_description: List Neutron networks, subnets, ports, security groups, rules, routers and floating IPs
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Returns what the project (I(project_id)) sees of the network resources, as the REST shim's Neutron API
    lists them (an admin sees every project's); like openstack.cloud's C(*_info) modules in one.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  resources:
    description: Which lists to return.
    type: list
    elements: str
    choices: [networks, subnets, ports, security_groups, security_group_rules, routers, floating_ips]
    default: [networks]
  name:
    description: Only the resources with this name or id.
    type: str
  filters:
    description: Only the resources whose attributes have these values (Neutron's list filters).
    type: dict
notes:
  - Listing security groups makes the project's C(default) group if it has none (as Neutron does).
seealso:
  - module: novalite.compute.network
'''

EXAMPLES = r'''
- name: The demo project's networks and their subnets
  novalite.compute.network_info:
    resources: [networks, subnets]
    project_id: demo
    is_admin: false
  register: found

- name: The ports of one network
  novalite.compute.network_info:
    resources: [ports]
    filters:
      network_id: "{{ found.networks[0].id }}"
'''

RETURN = r'''
networks:
  description: The networks.
  returned: when asked in I(resources)
  type: list
  elements: dict
subnets:
  description: The subnets.
  returned: when asked in I(resources)
  type: list
  elements: dict
ports:
  description: The ports.
  returned: when asked in I(resources)
  type: list
  elements: dict
security_groups:
  description: The security groups, each with its rules.
  returned: when asked in I(resources)
  type: list
  elements: dict
security_group_rules:
  description: The security group rules.
  returned: when asked in I(resources)
  type: list
  elements: dict
routers:
  description: The routers.
  returned: when asked in I(resources)
  type: list
  elements: dict
floating_ips:
  description: The floating IPs.
  returned: when asked in I(resources)
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    resources=dict(type='list', elements='str', default=['networks'],
                   choices=['networks', 'subnets', 'ports', 'security_groups', 'security_group_rules', 'routers',
                            'floating_ips']),
    name=dict(type='str'),
    filters=dict(type='dict'),
), handlers.network_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
