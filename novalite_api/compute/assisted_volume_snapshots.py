# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Assisted volume snapshots (``POST /os-assisted-volume-snapshots``, ``DELETE
/os-assisted-volume-snapshots/{id}?delete_info=...``; every microversion): the block storage service's calls
asking the compute host to snapshot, or merge away, a file-backed volume attached to a server
(nova/api/openstack/compute/assisted_volume_snapshots.py). Nova's policy lets only the service role call them.

novalite attaches no volumes, so no server has a block device mapping for any volume: after Nova's checks (the
body, or ``delete_info`` as JSON naming a ``volume_id``; then the policy) both answer Nova's 400 for a volume
without one, ``No volume Block Device Mapping with id <volume_id>.``. A ``delete_info`` that is JSON but not an
object is a 400 naming why (Nova's own code fails there with a 500).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from novalite_api import policy, validation
from novalite_api.compute.common import ctx, only_query_params, request_body
from novalite_api.compute.schemas import wrapped
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RULE = 'os_compute_api:os-assisted-volume-snapshots:%s'

_ID = {'type': 'string', 'minLength': 1}
# nova/api/openstack/compute/schemas/assisted_volume_snapshots.py create
CREATE = wrapped('snapshot', {
    'volume_id': _ID,
    'create_info': {
        'type': 'object',
        'properties': {'snapshot_id': _ID, 'type': {'type': 'string', 'enum': ['qcow2']}, 'new_file': _ID, 'id': _ID},
        'required': ['snapshot_id', 'type', 'new_file'], 'additionalProperties': False},
}, ['volume_id', 'create_info'])


def _no_mapping(volume_id):
    return ApiError(400, 'No volume Block Device Mapping with id %s.' % (volume_id,))


def create():
    body = validation.validate(request_body(), CREATE)
    policy.enforce(RULE % 'create', ctx(), {})
    raise _no_mapping(body['snapshot']['volume_id'])


def delete(snapshot_id):
    only_query_params('delete_info', from_minor=75)
    policy.enforce(RULE % 'delete', ctx(), {})
    given = flask.request.args.getlist('delete_info')
    if not given:
        raise ApiError(400, "'delete_info'")   # Nova's str(KeyError)
    try:
        delete_info = json.loads(given[-1])    # the last value, as webob's MultiDict gives it
    except ValueError as exc:
        raise ApiError(400, str(exc))
    if not isinstance(delete_info, dict):
        raise ApiError(400, 'delete_info must be a JSON object, not %s' % type(delete_info).__name__)
    if 'volume_id' not in delete_info:
        raise ApiError(400, "'volume_id'")
    raise _no_mapping(delete_info['volume_id'])
