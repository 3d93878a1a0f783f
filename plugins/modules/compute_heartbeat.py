#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: compute_heartbeat
short_description: Record a heartbeat for compute hosts that just proved alive
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Controller side (delegate to the controller). Writes only the service heartbeat (C(services.last_seen_up),
    Nova's servicegroup report) of each host in O(hosts); capacity and settings stay as the last full report
    (M(novalite.compute.compute_node)) left them.
  - For the start of a play (the C(novalite.compute.compute_host) role's C(report) entry point) - the hosts whose
    libvirt answered just now are recorded up, so a live host is never left out because its last periodic
    report is minutes old. Hosts that did not answer are given in O(not_answering) and get no heartbeat, so the
    scheduler's ComputeFilter still counts them down; each one is named in a warning with the reason.
  - A heartbeat alone is not a change (as in M(novalite.compute.compute_node)); always C(changed=false).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  hosts:
    description:
      - Registry host names (inventory host names) whose libvirt answered just now.
      - A host never recorded by a full report is returned in RV(unregistered) and not written.
    type: list
    elements: str
    required: true
  not_answering:
    description:
      - Host name to the reason it did not answer (unreachable, libvirt refused); reported as warnings.
    type: dict
    default: {}
requirements:
  - SQLAlchemy
attributes:
  check_mode:
    description: In check mode nothing is written; the hosts are returned as they are.
    support: full
  diff_mode:
    description: Does not return a diff.
    support: none
'''

EXAMPLES = r'''
- name: Heartbeats for the hosts that answered
  novalite.compute.compute_heartbeat:
    hosts: [compute1, compute2]
    not_answering:
      compute3: "libvirt_uri qemu:///system: cannot connect"
  delegate_to: localhost
'''

RETURN = r'''
nodes:
  description: The hosts written (or, in check mode, as they are), with C(host), C(state) and C(last_seen_up).
  returned: always
  type: list
  elements: dict
unregistered:
  description: Hosts of O(hosts) that have no compute node yet (run playbooks/register_hosts.yml or the compute_host role).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    hosts=dict(type='list', elements='str', required=True),
    not_answering=dict(type='dict', default={}),
), handlers.compute_heartbeat)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
