#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_build
short_description: Record, schedule and claim a batch of new servers (controller side)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Nova's C(compute_api.create) plus C(schedule_and_build_instances) for one request of
    I(min_count) to I(max_count) servers, or for servers already recorded in BUILD/scheduling
    (I(servers), as the REST shim records them before answering 202).
  - All servers of one request are scheduled together, each placement seeing the previous
    ones. As in Nova every server the request made is placed, or none; when they do not all fit
    every server goes to C(ERROR) with the scheduler's explanation as its fault and the module
    fails with it.
  - Returns I(builds), one host call per server for M(novalite.compute.instance) on its host.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
  - novalite.compute.state_store.server_create
options:
  servers:
    description: Uuids of servers already recorded in BUILD/scheduling.
    type: list
    elements: str
  name:
    description: Name of new servers (C(name-1), C(name-2), ... when more than one).
    type: str
  min_count:
    description: Fewest servers to make (quota permitting, as Nova's API); every server made must fit, or none is placed
    type: int
    default: 1
  max_count:
    description: Most servers to boot.
    type: int
'''

EXAMPLES = r'''
- name: Three web servers
  novalite.compute.server_build:
    name: web
    flavor: m1.tiny
    image: novalite-test
    min_count: 3
  delegate_to: localhost
  register: batch
'''

RETURN = r'''
builds:
  description:
    - One host call per scheduled server (C(host), C(instance), C(libvirt_uri), C(instances_path), C(module),
      C(state), C(action), C(server), C(request_id)), as C(plugins/module_utils/compute/host_calls.py) builds it.
  returned: always
  type: list
  elements: dict
request_id:
  description: Request id of the create actions.
  returned: always
  type: str
explanation:
  description: The scheduler's account of which filters removed which hosts.
  returned: always
  type: str
failed_servers:
  description: The servers that could not be scheduled or prepared, each with C(uuid) and C(error) (empty on success).
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, SERVER_CREATE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    SERVER_CREATE_ARGS, DATABASE_ARGS, CONTEXT_ARGS,
    servers=dict(type='list', elements='str'),
    name=dict(type='str'),
    min_count=dict(type='int', default=1),
    max_count=dict(type='int'),
), handlers.server_build, supports_check_mode=False, required_one_of=[('servers', 'name')],
    required_by={'name': ('flavor', 'image')})


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
