# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Networks (Neutron's /v2.0/networks): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import networks


def index():
    return common.listing('networks', networks.list_networks)


def create():
    return common.created('network', networks.create)


def show(network_id):
    return common.shown('network', networks.show, network_id)


def update(network_id):
    return common.updated('network', networks.update, network_id)


def delete(network_id):
    return common.deleted(networks.delete, network_id)
