# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Service update bodies: before 2.53 an action on (host, binary); from 2.53 the service (by uuid) itself."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.schemas import BOOLEAN

_REASON = {'type': 'string', 'minLength': 1, 'maxLength': 255}


def update(version):
    if version >= (2, 53):
        return {'type': 'object', 'properties': {'status': {'type': 'string', 'enum': ['enabled', 'disabled']},
                                                 'disabled_reason': _REASON, 'forced_down': BOOLEAN},
                'additionalProperties': False}
    props = {'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
             'binary': {'type': 'string', 'minLength': 1, 'maxLength': 255}, 'disabled_reason': _REASON}
    if version >= (2, 11):
        props['forced_down'] = BOOLEAN
    return {'type': 'object', 'properties': props, 'required': ['host', 'binary'], 'additionalProperties': False}
