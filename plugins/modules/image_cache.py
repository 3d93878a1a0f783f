#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: image_cache
short_description: Per-host image cache of novalite compute hosts (Nova's C(_base) directory)
description:
  - Runs on a compute host. Makes sure an image is in C(<instances_path>/_base/<sha1 of image id>),
    fetched once, sha256-verified and converted to raw once when I(force_raw_images).
  - Concurrent calls for the same image download it once (an exclusive lock per base).
  - With I(state=aged), removes bases that no instance disk on this host uses and that were
    not used for I(max_age) seconds (Nova's image cache manager). Bases in use are never removed.
  - Never opens the state store.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
options:
  image:
    description:
      - The image (as in the instance spec) with at least C(id) and C(location)
        (an absolute local path or an http(s) URL); C(sha256) is verified when given.
      - Required when I(state=present).
    type: dict
  state:
    description:
      - C(present) caches the image; C(aged) removes unused bases older than I(max_age).
    type: str
    choices: [present, aged]
    default: present
  max_age:
    description:
      - Seconds since a base was last used after which an unused base is removed (I(state=aged)).
    type: int
    default: 86400
notes:
  - Check mode reports what would be fetched or removed without touching anything.
'''

EXAMPLES = r'''
- name: Cache the image before a boot
  novalite.compute.image_cache:
    image: "{{ instance.image }}"
    instances_path: "{{ novalite_instances_path | default('/var/lib/novalite/instances') }}"

- name: Remove bases unused for a day
  novalite.compute.image_cache:
    state: aged
    max_age: 86400
'''

RETURN = r'''
path:
  description: The cached base file.
  returned: state=present
  type: str
  sample: /var/lib/novalite/instances/_base/4a9e3c5cfe0d1c4f2f4e0cdd6b1f2e8a7d2c0b3f
format:
  description: Format of the base (the backing format of instance disks).
  returned: state=present and not check mode
  type: str
  sample: raw
virtual_size:
  description: Virtual size of the image in bytes.
  returned: state=present and not check mode
  type: int
copied_bytes:
  description: Bytes fetched into the cache by this call (0 when it was already cached).
  returned: state=present
  type: int
removed:
  description: Bases removed (or, in check mode, that would be).
  returned: state=aged
  type: list
  elements: str
in_use:
  description: Bases kept because an instance uses them.
  returned: state=aged
  type: list
  elements: str
kept:
  description: Unused bases kept because they are younger than I(max_age).
  returned: state=aged
  type: list
  elements: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.novalite.compute.plugins.module_utils import ansible_glue
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver, imagecache


def main():
    argument_spec = dict(
        image=dict(type='dict'),
        state=dict(type='str', choices=['present', 'aged'], default='present'),
        max_age=dict(type='int', default=86400),
    )
    argument_spec.update(driver.HOST_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, required_if=[('state', 'present', ['image'])],
                           supports_check_mode=True)
    settings = ansible_glue.run(module, driver.settings_from_params, module.params)
    path = settings['instances_path']
    if module.params['state'] == 'aged':
        result = ansible_glue.run(module, imagecache.age, path, module.params['max_age'], module.check_mode)
        module.exit_json(changed=bool(result['removed']), **result)
    image = module.params['image']
    if module.check_mode:
        base = os.path.join(imagecache.base_dir(path), imagecache.base_name(image.get('id')))
        exists = os.path.exists(base)
        module.exit_json(changed=not exists, path=base, copied_bytes=0)
    result = ansible_glue.run(module, imagecache.ensure_base, path, image, settings['force_raw_images'])
    module.exit_json(changed=result['fetched'], **result)


if __name__ == '__main__':
    main()
