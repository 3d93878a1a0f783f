# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A flavor as list, detail, show and create render it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, links


def extra_specs_shown():
    """2.61: detail, show, create and update carry the extra specs when the caller may read them."""
    return since(61) and policy.allowed('os_compute_api:os-flavor-extra-specs:index', ctx())


def show(flavor, detail, extra_specs=False):
    out = {'id': flavor['flavorid'], 'name': flavor['name']}
    if detail:
        out.update({'ram': flavor['memory_mb'], 'disk': flavor['root_gb'], 'vcpus': flavor['vcpus'],
                    'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
                    'OS-FLV-DISABLED:disabled': flavor['disabled'],
                    'os-flavor-access:is_public': flavor['is_public'],
                    # no swap: "" until 2.75, then 0
                    'swap': flavor['swap'] or (0 if since(75) else ''),
                    'rxtx_factor': flavor['rxtx_factor'] or ''})
        if extra_specs:
            out['extra_specs'] = dict(flavor.get('extra_specs') or {})
    if since(55):
        out['description'] = flavor.get('description')
    if detail and since(102):   # deprecated fields gone
        del out['OS-FLV-DISABLED:disabled']
        del out['rxtx_factor']
    out['links'] = links('flavors', flavor['flavorid'])
    return out
