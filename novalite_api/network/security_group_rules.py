# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security group rules (Neutron's /v2.0/security-group-rules): list, create, show, delete (rules are not
updated, as in Neutron: a change is a new rule)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import security_groups


_HANDLERS = common.Handlers(
    __name__, 'security_group_rules', 'security_group_rule', security_groups.list_rules, security_groups.create_rule,
    security_groups.show_rule, None, security_groups.delete_rule, write_list=True)
index, create, show, update, delete = (
    _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.update, _HANDLERS.delete)
