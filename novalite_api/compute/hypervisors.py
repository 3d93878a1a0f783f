# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Hypervisors (``/os-hypervisors``, admin): the compute nodes; integer ids below 2.53, uuids from 2.53,
where ``hypervisor_hostname_pattern`` and ``with_servers`` replace the ``search`` and ``servers`` routes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, only_query_params, page, store, strict_bool
from novalite_api.compute.views import hypervisors as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _node_id(node):
    return node['uuid'] if since(53) else node['id']


def _servers_of(node):
    return [{'name': i['instance_name'], 'uuid': i['uuid']}
            for i in instances.list_instances(store(), host=node['host'])]


def _with_servers():
    raw = flask.request.args.get('with_servers') if since(53) else None
    if raw is None:
        return False
    value = strict_bool(raw)
    if value is None:
        raise ApiError(400, "Invalid input for query parameters with_servers. Value: %s." % raw)
    return value


def _list(detail):
    only_query_params('limit', 'marker', 'hypervisor_hostname_pattern', 'with_servers', from_minor=102)
    args = flask.request.args
    nodes = hosts.list_nodes(store())
    body = {}
    with_servers = _with_servers()
    pattern = args.get('hypervisor_hostname_pattern') if since(53) else None
    if pattern is not None:
        if 'limit' in args or args.get('marker'):
            raise ApiError(400, 'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is '
                                'not supported.')
        nodes = _matching(pattern, nodes)
    elif since(33):
        nodes, body = page(nodes, _node_id, 'hypervisors_links', missing='marker [%s] not found')
    return flask.jsonify(dict({'hypervisors': [
        views.show(n, detail, _servers_of(n) if with_servers else None) for n in nodes]}, **body))


def index():
    policy.enforce('os_compute_api:os-hypervisors:list', ctx())
    return _list(False)


def detail():
    policy.enforce('os_compute_api:os-hypervisors:list-detail', ctx())
    return _list(True)


def show(hypervisor_id):
    policy.enforce('os_compute_api:os-hypervisors:show', ctx())
    only_query_params('with_servers', from_minor=102)
    if since(53) and not instances.is_uuid_like(hypervisor_id):
        raise ApiError(400, 'Invalid uuid %s' % hypervisor_id)
    with_servers = _with_servers()
    for node in hosts.list_nodes(store()):
        if str(_node_id(node)) == hypervisor_id:
            return flask.jsonify({'hypervisor': views.show(node, True, _servers_of(node) if with_servers else None)})
    raise ApiError(404, "Hypervisor with ID '%s' could not be found." % hypervisor_id)


def statistics():
    if since(88):   # gone: placement answers this
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce('os_compute_api:os-hypervisors:statistics', ctx())
    return flask.jsonify({'hypervisor_statistics': views.statistics(hosts.list_nodes(store()))})


def _matching(pattern, nodes=None):
    """Nodes whose hypervisor hostname contains ``pattern`` (Nova's search is a substring match)."""
    nodes = hosts.list_nodes(store()) if nodes is None else nodes
    found = [n for n in nodes if pattern in (n['hypervisor_hostname'] or '')]
    if not found:
        raise ApiError(404, "No hypervisor matching '%s' could be found." % pattern)
    return found


def _before_2_53():
    if since(53):   # replaced by the list's query parameters
        raise ApiError(404, 'The resource could not be found.')


def search(hypervisor_hostname_pattern):
    _before_2_53()
    policy.enforce('os_compute_api:os-hypervisors:search', ctx())
    return flask.jsonify({'hypervisors': [views.show(n, False) for n in _matching(hypervisor_hostname_pattern)]})


def servers(hypervisor_hostname_pattern):
    _before_2_53()
    policy.enforce('os_compute_api:os-hypervisors:servers', ctx())
    return flask.jsonify({'hypervisors': [views.show(n, False, _servers_of(n))
                                          for n in _matching(hypervisor_hostname_pattern)]})
