# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server metadata: all items (create merges, update_all replaces) and one item (its key in the URL)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation

METADATA = {'type': 'object', 'properties': {'metadata': validation.METADATA},
            'required': ['metadata'], 'additionalProperties': False}
METADATA_ITEM = {'type': 'object',
                 'properties': {'meta': dict(validation.METADATA, minProperties=1, maxProperties=1)},
                 'required': ['meta'], 'additionalProperties': False}
