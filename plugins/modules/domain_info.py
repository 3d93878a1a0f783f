#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: domain_info
short_description: List the libvirt domains and instance directories of a compute host
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Runs on the compute host and reads libvirt (never the state store) - every domain with its
    uuid, name, Nova power_state, whether it carries novalite's metadata and whether its disks
    live under this host's instances path (C(managed_here)) - and the instance directories
    (named by instance uuid) under the instances path.
  - Feed the result to M(novalite.compute.reconcile) on the controller.
options:
  libvirt_uri:
    description: libvirt URI of the host.
    type: str
    default: qemu:///system
  instances_path:
    description: Where the host keeps instance directories.
    type: path
    default: /var/lib/novalite/instances
'''

EXAMPLES = r'''
- name: What the hypervisor has
  novalite.compute.domain_info:
    libvirt_uri: "{{ novalite_libvirt_uri | default('qemu:///system') }}"
  register: domains
'''

RETURN = r'''
domains:
  description: Domains with C(uuid), C(name), C(power_state), C(domain_state), C(status), C(novalite), C(managed_here).
  returned: always
  type: list
  elements: dict
instance_dirs:
  description: Uuids of the instance directories under I(instances_path).
  returned: always
  type: list
  elements: str
'''

import os
import uuid as uuidlib

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.novalite.compute.plugins.module_utils import ansible_glue as glue
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, driver

try:
    from lxml import etree
except ImportError:  # pragma: no cover - reported through connection.HAS_LXML
    etree = None


def _instance_dirs(path):
    if not os.path.isdir(path):
        return []
    out = []
    for name in os.listdir(path):
        try:
            if str(uuidlib.UUID(name)) == name and os.path.isdir(os.path.join(path, name)):
                out.append(name)
        except ValueError:
            continue    # _base, locks and anything else that is not an instance
    return sorted(out)


def _under(path, root):
    return bool(path) and os.path.abspath(path).startswith(os.path.abspath(root).rstrip('/') + '/')


def _read(libvirt_uri, instances_path):
    conn = connection.open_connection(libvirt_uri, readonly=True)
    try:
        domains = driver.list_domains(conn)
        for dom in domains:
            # Ours on this host only when its disks live under this host's instances path: another
            # deployment (or a test) may share the libvirt daemon.
            xml = etree.fromstring(conn.lookupByUUIDString(dom['uuid']).XMLDesc(0).encode('utf-8'))
            sources = xml.xpath('/domain/devices/disk/source/@file')
            dom['managed_here'] = bool(sources) and all(_under(src, instances_path) for src in sources)
    finally:
        conn.close()
    return {'domains': domains, 'instance_dirs': _instance_dirs(instances_path)}


def main():
    module = AnsibleModule(argument_spec=dict(
        libvirt_uri=dict(type='str', default='qemu:///system'),
        instances_path=dict(type='path', default='/var/lib/novalite/instances'),
    ), supports_check_mode=True)
    if not connection.HAS_LIBVIRT or not connection.HAS_LXML:
        module.fail_json(msg=glue.missing_required_lib('libvirt-python and lxml'))
    result = glue.run(module, _read, module.params['libvirt_uri'], module.params['instances_path'])
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
