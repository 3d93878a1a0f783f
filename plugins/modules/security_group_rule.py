#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: security_group_rule
short_description: Add or remove a rule of a Neutron security group
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - Manages one rule of a security group as C(openstack security group rule create/delete) and
    M(openstack.cloud.security_group_rule) do. A rule has no name, it is its attributes, and a rule with the
    same direction, ethertype, protocol, ports and remote is the same rule (Neutron's duplicate check), so a
    second run changes nothing.
  - Bad protocols, port ranges or prefixes fail with Neutron's texts, naming the option.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  security_group:
    description: The group (name or id).
    type: str
    required: true
  state:
    description: Whether the rule should exist.
    type: str
    choices: [present, absent]
    default: present
  direction:
    description: Traffic direction.
    type: str
    choices: [ingress, egress]
    default: ingress
  ethertype:
    description: IP version of the traffic.
    type: str
    choices: [IPv4, IPv6]
    default: IPv4
  protocol:
    description: C(tcp), C(udp), C(icmp), another name Neutron knows or a number 0-255; any when omitted.
    type: str
  port_range_min:
    description: Lowest port (TCP/UDP), or the ICMP type.
    type: int
  port_range_max:
    description: Highest port (TCP/UDP), or the ICMP code.
    type: int
  remote_ip_prefix:
    description: Source (ingress) or destination (egress) CIDR.
    type: str
  remote_group:
    description: Source or destination security group (name or id) instead of a prefix.
    type: str
  description:
    description: Free text (not part of what makes the rule the same).
    type: str
notes:
  - Supports check mode (the same work in a transaction that is rolled back) and diff mode.
seealso:
  - module: novalite.compute.security_group
'''

EXAMPLES = r'''
- name: SSH in from anywhere
  novalite.compute.security_group_rule:
    security_group: web
    protocol: tcp
    port_range_min: 22
    port_range_max: 22
    remote_ip_prefix: 0.0.0.0/0
    project_id: demo

- name: Ping in
  novalite.compute.security_group_rule:
    security_group: web
    protocol: icmp
    project_id: demo
'''

RETURN = r'''
rule:
  description: The rule as Neutron shows it (null once absent).
  returned: always
  type: dict
  sample:
    id: 7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b
    security_group_id: 2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f
    direction: ingress
    ethertype: IPv4
    protocol: tcp
    port_range_min: 22
    port_range_max: 22
    remote_ip_prefix: 0.0.0.0/0
    remote_group_id: null
id:
  description: The rule's id (of the deleted one for I(state=absent); null when there was none).
  returned: always
  type: str
  sample: 7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    security_group=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    direction=dict(type='str', choices=['ingress', 'egress'], default='ingress'),
    ethertype=dict(type='str', choices=['IPv4', 'IPv6'], default='IPv4'),
    protocol=dict(type='str'),
    port_range_min=dict(type='int'),
    port_range_max=dict(type='int'),
    remote_ip_prefix=dict(type='str'),
    remote_group=dict(type='str'),
    description=dict(type='str'),
), handlers.security_group_rule, mutually_exclusive=[('remote_ip_prefix', 'remote_group')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
