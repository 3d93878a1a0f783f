# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's diagnostics (``GET /servers/{id}/diagnostics``, admin): read now from its running domain through
the host-call path (module ``domain_diagnostics``), as Nova's API asks the compute service. Below 2.48 the
libvirt driver's flat dict; from 2.48 Nova's standard form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, jobs, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls
from ansible_collections.novalite.compute.plugins.module_utils.virt.diagnostics import POWER_STATE_NAMES

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

FIELDS = ('state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime', 'config_drive', 'num_cpus', 'num_nics',
          'num_disks', 'disk_details', 'cpu_details', 'nic_details', 'memory_details')


def _not_running(inst):
    # Nova's compute manager names the power state the database has for the server
    raise ApiError(409, "Cannot 'get_diagnostics' instance %s while it is in power state %s"
                   % (inst['uuid'], POWER_STATE_NAMES.get(inst['power_state'], 'pending')))


def _uptime(launched_at):
    if not launched_at:
        return None
    started = datetime.datetime.strptime(launched_at.rstrip('Z')[:19], '%Y-%m-%dT%H:%M:%S')
    return max(int((datetime.datetime.utcnow() - started).total_seconds()), 0)


def index(server_id):
    inst = get_server(server_id, 'os_compute_api:os-server-diagnostics')
    if not inst['host']:
        raise ApiError(409, 'Instance %s is not ready' % inst['uuid'])
    with store().read() as conn:
        call = host_calls.build(conn, inst, 'diagnostics', ctx().request_id)
    result = jobs().read_from_host(call)
    if result.get('error') == 'NotFound' or (not result.get('failed') and result.get('power_state') != states.RUNNING):
        _not_running(inst)
    if result.get('failed') or result.get('unreachable'):
        raise ApiError(500, 'The diagnostics of server %s could not be read on %s: %s'
                       % (inst['uuid'], inst['host'], result.get('msg') or 'no answer'))
    if not since(48):
        return flask.jsonify(result['legacy'])
    details = result['details']
    out = dict(details, state='running', driver='libvirt', hypervisor_os='linux',
               uptime=_uptime(inst['launched_at']), config_drive=bool(inst.get('config_drive')))
    return flask.jsonify(dict((key, out.get(key)) for key in FIELDS))
