# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's multinic actions (nova/api/openstack/compute/multinic.py): ``addFixedIp`` / ``removeFixedIp`` until
2.43, from 2.44 404 (before the body is looked at).

The body is validated first (Nova's schema: ``networkId`` a string or number of 1-36 characters; ``address`` an
IPv4 or IPv6 address), then the server (404) and the policy; the lock (409 for a non-admin; Nova lets this
escape its expected errors as a 500) and then 202. What Nova does after its answer (with Neutron, an address
more or less on the server's port, compute/multinic.py) is done in the request; a network the server has no port
on, or an address it does not have, is the server's fault, not the answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import multinic

RULE = 'os_compute_api:os-multinic:%s'
ADD_FIXED_IP = {'type': 'object',
                'properties': {'networkId': {'type': ['string', 'number'], 'minLength': 1, 'maxLength': 36}},
                'required': ['networkId'], 'additionalProperties': False}
REMOVE_FIXED_IP = {'type': 'object',
                   'properties': {'address': {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}},
                   'required': ['address'], 'additionalProperties': False}
ACTIONS = {'addFixedIp': ADD_FIXED_IP, 'removeFixedIp': REMOVE_FIXED_IP}
LAST_MINOR = 43


def action(server_id, name, args):
    if since(LAST_MINOR + 1):
        raise ApiError(404, 'The resource could not be found.')
    args = validation.validate(args, ACTIONS[name], name)
    inst = get_server(server_id, RULE % ('add' if name == 'addFixedIp' else 'remove'))
    if name == 'addFixedIp':
        multinic.add_fixed_ip(store(), inst['uuid'], ctx(), args['networkId'])
    else:
        multinic.remove_fixed_ip(store(), inst['uuid'], ctx(), args['address'])
    return '', 202
