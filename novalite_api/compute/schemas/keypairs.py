# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keypair create: generate (no ``public_key``) or import; 2.2 adds ``type``, 2.10 ``user_id``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation

KEY_TYPES = ['ssh', 'x509']


def _name(version):
    """Nova's keypair_name_special_chars: a name (its format) of letters, digits, space, _ and - (2.92: @ and .
    too)."""
    pattern = r'^[_\-\@\. a-zA-Z0-9]+$' if version >= (2, 92) else r'^[_\- a-zA-Z0-9]+$'
    return {'allOf': [validation.NAME, {'type': 'string', 'pattern': pattern, 'minLength': 1, 'maxLength': 255}]}


def create(version):
    keypair = {'name': _name(version)}
    if version >= (2, 2):
        keypair['type'] = {'type': 'string', 'enum': KEY_TYPES}
    keypair['public_key'] = {'type': 'string'}
    if version >= (2, 10):
        keypair['user_id'] = {'type': 'string'}
    return {'type': 'object',
            'properties': {'keypair': {'type': 'object', 'properties': keypair,
                                       'required': ['name', 'public_key'] if version >= (2, 92) else ['name'],
                                       'additionalProperties': False}},
            'required': ['keypair'], 'additionalProperties': False}
