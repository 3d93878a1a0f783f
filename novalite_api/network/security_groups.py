# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security groups (Neutron's /v2.0/security-groups): list (which makes the project's default group on first
use), create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import security_groups


_HANDLERS = common.Handlers(
    __name__, 'security_groups', 'security_group', security_groups.list_groups, security_groups.create_group,
    security_groups.show_group, security_groups.update_group, security_groups.delete_group, write_list=True)
index, create, show, update, delete = (
    _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.update, _HANDLERS.delete)
