#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: domain_xml
short_description: Render (and optionally define) the libvirt domain XML of a novalite instance
description:
  - Runs on a compute host. Renders the domain XML Nova's libvirt driver would write for an instance spec
    (metadata, SMBIOS sysinfo, CPU topology, virtio disks, network interfaces, serial console log, VNC).
  - With I(define=true), defines it in libvirt unless libvirt already holds a semantically equal definition;
    the comparison ignores what libvirt adds by itself (PCI addresses, controllers, default attributes...),
    so redefining an unchanged instance reports C(changed=false).
  - Diff mode shows the normalised XML difference between libvirt's definition and the rendered one.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec (see docs/architecture.md), with C(uuid), C(name), C(flavor), C(image), C(network_info) ...
    type: dict
    required: true
  define:
    description:
      - Define the rendered XML in libvirt (only when it differs semantically).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Show the XML an instance would get
  novalite.compute.domain_xml:
    instance: "{{ instance_spec }}"
  register: rendered

- name: Define it (changed only when something really differs)
  novalite.compute.domain_xml:
    instance: "{{ instance_spec }}"
    define: true
  diff: true
'''

RETURN = r'''
xml:
  description: The rendered domain XML.
  returned: always
  type: str
virt_type:
  description: Domain type used (kvm or qemu).
  returned: always
  type: str
  sample: qemu
defined_xml:
  description: libvirt's inactive XML of the domain after the call (null when not defined).
  returned: when I(define=true)
  type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    define=dict(type='bool', default=False),
), handlers.domain_xml)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
