# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""An image as the compute API's image proxy shows it (Nova's views/images.py shape, up to 2.35)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.common import base_url, links

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Glance status -> the compute API's image status, and the progress Nova reports for it.
STATUS = {'active': 'ACTIVE', 'queued': 'SAVING', 'saving': 'SAVING', 'importing': 'SAVING',
          'deleted': 'DELETED', 'pending_delete': 'DELETED', 'killed': 'ERROR'}
PROGRESS = {'queued': 25, 'saving': 50, 'active': 100}
_FALSE = ('0', 'f', 'false', 'off', 'n', 'no')


def _links(image_id):
    glance = flask.current_app.config['NOVALITE']['public_url'] + '/image'
    return links('images', image_id) + [{'rel': 'alternate', 'type': 'application/vnd.openstack.image',
                                         'href': '%s/images/%s' % (glance, image_id)}]


def basic(image):
    return {'id': image['id'], 'name': image['name'], 'links': _links(image['id'])}


def show(image):
    properties = image['properties'] or {}
    out = {'id': image['id'], 'name': image['name'], 'minRam': int(image['min_ram'] or 0),
           'minDisk': int(image['min_disk'] or 0), 'metadata': properties,
           'created': image['created_at'], 'updated': image['updated_at'] or image['created_at'],
           'status': STATUS.get(image['status'], 'UNKNOWN'), 'progress': PROGRESS.get(image['status'], 0),
           'OS-EXT-IMG-SIZE:size': image['size'], 'links': _links(image['id'])}
    server = properties.get('instance_uuid')
    if server is not None:   # a snapshot names the server it was made from
        out['server'] = {'id': server, 'links': [
            {'rel': 'self', 'href': '%s/v2.1/servers/%s' % (base_url(), server)},
            {'rel': 'bookmark', 'href': '%s/servers/%s' % (base_url(), server)}]}
    auto = properties.get('auto_disk_config')
    if auto is not None:
        out['OS-DCF:diskConfig'] = 'MANUAL' if str(auto).lower() in _FALSE else 'AUTO'
    return out
