# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Flavor create (nova/api/openstack/compute/schemas/flavor_manage.py, 2.1)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation

from novalite_api.compute.schemas import BOOLEAN
_NON_NEGATIVE = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0, 'minLength': 1}
CREATE = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {
            'name': validation.NAME,
            'id': {'type': ['string', 'number', 'null'], 'minLength': 1, 'maxLength': 255,
                   'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
            'ram': validation.POSITIVE_INTEGER, 'vcpus': validation.POSITIVE_INTEGER, 'disk': _NON_NEGATIVE,
            'OS-FLV-EXT-DATA:ephemeral': _NON_NEGATIVE, 'swap': _NON_NEGATIVE,
            'rxtx_factor': {'type': ['number', 'string'], 'pattern': r'^[0-9]+(\.[0-9]+)?$',
                            'minimum': 0, 'exclusiveMinimum': True, 'maximum': 3.40282e+38},
            'os-flavor-access:is_public': BOOLEAN,
        },
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}
