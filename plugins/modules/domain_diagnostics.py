#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: domain_diagnostics
short_description: A running novalite instance's diagnostics on its compute host
description:
  - Runs on a compute host and reads the instance's running domain from libvirt as Nova's libvirt driver does
    for C(GET /servers/{id}/diagnostics) - the vCPUs' times, each disk's and each NIC's counters, memory.
  - A domain that is not running gives only its power state. The domain must exist on this host.
  - Never opens the state store. Never changes anything (C(changed) is always false; check mode reads too).
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec; only C(uuid) is used.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Read a guest's counters
  novalite.compute.domain_diagnostics:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e}
  register: diagnostics
'''

RETURN = r'''
power_state:
  description: Nova's power state of the domain (1 running).
  returned: success
  type: int
legacy:
  description:
    - The flat form of microversions below 2.48 (C(cpu0_time), C(vda_read), C(<tap>_rx), C(memory),
      C(memory-<stat>)); null when the domain is not running.
  returned: success
  type: dict
details:
  description:
    - C(num_cpus), C(num_disks), C(num_nics), C(cpu_details), C(disk_details), C(nic_details) and
      C(memory_details) (MiB) as the 2.48 form has them; null when the domain is not running.
  returned: success
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
), handlers.domain_diagnostics)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
