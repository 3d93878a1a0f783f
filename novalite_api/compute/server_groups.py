# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server groups (``/os-server-groups``): the groups the scheduler's affinity filters and weighers read.

A group is shown with ``policies`` and ``metadata`` until 2.63, with ``policy`` and ``rules`` from 2.64;
``project_id`` and ``user_id`` from 2.13; members are the servers not deleted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, non_negative_query, only_query_params, request_body, store
from novalite_api.compute.schemas import server_groups as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups as groups_mod

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _view(group):
    out = {'id': group['uuid'], 'name': group['name']}
    if since(64):
        out.update(policy=group['policy'], rules=group['rules'])
    else:
        out.update(policies=[group['policy']], metadata={})
    out['members'] = group.get('members') or []
    if since(13):
        out.update(project_id=group['project_id'], user_id=group['user_id'])
    return out


def _group(group_id, rule):
    with store().read() as conn:
        found = groups_mod.find(conn, group_id) if instances.is_uuid_like(group_id) else None
    if found is None or found['uuid'] != group_id:
        raise ApiError(404, 'Instance group %s could not be found.' % group_id)
    policy.enforce(rule, ctx(), {'project_id': found['project_id']})
    return found


def _non_negative(name):
    raw = flask.request.args.get(name)
    return None if raw is None else int(raw)   # non_negative_query checked it


def index():
    only_query_params('all_projects', 'limit', 'offset')
    non_negative_query('limit', 'offset')
    caller = ctx()
    policy.enforce('os_compute_api:os-server-groups:index', caller, {'project_id': caller.project_id})
    project = caller.project_id
    if 'all_projects' in flask.request.args and caller.is_admin:
        policy.enforce('os_compute_api:os-server-groups:index:all_projects', caller,
                       {'project_id': caller.project_id})
        project = None
    found = groups_mod.list_groups(store(), project_id=project)
    offset, limit = _non_negative('offset') or 0, _non_negative('limit')
    found = found[offset:] if limit is None else found[offset:offset + limit]
    return flask.jsonify({'server_groups': [_view(g) for g in found]})


def show(group_id):
    return flask.jsonify({'server_group': _view(_group(group_id, 'os_compute_api:os-server-groups:show'))})


def create():
    caller = ctx()
    policy.enforce('os_compute_api:os-server-groups:create', caller, {'project_id': caller.project_id})
    spec = validation.validate(request_body(), schemas.create(api_version.current()))['server_group']
    if since(64):
        chosen, rules = spec['policy'], spec.get('rules') or {}
        if chosen != 'anti-affinity' and rules:
            raise ApiError(400, 'Only anti-affinity policy supports rules.')
    else:
        chosen, rules = spec['policies'][0], {}
    made = groups_mod.create(store(), spec['name'], chosen, rules, project_id=caller.project_id,
                             user_id=caller.user_id, enforce_quota=True)
    return flask.jsonify({'server_group': _view(made)})


def delete(group_id):
    found = _group(group_id, 'os_compute_api:os-server-groups:delete')
    groups_mod.remove(store(), found['uuid'])
    return '', 204
