# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Flavor extra specs: create (several) and update (one, its key in the URL)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_KEY = r'^[a-zA-Z0-9-_:. /]{1,255}$'
_VALUE = {'type': ['string', 'number', 'boolean'], 'minLength': 0, 'maxLength': 255}
CREATE = {
    'type': 'object',
    'properties': {'extra_specs': {'type': 'object', 'patternProperties': {_KEY: _VALUE},
                                   'additionalProperties': False}},
    'required': ['extra_specs'], 'additionalProperties': False,
}
UPDATE = {
    'type': 'object',
    'patternProperties': {_KEY: _VALUE},
    'minProperties': 1, 'maxProperties': 1, 'additionalProperties': False,
}
