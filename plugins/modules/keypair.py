#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: keypair
short_description: Import, generate or delete a Nova keypair
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Manages a user's SSH keypair in the novalite state store, as C(openstack keypair create/delete) does.
  - With I(public_key) or I(public_key_file) the key is imported after checking it is a valid OpenSSH public key
    (C(ssh-rsa), C(ssh-ed25519), C(ecdsa-sha2-nistp256/384/521)). With neither, a new RSA key pair is generated and
    its private key is returned once, in C(keypair.private_key); it is never stored.
  - An existing keypair with a different public key is an error (Nova keypairs do not change); delete it first.
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: Keypair name, 1-255 characters of letters, digits, spaces and C(_ - . @).
    type: str
    required: true
  user:
    description:
      - The user (Nova's C(user_id)) that owns the keypair, by name or id.
      - When the identity tables exist (the REST shim is bootstrapped on the same store), a name is resolved to
        the user's id, so the key is the one the server module's I(key_name) finds for the same user. Without
        identity rows the value is taken as given.
      - Default the user C(admin) (its id when the identity tables exist), the user the server module acts as.
    type: str
    aliases: [user_id]
  state:
    description: Whether the keypair should exist.
    type: str
    choices: [present, absent]
    default: present
  public_key:
    description: An OpenSSH public key line to import.
    type: str
  public_key_file:
    description: A file (on the controller) holding the OpenSSH public key line to import.
    type: path
notes:
  - Supports check mode and diff mode. In check mode no key is generated.
  - "Use C(no_log: true) on a task that generates a key, so the returned private key does not reach logs."
seealso:
  - module: novalite.compute.flavor
'''

EXAMPLES = r'''
- name: Import my key
  novalite.compute.keypair:
    name: mykey
    user: alice
    public_key_file: ~/.ssh/id_ed25519.pub

- name: Generate a key pair (keep the private key)
  novalite.compute.keypair:
    name: generated
  register: kp
  no_log: true

- name: Delete it
  novalite.compute.keypair:
    name: mykey
    user: alice
    state: absent
'''

RETURN = r'''
keypair:
  description: The keypair (for I(state=absent), the deleted one; null when there was none).
  returned: always
  type: dict
  contains:
    id:
      description: The keypair's integer id in the store (Nova's keypair show has it).
      type: int
      returned: when the keypair is in the store (not for one check mode would create)
      sample: 7
    name:
      description: Keypair name.
      type: str
      sample: mykey
    user_id:
      description: Owner.
      type: str
      sample: alice
    type:
      description: C(ssh), or C(x509) for a certificate imported or made through the API.
      type: str
      sample: ssh
    fingerprint:
      description: MD5 fingerprint of the key, colon-separated hex, as Nova shows it.
      type: str
      sample: "80:a2:3b:7b:21:39:f5:f0:c2:cf:8a:52:a2:5b:69:59"
    public_key:
      description: The OpenSSH public key line.
      type: str
      sample: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice@laptop
    private_key:
      description: The PEM private key of a newly generated keypair. Shown only on the run that generated it.
      type: str
      returned: when a key was generated
      sample: "-----BEGIN RSA PRIVATE KEY-----..."
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str', required=True),
    user=dict(type='str', aliases=['user_id']),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    # Public keys are not secrets.
    public_key=dict(type='str', no_log=False),
    public_key_file=dict(type='path', no_log=False),
), handlers.keypair, mutually_exclusive=[('public_key', 'public_key_file')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
