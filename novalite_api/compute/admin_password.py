# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's ``changePassword`` action (nova/api/openstack/compute/admin_password.py): 202, no body.

The body first (``adminPass``, a string, required), then the server (404) and the policy; then Nova's lock (409),
state (ACTIVE, no task: 409) and what its compute service refuses before asking the guest (409: the guest not
running, or ``QEMU guest agent is not enabled`` for an image without ``hw_qemu_guest_agent``), all recorded on
the ``changePassword`` instance action (compute/server_actions.py ``begin_change_password``). With the agent the
password is set by the host (``instance_action`` ``change_password``), the new password a secret of that job.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.common import ctx, get_server, jobs

RULE = 'os_compute_api:os-admin-password'
CHANGE_PASSWORD = {'type': 'object', 'properties': {'adminPass': {'type': 'string'}},
                   'required': ['adminPass'], 'additionalProperties': False}
ACTIONS = {'changePassword': CHANGE_PASSWORD}


def action(server_id, name, args):
    args = validation.validate(args, CHANGE_PASSWORD, name)
    inst = get_server(server_id, RULE)
    jobs().start_action(inst['uuid'], 'change_password', ctx(),
                        secrets={inst['uuid']: {'admin_pass': args['adminPass']}})
    return '', 202
