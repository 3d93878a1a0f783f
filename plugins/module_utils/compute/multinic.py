# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's multinic actions (addFixedIp / removeFixedIp, until 2.43) with Neutron, controller side.

Nova's API checks the lock (compute/api.py ``check_instance_lock``) and casts to the compute service, which asks
the network API (nova/network/neutron.py ``add_fixed_ip_to_instance`` / ``remove_fixed_ip_from_instance``) and
then injects the network info (nothing on libvirt). With Neutron neither makes or removes a port: an add puts one
more address, from a subnet of the network, on the server's port on that network; a remove takes the address off
the port holding it. The answer is 202 before any of that, so a network the server has no port on, or an address
it does not have, is only recorded as the server's fault (Nova's ``wrap_instance_fault``); no instance action is
recorded (Nova records none). Here the port update runs in the request (store only: no host call, as the libvirt
driver's inject_network_info does nothing) and the server's network info follows in the same transaction.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports


def check(store, ident, context):
    """The server, and Nova's check_instance_lock (an admin passes a lock)."""
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_lock(inst, context)
    return inst


def _apply(store, ident, context, change):
    inst = check(store, ident, context)
    try:
        with store.begin() as conn:
            port_id = change(conn, inst)
            instances.update(store, inst['uuid'], conn=conn)   # Nova bumps updated_at
    except NovaliteError as exc:
        # after Nova's 202: the compute service's failure is the server's fault
        with store.begin() as conn:
            instances.add_fault(conn, inst['uuid'], exc.message, code=exc.code, host=inst.get('host'))
        return inst, None
    return instances.get(store, inst['uuid']), port_id


def add_fixed_ip(store, ident, context, network_id):
    """addFixedIp: returns (server, the port that got the address or None when the fault was recorded)."""
    return _apply(store, ident, context,
                  lambda conn, inst: instance_ports.add_fixed_ip(conn, context, inst, network_id))


def remove_fixed_ip(store, ident, context, address):
    """removeFixedIp: returns (server, the port the address left or None when the fault was recorded)."""
    return _apply(store, ident, context,
                  lambda conn, inst: instance_ports.remove_fixed_ip(conn, context, inst, address))
