# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A project's quotas (``/os-quota-sets/{project_id}``): show, defaults, detail; update and delete (admin)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, only_query_params, request_body, store
from novalite_api.compute.schemas import as_bool, quota_sets as schemas

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _quota_set(project_id, values, with_id=True):
    out = {'id': project_id} if with_id else {}
    for name in schemas.resources(api_version.current()):
        out[name] = values[name]
    return {'quota_set': out}


def show(project_id):
    only_query_params('user_id')
    policy.enforce('os_compute_api:os-quota-sets:show', ctx(), {'project_id': project_id})
    with store().read() as conn:
        values = quotas.limits(conn, project_id, legacy=not since(36))
    return flask.jsonify(_quota_set(project_id, values))


def defaults(project_id):
    policy.enforce('os_compute_api:os-quota-sets:defaults', ctx(), {'project_id': project_id})
    with store().read() as conn:
        values = quotas.class_limits(conn, quotas.DEFAULT_CLASS)
    return flask.jsonify(_quota_set(project_id, values))


def detail(project_id):
    only_query_params('user_id')
    policy.enforce('os_compute_api:os-quota-sets:detail', ctx(), {'project_id': project_id})
    user_id = flask.request.args.get('user_id') or ctx().user_id
    with store().read() as conn:
        values = quotas.limits(conn, project_id, legacy=not since(36))
        used = quotas.usage(conn, project_id, user_id)
    out = {'id': project_id}
    for name in schemas.resources(api_version.current()):
        out[name] = {'in_use': used.get(name, 0), 'limit': values[name], 'reserved': 0}
    return flask.jsonify({'quota_set': out})


def update(project_id):
    only_query_params('user_id')
    policy.enforce('os_compute_api:os-quota-sets:update', ctx(), {'project_id': project_id})
    spec = dict(validation.validate(request_body(), schemas.update(api_version.current()))['quota_set'])
    force = as_bool(spec.pop('force', None))
    values = quotas.set_limits(store(), project_id, spec, force=force, legacy=not since(36))
    return flask.jsonify(_quota_set(project_id, values, with_id=False))


def delete(project_id):
    only_query_params('user_id')
    policy.enforce('os_compute_api:os-quota-sets:delete', ctx(), {'project_id': project_id})
    quotas.reset(store(), project_id)
    return '', 202
