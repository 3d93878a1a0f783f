# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Neutron's exceptions (neutron_lib.exceptions) as the collection's errors.

``kind`` is Neutron's exception class name (the ``type`` of a ``NeutronError``
body), ``code`` its HTTP status, the messages are Neutron's texts. ``field``
names the input the error is about, as every novalite error does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError


class NeutronError(NovaliteError):
    code = 500
    kind = 'NeutronException'

    def __init__(self, message, field=None, kind=None):
        super(NeutronError, self).__init__(message, field=field)
        if kind:
            self.kind = kind

    @property
    def neutron_type(self):
        """The ``type`` of the API's NeutronError body."""
        return self.kind


class BadRequest(NeutronError):
    code = 400
    kind = 'BadRequest'


class InvalidInput(BadRequest):
    kind = 'InvalidInput'

    def __init__(self, message, field=None):
        super(InvalidInput, self).__init__('Invalid input for operation: %s.' % message, field=field)


def invalid_attribute(attr, reason):
    """A value an attribute's validator refuses (Neutron's API layer answers HTTPBadRequest)."""
    return BadRequest('Invalid input for %s. Reason: %s.' % (attr, reason), field=attr, kind='HTTPBadRequest')


def bad_request(resource, msg, field=None):
    return BadRequest('Bad %s request: %s.' % (resource, msg), field=field)


class NotFound(NeutronError):
    code = 404
    kind = 'NotFound'


def not_found(kind, what, ident, field=None):
    """``NetworkNotFound``, ``PortNotFound``...: "<What> <id> could not be found."."""
    return NotFound('%s %s could not be found.' % (what, ident), field=field, kind=kind)


class Conflict(NeutronError):
    code = 409
    kind = 'Conflict'


class Forbidden(NeutronError):
    code = 403
    kind = 'PolicyNotAuthorized'


def policy_refused(rule, field=None):
    return Forbidden('(rule:%s) is disallowed by policy.' % rule, field=field)


def ip_generation_failure(net_id):
    return Conflict('No more IP addresses available on network %s.' % net_id, field='fixed_ips',
                    kind='IpAddressGenerationFailure')


def ip_in_use(net_id, address):
    return Conflict('Unable to complete operation for network %s. The IP address %s is in use.' % (net_id, address),
                    field='fixed_ips', kind='IpAddressInUse')


def invalid_ip_for_subnet(address):
    return BadRequest('IP address %s is not a valid IP for the specified subnet.' % address, field='fixed_ips',
                      kind='InvalidIpForSubnet')


def invalid_ip_for_network(address):
    return BadRequest('IP address %s is not a valid IP for any of the subnets on the specified network.' % address,
                      field='fixed_ips', kind='InvalidIpForNetwork')


def network_in_use(net_id):
    return Conflict('Unable to complete operation on network %s. There are one or more ports still in use on the '
                    'network.' % net_id, field='network', kind='NetworkInUse')


def subnet_in_use(subnet_id):
    return Conflict('Unable to complete operation on subnet %s: One or more ports have an IP allocation from this '
                    'subnet.' % subnet_id, field='subnet', kind='SubnetInUse')


def over_quota(resources):
    return Conflict('Quota exceeded for resources: %s.' % sorted(resources), field=resources[0], kind='OverQuota')
