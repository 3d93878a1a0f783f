# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Subnets (Neutron's /v2.0/subnets): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import subnets


def index():
    return common.listing('subnets', subnets.list_subnets)


def create():
    return common.created('subnet', subnets.create)


def show(subnet_id):
    return common.shown('subnet', subnets.show, subnet_id)


def update(subnet_id):
    return common.updated('subnet', subnets.update, subnet_id)


def delete(subnet_id):
    return common.deleted(subnets.delete, subnet_id)
