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
  - Runs on a compute host (Nova's libvirt C(check_can_live_migrate_destination) with C(pre_live_migration),
    C(check_can_live_migrate_source) with C(live_migration), C(rollback_live_migration_at_destination),
    C(live_migration_force_complete) and C(live_migration_abort)); the controller side
    (novalite.compute.server_action, the REST shim) sends the steps in order, two rounds for a migration.
  - C(prepare_destination) (destination) pre-creates the disks on its own copy of the same base when it does not
    see the instance's directory (not shared storage; the disks read from the running domain on the source's
    libvirt), else makes a test file in that directory for the source.
  - C(migrate) (source) says whether it sees that file (a shared instance directory), refuses a block migration
    over shared storage or a shared one without it, then migrates the running domain peer to peer
    (C(VIR_MIGRATE_LIVE), C(PEER2PEER), C(PERSIST_DEST), C(UNDEFINE_SOURCE), and C(NON_SHARED_INC) for a block
    migration); the guest keeps running. The memory and disks stream from QEMU to QEMU at the destination's
    C(host_ip).
  - C(rollback_dest) (destination) removes what a failed migration left there; C(force_complete) and C(abort)
    (source) pause the guest so the migration converges, or cancel it.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
  - novalite.compute.compute_host.migration_ssh
  - novalite.compute.compute_host.network
  - novalite.compute.compute_host.move_network
options:
  instance:
    description:
      - The instance spec.
    type: dict
    required: true
  live_migration:
    description:
      - The step - C(step) (prepare_destination, migrate, rollback_dest, force_complete, abort),
        C(block_migration) (true, false, or null for auto), for C(prepare_destination) C(source) - the source's
        C(libvirt_uri), C(host_ip) and C(ssh), for C(migrate) and C(rollback_dest) C(shared_file) (the test file's
        name), for C(rollback_dest) C(shared) (keep the instance directory), and for C(migrate) C(dest) - the
        destination's C(libvirt_uri), C(host_ip), C(ssh), C(instances_path), and C(vnc_listen) and C(serial_port)
        (what its C(prepare_destination) returned, where the guest's consoles will listen there).
      - C(ssh) true (both hosts reached by SSH) - the other host's libvirt is reached over SSH at its C(host_ip)
        with this host's O(migration_ssh) (C(qemu+libssh2) with a known_hosts file, else C(qemu+ssh)); else by its
        C(libvirt_uri), or C(qemu+tcp://<host_ip>/system) when that is this host's own C(qemu:///system).
    type: dict
    required: true
  host_network:
    description:
      - This host's network plan (compute/host_calls.py) when the server has ports. C(prepare_destination) brings
        the host's network to it before anything else, nothing removed (the bridges, DHCP reservations and
        filters of the server's ports there before the guest arrives, as Nova's pre_live_migration plugs them);
        C(migrate) and C(rollback_dest) prune the host's network to it once the step succeeded (the guest's ports
        leave the host it left, or the destination it never reached).
    type: dict
'''

EXAMPLES = r'''
- name: Live-migrate vm1 from compute-1 to compute-2 (block migration)
  novalite.compute.instance_live_migrate:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e, name: instance-00000001}
    live_migration:
      step: migrate
      block_migration: true
      dest: {libvirt_uri: 'qemu+tcp://10.0.0.12/system', host_ip: 10.0.0.12,
             instances_path: /var/lib/novalite/instances}
  delegate_to: compute-1

- name: The same between hosts reached by SSH (compute-1's libvirtd reaches compute-2's over SSH with its key)
  novalite.compute.instance_live_migrate:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e, name: instance-00000001}
    live_migration:
      step: migrate
      block_migration: true
      dest: {host_ip: 10.0.0.12, ssh: true, instances_path: /var/lib/novalite/instances}
    migration_ssh: {key: /var/lib/novalite/.ssh/id_ed25519, known_hosts: /etc/novalite/migration_known_hosts}
  delegate_to: compute-1
'''

RETURN = r'''
step:
  description: The step done.
  returned: always
  type: str
shared_file:
  description: The test file made in the instance directory seen here (none when it is not seen).
  returned: prepare_destination
  type: str
created:
  description: Whether the instance directory and its disks were pre-created here.
  returned: prepare_destination
  type: bool
vnc_listen:
  description: The address the guest's VNC and serial consoles will listen on here (this host's C(vnc_listen)).
  returned: prepare_destination
  type: str
serial_port:
  description: The serial console's TCP port the guest will have here (free on this host).
  returned: prepare_destination
  type: int
shared:
  description: Whether the source sees the destination's test file (the instance directory is shared).
  returned: migrate
  type: bool
power_state:
  description: Nova's power state of the domain on the destination afterwards.
  returned: migrate
  type: int
domain_xml:
  description: The domain as defined on the destination.
  returned: migrate
  type: str
dest_state:
  description: The domain's state on the destination (running).
  returned: migrate
  type: str
block_migration:
  description: Whether the disks were copied (a block migration).
  returned: migrate
  type: bool
seconds:
  description: How long the migration itself took.
  returned: migrate
  type: float
paused:
  description: Whether the guest was paused so the migration completes.
  returned: force_complete
  type: bool
aborted:
  description: Whether a running migration was cancelled.
  returned: abort
  type: bool
network:
  description: What the host changed in its network around the step (C(changed), C(actions)).
  returned: when I(host_network) was given and the step changes the network
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    HOST_ARGS, HOST_MIGRATION_ARGS, HOST_MOVE_NETWORK_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS, HOST_MIGRATION_ARGS, HOST_MOVE_NETWORK_ARGS,
    instance=dict(type='dict', required=True),
    live_migration=dict(type='dict', required=True),
), handlers.instance_live_migrate)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
