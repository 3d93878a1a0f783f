# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs (Neutron's /v2.0/floatingips): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import floating_ips


def index():
    return common.listing('floatingips', floating_ips.list_floating_ips)


def create():
    return common.created('floatingip', floating_ips.create)


def show(floatingip_id):
    return common.shown('floatingip', floating_ips.show, floatingip_id)


def update(floatingip_id):
    return common.updated('floatingip', floating_ips.update, floatingip_id)


def delete(floatingip_id):
    return common.deleted(floating_ips.delete, floatingip_id)
