# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security group rules (Neutron's /v2.0/security-group-rules): list, create, show, delete (rules are not
updated, as in Neutron: a change is a new rule).

A created or deleted rule reaches the running guests at once: the compute hosts with ports in the group (or
allowed by it as a remote group) converge their filters (compute/host_calls.py ``network_call``, run through
the one host-call path, playbooks/host_calls.yml) before the answer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import flask

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, security_groups


_HANDLERS = common.Handlers(
    __name__, 'security_group_rules', 'security_group_rule', security_groups.list_rules, security_groups.create_rule,
    security_groups.show_rule, None, security_groups.delete_rule, write_list=True)
index, show, update = _HANDLERS.index, _HANDLERS.show, _HANDLERS.update


def _apply_on_hosts(group_id):
    """The hosts the group's rules apply on converge their network (filters) now, in one run."""
    with common.store().read() as conn:
        hosts = host_plan.hosts_of_groups(conn, [group_id])
    common.converge_hosts(hosts, 'security group %s' % group_id)


def create():
    response = _HANDLERS.create()
    _apply_on_hosts(flask.json.loads(response.get_data())['security_group_rule']['security_group_id'])
    return response


def delete(**ids):
    with common.store().read() as conn:
        group_id = security_groups.show_rule(conn, common.ctx(), common.the_id(ids))['security_group_id']
    out = _HANDLERS.delete(**ids)
    _apply_on_hosts(group_id)
    return out
