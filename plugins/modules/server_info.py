#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_info
short_description: List servers from the novalite state store, with faults and instance actions
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Returns servers with Nova's API status (BUILD, ACTIVE, SHUTOFF, PAUSED, SUSPENDED, ERROR, ...),
    vm_state, task_state, power_state, host and, for a single server, its latest fault and its
    instance actions with their events.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  server:
    description: One server (name or uuid); all live servers when omitted.
    type: str
  project_id:
    description:
      - Only this project's servers. A project name or id, resolved against the identity tables when they exist
        (as the server module does). Every project's servers when omitted.
    type: str
  host:
    description: Only servers on this compute host.
    type: str
  include_deleted:
    description: Include deleted servers.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Show vm1 with its actions
  novalite.compute.server_info:
    server: vm1
  delegate_to: localhost
  register: vm1
'''

RETURN = r'''
servers:
  description: Server rows; for a single I(server) each also has C(fault) and C(actions).
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    server=dict(type='str'),
    project_id=dict(type='str'),
    host=dict(type='str'),
    include_deleted=dict(type='bool', default=False),
), handlers.server_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
