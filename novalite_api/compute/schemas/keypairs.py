# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keypair create: generate (no ``public_key``) or import; 2.2 adds ``type``, 2.10 ``user_id``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

KEY_TYPES = ['ssh', 'x509']


def create(version):
    keypair = {'name': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'public_key': {'type': 'string'}}
    if version >= (2, 2):
        keypair['type'] = {'type': 'string', 'enum': KEY_TYPES}
    if version >= (2, 10):
        keypair['user_id'] = {'type': 'string'}
    return {'type': 'object',
            'properties': {'keypair': {'type': 'object', 'properties': keypair, 'required': ['name'],
                                       'additionalProperties': False}},
            'required': ['keypair'], 'additionalProperties': False}
