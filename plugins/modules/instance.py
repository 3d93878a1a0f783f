#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance
short_description: Desired power state of one novalite instance on its compute host (Nova's libvirt driver)
description:
  - Runs on a compute host. When the instance has no domain yet, boots it in one call (Nova's spawn);
    caches the image, creates the copy-on-write disks, renders and defines the domain XML and starts it.
    A failure during boot leaves no domain and no instance directory.
  - Then moves the domain to I(state) the way Nova does, C(stopped) (ACPI shutdown with
    I(shutdown_timeout), then destroy), C(running), C(paused) (memory stays in RAM),
    C(suspended) (libvirt managed save, state on disk), C(absent) (destroy, undefine with managed save
    and snapshot metadata, remove the instance directory; the cached base stays).
  - With I(rebuild), first Nova's rebuild - power off, destroy and undefine the domain, remove its disks,
    boot it again from C(instance.image) (new root disk, config drive and console log) - then I(state)
    (C(running) or C(stopped)). Done once per I(rebuild) id - the instance directory keeps the id of the
    rebuild that made its disks, so repeating the call changes nothing.
  - Idempotent; check mode reports the steps it would take in C(actions).
  - Never opens the state store; the controller records the returned values.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec (see docs/architecture.md). C(uuid) is always required; booting needs
        C(name), C(flavor) and C(image) too.
    type: dict
    required: true
  state:
    description:
      - Desired state. C(present) boots the instance if needed and leaves the power state alone.
    type: str
    choices: [running, present, stopped, paused, suspended, absent]
    default: running
  shutdown_timeout:
    description:
      - Seconds to wait for a clean (ACPI) shutdown before destroying the domain (Nova's C(shutdown_timeout)).
    type: int
    default: 60
  rebuild:
    description:
      - Rebuild the instance first; the value identifies the rebuild (the controller passes its request id).
    type: str
  preserve_ephemeral:
    description:
      - With I(rebuild), keep the ephemeral disk (C(disk.local)) instead of making a new one.
    type: bool
    default: false
  evacuate:
    description:
      - With I(rebuild), the rebuild is an evacuation's on this destination host. When the instance's disks are
        already here and it has no domain here, its directory is on storage shared with the failed host
        (Nova's C(instance_on_disk)) - the guest is recreated from those disks and keeps its data
        (C(on_shared_storage) true); otherwise the rebuild makes new disks from C(instance.image).
    type: bool
    default: false
  on_shared_storage:
    description:
      - With I(evacuate), the caller's word on whether the instance's files are on shared storage (Nova's
        C(onSharedStorage), before API microversion 2.14). When it differs from what this host finds, the module
        fails with Nova's C(Invalid state of instance files on shared storage) and changes nothing. Omitted, the
        host decides.
    type: bool
  destroy_disks:
    description:
      - With I(state=absent), remove the instance directory too (Nova's C(destroy_disks)). False keeps it,
        for a directory on shared storage that another host now runs the guest from (an evacuated guest's
        failed host, back).
    type: bool
    default: true
  rescue:
    description:
      - Rescue the instance first (Nova's rescue) - keep its domain definition in C(unrescue.xml), power it off,
        boot C(disk.rescue), a new overlay of C(rescue.image) (an image spec as C(instance.image)), with the
        root disk attached second (vdb) and the config drive made again; then I(state) (C(running)).
      - Done once - a rescued instance is left as it is.
    type: dict
  unrescue:
    description:
      - Unrescue the instance first (Nova's unrescue) - define the domain again from C(unrescue.xml), start it
        and remove the rescue files; then I(state) (C(running)). An instance not rescued is left as it is.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Boot (or make sure it is running)
  novalite.compute.instance:
    instance: "{{ instance_spec }}"
    state: running
  register: booted

- name: Stop it cleanly
  novalite.compute.instance:
    instance: "{{ instance_spec }}"
    state: stopped
    shutdown_timeout: 30

- name: Rebuild it from a new image (a new root disk), leave it running
  novalite.compute.instance:
    instance: "{{ instance_spec_with_new_image }}"
    state: running
    rebuild: req-0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e

- name: Delete it
  novalite.compute.instance:
    instance: "{{ instance_spec }}"
    state: absent

- name: Destroy a guest evacuated from this host, keeping its directory on shared storage
  novalite.compute.instance:
    instance:
      uuid: "{{ evacuated_uuid }}"
    state: absent
    destroy_disks: false
'''

RETURN = r'''
actions:
  description: Steps taken (or, in check mode, that would be), e.g. C([spawn]), C([power_off]).
  returned: always
  type: list
  elements: str
power_state:
  description: Nova's power_state integer (1 running, 3 paused, 4 shutdown, 7 suspended, 0 no state).
  returned: always
  type: int
domain_state:
  description: libvirt's state name (running, paused, shutoff...), null when absent.
  returned: always
  type: str
status:
  description: running, paused, stopped, suspended or absent.
  returned: always
  type: str
has_managed_save:
  description: Whether libvirt holds a managed save image (suspended).
  returned: when the domain exists
  type: bool
domain_xml:
  description: libvirt's inactive XML of the domain (the controller stores it for hard reboots).
  returned: when the domain exists and not check mode
  type: str
instance_dir:
  description: The instance directory.
  returned: always
  type: str
bases_copied:
  description: Bytes copied into the image cache by a boot in this call (0 when the image was cached).
  returned: always
  type: int
spawn_timing:
  description: Seconds per boot step (ensure_base, create_disks, define, start, total).
  returned: when the instance was booted
  type: dict
virt_type:
  description:
    - The libvirt domain type the new domain was defined with, C(kvm) or C(qemu) (the host's I(virt_type),
      or what the host supports when it is not set).
  returned: when the instance was booted (the C(spawn) step)
  type: str
  sample: kvm
clean_shutdown:
  description:
    - Whether the guest shut down by itself after the ACPI request within I(shutdown_timeout); false when it
      had to be destroyed (timeout 0, a paused guest, or no answer in time).
  returned: when the instance was powered off (the C(power_off) step)
  type: bool
rebuilt:
  description: Whether this call rebuilt the instance (false when the same rebuild was done before).
  returned: with rebuild, not check mode
  type: bool
rebuild_timing:
  description: Seconds the rebuild took (power off, destroy, new disks, define, start).
  returned: with rebuild, not check mode
  type: float
on_shared_storage:
  description: Whether an evacuation's rebuild (I(evacuate)) found the instance's disks here on shared storage and
    kept them.
  returned: with rebuild, not check mode
  type: bool
rescued:
  description: Whether this call rescued the instance (false when it was rescued already).
  returned: with rescue, not check mode
  type: bool
unrescued:
  description: Whether this call unrescued the instance (false when it was not rescued).
  returned: with unrescue, not check mode
  type: bool
rescue_timing:
  description: Seconds the rescue took (power off, rescue disk, define, start).
  returned: with rescue, not check mode
  type: float
timing:
  description: Seconds the whole call took inside the module.
  returned: not check mode
  type: float
uuid:
  description: The domain's uuid (the instance's), when the domain exists.
  returned: when the domain exists
  type: str
name:
  description: The libvirt domain name, when the domain exists.
  returned: when the domain exists
  type: str
power_state_name:
  description: Nova's power state name (RUNNING, PAUSED, SHUTDOWN, SUSPENDED, NOSTATE), when the domain exists.
  returned: when the domain exists
  type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS, NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    instance=dict(type='dict', required=True),
    state=dict(type='str', choices=list(driver.DESIRED_STATES), default='running'),
    shutdown_timeout=dict(type='int', default=driver.DEFAULT_SHUTDOWN_TIMEOUT),
    rebuild=dict(type='str'),
    preserve_ephemeral=dict(type='bool', default=False),
    evacuate=dict(type='bool', default=False),
    on_shared_storage=dict(type='bool'),
    destroy_disks=dict(type='bool', default=True),
    rescue=dict(type='dict'),
    unrescue=dict(type='bool', default=False),
), handlers.instance)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
