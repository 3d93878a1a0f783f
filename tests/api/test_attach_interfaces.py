# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's interface attachments (``os-interface``) through raw HTTP and the unmodified CLI: Nova's body
checks at each microversion, its 400/404/409 answers (nothing changed by them), a detach of a port the server
does not have (Nova's 202, the action's event in error), and an attach whose job fails on its host (the session's
servers have no domain): the answer waits for the job, then a 500, the port unbound again, a fault and the
``attach_interface`` action's error event. The hot-plug on a real guest is tests/api/test_floating_ip_hosts.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from lib.api_service import delete_networks_named, openstack

from test_compute_endpoints import _store, forget_servers, make_server, new_project

BOGUS = '6d4fc7f7-2e55-4d93-93ad-2d06e2cbbcd1'


def version(minor):
    return {'OpenStack-API-Version': 'compute 2.%d' % minor}


def path(server, port=None):
    return '/compute/v2.1/servers/%s/os-interface%s' % (server, '/' + port if port else '')


def _network(http, token, cidr):
    status, _h, net = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'ai-net'}}, token=token)
    assert status == 201, net
    status, _h, sub = http.call('POST', '/network/v2.0/subnets', {'subnet': {
        'network_id': net['network']['id'], 'cidr': cidr, 'ip_version': 4}}, token=token)
    assert status == 201, sub
    return net['network']['id']


def _port(http, token, network_id, **extra):
    status, _h, body = http.call('POST', '/network/v2.0/ports', {'port': dict({'network_id': network_id}, **extra)},
                                 token=token)
    assert status == 201, body
    return body['port']


def _show_port(http, token, port_id):
    status, _h, body = http.call('GET', '/network/v2.0/ports/%s' % port_id, token=token)
    assert status == 200, body
    return body['port']


@pytest.fixture(scope='module')
def owner(api, http, admin_token):
    info = new_project(api, http, unlimited=True)
    info['net'] = _network(http, info['token'], '10.61.0.0/24')
    info['server'] = make_server(api, info)['uuid']
    info['locked'] = make_server(api, info, locked=True, locked_by='owner')['uuid']
    info['shelved'] = make_server(api, info, vm_state='shelved_offloaded', host=None, node=None)['uuid']
    info['busy'] = make_server(api, info, task_state='rebooting')['uuid']
    info['other_server'] = make_server(api, info)['uuid']
    yield info
    forget_servers(api, info)
    # the networks this module made go with their ports: the session's later tests expect none
    delete_networks_named(http, admin_token, 'ai-net')


def _unchanged(http, owner, server):
    """The server has no interface, no address, and the task state it was made with."""
    status, _h, body = http.call('GET', path(server), token=owner['token'])
    assert (status, body) == (200, {'interfaceAttachments': []})
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % server, token=owner['token'])
    task = 'rebooting' if server == owner['busy'] else None
    assert (body['server']['OS-EXT-STS:task_state'], body['server']['addresses']) == (task, {}), body


@pytest.mark.parametrize('minor, attachment, field', [
    (1, {'port_id': 'not-a-uuid'}, 'port_id'),
    (1, {'net_id': 'x'}, 'net_id'),
    (1, {'net_id': BOGUS, 'fixed_ips': [{'ip_address': '10.61.0.9'}, {'ip_address': '10.61.0.10'}]}, 'fixed_ips'),
    (1, {'net_id': BOGUS, 'fixed_ips': [{'ip_address': 'nope'}]}, 'ip_address'),
    (1, {'net_id': BOGUS, 'extra': 1}, 'extra'),
    (48, {'net_id': BOGUS, 'tag': 'nic1'}, 'tag'),            # tags from 2.49
    (49, {'net_id': BOGUS, 'tag': 'a/b'}, 'tag'),
])
def test_the_body_is_checked_as_nova_checks_it(http, owner, minor, attachment, field):
    status, _h, body = http.call('POST', path(owner['server']), {'interfaceAttachment': attachment},
                                 headers=version(minor), token=owner['token'])
    assert status == 400 and field in body['badRequest']['message'], body
    _unchanged(http, owner, owner['server'])


def test_novas_refusals_change_nothing(api, http, owner):
    token, server = owner['token'], owner['server']
    other = new_project(api, http)
    other_net = _network(http, other['token'], '10.62.0.0/24')
    theirs = _port(http, other['token'], other_net)
    taken = _port(http, token, owner['net'], device_id=owner['other_server'], device_owner='compute:nova')
    mine = _port(http, token, owner['net'])
    cases = [
        (server, {'port_id': mine['id'], 'net_id': owner['net']}, 400, 'Must not input both network_id and port_id'),
        (server, {'port_id': mine['id'], 'fixed_ips': [{'ip_address': '10.61.0.9'}]}, 400,
         'Must input network_id when request IP address'),
        (server, {'port_id': BOGUS}, 404, 'Port id %s could not be found.' % BOGUS),
        (server, {'port_id': theirs['id']}, 404, 'Port id %s could not be found.' % theirs['id']),
        (server, {'port_id': taken['id']}, 409, 'Port %s is still in use.' % taken['id']),
        (server, {'net_id': BOGUS}, 404, 'Network %s could not be found.' % BOGUS),
        (server, {'net_id': other_net}, 404, 'Network %s could not be found.' % other_net),
        (server, {'net_id': owner['net'], 'fixed_ips': [{'ip_address': mine['fixed_ips'][0]['ip_address']}]}, 409,
         'Fixed IP address %s is already in use on instance %s.' % (mine['fixed_ips'][0]['ip_address'], server)),
        (owner['locked'], {'port_id': mine['id']}, 409, 'Instance %s is locked' % owner['locked']),
        (owner['shelved'], {'port_id': mine['id']}, 409,
         "Cannot 'attach_interface' instance %s while it is in vm_state shelved_offloaded" % owner['shelved']),
        (owner['busy'], {'port_id': mine['id']}, 409,
         "Cannot 'attach_interface' instance %s while it is in task_state rebooting" % owner['busy']),
    ]
    for target, attachment, code, message in cases:
        status, _h, body = http.call('POST', path(target), {'interfaceAttachment': attachment}, token=token)
        assert status == code, (attachment, body)
        assert list(body.values())[0]['message'] == message, body
        _unchanged(http, owner, target)
    assert _show_port(http, token, mine['id'])['device_id'] == ''
    # another project's server is not there; a port the server does not have
    status, _h, _b = http.call('POST', path(server), {'interfaceAttachment': {'port_id': mine['id']}},
                               token=other['token'])
    assert status == 404
    status, _h, body = http.call('GET', path(server, mine['id']), token=token)
    assert status == 404 and body['itemNotFound']['message'] == 'Instance %s does not have a port with id %s' % (
        server, mine['id'])
    status, _h, body = http.call('GET', path(server, BOGUS), token=token)
    assert status == 404 and body['itemNotFound']['message'] == 'Port id %s could not be found.' % BOGUS
    # a detach of a port the server does not have: Nova's 202 (a cast), its compute host's PortNotFound recorded
    status, headers, _b = http.call('DELETE', path(server, mine['id']), token=token)
    assert status == 202
    request_id = headers['x-openstack-request-id']
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions/%s' % (server, request_id),
                                 headers=version(51), token=token)
    assert status == 200 and body['instanceAction']['action'] == 'detach_interface', body
    assert [(e['event'], e['result']) for e in body['instanceAction']['events']] == [
        ('compute_detach_interface', 'Error')]
    _unchanged(http, owner, server)
    status, _h, body = http.call('DELETE', path(owner['locked'], mine['id']), token=token)
    assert status == 409 and 'is locked' in body['conflictingRequest']['message']


def test_an_attach_its_host_fails_is_rolled_back_with_a_fault(api, http, owner):
    """The session's servers are on no host a job reaches: the host call fails, the port given is unbound again."""
    token, server = owner['token'], owner['server']
    port = _port(http, token, owner['net'])
    rc, _out, err = openstack(api, 'server', 'add', 'port', server, port['id'], as_json=False)
    assert rc != 0 and 'Failed to attach network adapter device to %s' % server in err, err
    again = _show_port(http, token, port['id'])
    assert (again['device_id'], again['device_owner'], again['status']) == ('', '', 'DOWN')
    _unchanged(http, owner, server)
    # the fault (Nova shows it in the server's view only in ERROR, which an attach never leaves)
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = _store(api)
    try:
        assert 'Failed to attach network adapter device' in instances.latest_fault(store, server)['message']
    finally:
        store.dispose()
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions' % server, token=token)
    action = [a for a in body['instanceActions'] if a['action'] == 'attach_interface'][0]
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions/%s'
                                 % (server, action['request_id']), headers=version(51), token=token)
    assert [(e['event'], e['result']) for e in body['instanceAction']['events']
            if e['event'].startswith('compute_')] == [('compute_attach_interface', 'Error')]
    # a net_id attach made a port: rolled back means deleted
    status, _h, body = http.call('POST', path(server), {'interfaceAttachment': {'net_id': owner['net']}},
                                 headers=version(49), token=token)
    assert status == 500 and 'Failed to attach network adapter device' in body['computeFault']['message'], body
    status, _h, body = http.call('GET', '/network/v2.0/ports?device_id=%s' % server, token=token)
    assert body['ports'] == []
