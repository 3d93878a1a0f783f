#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_set
short_description: Desired state of a set of servers (a desired-state file) in one call (controller side)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Takes a whole set of servers, each with the options of M(novalite.compute.server) (the same states
    and rules), and plans, checks and records all of it in one call, as C(playbooks/converge.yml) does
    for a desired-state file (docs/desired-state.md).
  - Every server is checked before anything is written; when one cannot be brought to its state now
    (busy with a task, in C(ERROR), a transition Nova does not allow) the module fails naming it, and
    nothing is changed.
  - New servers are recorded, then scheduled and claimed together, one scheduler request per group of
    alike servers (same flavor, image, zone and hints), so a group spreads like a multi-create.
    Actions and deletes are started as M(novalite.compute.server) starts them. The module does not touch
    the hypervisor; it returns I(host_calls), which C(roles/server/tasks/host_calls.yml) runs (each host's
    calls at once, in parallel) and records.
  - Servers already in their state get a C(sync) host call (the host confirms the domain and repairs
    drift) unless I(host_sync) is false.
  - The set belongs to one project (I(project_id), by name or id); servers are looked up by name in it.
    A set with a I(name) marks the servers it creates (system metadata C(desired_state_set)); with
    I(prune) the servers so marked with this name that the set no longer lists are deleted. Servers made
    through the API, by hand or by other sets are never pruned.
  - The set may declare its own I(networks) (with subnets) and I(security_groups) (with rules); they are
    made or updated first (as M(novalite.compute.network), M(novalite.compute.subnet),
    M(novalite.compute.security_group) and M(novalite.compute.security_group_rule) would), so the set's
    servers can name them in C(networks) and C(security_groups). Those the set creates are marked with its
    I(name); I(prune) removes the marked ones it no longer lists, once no port uses them (a network still
    used by a server this run deletes is left for a later call, listed in I(networks_pending)).
  - In check mode nothing is written; the plan shows each new server's host (I(servers[].host)), and with
    C(--diff) the changed keys of each server that would change.
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  name:
    description:
      - The set's name, its stable identity (a desired-state file's C(name)). Servers the set creates are
        marked with it. Required with I(prune).
    type: str
  servers:
    description:
      - The servers, each a mapping with a unique C(name) and the keys C(state) (C(present), C(running),
        C(stopped), C(paused), C(suspended), C(absent); default C(present)), C(flavor), C(image),
        C(availability_zone), C(server_group), C(key_name), C(user_data), C(metadata), C(scheduler_hints),
        with the meanings of the M(novalite.compute.server) options, and
      - C(networks) (C(auto), C(none) or a list of network names or ids, C({network, fixed_ip}) or
        C({port})), and C(security_groups) (names or ids), used when the server is created.
    type: list
    elements: dict
    required: true
  prune:
    description:
      - Delete the servers this set created (marked with I(name)) that it no longer lists.
    type: bool
    default: false
  only:
    description:
      - Act on these listed servers only (no prune). C(playbooks/converge.yml) uses it for its second step,
        moving new servers asked C(stopped), C(paused) or C(suspended) there once they are booted.
    type: list
    elements: str
  networks:
    description:
      - The set's networks, each a mapping with a unique C(name) and the options of M(novalite.compute.network)
        (C(description), C(admin_state_up), C(shared), C(external), C(mtu), C(port_security_enabled),
        C(provider_network_type), C(provider_physical_network), C(provider_segmentation_id)) and C(subnets),
        a list of mappings with the options of M(novalite.compute.subnet) (C(name), C(cidr), C(gateway_ip),
        C(no_gateway_ip), C(enable_dhcp), C(dns_nameservers), C(allocation_pool_start),
        C(allocation_pool_end), C(host_routes), C(description)).
    type: list
    elements: dict
  security_groups:
    description:
      - The set's security groups, each a mapping with a unique C(name), C(description), C(stateful) and
        C(rules), a list of mappings with the options of M(novalite.compute.security_group_rule)
        (C(direction), C(ethertype), C(protocol), C(port_range_min), C(port_range_max), C(remote_ip_prefix),
        C(remote_group), C(description)). Rules the set does not list are left alone.
    type: list
    elements: dict
  host_sync:
    description:
      - Ask the hosts to confirm the servers that are already in their state (and repair drift).
    type: bool
    default: true
  scheduler:
    description:
      - Scheduler configuration, as I(scheduler) of M(novalite.compute.server).
    type: dict
'''

EXAMPLES = r'''
- name: The plan of a set (what would change, where new servers would go)
  novalite.compute.server_set:
    name: web-tier
    project_id: demo
    servers:
      - {name: web-1, flavor: m1.tiny, image: novalite-test, state: running}
      - {name: web-2, flavor: m1.tiny, image: novalite-test, state: stopped}
    prune: true
  check_mode: true
  diff: true
  delegate_to: localhost
  register: plan

- name: Make it so (the host calls are run by the role's host_calls.yml)
  novalite.compute.server_set:
    name: web-tier
    project_id: demo
    servers: "{{ web_servers }}"
  delegate_to: localhost
  register: web_tier

- name: Run the host calls
  ansible.builtin.include_role:
    name: novalite.compute.server
    tasks_from: host_calls
  vars:
    novalite_calls: "{{ web_tier.host_calls }}"
'''

RETURN = r'''
servers:
  description:
    - The plan, one entry per listed (and pruned) server, with C(name), C(uuid) (null for a new server in
      check mode), C(state) (asked), C(action) (create, delete, start, stop, pause, unpause, suspend,
      resume, or null when nothing is to be done), C(host) (a new server's chosen or, in check mode,
      planned host) and C(followup).
  returned: always
  type: list
  elements: dict
host_calls:
  description: The host calls to run (compute/host_calls.py), boots, actions, deletes and syncs.
  returned: always
  type: list
  elements: dict
followup:
  description: Names of new servers asked C(stopped), C(paused) or C(suspended), to move there once booted.
  returned: always
  type: list
  elements: str
failed_servers:
  description: New servers the scheduler could not place (C(name), C(uuid), C(error)); they are in ERROR.
  returned: always
  type: list
  elements: dict
networks:
  description: The ids of the set's networks, by name (in check mode, of the ones that would be made).
  returned: always
  type: dict
  sample: {web-net: 0b5a7a8e-6c1d-4c9e-9f0e-3d2a8a8c6b11}
networks_pending:
  description: What I(prune) left for a later call because ports still use it (C(network <name>), C(security group <name>)).
  returned: always
  type: list
  elements: str
project_id:
  description: The project id the set was resolved to.
  returned: always
  type: str
request_id:
  description: The request id the instance actions are recorded under.
  returned: always
  type: str
diff:
  description: With C(--diff), per changed server (by name) its C(state), C(host), C(flavor), C(image) before and after.
  returned: in diff mode
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    name=dict(type='str'),
    servers=dict(type='list', elements='dict', required=True),
    prune=dict(type='bool', default=False),
    only=dict(type='list', elements='str'),
    networks=dict(type='list', elements='dict'),
    security_groups=dict(type='list', elements='dict'),
    host_sync=dict(type='bool', default=True),
    scheduler=dict(type='dict'),
), handlers.server_set)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
