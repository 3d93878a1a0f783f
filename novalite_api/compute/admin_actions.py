# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's admin actions (nova/api/openstack/compute/admin_actions.py) beyond os-resetState (servers.py):
``injectNetworkInfo`` and the removed ``resetNetwork``.

* ``injectNetworkInfo`` (admin): any value, the server (404), the policy, Nova's lock check (an admin passes it),
  202. Nova's compute service then refreshes the server's network info and hands it to the driver, whose libvirt
  ``inject_network_info`` does nothing; novalite's network info is rewritten whenever a port changes, so nothing is
  left to do on the host. Nova records no instance action for it.
* ``resetNetwork``: removed with the Xen driver (Wallaby): 410 Gone at every microversion, before the server is
  looked up (any body).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.common import ctx, get_server
from novalite_api.compute.removed import GONE_MESSAGE
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table

INJECT_RULE = 'os_compute_api:os-admin-actions:inject_network_info'
# the argument of each action (nova/api/openstack/compute/schemas/admin_actions.py: anything)
ACTIONS = {'injectNetworkInfo': {}, 'resetNetwork': {}}


def action(server_id, name, args):
    if name == 'resetNetwork':
        raise ApiError(410, GONE_MESSAGE)
    validation.validate(args, ACTIONS[name], name)
    inst = get_server(server_id, INJECT_RULE)
    action_table.check_lock(inst, ctx())
    return '', 202
