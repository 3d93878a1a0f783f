#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_move
short_description: One host-side step of a novalite server's resize or cold migration
description:
  - Runs on a compute host (Nova's libvirt C(migrate_disk_and_power_off), C(finish_migration),
    C(confirm_migration), C(destroy) and C(finish_revert_migration)); the controller side
    (novalite.compute.server_action, the REST shim) sends the steps in order.
  - C(migrate_out) (source) powers the guest off, keeps its instance directory as C(<uuid>_resize) and copies
    it to the destination's instance directory; a failure puts everything back.
  - C(finish_in) (destination) rebases the copied disks on this host's image cache, grows the root disk to the
    flavor's C(root_gb) (never shrinks it), defines the domain with the new flavor and starts it when
    I(move.power_on).
  - C(confirm) (source) removes C(<uuid>_resize) and the old domain; C(revert_dest) (destination) removes the
    resized guest; C(revert_source) (source) puts C(<uuid>_resize) back and starts the old domain when
    I(move.power_on).
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
      - The instance spec (the new flavor for C(finish_in), the old one for C(revert_source)).
    type: dict
    required: true
  move:
    description:
      - The step - C(step) (migrate_out, finish_in, confirm, revert_dest, revert_source), C(power_on) (start the
        guest at the end), C(same_host) (source and destination are one host), and for C(migrate_out)
        C(dest) - the destination's C(instances_path), C(host_ip) and C(transfer) (C(local) - the destination's
        instance directory is on this machine's filesystem; C(ssh) - rsync over ssh from this host to C(host_ip),
        into C(<uuid>.part) renamed into place there).
    type: dict
    required: true
  shutdown_timeout:
    description:
      - Seconds to wait for a clean shutdown before the disk is copied (Nova's C(shutdown_timeout)).
    type: int
    default: 60
  host_network:
    description:
      - This host's network plan (compute/host_calls.py), as a call of M(novalite.compute.instances) carries it
        (Nova's plug_vifs where the step starts the guest). The host's bridges, VXLANs, DHCP reservations and
        filters are brought to it before the step, nothing removed (C(finish_in) and C(revert_source) find the
        bridges of the server's ports, their NICs go in its domain), and after it (what the host no longer has a
        port for is removed - the ports a confirmed or reverted move took away).
    type: dict
'''

EXAMPLES = r'''
- name: Power vm1 off and copy its disk to compute-2's instances directory
  novalite.compute.instance_move:
    instance: {uuid: 0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e, name: instance-00000001}
    move:
      step: migrate_out
      dest: {instances_path: /var/lib/novalite/instances, host_ip: 10.0.0.12, transfer: ssh}
    migration_ssh: {key: /var/lib/novalite/.ssh/id_ed25519, known_hosts: /etc/novalite/migration_known_hosts}
  delegate_to: compute-1
'''

RETURN = r'''
step:
  description: The step done.
  returned: always
  type: str
power_state:
  description: Nova's power state of the domain afterwards.
  returned: success
  type: int
domain_xml:
  description: The domain as defined (finish_in, revert_source).
  returned: finish_in or revert_source
  type: str
grown:
  description: Whether the root disk was grown to the new flavor's size.
  returned: finish_in
  type: bool
root_bytes:
  description: The root disk's size afterwards (bytes, as the guest sees it).
  returned: finish_in
  type: int
bases_copied:
  description: Bytes copied into this host's image cache for the moved disks (0 when cached).
  returned: finish_in
  type: int
copied:
  description: Whether the instance directory was copied (false - the destination had it already).
  returned: migrate_out
  type: bool
clean_shutdown:
  description: Whether the guest shut down cleanly (ACPI) before its disk was copied; null when it was not running.
  returned: migrate_out
  type: bool
network:
  description: What the host changed in its network around the step (C(changed), C(actions)).
  returned: when I(host_network) was given
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    HOST_ARGS, HOST_MIGRATION_ARGS, HOST_MOVE_NETWORK_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers

MODULE = NovaliteModule(spec(
    HOST_ARGS, HOST_MIGRATION_ARGS, HOST_MOVE_NETWORK_ARGS,
    instance=dict(type='dict', required=True),
    move=dict(type='dict', required=True),
    shutdown_timeout=dict(type='int', default=60),
), handlers.instance_move)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
