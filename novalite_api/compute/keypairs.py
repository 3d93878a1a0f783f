# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keypairs (``/os-keypairs``): the caller's own, or (2.10, admin) any user's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, only_query_params, page, paging_query, store
from novalite_api.compute.schemas import keypairs as schemas

from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs as keypairs_mod

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _keypair_user(for_create_body=None):
    """Whose keypairs: the caller's, or (2.10, admin) the ``user_id`` asked for."""
    wanted = for_create_body if for_create_body is not None else (
        flask.request.args.get('user_id') if since(10) else None)
    return wanted or ctx().user_id


def _view(keypair, fields):
    out = dict((f, keypair.get(f)) for f in fields)
    if since(2):
        out['type'] = keypair.get('type') or 'ssh'
    return out


def index():
    only_query_params('user_id', 'limit', 'marker')
    if since(35):
        paging_query()
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:index', ctx(), {'user_id': user_id})
    found = keypairs_mod.list_keypairs(store(), user_id)
    body = {}
    if since(35):
        found, body = page(found, lambda k: k['name'], 'keypairs_links')
    body = dict({'keypairs': [{'keypair': _view(k, ('name', 'public_key', 'fingerprint'))}
                              for k in found]}, **body)
    return flask.jsonify(body)


def create():
    body = validation.validate(flask.request.get_json(silent=True), schemas.create(api_version.current()))
    spec = body['keypair']
    key_type = spec.get('type', 'ssh')
    user_id = _keypair_user(spec.get('user_id'))
    policy.enforce('os_compute_api:os-keypairs:create', ctx(), {'user_id': user_id})
    # The key_pairs quota is checked in the insert's transaction (catalog/keypairs.py).
    if spec.get('public_key') is not None:
        made = keypairs_mod.import_key(store(), user_id, spec.get('name'), spec['public_key'], key_type=key_type,
                                       quota_project=ctx().project_id)
    else:
        made = keypairs_mod.generate(store(), user_id, spec.get('name'), key_type=key_type,
                                     quota_project=ctx().project_id)
    out = _view(made, ('name', 'public_key', 'fingerprint', 'user_id'))
    if 'private_key' in made:
        out['private_key'] = made['private_key']
    response = flask.jsonify({'keypair': out})
    response.status_code = 201 if since(2) else 200
    return response


def show(name):
    only_query_params('user_id')
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:show', ctx(), {'user_id': user_id})
    keypair = keypairs_mod.get(store(), user_id, name)
    out = _view(keypair, ('id', 'name', 'public_key', 'fingerprint', 'user_id', 'created_at'))
    out.update({'updated_at': None, 'deleted': False, 'deleted_at': None})
    return flask.jsonify({'keypair': out})


def delete(name):
    only_query_params('user_id')
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:delete', ctx(), {'user_id': user_id})
    keypairs_mod.delete(store(), user_id, name)
    return '', 204 if since(2) else 202
