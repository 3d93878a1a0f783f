# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs (Neutron's /v2.0/floatingips): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import floating_ips


_HANDLERS = common.Handlers(
    __name__, 'floatingips', 'floatingip', floating_ips.list_floating_ips, floating_ips.create, floating_ips.show,
    floating_ips.update, floating_ips.delete)
index, create, show, update, delete = (
    _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.update, _HANDLERS.delete)
