# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The server actions Nova answers that boot nothing new: trigger_crash_dump, changePassword, injectNetworkInfo,
resetNetwork, addFixedIp / removeFixedIp and os-getRDPConsole, through raw HTTP on the session's service (its
servers are rows on a host no job reaches): Nova's answers at each microversion, in Nova's order (the version, the
body, the server, the policy, then the lock and state), and what each records. The NMI reaching a real guest is
tests/api/test_rebuild_console.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import delete_networks_named

from test_compute_endpoints import _store, forget_servers, make_server, new_project

GONE = 'This resource is no longer available.  No forwarding address is given.'
NOT_FOUND = 'The resource could not be found.'


def version(minor):
    return {'OpenStack-API-Version': 'compute 2.%d' % minor}


def act(http, server, body, token, minor=1):
    return http.call('POST', '/compute/v2.1/servers/%s/action' % server, body, headers=version(minor), token=token)


def fault_message(body):
    return list(body.values())[0]['message']


def actions(http, server, token):
    _s, _h, body = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions' % server, token=token)
    return [a['action'] for a in body['instanceActions']]


def server_view(http, server, token):
    _s, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % server, token=token)
    return body['server']


@pytest.fixture(scope='module')
def owner(api, http, admin_token):
    info = new_project(api, http, unlimited=True)
    info['server'] = make_server(api, info)['uuid']
    info['locked'] = make_server(api, info, locked=True, locked_by='owner')['uuid']
    info['stopped'] = make_server(api, info, vm_state='stopped', power_state=4)['uuid']
    info['hostless'] = make_server(api, info, vm_state='error', host=None, node=None)['uuid']
    info['busy'] = make_server(api, info, task_state='rebooting')['uuid']
    yield info
    forget_servers(api, info)
    # the networks this module made go with their ports: the session's later tests expect none
    delete_networks_named(http, admin_token, 'mn-net')


# ---- trigger_crash_dump ---------------------------------------------------------------------------------------

def test_trigger_crash_dump_answers_per_microversion_and_state(http, owner, admin_token):
    token = owner['token']
    missing = str(uuid.uuid4())
    # before 2.17 it is not an action of the API: 404 before anything else
    for server in (owner['server'], missing):
        status, _h, body = act(http, server, {'trigger_crash_dump': None}, token, minor=16)
        assert (status, fault_message(body)) == (404, NOT_FOUND), body
    # the body first (null only), then the server
    status, _h, body = act(http, missing, {'trigger_crash_dump': {}}, token, minor=17)
    assert status == 400 and "{} is not of type 'null'" in body['badRequest']['message'], body
    status, _h, body = act(http, missing, {'trigger_crash_dump': None}, token, minor=17)
    assert (status, fault_message(body)) == (404, 'Instance %s could not be found.' % missing), body
    cases = [(owner['locked'], 'Instance %s is locked' % owner['locked']),
             (owner['hostless'], 'Instance %s is not ready' % owner['hostless']),
             (owner['stopped'], "Cannot 'trigger_crash_dump' instance %s while it is in vm_state stopped"
              % owner['stopped']),
             (owner['busy'], "Cannot 'trigger_crash_dump' instance %s while it is in task_state rebooting"
              % owner['busy'])]
    for server, message in cases:
        status, _h, body = act(http, server, {'trigger_crash_dump': None}, token, minor=17)
        assert (status, body) == (409, {'conflictingRequest': {'code': 409, 'message': message}}), body
        assert 'trigger_crash_dump' not in actions(http, server, token)


def test_trigger_crash_dump_is_recorded_and_the_server_stays(http, owner, demo_token):
    token, server = owner['token'], owner['server']
    assert act(http, server, {'trigger_crash_dump': None}, demo_token, minor=17)[0] == 404   # another project's
    status, headers, body = act(http, server, {'trigger_crash_dump': None}, token, minor=17)
    assert (status, body) == (202, None)
    request_id = headers['x-openstack-request-id']
    assert actions(http, server, token)[0] == 'trigger_crash_dump'
    # the host call is the job's (the session's service runs none; the NMI on a real guest is
    # tests/api/test_rebuild_console.py): its compute event is open, and no task state shows meanwhile
    _s, _h, shown = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions/%s' % (server, request_id),
                              headers=version(51), token=token)
    assert [(e['event'], e['result']) for e in shown['instanceAction']['events']
            if e['event'].startswith('compute_')] == [('compute_trigger_crash_dump', None)], shown
    view = server_view(http, server, token)
    assert (view['status'], view['OS-EXT-STS:task_state']) == ('ACTIVE', None)


# ---- changePassword -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('argument, text', [
    ({}, "'adminPass' is a required property"), ({'adminPass': 5}, "5 is not of type 'string'"),
    ({'adminPass': 'x', 'extra': 1}, "'extra' was unexpected"), (None, "None is not of type 'object'")])
def test_change_password_bodies_are_checked_first(http, owner, argument, text):
    for server in (owner['server'], str(uuid.uuid4())):   # before the server is looked up
        status, _h, body = act(http, server, {'changePassword': argument}, owner['token'])
        assert status == 400 and text in body['badRequest']['message'], body


def test_change_password_without_a_guest_agent_is_novas_409(http, owner):
    token, server = owner['token'], owner['server']
    missing = str(uuid.uuid4())
    status, _h, body = act(http, missing, {'changePassword': {'adminPass': 'n3w'}}, token)
    assert (status, fault_message(body)) == (404, 'Instance %s could not be found.' % missing)
    # the test image has no hw_qemu_guest_agent: Nova's libvirt driver refuses before asking the guest
    status, headers, body = act(http, server, {'changePassword': {'adminPass': 'n3w'}}, token)
    assert (status, body) == (409, {'conflictingRequest': {'code': 409,
                                                           'message': 'QEMU guest agent is not enabled'}}), body
    assert actions(http, server, token)[0] == 'changePassword'
    _s, _h, shown = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions/%s'
                              % (server, headers['x-openstack-request-id']), headers=version(51), token=token)
    assert [(e['event'], e['result']) for e in shown['instanceAction']['events']
            if e['event'].startswith('compute_')] == [('compute_set_admin_password', 'Error')]
    view = server_view(http, server, token)
    assert (view['status'], view['OS-EXT-STS:task_state']) == ('ACTIVE', None)
    for server, message in ((owner['locked'], 'Instance %s is locked' % owner['locked']),
                            (owner['stopped'], "Cannot 'changePassword' instance %s while it is in vm_state stopped"
                             % owner['stopped'])):
        status, _h, body = act(http, server, {'changePassword': {'adminPass': 'n3w'}}, token)
        assert (status, fault_message(body)) == (409, message), body


# ---- injectNetworkInfo, resetNetwork --------------------------------------------------------------------------

def test_inject_network_info_is_an_admin_202(http, owner, admin_token):
    server = owner['server']
    before = actions(http, server, admin_token)
    status, _h, body = act(http, server, {'injectNetworkInfo': None}, owner['token'])
    assert status == 403, body   # admin only (Nova's os-admin-actions:inject_network_info)
    for argument in (None, {}, {'anything': [1]}, 'x'):   # Nova's schema takes any value
        for minor in (1, 95):
            status, _h, body = act(http, server, {'injectNetworkInfo': argument}, admin_token, minor=minor)
            assert (status, body) == (202, None), (argument, body)
    status, _h, body = act(http, owner['locked'], {'injectNetworkInfo': None}, admin_token)
    assert status == 202, body   # an admin passes the lock
    missing = str(uuid.uuid4())
    status, _h, body = act(http, missing, {'injectNetworkInfo': None}, admin_token)
    assert (status, fault_message(body)) == (404, 'Instance %s could not be found.' % missing)
    assert actions(http, server, admin_token) == before   # Nova records no instance action


def test_reset_network_is_gone_at_every_microversion(http, owner, admin_token):
    for token in (admin_token, owner['token']):
        for minor in (1, 44, 95):
            for server in (owner['server'], str(uuid.uuid4())):
                for argument in (None, {'x': 1}):
                    status, _h, body = act(http, server, {'resetNetwork': argument}, token, minor=minor)
                    assert (status, body) == (410, {'computeFault': {'code': 410, 'message': GONE}}), body


# ---- os-getRDPConsole -----------------------------------------------------------------------------------------

def test_rdp_console_is_a_bare_400_until_2_5_then_404(http, owner):
    bad_request = ('The server could not comply with the request since it is either malformed or otherwise '
                   'incorrect.')
    for server in (owner['server'], str(uuid.uuid4())):
        for argument in ({'type': 'rdp-html5'}, {'type': 'novnc'}, None):
            status, _h, body = act(http, server, {'os-getRDPConsole': argument}, owner['token'], minor=5)
            assert (status, body) == (400, {'badRequest': {'code': 400, 'message': bad_request}}), body
        status, _h, body = act(http, server, {'os-getRDPConsole': {'type': 'rdp-html5'}}, owner['token'], minor=6)
        assert (status, fault_message(body)) == (404, NOT_FOUND), body


# ---- addFixedIp / removeFixedIp --------------------------------------------------------------------------------

def _fixed_ips(http, token, port_id):
    status, _h, body = http.call('GET', '/network/v2.0/ports/%s' % port_id, token=token)
    assert status == 200, body
    return sorted(ip['ip_address'] for ip in body['port']['fixed_ips'])


@pytest.mark.parametrize('body, text', [
    ({'addFixedIp': {}}, "'networkId' is a required property"),
    ({'addFixedIp': {'networkId': ''}}, 'networkId'),
    ({'addFixedIp': {'networkId': 'x' * 37}}, 'networkId'),
    ({'addFixedIp': {'networkId': 'n', 'x': 1}}, "'x' was unexpected"),
    ({'addFixedIp': None}, "None is not of type 'object'"),
    ({'removeFixedIp': {'address': 'not-an-ip'}}, 'address'),
    ({'removeFixedIp': {}}, "'address' is a required property"),
])
def test_multinic_bodies_are_checked_first(http, owner, body, text):
    for server in (owner['server'], str(uuid.uuid4())):
        status, _h, answer = act(http, server, body, owner['token'])
        assert status == 400 and text in answer['badRequest']['message'], answer


def test_add_and_remove_fixed_ip_until_2_43(api, http, owner):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    token, server = owner['token'], owner['server']
    status, _h, net = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'mn-net'}}, token=token)
    assert status == 201, net
    net_id = net['network']['id']
    status, _h, sub = http.call('POST', '/network/v2.0/subnets', {'subnet': {
        'network_id': net_id, 'cidr': '10.63.0.0/24', 'ip_version': 4}}, token=token)
    assert status == 201, sub
    # the server's port on the network (what its create or an interface attach would have made)
    store = _store(api)
    try:
        context = Context(user_id=owner['user_id'], project_id=owner['id'], is_admin=False)
        with store.begin() as conn:
            port_id, _made = instance_ports.attach(conn, context, instances.get(store, server), network_id=net_id)
    finally:
        store.dispose()
    first = _fixed_ips(http, token, port_id)
    # from 2.44 the actions are gone, before the body or the server is looked at
    for body in ({'addFixedIp': {'networkId': net_id}}, {'removeFixedIp': {'address': first[0]}}, {'addFixedIp': {}}):
        status, _h, answer = act(http, str(uuid.uuid4()), body, token, minor=44)
        assert (status, fault_message(answer)) == (404, NOT_FOUND), answer
    missing = str(uuid.uuid4())
    status, _h, answer = act(http, missing, {'addFixedIp': {'networkId': net_id}}, token, minor=43)
    assert (status, fault_message(answer)) == (404, 'Instance %s could not be found.' % missing)
    # Nova with Neutron: one more address on the server's port on that network (no new port, no NIC)
    status, _h, answer = act(http, server, {'addFixedIp': {'networkId': net_id}}, token, minor=43)
    assert (status, answer) == (202, None)
    both = _fixed_ips(http, token, port_id)
    assert len(both) == 2 and first[0] in both
    _s, _h, ips = http.call('GET', '/compute/v2.1/servers/%s/ips' % server, token=token)
    assert sorted(a['addr'] for a in ips['addresses']['mn-net']) == both
    _s, _h, ports = http.call('GET', '/network/v2.0/ports?device_id=%s' % server, token=token)
    assert [p['id'] for p in ports['ports']] == [port_id]
    # a network the server has no port on, an address it does not have: Nova's 202, the failure a fault later
    for body in ({'addFixedIp': {'networkId': str(uuid.uuid4())}}, {'addFixedIp': {'networkId': 7}},
                 {'removeFixedIp': {'address': '10.99.0.1'}}):
        status, _h, answer = act(http, server, body, token)
        assert (status, answer) == (202, None), body
    assert _fixed_ips(http, token, port_id) == both
    # the lock (Nova: a 500 from its unexpected InstanceIsLocked; here the 409 of the other actions)
    status, _h, answer = act(http, owner['locked'], {'addFixedIp': {'networkId': net_id}}, token)
    assert (status, fault_message(answer)) == (409, 'Instance %s is locked' % owner['locked'])
    added = [ip for ip in both if ip != first[0]][0]
    status, _h, answer = act(http, server, {'removeFixedIp': {'address': added}}, token, minor=43)
    assert (status, answer) == (202, None)
    assert _fixed_ips(http, token, port_id) == first
    assert 'addFixedIp' not in actions(http, server, token)   # Nova records no instance action
