# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""An image's metadata through the compute API (``/images/{id}/metadata``, up to 2.38): its free-form properties."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.images import LAST_METADATA_VERSION, visible_image as _visible_image
from novalite_api.compute.schemas import server_metadata as schemas   # Nova's image metadata bodies are the same
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images as images_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def visible_image(image_id):
    return _visible_image(image_id, last=LAST_METADATA_VERSION)


def _change(image_id, new, replace):
    """Set ``new`` (all of the metadata when ``replace``); the owner or an admin, within metadata_items."""
    image = visible_image(image_id)
    caller = ctx()
    if not policy.allowed('modify_image', caller, {'project_id': image['owner']}):
        raise ApiError(403, 'You are not allowed to modify the image %s.' % image['id'])
    merged = dict(new) if replace else dict(image['properties'], **new)
    with store().read() as conn:
        try:
            quotas.check_metadata(conn, caller.project_id, len(merged))
        except quotas.QuotaExceeded:
            raise ApiError(403, 'Image metadata limit exceeded')
    gone = [key for key in image['properties'] if key not in merged] if replace else []
    return images_mod.update(store(), image['id'], properties=new, remove_properties=gone)['properties']


def index(image_id):
    return flask.jsonify({'metadata': visible_image(image_id)['properties']})


def create(image_id):
    new = validation.validate(request_body(), schemas.METADATA)['metadata']
    return flask.jsonify({'metadata': _change(image_id, new, replace=False)})


def update_all(image_id):
    new = validation.validate(request_body(), schemas.METADATA)['metadata']
    return flask.jsonify({'metadata': _change(image_id, new, replace=True)})


def show(image_id, key):
    properties = visible_image(image_id)['properties']
    if key not in properties:
        raise ApiError(404, 'The resource could not be found.')
    return flask.jsonify({'meta': {key: properties[key]}})


def update(image_id, key):
    meta = validation.validate(request_body(), schemas.METADATA_ITEM)['meta']
    if key not in meta:
        raise ApiError(400, 'Request body and URI mismatch')
    _change(image_id, meta, replace=False)
    return flask.jsonify({'meta': meta})


def delete(image_id, key):
    image = visible_image(image_id)
    if key not in image['properties']:
        raise ApiError(404, 'Invalid metadata key')
    if not policy.allowed('modify_image', ctx(), {'project_id': image['owner']}):
        raise ApiError(403, 'You are not allowed to modify the image %s.' % image['id'])
    images_mod.update(store(), image['id'], remove_properties=[key])
    return '', 204
