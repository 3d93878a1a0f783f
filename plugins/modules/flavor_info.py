#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: flavor_info
short_description: List Nova flavors or show one
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Reads flavors from the novalite state store, as C(openstack flavor list/show) does.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: A flavor name or flavorid. When given, at most that flavor is returned.
    type: str
  is_public:
    description: Only public (C(true)) or only private (C(false)) flavors; omitted lists both.
    type: bool
  min_ram:
    description: Only flavors with at least this much memory (MB).
    type: int
  min_disk:
    description: Only flavors with at least this root disk (GB).
    type: int
notes:
  - Supports check mode (it changes nothing).
seealso:
  - module: novalite.compute.flavor
'''

EXAMPLES = r'''
- name: All flavors with at least 2 GB of RAM
  novalite.compute.flavor_info:
    min_ram: 2048
  register: big

- name: One flavor
  novalite.compute.flavor_info:
    name: m1.tiny
  register: tiny
'''

RETURN = r'''
flavors:
  description: The matching flavors, sorted by flavorid (empty when I(name) matches none).
  returned: always
  type: list
  elements: dict
  sample:
    - flavorid: "1"
      name: m1.tiny
      vcpus: 1
      memory_mb: 512
      root_gb: 1
      ephemeral_gb: 0
      swap: 0
      is_public: true
      extra_specs: {}
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str'),
    is_public=dict(type='bool'),
    min_ram=dict(type='int'),
    min_disk=dict(type='int'),
), handlers.flavor_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
