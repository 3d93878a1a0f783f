#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_action
short_description: Start a Nova server action (stop, start, reboot, pause, lock, reset_state, ...) in the state store
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Checks the action against Nova's rules (allowed vm_state and task_state, the lock) and
    records it (instance action, in-flight task_state) in one transaction, so a refused action
    changes nothing and two concurrent actions cannot both start.
  - Returns I(host_call), the host-side call that performs it (null for C(lock)/C(unlock),
    which complete in the store, and for deleting a server that never reached a host).
    Record the host's outcome with M(novalite.compute.server_report).
  - C(reset_state) is Nova's admin C(os-resetState) (C(openstack server set --state)). Admin only,
    any state and lock; it sets the vm_state to I(vm_state), clears the task_state and records a
    C(resetState) instance action, and asks nothing of the host.
  - C(rebuild) is Nova's rebuild - a new root disk from I(image) (the same image or another), keeping the
    server's uuid, host, flavor and project, optionally with a new I(name), I(metadata), I(key_name),
    I(user_data) and I(hostname); the image must fit the flavor, and a different image must suit the
    server's host (the image properties filter), else the server goes to ERROR with a NoValidHost fault
    as in Nova. Allowed from ACTIVE, SHUTOFF and ERROR; a stopped server stays stopped.
  - C(rescue) is Nova's rescue - the guest is powered off and boots a new disk made from I(image) (the
    server's own image when omitted) with its root disk attached second, so its data can be reached (status
    RESCUE). Allowed from ACTIVE, SHUTOFF and ERROR. C(unrescue) boots the server's own disk again (ACTIVE)
    and throws the rescue disk away.
  - C(console_output) reads the tail of the server's console log on its host (Nova's
    C(os-getConsoleOutput)); I(length) lines, all when omitted. It records nothing and reports
    C(changed=false); the host call's result carries C(output).
  - C(snapshot) is Nova's C(createImage) - the server's root disk, flattened, into a new image I(name) of the
    server's project with Nova's image properties (C(image_type=snapshot), C(instance_uuid), C(base_image_ref),
    ...) and I(metadata) as more properties; C(backup) is Nova's C(createBackup) - the same with
    C(image_type=backup) and C(backup_type=)I(backup_type), after which only the newest I(rotation) backups of
    that type of the server are kept. A running server is snapshotted live. Allowed from ACTIVE, SHUTOFF, PAUSED
    and SUSPENDED, also when locked (as Nova). The result's C(image) is the new image (C(queued) until the host
    call's result is recorded).
  - C(shelve) is Nova's shelve - the guest is powered off and its root disk copied into a new image
    C(<name>-shelved) (the result's C(image)), the server goes SHELVED with C(shelved_image_id), C(shelved_at) and
    C(shelved_host) in its system metadata; with I(shelved_offload_time) 0 (Nova's default) it is then offloaded
    at once (the next host call, run by the same play). C(shelve_offload) (Nova's C(shelveOffload)) removes a
    SHELVED server's domain and instance directory and releases its resources (SHELVED_OFFLOADED, no host).
    C(unshelve) schedules an offloaded server again (to I(availability_zone) or I(host) when given), boots it from
    the shelve image and deletes that image; a server still SHELVED on its host is only powered on. Allowed from
    ACTIVE, SHUTOFF, PAUSED and SUSPENDED (shelve), SHELVED (shelve_offload) and SHELVED / SHELVED_OFFLOADED
    (unshelve); a locked server refuses all three.
  - C(resize) is Nova's resize to I(flavor) - scheduled (the server's own host only with
    I(allow_resize_to_same_host)), the destination claimed while the source stays held, the guest powered off,
    its disk copied to the destination and grown to the new root_gb (a smaller root disk is refused), then the
    guest defined there with the new flavor and started when it ran before (status RESIZE, then VERIFY_RESIZE).
    C(migrate) (admin) is Nova's cold migration - the same with the server's own flavor, to another host (I(host)
    when given). C(confirm_resize) frees the source (its domain and disk go); C(revert_resize) removes the guest
    from the destination and starts it again on the source with the old flavor and disk. The next step's host
    call is run by the same play. No valid host leaves the server as it was, with a fault.
  - C(live_migrate) (admin) is Nova's live migration (os-migrateLive) of an ACTIVE or PAUSED server - scheduled
    (or to I(host)), the destination claimed while the source stays held, the running guest moved by libvirt
    (its disks too with I(block_migration)), status MIGRATING, then ACTIVE on the destination with the source
    freed; a failure leaves it running on the source with the destination freed.
  - C(evacuate) (admin) is Nova's evacuate of a server whose host's compute service is down or forced down
    (refused while it is up) - rebuilt from its image on I(host) or the scheduler's choice (never its own host), its
    ports and fixed IPs kept (an C(evacuation) migration record). When the failed host is back,
    C(playbooks/reconcile.yml) destroys the guest it still has and completes the migration.
  - C(trigger_crash_dump) is Nova's trigger_crash_dump (microversion 2.17) - an NMI injected into the guest
    (libvirt C(virDomainInjectNMI)), whose kernel then panics and dumps or logs it, as it is configured. Allowed
    from ACTIVE, PAUSED, RESCUE, VERIFY_RESIZE and ERROR with no task in flight, for a server on a host; a locked
    server refuses it. No task_state is set and the status stays; the C(trigger_crash_dump) instance action records
    the outcome (its C(compute_trigger_crash_dump) event, an error and a fault when the guest is not running).
  - The rules (which states allow which action, the task_state it sets, the host call it makes)
    are the table in C(plugins/module_utils/compute/action_table.py).
  - In check mode only the checks run.
  - With C(--diff) the server is shown before and after as the M(novalite.compute.server) module shows it
    (C(name), C(uuid), C(state), C(host), C(flavor), C(image)) plus its API C(status), C(task_state) and C(locked).
    After the action C(state) is where it leads and C(task_state) the one it set (in check mode, would set),
    for example C(state=running, task_state=null) to C(state=stopped, task_state=powering-off).
extends_documentation_fragment:
  - novalite.compute.state_store
  - novalite.compute.state_store.context
options:
  server:
    description: Server name or uuid.
    type: str
    required: true
  action:
    description:
      - The action.
      - C(soft_delete) powers the server off and keeps it (SOFT_DELETED) until C(restore) brings it back or
        C(force_delete) (or the REST service's reclaim after C(reclaim_instance_interval)) deletes it.
    type: str
    required: true
    choices: [stop, start, reboot, pause, unpause, suspend, resume, lock, unlock, reset_state, soft_delete, restore,
              force_delete, delete, rebuild, rescue, unrescue, console_output, snapshot, backup, shelve,
              shelve_offload, unshelve, resize, migrate, confirm_resize, revert_resize, live_migrate,
              evacuate, attach_interface, detach_interface, trigger_crash_dump]
  reboot_type:
    description: C(SOFT) (clean shutdown and start, hard after a timeout) or C(HARD) (power cycle).
    type: str
    choices: [SOFT, HARD]
    default: SOFT
  locked_reason:
    description: Reason recorded with C(lock).
    type: str
  vm_state:
    description:
      - C(reset_state) - the vm_state it sets (Nova's os-resetState C(state), C(openstack server set --state)).
      - Not named C(state) (kept as an alias) - in Ansible C(state) is the desired state of the module's object.
    type: str
    choices: [active, error]
    aliases: [state]
  image:
    description:
      - C(rebuild) - the image (name or id) of the new root disk.
      - C(rescue) - the rescue image (name or id); the server's own image when omitted.
    type: str
  name:
    description: C(rebuild) - a new name for the server; C(snapshot), C(backup) - the new image's name.
    type: str
  metadata:
    description: C(rebuild) - metadata replacing the server's; C(snapshot), C(backup) - properties of the new image.
    type: dict
  backup_type:
    description: C(backup) - the backup type (e.g. C(daily), C(weekly)); rotation counts backups of this type.
    type: str
  rotation:
    description: C(backup) - how many backups of I(backup_type) of the server to keep (0 or more).
    type: int
  image_store:
    description:
      - C(snapshot), C(backup), C(shelve) - the image store directory on the controller (where the image file goes).
    type: path
    default: /var/lib/novalite/images
  shelved_offload_time:
    description:
      - C(shelve) - Nova's C(shelved_offload_time) - 0 offloads the server right after the shelve, any other value
        leaves it on its host (an offload is then a C(shelve_offload), or the REST service's periodic one).
    type: int
    default: 0
  availability_zone:
    description:
      - C(unshelve) - the zone an offloaded server is scheduled to (Nova's 2.77); an empty string unpins it (2.91's
        null). Refused for a server that is not SHELVED_OFFLOADED.
    type: str
  flavor:
    description: C(resize) - the new flavor (name or id); it must differ from the server's.
    type: str
  allow_resize_to_same_host:
    description: C(resize) - nova.conf's C(allow_resize_to_same_host); the server's own host may be chosen.
    type: bool
    default: false
  host:
    description:
      - C(unshelve) - the compute host an offloaded server goes to (Nova's 2.91, an admin's choice).
      - C(migrate) - the compute host to migrate to (Nova's 2.56); the scheduler still checks it.
      - C(live_migrate) - the compute host to live-migrate to; the scheduler still checks it unless I(force).
      - C(evacuate) - the compute host to rebuild the server on (the scheduler's choice when omitted).
    type: str
  block_migration:
    description:
      - C(live_migrate) - C(true) copies the disks with the memory (a block migration), C(false) needs a shared
        instance directory, C(auto) picks by checking whether the directory is shared (Nova's 2.25).
    type: str
    default: auto
  force:
    description:
      - C(live_migrate) - with I(host), skip the scheduler (Nova's C(force), up to 2.67).
      - C(evacuate) - use I(host) without asking the scheduler (Nova's 2.29 C(force)); not forced when omitted.
    type: bool
  target_state:
    description: C(evacuate) - C(stopped) leaves the evacuated server stopped (Nova's 2.95); else as it was.
    type: str
    choices: [stopped]
  on_shared_storage:
    description:
      - C(evacuate) - whether the server's files are on storage shared with the destination (Nova's
        C(onSharedStorage) before 2.14). The destination checks it against what it finds and fails the evacuation
        when it differs (the server in C(ERROR) with the fault). Omitted, the destination decides.
    type: bool
  port:
    description:
      - C(attach_interface) - the port (name or id, the caller's) to attach; C(detach_interface) - the port to detach
        (required).
    type: str
  network:
    description:
      - C(attach_interface) - a new port on this network (name or id) is attached (deleted again at its detach);
        with neither I(port) nor I(network), the project's one network.
    type: str
  fixed_ip:
    description: C(attach_interface) - the new port's address on I(network).
    type: str
  tag:
    description: C(attach_interface) - the interface's device tag (Nova's 2.49 C(tag)).
    type: str
  key_name:
    description: C(rebuild) - a keypair of the requesting user replacing the server's key; an empty string removes it.
    type: str
  user_data:
    description: C(rebuild) - user data replacing the server's (given to the guest on its config drive).
    type: str
  hostname:
    description: C(rebuild) - a new hostname for the guest.
    type: str
  preserve_ephemeral:
    description: C(rebuild) - keep the ephemeral disk.
    type: bool
  length:
    description: C(console_output) - how many lines from the end (-1 or omitted - all).
    type: int
  scheduler:
    description: C(rebuild) - scheduler options (as the M(novalite.compute.schedule) module's) for the rebuild check.
    type: dict
'''

EXAMPLES = r'''
- name: Hard reboot vm1
  novalite.compute.server_action:
    server: vm1
    action: reboot
    reboot_type: HARD
  delegate_to: localhost
  register: reboot

- name: Rebuild vm1 from its image (a new root disk), with user data
  novalite.compute.server_action:
    server: vm1
    action: rebuild
    image: cirros
    user_data: "NOVALITE-MARKER after\n"
  delegate_to: localhost

- name: Rescue vm1 from its own image (its root disk is the guest's second disk, vdb)
  novalite.compute.server_action:
    server: vm1
    action: rescue

- name: A daily backup of vm1, keeping the newest two
  novalite.compute.server_action:
    server: vm1
    action: backup
    name: vm1-daily
    backup_type: daily
    rotation: 2
  delegate_to: localhost

- name: Shelve vm1 (powered off, its disk kept as the image vm1-shelved, its host freed)
  novalite.compute.server_action:
    server: vm1
    action: shelve
  delegate_to: localhost

- name: Unshelve vm1 in zone az2 (scheduled again, booted from its shelve image)
  novalite.compute.server_action:
    server: vm1
    action: unshelve
    availability_zone: az2
  delegate_to: localhost

- name: Evacuate vm1 from its failed host (its compute service down) to compute2
  novalite.compute.server_action:
    server: vm1
    action: evacuate
    host: compute2
  delegate_to: localhost

- name: An admin puts vm1, stuck in a task state, back to ACTIVE
  novalite.compute.server_action:
    server: vm1
    action: reset_state
    vm_state: active
  delegate_to: localhost
'''

RETURN = r'''
server:
  description: The server row with its in-flight task_state.
  returned: success
  type: dict
host_call:
  description: What the compute host must do next (see M(novalite.compute.server)), or null.
  returned: success
  type: dict
request_id:
  description: Request id of the recorded instance action.
  returned: success
  type: str
action:
  description: The Nova action started (the instance action's name, e.g. stop, reboot, lock).
  returned: success
  type: str
image:
  description: C(snapshot), C(backup), C(shelve) - the new image (C(queued) until the host call's result is recorded).
  returned: action is snapshot, backup or shelve and not in check mode
  type: dict
diff:
  description:
    - With C(--diff), the server's C(name), C(uuid), C(state), C(host), C(flavor), C(image), C(status),
      C(task_state) and C(locked) before and after the action.
  returned: in diff mode
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    CONTEXT_ARGS, DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table

MODULE = NovaliteModule(spec(
    DATABASE_ARGS, CONTEXT_ARGS,
    server=dict(type='str', required=True),
    action=dict(type='str', required=True, choices=list(action_table.VERBS)),
    reboot_type=dict(type='str', default='SOFT', choices=['SOFT', 'HARD']),
    locked_reason=dict(type='str'),
    vm_state=dict(type='str', choices=sorted(action_table.RESET_STATES), aliases=['state']),
    image=dict(type='str'),
    name=dict(type='str'),
    metadata=dict(type='dict'),
    key_name=dict(type='str', no_log=False),
    user_data=dict(type='str'),
    hostname=dict(type='str'),
    preserve_ephemeral=dict(type='bool'),
    length=dict(type='int'),
    scheduler=dict(type='dict'),
    backup_type=dict(type='str'),
    rotation=dict(type='int'),
    image_store=dict(type='path', default='/var/lib/novalite/images'),
    shelved_offload_time=dict(type='int', default=0),
    availability_zone=dict(type='str'),
    host=dict(type='str'),
    flavor=dict(type='str'),
    allow_resize_to_same_host=dict(type='bool', default=False),
    block_migration=dict(type='str', default='auto'),
    force=dict(type='bool'),
    target_state=dict(type='str', choices=['stopped']),
    on_shared_storage=dict(type='bool'),
    port=dict(type='str'),
    network=dict(type='str'),
    fixed_ip=dict(type='str'),
    tag=dict(type='str'),
), handlers.server_action, required_if=[('action', 'reset_state', ('vm_state',)), ('action', 'rebuild', ('image',)),
                                        ('action', 'resize', ('flavor',)),
                                        ('action', 'detach_interface', ('port',)),
                                        ('action', 'snapshot', ('name',)),
                                        ('action', 'backup', ('name', 'backup_type', 'rotation'))])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
