# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's encrypted password (``/servers/{id}/os-server-password``): show it (readers), clear it (members).

It is the password a guest posts encrypted with its key (``server_password`` in plugins/module_utils/compute,
which says where it comes from), never the admin password: ``''`` for a server without one, as Nova.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.common import get_server, store

from ansible_collections.novalite.compute.plugins.module_utils.compute import server_password

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def index(server_id):
    inst = get_server(server_id, 'os_compute_api:os-server-password:show')
    return flask.jsonify({'password': server_password.extract(inst.get('system_metadata')) or ''})


def clear(server_id):
    inst = get_server(server_id, 'os_compute_api:os-server-password:clear')
    server_password.clear(store(), inst['uuid'])
    return '', 204
