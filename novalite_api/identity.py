# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keystone v3 subset: version documents and /v3/auth/tokens (issue, validate, revoke)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from novalite_api import accounts
from novalite_api.faults import error_response

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import isotime

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

V3_UPDATED = '2026-11-23T00:00:00Z'
# Service type -> (name, path under public_url); one region, three interfaces each. The network endpoint has no
# version in it, as Neutron's (clients read its versions document).
SERVICES = (('identity', 'keystone', '/identity'), ('compute', 'nova', '/compute/v2.1'),
            ('image', 'glance', '/image'), ('network', 'neutron', '/network'))


def _cfg():
    return flask.current_app.config['NOVALITE']


def _store():
    return flask.current_app.config['NOVALITE_STORE']


def _v3_doc():
    base = _cfg()['public_url']
    return {'id': 'v3.14', 'status': 'stable', 'updated': V3_UPDATED,
            'links': [{'rel': 'self', 'href': '%s/identity/v3/' % base}],
            'media-types': [{'base': 'application/json', 'type': 'application/vnd.openstack.identity-v3+json'}]}


def versions():
    response = flask.jsonify({'versions': {'values': [_v3_doc()]}})
    response.status_code = 300
    return response


def version_v3():
    return flask.jsonify({'version': _v3_doc()})


def catalog():
    cfg = _cfg()
    region = cfg['region']
    out = []
    for service_type, name, path in SERVICES:
        service_id = uuid.uuid5(uuid.NAMESPACE_URL, 'novalite:%s' % service_type).hex
        endpoints = [{'id': uuid.uuid5(uuid.NAMESPACE_URL, 'novalite:%s:%s' % (service_type, interface)).hex,
                      'interface': interface, 'region_id': region, 'region': region,
                      'url': cfg['public_url'] + path}
                     for interface in ('public', 'internal', 'admin')]
        out.append({'id': service_id, 'type': service_type, 'name': name, 'endpoints': endpoints})
    return out


def _keystone_time(dt):
    return isotime(dt)[:-1] + '.000000Z'


def token_body(user, project, roles, issued_at, expires_at, audit_id, with_catalog=True):
    token = {
        'methods': ['password'],
        'user': {'id': user['id'], 'name': user['name'], 'domain': dict(accounts.DEFAULT_DOMAIN),
                 'password_expires_at': None},
        'audit_ids': [audit_id],
        'issued_at': _keystone_time(issued_at),
        'expires_at': _keystone_time(expires_at),
    }
    if project is not None:
        token['project'] = {'id': project['id'], 'name': project['name'], 'domain': dict(accounts.DEFAULT_DOMAIN)}
        token['is_domain'] = False
        token['roles'] = roles
        if with_catalog:
            token['catalog'] = catalog()
    return {'token': token}


_DOMAIN = {'type': 'object', 'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'}}}
# The password method with a project scope (Keystone's auth schema, reduced to this subset); the handler
# leaves the checks to accounts.authenticate, whose answers are Keystone's.
AUTH_REQUEST = {
    'type': 'object',
    'properties': {'auth': {
        'type': 'object',
        'properties': {
            'identity': {
                'type': 'object',
                'properties': {
                    'methods': {'type': 'array', 'items': {'type': 'string', 'enum': ['password']}, 'minItems': 1},
                    'password': {'type': 'object', 'properties': {'user': {
                        'type': 'object',
                        'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'}, 'domain': _DOMAIN,
                                       'password': {'type': 'string'}},
                        'required': ['password']}}, 'required': ['user']},
                },
                'required': ['methods', 'password']},
            'scope': {'type': 'object', 'properties': {'project': {
                'type': 'object',
                'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'}, 'domain': _DOMAIN}}}},
        },
        'required': ['identity']}},
    'required': ['auth'],
    'additionalProperties': False,
}


def issue():
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or 'auth' not in body:
        raise InvalidInput('auth', 'the request body must be JSON with an "auth" object')
    user, project, roles = accounts.authenticate(_store(), body['auth'])
    app = flask.current_app
    token = accounts.issue_token(app.config['NOVALITE_SECRET'], user, project, _cfg()['token_expiration'])
    data = accounts.validate_token(_store(), app.config['NOVALITE_SECRET'], token)
    response = flask.jsonify(token_body(user, project, roles, data['issued_at'], data['expires_at'],
                                        data['audit_id'], with_catalog='nocatalog' not in flask.request.args))
    response.status_code = 201
    response.headers['X-Subject-Token'] = token
    return response


def _both_tokens():
    app = flask.current_app
    caller = flask.request.headers.get('X-Auth-Token')
    subject = flask.request.headers.get('X-Subject-Token')
    if not caller:
        raise accounts.Unauthorized('The request you have made requires authentication.')
    accounts.validate_token(_store(), app.config['NOVALITE_SECRET'], caller)
    if not subject:
        raise InvalidInput('X-Subject-Token', 'header is required')
    try:
        return accounts.validate_token(_store(), app.config['NOVALITE_SECRET'], subject)
    except accounts.Unauthorized as exc:
        # Keystone: a bad subject token is "not found", the caller's is "unauthorized".
        return error_response(404, 'Could not find token: %s' % exc.message)


def validate():
    data = _both_tokens()
    if isinstance(data, flask.Response):
        return data
    nocatalog = 'nocatalog' in flask.request.args
    response = flask.jsonify(token_body(data['user'], data['project'], data['roles'], data['issued_at'],
                                        data['expires_at'], data['audit_id'], with_catalog=not nocatalog))
    response.headers['X-Subject-Token'] = flask.request.headers['X-Subject-Token']
    if flask.request.method == 'HEAD':
        response.set_data(b'')
    return response


def revoke():
    data = _both_tokens()
    if isinstance(data, flask.Response):
        return data
    accounts.revoke(_store(), data['audit_id'], data['expires_at'])
    return '', 204


def auth_catalog():
    app = flask.current_app
    accounts.validate_token(_store(), app.config['NOVALITE_SECRET'], flask.request.headers.get('X-Auth-Token'))
    return flask.jsonify({'catalog': catalog(), 'links': {'self': flask.request.url}})


# ---- projects (read): what clients resolve project names with, e.g. `openstack quota set ... PROJECT` ----

def _caller():
    """The caller's validated token (admin sees every project, others only those they have a role on)."""
    token = flask.request.headers.get('X-Auth-Token')
    if not token:
        raise accounts.Unauthorized('The request you have made requires authentication.')
    return accounts.validate_token(_store(), flask.current_app.config['NOVALITE_SECRET'], token)


def _project_view(project):
    base = _cfg()['public_url'] + '/identity/v3/projects/'
    return {'id': project['id'], 'name': project['name'], 'domain_id': project['domain_id'],
            'description': project.get('description') or '', 'enabled': bool(project['enabled']),
            'is_domain': False, 'parent_id': project['domain_id'], 'tags': [], 'options': {},
            'links': {'self': base + project['id']}}


def _may_see(caller, project):
    return 'admin' in [r['name'] for r in caller['roles']] or (caller['project'] or {}).get('id') == project['id']


def project_index():
    caller = _caller()
    wanted = flask.request.args.get('name')
    found = [p for p in accounts.list_projects(_store())
             if _may_see(caller, p) and (wanted is None or p['name'] == wanted)]
    return flask.jsonify({'projects': [_project_view(p) for p in found],
                          'links': {'self': _cfg()['public_url'] + '/identity/v3/projects', 'previous': None,
                                    'next': None}})


def project_show(project_id):
    caller = _caller()
    try:
        project = accounts.get_project(_store(), project_id)
    except NotFound:
        project = None
    # Keystone looks projects up by id only; a name or someone else's project is "not found" here.
    if project is None or project['id'] != project_id or not _may_see(caller, project):
        return error_response(404, 'Could not find project: %s.' % project_id)
    return flask.jsonify({'project': _project_view(project)})


ROUTES = (
    ('GET', '/', versions),
    ('GET', '/v3', version_v3),
    ('POST', '/v3/auth/tokens', issue),
    ('GET', '/v3/auth/tokens', validate),
    ('HEAD', '/v3/auth/tokens', validate),
    ('DELETE', '/v3/auth/tokens', revoke),
    ('GET', '/v3/auth/catalog', auth_catalog),
    ('GET', '/v3/projects', project_index),
    ('GET', '/v3/projects/<project_id>', project_show),
)
