#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instance_action
short_description: One-off actions on a novalite instance on its compute host (reboots, hot-plug, NMI, password)
description:
  - Runs on a compute host. C(reboot_soft) is Nova's soft reboot (ACPI shutdown, wait up to
    I(shutdown_timeout) seconds, start again; falls back to a hard reboot when the guest does not
    shut down). C(reboot_hard) destroys the domain, redefines it from I(domain_xml) (the stored
    XML) when given, and starts it.
  - C(attach_interface) (Nova's interface attach) realises the host's network as I(host_network) says (the port's
    bridge, its DHCP reservation and security group filters; nothing removed), then hot-plugs the port's NIC
    (I(vif)) into the running guest and the persistent definition (only the latter when the domain is shut off);
    a failed hot-plug takes the port off the host again. A NIC with the port's MAC already there is left alone.
  - C(detach_interface) takes the NIC with I(vif)'s MAC out of the guest (waiting for the guest to release it) and
    the definition, then makes the host's network I(host_network) (the plan without the port), pruned.
  - C(trigger_crash_dump) (Nova's trigger_crash_dump) injects an NMI into the running guest (libvirt
    C(virDomainInjectNMI)); a guest that is not running fails the call. What the guest does with the NMI is its own
    configuration (a panic and crash dump, or a kernel log line).
  - C(change_password) (Nova's changePassword) sets the password of the image's C(os_admin_user) (C(root), or
    C(Administrator) for C(os_type=windows)) to I(admin_pass) through the QEMU guest agent (libvirt
    C(virDomainSetUserPassword)).
  - An action always reports C(changed=true); in check mode nothing is done.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
options:
  instance:
    description:
      - The instance spec; only C(uuid) is used.
    type: dict
    required: true
  action:
    description:
      - What to do.
    type: str
    required: true
    choices: [reboot_soft, reboot_hard, attach_interface, detach_interface, trigger_crash_dump, change_password]
  shutdown_timeout:
    description:
      - Seconds a soft reboot waits for the guest to shut down before falling back to a hard reboot.
    type: int
    default: 60
  domain_xml:
    description:
      - Domain XML to redefine the domain from on a hard reboot (the controller's stored XML).
        When omitted the current definition is kept.
    type: str
  admin_pass:
    description:
      - The new password (C(change_password) only; required there).
    type: str
  libvirt_uri:
    description:
      - libvirt connection URI of this compute host.
    type: str
    default: qemu:///system
  vif:
    description:
      - The port to attach or detach, as an entry of the instance's C(network_info) (Nova's VIF shape, with C(id),
        C(address), C(devname), C(network)). Required for C(attach_interface) and C(detach_interface).
    type: dict
  host_network:
    description:
      - The host's whole network as the controller plans it (see M(novalite.compute.host_network)), with the new
        port for an attach, without the leaving one for a detach.
    type: dict
  host_networking:
    description:
      - Whether this host realises the networks of its ports. When false a port gives the guest no NIC.
    type: bool
    default: true
  network_state_dir:
    description:
      - Where this host keeps its dnsmasq files and applied filters (see M(novalite.compute.host_network)).
    type: path
'''

EXAMPLES = r'''
- name: Soft reboot, hard after 30 s
  novalite.compute.instance_action:
    instance: "{{ instance_spec }}"
    action: reboot_soft
    shutdown_timeout: 30

- name: Hot-plug a port's NIC (the host call the controller built)
  novalite.compute.instance_action:
    instance: "{{ host_call.instance }}"
    action: attach_interface
    vif: "{{ host_call.vif }}"
    host_network: "{{ host_call.host_network }}"

- name: Inject an NMI into the guest (a crash dump, as the guest's kernel is configured)
  novalite.compute.instance_action:
    instance: "{{ instance_spec }}"
    action: trigger_crash_dump
'''

RETURN = r'''
reboot_type:
  description: The reboot that was finally done (SOFT or HARD).
  returned: success, not check mode
  type: str
fell_back:
  description: Whether a soft reboot fell back to a hard one.
  returned: success, not check mode
  type: bool
power_state:
  description: Nova's power_state integer after the action.
  returned: success, not check mode
  type: int
domain_state:
  description: libvirt's state name after the action.
  returned: success, not check mode
  type: str
uuid:
  description: The domain's uuid.
  returned: success, not check mode
  type: str
name:
  description: The libvirt domain name.
  returned: success, not check mode
  type: str
status:
  description: running, paused, stopped or suspended after the action.
  returned: success, not check mode
  type: str
power_state_name:
  description: Nova's power state name (RUNNING, PAUSED, SHUTDOWN...) after the action.
  returned: success, not check mode
  type: str
has_managed_save:
  description: Whether libvirt holds a managed save image.
  returned: success, not check mode
  type: bool
plugged:
  description: The ports whose NIC the guest has now (attach_interface; empty without host networking).
  returned: success of an interface action, not check mode
  type: list
  elements: str
domain_xml:
  description: The persistent domain definition after an interface action.
  returned: success of an interface action, not check mode
  type: str
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.virt.driver import DEFAULT_SHUTDOWN_TIMEOUT

MODULE = NovaliteModule(spec(
    instance=dict(type='dict', required=True),
    action=dict(type='str', required=True, choices=['reboot_soft', 'reboot_hard', 'attach_interface',
                                                    'detach_interface', 'trigger_crash_dump', 'change_password']),
    admin_pass=dict(type='str', no_log=True),
    shutdown_timeout=dict(type='int', default=DEFAULT_SHUTDOWN_TIMEOUT),
    domain_xml=dict(type='str'),
    libvirt_uri=dict(type='str', default='qemu:///system'),
    vif=dict(type='dict'),
    host_network=dict(type='dict'),
    host_networking=dict(type='bool', default=True),
    network_state_dir=dict(type='path'),
), handlers.instance_action)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
