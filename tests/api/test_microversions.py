# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Exactly the fields Nova documents per microversion (2.1 .. 2.53), nothing from a later one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import openstack

BASE_21 = {
    'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata', 'hostId', 'image', 'flavor', 'created', 'updated',
    'addresses', 'accessIPv4', 'accessIPv6', 'links', 'OS-DCF:diskConfig', 'progress', 'OS-EXT-AZ:availability_zone',
    'config_drive', 'key_name', 'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'OS-EXT-STS:task_state',
    'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state', 'os-extended-volumes:volumes_attached'}
ADMIN_21 = {'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:instance_name', 'OS-EXT-SRV-ATTR:hypervisor_hostname'}
ADMIN_23 = {'OS-EXT-SRV-ATTR:reservation_id', 'OS-EXT-SRV-ATTR:launch_index', 'OS-EXT-SRV-ATTR:hostname',
            'OS-EXT-SRV-ATTR:kernel_id', 'OS-EXT-SRV-ATTR:ramdisk_id', 'OS-EXT-SRV-ATTR:root_device_name',
            'OS-EXT-SRV-ATTR:user_data'}


def _v(version):
    return {'OpenStack-API-Version': 'compute %s' % version}


def _expected(version, admin, detail=False):
    """Keys of a server at ``version`` (``detail``: as the list shows it, which leaves out server_groups)."""
    minor = int(version.split('.')[1])
    keys = set(BASE_21)
    if admin:
        keys |= ADMIN_21
        if minor >= 3:
            keys |= ADMIN_23
        if minor >= 16:
            keys.add('host_status')
    if minor >= 9:
        keys.add('locked')
    if minor >= 19:
        keys.add('description')
    if minor >= 26:
        keys.add('tags')
    if minor >= 63:
        keys.add('trusted_image_certificates')
    if minor >= 71 and not detail:
        keys.add('server_groups')
    if minor >= 73:
        keys.add('locked_reason')
    return keys


@pytest.mark.parametrize('version', ['2.1', '2.2', '2.3', '2.8', '2.9', '2.15', '2.16', '2.18', '2.19', '2.25',
                                     '2.26', '2.38', '2.47', '2.53', '2.62', '2.63', '2.70', '2.71', '2.73'])
def test_admin_server_show_fields_per_microversion(api, http, admin_token, version):
    status, headers, body = http.call('GET', '/compute/v2.1/servers/%s' % api['server']['uuid'],
                                      headers=_v(version), token=admin_token)
    assert status == 200 and headers['OpenStack-API-Version'] == 'compute %s' % version
    assert set(body['server']) == _expected(version, admin=True)
    _s, _h, listed = http.call('GET', '/compute/v2.1/servers/detail', headers=_v(version), token=admin_token)
    mine = [s for s in listed['servers'] if s['id'] == api['server']['uuid']]
    assert [set(s) for s in mine] == [_expected(version, admin=True, detail=True)]


def test_flavor_is_embedded_from_2_47(api, http, admin_token):
    path = '/compute/v2.1/servers/%s' % api['server']['uuid']
    booted = api['server']['flavor']
    _s, _h, body = http.call('GET', path, headers=_v('2.46'), token=admin_token)
    assert set(body['server']['flavor']) == {'id', 'links'} and body['server']['flavor']['id'] == booted['flavorid']
    _s, _h, body = http.call('GET', path, headers=_v('2.47'), token=admin_token)
    assert body['server']['flavor'] == {
        'vcpus': booted['vcpus'], 'ram': booted['memory_mb'], 'disk': booted['root_gb'],
        'ephemeral': booted['ephemeral_gb'], 'swap': booted['swap'], 'original_name': booted['name'],
        'extra_specs': booted.get('extra_specs') or {}}
    _s, _h, listed = http.call('GET', '/compute/v2.1/servers/detail', headers=_v('2.47'), token=admin_token)
    assert [s['flavor'] for s in listed['servers'] if s['id'] == api['server']['uuid']] == [body['server']['flavor']]


def test_extended_attributes_and_host_status_values(api, http, admin_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % api['server']['uuid'], headers=_v('2.38'),
                             token=admin_token)
    server = body['server']
    assert server['OS-EXT-SRV-ATTR:hostname'] == api['server']['hostname']
    assert server['OS-EXT-SRV-ATTR:launch_index'] == 0
    assert server['OS-EXT-SRV-ATTR:reservation_id'].startswith('r-')
    assert server['OS-EXT-SRV-ATTR:kernel_id'] == '' and server['OS-EXT-SRV-ATTR:user_data'] is None
    # The seeded host's service heartbeat is recent: UP.
    assert server['host_status'] == 'UP'
    assert server['locked'] is False and server['description'] is None and server['tags'] == []


def test_member_sees_no_admin_fields(api, http):
    from test_compute_endpoints import make_server, new_project, forget_servers
    project = new_project(api, http, unlimited=True)
    try:
        server = make_server(api, project)
        for version in ('2.1', '2.3', '2.16', '2.26', '2.38', '2.47', '2.53', '2.63', '2.71', '2.73'):
            status, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % server['uuid'], headers=_v(version),
                                         token=project['token'])
            assert status == 200
            assert set(body['server']) == _expected(version, admin=False), version
    finally:
        forget_servers(api, project)


def test_host_status_follows_the_service(api, http, admin_token):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    path = '/compute/v2.1/servers/%s' % api['server']['uuid']
    try:
        hosts.set_enabled(store, api['host'], False, reason='maintenance window')
        assert http.call('GET', path, headers=_v('2.16'), token=admin_token)[2]['server']['host_status'] == \
            'MAINTENANCE'
        hosts.force_down(store, api['host'], True)
        assert http.call('GET', path, headers=_v('2.16'), token=admin_token)[2]['server']['host_status'] == 'DOWN'
        _s, _h, services = http.call('GET', '/compute/v2.1/os-services', headers=_v('2.11'), token=admin_token)
        mine = [s for s in services['services'] if s['host'] == api['host']]
        assert mine[0]['forced_down'] is True and mine[0]['status'] == 'disabled'
        _s, _h, services = http.call('GET', '/compute/v2.1/os-services', headers=_v('2.10'), token=admin_token)
        assert 'forced_down' not in services['services'][0]
    finally:
        hosts.force_down(store, api['host'], False)
        hosts.set_enabled(store, api['host'], True)
        store.dispose()
    assert http.call('GET', path, headers=_v('2.16'), token=admin_token)[2]['server']['host_status'] == 'UP'


# ---- keypairs ---------------------------------------------------------------------------------

def test_keypair_codes_and_type_per_microversion(http, demo_token):
    name = 'mv-%s' % uuid.uuid4().hex[:6]
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name}}, token=demo_token)
    assert status == 200 and set(body['keypair']) == {'name', 'public_key', 'fingerprint', 'user_id', 'private_key'}
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-keypairs', token=demo_token)
    assert set(listed['keypairs'][0]['keypair']) == {'name', 'public_key', 'fingerprint'}
    assert http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)[0] == 202
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name, 'type': 'ssh'}},
                                 headers=_v('2.2'), token=demo_token)
    assert status == 201 and body['keypair']['type'] == 'ssh'
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-keypairs', headers=_v('2.2'), token=demo_token)
    assert set(listed['keypairs'][0]['keypair']) == {'name', 'public_key', 'fingerprint', 'type'}
    _s, _h, shown = http.call('GET', '/compute/v2.1/os-keypairs/%s' % name, headers=_v('2.2'), token=demo_token)
    assert shown['keypair']['type'] == 'ssh'
    _s, _h, shown = http.call('GET', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)
    assert 'type' not in shown['keypair']
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': 'x', 'type': 'rsa'}},
                                headers=_v('2.2'), token=demo_token)
    assert status == 400
    assert http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, headers=_v('2.2'), token=demo_token)[0] == 204


def _pem_certificate():
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, 'mv-cert')])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert.public_bytes(serialization.Encoding.PEM).decode(), der


def test_x509_keypairs_from_2_2_and_show_has_nova_fields(http, demo_token):
    import hashlib
    pem, der = _pem_certificate()
    name = 'x5-%s' % uuid.uuid4().hex[:6]
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs',
                                 {'keypair': {'name': name, 'type': 'x509', 'public_key': pem}},
                                 headers=_v('2.2'), token=demo_token)
    sha1 = hashlib.sha1(der).hexdigest()
    assert status == 201 and body['keypair']['type'] == 'x509', body
    assert body['keypair']['fingerprint'] == ':'.join(sha1[i:i + 2] for i in range(0, 40, 2))
    _s, _h, shown = http.call('GET', '/compute/v2.1/os-keypairs/%s' % name, headers=_v('2.2'), token=demo_token)
    assert set(shown['keypair']) == {'id', 'name', 'public_key', 'fingerprint', 'user_id', 'type', 'created_at',
                                     'updated_at', 'deleted', 'deleted_at'}
    assert isinstance(shown['keypair']['id'], int) and shown['keypair']['type'] == 'x509'
    # Generated: a certificate for the user and its private key, returned once.
    made = name + '-gen'
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': made, 'type': 'x509'}},
                                 headers=_v('2.2'), token=demo_token)
    assert status == 201 and body['keypair']['public_key'].startswith('-----BEGIN CERTIFICATE-----')
    assert 'PRIVATE KEY' in body['keypair']['private_key']
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs',
                                {'keypair': {'name': name + 'b', 'type': 'x509', 'public_key': 'not a cert'}},
                                headers=_v('2.2'), token=demo_token)
    assert status == 400 and 'public_key' in err['badRequest']['message']
    for n in (name, made):
        assert http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % n, headers=_v('2.2'), token=demo_token)[0] == 204


def test_keypair_user_id_is_admin_only_from_2_10(api, http, admin_token, demo_token):
    demo_user = api['demo_user']['id']
    name = 'for-demo-%s' % uuid.uuid4().hex[:6]
    spec = {'keypair': {'name': name, 'user_id': demo_user}}
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs', spec, headers=_v('2.9'), token=admin_token)
    assert status == 400   # no user_id before 2.10
    status, _h, body = http.call('POST', '/compute/v2.1/os-keypairs', spec, headers=_v('2.10'), token=admin_token)
    assert status == 201 and body['keypair']['user_id'] == demo_user
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-keypairs', token=demo_token)
    assert name in [k['keypair']['name'] for k in listed['keypairs']]
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-keypairs?user_id=%s' % demo_user, headers=_v('2.10'),
                               token=admin_token)
    assert name in [k['keypair']['name'] for k in listed['keypairs']]
    status, _h, _b = http.call('GET', '/compute/v2.1/os-keypairs?user_id=%s' % api['admin']['user']['id'],
                               headers=_v('2.10'), token=demo_token)
    assert status == 403
    assert http.call('DELETE', '/compute/v2.1/os-keypairs/%s?user_id=%s' % (name, demo_user), headers=_v('2.10'),
                     token=admin_token)[0] == 204


def test_keypair_paging_from_2_35(http, demo_token):
    names = sorted('pg-%s-%d' % (uuid.uuid4().hex[:4], i) for i in range(3))
    for name in names:
        http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name}}, token=demo_token)
    try:
        _s, _h, page = http.call('GET', '/compute/v2.1/os-keypairs?limit=1', headers=_v('2.35'), token=demo_token)
        assert len(page['keypairs']) == 1 and page['keypairs_links'][0]['rel'] == 'next'
        first = page['keypairs'][0]['keypair']['name']
        _s, _h, rest = http.call('GET', '/compute/v2.1/os-keypairs?marker=%s' % first, headers=_v('2.35'),
                                 token=demo_token)
        assert first not in [k['keypair']['name'] for k in rest['keypairs']]
        status, _h, _b = http.call('GET', '/compute/v2.1/os-keypairs?marker=nope', headers=_v('2.35'),
                                   token=demo_token)
        assert status == 400
        # Before 2.35 limit is ignored.
        _s, _h, everything = http.call('GET', '/compute/v2.1/os-keypairs?limit=1', headers=_v('2.34'),
                                       token=demo_token)
        assert len(everything['keypairs']) >= 3 and 'keypairs_links' not in everything
    finally:
        for name in names:
            http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)


# ---- hypervisors, limits, quotas --------------------------------------------------------------

def test_hypervisor_cpu_info_and_paging(api, http, admin_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/detail', headers=_v('2.27'), token=admin_token)
    assert isinstance(body['hypervisors'][0]['cpu_info'], str)
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/detail', headers=_v('2.28'), token=admin_token)
    assert isinstance(body['hypervisors'][0]['cpu_info'], dict)
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors?limit=1', headers=_v('2.33'), token=admin_token)
    assert len(body['hypervisors']) == 1 and body['hypervisors_links'][0]['rel'] == 'next'
    marker = body['hypervisors'][0]['id']
    _s, _h, rest = http.call('GET', '/compute/v2.1/os-hypervisors?marker=%s' % marker, headers=_v('2.33'),
                             token=admin_token)
    assert marker not in [h['id'] for h in rest['hypervisors']]
    assert http.call('GET', '/compute/v2.1/os-hypervisors?marker=999999', headers=_v('2.33'),
                     token=admin_token)[0] == 400


NETWORK_LIMITS = {'maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps', 'totalSecurityGroupsUsed',
                  'totalFloatingIpsUsed'}


def test_limits_drop_network_fields_at_2_36(http, demo_token):
    _s, _h, old = http.call('GET', '/compute/v2.1/limits', headers=_v('2.35'), token=demo_token)
    _s, _h, new = http.call('GET', '/compute/v2.1/limits', headers=_v('2.36'), token=demo_token)
    assert NETWORK_LIMITS <= set(old['limits']['absolute'])
    assert set(old['limits']['absolute']) - set(new['limits']['absolute']) == NETWORK_LIMITS
    assert len(new['limits']['absolute']) == 14


def test_quota_sets_drop_network_fields_at_2_36(api, http, demo_token):
    path = '/compute/v2.1/os-quota-sets/%s' % api['demo_project']['id']
    _s, _h, old = http.call('GET', path, headers=_v('2.35'), token=demo_token)
    _s, _h, new = http.call('GET', path, headers=_v('2.36'), token=demo_token)
    gone = {'floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules'}
    assert set(old['quota_set']) - set(new['quota_set']) == gone
    assert 'networks' not in old['quota_set']


# ---- server list filters ----------------------------------------------------------------------

def test_invalid_status_filter_is_400_from_2_38(http, admin_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/servers?status=NOT-A-STATUS', headers=_v('2.37'),
                             token=admin_token)
    assert body == {'servers': []}
    status, _h, body = http.call('GET', '/compute/v2.1/servers?status=NOT-A-STATUS', headers=_v('2.38'),
                                 token=admin_token)
    assert status == 400 and body['badRequest']['message'] == 'Invalid status value'
    _s, _h, body = http.call('GET', '/compute/v2.1/servers?status=active', headers=_v('2.38'), token=admin_token)
    assert len(body['servers']) >= 1


def _vif(address, mac):
    """A server's network info with one port on network 'private' (Nova's VIF shape, network/instance_ports.py)."""
    return [{'id': 'port-%s' % mac[-2:], 'address': mac, 'network': {'label': 'private', 'subnets': [
        {'ips': [{'address': address, 'type': 'fixed', 'floating_ips': []}]}]}}]


def test_ip6_filter_for_members_from_2_5(api, http):
    from test_compute_endpoints import make_server, new_project, forget_servers
    project = new_project(api, http, unlimited=True)
    try:
        v6 = make_server(api, project, network_info=_vif('fd00::42', 'fa:16:3e:00:00:42'))
        v4 = make_server(api, project, network_info=_vif('10.9.8.7', 'fa:16:3e:00:00:43'))
        _s, _h, body = http.call('GET', '/compute/v2.1/servers?ip6=fd00::4', headers=_v('2.5'),
                                 token=project['token'])
        assert [s['id'] for s in body['servers']] == [v6['uuid']]
        # Before 2.5 a member's ip6 is ignored (the filter is admin-only there).
        _s, _h, body = http.call('GET', '/compute/v2.1/servers?ip6=fd00::4', headers=_v('2.4'),
                                 token=project['token'])
        assert sorted(s['id'] for s in body['servers']) == sorted([v6['uuid'], v4['uuid']])
        _s, _h, body = http.call('GET', '/compute/v2.1/servers?ip=10.9.8', token=project['token'])
        assert [s['id'] for s in body['servers']] == [v4['uuid']]
    finally:
        forget_servers(api, project)


def test_cli_server_show_at_2_38(api):
    rc, out, err = openstack(api, '--os-compute-api-version', '2.38', 'server', 'show', api['server']['uuid'])
    assert rc == 0, err
    assert out['locked'] is False and out['host_status'] == 'UP'
    assert out['OS-EXT-SRV-ATTR:hostname'] == api['server']['hostname']
    assert out['tags'] in ([], '')


@pytest.mark.parametrize('version,body,message', [
    ('2.13', {}, "'onSharedStorage' is a required property"),
    ('2.13', {'host': 'x'}, "'onSharedStorage' is a required property"),
    ('2.13', {'onSharedStorage': 'maybe'}, 'onSharedStorage'),
    ('2.13', {'onSharedStorage': True, 'adminPass': 'pw'}, "admin password can't be changed on existing disk"),
    ('2.14', {'onSharedStorage': False}, "Additional properties are not allowed ('onSharedStorage' was unexpected)"),
    # accepted bodies: the check after the schema answers (the server's compute service is up)
    ('2.13', {'onSharedStorage': False}, 'Compute service of %s is still in use.'),
    ('2.13', {'onSharedStorage': 'true', 'adminPass': 'pw'}, "admin password can't be changed on existing disk"),
    ('2.13', {'onSharedStorage': 'no', 'adminPass': 'pw'}, 'Compute service of %s is still in use.'),
    ('2.14', {}, 'Compute service of %s is still in use.'),
])
def test_evacuate_takes_on_shared_storage_until_2_13(api, http, admin_token, version, body, message):
    """Nova's evacuate schema: ``onSharedStorage`` (a boolean, as Nova's parameter_types.boolean takes it) is
    required until 2.13 and refused from 2.14; with it true no admin password can be given. A body the schema
    takes reaches the evacuation's checks (the seeded server's host is up: 400, nothing started)."""
    server = api['server']['uuid']
    status, _h, answer = http.call('POST', '/compute/v2.1/servers/%s/action' % server, {'evacuate': body},
                                   headers=_v(version), token=admin_token)
    assert status == 400, answer
    assert (message % api['host'] if '%s' in message else message) in answer['badRequest']['message'], answer
    status, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % server, token=admin_token)
    assert (shown['server']['OS-EXT-STS:task_state'], shown['server']['status']) == (None, 'ACTIVE')
