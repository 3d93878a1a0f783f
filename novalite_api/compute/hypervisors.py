# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Hypervisors (``/os-hypervisors``, admin): the compute nodes, with integer ids (below 2.53)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, limit_arg, next_link, store
from novalite_api.compute.views import hypervisors as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _list(detail):
    nodes = hosts.list_nodes(store())
    body = {}
    if since(33):
        marker = flask.request.args.get('marker')
        if marker is not None:
            ids = [str(n['id']) for n in nodes]
            if marker not in ids:
                raise ApiError(400, 'marker [%s] not found' % marker)
            nodes = nodes[ids.index(marker) + 1:]
        if flask.request.args.get('limit') is not None:
            limit = limit_arg()
            nodes = nodes[:limit]
            if nodes and len(nodes) == limit:
                body['hypervisors_links'] = next_link(nodes[-1]['id'], limit)
    return flask.jsonify(dict({'hypervisors': [views.show(n, detail) for n in nodes]}, **body))


def index():
    policy.enforce('os_compute_api:os-hypervisors:list', ctx())
    return _list(False)


def detail():
    policy.enforce('os_compute_api:os-hypervisors:list-detail', ctx())
    return _list(True)


def show(hypervisor_id):
    policy.enforce('os_compute_api:os-hypervisors:show', ctx())
    for node in hosts.list_nodes(store()):
        if str(node['id']) == hypervisor_id:
            return flask.jsonify({'hypervisor': views.show(node, True)})
    raise NotFound('Hypervisor', hypervisor_id, field='hypervisor')


def statistics():
    policy.enforce('os_compute_api:os-hypervisors:statistics', ctx())
    return flask.jsonify({'hypervisor_statistics': views.statistics(hosts.list_nodes(store()))})


def _matching(pattern):
    """Nodes whose hypervisor hostname contains ``pattern`` (Nova's search is a substring match)."""
    found = [n for n in hosts.list_nodes(store()) if pattern in (n['hypervisor_hostname'] or '')]
    if not found:
        raise ApiError(404, "No hypervisor matching '%s' could be found." % pattern)
    return found


def search(hypervisor_hostname_pattern):
    policy.enforce('os_compute_api:os-hypervisors:search', ctx())
    return flask.jsonify({'hypervisors': [views.show(n, False) for n in _matching(hypervisor_hostname_pattern)]})


def servers(hypervisor_hostname_pattern):
    policy.enforce('os_compute_api:os-hypervisors:servers', ctx())
    out = []
    for node in _matching(hypervisor_hostname_pattern):
        on_host = instances.list_instances(store(), host=node['host'])
        out.append(views.show(node, False, [{'name': i['instance_name'], 'uuid': i['uuid']} for i in on_host]))
    return flask.jsonify({'hypervisors': out})
