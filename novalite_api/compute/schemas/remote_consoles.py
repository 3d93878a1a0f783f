# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Request bodies of the remote consoles (nova/api/openstack/compute/schemas/remote_consoles.py): the old
actions' ``type`` and the 2.6 ``remote_console`` (protocol and type), whose enums grow at 2.8 (mks/webmks)
and 2.99 (spice-direct). Types Nova still lists but no longer serves are refused after validation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _action(name, types):
    return {'type': 'object',
            'properties': {'type': {'type': 'string', 'enum': list(types)}},
            'required': ['type'], 'additionalProperties': False}


ACTIONS = {
    'os-getVNCConsole': _action('os-getVNCConsole', ('novnc', 'xvpvnc')),
    'os-getSPICEConsole': _action('os-getSPICEConsole', ('spice-html5',)),
    'os-getSerialConsole': _action('os-getSerialConsole', ('serial',)),
}


def create(minor):
    """The body of POST /servers/{id}/remote-consoles at microversion 2.``minor`` (2.6 and later)."""
    protocols = ['vnc', 'spice', 'serial', 'rdp']
    types = ['novnc', 'xvpvnc', 'spice-html5', 'serial', 'rdp-html5']
    if minor >= 8:
        protocols.append('mks')
        types.append('webmks')
    if minor >= 99:
        types.append('spice-direct')
    return {'type': 'object',
            'properties': {'remote_console': {
                'type': 'object',
                'properties': {'protocol': {'type': 'string', 'enum': protocols},
                               'type': {'type': 'string', 'enum': types}},
                'required': ['protocol', 'type'], 'additionalProperties': False}},
            'required': ['remote_console'], 'additionalProperties': False}
