# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host aggregates (``/os-aggregates``, admin): groups of compute hosts with metadata; a zone is their metadata.

The work is ``registry/aggregates.py``'s (the ``aggregate`` module runs the same functions); here are Nova's
statuses: 200 for create, delete and the actions (Nova keeps them for compatibility), 409 when add_host or
remove_host would break a zone rule where update and set_metadata answer 400, and a remove_host that finds
nothing is "Cannot remove host ... in aggregate ...". From 2.81, ``POST .../images`` (image precaching) is
validated as Nova does and then refused: novalite's hosts fetch images when a server first needs them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.schemas import aggregates as schemas
from novalite_api.compute.views import aggregates as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates as aggregates_mod

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RULE = 'os_compute_api:os-aggregates:%s'
_MAX_ID = 2 ** 31 - 1


def _id(aggregate_id):
    """Nova's validate_integer(id): 400 for a non-integer; an id no row can have is simply not found."""
    text = str(aggregate_id).strip()
    if not text.lstrip('-').isdigit():
        raise ApiError(400, 'Invalid input received: id must be an integer')
    # a very long digit string is no row's id (and int() of thousands of digits raises)
    number = int(text) if len(text) <= 12 else 0
    if not 0 < number <= _MAX_ID:
        raise ApiError(404, 'Aggregate %s could not be found.' % text)
    return number


def _wrap(aggregate, created=False):
    return flask.jsonify({'aggregate': views.show(aggregate, created=created)})


def index():
    policy.enforce(RULE % 'index', ctx())
    return flask.jsonify({'aggregates': [views.show(a) for a in aggregates_mod.list_aggregates(store())]})


def create():
    body = validation.validate(request_body(), schemas.CREATE)['aggregate']
    policy.enforce(RULE % 'create', ctx())
    made = aggregates_mod.create(store(), body['name'], body.get('availability_zone'))
    return _wrap(made, created=True)


def show(aggregate_id):
    policy.enforce(RULE % 'show', ctx())
    return _wrap(aggregates_mod.get(store(), _id(aggregate_id)))


def update(aggregate_id):
    body = validation.validate(request_body(), schemas.UPDATE)['aggregate']
    policy.enforce(RULE % 'update', ctx())
    changed = aggregates_mod.update(store(), _id(aggregate_id), name=body.get('name'),
                                    availability_zone=body.get('availability_zone'),
                                    set_zone='availability_zone' in body)
    return _wrap(changed)


def delete(aggregate_id):
    policy.enforce(RULE % 'delete', ctx())
    aggregates_mod.delete(store(), _id(aggregate_id))
    return '', 200


def action(aggregate_id):
    body = request_body()
    name = next((key for key in schemas.ACTIONS if key in body), None)
    if name is None:
        raise ApiError(400, ('There is no such action: %s' % ', '.join(sorted(body))) if body
                       else 'Malformed request body')
    body = validation.validate(body, schemas.ACTIONS[name])[name]
    policy.enforce(RULE % name, ctx())
    number = _id(aggregate_id)
    if name == 'set_metadata':
        return _wrap(aggregates_mod.set_metadata(store(), number, body['metadata']))
    try:
        if name == 'add_host':
            return _wrap(aggregates_mod.add_host(store(), number, body['host']))
        return _wrap(aggregates_mod.remove_host(store(), number, body['host']))
    except aggregates_mod.InvalidAggregateAction as exc:
        # Nova: a zone rule refusing add_host/remove_host is a conflict (409), not a bad request
        raise ApiError(409, exc.message)
    except NotFound:
        if name == 'remove_host':
            raise ApiError(404, 'Cannot remove host %s in aggregate %s' % (body['host'], number))
        raise


def images(aggregate_id):
    if not since(81):
        raise ApiError(404, 'The resource could not be found.')
    body = validation.validate(request_body(), schemas.IMAGES)
    policy.enforce('compute:aggregates:images', ctx())
    number = _id(aggregate_id)
    wanted = [item['id'] for item in body['cache']]
    if len(set(wanted)) != len(wanted):
        raise ApiError(400, 'Duplicate images in request')
    aggregates_mod.get(store(), number)
    raise ApiError(400, 'Image precaching is not supported by novalite: each compute host fetches an image into '
                        'its cache when a server first needs it')
