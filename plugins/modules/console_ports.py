#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: console_ports
short_description: Where a novalite instance's VNC and serial consoles listen on its compute host
description:
  - Runs on a compute host and only reads libvirt's live domain XML (Nova's libvirt C(get_vnc_console) and
    C(get_serial_console)) - the VNC server's address and the port libvirt gave it (autoport), and the TCP
    listeners of the serial consoles - for the console proxy to connect to.
  - A domain that is not running has no console (C(vnc) is null). The domain must exist on this host.
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
- name: Where the guest's VNC server listens
  novalite.compute.console_ports:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e}
  register: ports
'''

RETURN = r'''
power_state:
  description: Nova's power state of the domain (1 running).
  returned: success
  type: int
domain_state:
  description: libvirt's state name of the domain.
  returned: success
  type: str
vnc:
  description: C(host) and C(port) of the VNC server, null when the domain is not running.
  returned: success
  type: dict
serial:
  description: C(host) and C(port) of each serial console TCP listener (empty when not running).
  returned: success
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
), handlers.console_ports)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
