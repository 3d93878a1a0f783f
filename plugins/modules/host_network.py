#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)


from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_network
short_description: A compute host's networks - bridges, VXLANs, DHCP reservations and security group filters
description:
  - Runs on a compute host and never opens the state store; I(network) is the host's whole network as the
    controller knows it (compute/host_calls.py C(network_call), network/host_plan.py), and this module makes
    the host match it (network/host_side.py). Desired state - a second run changes nothing, a rebooted host
    gets everything back.
  - Per network with a port on this host, a Linux bridge C(brq<network id[:11]>) holding the host's DHCP
    port address, and for a VXLAN network a device C(vxlan-<VNI>) (VNI = the network's segmentation id,
    UDP 4789, from C(local_ip), the host's C(novalite_host_ip)) flooding to the other hosts with ports on
    it. Interface names derive from ids only.
  - One dnsmasq per network (started here, PID file under /run/novalite/network/<network id>, stopped by that
    PID), answering only the MACs of this host's ports with their fixed IP and hostname.
  - Security groups as nftables (tables C(bridge novalite_mark) and C(inet novalite_sg), stateful through
    C(br_netfilter)), replaced in one transaction when they differ, so a rule change reaches running guests.
  - Routers, DVR-like - each host routes its own guests. The router interface addresses of a network are held
    on its bridge (ARP for them kept off the VXLANs, table C(bridge novalite_gw)); a C(flat) external network's
    bridge holds the host interface the plan names (the inventory's C(novalite_physical_interface_mappings));
    each floating IP of a port here is bound (/32) on the external bridge, DNATed to the fixed IP and the
    fixed IP SNATed to it (table C(ip novalite_nat), replaced in one transaction); the router's tenant subnets
    leave by a routing table of their own (C(ip rule from <subnet> lookup 20044+n)), and C(ip_forward) is on.
  - One converge at a time per host (a lock in the host's network state dir). The plan is a snapshot - its
    C(generation) is when the controller read it - and is applied on top of what the host applied last, per
    port the newer winning; a port the plan does not mention stays as the host had it, so jobs applying
    plans side by side never drop or roll back another port's reservation or filter.
  - With I(prune) (the default), what the plan no longer has goes (bridges, VXLANs, dnsmasqs, reservations,
    floating IP addresses, routing tables and rules) - a port only when the host has it from an older plan
    than this one, or when its server is in the plan's C(leaving); a plan without C(generation) is newer than
    everything.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
  - novalite.compute.compute_host.network
options:
  network:
    description:
      - The host's network plan (C(local_ip), C(networks), C(ports), C(external), C(generation), optionally
        C(leaving)) as network/host_plan.py C(desired) returns it. Every name, id, MAC and address is checked
        again here.
    type: dict
    required: true
  prune:
    description:
      - Remove what the plan does not have (False only adds).
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Converge node1's networks (the plan comes from compute/host_calls.py network_call)
  novalite.compute.host_network:
    network: "{{ call.network }}"
  delegate_to: node1
'''

RETURN = r'''
actions:
  description: What was changed (or, in check mode, would be), one line each.
  returned: always
  type: list
  elements: str
plugged:
  description: Ids of the ports whose taps exist on this host, in their bridges.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    HOST_ARGS, HOST_NETWORK_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS, HOST_NETWORK_ARGS,
    network=dict(type='dict', required=True),
    prune=dict(type='bool', default=True),
), handlers.host_network)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
