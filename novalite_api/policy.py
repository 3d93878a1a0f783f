# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who may call what: one rule table (next: overridable from a policy.yaml).

Rules are oslo.policy-like strings reduced to what the defaults need:
``role:admin``, ``project_reader`` (any role on the token's project),
``admin_or_owner`` (admin, or the target belongs to the token's project),
combined with `` or ``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError

RULES = {
    'os_compute_api:servers:index': 'project_reader',
    'os_compute_api:servers:detail': 'project_reader',
    'os_compute_api:servers:show': 'admin_or_owner',
    'os_compute_api:servers:index:get_all_tenants': 'role:admin',
    'os_compute_api:os-extended-server-attributes': 'role:admin',
    'os_compute_api:os-flavor-manage:create': 'role:admin',
    'os_compute_api:os-flavor-access': 'role:admin',
    'os_compute_api:os-keypairs:index': 'project_reader',
    'os_compute_api:os-keypairs:create': 'project_reader',
    'os_compute_api:os-keypairs:show': 'project_reader',
    'os_compute_api:os-keypairs:delete': 'project_reader',
    'os_compute_api:os-hypervisors:list': 'role:admin',
    'os_compute_api:os-hypervisors:list-detail': 'role:admin',
    'os_compute_api:os-hypervisors:show': 'role:admin',
    'os_compute_api:os-services:list': 'role:admin',
    'os_compute_api:os-availability-zone:list': 'project_reader',
    'os_compute_api:os-availability-zone:detail': 'role:admin',
    'os_compute_api:limits': 'project_reader',
    'get_images': 'project_reader',
    'get_image': 'admin_or_owner or public',
    'delete_image': 'admin_or_owner',
    'add_image': 'project_reader',
    'upload_image': 'admin_or_owner',
    'publicize_image': 'role:admin',
}


class Forbidden(NovaliteError):
    code = 403
    kind = 'Forbidden'


def _check(term, ctx, target):
    term = term.strip()
    if term.startswith('role:'):
        return term[5:] in ctx.roles
    if term == 'project_reader':
        return bool(ctx.project_id)
    if term == 'admin_or_owner':
        return 'admin' in ctx.roles or (target or {}).get('project_id') == ctx.project_id
    if term == 'public':
        return (target or {}).get('visibility') in ('public', 'community')
    raise ValueError('unknown policy term %r' % term)


def allowed(rule, ctx, target=None, rules=None):
    expression = (rules or RULES)[rule]
    return any(_check(term, ctx, target) for term in expression.split(' or '))


def enforce(rule, ctx, target=None):
    if not allowed(rule, ctx, target):
        raise Forbidden('Policy doesn\'t allow %s to be performed.' % rule)
