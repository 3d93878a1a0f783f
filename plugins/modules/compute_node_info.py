#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: compute_node_info
short_description: List the compute hosts in the registry with up/down and enabled/disabled
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Controller side. Lists the compute nodes recorded by M(novalite.compute.compute_node) - what Nova's
    C(openstack hypervisor list) and C(openstack compute service list) show.
  - A host is C(up) when its last heartbeat is younger than O(service_down_time) and it is not forced down.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  host:
    description: Only this host (empty result when it is not registered).
    type: str
  availability_zone:
    description: Only hosts in this zone.
    type: str
  service_down_time:
    description: Seconds after the last heartbeat before a host counts as down (Nova's service_down_time).
    type: int
    default: 60
requirements:
  - SQLAlchemy
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it would report, without writing.
    support: full
  diff_mode:
    description: Does not return a diff.
    support: none
'''

EXAMPLES = r'''
- name: Which compute hosts are up
  novalite.compute.compute_node_info:
    database_url: "{{ database_url | default(omit) }}"
  register: registry
  delegate_to: localhost

- name: Fail when a host is down
  ansible.builtin.assert:
    that: registry.nodes | selectattr('state', 'equalto', 'down') | list | length == 0
'''

RETURN = r'''
nodes:
  description: Compute nodes sorted by host, same fields as the C(node) result of M(novalite.compute.compute_node).
  returned: always
  type: list
  elements: dict
  sample:
    - host: compute1
      hypervisor_hostname: compute1.example.org
      state: up
      status: enabled
      availability_zone: az1
      vcpus: 2
      memory_mb: 24105
      free_ram_mb: 24105
services:
  description: Nova's os-services rows for the nova-compute services.
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    host=dict(type='str'),
    availability_zone=dict(type='str'),
    service_down_time=dict(type='int', default=60),
), handlers.compute_node_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
