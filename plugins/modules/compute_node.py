#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: compute_node
short_description: Record a compute host and its heartbeat in the state store
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Controller side (delegate to the controller). Records what M(novalite.compute.host_facts) read on a
    compute host plus the host's C(novalite_*) settings into C(compute_nodes), and a heartbeat into
    C(services) (binary C(nova-compute)) - Nova's periodic C(update_available_resource) report.
  - Also enables, disables or removes a host (Nova's os-services enable/disable/delete).
  - B(What changed means.) A run that only refreshes the heartbeat (and the host-observed C(free_disk_gb)
    and C(running_vms), which drift by themselves) reports C(changed=false); capacity, ratios, reserved
    amounts, zone, traits, capabilities and enabled/disabled do count. The heartbeat is written on every
    run that is not in check mode.
  - The usage columns and C(generation) belong to the scheduler's claims and are never overwritten.
  - Enabled/disabled from the host vars is applied when the host is first recorded and afterwards only
    when C(novalite_enabled) (or O(enabled)) is given, so a host disabled through the API stays disabled
    across periodic reports.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  host:
    description:
      - The compute host's name (the inventory host name); unique in the registry.
    type: str
    required: true
  state:
    description:
      - V(present) records facts, settings and a heartbeat (O(facts) required for a new host). Without
        O(facts), O(enabled) alone enables or disables a host already recorded.
      - V(absent) removes the host; refused while instances or allocations still reference it.
    type: str
    choices: [present, absent]
    default: present
  facts:
    description:
      - The C(host_facts) dict returned by M(novalite.compute.host_facts) on the host.
    type: dict
  hostvars:
    description:
      - The host's settings as host vars (keys C(novalite_availability_zone), C(novalite_cpu_allocation_ratio)
        ...; other keys are ignored). The options below override it.
    type: dict
  availability_zone:
    description: Availability zone (C(novalite_availability_zone)); default V(nova).
    type: str
  cpu_allocation_ratio:
    description: vCPU overcommit ratio (C(novalite_cpu_allocation_ratio)); default 16.0.
    type: float
  ram_allocation_ratio:
    description: RAM overcommit ratio (C(novalite_ram_allocation_ratio)); default 1.5.
    type: float
  disk_allocation_ratio:
    description: Disk overcommit ratio (C(novalite_disk_allocation_ratio)); default 1.0.
    type: float
  reserved_host_memory_mb:
    description: Memory kept for the host (C(novalite_reserved_host_memory_mb)); default 512.
    type: int
  reserved_host_disk_mb:
    description: Disk kept for the host (C(novalite_reserved_host_disk_mb)); default 0.
    type: int
  reserved_host_cpus:
    description: CPUs kept for the host (C(novalite_reserved_host_cpus)); default 0.
    type: int
  enabled:
    description:
      - Whether the scheduler may use the host (C(novalite_enabled)); V(false) is Nova's os-services
        disable (with O(disabled_reason)), V(true) its enable.
    type: bool
  disabled_reason:
    description: Why the host is disabled (C(novalite_disabled_reason)).
    type: str
  traits:
    description: Extra capability traits, e.g. C(CUSTOM_GPU) (C(novalite_traits)); CPU traits are added.
    type: list
    elements: str
  libvirt_uri:
    description: libvirt URI of the host (C(novalite_libvirt_uri)).
    type: str
  instances_path:
    description: Instances directory on the host (C(novalite_instances_path)).
    type: str
  virt_type:
    description: Virt type override (C(novalite_virt_type)).
    type: str
    choices: [kvm, qemu]
  host_ip:
    description: The host's IP (Nova's my_ip, C(novalite_host_ip)); default what the host reported.
    type: str
  physical_interface_mappings:
    description:
      - The host interface each flat physical network is bridged to, a dict of physical network name to
        interface name (C(novalite_physical_interface_mappings), Neutron's linuxbridge agent
        C(physical_interface_mappings); the string form C(physnet1:eth1,physnet2:eth2) is taken too); default
        none.
    type: raw
requirements:
  - SQLAlchemy
  - PyMySQL (for MySQL/MariaDB)
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it would report, without writing.
    support: full
  diff_mode:
    description: Returns the node's settings and capacity before and after.
    support: full
'''

EXAMPLES = r'''
- name: Report resources and heartbeat (the body of playbooks/register_hosts.yml)
  novalite.compute.compute_node:
    database_url: "{{ database_url | default(omit) }}"
    host: "{{ inventory_hostname }}"
    facts: "{{ novalite_host.host_facts }}"
    hostvars:
      novalite_availability_zone: "{{ novalite_availability_zone | default(omit) }}"
      novalite_cpu_allocation_ratio: "{{ novalite_cpu_allocation_ratio | default(omit) }}"
  delegate_to: localhost

- name: Take a host out of scheduling
  novalite.compute.compute_node:
    host: compute2
    enabled: false
    disabled_reason: disk replacement
  delegate_to: localhost

- name: Remove a host that no longer runs anything
  novalite.compute.compute_node:
    host: compute3
    state: absent
  delegate_to: localhost
'''

RETURN = r'''
node:
  description: The compute node as Nova's os-hypervisors shows it, plus the registry's settings. Null after O(state=absent).
  returned: always
  type: dict
  contains:
    host:
      description: Registry host name.
      type: str
    hypervisor_hostname:
      description: Host name reported by libvirt.
      type: str
    state:
      description: C(up) when the heartbeat is younger than service_down_time and not forced down.
      type: str
      sample: up
    status:
      description: C(enabled) or C(disabled).
      type: str
    vcpus:
      description: Host CPUs.
      type: int
    memory_mb:
      description: Host memory in MiB.
      type: int
    local_gb:
      description: Instances filesystem size in GiB.
      type: int
    vcpus_used:
      description: vCPUs claimed by the scheduler.
      type: int
    free_ram_mb:
      description: memory_mb minus memory_mb_used.
      type: int
    free_disk_gb:
      description: local_gb minus local_gb_used.
      type: int
    disk_available_least:
      description: Free GiB the host itself reported.
      type: int
    availability_zone:
      description: The host's zone.
      type: str
    hypervisor_type:
      description: e.g. QEMU.
      type: str
    hypervisor_version:
      description: e.g. 7002022.
      type: int
    cpu_info:
      description: CPU model, vendor, topology and features.
      type: dict
    last_seen_up:
      description: Time of the last heartbeat (UTC).
      type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    host=dict(type='str', required=True),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    facts=dict(type='dict'),
    hostvars=dict(type='dict'),
    availability_zone=dict(type='str'),
    cpu_allocation_ratio=dict(type='float'),
    ram_allocation_ratio=dict(type='float'),
    disk_allocation_ratio=dict(type='float'),
    reserved_host_memory_mb=dict(type='int'),
    reserved_host_disk_mb=dict(type='int'),
    reserved_host_cpus=dict(type='int'),
    enabled=dict(type='bool'),
    disabled_reason=dict(type='str'),
    traits=dict(type='list', elements='str'),
    libvirt_uri=dict(type='str'),
    instances_path=dict(type='str'),
    virt_type=dict(type='str', choices=['kvm', 'qemu']),
    host_ip=dict(type='str'),
    physical_interface_mappings=dict(type='raw'),
), handlers.compute_node)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
