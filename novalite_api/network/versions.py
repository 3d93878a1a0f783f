# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The Networking API's version documents: the versions at the endpoint's root, the v2.0 resources."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.network import common

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

RESOURCES = (('network', 'networks'), ('subnet', 'subnets'), ('port', 'ports'),
             ('security_group', 'security-groups'), ('security_group_rule', 'security-group-rules'),
             ('floatingip', 'floatingips'), ('router', 'routers'), ('quota', 'quotas'))


def index():
    return flask.jsonify({'versions': [{'id': 'v2.0', 'status': 'CURRENT', 'links': [
        {'rel': 'self', 'href': '%s/v2.0/' % common.base_url()}]}]})


def show():
    return flask.jsonify({'resources': [
        {'name': name, 'collection': path.replace('-', '_'),
         'links': [{'rel': 'self', 'href': '%s/v2.0/%s' % (common.base_url(), path)}]} for name, path in RESOURCES]})
