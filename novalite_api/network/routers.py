# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Routers (Neutron's /v2.0/routers): list, create, show, update, delete.

An interface added or removed converges the compute hosts with ports on its network before the answer: they
hold (or drop) the router's gateway address, which their guests route by. An update of the external gateway
(set, cleared, ``enable_snat``) converges the hosts with ports on the router's subnets: the way their guests
leave (SNAT) changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, routers


_HANDLERS = common.Handlers(
    __name__, 'routers', 'router', routers.list_routers, routers.create, routers.show, routers.update, routers.delete)
index, create, show, delete = _HANDLERS.index, _HANDLERS.create, _HANDLERS.show, _HANDLERS.delete


def update(router_id):
    """PUT /v2.0/routers/{id}: 200 with the router, once the hosts it routes for have its new gateway."""
    with common.store().begin() as conn:
        router = routers.update(conn, common.ctx(), router_id, common.body())
        hosts = host_plan.hosts_of_router(conn, router_id)
    if 'external_gateway_info' in (common.body().get('router') or {}):
        common.converge_hosts(hosts, 'router %s' % router_id)
    return common.flask.jsonify({'router': router})


def _interface(change, router_id):
    with common.store().begin() as conn:
        info = change(conn, common.ctx(), router_id, common.body())
    with common.store().read() as conn:
        hosts = host_plan.hosts_of_network(conn, info['network_id'])
    common.converge_hosts(hosts, 'router %s' % router_id)
    return common.flask.jsonify(info)


def add_interface(router_id):
    """PUT /v2.0/routers/{id}/add_router_interface {subnet_id | port_id}: 200 with the interface's ids."""
    return _interface(routers.add_interface, router_id)


def remove_interface(router_id):
    return _interface(routers.remove_interface, router_id)
