# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The evacuate server action (nova/api/openstack/compute/evacuate.py), admin only.

The server's host must be down (its heartbeat older than ``service_down_time``) or forced down, else 400
"Compute service of <host> is still in use."; a named host must exist (404) and differ from the server's
(400). The evacuation is scheduled and claimed before the answer (compute/evacuate.py); the destination's
rebuild runs as a job. The answer is Nova's 200: until 2.13 ``{"adminPass": ...}`` (the given or a generated
password, unless on shared storage or with enable_instance_password off), from 2.14 no body.
Until 2.13 the request says whether the server's files are on shared storage (``onSharedStorage``, required);
the destination compares it with what it finds and fails the evacuation when they differ (Nova's
InvalidSharedStorage: the server in ERROR with the fault). From 2.14 the destination alone decides.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute import api_version
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, jobs, service_down_time, store
from novalite_api.compute.schemas import as_bool, evacuate as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import admin_password
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _password(spec, on_shared_storage):
    cfg = flask.current_app.config['NOVALITE']
    if 'adminPass' in spec:
        if on_shared_storage:
            raise ApiError(400, "admin password can't be changed on existing disk")
        return spec['adminPass']
    if on_shared_storage:
        return None
    return admin_password.generate(cfg['password_length'])


def action(inst, args):
    """POST /servers/{id}/action {"evacuate": {...}}: the server is rebuilt on another host."""
    spec = validation.validate(args, schemas.evacuate(api_version.current()), 'evacuate')
    host = spec.get('host')
    on_shared_storage = None if since(14) else as_bool(spec['onSharedStorage'])
    force = None
    if since(29):
        force = as_bool(spec.get('force'), default=False)
        if force and not host:
            raise ApiError(400, "Can't force to a non-provided destination")
    password = _password(spec, on_shared_storage)
    if host is not None:
        try:
            hosts.get_node(store(), host)
        except NotFound:
            raise ApiError(404, 'Compute host %s not found.' % host)
    # before 2.14 the admin's word on shared storage goes to the destination, which refuses a wrong one
    request = {'host': host, 'force': force, 'target_state': 'stopped' if since(95) else None,
               'on_shared_storage': on_shared_storage}
    jobs().start_action(inst['uuid'], 'evacuate', ctx(), evacuate_request=request,
                        scheduler_config={'service_down_time': service_down_time()},
                        secrets={inst['uuid']: {'admin_pass': password}} if password else None)
    if not since(14) and flask.current_app.config['NOVALITE']['enable_instance_password']:
        return flask.jsonify({'adminPass': password}), 200
    return '', 200
