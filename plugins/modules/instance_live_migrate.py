#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_live_migrate
short_description: One host-side step of a novalite server's live migration
description:
  - Runs on a compute host (Nova's libvirt C(check_can_live_migrate_destination),
    C(check_can_live_migrate_source), C(pre_live_migration), C(live_migration),
    C(rollback_live_migration_at_destination), C(live_migration_force_complete) and
    C(live_migration_abort)); the controller side (novalite.compute.server_action, the REST shim) sends the
    steps in order.
  - C(check_destination) (destination) makes a test file in its instances path; C(check_source) (source) says
    whether it sees that file (a shared instance directory) and what the instance's disks are.
  - C(pre_live_migration) (destination) pre-creates the disks on its own copy of the same base when the storage
    is not shared.
  - C(live_migration) (source) migrates the running domain peer to peer (C(VIR_MIGRATE_LIVE), C(PEER2PEER),
    C(PERSIST_DEST), C(UNDEFINE_SOURCE), and C(NON_SHARED_INC) for a block migration); the guest keeps running.
  - C(rollback_dest) (destination) removes what a failed migration left there; C(force_complete) and C(abort)
    (source) pause the guest so the migration converges, or cancel it.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec.
    type: dict
    required: true
  live_migration:
    description:
      - The step - C(step) (check_destination, check_source, pre_live_migration, live_migration, rollback_dest,
        force_complete, abort), C(shared_file) (the test file's name), C(shared) (the instance directory is
        shared), C(disks) (check_source's list, for pre_live_migration), C(block_migration), and for
        C(live_migration) C(dest) - the destination's C(libvirt_uri), C(host_ip) and C(instances_path).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Live-migrate vm1 from compute-1 to compute-2 (block migration)
  novalite.compute.instance_live_migrate:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e, name: instance-00000001}
    live_migration:
      step: live_migration
      block_migration: true
      dest: {libvirt_uri: 'qemu+tcp://10.0.0.12/system', host_ip: 10.0.0.12,
             instances_path: /var/lib/novalite/instances}
  delegate_to: compute-1
'''

RETURN = r'''
step:
  description: The step done.
  returned: always
  type: str
shared_file:
  description: The test file made in the instances path.
  returned: check_destination
  type: str
shared:
  description: Whether the source sees the destination's test file (the instance directory is shared).
  returned: check_source
  type: bool
disks:
  description: The instance's disks (name, format, size in bytes, backing file name).
  returned: check_source
  type: list
  elements: dict
created:
  description: Whether the disks were pre-created here.
  returned: pre_live_migration
  type: bool
power_state:
  description: Nova's power state of the domain on the destination afterwards.
  returned: live_migration
  type: int
domain_xml:
  description: The domain as defined on the destination.
  returned: live_migration
  type: str
dest_state:
  description: The domain's state on the destination (running).
  returned: live_migration
  type: str
block_migration:
  description: Whether the disks were copied (a block migration).
  returned: live_migration
  type: bool
seconds:
  description: How long the migration itself took.
  returned: live_migration
  type: float
paused:
  description: Whether the guest was paused so the migration completes.
  returned: force_complete
  type: bool
aborted:
  description: Whether a running migration was cancelled.
  returned: abort
  type: bool
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    live_migration=dict(type='dict', required=True),
), handlers.instance_live_migrate)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
