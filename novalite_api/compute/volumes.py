# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Volumes through the compute API (``/os-volumes``, ``/os-volumes/detail``, ``/os-volumes/{id}``): Nova's
proxy to the block storage service (nova/api/openstack/compute/volumes.py), 2.1 - 2.35, 404 from 2.36.

novalite has no block storage service: its servers boot from copy-on-write image disks. These routes answer
what Nova answers in front of a block storage service that holds no volume for anyone and lets no project
create one (a volume quota of 0), after the checks Nova makes itself (microversion, query, body, policy):

* the lists are empty (``limit``/``offset`` checked as Nova's non-negative integers);
* any volume id is Nova's 404 ``Volume <id> could not be found.`` for show and delete;
* a create whose body passes Nova's schema names a snapshot that does not exist (404, Nova's
  ``Snapshot <id> could not be found.``) or is refused by the volume quota (403, the block storage service's
  ``VolumeLimitExceeded`` message, which Nova passes through as its OverQuota).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.common import PROXY_LAST_MINOR, available_until, ctx, non_negative_query, request_body
from novalite_api.compute.schemas import wrapped
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RULE = 'os_compute_api:os-volumes:%s'

_TEXT = {'type': 'string'}
# nova/api/openstack/compute/schemas/volumes.py create
CREATE = wrapped('volume', {
    'volume_type': _TEXT,
    'metadata': {'type': 'object', 'properties': {}, 'additionalProperties': True},
    'snapshot_id': _TEXT,
    'size': {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 1},
    'availability_zone': _TEXT,
    'display_name': _TEXT,
    'display_description': _TEXT,
}, ['size'])

# What the block storage service answers a create over its volume quota, which Nova's answer carries.
OVER_QUOTA = "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota 'volumes'."


def allowed(rule):
    """The route exists at this microversion and the caller may call it (Nova's order: version, then policy)."""
    available_until(PROXY_LAST_MINOR)
    policy.enforce(rule, ctx(), {'project_id': ctx().project_id})


def listed(rule, key):
    """An empty list, after Nova's version, query and policy checks (shared with the snapshot routes)."""
    available_until(PROXY_LAST_MINOR)
    non_negative_query('limit', 'offset')
    allowed(rule)
    return flask.jsonify({key: []})


def volume_not_found(volume_id):
    return ApiError(404, 'Volume %s could not be found.' % volume_id)


def snapshot_not_found(snapshot_id):
    return ApiError(404, 'Snapshot %s could not be found.' % snapshot_id)


def index():
    return listed(RULE % 'list', 'volumes')


def detail():
    return listed(RULE % 'detail', 'volumes')


def show(volume_id):
    allowed(RULE % 'show')
    raise volume_not_found(volume_id)


def delete(volume_id):
    allowed(RULE % 'delete')
    raise volume_not_found(volume_id)


def create():
    available_until(PROXY_LAST_MINOR)
    volume = validation.validate(request_body(), CREATE)['volume']
    allowed(RULE % 'create')
    if volume.get('snapshot_id') is not None:
        raise snapshot_not_found(volume['snapshot_id'])
    raise ApiError(403, OVER_QUOTA)
