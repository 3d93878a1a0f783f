# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Networks (Neutron's /v2.0/networks): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import networks


_HANDLERS = common.Handlers(
    __name__, 'networks', 'network', networks.list_networks, networks.create, networks.show, networks.update,
    networks.delete)
index, create, show, update, delete = (
    _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.update, _HANDLERS.delete)
