# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's NUMA topology (``/servers/{id}/topology``, 2.78).

novalite's guests have no NUMA topology (its domains define none), so every server answers what Nova
answers for an instance without one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.api_version import since
from novalite_api.compute.common import get_server
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def index(server_id):
    if not since(78):
        raise ApiError(404, 'The resource could not be found.')
    get_server(server_id, 'compute:server:topology:index')
    return flask.jsonify({'nodes': [], 'pagesize_kb': None})
