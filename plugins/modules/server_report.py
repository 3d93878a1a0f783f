#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_report
short_description: Record what a compute host did for a server (controller side)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Nova's conductor step after a compute host call. Success moves vm_state and power_state on,
    clears task_state and finishes the instance action event; a failed boot puts the server in
    C(ERROR) with a fault and frees its claims; a failed action keeps the vm_state, clears the
    task_state and records a fault; a delete marks the row deleted and frees its claims.
  - Takes one report (I(server), I(action), I(request_id), I(result)) or a batch in I(reports).
  - A result with C(unreachable) (a host task with C(ignore_unreachable)) is the host failing the call.
  - In check mode nothing is written.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  server:
    description: Server uuid (or unique name).
    type: str
  action:
    description: The action the host call performed (C(create), C(stop), ..., or C(sync) for a state check).
    type: str
  request_id:
    description: Request id the action was recorded under.
    type: str
  result:
    description: The registered result of the host-side module (its C(failed), C(msg), C(power_state), C(domain_xml)).
    type: dict
  error:
    description: An error message, when the host call could not run at all.
    type: str
  reports:
    description: A batch of reports, each with the keys I(server), I(action), I(request_id), I(result), I(error).
    type: list
    elements: dict
  scheduler:
    description:
      - Scheduler configuration; its C(max_attempts) (default 3, Nova's) bounds how often a failed
        boot is rescheduled to another host.
    type: dict
  loop_results:
    description:
      - The C(results) of a looped host task whose loop items are host calls (as returned by
        M(novalite.compute.server_build), M(novalite.compute.server) and M(novalite.compute.server_action)),
        or groups of one host's calls (C([host, calls]), with one result per call in C(results), as the
        M(novalite.compute.instances) loop of host_calls_instances.yml registers them);
        each is recorded under its call's C(request_id), else I(request_id).
    type: list
    elements: dict
'''

EXAMPLES = r'''
- name: Record the boot
  novalite.compute.server_report:
    server: "{{ vm1.server.uuid }}"
    action: create
    request_id: "{{ vm1.request_id }}"
    result: "{{ boot }}"
  delegate_to: localhost
'''

RETURN = r'''
servers:
  description: The server rows after recording, one per report.
  returned: always
  type: list
  elements: dict
reschedules:
  description:
    - Host calls for boots that failed on one host and were scheduled to another (Nova's build
      retry); run each like the first and report again.
  returned: always
  type: list
  elements: dict
failures:
  description: One line per host call that failed for good (not rescheduled); its fault is recorded.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    server=dict(type='str'),
    action=dict(type='str'),
    request_id=dict(type='str'),
    result=dict(type='dict'),
    error=dict(type='str'),
    reports=dict(type='list', elements='dict'),
    loop_results=dict(type='list', elements='dict'),
    scheduler=dict(type='dict'),
), handlers.server_report, required_one_of=[('server', 'reports', 'loop_results')],
    mutually_exclusive=[('server', 'reports', 'loop_results')], required_by={'server': ('action', 'request_id')})


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
