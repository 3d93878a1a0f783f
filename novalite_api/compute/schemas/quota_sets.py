# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Quota set update: a limit per resource of the microversion, and ``force``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas

_FORCE = {'type': ['boolean', 'string'],
          'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
                   False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}


def resources(version):
    """The resources of a quota set at this microversion (2.36 drops the network-proxy ones)."""
    names = list(quotas.DEFAULTS)
    if version < (2, 36):
        names += list(quotas.LEGACY_NETWORK)
    return sorted(names)


def update(version):
    limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$', 'minimum': -1, 'maximum': quotas.MAX_LIMIT}
    props = dict((name, limit) for name in resources(version))
    props['force'] = _FORCE
    return {'type': 'object',
            'properties': {'quota_set': {'type': 'object', 'properties': props, 'additionalProperties': False}},
            'required': ['quota_set'], 'additionalProperties': False}
