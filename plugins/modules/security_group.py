#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: security_group
short_description: Create, update or delete a Neutron security group
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages a security group as C(openstack security group create/set/delete) and
    M(openstack.cloud.security_group) do. A new group has Neutron's egress rules; add ingress rules with
    M(novalite.compute.security_group_rule).
  - The group is found by I(name) in the project, or by its id. The project's C(default) group cannot be
    made or renamed; deleting a group ports still use fails (C(SecurityGroupInUse)).
  - Rule changes reach running guests through the hosts' filters (M(novalite.compute.host_network)).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description: Group name (or id).
    type: str
    required: true
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Free text.
    type: str
  stateful:
    description: Whether the group's filtering is stateful.
    type: bool
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.security_group_rule
'''

EXAMPLES = r'''
- name: A group for web servers
  novalite.compute.security_group:
    name: web
    description: HTTP and SSH in
    project_id: demo
'''

RETURN = r'''
security_group:
  description: The group as Neutron shows it, with its rules (null once absent).
  returned: always
  type: dict
  sample:
    id: 2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f
    name: web
    description: HTTP and SSH in
    stateful: true
    is_default: false
    security_group_rules: [{direction: egress, ethertype: IPv4, protocol: null}]
id:
  description: The group's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    description=dict(type='str'),
    stateful=dict(type='bool'),
), handlers.security_group)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
