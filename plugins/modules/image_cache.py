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
  - With O(remove_unused=true), removes instead the bases that no instance disk on this host uses and
    that were not used for O(max_age) seconds (Nova's image cache manager). Bases in use are never removed.
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
      - Required unless O(remove_unused=true).
    type: dict
  remove_unused:
    description:
      - V(false) caches O(image); V(true) removes the unused bases older than O(max_age) instead.
    type: bool
    default: false
  max_age:
    description:
      - Seconds since a base was last used after which an unused base is removed (O(remove_unused=true)).
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
    remove_unused: true
    max_age: 86400
'''

RETURN = r'''
path:
  description: The cached base file.
  returned: when caching an image
  type: str
  sample: /var/lib/novalite/instances/_base/4a9e3c5cfe0d1c4f2f4e0cdd6b1f2e8a7d2c0b3f
format:
  description: Format of the base (the backing format of instance disks).
  returned: when caching an image, not in check mode
  type: str
  sample: raw
virtual_size:
  description: Virtual size of the image in bytes.
  returned: when caching an image, not in check mode
  type: int
copied_bytes:
  description: Bytes fetched into the cache by this call (0 when it was already cached).
  returned: when caching an image
  type: int
removed:
  description: Bases removed (or, in check mode, that would be).
  returned: when O(remove_unused=true)
  type: list
  elements: str
in_use:
  description: Bases kept because an instance uses them.
  returned: when O(remove_unused=true)
  type: list
  elements: str
kept:
  description: Unused bases kept because they are younger than I(max_age).
  returned: when O(remove_unused=true)
  type: list
  elements: str
fetched:
  description: Whether this call fetched the image into the cache.
  returned: when caching an image, not in check mode
  type: bool
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import NovaliteModule, spec
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import HOST_ARGS

MODULE = NovaliteModule(spec(
    HOST_ARGS,
    image=dict(type='dict'),
    remove_unused=dict(type='bool', default=False),
    max_age=dict(type='int', default=86400),
), handlers.image_cache, required_if=[('remove_unused', False, ['image'])])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
