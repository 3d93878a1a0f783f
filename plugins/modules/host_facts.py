#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_facts
short_description: Read a compute host's capacity and hypervisor details from libvirt
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Runs on the compute host (never touches the state store) and returns what Nova's libvirt driver
    reports in C(get_available_resource) - CPUs, memory, local disk, CPU model and features,
    hypervisor type and version, the detected virt type (C(kvm) or C(qemu)) and the running domain count.
  - Pass the result to M(novalite.compute.compute_node), delegated to the controller, to record it.
  - Read-only; supports check mode.
  - Memory is the host-wide total (C(/proc/meminfo) as libvirt reports it), or libvirt's node info when
    that is larger.
options:
  libvirt_uri:
    description:
      - libvirt connection URI of the host's hypervisor (the host var C(novalite_libvirt_uri)).
    type: str
    default: qemu:///system
  instances_path:
    description:
      - Directory that holds instance disks (the host var C(novalite_instances_path)). C(local_gb) and
        C(free_disk_gb) are measured on its filesystem.
      - The directory is not created; when it does not exist yet, the nearest existing parent is measured
        and the module fails if the directory could not be created there.
    type: path
    default: /var/lib/novalite/instances
  virt_type:
    description:
      - Override the detected virt type (the host var C(novalite_virt_type)). Asking for C(kvm) on a host
        without usable KVM fails.
    type: str
    choices: [kvm, qemu]
requirements:
  - libvirt-python
  - lxml
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it would report, without writing.
    support: full
  diff_mode:
    description: Does not return a diff.
    support: none
notes:
  - C(hostname) is what libvirt reports; the registry's host name is the inventory host name.
'''

EXAMPLES = r'''
- name: Read the host's resources
  novalite.compute.host_facts:
    libvirt_uri: "{{ novalite_libvirt_uri | default(omit) }}"
    instances_path: "{{ novalite_instances_path | default(omit) }}"
  register: novalite_host

- name: Show the vCPU count
  ansible.builtin.debug:
    msg: "{{ novalite_host.host_facts.vcpus }} vCPUs, virt type {{ novalite_host.host_facts.virt_type }}"
'''

RETURN = r'''
host_facts:
  description: The host's resources and hypervisor details.
  returned: success
  type: dict
  contains:
    hostname:
      description: Host name reported by libvirt (Nova's hypervisor_hostname).
      type: str
      sample: compute1.example.org
    host_uuid:
      description: The host UUID from libvirt's capabilities.
      type: str
    uptime:
      description: What C(uptime) prints on the host in the C locale (the hypervisor uptime API's text), or
        null when it cannot run.
      type: str
      sample: " 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.17, 0.18"
    host_ip:
      description: IPv4 address of the default-route interface for local URIs, else null.
      type: str
    libvirt_uri:
      description: The URI used.
      type: str
    instances_path:
      description: The instances directory measured.
      type: str
    vcpus:
      description: Online host CPUs.
      type: int
      sample: 2
    memory_mb:
      description: Total host memory in MiB.
      type: int
    memory_mb_free:
      description: Free + buffers + cache in MiB, when libvirt reports it.
      type: int
    local_gb:
      description: Size of the instances filesystem in GiB.
      type: int
    free_disk_gb:
      description: Space available on the instances filesystem in GiB.
      type: int
    cpu_arch:
      description: Host CPU architecture.
      type: str
      sample: x86_64
    cpu_info:
      description: Nova's cpu_info - arch, model, vendor, topology (sockets, cores, threads), features.
      type: dict
    cpu_traits:
      description: os-traits names derived from the CPU features (e.g. HW_CPU_X86_AVX2).
      type: list
      elements: str
    hypervisor_type:
      description: libvirt driver type.
      type: str
      sample: QEMU
    hypervisor_version:
      description: Hypervisor version as Nova's integer (major*1000000 + minor*1000 + micro).
      type: int
      sample: 7002022
    hypervisor_version_text:
      description: The same version as text.
      type: str
      sample: 7.2.22
    libvirt_version:
      description: libvirt version as an integer.
      type: int
      sample: 9000000
    libvirt_version_text:
      description: The same version as text.
      type: str
    virt_type:
      description: Domain type to use, C(kvm) or C(qemu) (detected unless overridden).
      type: str
    virt_type_detected:
      description: What libvirt says the host supports.
      type: str
    supported_instances:
      description: "[arch, hypervisor type, vm mode] triples the host can run."
      type: list
      elements: list
    running_vms:
      description: Number of running libvirt domains.
      type: int
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import DEFAULT_URI

MODULE = NovaliteModule(spec(
    libvirt_uri=dict(type='str', default=DEFAULT_URI),
    instances_path=dict(type='path', default='/var/lib/novalite/instances'),
    virt_type=dict(type='str', choices=['kvm', 'qemu']),
), handlers.host_facts)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
