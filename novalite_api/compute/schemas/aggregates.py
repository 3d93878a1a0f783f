# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Aggregate bodies (Nova's schemas/aggregates.py and aggregate_images.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation

# Nova's az_name (printable, no ':' - it separates zone and host -, no leading or trailing whitespace) or null
_AZ = {'oneOf': [validation.AZ_NAME, {'type': 'null'}]}
# Nova's fqdn: the host names the services table holds
FQDN = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$', 'minLength': 1, 'maxLength': 255}
METADATA_WITH_NULL = {'type': 'object',
                      'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': ['string', 'null'],
                                                                          'maxLength': 255}},
                      'additionalProperties': False}


def _wrapped(key, properties, required=(), **extra):
    # Nova's keyword order (the first error met is the one reported): required before additionalProperties
    inner = {'type': 'object', 'properties': properties}
    if required:
        inner['required'] = list(required)
    inner['additionalProperties'] = False
    inner.update(extra)
    return {'type': 'object', 'properties': {key: inner}, 'required': [key], 'additionalProperties': False}


CREATE = _wrapped('aggregate', {'name': validation.NAME, 'availability_zone': _AZ}, required=['name'])
UPDATE = _wrapped('aggregate', {'name': validation.NAME_WITH_LEADING_TRAILING_SPACES, 'availability_zone': _AZ},
                  anyOf=[{'required': ['name']}, {'required': ['availability_zone']}])
ADD_HOST = _wrapped('add_host', {'host': FQDN}, required=['host'])
REMOVE_HOST = _wrapped('remove_host', {'host': FQDN}, required=['host'])
SET_METADATA = _wrapped('set_metadata', {'metadata': METADATA_WITH_NULL}, required=['metadata'])
ACTIONS = {'add_host': ADD_HOST, 'remove_host': REMOVE_HOST, 'set_metadata': SET_METADATA}

IMAGE_ID = {'type': 'string', 'format': 'uuid'}
IMAGES = {'type': 'object',
          'properties': {'cache': {'type': 'array', 'minItems': 1,
                                   'items': {'type': 'object', 'properties': {'id': IMAGE_ID},
                                             'required': ['id'], 'additionalProperties': False}}},
          'required': ['cache'], 'additionalProperties': False}
