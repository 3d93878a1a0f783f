#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: domain_info
short_description: List the libvirt domains and instance directories of a compute host
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Runs on the compute host and reads libvirt (never the state store) - every domain with its
    uuid, name, Nova power_state, whether it carries novalite's metadata and whether its disks
    live under this host's instances path (C(managed_here)) - and the instance directories
    (named by instance uuid) under the instances path.
  - Feed the result to M(novalite.compute.reconcile) on the controller.
options:
  libvirt_uri:
    description: libvirt URI of the host.
    type: str
    default: qemu:///system
  instances_path:
    description: Where the host keeps instance directories.
    type: path
    default: /var/lib/novalite/instances
'''

EXAMPLES = r'''
- name: What the hypervisor has
  novalite.compute.domain_info:
    libvirt_uri: "{{ novalite_libvirt_uri | default('qemu:///system') }}"
  register: domains
'''

RETURN = r'''
domains:
  description: Domains with C(uuid), C(name), C(power_state), C(domain_state), C(status), C(novalite), C(managed_here).
  returned: always
  type: list
  elements: dict
instance_dirs:
  description: Uuids of the instance directories under I(instances_path).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    libvirt_uri=dict(type='str', default='qemu:///system'),
    instances_path=dict(type='path', default='/var/lib/novalite/instances'),
), handlers.domain_info)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
