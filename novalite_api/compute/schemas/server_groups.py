# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server group create: ``policies`` (one of them) until 2.63, then ``policy`` and ``rules``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation


def create(version):
    if version >= (2, 64):
        group = {'name': validation.NAME,
                 'policy': {'type': 'string',
                            'enum': ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']},
                 'rules': {'type': 'object', 'properties': {'max_server_per_host': validation.POSITIVE_INTEGER},
                           'additionalProperties': False}}
        required = ['name', 'policy']
    else:
        # 2.15 adds the soft policies
        allowed = ['anti-affinity', 'affinity'] + (['soft-anti-affinity', 'soft-affinity']
                                                   if version >= (2, 15) else [])
        group = {'name': validation.NAME,
                 'policies': {'type': 'array', 'items': {'type': 'string', 'enum': allowed},
                              'uniqueItems': True, 'minItems': 1, 'maxItems': 1}}
        required = ['name', 'policies']
    return {'type': 'object',
            'properties': {'server_group': {'type': 'object', 'properties': group, 'required': required,
                                            'additionalProperties': False}},
            'required': ['server_group'], 'additionalProperties': False}
