# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A console token's connection (``/os-console-auth-tokens/{token}``, admin; 2.31+).

What a console proxy asks: which instance, host and port a token opens. Before
2.31 Nova served it only for rdp-html5 consoles, which no longer exist: 400 there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def show(token):
    if not since(31):
        raise ApiError(400, 'The server could not comply with the request since it is either malformed or '
                            'otherwise incorrect.')
    policy.enforce('os_compute_api:os-console-auth-tokens', ctx(), {})
    found = consoles.validate(store(), token)
    if found is None:
        raise ApiError(404, 'Token not found')
    return flask.jsonify({'console': {'instance_uuid': found['instance_uuid'], 'host': found['host'],
                                      'port': found['port'], 'internal_access_path': None}})
