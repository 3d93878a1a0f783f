# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute request bodies as JSON schemas (draft 2020-12, as Nova), one module per resource.

The handlers validate with them (``validation.validate``) and the OpenAPI
document is built from them (``openapi.from_jsonschema``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Nova's boolean parameter: JSON true/false or these spellings (exactly these, as Nova lists them).
TRUE_SPELLINGS = (True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes')
FALSE_SPELLINGS = (False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no')
BOOLEAN = {'type': ['boolean', 'string'], 'enum': list(TRUE_SPELLINGS + FALSE_SPELLINGS)}


def as_bool(value, default=False):
    """A value BOOLEAN accepted, as a bool (absent: ``default``)."""
    if value is None:
        return default
    return value in TRUE_SPELLINGS


def wrapped(key, properties, required):
    """Nova's usual body: ``{key: {...}}``, nothing else at either level."""
    return {'type': 'object',
            'properties': {key: {'type': 'object', 'properties': properties, 'required': list(required),
                                 'additionalProperties': False}},
            'required': [key], 'additionalProperties': False}
