# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Flavors: list, detail, show; create and delete (admin). Nova's flavors.py and flavor_manage.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.common import ctx, int_arg, only_query_params, request_body, store, strict_bool
from novalite_api.compute.schemas import as_bool, flavors as schemas
from novalite_api.compute.views import flavors as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavors_mod
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _is_public_filter():
    """Nova's _get_is_public: absent -> True, 'none' -> all (admin only), else a strict boolean."""
    raw = flask.request.args.get('is_public')
    if raw is None:
        return True
    if raw.lower() == 'none':
        return None
    value = strict_bool(raw)
    if value is None:
        raise InvalidInput('is_public', 'Invalid is_public filter [%s]' % raw)
    return value


def _visible(caller, flavor):
    return caller.is_admin or flavor['is_public'] or caller.project_id in flavor['projects']


def visible_flavor(flavor_id):
    """The flavor by id or name as the caller may see it; a private one not shared with them is 404."""
    flavor = flavors_mod.get(store(), flavor_id)
    if not _visible(ctx(), flavor):
        raise NotFound('Flavor', flavor_id, field='flavor')
    return flavor


def admin_flavor(flavor_id):
    """The flavor with this flavorid (the API never matches names), else Nova's 404."""
    flavor = flavors_mod.find(store(), flavor_id)
    if flavor is None or flavor['flavorid'] != flavor_id:
        raise ApiError(404, 'Flavor %s could not be found.' % flavor_id, field='flavor')
    return flavor


def _list(detail):
    # name: a filter before 2.75 (unchecked then) and from 2.102; in between Nova's schema refuses it.
    only_query_params('limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir',
                      *(('name',) if api_version.since(102) else ()))
    validation.validate_query(flask.request.args, schemas.list_query(api_version.current()))
    caller = ctx()
    # Only admins choose; non-admins always see public flavors plus those shared with
    # their project, and Nova ignores (does not even parse) their is_public.
    is_public = _is_public_filter() if caller.is_admin else True
    found = flavors_mod.list_flavors(store(), is_public=is_public, min_ram=int_arg('minRam'),
                                     min_disk=int_arg('minDisk'), project_id=caller.project_id,
                                     sort_key=flask.request.args.get('sort_key', 'flavorid'),
                                     sort_dir=flask.request.args.get('sort_dir', 'asc'),
                                     limit=int_arg('limit'), marker=flask.request.args.get('marker'),
                                     name=flask.request.args.get('name'))
    if not caller.is_admin:
        found = [f for f in found if not f['disabled']]
    extra_specs = detail and views.extra_specs_shown()
    return flask.jsonify({'flavors': [views.show(f, detail, extra_specs) for f in found]})


def index():
    return _list(False)


def detail():
    return _list(True)


def show(flavor_id):
    return flask.jsonify({'flavor': views.show(visible_flavor(flavor_id), True, views.extra_specs_shown())})


def create():
    policy.enforce('os_compute_api:os-flavor-manage:create', ctx())
    spec = validation.validate(request_body(), schemas.create(api_version.current()))['flavor']
    flavorid = spec.get('id')
    made = flavors_mod.create(
        store(), spec['name'], int(spec['vcpus']), int(spec['ram']), int(spec['disk']),
        ephemeral_gb=int(spec.get('OS-FLV-EXT-DATA:ephemeral', 0)), swap=int(spec.get('swap', 0)),
        flavorid=str(flavorid) if flavorid is not None else None,
        is_public=as_bool(spec.get('os-flavor-access:is_public'), default=True),
        rxtx_factor=float(spec.get('rxtx_factor', 1.0)), description=spec.get('description'))
    return flask.jsonify({'flavor': views.show(made, True, views.extra_specs_shown())})   # Nova answers 200 here


def update(flavor_id):
    """2.55: only the description of a flavor changes (its sizes never do)."""
    if not api_version.since(55):
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce('os_compute_api:os-flavor-manage:update', ctx())
    description = validation.validate(request_body(), schemas.UPDATE)['flavor']['description']
    changed = flavors_mod.update(store(), admin_flavor(flavor_id)['flavorid'], description=description)
    return flask.jsonify({'flavor': views.show(changed, True, views.extra_specs_shown())})


def delete(flavor_id):
    policy.enforce('os_compute_api:os-flavor-manage:delete', ctx())
    flavors_mod.delete(store(), admin_flavor(flavor_id)['flavorid'])
    return '', 202
