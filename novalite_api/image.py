# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Glance's Image API v2, read + delete, over catalog/images.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import auth, policy, routing

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images as images_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# What this subset honours (no tasks, import, stores or tags: later Glance minor versions).
VERSIONS = ('2.1', '2.0')


def _store():
    return flask.current_app.config['NOVALITE_STORE']


def _project_filter():
    """None (all images) for admins, else the caller's project for visibility checks."""
    ctx = flask.g.ctx
    return None if ctx.is_admin else ctx.project_id


def before_request():
    # Only the version document is answered without a token.
    if routing.current_handler() is not versions:
        auth.authenticate_request()


def versions():
    base = flask.current_app.config['NOVALITE']['public_url'] + '/image'
    docs = [{'id': 'v%s' % v, 'status': 'CURRENT' if i == 0 else 'SUPPORTED',
             'links': [{'rel': 'self', 'href': '%s/v2/' % base}]} for i, v in enumerate(VERSIONS)]
    response = flask.jsonify({'versions': docs})
    response.status_code = 300
    return response


def image_view(image):
    out = {
        'id': image['id'], 'name': image['name'], 'status': image['status'], 'visibility': image['visibility'],
        'protected': image['protected'], 'os_hidden': False, 'checksum': image['checksum'],
        'os_hash_algo': image['os_hash_algo'], 'os_hash_value': image['os_hash_value'],
        'owner': image['owner'], 'size': image['size'], 'virtual_size': image['virtual_size'],
        'min_ram': image['min_ram'], 'min_disk': image['min_disk'], 'disk_format': image['disk_format'],
        'container_format': image['container_format'], 'created_at': image['created_at'],
        'updated_at': image['updated_at'] or image['created_at'], 'tags': [],
        'self': '/v2/images/%s' % image['id'], 'file': '/v2/images/%s/file' % image['id'],
        'schema': '/v2/schemas/image',
    }
    # Glance shows free-form properties as top-level attributes.
    for key, value in sorted(image['properties'].items()):
        out.setdefault(key, value)
    return out


def index():
    policy.enforce('get_images', flask.g.ctx)
    args = flask.request.args
    ids = None
    raw_id = args.get('id')
    if raw_id is not None:
        ids = set(raw_id[3:].split(',')) if raw_id.startswith('in:') else set([raw_id])
    name = args.get('name')
    if name is not None and name.startswith('in:'):
        names, name = set(name[3:].split(',')), None
    else:
        names = None
    sort_key, sort_dir = args.get('sort_key', 'created_at'), args.get('sort_dir', 'desc')
    if args.get('sort'):
        # Glance's "sort=key:dir" form, first key only.
        first = args['sort'].split(',')[0].split(':')
        sort_key, sort_dir = first[0], (first[1] if len(first) > 1 else 'desc')
    limit = args.get('limit')
    if limit is not None:
        try:
            limit = int(limit)
        except ValueError:
            raise InvalidInput('limit', 'must be an integer, got %r' % limit)
        if limit < 0:
            # Glance: "limit param must be positive"
            raise InvalidInput('limit', 'limit param must be positive, got %d' % limit)
    found = images_mod.list_images(_store(), name=name, status=args.get('status'),
                                   visibility=args.get('visibility'), owner=args.get('owner'),
                                   disk_format=args.get('disk_format'), project=_project_filter(),
                                   sort_key=sort_key, sort_dir=sort_dir, marker=args.get('marker'))
    if ids is not None:
        found = [i for i in found if i['id'] in ids]
    if names is not None:
        found = [i for i in found if i['name'] in names]
    body = {'images': [image_view(i) for i in found], 'first': '/v2/images', 'schema': '/v2/schemas/images'}
    if limit is not None and len(found) > limit:
        body['images'] = body['images'][:limit]
        if body['images']:
            body['next'] = '/v2/images?marker=%s&limit=%d' % (body['images'][-1]['id'], limit)
    return flask.jsonify(body)


def _get(image_id):
    # Glance looks images up by id only: a name in the id position is 404.
    if not instances.is_uuid_like(image_id):
        raise NotFound('Image', image_id, field='image')
    return images_mod.get(_store(), image_id, project=_project_filter())


def show(image_id):
    image = _get(image_id)
    return flask.jsonify(image_view(image))


def delete(image_id):
    image = _get(image_id)
    ctx = flask.g.ctx
    if not policy.allowed('delete_image', ctx, {'project_id': image['owner']}):
        # Visible (public) but not theirs.
        raise policy.Forbidden('You are not authorized to delete image %s.' % image_id)
    images_mod.delete(_store(), flask.current_app.config['NOVALITE']['image_store'], image_id)
    return '', 204


# Glance's image-create body (its image schema, reduced to this subset): the named attributes are columns,
# anything else is a free-form property. The handler checks it by hand, with Glance's messages.
CREATE = {
    'type': 'object',
    'properties': {
        'id': {'type': 'string', 'format': 'uuid'},
        'name': {'type': ['string', 'null'], 'maxLength': 255},
        'disk_format': {'type': 'string', 'enum': ['qcow2', 'raw', 'iso', 'aki', 'ari', 'ami']},
        'container_format': {'type': 'string', 'enum': ['bare', 'ovf', 'aki', 'ari', 'ami']},
        'visibility': {'type': 'string', 'enum': ['public', 'private', 'shared', 'community']},
        'min_disk': {'type': 'integer', 'minimum': 0},
        'min_ram': {'type': 'integer', 'minimum': 0},
        'protected': {'type': 'boolean'},
        'os_hidden': {'type': 'boolean'},
        'tags': {'type': 'array', 'items': {'type': 'string'}, 'maxItems': 0},
    },
    'additionalProperties': {'type': 'string', 'maxLength': 255},
}
# Accepted and ignored (os_hidden) or refused when not empty (tags); the rest are the image's columns.
_NOT_COLUMNS = ('os_hidden', 'tags')
_CREATE_FIELDS = tuple(name for name in CREATE['properties'] if name not in _NOT_COLUMNS)


def create():
    ctx = flask.g.ctx
    policy.enforce('add_image', ctx)
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput('body', 'must be a JSON object of image attributes')
    body = dict(body)
    tags = body.pop('tags', [])
    if tags:
        raise InvalidInput('tags', 'image tags are not supported')
    body.pop('os_hidden', None)
    spec = dict((k, body.pop(k)) for k in _CREATE_FIELDS if k in body)
    if 'protected' in spec and not isinstance(spec['protected'], bool):
        # Glance's image schema: a JSON boolean, not "yes" or 1 (the collection's modules accept those).
        raise InvalidInput('protected', "Provided object does not match schema 'image': %r is not of type "
                                        "'boolean'" % (spec['protected'],))
    visibility = spec.get('visibility', 'shared')
    if visibility == 'public' and not policy.allowed('publicize_image', ctx):
        raise policy.Forbidden('You are not authorized to complete publicize_image action.')
    image = images_mod.create(_store(), spec.get('name'), image_id=spec.get('id'),
                              disk_format=spec.get('disk_format'), container_format=spec.get('container_format'),
                              visibility=visibility, owner=ctx.project_id, min_disk=spec.get('min_disk', 0),
                              min_ram=spec.get('min_ram', 0), protected=spec.get('protected', False),
                              properties=body)
    response = flask.jsonify(image_view(image))
    response.status_code = 201
    response.headers['Location'] = '%s/image/v2/images/%s' % (
        flask.current_app.config['NOVALITE']['public_url'], image['id'])
    return response


def upload(image_id):
    image = _get(image_id)
    if not policy.allowed('upload_image', flask.g.ctx, {'project_id': image['owner']}):
        raise policy.Forbidden('You are not authorized to upload data to image %s.' % image_id)
    # Streamed straight into the image store; catalog/images.py hashes, inspects, enforces the size cap and
    # the owner's storage quota, and activates it only when Content-Length bytes arrived.
    cfg = flask.current_app.config['NOVALITE']
    images_mod.upload(_store(), cfg['image_store'], image_id, flask.request.stream,
                      length=flask.request.content_length, size_cap=cfg['image_size_cap'],
                      storage_quota=cfg['user_storage_quota'])
    return '', 204


ROUTES = (
    ('GET', '/', versions),
    ('GET', '/v2/images', index),
    ('POST', '/v2/images', create),
    ('GET', '/v2/images/<image_id>', show),
    ('DELETE', '/v2/images/<image_id>', delete),
    ('PUT', '/v2/images/<image_id>/file', upload),
)
