# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The evacuate action's argument per microversion (nova/api/openstack/compute/schemas/evacuate.py's rules).

Until 2.13 ``onSharedStorage`` is required; 2.14 drops it; 2.29 adds ``force``; 2.68 drops ``force`` again;
2.95 has 2.68's body (the evacuated server ends stopped). ``host`` is a host name, ``adminPass`` a string.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.schemas import BOOLEAN

# Nova's parameter_types.fqdn and admin_password
_HOST = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9-._]*$'}
_PASSWORD = {'type': 'string'}


def evacuate(version):
    """The evacuate argument's schema at ``version`` (a (major, minor) tuple)."""
    props = {'host': _HOST, 'adminPass': _PASSWORD}
    schema = {'type': 'object', 'properties': props, 'additionalProperties': False}
    if version < (2, 14):
        props['onSharedStorage'] = BOOLEAN
        schema['required'] = ['onSharedStorage']
    elif (2, 29) <= version < (2, 68):
        props['force'] = BOOLEAN
    return schema
