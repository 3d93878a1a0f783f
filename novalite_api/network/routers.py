# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Routers (Neutron's /v2.0/routers): list, create, show, update, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import routers


_HANDLERS = common.Handlers(
    __name__, 'routers', 'router', routers.list_routers, routers.create, routers.show, routers.update, routers.delete)
index, create, show, update, delete = (
    _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.update, _HANDLERS.delete)


def add_interface(router_id):
    """PUT /v2.0/routers/{id}/add_router_interface {subnet_id | port_id}: 200 with the interface's ids."""
    with common.store().begin() as conn:
        return common.flask.jsonify(routers.add_interface(conn, common.ctx(), router_id, common.body()))


def remove_interface(router_id):
    with common.store().begin() as conn:
        return common.flask.jsonify(routers.remove_interface(conn, common.ctx(), router_id, common.body()))
