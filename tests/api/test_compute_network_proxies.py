# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's network proxies over the network service: os-security-groups and os-security-group-rules
(2.1 - 2.35), a server's groups and the add/removeSecurityGroup actions, and security_groups in the
server views. The same rows the Neutron API shows, in the nova-network shape.

The server is a row made through conductor.create_servers with a network (its port is real, no VM).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import openstack

from test_compute_endpoints import forget_servers, new_project

V21 = {'OpenStack-API-Version': 'compute 2.1'}
SG = '/compute/v2.1/os-security-groups'
RULES = '/compute/v2.1/os-security-group-rules'


@pytest.fixture(scope='module')
def tenant(api, http, admin_token):
    """A project with a network, a subnet and a server on it; all removed afterwards."""
    project = new_project(api, http, unlimited=True)
    token = project['token']
    _s, _h, net = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'px-net'}}, token=token)
    _s, _h, sub = http.call('POST', '/network/v2.0/subnets', {'subnet': {
        'network_id': net['network']['id'], 'cidr': '10.77.0.0/24', 'ip_version': 4}}, token=token)
    assert sub['subnet']['cidr'] == '10.77.0.0/24'
    project['network'] = net['network']['id']
    project['subnet'] = sub['subnet']['id']
    project['server'] = _server_on(api, project, net['network']['id'])
    yield project
    if project.get('router'):
        http.call('PUT', '/network/v2.0/routers/%s/remove_router_interface' % project['router'],
                  {'subnet_id': project['subnet']}, token=admin_token)
        http.call('DELETE', '/network/v2.0/routers/%s' % project['router'], token=admin_token)
    _s, _h, fips = http.call('GET', '/network/v2.0/floatingips', token=admin_token)
    for fip in fips['floatingips']:
        http.call('DELETE', '/network/v2.0/floatingips/%s' % fip['id'], token=admin_token)
    if project.get('external'):
        http.call('DELETE', '/network/v2.0/networks/%s' % project['external'], token=admin_token)
    forget_servers(api, project)
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    with store.begin() as conn:
        instance_ports.deallocate(conn, project['server']['uuid'])
    store.dispose()
    http.call('DELETE', '/network/v2.0/networks/%s' % project['network'], token=admin_token)
    _s, _h, left = http.call('GET', '/network/v2.0/security-groups?project_id=%s' % project['id'],
                             token=admin_token)
    for group in left['security_groups']:
        http.call('DELETE', '/network/v2.0/security-groups/%s' % group['id'], token=admin_token)


def _server_on(api, project, network_id):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    ctx = Context(user_id=project['user_id'], project_id=project['id'], is_admin=False, roles=['member', 'reader'])
    rows = conductor.create_servers(store, ctx, {
        'name': 'px-vm', 'flavor': '1', 'image': api['public_image']['id'], 'min_count': 1, 'max_count': 1,
        'networks': [{'uuid': network_id}]})
    store.dispose()
    project['servers'].append(rows[0]['uuid'])
    return rows[0]


def _port_groups(http, token, server_uuid):
    _s, _h, body = http.call('GET', '/network/v2.0/ports?device_id=%s' % server_uuid, token=token)
    return [p['security_groups'] for p in body['ports']]


def test_groups_and_rules_through_the_compute_api_are_neutrons(http, tenant):
    token = tenant['token']
    status, _h, made = http.call('POST', SG, {'security_group': {'name': 'web', 'description': 'http in'}},
                                 headers=V21, token=token)
    assert status == 200, made
    group = made['security_group']
    # a new group shows no rules: Neutron's egress rules are not part of the nova-network view
    assert (group['name'], group['description'], group['tenant_id'], group['rules']) == (
        'web', 'http in', tenant['id'], [])
    status, _h, rule = http.call('POST', RULES, {'security_group_rule': {
        'parent_group_id': group['id'], 'ip_protocol': 'tcp', 'from_port': 80, 'to_port': 8080,
        'cidr': '192.0.2.0/24'}}, headers=V21, token=token)
    assert status == 200, rule
    assert rule['security_group_rule'] == {
        'id': rule['security_group_rule']['id'], 'parent_group_id': group['id'], 'ip_protocol': 'tcp',
        'from_port': 80, 'to_port': 8080, 'group': {}, 'ip_range': {'cidr': '192.0.2.0/24'}}
    # the network service has the very same rule
    _s, _h, neutron = http.call('GET', '/network/v2.0/security-group-rules/%s' % rule['security_group_rule']['id'],
                                token=token)
    assert (neutron['security_group_rule']['direction'], neutron['security_group_rule']['port_range_min'],
            neutron['security_group_rule']['remote_ip_prefix']) == ('ingress', 80, '192.0.2.0/24')
    # an ICMP rule from the group's own members, and the listing sorted by project then name
    status, _h, icmp = http.call('POST', RULES, {'security_group_rule': {
        'parent_group_id': group['id'], 'group_id': group['id'], 'ip_protocol': 'icmp'}}, headers=V21, token=token)
    assert status == 200, icmp
    assert (icmp['security_group_rule']['from_port'], icmp['security_group_rule']['group']) == (
        -1, {'name': 'web', 'tenant_id': tenant['id']})
    _s, _h, listed = http.call('GET', SG, headers=V21, token=token)
    assert [g['name'] for g in listed['security_groups']] == ['default', 'web']
    default = listed['security_groups'][0]
    # Neutron's default group: ingress from its own members, shown as group rules with no protocol
    assert default['rules'] and all(r['group'] == {'name': 'default', 'tenant_id': tenant['id']}
                                    for r in default['rules'])
    # the same rule twice is Nova's 400; update renames; the rule and then the group go
    status, _h, body = http.call('POST', RULES, {'security_group_rule': {
        'parent_group_id': group['id'], 'ip_protocol': 'tcp', 'from_port': 80, 'to_port': 8080,
        'cidr': '192.0.2.0/24'}}, headers=V21, token=token)
    assert status == 400 and 'This rule already exists in group %s' % group['id'] in body['badRequest']['message']
    status, _h, body = http.call('PUT', '%s/%s' % (SG, group['id']), {'security_group': {
        'name': 'web2', 'description': 'renamed'}}, headers=V21, token=token)
    assert (status, body['security_group']['name']) == (200, 'web2')
    for rule_id in (rule['security_group_rule']['id'], icmp['security_group_rule']['id']):
        assert http.call('DELETE', '%s/%s' % (RULES, rule_id), headers=V21, token=token)[0] == 202
    assert http.call('GET', '%s/%s' % (SG, group['id']), headers=V21, token=token)[2]['security_group']['rules'] == []
    assert http.call('DELETE', '%s/%s' % (SG, group['id']), headers=V21, token=token)[0] == 202
    assert http.call('GET', '/network/v2.0/security-groups/%s' % group['id'], token=token)[0] == 404


@pytest.mark.parametrize('rule, message', [
    ({'ip_protocol': 'tcp', 'from_port': 90, 'to_port': 80}, 'Invalid port range 90:80'),
    ({'ip_protocol': 'tcp', 'from_port': 0, 'to_port': 80}, 'Valid TCP ports should be between 1-65535'),
    ({'ip_protocol': 'gre', 'from_port': 1, 'to_port': 2}, 'Invalid IP protocol gre.'),
    ({'ip_protocol': 'icmp', 'from_port': 'a', 'to_port': 2}, 'Type and Code must be integers'),
    ({'ip_protocol': 'icmp', 'from_port': 300, 'to_port': 2}, 'For ICMP, the type:code must be valid'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2, 'cidr': '10.0.0.0/99'}, 'is not a valid IP network'),
    ({'ip_protocol': 'tcp', 'from_port': 1, 'to_port': 2, 'cidr': '10.0.0.0/0'}, 'Bad prefix for network'),
    ({'cidr': '10.0.0.0/8'}, 'Not enough parameters to build a valid rule.'),
])
def test_bad_rules_are_novas_400_and_change_nothing(http, tenant, rule, message):
    token = tenant['token']
    _s, _h, listed = http.call('GET', SG, headers=V21, token=token)
    default = [g for g in listed['security_groups'] if g['name'] == 'default'][0]
    _s, _h, before = http.call('GET', '/network/v2.0/security-group-rules', token=token)
    status, _h, body = http.call('POST', RULES, {'security_group_rule': dict(rule, parent_group_id=default['id'])},
                                 headers=V21, token=token)
    assert status == 400 and message in body['badRequest']['message'], body
    assert http.call('GET', '/network/v2.0/security-group-rules', token=token)[2] == before


def test_proxies_are_gone_from_2_36_and_guarded_by_policy(http, tenant, demo_token):
    token = tenant['token']
    late = {'OpenStack-API-Version': 'compute 2.36'}
    assert http.call('GET', SG, headers=late, token=token)[0] == 404
    assert http.call('POST', RULES, {'security_group_rule': {'parent_group_id': str(uuid.uuid4())}},
                     headers=late, token=token)[0] == 404
    # another project's group is not found; a group id must be a uuid
    _s, _h, listed = http.call('GET', SG, headers=V21, token=token)
    mine = listed['security_groups'][0]['id']
    assert http.call('GET', '%s/%s' % (SG, mine), headers=V21, token=demo_token)[0] == 404
    status, _h, body = http.call('GET', '%s/not-a-uuid' % SG, headers=V21, token=token)
    assert (status, body['badRequest']['message']) == (400, 'Security group id should be uuid')


def test_a_servers_groups_and_the_add_remove_actions(api, http, tenant):
    token, server = tenant['token'], tenant['server']
    action = '/compute/v2.1/servers/%s/action' % server['uuid']
    _s, _h, made = http.call('POST', SG, {'security_group': {'name': 'extra', 'description': ''}},
                             headers=V21, token=token)
    extra = made['security_group']['id']
    _s, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % server['uuid'], token=token)
    assert shown['server']['security_groups'] == [{'name': 'default'}]
    assert http.call('POST', action, {'addSecurityGroup': {'name': 'extra'}}, token=token)[0] == 202
    assert [set(groups) for groups in _port_groups(http, token, server['uuid'])][0] >= {extra}
    _s, _h, groups = http.call('GET', '/compute/v2.1/servers/%s/os-security-groups' % server['uuid'], token=token)
    assert sorted(g['name'] for g in groups['security_groups']) == ['default', 'extra']
    _s, _h, detail = http.call('GET', '/compute/v2.1/servers/detail', token=token)
    mine = [s for s in detail['servers'] if s['id'] == server['uuid']][0]
    assert sorted(g['name'] for g in mine['security_groups']) == ['default', 'extra']
    # the unmodified CLI removes it again (by id here)
    rc, _out, err = openstack(api, 'server', 'remove', 'security', 'group', server['uuid'], extra, as_json=False)
    assert rc == 0, err
    assert extra not in _port_groups(http, token, server['uuid'])[0]
    status, _h, body = http.call('POST', action, {'removeSecurityGroup': {'name': 'extra'}}, token=token)
    assert status == 404 and 'not associated with the instance' in body['itemNotFound']['message']
    status, _h, body = http.call('POST', action, {'addSecurityGroup': {'name': 'no-such-group'}}, token=token)
    assert status == 404 and 'is not found for project' in body['itemNotFound']['message']
    assert http.call('POST', action, {'addSecurityGroup': {}}, token=token)[0] == 400
    assert http.call('DELETE', '%s/%s' % (SG, extra), headers=V21, token=token)[0] == 202


def test_floating_ips_pools_and_the_old_actions(http, admin_token, tenant):
    token, server = tenant['token'], tenant['server']
    _s, _h, ext = http.call('POST', '/network/v2.0/networks', {'network': {'name': 'px-ext', 'router:external': True}},
                            token=admin_token)
    tenant['external'] = ext['network']['id']
    http.call('POST', '/network/v2.0/subnets', {'subnet': {'network_id': tenant['external'], 'cidr': '203.0.113.0/28',
                                                           'ip_version': 4, 'enable_dhcp': False}}, token=admin_token)
    _s, _h, router = http.call('POST', '/network/v2.0/routers', {'router': {
        'name': 'px-r', 'external_gateway_info': {'network_id': tenant['external']}}}, token=token)
    tenant['router'] = router['router']['id']
    assert http.call('PUT', '/network/v2.0/routers/%s/add_router_interface' % tenant['router'],
                     {'subnet_id': tenant['subnet']}, token=token)[0] == 200
    _s, _h, pools = http.call('GET', '/compute/v2.1/os-floating-ip-pools', headers=V21, token=token)
    assert {'name': 'px-ext'} in pools['floating_ip_pools']
    # no pool named: nova.conf's default pool "nova", which this cloud does not have
    status, _h, body = http.call('POST', '/compute/v2.1/os-floating-ips', {}, headers=V21, token=token)
    assert (status, body['itemNotFound']['message']) == (404, 'Floating IP pool not found.')
    status, _h, made = http.call('POST', '/compute/v2.1/os-floating-ips', {'pool': 'px-ext'}, headers=V21,
                                 token=token)
    assert status == 200, made
    fip = made['floating_ip']
    assert fip['ip'].startswith('203.0.113.') and (fip['pool'], fip['instance_id'], fip['fixed_ip']) == (
        'px-ext', None, None)
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-floating-ips', headers=V21, token=token)
    assert [f['id'] for f in listed['floating_ips']] == [fip['id']]
    # associate through the old action (until 2.43): the network service has the association
    action = '/compute/v2.1/servers/%s/action' % server['uuid']
    late = {'OpenStack-API-Version': 'compute 2.44'}
    assert http.call('POST', action, {'addFloatingIp': {'address': fip['ip']}}, headers=late, token=token)[0] == 404
    status, _h, body = http.call('POST', action, {'addFloatingIp': {'address': fip['ip'], 'fixed_address': '10.9.9.9'}},
                                 headers=V21, token=token)
    assert (status, body['badRequest']['message']) == (400, 'Specified fixed address not assigned to instance')
    assert http.call('POST', action, {'addFloatingIp': {'address': fip['ip']}}, headers=V21, token=token)[0] == 202
    _s, _h, neutron = http.call('GET', '/network/v2.0/floatingips/%s' % fip['id'], token=token)
    assert neutron['floatingip']['fixed_ip_address'].startswith('10.77.0.')
    _s, _h, shown = http.call('GET', '/compute/v2.1/os-floating-ips/%s' % fip['id'], headers=V21, token=token)
    assert (shown['floating_ip']['instance_id'], shown['floating_ip']['fixed_ip']) == (
        server['uuid'], neutron['floatingip']['fixed_ip_address'])
    other = '/compute/v2.1/servers/%s/action' % str(uuid.uuid4())
    assert http.call('POST', action.replace(server['uuid'], other.split('/')[-2]),
                     {'removeFloatingIp': {'address': fip['ip']}}, headers=V21, token=token)[0] == 409
    assert http.call('POST', action, {'removeFloatingIp': {'address': fip['ip']}}, headers=V21, token=token)[0] == 202
    _s, _h, neutron = http.call('GET', '/network/v2.0/floatingips/%s' % fip['id'], token=token)
    assert (neutron['floatingip']['port_id'], neutron['floatingip']['fixed_ip_address']) == (None, None)
    assert http.call('DELETE', '/compute/v2.1/os-floating-ips/%s' % fip['id'], headers=V21, token=token)[0] == 202
    status, _h, body = http.call('GET', '/compute/v2.1/os-floating-ips/%s' % fip['id'], headers=V21, token=token)
    assert (status, body['itemNotFound']['message']) == (404, 'Floating IP not found for ID %s' % fip['id'])
    assert http.call('GET', '/compute/v2.1/os-floating-ips', headers=late, token=token)[0] == 404


def test_network_proxies_show_the_networks_the_caller_sees(http, admin_token, tenant):
    token = tenant['token']
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-networks', headers=V21, token=token)
    mine = [n for n in listed['networks'] if n['id'] == tenant['network']][0]
    assert mine['label'] == 'px-net' and mine['cidr'] is None and 'bridge' not in mine
    _s, _h, as_admin = http.call('GET', '/compute/v2.1/os-networks/%s' % tenant['network'], headers=V21,
                                 token=admin_token)
    assert as_admin['network']['label'] == 'px-net' and 'bridge' in as_admin['network']
    _s, _h, tenants = http.call('GET', '/compute/v2.1/os-tenant-networks', headers=V21, token=token)
    assert {'id': tenant['network'], 'cidr': 'None', 'label': 'px-net'} in tenants['networks']
    status, _h, body = http.call('GET', '/compute/v2.1/os-tenant-networks/%s' % uuid.uuid4(), headers=V21,
                                 token=token)
    assert (status, body['itemNotFound']['message']) == (404, 'Network not found')
    assert http.call('GET', '/compute/v2.1/os-networks', headers={'OpenStack-API-Version': 'compute 2.36'},
                     token=token)[0] == 404
