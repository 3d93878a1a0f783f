#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server
short_description: Desired state of a server in the novalite state store (controller side)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Creates, changes the power state of, or deletes a server, the way Nova's compute API does.
  - A new server is recorded (vm_state C(building), task_state C(scheduling)), scheduled by the
    filter scheduler and its resources claimed; an existing one is moved on with Nova's allowed
    state transitions (for example pause only from C(ACTIVE)).
  - The module does not touch the hypervisor. It returns I(host_call), the arguments of the
    host-side M(novalite.compute.instance) or M(novalite.compute.instance_action) call that does
    the work on the chosen compute host; M(novalite.compute.server_report) records its outcome.
    The role C(novalite.compute.server) chains the three.
  - In check mode nothing is written; a new server reports the host it would be scheduled to
    in I(planned_host).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
  - novalite.compute.state_store.server_create
options:
  networks:
    description:
      - For a new server, its networks as Nova's server create takes them (C(auto), C(none), or a list of
        C(uuid) (a network), C(port) (an existing port) and C(fixed_ip)); each gets a port whose network
        its compute host realises (M(novalite.compute.host_network)). Default none.
    type: raw
  security_groups:
    description:
      - For a new server, the security groups (names or ids) of the ports made for it (default the
        project's C(default) group).
    type: list
    elements: str
  name:
    description:
      - Server name (Nova's display name). Must be unique among live servers for this module to address it.
    type: str
  uuid:
    description:
      - Server uuid, to address an existing server instead of by name.
    type: str
  state:
    description:
      - C(present) creates the server when it is missing (booted, so C(ACTIVE)) and otherwise leaves it
        as it is, power included.
      - C(running), C(stopped), C(paused) and C(suspended) are power states. An existing server is moved
        there by Nova's actions (start, stop, pause, unpause, suspend, resume) and their allowed state
        transitions. A new server is booted and then moved there in the same run; the module returns
        I(followup), the state to ask once the boot is recorded (the role C(novalite.compute.server) does
        this second step).
      - C(absent) deletes it.
      - A server that is busy (a task state whose outcome is not the asked state) or in C(ERROR) and asked
        to change fails with a message saying why, and nothing is changed.
    type: str
    choices: [present, running, stopped, paused, suspended, absent]
    default: present
notes:
  - With C(--diff) the change is shown as the server's keys before and after, for example
    C(state=running) to C(state=stopped), or a new server's C(state), C(host), C(flavor) and C(image).
  - A name is looked up in the project of I(project_id) only; a uuid in every project (for an admin).
  - An existing server keeps its flavor and image (no resize or rebuild); a different I(flavor) or
    I(image) is reported as a warning.
'''

EXAMPLES = r'''
- name: Boot vm1 (records, schedules and claims; the role runs the host side too)
  novalite.compute.server:
    name: vm1
    flavor: m1.tiny
    image: novalite-test
  delegate_to: localhost
  register: vm1

- name: Where would vm2 land?
  novalite.compute.server:
    name: vm2
    flavor: m1.small
    image: novalite-test
    availability_zone: az2
  check_mode: true
  delegate_to: localhost

- name: Stop a server
  novalite.compute.server:
    name: vm1
    state: stopped
  delegate_to: localhost

- name: A server that exists in the project demo, whatever its power state
  novalite.compute.server:
    name: vm3
    flavor: m1.tiny
    image: novalite-test
    project_id: demo
    state: present
  delegate_to: localhost
'''

RETURN = r'''
server:
  description: The server's row after the change (status is the API status, e.g. BUILD, ACTIVE, SHUTOFF).
  returned: when the server exists
  type: dict
host_call:
  description:
    - What the compute host must do next, or null. Keys C(module) (instance or instance_action),
      C(host), C(instance), C(libvirt_uri), C(instances_path), C(state) or C(action), C(server), C(action).
  returned: always
  type: dict
planned_host:
  description: The compute host chosen (or, in check mode, that would be chosen) for a new server.
  returned: always
  type: str
action:
  description: The Nova action started (create, stop, start, pause, ...), or null.
  returned: always
  type: str
request_id:
  description: The request id the instance action is recorded under.
  returned: always
  type: str
followup:
  description:
    - For a new server asked C(stopped), C(paused) or C(suspended), that state, to ask again once its boot
      is recorded (the role does it in the same run); null otherwise.
  returned: always
  type: str
diff:
  description: With C(--diff), the server's C(name), C(uuid), C(state), C(host), C(flavor) and C(image) before and after.
  returned: in diff mode
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, SERVER_CREATE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.compute.desired import STATES

MODULE = NovaliteModule(spec(
    SERVER_CREATE_ARGS, DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str'),
    uuid=dict(type='str'),
    state=dict(type='str', default='present', choices=list(STATES)),
    networks=dict(type='raw'),
    security_groups=dict(type='list', elements='str'),
), handlers.server, required_one_of=[('name', 'uuid')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
