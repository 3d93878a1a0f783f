# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""External events (``POST /os-server-external-events``): the request body at each microversion.

Event names join at 2.51 (volume-extended), 2.76 (power-update), 2.82 (accelerator-request-bound) and
2.93 (volume-reimaged): ``external_events.EVENT_NAMES``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import external_events


def create(minor):
    """The body microversion 2.``minor`` accepts."""
    event = {'type': 'object', 'properties': {
        'name': {'type': 'string', 'enum': external_events.names_at(minor)},
        'server_uuid': {'type': 'string', 'format': 'uuid'},
        'status': {'type': 'string', 'enum': list(external_events.STATUSES)},
        'tag': {'type': 'string', 'maxLength': 255}},
        'required': ['name', 'server_uuid'], 'additionalProperties': False}
    return {'type': 'object', 'properties': {'events': {'type': 'array', 'minItems': 1, 'items': event}},
            'required': ['events'], 'additionalProperties': False}
