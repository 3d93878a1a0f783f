# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security group rules (Neutron's /v2.0/security-group-rules): list, create, show, delete (rules are not
updated, as in Neutron: a change is a new rule)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import security_groups


def index():
    return common.listing('security_group_rules', security_groups.list_rules, write=True)


def create():
    return common.created('security_group_rule', security_groups.create_rule)


def show(rule_id):
    return common.shown('security_group_rule', security_groups.show_rule, rule_id)


def delete(rule_id):
    return common.deleted(security_groups.delete_rule, rule_id)
