# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Compute services (``/os-services``, admin): each host's nova-compute, from its heartbeats."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, store, usage_time

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def index():
    policy.enforce('os_compute_api:os-services:list', ctx())
    # Below 2.53 a service's id is its integer row id.
    ids = dict((n['host'], n['service_id']) for n in hosts.list_nodes(store()))
    out = []
    for service in hosts.list_services(store()):
        if flask.request.args.get('host') not in (None, service['host']):
            continue
        if flask.request.args.get('binary') not in (None, service['binary']):
            continue
        row = {'id': ids.get(service['host']), 'binary': service['binary'], 'host': service['host'],
               'zone': service['zone'], 'status': service['status'], 'state': service['state'],
               'updated_at': usage_time(service['updated_at']),
               'disabled_reason': service['disabled_reason']}
        if since(11):
            row['forced_down'] = service['forced_down']
        out.append(row)
    return flask.jsonify({'services': out})
