# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Neutron's quotas: defaults, per-project limits (the ``quotas`` table Nova's share), usage and the check.

Usage is counted from the rows (as Neutron's DbQuotaNoLockDriver does, without
reservations) inside the create's transaction, after the project's quota lock
(``compute.quotas.lock_project``: one lock per project for both services).
Ports a project does not own (a floating IP's or a router gateway's, which
Neutron makes without a project) count for nobody.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas as compute_quotas
from ansible_collections.novalite.compute.plugins.module_utils.network import errors
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

# neutron.conf [quotas] defaults, in the order Neutron shows them
DEFAULTS = {'network': 100, 'subnet': 100, 'port': 500, 'router': 10, 'floatingip': 50, 'security_group': 10,
            'security_group_rule': 100, 'rbac_policy': 10, 'subnetpool': -1}
_TABLES = {'network': 'networks', 'subnet': 'subnets', 'port': 'ports', 'router': 'routers',
           'floatingip': 'floating_ips', 'security_group': 'security_groups',
           'security_group_rule': 'security_group_rules'}
UNLIMITED = -1


def limits(conn, project_id):
    out = dict(DEFAULTS)
    for resource, value in compute_quotas.overrides(conn, project_id).items():
        if resource in out:
            out[resource] = value
    return out


def usage(conn, project_id):
    used = dict((resource, 0) for resource in DEFAULTS)
    for resource, name in _TABLES.items():
        t = table(name)
        used[resource] = conn.execute(sa.select(sa.func.count()).select_from(t)
                                      .where(t.c.project_id == project_id)).scalar() or 0
    return used


def check(conn, project_id, wanted):
    """Neutron's OverQuota (409) unless ``project_id`` may add ``wanted`` ({resource: count}) now.

    Call inside the insert's transaction, before the rows are written: it takes the project's lock.
    """
    compute_quotas.lock_project(conn, project_id)
    limit = limits(conn, project_id)
    used = usage(conn, project_id)
    over = [r for r, n in wanted.items() if limit[r] != UNLIMITED and used[r] + n > limit[r]]
    if over:
        raise errors.over_quota(over)


def set_limits(store, project_id, values):
    """Neutron's quota update: any integer >= -1 per known resource (a limit below usage is allowed)."""
    checked = {}
    for resource, value in values.items():
        if resource not in DEFAULTS:
            raise errors.BadRequest('Unknown quota resources %s.' % [resource], field=resource,
                                    kind='QuotaResourceUnknown')
        if isinstance(value, bool):
            value = None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise errors.invalid_attribute(resource, "'%s' is not an integer" % (value,))
        if number < UNLIMITED or number > compute_quotas.MAX_LIMIT:
            raise errors.invalid_attribute(resource, "'%s' is too small - must be at least '-1'" % (value,))
        checked[resource] = number
    compute_quotas.store_limits(store, project_id, checked)
    with store.read() as conn:
        return limits(conn, project_id)


def reset(store, project_id):
    compute_quotas.drop_limits(store, project_id, tuple(DEFAULTS))
