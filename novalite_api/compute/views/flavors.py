# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A flavor as list, detail, show and create render it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.common import links


def show(flavor, detail):
    out = {'id': flavor['flavorid'], 'name': flavor['name']}
    if detail:
        out.update({'ram': flavor['memory_mb'], 'disk': flavor['root_gb'], 'vcpus': flavor['vcpus'],
                    'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
                    'OS-FLV-DISABLED:disabled': flavor['disabled'],
                    'os-flavor-access:is_public': flavor['is_public'],
                    'swap': flavor['swap'] or '', 'rxtx_factor': flavor['rxtx_factor']})
    out['links'] = links('flavors', flavor['flavorid'])
    return out
