# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""APIs Nova has removed: each answers 410 Gone at every microversion, as Nova's stubs do.

Nova kept these routes (nova-network, cells v1, the XenAPI agent, cloudpipe,
the x509 certificates, fping, the old consoles) so that a client calling one
learns it is gone rather than that it never existed. The token is still checked
first (``routes.before_request``), as Nova's auth middleware does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.faults import ApiError

# webob's HTTPGone explanation, which Nova's fault body carries
GONE_MESSAGE = 'This resource is no longer available.  No forwarding address is given.'

V21 = '/v2.1'
SERVER = V21 + '/servers/<server_id>'

# (method, path) of every removed API; os-networks and os-tenant-networks keep their read proxies
# (network_proxies.py), only their writes are gone.
GONE = (
    ('GET', V21 + '/os-agents'), ('POST', V21 + '/os-agents'),
    ('PUT', V21 + '/os-agents/<ident>'), ('DELETE', V21 + '/os-agents/<ident>'),
    ('GET', V21 + '/os-cells'), ('POST', V21 + '/os-cells'),
    ('GET', V21 + '/os-cells/capacities'), ('GET', V21 + '/os-cells/detail'), ('GET', V21 + '/os-cells/info'),
    ('POST', V21 + '/os-cells/sync_instances'),
    ('GET', V21 + '/os-cells/<ident>'), ('PUT', V21 + '/os-cells/<ident>'), ('DELETE', V21 + '/os-cells/<ident>'),
    ('GET', V21 + '/os-cells/<ident>/capacities'),
    ('POST', V21 + '/os-certificates'), ('GET', V21 + '/os-certificates/<ident>'),
    ('GET', V21 + '/os-cloudpipe'), ('POST', V21 + '/os-cloudpipe'), ('PUT', V21 + '/os-cloudpipe/<ident>'),
    ('GET', V21 + '/os-fixed-ips/<ident>'), ('POST', V21 + '/os-fixed-ips/<ident>/action'),
    ('GET', V21 + '/os-floating-ip-dns'),
    ('PUT', V21 + '/os-floating-ip-dns/<ident>'), ('DELETE', V21 + '/os-floating-ip-dns/<ident>'),
    ('GET', V21 + '/os-floating-ip-dns/<domain_id>/entries/<ident>'),
    ('PUT', V21 + '/os-floating-ip-dns/<domain_id>/entries/<ident>'),
    ('DELETE', V21 + '/os-floating-ip-dns/<domain_id>/entries/<ident>'),
    ('GET', V21 + '/os-floating-ips-bulk'), ('POST', V21 + '/os-floating-ips-bulk'),
    ('GET', V21 + '/os-floating-ips-bulk/<ident>'), ('PUT', V21 + '/os-floating-ips-bulk/<ident>'),
    ('GET', V21 + '/os-fping'), ('GET', V21 + '/os-fping/<ident>'),
    ('POST', V21 + '/os-networks'), ('POST', V21 + '/os-networks/add'),
    ('DELETE', V21 + '/os-networks/<ident>'), ('POST', V21 + '/os-networks/<ident>/action'),
    ('POST', V21 + '/os-tenant-networks'), ('DELETE', V21 + '/os-tenant-networks/<ident>'),
    ('GET', V21 + '/os-security-group-default-rules'), ('POST', V21 + '/os-security-group-default-rules'),
    ('GET', V21 + '/os-security-group-default-rules/<ident>'),
    ('DELETE', V21 + '/os-security-group-default-rules/<ident>'),
    ('GET', SERVER + '/consoles'), ('POST', SERVER + '/consoles'),
    ('GET', SERVER + '/consoles/<ident>'), ('DELETE', SERVER + '/consoles/<ident>'),
    ('GET', SERVER + '/os-virtual-interfaces'),
)


def gone(**_path):
    raise ApiError(410, GONE_MESSAGE)


ROUTES = tuple((method, path, gone) for method, path in GONE)
