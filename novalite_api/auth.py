# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who is calling: every request's id and, from its ``X-Auth-Token``, the Context handlers act with.

This is the shim's keystonemiddleware. The collection's ``compute/api.py``
(Context, request ids) is imported here only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import accounts

from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context, new_request_id

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def assign_request_id():
    flask.g.request_id = new_request_id()


def request_id():
    """The request's id; a fresh one for an answer given before the request hooks ran."""
    return flask.g.get('request_id') or new_request_id()


def authenticate_request():
    """X-Auth-Token -> Context on flask.g (``flask.g.ctx``, ``flask.g.token``), or 401."""
    app = flask.current_app
    token = flask.request.headers.get('X-Auth-Token')
    if not token:
        raise accounts.Unauthorized('The request you have made requires authentication.')
    data = accounts.validate_token(app.config['NOVALITE_STORE'], app.config['NOVALITE_SECRET'], token)
    if data['project'] is None:
        raise accounts.Unauthorized('A project-scoped token is required.')
    roles = [r['name'] for r in data['roles']]
    flask.g.ctx = Context(user_id=data['user']['id'], project_id=data['project']['id'],
                          is_admin='admin' in roles, request_id=flask.g.request_id, roles=roles)
    flask.g.token = data
