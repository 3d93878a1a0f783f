# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Every Networking API route, under ``/network`` (the catalog's ``network`` endpoint).

``app.create_app`` builds the network blueprint from ``ROUTES`` with the hook
below: every request but the version documents needs a token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import auth, routing
from novalite_api.network import (
    extensions, floatingips, networks, ports, quotas, routers, security_group_rules, security_groups, subnets,
    versions,
)

V2 = '/v2.0'


def _crud(path, ident, handlers, update=True):
    """A collection's routes: list, create, show, (update,) delete; Neutron also takes a ``.json`` suffix."""
    member = '%s/%s/<%s>' % (V2, path, ident)
    out = [('GET', '%s/%s' % (V2, path), handlers.index), ('POST', '%s/%s' % (V2, path), handlers.create),
           ('GET', member, handlers.show), ('DELETE', member, handlers.delete)]
    if update:
        out.append(('PUT', member, handlers.update))
    return tuple(out)


QUOTA = V2 + '/quotas/<project_id>'
ROUTES = (
    ('GET', '/', versions.index),
    ('GET', V2, versions.show),
    ('GET', V2 + '/extensions', extensions.index),
    ('GET', V2 + '/extensions/<alias>', extensions.show),
    *_crud('networks', 'network_id', networks),
    *_crud('subnets', 'subnet_id', subnets),
    *_crud('ports', 'port_id', ports),
    *_crud('security-groups', 'group_id', security_groups),
    *_crud('security-group-rules', 'rule_id', security_group_rules, update=False),
    *_crud('floatingips', 'floatingip_id', floatingips),
    *_crud('routers', 'router_id', routers),
    ('PUT', V2 + '/routers/<router_id>/add_router_interface', routers.add_interface),
    ('PUT', V2 + '/routers/<router_id>/remove_router_interface', routers.remove_interface),
    ('GET', V2 + '/quotas', quotas.index),
    ('GET', QUOTA, quotas.show),
    ('PUT', QUOTA, quotas.update),
    ('DELETE', QUOTA, quotas.delete),
    ('GET', QUOTA + '/default', quotas.defaults),
    ('GET', QUOTA + '/details', quotas.details),
    ('GET', QUOTA + '/details.json', quotas.details),
)
PUBLIC = (versions.index, versions.show)


def before_request():
    if routing.current_handler() not in PUBLIC:
        auth.authenticate_request()
