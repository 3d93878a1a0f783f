# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute API's image proxy (``/images``, deprecated in Nova at 2.36: 404 from then on; its metadata at 2.39).

The images are the image service's (``catalog/images.py``, what ``/image/v2`` serves), seen with the
caller's project, as Nova proxies Glance with the user's token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, page, store
from novalite_api.compute.views import images as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images as images_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

LAST_VERSION = 35            # the image proxy answers 404 from 2.36 ...
LAST_METADATA_VERSION = 38   # ... its metadata API from 2.39


def proxy_available(last=LAST_VERSION):
    if since(last + 1):
        raise ApiError(404, 'The resource could not be found.')


def visible_image(image_id, last=LAST_VERSION):
    """The image the caller may see, or Nova's 404."""
    proxy_available(last)
    caller = ctx()
    try:
        if not instances.is_uuid_like(image_id):
            raise NotFound('Image', image_id)
        return images_mod.get(store(), image_id, project=None if caller.is_admin else caller.project_id)
    except NotFound:
        raise ApiError(404, 'Image not found.')


def _int_filter(name):
    raw = flask.request.args.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, 'Invalid %s filter [%s]' % (name, raw))


def _list(detail):
    proxy_available()
    caller = ctx()
    args = flask.request.args
    status = args.get('status')
    found = images_mod.list_images(store(), name=args.get('name'),
                                   project=None if caller.is_admin else caller.project_id)
    min_ram, min_disk = _int_filter('minRam'), _int_filter('minDisk')
    # Nova's filters: status by its own names, minRam/minDisk as lower bounds, server = the snapshot's source.
    found = [i for i in found
             if (status is None or views.STATUS.get(i['status'], 'UNKNOWN') == status.upper())
             and (min_ram is None or (i['min_ram'] or 0) >= min_ram)
             and (min_disk is None or (i['min_disk'] or 0) >= min_disk)
             and (args.get('server') is None or i['properties'].get('instance_uuid') == args['server'].split('/')[-1])
             and (args.get('type') is None or i['properties'].get('image_type') == args['type'])]
    found, body = page(found, lambda i: i['id'], 'images_links', missing='marker [%s] not found')
    body['images'] = [views.show(i) if detail else views.basic(i) for i in found]
    return flask.jsonify(body)


def index():
    return _list(False)


def detail():
    return _list(True)


def show(image_id):
    return flask.jsonify({'image': views.show(visible_image(image_id))})


def delete(image_id):
    image = visible_image(image_id)
    if not policy.allowed('delete_image', ctx(), {'project_id': image['owner']}):
        raise ApiError(403, 'You are not allowed to delete the image.')
    try:
        images_mod.delete(store(), flask.current_app.config['NOVALITE']['image_store'], image['id'])
    except Conflict:   # protected: the image service refuses, Nova answers 403
        raise ApiError(403, 'You are not allowed to delete the image.')
    except NotFound:
        raise ApiError(404, 'Image not found.')
    return '', 204
