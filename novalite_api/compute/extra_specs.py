# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A flavor's extra specs (``/flavors/{id}/os-extra_specs``): read by those who see the flavor, changed by admins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.flavors import admin_flavor, visible_flavor
from novalite_api.compute.schemas import extra_specs as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.catalog import extra_spec_rules
from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavors_mod
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def index(flavor_id):
    policy.enforce('os_compute_api:os-flavor-extra-specs:index', ctx())
    return flask.jsonify({'extra_specs': visible_flavor(flavor_id)['extra_specs']})


def show(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:show', ctx())
    specs = visible_flavor(flavor_id)['extra_specs']
    if key not in specs:
        raise NotFound('Flavor %s has no extra specs with key' % flavor_id, key)
    return flask.jsonify({key: specs[key]})


def check_known_specs(specs):
    """From 2.86, keys of Nova's namespaces must be known keys with valid values (before the flavor is read)."""
    if since(86):
        for key, value in specs.items():
            extra_spec_rules.validate(key, value)


def create(flavor_id):
    policy.enforce('os_compute_api:os-flavor-extra-specs:create', ctx())
    specs = validation.validate(request_body(), schemas.CREATE)['extra_specs']
    check_known_specs(specs)
    flavor = admin_flavor(flavor_id)
    flavors_mod.update(store(), flavor['flavorid'], extra_specs=specs, known_keys=False)
    return flask.jsonify({'extra_specs': specs})


def update(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:update', ctx())
    body = validation.validate(request_body(), schemas.UPDATE)
    check_known_specs(body)
    if key not in body:
        raise ApiError(400, 'Request body and URI mismatch')
    flavor = admin_flavor(flavor_id)
    flavors_mod.update(store(), flavor['flavorid'], extra_specs=body, known_keys=False)
    return flask.jsonify(body)


def delete(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:delete', ctx())
    flavor = admin_flavor(flavor_id)
    if key not in flavor['extra_specs']:
        raise ApiError(404, 'Flavor %s has no extra specs with key %s.' % (flavor_id, key))
    flavors_mod.update(store(), flavor['flavorid'], unset_extra_specs=[key])
    return '', 200   # Nova keeps 200 (not 204) here for backward compatibility
