# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The Networking API (Neutron v2.0 subset) through the unmodified `openstack` CLI and plain HTTP, and the
compute API's side of it (server create --network, addresses, port list --server).

Everything made here is removed at the module's end: the shared service's other tests see no network
(a server create there stays without ports)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
import uuid

import pytest

from lib.api_service import openstack

DEMO = 'novalite-demo'


def _ok(api, *args, **kwargs):
    rc, out, err = openstack(api, *args, **kwargs)
    assert rc == 0, err
    return out


@pytest.fixture(scope='module')
def made(api, http, admin_token):
    """The names of what the walk-through makes; removed afterwards in the order Neutron needs."""
    tag = uuid.uuid4().hex[:6]
    state = {'tag': tag, 'servers': [], 'fips': [], 'routers': [], 'ports': [], 'networks': []}
    yield state
    for server in state['servers']:
        http.call('DELETE', '/compute/v2.1/servers/%s' % server, token=admin_token)
    deadline = time.time() + 60
    while state['servers'] and time.time() < deadline:   # the delete runs as a job; its ports go with it
        state['servers'] = [s for s in state['servers']
                            if http.call('GET', '/compute/v2.1/servers/%s' % s, token=admin_token)[0] != 404]
        time.sleep(0.5)
    for fip in state['fips']:
        http.call('DELETE', '/network/v2.0/floatingips/%s' % fip, token=admin_token)
    for router, subnet in state['routers']:
        if subnet:
            http.call('PUT', '/network/v2.0/routers/%s/remove_router_interface' % router, {'subnet_id': subnet},
                      token=admin_token)
        http.call('DELETE', '/network/v2.0/routers/%s' % router, token=admin_token)
    for port in state['ports']:
        http.call('DELETE', '/network/v2.0/ports/%s' % port, token=admin_token)
    for network in state['networks']:
        http.call('DELETE', '/network/v2.0/networks/%s' % network, token=admin_token)
    # nothing is left for the service's other tests (their servers would get ports)
    assert http.call('GET', '/network/v2.0/networks', token=admin_token)[2] == {'networks': []}
    assert http.call('GET', '/network/v2.0/ports', token=admin_token)[2] == {'ports': []}


def test_cli_walkthrough(api, http, admin_token, made):
    tag = made['tag']
    # the admin's external network and its subnet
    ext = _ok(api, 'network', 'create', '--external', 'ext-%s' % tag)
    made['networks'].append(ext['id'])
    assert ext['router:external'] in (True, 'External')
    _ok(api, 'subnet', 'create', '--network', ext['id'], '--subnet-range', '203.0.113.0/24', '--no-dhcp',
        'ext-sub-%s' % tag)
    # the demo project's network, subnet, port, group and rule
    net = _ok(api, 'network', 'create', 'net-%s' % tag, cloud=DEMO)
    made['networks'].insert(0, net['id'])
    sub = _ok(api, 'subnet', 'create', '--network', 'net-%s' % tag, '--subnet-range', '10.20.0.0/24',
              'sub-%s' % tag, cloud=DEMO)
    assert (sub['cidr'], sub['gateway_ip']) == ('10.20.0.0/24', '10.20.0.1')
    assert sub['allocation_pools'] in ('10.20.0.2-10.20.0.254', [{'start': '10.20.0.2', 'end': '10.20.0.254'}])
    port = _ok(api, 'port', 'create', '--network', 'net-%s' % tag, 'port-%s' % tag, cloud=DEMO)
    made['ports'].append(port['id'])
    assert port['mac_address'].startswith('fa:16:3e:')
    listed = _ok(api, 'port', 'list', '--network', 'net-%s' % tag, cloud=DEMO)
    assert [p['ID'] for p in listed] == [port['id']]
    assert 'ip_address=\'10.20.0.2\'' in str(listed[0]['Fixed IP Addresses']) or \
        '10.20.0.2' in str(listed[0]['Fixed IP Addresses'])
    group = _ok(api, 'security', 'group', 'create', 'sg-%s' % tag, cloud=DEMO)
    rule = _ok(api, 'security', 'group', 'rule', 'create', '--protocol', 'icmp', 'sg-%s' % tag, cloud=DEMO)
    assert (rule['protocol'], rule['direction'], rule['security_group_id']) == ('icmp', 'ingress', group['id'])
    names = [g['Name'] for g in _ok(api, 'security', 'group', 'list', cloud=DEMO)]
    assert sorted(names) == ['default', 'sg-%s' % tag]
    # a router with a gateway on the external network and an interface on the subnet; a floating IP
    router = _ok(api, 'router', 'create', 'r-%s' % tag, cloud=DEMO)
    made['routers'].append((router['id'], None))
    _ok(api, 'router', 'set', '--external-gateway', ext['id'], 'r-%s' % tag, as_json=False, cloud=DEMO)
    _ok(api, 'router', 'add', 'subnet', 'r-%s' % tag, 'sub-%s' % tag, as_json=False, cloud=DEMO)
    made['routers'][-1] = (router['id'], sub['id'])
    shown = _ok(api, 'router', 'show', 'r-%s' % tag, cloud=DEMO)
    assert ext['id'] in str(shown['external_gateway_info'])
    fip = _ok(api, 'floating', 'ip', 'create', ext['id'], cloud=DEMO)
    made['fips'].append(fip['id'])
    assert fip['floating_ip_address'].startswith('203.0.113.')
    # a server on the network: its port, its addresses
    server = _ok(api, 'server', 'create', '--flavor', 'm1.nano', '--image', api['public_image']['id'],
                 '--network', 'net-%s' % tag, '--security-group', 'sg-%s' % tag, 'vm-%s' % tag, cloud=DEMO)
    made['servers'].append(server['id'])
    shown = _ok(api, 'server', 'show', server['id'], cloud=DEMO)
    assert 'net-%s' % tag in str(shown['addresses']) and '10.20.0.3' in str(shown['addresses'])
    bound = _ok(api, 'port', 'list', '--server', server['id'], '--long', cloud=DEMO)
    assert len(bound) == 1 and '10.20.0.3' in str(bound[0]['Fixed IP Addresses'])
    assert group['id'] in str(bound[0]['Security Groups'])
    _s, _h, body = http.call('GET', '/compute/v2.1/servers/%s/ips' % server['id'], token=admin_token)
    assert body == {'addresses': {'net-%s' % tag: [{'version': 4, 'addr': '10.20.0.3'}]}}
    # the network cannot go while ports are on it
    rc, _out, err = openstack(api, 'network', 'delete', 'net-%s' % tag, as_json=False, cloud=DEMO)
    assert rc != 0 and 'There are one or more ports still in use on the network' in err
    _s, _h, body = http.call('GET', '/network/v2.0/networks/%s' % net['id'], token=admin_token)
    assert body['network']['id'] == net['id']


def _neutron_error(http, token, method, path, body, code, kind, text):
    status, _h, answer = http.call(method, path, body, token=token)
    assert status == code, answer
    assert answer['NeutronError']['type'] == kind and text in answer['NeutronError']['message'], answer
    return answer


def test_bad_input_is_neutrons_answer_and_changes_nothing(api, http, admin_token, demo_token, made):
    _s, _h, mine = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'bad-%s' % made['tag']}},
                             token=demo_token)
    made['networks'].insert(0, mine['network']['id'])
    net_id = mine['network']['id']
    _s, _h, sub = http.call('POST', '/network/v2.0/subnets', {'subnet': {
        'network_id': net_id, 'cidr': '10.30.0.0/24', 'ip_version': 4}}, token=demo_token)
    assert _s == 201, sub
    _s, _h, port = http.call('POST', '/network/v2.0/ports', {'port': {'network_id': net_id}}, token=demo_token)
    made['ports'].append(port['port']['id'])
    _s, _h, admin_net = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'adm-%s' % made['tag']}},
                                  token=admin_token)
    made['networks'].append(admin_net['network']['id'])
    _s, _h, admin_port = http.call('POST', '/network/v2.0/ports', {'port': {
        'network_id': admin_net['network']['id']}}, token=admin_token)
    made['ports'].append(admin_port['port']['id'])
    _s, _h, before = http.call('GET', '/network/v2.0/ports', token=admin_token)
    used = port['port']['fixed_ips'][0]['ip_address']
    subnet = '/network/v2.0/subnets'
    for body, code, kind, text in (
            ({'cidr': '10.30.0.0/25'}, 400, 'InvalidInput', 'overlaps with another subnet'),
            ({'cidr': '10.31.0.9/24'}, 400, 'HTTPBadRequest', "isn't a recognized IP subnet cidr, '10.31.0.0/24' is "
                                                              "recommended"),
            ({'cidr': '10.31.0.0/24', 'gateway_ip': '10.99.0.1'}, 400, 'InvalidInput', 'Gateway is not valid on '
                                                                                       'subnet')):
        _neutron_error(http, demo_token, 'POST', subnet, {'subnet': dict(body, network_id=net_id, ip_version=4)},
                       code, kind, text)
    ports = '/network/v2.0/ports'
    _neutron_error(http, demo_token, 'POST', ports, {'port': {'network_id': net_id, 'fixed_ips': [
        {'subnet_id': sub['subnet']['id'], 'ip_address': '10.40.0.3'}]}}, 400, 'InvalidIpForSubnet',
        'IP address 10.40.0.3 is not a valid IP for the specified subnet.')
    _neutron_error(http, demo_token, 'POST', ports, {'port': {'network_id': net_id, 'fixed_ips': [
        {'ip_address': used}]}}, 409, 'IpAddressInUse', 'The IP address %s is in use.' % used)
    _neutron_error(http, demo_token, 'POST', ports, {'port': {'network_id': admin_net['network']['id']}}, 404,
                   'NetworkNotFound', 'Network %s could not be found.' % admin_net['network']['id'])
    _neutron_error(http, demo_token, 'GET', ports + '/' + admin_port['port']['id'], None, 404, 'PortNotFound',
                   'could not be found')
    _neutron_error(http, demo_token, 'POST', '/network/v2.0/floatingips', {'floatingip': {
        'floating_network_id': net_id}}, 400, 'BadRequest',
        'Bad floatingip request: Network %s is not a valid external network.' % net_id)
    _neutron_error(http, demo_token, 'POST', '/network/v2.0/networks', {'network': {'shared': True}}, 403,
                   'PolicyNotAuthorized', 'disallowed by policy')
    _neutron_error(http, demo_token, 'DELETE', '/network/v2.0/networks/%s' % net_id, None, 409, 'NetworkInUse',
                   'Unable to complete operation on network %s. There are one or more ports still in use on the '
                   'network.' % net_id)
    # a server create with another project's port: Nova's 400, nothing made
    status, _h, err = http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'x', 'flavorRef': '42', 'imageRef': api['public_image']['id'],
        'networks': [{'port': admin_port['port']['id']}]}}, token=demo_token)
    assert status == 400 and err['badRequest']['message'] == 'Port id %s could not be found.' % admin_port[
        'port']['id']
    _s, _h, after = http.call('GET', '/network/v2.0/ports', token=admin_token)
    assert after == before


def test_filters_fields_paging_and_quotas(api, http, admin_token, demo_token, made):
    _s, _h, body = http.call('GET', '/network/v2.0/networks?fields=id&fields=name&router:external=False',
                             token=demo_token)
    assert body['networks'] and all(set(n) == {'id', 'name'} for n in body['networks'])
    everything = http.call('GET', '/network/v2.0/security-group-rules', token=demo_token)[2]['security_group_rules']
    assert len(everything) >= 3
    _s, _h, page = http.call('GET', '/network/v2.0/security-group-rules?limit=2&sort_key=id', token=demo_token)
    ids = sorted(r['id'] for r in everything)
    assert [r['id'] for r in page['security_group_rules']] == ids[:2]
    assert 'marker=%s' % ids[1] in page['security_group_rules_links'][0]['href']
    _s, _h, rest = http.call('GET', '/network/v2.0/security-group-rules?sort_key=id&marker=%s' % ids[1],
                             token=demo_token)
    assert [r['id'] for r in rest['security_group_rules']] == ids[2:]
    _neutron_error(http, demo_token, 'GET', '/network/v2.0/networks?colour=blue', None, 400, 'HTTPBadRequest',
                   'invalid attribute for filtering')
    project = api['demo_project']['id']
    _s, _h, quota = http.call('GET', '/network/v2.0/quotas/%s/details.json' % project, token=demo_token)
    assert quota['quota']['network']['limit'] == 100 and quota['quota']['network']['used'] >= 1
    used = quota['quota']['network']['used']
    status, _h, _b = http.call('PUT', '/network/v2.0/quotas/%s' % project, {'quota': {'network': used}},
                               token=admin_token)
    assert status == 200
    try:
        _neutron_error(http, demo_token, 'POST', '/network/v2.0/networks', {'network': {'name': 'over'}}, 409,
                       'OverQuota', "Quota exceeded for resources: ['network'].")
        rc, out, err = openstack(api, 'quota', 'show', project)
        assert rc == 0, err
        limits = dict((row['Resource'], row['Limit']) for row in out) if isinstance(out, list) else out
        assert limits['networks'] == used, out
    finally:
        http.call('DELETE', '/network/v2.0/quotas/%s' % project, token=admin_token)
    _s, _h, versions = http.call('GET', '/network/', token=None)
    assert versions['versions'][0]['id'] == 'v2.0'
