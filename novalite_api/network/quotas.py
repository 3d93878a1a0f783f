# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Neutron's quotas API: a project's limits, their defaults, limits with usage (details), update and reset.

A project may read its own quotas; an admin reads, sets and resets anyone's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import errors, quotas
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import flask
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    flask = sa = None


def _reader(project_id):
    if not common.ctx().is_admin and project_id != common.ctx().project_id:
        raise errors.policy_refused('get_quota', field='project_id')


def _admin():
    if not common.ctx().is_admin:
        raise errors.Forbidden('User does not have admin privileges: Only admin can view or configure quota.',
                               kind='AdminRequired')


def index():
    """Every project that has a limit of its own, with all its limits (admins)."""
    _admin()
    t = table('quotas')
    with common.store().read() as conn:
        projects = sorted(set(r.project_id for r in conn.execute(
            sa.select(t.c.project_id).where(t.c.resource.in_(tuple(quotas.DEFAULTS))))))
        out = [dict(quotas.limits(conn, p), project_id=p, tenant_id=p) for p in projects]
    return flask.jsonify({'quotas': out})


def show(project_id):
    _reader(project_id)
    with common.store().read() as conn:
        return flask.jsonify({'quota': quotas.limits(conn, project_id)})


def defaults(project_id):
    _reader(project_id)
    return flask.jsonify({'quota': dict(quotas.DEFAULTS)})


def details(project_id):
    _reader(project_id)
    with common.store().read() as conn:
        limit, used = quotas.limits(conn, project_id), quotas.usage(conn, project_id)
    return flask.jsonify({'quota': dict((r, {'limit': limit[r], 'used': used[r], 'reserved': 0}) for r in limit)})


def update(project_id):
    _admin()
    body = common.body()
    if not isinstance(body, dict) or not isinstance(body.get('quota'), dict):
        raise errors.BadRequest("Unable to find 'quota' in request body", field='quota', kind='HTTPBadRequest')
    values = dict((k, v) for k, v in body['quota'].items() if k not in ('project_id', 'tenant_id', 'force'))
    return flask.jsonify({'quota': quotas.set_limits(common.store(), project_id, values)})


def delete(project_id):
    _admin()
    quotas.reset(common.store(), project_id)
    return '', 204
