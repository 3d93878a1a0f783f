#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: image
short_description: Register or delete an image in the novalite image catalog (Glance file store)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Registers an image from a local file or an http(s) URL, as C(openstack image create --file) does with
    Glance's filesystem backend. The data is copied into I(image_store) as C(<image_store>/<image id>) while its
    sha256 (C(os_hash_value)) and md5 (C(checksum)) are computed; C(qemu-img info) detects the disk format and
    virtual size.
  - qcow2 images that declare a backing file or an external data file are refused (they could read host files).
    A file declared C(qcow2) whose content is not qcow2 is refused.
  - A failed upload leaves nothing behind, neither a file nor a row.
  - Image names are not unique in Glance; the image is found by I(id) when given, else by I(name) (an error when
    several images share it).
  - Idempotent. An image with the same name and the same content (sha256) is left alone; I(visibility),
    I(min_disk), I(min_ram), I(protected) and I(properties) are updated in place. Image data is immutable, so
    different content under an existing name fails; delete the image first or use another name.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: Image name. Required unless I(id) is given.
    type: str
  id:
    description: Image id (UUID). For a new image, the id to give it; otherwise the image to manage.
    type: str
  state:
    description: Whether the image should exist.
    type: str
    choices: [present, absent]
    default: present
  filename:
    description: Local path (on the controller) of the image data.
    type: path
  url:
    description:
      - http or https URL to download the image data from (60 s timeout per read).
      - For an existing image and no I(checksum), the image is taken to have the same content (not downloaded).
    type: str
  checksum:
    description: Expected sha256 (64 hex digits) or md5 (32 hex digits) of the data, optionally prefixed C(sha256:)
      or C(md5:). A mismatch fails and nothing is kept.
    type: str
  disk_format:
    description: Declared disk format; detected with C(qemu-img) when omitted. C(aki) and C(ari) are kernel and
      ramdisk images (raw bytes).
    type: str
    choices: [qcow2, raw, iso, aki, ari, ami]
  container_format:
    description: Container format; C(bare), or the same as I(disk_format) for C(aki)/C(ari)/C(ami).
    type: str
    choices: [bare, ovf, aki, ari, ami]
  visibility:
    description: Glance visibility. New images default to C(shared), as in Glance; omitted keeps an existing value.
    type: str
    choices: [public, private, shared, community]
  min_disk:
    description: Minimum root disk (GB) a flavor needs to boot the image. New images default to 0.
    type: int
  min_ram:
    description: Minimum memory (MB) a flavor needs to boot the image. New images default to 0.
    type: int
  protected:
    description: A protected image cannot be deleted. New images default to C(false).
    type: bool
  properties:
    description:
      - Free-form properties, for example C(hw_architecture), C(hypervisor_type), C(img_hv_type), C(kernel_id),
        C(ramdisk_id), C(os_type), C(hw_disk_bus). Values are stored as strings.
    type: dict
    default: {}
  properties_purge:
    description: Remove properties of an existing image that are not listed in I(properties).
    type: bool
    default: false
  owner:
    description: The project that owns the image.
    type: str
    aliases: [project]
  image_store:
    description: Directory of the image store (Glance's C(filesystem_store_datadir)).
    type: path
    default: /var/lib/novalite/images
notes:
  - Supports check mode (a local I(filename) is still inspected, so a bad file fails) and diff mode.
seealso:
  - module: novalite.compute.image_info
'''

EXAMPLES = r'''
- name: Register the test image
  novalite.compute.image:
    name: cirros
    filename: /srv/images/cirros.qcow2
    visibility: public
    properties:
      hw_architecture: x86_64
      hypervisor_type: qemu

- name: A kernel image from a web server, verified
  novalite.compute.image:
    name: vmlinuz
    url: http://127.0.0.1:8000/vmlinuz
    checksum: sha256:0d4c...e1
    disk_format: aki
    container_format: aki

- name: Delete it
  novalite.compute.image:
    name: cirros
    state: absent
'''

RETURN = r'''
image:
  description: The image after the change (for I(state=absent), the deleted image; null when there was none).
  returned: always
  type: dict
  sample:
    id: 0b7c7c4c-0e0e-4f7d-8b3a-5e8f3c1d2a11
    name: cirros
    status: active
    disk_format: qcow2
    container_format: bare
    size: 16318464
    virtual_size: 117440512
    checksum: 443b7623e27ecf03dc9e01ee93f67afe
    os_hash_algo: sha256
    os_hash_value: 0d4c...e1
    visibility: shared
    owner: null
    min_disk: 0
    min_ram: 0
    protected: false
    properties: {hw_architecture: x86_64}
    location: /var/lib/novalite/images/0b7c7c4c-0e0e-4f7d-8b3a-5e8f3c1d2a11
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers
from ansible_collections.novalite.compute.plugins.module_utils.catalog import images

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str'),
    id=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    filename=dict(type='path'),
    url=dict(type='str'),
    checksum=dict(type='str'),
    disk_format=dict(type='str', choices=list(images.DISK_FORMATS)),
    container_format=dict(type='str', choices=list(images.CONTAINER_FORMATS)),
    visibility=dict(type='str', choices=list(images.VISIBILITIES)),
    min_disk=dict(type='int'),
    min_ram=dict(type='int'),
    protected=dict(type='bool'),
    properties=dict(type='dict', default={}),
    properties_purge=dict(type='bool', default=False),
    owner=dict(type='str', aliases=['project']),
    image_store=dict(type='path', default=images.DEFAULT_IMAGE_STORE),
), handlers.image, required_one_of=[('name', 'id')], mutually_exclusive=[('filename', 'url')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
