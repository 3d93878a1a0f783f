#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: domain_xml
short_description: Render (and optionally define) the libvirt domain XML of a novalite instance
description:
  - Runs on a compute host. Renders the domain XML Nova's libvirt driver would write for an instance spec
    (metadata, SMBIOS sysinfo, CPU topology, virtio disks, network interfaces, serial console log, VNC).
  - With I(define=true), defines it in libvirt unless libvirt already holds a semantically equal definition;
    the comparison ignores what libvirt adds by itself (PCI addresses, controllers, default attributes...),
    so redefining an unchanged instance reports C(changed=false).
  - Diff mode shows the normalised XML difference between libvirt's definition and the rendered one.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  instance:
    description:
      - The instance spec (see docs/architecture.md), with C(uuid), C(name), C(flavor), C(image), C(network_info) ...
    type: dict
    required: true
  define:
    description:
      - Define the rendered XML in libvirt (only when it differs semantically).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Show the XML an instance would get
  novalite.compute.domain_xml:
    instance: "{{ instance_spec }}"
  register: rendered

- name: Define it (changed only when something really differs)
  novalite.compute.domain_xml:
    instance: "{{ instance_spec }}"
    define: true
  diff: true
'''

RETURN = r'''
xml:
  description: The rendered domain XML.
  returned: always
  type: str
virt_type:
  description: Domain type used (kvm or qemu).
  returned: always
  type: str
  sample: qemu
defined_xml:
  description: libvirt's inactive XML of the domain after the call (null when not defined).
  returned: when I(define=true)
  type: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novalite.compute.plugins.module_utils import ansible_glue
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, disk, driver


def render_and_define(settings, instance, define, check_mode):
    conn = connection.open_connection(settings['libvirt_uri'])
    try:
        path = settings['instances_path']
        uuid = disk.validate_uuid(instance)
        disks = disk.existing_disks(path, uuid) or disk.planned_disks(path, instance)
        xml, virt_type = driver.render_for(conn, instance, settings, disks)
        out = {'xml': xml, 'virt_type': virt_type, 'changed': False}
        if define:
            res = driver.define(conn, xml, check_mode)
            out.update(changed=res['changed'], diff=res['diff'], defined_xml=res['domain_xml'])
        return out
    finally:
        conn.close()


def main():
    argument_spec = dict(
        instance=dict(type='dict', required=True),
        define=dict(type='bool', default=False),
    )
    argument_spec.update(driver.HOST_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    settings = ansible_glue.run(module, driver.settings_from_params, module.params)
    result = ansible_glue.run(module, render_and_define, settings, module.params['instance'],
                              module.params['define'], module.check_mode)
    if not module._diff:
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
