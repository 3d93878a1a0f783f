# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Quota set update: a limit per resource of the microversion, and ``force``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
from novalite_api.compute.schemas import BOOLEAN


# Gone from 2.57 with personality files (file injection).
PERSONALITY = ('injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes')


def resources(version):
    """The resources of a quota set at this microversion (2.36 drops the network-proxy ones, 2.57 the
    personality ones)."""
    names = list(quotas.DEFAULTS)
    if version < (2, 36):
        names += list(quotas.LEGACY_NETWORK)
    if version >= (2, 57):
        names = [n for n in names if n not in PERSONALITY]
    return sorted(names)


# One limit in an update body: Nova's parameter_types.non_negative_integer_with_minus_one style
LIMIT = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$', 'minimum': -1, 'maximum': quotas.MAX_LIMIT}


def update(version):
    props = dict((name, LIMIT) for name in resources(version))
    props['force'] = BOOLEAN
    return {'type': 'object',
            'properties': {'quota_set': {'type': 'object', 'properties': props, 'additionalProperties': False}},
            'required': ['quota_set'], 'additionalProperties': False}
