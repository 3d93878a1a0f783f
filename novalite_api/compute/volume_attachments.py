# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's volume attachments (``/servers/{id}/os-volume_attachments``).

novalite has no block storage service: its servers boot from copy-on-write image disks and have no
volumes. Every server therefore answers what Nova answers for an instance with no volume attached:
an empty list, "not attached" for any volume id, and an attach or detach that passes Nova's checks
(body, lock, state) and then cannot find the volume (404, as Nova does when Cinder has no such volume).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import (
    check_lock_and_state, get_server, non_negative_query, only_query_params, request_body)
from novalite_api.compute.schemas import BOOLEAN
from novalite_api.compute.schemas.server_tags import TAG
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceInvalidState

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

_UUID = {'type': 'string', 'format': 'uuid'}
# nova/block_device.py's match_device, as Nova's schema has it
_DEVICE = {'type': ['string', 'null'], 'pattern': '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$'}
# Nova's check_instance_state for attach_volume / detach_volume (task state must be none)
_ATTACH_STATES = (S.ACTIVE, S.PAUSED, S.STOPPED, S.RESIZED, S.SOFT_DELETED, S.SHELVED, S.SHELVED_OFFLOADED)
_SHELVED = (S.SHELVED, S.SHELVED_OFFLOADED)


def _body(properties):
    return {'type': 'object',
            'properties': {'volumeAttachment': {'type': 'object', 'properties': properties,
                                                'required': ['volumeId'], 'additionalProperties': False}},
            'required': ['volumeAttachment'], 'additionalProperties': False}


def create_schema(minor):
    """The attach body at 2.<minor>: a tag from 2.49, delete_on_termination from 2.79."""
    properties = {'volumeId': _UUID, 'device': _DEVICE}
    if minor >= 49:
        properties['tag'] = TAG
    if minor >= 79:
        properties['delete_on_termination'] = BOOLEAN
    return _body(properties)


def update_schema(minor):
    """The update body: the new volume only (a swap) until 2.84; every attachment field from 2.85."""
    if minor < 85:
        return _body({'volumeId': _UUID})
    return _body({'volumeId': _UUID, 'device': copy.deepcopy(_DEVICE), 'tag': TAG, 'delete_on_termination': BOOLEAN,
                  'serverId': _UUID, 'id': _UUID})


def _minor():
    return flask.g.get('api_version', (2, 1))[1]


def _not_attached(server_id, volume_id):
    return ApiError(404, 'Instance %s is not attached to volume %s' % (server_id, volume_id))


def _volume_not_found(volume_id):
    return ApiError(404, 'Volume %s could not be found.' % volume_id, field='volumeId')


def _check_shelved(inst, method):
    """Before 2.20 a shelved server takes no volume change (Nova's _check_request_version)."""
    if inst['vm_state'] in _SHELVED and not since(20):
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (method, inst['uuid'], inst['vm_state']), field='server')


def index(server_id):
    only_query_params('limit', 'offset')
    non_negative_query('limit', 'offset')
    get_server(server_id, 'os_compute_api:os-volumes-attachments:index')
    return flask.jsonify({'volumeAttachments': []})


def show(server_id, volume_id):
    get_server(server_id, 'os_compute_api:os-volumes-attachments:show')
    raise _not_attached(server_id, volume_id)


def create(server_id):
    body = validation.validate(request_body(), create_schema(_minor()))
    inst = get_server(server_id, 'os_compute_api:os-volumes-attachments:create')
    _check_shelved(inst, 'attach_volume')
    check_lock_and_state(inst, 'attach_volume', _ATTACH_STATES)
    raise _volume_not_found(body['volumeAttachment']['volumeId'])


def update(server_id, volume_id):
    body = validation.validate(request_body(), update_schema(_minor()))
    if not since(85) or body['volumeAttachment']['volumeId'] != volume_id:
        # a swap: Nova lets only the volume service (Cinder's volume migration) call it
        get_server(server_id, 'os_compute_api:os-volumes-attachments:swap')
        raise _volume_not_found(volume_id)
    get_server(server_id, 'os_compute_api:os-volumes-attachments:update')
    raise ApiError(404, 'No volume Block Device Mapping with id %s.' % volume_id)


def delete(server_id, volume_id):
    inst = get_server(server_id, 'os_compute_api:os-volumes-attachments:delete')
    _check_shelved(inst, 'detach_volume')
    raise _volume_not_found(volume_id)
