# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Hypervisors (``/os-hypervisors``, admin): the compute nodes; integer ids below 2.53, uuids from 2.53,
where ``hypervisor_hostname_pattern`` and ``with_servers`` replace the ``search`` and ``servers`` routes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, jobs, page, service_down_time, store
from novalite_api.compute.schemas import BOOLEAN, as_bool
from novalite_api.compute.views import hypervisors as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls, instances
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


_WITH_SERVERS = validation.single_param(BOOLEAN)
_FQDN = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$', 'minLength': 1, 'maxLength': 255}


def _check_query(show):
    """Nova's query schemas: paging from 2.33 (the list), and from 2.53 with_servers (and the list's
    hostname pattern), nothing else."""
    if since(53):
        properties = {'with_servers': _WITH_SERVERS}
        if not show:
            properties = {'limit': validation.single_param(validation.NON_NEGATIVE_INTEGER),
                          'marker': validation.single_param({'type': 'string'}),
                          'hypervisor_hostname_pattern': validation.single_param(_FQDN),
                          'with_servers': _WITH_SERVERS}
        validation.validate_query(flask.request.args, {'type': 'object', 'properties': properties,
                                                       'additionalProperties': False})
    elif since(33) and not show:
        validation.validate_query(flask.request.args, {
            'type': 'object', 'properties': {'limit': validation.multi_params(validation.NON_NEGATIVE_INTEGER),
                                             'marker': validation.multi_params({'type': 'string'})},
            'additionalProperties': True})


def _with_servers():
    raw = flask.request.args.get('with_servers') if since(53) else None
    return as_bool(raw)   # _check_query took only Nova's boolean spellings


def _list(detail):
    args = flask.request.args
    nodes = hosts.list_nodes(store(), service_down_time=service_down_time())
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
    shown = [views.show(n, detail, _servers_of(n) if with_servers else None) for n in nodes]
    if detail and since(88):
        uptimes = _uptimes(nodes)
        for node, view in zip(nodes, shown):
            view['uptime'] = uptimes.get(node['host'])
    return flask.jsonify(dict({'hypervisors': shown}, **body))


def _uptimes(nodes):
    """{host: what ``uptime`` prints there} for the hosts that are up, read from them now in one run, as Nova
    asks each compute service; a host that is down or does not answer is left out (Nova shows null)."""
    up = [n for n in nodes if n['state'] == 'up']
    if not up:
        return {}
    with store().read() as conn:
        calls = [host_calls.host_facts_call(conn, n['host'], ctx().request_id) for n in up]
    results = jobs().read_from_hosts(calls)
    return dict((call['host'], (result.get('host_facts') or {}).get('uptime'))
                for call, result in zip(calls, results) if not result.get('failed'))


def index():
    _check_query(show=False)   # Nova checks the query before its policy
    policy.enforce('os_compute_api:os-hypervisors:list', ctx())
    return _list(False)


def detail():
    _check_query(show=False)
    policy.enforce('os_compute_api:os-hypervisors:list-detail', ctx())
    return _list(True)


def _find(hypervisor_id):
    if since(53) and not instances.is_uuid_like(hypervisor_id):
        raise ApiError(400, 'Invalid uuid %s' % hypervisor_id)
    for node in hosts.list_nodes(store(), service_down_time=service_down_time()):
        if str(_node_id(node)) == hypervisor_id:
            return node
    raise ApiError(404, "Hypervisor with ID '%s' could not be found." % hypervisor_id)


def show(hypervisor_id):
    _check_query(show=True)
    policy.enforce('os_compute_api:os-hypervisors:show', ctx())
    with_servers = _with_servers()
    node = _find(hypervisor_id)
    view = views.show(node, True, _servers_of(node) if with_servers else None)
    if since(88):
        view['uptime'] = _uptimes([node]).get(node['host'])
    return flask.jsonify({'hypervisor': view})


def uptime(hypervisor_id):
    """The host's ``uptime`` text, read from it now (until 2.88, which puts it in the hypervisor's show)."""
    if since(88):
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce('os_compute_api:os-hypervisors:uptime', ctx())
    node = _find(hypervisor_id)
    text = _uptimes([node]).get(node['host'])
    if text is None:
        # Nova's ComputeServiceUnavailable: the host is down or did not answer
        raise ApiError(400, 'Compute service of %s is unavailable at this time.' % node['host'])
    return flask.jsonify({'hypervisor': dict(views.show(node, False), uptime=text)})


def statistics():
    if since(88):   # gone: placement answers this
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce('os_compute_api:os-hypervisors:statistics', ctx())
    return flask.jsonify({'hypervisor_statistics': views.statistics(hosts.list_nodes(store(), service_down_time=service_down_time()))})


def _matching(pattern, nodes=None):
    """Nodes whose hypervisor hostname contains ``pattern`` (Nova's search is a substring match)."""
    nodes = hosts.list_nodes(store(), service_down_time=service_down_time()) if nodes is None else nodes
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
