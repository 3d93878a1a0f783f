# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's metadata (``/servers/{id}/metadata``): read-modify-write under the instance's row lock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.common import check_lock_and_state, get_server, request_body, store
from novalite_api.compute.schemas import server_metadata as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances, quotas

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

_CHANGEABLE_STATES = (S.ACTIVE, S.PAUSED, S.SUSPENDED, S.STOPPED)


def _check_change(inst, action):
    """Nova's check_instance_lock + check_instance_state(ACTIVE/PAUSED/SUSPENDED/STOPPED, task None)."""
    check_lock_and_state(inst, action, _CHANGEABLE_STATES)


def _set_metadata(server_id, rule, new, replace):
    inst = get_server(server_id, rule)

    def change(current):
        _check_change(current, 'update metadata')
        merged = dict(new) if replace else dict(current['metadata'] or {}, **new)
        with store().read() as conn:
            quotas.check_metadata(conn, current['project_id'], len(merged))
        return {'metadata': merged}
    return instances.modify(store(), inst['uuid'], change)


def index(server_id):
    inst = get_server(server_id, 'os_compute_api:server-metadata:index')
    return flask.jsonify({'metadata': inst['metadata'] or {}})


def create(server_id):
    new = validation.validate(request_body(), schemas.METADATA)['metadata']
    inst = _set_metadata(server_id, 'os_compute_api:server-metadata:create', new, replace=False)
    return flask.jsonify({'metadata': inst['metadata']})


def update_all(server_id):
    new = validation.validate(request_body(), schemas.METADATA)['metadata']
    inst = _set_metadata(server_id, 'os_compute_api:server-metadata:update_all', new, replace=True)
    return flask.jsonify({'metadata': inst['metadata']})


def show(server_id, key):
    inst = get_server(server_id, 'os_compute_api:server-metadata:show')
    if key not in (inst['metadata'] or {}):
        raise ApiError(404, 'Metadata item was not found')
    return flask.jsonify({'meta': {key: inst['metadata'][key]}})


def update(server_id, key):
    meta = validation.validate(request_body(), schemas.METADATA_ITEM)['meta']
    if key not in meta:
        raise ApiError(400, 'Request body and URI mismatch')
    _set_metadata(server_id, 'os_compute_api:server-metadata:update', meta, replace=False)
    return flask.jsonify({'meta': meta})


def delete(server_id, key):
    inst = get_server(server_id, 'os_compute_api:server-metadata:delete')

    def change(current):
        if key not in (current['metadata'] or {}):
            raise ApiError(404, 'Metadata item was not found')
        _check_change(current, 'delete metadata')
        return {'metadata': dict((k, v) for k, v in current['metadata'].items() if k != key)}
    instances.modify(store(), inst['uuid'], change)
    return '', 204
