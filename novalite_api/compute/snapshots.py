# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Volume snapshots through the compute API (``/os-snapshots``, ``/os-snapshots/detail``,
``/os-snapshots/{id}``): Nova's proxy to the block storage service (nova/api/openstack/compute/snapshots.py),
2.1 - 2.35, 404 from 2.36.

As ``/os-volumes`` (volumes.py): novalite has no block storage service, so these answer what Nova answers in
front of one that holds nothing, after Nova's own checks: empty lists, ``Snapshot <id> could not be found.``
(404) for show and delete, and a create whose body passes Nova's schema names a volume that does not exist.
For that last one Nova's own answer is a 500 (the volume service's 404 becomes VolumeNotFound, which the
create method does not list among its expected errors); novalite answers the 404 that exception stands for,
``Volume <id> could not be found.``, as Nova does everywhere else it finds no volume.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute import volumes
from novalite_api.compute.common import PROXY_LAST_MINOR, available_until, request_body
from novalite_api.compute.schemas import BOOLEAN, wrapped

RULE = 'os_compute_api:os-volumes:snapshots:%s'

_TEXT = {'type': 'string'}
# nova/api/openstack/compute/schemas/snapshots.py create
CREATE = wrapped('snapshot', {'volume_id': _TEXT, 'force': BOOLEAN, 'display_name': _TEXT, 'display_description': _TEXT},
                 ['volume_id'])


def index():
    return volumes.listed(RULE % 'list', 'snapshots')


def detail():
    return volumes.listed(RULE % 'detail', 'snapshots')


def show(snapshot_id):
    volumes.allowed(RULE % 'show')
    raise volumes.snapshot_not_found(snapshot_id)


def delete(snapshot_id):
    volumes.allowed(RULE % 'delete')
    raise volumes.snapshot_not_found(snapshot_id)


def create():
    available_until(PROXY_LAST_MINOR)
    snapshot = validation.validate(request_body(), CREATE)['snapshot']
    volumes.allowed(RULE % 'create')
    raise volumes.volume_not_found(snapshot['volume_id'])
