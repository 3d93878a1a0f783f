# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The flavor access action: addTenantAccess / removeTenantAccess (schemas/flavor_access.py in Nova)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_TENANT = {'type': 'object', 'properties': {'tenant': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                                                       'pattern': r'^[a-zA-Z0-9-_]*$'}},
           'required': ['tenant'], 'additionalProperties': False}
ACTION = {'type': 'object', 'properties': {'addTenantAccess': _TENANT, 'removeTenantAccess': _TENANT},
          'minProperties': 1, 'maxProperties': 1, 'additionalProperties': False}
