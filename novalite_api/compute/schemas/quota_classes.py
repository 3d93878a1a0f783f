# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Quota class update: the resources of the microversion (Nova's schemas/quota_classes.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
from novalite_api.compute.schemas.quota_sets import LIMIT, PERSONALITY

# Below 2.50 a quota class has no server group quotas; from 2.50 it has no network-proxy ones.
SERVER_GROUPS = ('server_groups', 'server_group_members')


def resources(version):
    names = list(quotas.DEFAULTS) + list(quotas.LEGACY_NETWORK)
    if version < (2, 50):
        names = [n for n in names if n not in SERVER_GROUPS]
    else:
        names = [n for n in names if n not in quotas.LEGACY_NETWORK]
    if version >= (2, 57):
        names = [n for n in names if n not in PERSONALITY]
    return sorted(names)


def update(version):
    # Nova's update schema keeps server_groups settable below 2.50 (it only hides them in the answer)
    names = set(resources(version)) | set(SERVER_GROUPS)
    return {'type': 'object',
            'properties': {'quota_class_set': {'type': 'object',
                                               'properties': dict((name, LIMIT) for name in sorted(names)),
                                               'additionalProperties': False}},
            'required': ['quota_class_set'], 'additionalProperties': False}
