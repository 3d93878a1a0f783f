#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: console
short_description: A VNC (noVNC) or serial console URL for a novalite server, with a new expiring token
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Nova's remote consoles (C(openstack console url show)) for playbooks, in two steps as the Compute API
    does them. Without I(ports) it checks the server (on a host, running, not being deleted or migrated, a
    console type that is served) and returns I(host_call), the read-only call (module
    M(novalite.compute.console_ports)) that asks its compute host where the console listens.
  - With I(ports), that call's result, it stores a new token (random, kept only as its SHA-256, valid for
    I(token_ttl) seconds and for this server only, as nova-consoleauth) and returns the I(url) of the
    console proxy (C(python -m novalite_api console-proxy)) carrying it.
  - C(playbooks/console.yml) runs both steps and prints the URL.
  - In check mode the checks and the host read run; no token is stored (C(url) is null).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  server:
    description: The server's name or uuid.
    type: str
    required: true
  type:
    description: C(novnc) (the VNC console in a browser) or C(serial) (a websocket to the serial console).
    type: str
    default: novnc
    choices: [novnc, serial]
  ports:
    description:
      - The result of the I(host_call) this module returned (M(novalite.compute.console_ports) on the server's
        host). Omitted, only the checks run and the host call is returned.
    type: dict
  base_url:
    description:
      - The console proxy's URL the token is added to (novalite-api's C(novncproxy_base_url) or
        C(serialproxy_base_url)); by default the proxy's default address,
        C(http://127.0.0.1:6080/vnc_lite.html) for novnc and C(ws://127.0.0.1:6080/) for serial.
    type: str
  token_ttl:
    description: Seconds the token is valid (Nova's C([consoleauth] token_ttl)).
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Check the server and ask where its console listens
  novalite.compute.console:
    server: vm1
  register: console

- name: Read it on the compute host
  novalite.compute.console_ports:
    instance: "{{ console.host_call.instance }}"
    libvirt_uri: "{{ console.host_call.libvirt_uri }}"
  delegate_to: "{{ console.host_call.host }}"
  register: ports

- name: The URL
  novalite.compute.console:
    server: vm1
    ports: "{{ ports }}"
  register: url
'''

RETURN = r'''
server:
  description: C(uuid), C(name) and C(host) of the server.
  returned: success
  type: dict
type:
  description: The console type.
  returned: success
  type: str
protocol:
  description: C(vnc) or C(serial).
  returned: success
  type: str
host_call:
  description: The read-only host call to run (null once I(ports) is given).
  returned: success
  type: dict
url:
  description: The console URL with its token (null without I(ports), and in check mode).
  returned: success
  type: str
expires:
  description: When the token expires (seconds since the epoch), null without a URL.
  returned: success
  type: int
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec,
)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    server=dict(type='str', required=True),
    type=dict(type='str', default='novnc', choices=['novnc', 'serial']),
    ports=dict(type='dict'),
    base_url=dict(type='str'),
    token_ttl=dict(type='int', default=600, no_log=False),
), handlers.console)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
