#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: reconcile
short_description: Reconcile the state store with a compute host's libvirt (Nova's init_host and power-state sync)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Compares the live instances the store places on I(host) with the domains the host reported
    (M(novalite.compute.domain_info)).
  - Fixes power_state from the hypervisor (an ACTIVE instance whose domain is shut off becomes
    SHUTOFF, as Nova's sync does); puts an instance whose domain vanished into ERROR with a fault.
  - Reports orphans (novalite domains and instance directories of no live instance) in
    I(orphan_domains) and I(orphan_dirs); removing them is a separate, explicit host step
    (C(remove_orphans) in C(playbooks/reconcile.yml)). It never deletes anything of an instance
    the store knows, and never touches domains that are not novalite's.
  - Ends task states that no running job owns (see I(task_state_grace)), also those of servers
    that have no host yet.
  - Instances with a task in flight are skipped.
  - Lists in I(evacuated) the guests of servers evacuated from I(host) that it still has, and completes the
    evacuations whose guests are gone (I(evacuations_completed)).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  host:
    description: The compute host's inventory name.
    type: str
    required: true
  domains:
    description: The C(domains) returned by M(novalite.compute.domain_info) on that host.
    type: list
    elements: dict
    required: true
  instance_dirs:
    description: The C(instance_dirs) returned by M(novalite.compute.domain_info).
    type: list
    elements: str
    default: []
  task_state_grace:
    description:
      - Seconds a task state is left to its owner before it counts as stale - after the owning API
        job's lease lapsed, or (a request with no job, e.g. a playbook run) after the server's last change.
      - Stale task states are ended as Nova's C(init_host) does (a boot goes to C(ERROR), an action's
        task state is cleared and the vm_state follows the domain's power state), each with a fault.
    type: int
    default: 3600
'''

EXAMPLES = r'''
- name: Reconcile one host
  novalite.compute.reconcile:
    host: "{{ inventory_hostname }}"
    domains: "{{ found.domains }}"
    instance_dirs: "{{ found.instance_dirs }}"
  delegate_to: localhost
'''

RETURN = r'''
network_call:
  description: The host call that re-plugs the host's networks (C(network) is the plan for
    M(novalite.compute.host_network)); null when no port is bound to the host (or in check mode).
  returned: always
  type: dict
power_fixes:
  description: Instances whose power_state was corrected (C(uuid), C(name), C(from), C(to)).
  returned: always
  type: list
  elements: dict
vanished:
  description: Instances whose domain is gone; now in ERROR with a fault.
  returned: always
  type: list
  elements: dict
orphan_domains:
  description: novalite domains of no live instance (C(uuid), C(name), C(reason)).
  returned: always
  type: list
  elements: dict
orphan_dirs:
  description: Instance directories of no live instance (a live server's on another host is on storage shared
    with it, not an orphan).
  returned: always
  type: list
  elements: str
evacuated:
  description:
    - Guests of servers evacuated from I(host) while it was down that are still there (C(uuid), C(name),
      C(migration), C(domain), C(instance_dir), C(shared_storage)); the host destroys them with their
      directories (Nova's C(_destroy_evacuated_instances); C(playbooks/reconcile.yml) does it always), except a
      directory on storage shared with the destination (C(shared_storage) true), which the server runs from
      now. Never a server of I(host).
  returned: always
  type: list
  elements: dict
evacuations_completed:
  description:
    - Evacuation migrations from I(host) whose guest is gone from it; the host's allocation for each is freed and
      the migration is C(completed).
  returned: always
  type: list
  elements: str
foreign_domains:
  description: Domains that are not novalite's; left alone.
  returned: always
  type: list
  elements: dict
stale_task_states:
  description:
    - Servers of I(host) (or with no host) whose task state no running job owned, now ended (C(uuid),
      C(name), C(vm_state), C(task_state), C(action), C(request_id), C(fault)).
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.compute.reconcile import DEFAULT_GRACE

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    host=dict(type='str', required=True),
    domains=dict(type='list', elements='dict', required=True),
    instance_dirs=dict(type='list', elements='str', default=[]),
    task_state_grace=dict(type='int', default=DEFAULT_GRACE),
), handlers.reconcile)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
