# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security groups (Neutron's /v2.0/security-groups): list (which makes the project's default group on first
use), create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import security_groups


def index():
    return common.listing('security_groups', security_groups.list_groups, write=True)


def create():
    return common.created('security_group', security_groups.create_group)


def show(group_id):
    return common.shown('security_group', security_groups.show_group, group_id)


def update(group_id):
    return common.updated('security_group', security_groups.update_group, group_id)


def delete(group_id):
    return common.deleted(security_groups.delete_group, group_id)
