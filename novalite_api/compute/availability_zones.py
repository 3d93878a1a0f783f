# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Availability zones (``/os-availability-zone``), from the compute hosts' zones; ``/detail`` (admin) with hosts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.common import ctx, service_down_time, store, usage_time

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _zones():
    zones = {}
    for node in hosts.list_nodes(store(), service_down_time=service_down_time()):
        zones.setdefault(node['availability_zone'], []).append(node)
    return sorted(zones.items())


def _available(nodes):
    return any(n['state'] == 'up' and n['status'] == 'enabled' for n in nodes)


def index():
    policy.enforce('os_compute_api:os-availability-zone:list', ctx())
    return flask.jsonify({'availabilityZoneInfo': [
        {'zoneName': name, 'zoneState': {'available': _available(nodes)}, 'hosts': None}
        for name, nodes in _zones()]})


def detail():
    policy.enforce('os_compute_api:os-availability-zone:detail', ctx())
    out = []
    for name, nodes in _zones():
        zone_hosts = dict((n['host'], {'nova-compute': {
            'available': n['state'] == 'up', 'active': n['status'] == 'enabled',
            'updated_at': usage_time(n['last_seen_up'])}}) for n in nodes)
        out.append({'zoneName': name, 'zoneState': {'available': _available(nodes)}, 'hosts': zone_hosts})
    return flask.jsonify({'availabilityZoneInfo': out})
