# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs (Neutron's /v2.0/floatingips): list, create, show, update, delete.

An association made, moved or undone reaches the compute hosts at once: the hosts of the port before and
after converge their network (the floating IP's NAT and address) before the answer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import flask

from novalite_api.network import common

from ansible_collections.novalite.compute.plugins.module_utils.network import floating_ips


_HANDLERS = common.Handlers(
    __name__, 'floatingips', 'floatingip', floating_ips.list_floating_ips, floating_ips.create, floating_ips.show,
    floating_ips.update, floating_ips.delete)
index, show = _HANDLERS.index, _HANDLERS.show


def hosts_of(fip_id):
    """The compute hosts where floating IP ``fip_id``'s port is (none when not associated)."""
    with common.store().read() as conn:
        return floating_ips.hosts(conn, fip_id)


def applied(fip_id, before):
    """After a change of floating IP ``fip_id``: its hosts ``before`` and now converge their network."""
    common.converge_hosts(sorted(set(before) | set(hosts_of(fip_id))), 'floating IP %s' % fip_id)


def create():
    response = _HANDLERS.create()
    applied(flask.json.loads(response.get_data())['floatingip']['id'], [])
    return response


def _changing(handler, ids):
    fip_id = common.the_id(ids)
    before = hosts_of(fip_id)
    out = handler(**ids)
    applied(fip_id, before)
    return out


def update(**ids):
    return _changing(_HANDLERS.update, ids)


def delete(**ids):
    return _changing(_HANDLERS.delete, ids)
