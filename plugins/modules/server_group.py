#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_group
short_description: Create or delete a Nova server group
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Manages a server group in the novalite state store in Nova's microversion 2.64 shape, one I(policy) plus
    I(rules), as C(openstack server group create/delete) does.
  - The scheduler applies the policy to members (M(novalite.compute.schedule) with I(server_group)).
  - As in Nova a group cannot be changed; asking for a different policy or rules for an existing group fails
    naming the field. Delete it first.
  - The group is found by UUID, or by name within I(project_id).
  - Runs on the controller (the node that holds the state store).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: Group name, or its UUID for I(state=absent).
    type: str
    required: true
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  policy:
    description: The placement policy. Required with I(state=present).
    type: str
    choices: [affinity, anti-affinity, soft-affinity, soft-anti-affinity]
  rules:
    description:
      - Policy rules. Only C(max_server_per_host) (a positive integer), only with I(policy=anti-affinity).
    type: dict
  project_id:
    description:
      - Owning project, by name or id, resolved against the identity tables when they exist (as the server
        module does). Default the C(admin) project.
    type: str
  user_id:
    description:
      - Owning user, by name or id, resolved the same way. Default the C(admin) user.
    type: str
notes:
  - The state store is chosen by I(database_url), else C($NOVALITE_DATABASE_URL), else the SQLite default.
  - Supports check mode and diff mode.
'''

EXAMPLES = r'''
- name: Web servers on different hosts, at most two per host
  novalite.compute.server_group:
    name: web
    policy: anti-affinity
    rules:
      max_server_per_host: 2

- name: Gone
  novalite.compute.server_group:
    name: web
    state: absent
'''

RETURN = r'''
server_group:
  description: The group (for I(state=absent), the deleted group; null when there was none).
  returned: always
  type: dict
  sample:
    uuid: 5d1c2c7a-3c58-4a11-9b1b-7c1f0c6e2a11
    name: web
    policy: anti-affinity
    rules: {max_server_per_host: 2}
    members: []
    project_id: 4b1d3c0e9f8a4c2b8e7d6f5a4b3c2d1e
    user_id: 9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.server_groups import POLICIES

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    policy=dict(type='str', choices=list(POLICIES)),
    rules=dict(type='dict'),
    project_id=dict(type='str'),
    user_id=dict(type='str'),
), handlers.server_group, required_if=[('state', 'present', ('policy',))])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
