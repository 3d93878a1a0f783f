# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who may use a private flavor: the access list and the add/removeTenantAccess action (admin)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.flavors import admin_flavor
from novalite_api.compute.schemas import flavor_access as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavors_mod
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _access_list(flavor):
    return {'flavor_access': [{'flavor_id': flavor['flavorid'], 'tenant_id': p} for p in flavor['projects']]}


def index(flavor_id):
    policy.enforce('os_compute_api:os-flavor-access', ctx())
    flavor = flavors_mod.get(store(), flavor_id)
    if flavor['is_public']:
        raise NotFound('Access list not available for public flavors.', '', field='flavor')
    return flask.jsonify(_access_list(flavor))


def action(flavor_id):
    body = request_body()
    if 'addTenantAccess' in body:
        policy.enforce('os_compute_api:os-flavor-access:add_tenant_access', ctx())
    elif 'removeTenantAccess' in body:
        policy.enforce('os_compute_api:os-flavor-access:remove_tenant_access', ctx())
    else:
        raise ApiError(400, ('There is no such action: %s' % ', '.join(sorted(body))) if body
                       else 'Malformed request body')
    body = validation.validate(body, schemas.ACTION)
    flavor = admin_flavor(flavor_id)
    if 'addTenantAccess' in body:
        # 2.7: a public flavor's access list cannot be changed (409); before that Nova recorded it anyway.
        made = flavors_mod.add_project_access(store(), flavor['flavorid'], body['addTenantAccess']['tenant'],
                                              allow_public=not since(7))
        return flask.jsonify(_access_list(made))
    tenant = body['removeTenantAccess']['tenant']
    if tenant not in flavor['projects']:
        raise ApiError(404, 'Flavor access not found for %s / %s combination.' % (flavor['flavorid'], tenant))
    return flask.jsonify(_access_list(flavors_mod.remove_project_access(store(), flavor['flavorid'], tenant)))
