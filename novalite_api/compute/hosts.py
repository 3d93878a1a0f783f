# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The old hosts API (``/os-hosts``, admin, 2.1 - 2.42; 404 from 2.43, where os-services and
os-hypervisors replace it): list, show a host's resources, and the update and power actions.

Nova's libvirt driver implements none of the update or power actions (enable/disable, maintenance
mode, startup/shutdown/reboot of the host): each answers 501 once the host is known, as there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

_SWITCH = {'type': 'string', 'enum': ['enable', 'disable', 'Enable', 'Disable', 'ENABLE', 'DISABLE']}
UPDATE = {'type': 'object', 'properties': {'status': _SWITCH, 'maintenance_mode': _SWITCH},
          'anyOf': [{'required': ['status']}, {'required': ['maintenance_mode']}], 'additionalProperties': False}
NOT_SUPPORTED = 'The requested functionality is not supported.'


def _until_2_42(action, body_schema=None):
    """404 from 2.43; the body checked (Nova validates before its policy check); the policy."""
    if since(43):
        raise ApiError(404, 'The resource could not be found.')
    if body_schema is not None:
        validation.validate(request_body(), body_schema)
    policy.enforce('os_compute_api:os-hosts:%s' % action, ctx(), {})


def _node(host_name):
    found = hosts.list_nodes(store(), host=host_name)
    if not found:
        raise ApiError(404, 'Compute host %s could not be found.' % host_name)
    return found[0]


def index():
    """Hosts of the enabled compute services, optionally of one zone (Nova lists no disabled service here)."""
    _until_2_42('list')
    zone = flask.request.args.get('zone')
    return flask.jsonify({'hosts': [
        {'host_name': s['host'], 'service': 'compute', 'zone': s['zone']} for s in hosts.list_services(store())
        if s['status'] == 'enabled' and zone in (None, '', s['zone'])]})


def _resource(host_name, project, cpu, memory_mb, disk_gb):
    return {'resource': {'host': host_name, 'project': project, 'cpu': cpu, 'memory_mb': memory_mb,
                         'disk_gb': disk_gb}}


def show(host_name):
    """The host's totals, what its tracker counts as used now (reserved included), the sum of its servers'
    flavors, and that sum per project."""
    _until_2_42('show')
    node = _node(host_name)
    used = capacity.tracker_usage(node)
    per_project = {}
    for inst in instances.list_instances(store(), host=host_name):
        flavor = inst.get('flavor') or {}
        sums = per_project.setdefault(inst['project_id'], [0, 0, 0])
        sums[0] += int(flavor.get('vcpus') or 0)
        sums[1] += int(flavor.get('memory_mb') or 0)
        sums[2] += int(flavor.get('root_gb') or 0) + int(flavor.get('ephemeral_gb') or 0)
    total = [sum(values[i] for values in per_project.values()) for i in range(3)]
    out = [_resource(host_name, '(total)', node['vcpus'], node['memory_mb'], node['local_gb']),
           _resource(host_name, '(used_now)', used['vcpus_used'], used['memory_mb_used'], used['local_gb_used']),
           _resource(host_name, '(used_max)', *total)]
    out += [_resource(host_name, project, *sums) for project, sums in per_project.items()]
    return flask.jsonify({'host': out})


def update(host_name):
    _until_2_42('update', UPDATE)
    _node(host_name)
    raise ApiError(501, NOT_SUPPORTED)


def _power_action(host_name, action):
    _until_2_42(action)
    _node(host_name)
    raise ApiError(501, NOT_SUPPORTED)


def startup(host_name):
    return _power_action(host_name, 'start')


def shutdown(host_name):
    return _power_action(host_name, 'shutdown')


def reboot(host_name):
    return _power_action(host_name, 'reboot')
