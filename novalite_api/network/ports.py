# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Ports (Neutron's /v2.0/ports): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import ports


def index():
    return common.listing('ports', ports.list_ports)


def create():
    return common.created('port', ports.create)


def show(port_id):
    return common.shown('port', ports.show, port_id)


def update(port_id):
    return common.updated('port', ports.update, port_id)


def delete(port_id):
    return common.deleted(ports.delete, port_id)
