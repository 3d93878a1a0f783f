# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Flavor create (2.1; ``description`` from 2.55) and update (2.55: only the description changes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from novalite_api import validation
from novalite_api.compute.schemas import BOOLEAN

# A flavor's description may be long (Nova: 65535), unlike a server's.
DESCRIPTION = dict(validation.DESCRIPTION, maxLength=65535)
# Nova's flavor_param_positive / _non_negative (its volume_size: up to the database's largest integer)
_POSITIVE = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 1, 'maximum': 0x7FFFFFFF}
_NON_NEGATIVE = dict(_POSITIVE, minimum=0)
CREATE = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {
            'name': validation.NAME,
            'id': {'type': ['string', 'number', 'null'], 'minLength': 1, 'maxLength': 255,
                   'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
            'ram': _POSITIVE, 'vcpus': _POSITIVE, 'disk': _NON_NEGATIVE,
            'OS-FLV-EXT-DATA:ephemeral': _NON_NEGATIVE, 'swap': _NON_NEGATIVE,
            'rxtx_factor': {'type': ['number', 'string'], 'pattern': r'^[0-9]+(\.[0-9]+)?$',
                            'exclusiveMinimum': 0, 'maximum': 3.40282e+38},
            'os-flavor-access:is_public': BOOLEAN,
        },
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}


def create(version):
    schema = copy.deepcopy(CREATE)
    if version >= (2, 55):
        schema['properties']['flavor']['properties']['description'] = DESCRIPTION
    if version >= (2, 102):
        del schema['properties']['flavor']['properties']['rxtx_factor']
    return schema


UPDATE = {'type': 'object',
          'properties': {'flavor': {'type': 'object', 'properties': {'description': DESCRIPTION},
                                    'required': ['description'], 'additionalProperties': False}},
          'required': ['flavor'], 'additionalProperties': False}


# Nova's index_query: the sort keys and directions it knows (2.102: no rxtx_factor), limit as digits
SORT_KEYS = ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb',
             'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus']


def list_query(version):
    keys = [key for key in SORT_KEYS if not (version >= (2, 102) and key == 'rxtx_factor')]
    return {'type': 'object',
            'properties': {'limit': validation.multi_params(validation.NON_NEGATIVE_INTEGER),
                           'sort_key': validation.multi_params({'type': 'string', 'enum': keys}),
                           'sort_dir': validation.multi_params({'type': 'string', 'enum': ['asc', 'desc']})},
            'additionalProperties': True}
