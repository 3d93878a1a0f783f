#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_action
short_description: Start a Nova server action (stop, start, reboot, pause, lock, reset_state, ...) in the state store
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Checks the action against Nova's rules (allowed vm_state and task_state, the lock) and
    records it (instance action, in-flight task_state) in one transaction, so a refused action
    changes nothing and two concurrent actions cannot both start.
  - Returns I(host_call), the host-side call that performs it (null for C(lock)/C(unlock),
    which complete in the store, and for deleting a server that never reached a host).
    Record the host's outcome with M(novalite.compute.server_report).
  - C(reset_state) is Nova's admin C(os-resetState) (C(openstack server set --state)). Admin only,
    any state and lock; it sets the vm_state to I(state), clears the task_state and records a
    C(resetState) instance action, and asks nothing of the host.
  - The rules (which states allow which action, the task_state it sets, the host call it makes)
    are the table in C(plugins/module_utils/compute/action_table.py).
  - In check mode only the checks run.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  server:
    description: Server name or uuid.
    type: str
    required: true
  action:
    description:
      - The action.
      - C(soft_delete) powers the server off and keeps it (SOFT_DELETED) until C(restore) brings it back or
        C(force_delete) (or the REST service's reclaim after C(reclaim_instance_interval)) deletes it.
    type: str
    required: true
    choices: [stop, start, reboot, pause, unpause, suspend, resume, lock, unlock, reset_state, soft_delete, restore,
              force_delete, delete]
  reboot_type:
    description: C(SOFT) (clean shutdown and start, hard after a timeout) or C(HARD) (power cycle).
    type: str
    choices: [SOFT, HARD]
    default: SOFT
  locked_reason:
    description: Reason recorded with C(lock).
    type: str
  state:
    description: The vm_state C(reset_state) sets (Nova's os-resetState states).
    type: str
    choices: [active, error]
'''

EXAMPLES = r'''
- name: Hard reboot vm1
  novalite.compute.server_action:
    server: vm1
    action: reboot
    reboot_type: HARD
  delegate_to: localhost
  register: reboot

- name: An admin puts vm1, stuck in a task state, back to ACTIVE
  novalite.compute.server_action:
    server: vm1
    action: reset_state
    state: active
  delegate_to: localhost
'''

RETURN = r'''
server:
  description: The server row with its in-flight task_state.
  returned: success
  type: dict
host_call:
  description: What the compute host must do next (see M(novalite.compute.server)), or null.
  returned: success
  type: dict
request_id:
  description: Request id of the recorded instance action.
  returned: success
  type: str
action:
  description: The Nova action started (the instance action's name, e.g. stop, reboot, lock).
  returned: success
  type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    server=dict(type='str', required=True),
    action=dict(type='str', required=True, choices=list(action_table.VERBS)),
    reboot_type=dict(type='str', default='SOFT', choices=['SOFT', 'HARD']),
    locked_reason=dict(type='str'),
    state=dict(type='str', choices=sorted(action_table.RESET_STATES)),
), handlers.server_action, required_if=[('action', 'reset_state', ('state',))])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
