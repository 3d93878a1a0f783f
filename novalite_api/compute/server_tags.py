# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's tags (``/servers/{id}/tags``, 2.26): at most 50, changed under the instance's row lock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import base_url, get_server, request_body, store
from novalite_api.compute.schemas import server_tags as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceInvalidState

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

_CHANGEABLE_STATES = (S.ACTIVE, S.PAUSED, S.SUSPENDED, S.STOPPED, S.SHELVED, S.SHELVED_OFFLOADED)


def _require_microversion():
    if not since(26):
        # The resource does not exist below 2.26.
        raise ApiError(404, 'The resource could not be found.')


def _check_change(inst, action):
    if inst['vm_state'] not in _CHANGEABLE_STATES:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (action, inst['uuid'], inst['vm_state']), field='server')


def _check_tag(tag):
    if not isinstance(tag, str) or not 1 <= len(tag) <= 60 or '/' in tag or ',' in tag:
        raise ApiError(400, "Tag '%s' is invalid. It must be a non empty string without characters '/' and ','."
                       % tag)


def index(server_id):
    _require_microversion()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:index')
    return flask.jsonify({'tags': list(inst.get('tags') or [])})


def update_all(server_id):
    _require_microversion()
    tags = validation.validate(request_body(), schemas.TAGS)['tags']
    inst = get_server(server_id, 'os_compute_api:os-server-tags:update_all')
    unique = []
    for tag in tags:
        if tag not in unique:
            unique.append(tag)

    def change(current):
        _check_change(current, 'update tags')
        return {'tags': unique or None}
    instances.modify(store(), inst['uuid'], change)
    return flask.jsonify({'tags': unique})


def delete_all(server_id):
    _require_microversion()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:delete_all')

    def change(current):
        _check_change(current, 'delete tags')
        return {'tags': None}
    instances.modify(store(), inst['uuid'], change)
    return '', 204


def show(server_id, tag):
    _require_microversion()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:show')
    if tag not in (inst.get('tags') or []):
        raise ApiError(404, "Server %s has no tag '%s'" % (inst['uuid'], tag))
    return '', 204


def update(server_id, tag):
    _require_microversion()
    _check_tag(tag)
    inst = get_server(server_id, 'os_compute_api:os-server-tags:update')
    added = []

    def change(current):
        have = list(current.get('tags') or [])
        if tag in have:
            return None
        _check_change(current, 'update tag')
        if len(have) >= schemas.MAX_TAGS:
            raise ApiError(400, 'The number of tags exceeded the per-server limit %d' % schemas.MAX_TAGS)
        added.append(tag)
        return {'tags': have + [tag]}
    instances.modify(store(), inst['uuid'], change)
    if not added:
        return '', 204
    response = flask.make_response('', 201)
    response.headers['Location'] = '%s/v2.1/servers/%s/tags/%s' % (base_url(), inst['uuid'], tag)
    return response


def delete(server_id, tag):
    _require_microversion()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:delete')

    def change(current):
        have = list(current.get('tags') or [])
        if tag not in have:
            raise ApiError(404, "Server %s has no tag '%s'" % (current['uuid'], tag))
        _check_change(current, 'delete tag')
        have.remove(tag)
        return {'tags': have or None}
    instances.modify(store(), inst['uuid'], change)
    return '', 204
