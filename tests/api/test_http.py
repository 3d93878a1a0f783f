# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The service over plain HTTP: version documents, microversions, tokens, error bodies, policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import time
import uuid

import pytest

from lib.api_service import ADMIN_PASSWORD


def _auth(user, password, project='admin'):
    return {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'id': 'default'}, 'password': password}}},
        'scope': {'project': {'name': project, 'domain': {'id': 'default'}}}}}


# ---- version documents ------------------------------------------------------------------------

def test_version_documents(api, http):
    status, _h, body = http.call('GET', '/identity')
    assert status == 300 and body['versions']['values'][0]['id'].startswith('v3')
    status, _h, body = http.call('GET', '/identity/v3')
    assert status == 200 and body['version']['links'][0]['href'] == api['url'] + '/identity/v3/'
    status, headers, body = http.call('GET', '/compute/')
    assert status == 200 and [v['id'] for v in body['versions']] == ['v2.0', 'v2.1']
    v20 = body['versions'][0]
    assert (v20['status'], v20['version'], v20['min_version']) == ('SUPPORTED', '', '')
    assert v20['links'] == [{'rel': 'self', 'href': api['url'] + '/compute/v2/'}]
    status, _h, body = http.call('GET', '/compute/v2')
    assert status == 200 and body['version']['id'] == 'v2.0' and body['version']['status'] == 'SUPPORTED'
    status, headers, body = http.call('GET', '/compute/v2.1')
    assert status == 200
    version = body['version']
    assert (version['id'], version['status'], version['min_version'], version['version']) == (
        'v2.1', 'CURRENT', '2.1', '2.104')
    assert version['links'][0]['href'] == api['url'] + '/compute/v2.1/'
    assert headers['Vary'] == 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'
    status, _h, body = http.call('GET', '/image/')
    assert status == 300 and [v['id'] for v in body['versions']] == ['v2.1', 'v2.0']
    assert body['versions'][0]['links'][0]['href'] == api['url'] + '/image/v2/'


# ---- microversions and common headers ----------------------------------------------------------

@pytest.mark.parametrize('headers,expected', [({'OpenStack-API-Version': 'compute 2.1'}, '2.1'),
                                              ({'X-OpenStack-Nova-API-Version': '2.1'}, '2.1'),
                                              ({'OpenStack-API-Version': 'compute 2.26'}, '2.26'),
                                              ({'OpenStack-API-Version': 'compute latest'}, '2.104'), ({}, '2.1')])
def test_microversion_negotiated_and_echoed(http, admin_token, headers, expected):
    status, got, _b = http.call('GET', '/compute/v2.1/flavors', headers=headers, token=admin_token)
    assert status == 200
    assert got['OpenStack-API-Version'] == 'compute %s' % expected
    assert got['X-OpenStack-Nova-API-Version'] == expected
    assert 'OpenStack-API-Version' in got['Vary']
    assert got['x-openstack-request-id'].startswith('req-')
    uuid.UUID(got['x-openstack-request-id'][4:])


@pytest.mark.parametrize('headers', [{'OpenStack-API-Version': 'compute 2.999'},
                                     {'X-OpenStack-Nova-API-Version': '2.105'},
                                     {'OpenStack-API-Version': 'compute 3.0'}])
def test_unsupported_microversion_is_406(http, admin_token, headers):
    status, got, body = http.call('GET', '/compute/v2.1/flavors', headers=headers, token=admin_token)
    assert status == 406
    assert body['computeFault']['code'] == 406
    assert 'is not supported by the API. Minimum is 2.1 and maximum is 2.104' in body['computeFault']['message']
    assert got['Vary'] == 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'


@pytest.mark.parametrize('value', ['compute 2.x', 'compute two', 'compute 2.01'])
def test_malformed_microversion_is_400(http, admin_token, value):
    status, _h, body = http.call('GET', '/compute/v2.1/flavors', headers={'OpenStack-API-Version': value},
                                 token=admin_token)
    assert status == 400
    assert 'is of invalid format' in body['badRequest']['message']


def test_request_ids_are_unique(http, admin_token):
    ids = set(http.call('GET', '/compute/v2.1/flavors', token=admin_token)[1]['x-openstack-request-id']
              for _attempt in range(3))
    assert len(ids) == 3


# ---- identity --------------------------------------------------------------------------------

def test_token_issue_validate_revoke(api, http, admin_token):
    status, headers, body = http.call('POST', '/identity/v3/auth/tokens', _auth('admin', ADMIN_PASSWORD))
    assert status == 201
    token = headers['X-Subject-Token']
    tok = body['token']
    assert tok['methods'] == ['password']
    assert tok['user']['name'] == 'admin' and tok['user']['domain'] == {'id': 'default', 'name': 'Default'}
    assert tok['project']['id'] == api['admin']['project']['id']
    assert sorted(r['name'] for r in tok['roles']) == ['admin', 'member', 'reader']
    issued = datetime.datetime.strptime(tok['issued_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    expires = datetime.datetime.strptime(tok['expires_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    assert expires - issued == datetime.timedelta(seconds=api['cfg']['token_expiration'])
    for service in tok['catalog']:
        assert sorted(e['interface'] for e in service['endpoints']) == ['admin', 'internal', 'public']
        for endpoint in service['endpoints']:
            assert endpoint['region_id'] == endpoint['region'] == 'RegionOne' and endpoint['id']
    status, headers, body = http.call('GET', '/identity/v3/auth/tokens', token=admin_token,
                                      headers={'X-Subject-Token': token})
    assert status == 200 and body['token']['audit_ids'] == tok['audit_ids']
    assert headers['X-Subject-Token'] == token
    assert http.call('GET', '/compute/v2.1/flavors', token=token)[0] == 200
    status, _h, _b = http.call('DELETE', '/identity/v3/auth/tokens', token=admin_token,
                               headers={'X-Subject-Token': token})
    assert status == 204
    status, _h, body = http.call('GET', '/identity/v3/auth/tokens', token=admin_token,
                                 headers={'X-Subject-Token': token})
    assert status == 404 and 'revoked' in body['error']['message']
    status, _h, body = http.call('GET', '/compute/v2.1/flavors', token=token)
    assert status == 401 and body['unauthorized']['code'] == 401


def test_token_expires_after_configured_lifetime(api, http):
    """The same check the service runs, at the moment the token's lifetime is over."""
    from novalite_api import accounts, config
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    _s, headers, body = http.call('POST', '/identity/v3/auth/tokens', _auth('admin', ADMIN_PASSWORD))
    token = headers['X-Subject-Token']
    store = Store(api['cfg']['database_url'])
    secret = config.read_secret(api['cfg']['secret_key_file'])
    expires = datetime.datetime.strptime(body['token']['expires_at'], '%Y-%m-%dT%H:%M:%S.%fZ')
    assert accounts.validate_token(store, secret, token, now=expires - datetime.timedelta(seconds=1))
    with pytest.raises(accounts.Unauthorized) as info:
        accounts.validate_token(store, secret, token, now=expires)
    assert 'expired' in info.value.message
    store.dispose()


def test_tampered_token_is_rejected(http, admin_token):
    body, signature = admin_token.split('.')
    forged = body[:-2] + ('AA' if body[-2:] != 'AA' else 'BB') + '.' + signature
    status, _h, err = http.call('GET', '/compute/v2.1/servers', token=forged)
    assert status == 401 and 'unauthorized' in err


@pytest.mark.parametrize('body,field', [
    ({}, 'auth'),
    ({'auth': {}}, 'auth.identity'),
    ({'auth': {'identity': {'methods': ['token'], 'token': {'id': 'x'}}}}, 'auth.identity.methods'),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {'name': 'admin'}}}}},
     'auth.identity.password.user'),
    ({'auth': {'identity': {'methods': ['password'], 'password': {'user': {'name': 'admin', 'password': 'x'}}}}},
     'auth.identity.password.user.domain'),
])
def test_bad_auth_request_is_400_naming_the_field(http, body, field):
    status, _h, err = http.call('POST', '/identity/v3/auth/tokens', body)
    assert status == 400
    assert err['error']['message'].startswith(field + ':')


@pytest.mark.parametrize('user,password,project', [
    ('admin', 'wrong-password', 'admin'), ('nobody', ADMIN_PASSWORD, 'admin'),
    ('admin', ADMIN_PASSWORD, 'no-such-project'), ('demo', ADMIN_PASSWORD, 'admin')])
def test_bad_credentials_are_401(http, user, password, project):
    status, headers, err = http.call('POST', '/identity/v3/auth/tokens', _auth(user, password, project))
    assert status == 401
    assert err['error']['code'] == 401 and err['error']['title'] == 'Unauthorized'
    assert 'X-Subject-Token' not in headers


def test_demo_user_has_no_role_on_admin_project(http):
    from lib.api_service import DEMO_PASSWORD
    status, _h, err = http.call('POST', '/identity/v3/auth/tokens', _auth('demo', DEMO_PASSWORD, 'admin'))
    assert status == 401


def test_missing_token_is_401_everywhere(http):
    for path in ('/compute/v2.1/servers', '/compute/v2.1/flavors', '/image/v2/images'):
        status, headers, _b = http.call('GET', path)
        assert status == 401 and headers['WWW-Authenticate'].startswith('Keystone uri=')


# ---- compute ---------------------------------------------------------------------------------

def test_flavor_filters(http, admin_token, demo_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/flavors/detail?minRam=2048', token=admin_token)
    assert sorted(f['name'] for f in body['flavors']) == ['m1.large', 'm1.medium', 'm1.small', 'm1.xlarge']
    _s, _h, body = http.call('GET', '/compute/v2.1/flavors/detail?minDisk=80', token=admin_token)
    assert sorted(f['name'] for f in body['flavors']) == ['m1.large', 'm1.xlarge']
    _s, _h, body = http.call('GET', '/compute/v2.1/flavors?is_public=None', token=admin_token)
    assert 'admin.private' in [f['name'] for f in body['flavors']]
    _s, _h, body = http.call('GET', '/compute/v2.1/flavors?is_public=false', token=admin_token)
    assert [f['name'] for f in body['flavors']] == ['admin.private']
    # Non-admins always get public (+ shared) flavors whatever they ask.
    _s, _h, body = http.call('GET', '/compute/v2.1/flavors?is_public=None', token=demo_token)
    assert 'admin.private' not in [f['name'] for f in body['flavors']] and len(body['flavors']) == 7
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/1', token=admin_token)
    flavor = body['flavor']
    assert status == 200 and flavor['swap'] == '' and flavor['OS-FLV-EXT-DATA:ephemeral'] == 0
    assert flavor['links'][0]['href'].endswith('/compute/v2.1/flavors/1')


@pytest.mark.parametrize('query,start', [('is_public=maybe', 'is_public:'), ('minRam=abc', 'minRam:'),
                                         ('minDisk=-1', 'minDisk:'),
                                         # Nova's query schema (from 2.75 in Nova's order of its keys)
                                         ('sort_key=color', 'Invalid input for query parameters sort_key. Value: '
                                                            "color. 'color' is not one of [")])
def test_bad_flavor_filter_is_400(http, admin_token, query, start):
    status, _h, body = http.call('GET', '/compute/v2.1/flavors?' + query, token=admin_token)
    assert status == 400
    assert body['badRequest']['message'].startswith(start), body


def test_flavor_extra_specs_and_access(api, http, admin_token, demo_token):
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-extra_specs', token=admin_token)
    assert status == 200 and body == {'extra_specs': {'hw:cpu_policy': 'shared'}}
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-extra_specs/hw:cpu_policy', token=admin_token)
    assert body == {'hw:cpu_policy': 'shared'}
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-extra_specs/nope', token=admin_token)
    assert status == 404 and 'itemNotFound' in body
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-flavor-access', token=admin_token)
    assert body == {'flavor_access': [{'flavor_id': 'p1', 'tenant_id': api['admin']['project']['id']}]}
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-extra_specs', token=demo_token)
    assert status == 404 and body['itemNotFound']['code'] == 404
    status, _h, body = http.call('GET', '/compute/v2.1/flavors/p1/os-flavor-access', token=demo_token)
    assert status == 403 and body['forbidden']['code'] == 403


def test_server_detail_shape(api, http, admin_token):
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % api['server']['uuid'], token=admin_token)
    assert status == 200
    server = body['server']
    expected_keys = {
        'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata', 'hostId', 'image', 'flavor', 'created',
        'updated', 'addresses', 'accessIPv4', 'accessIPv6', 'links', 'OS-DCF:diskConfig', 'progress',
        'OS-EXT-AZ:availability_zone', 'config_drive', 'key_name', 'OS-SRV-USG:launched_at',
        'OS-SRV-USG:terminated_at', 'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state',
        'os-extended-volumes:volumes_attached', 'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:instance_name',
        'OS-EXT-SRV-ATTR:hypervisor_hostname'}
    assert set(server) == expected_keys
    assert server['flavor']['id'] == '1' and server['image']['id'] == api['public_image']['id']
    assert server['OS-EXT-STS:power_state'] == 1 and server['OS-EXT-STS:task_state'] is None
    assert len(server['hostId']) == 56
    assert [l['rel'] for l in server['links']] == ['self', 'bookmark']


def test_other_project_gets_404_not_403(api, http, demo_token):
    path = '/compute/v2.1/servers/%s' % api['server']['uuid']
    status, _h, body = http.call('GET', path, token=demo_token)
    assert status == 404 and body['itemNotFound']['code'] == 404
    # Asking for every project's servers without the right is 403, as in Nova (its policy check raises).
    status, _h, body = http.call('GET', '/compute/v2.1/servers/detail?all_tenants=1', token=demo_token)
    assert status == 403 and body['forbidden']['code'] == 403
    status, _h, body = http.call('GET', '/compute/v2.1/servers/%s' % uuid.uuid4(), token=demo_token)
    assert status == 404


def test_server_list_filters(api, http, admin_token):
    name = api['server']['display_name']
    _s, _h, body = http.call('GET', '/compute/v2.1/servers?name=^%s$' % name, token=admin_token)
    assert [s['id'] for s in body['servers']] == [api['server']['uuid']]
    _s, _h, body = http.call('GET', '/compute/v2.1/servers?name=nothing-like-it', token=admin_token)
    assert body['servers'] == []
    _s, _h, body = http.call('GET', '/compute/v2.1/servers?status=SHUTOFF', token=admin_token)
    assert body['servers'] == []
    status, _h, body = http.call('GET', '/compute/v2.1/servers?name=(', token=admin_token)
    assert status == 400 and body['badRequest']['message'].startswith('name:')


def test_admin_only_endpoints(api, http, admin_token, demo_token):
    for path in ('/compute/v2.1/os-hypervisors', '/compute/v2.1/os-hypervisors/detail',
                 '/compute/v2.1/os-services', '/compute/v2.1/os-availability-zone/detail'):
        status, _h, body = http.call('GET', path, token=demo_token)
        assert status == 403, path
        assert body['forbidden']['code'] == 403 and "doesn't allow" in body['forbidden']['message']
        assert http.call('GET', path, token=admin_token)[0] == 200
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/detail', token=admin_token)
    mine = [h for h in body['hypervisors'] if h['service']['host'] == api['host']]
    assert len(mine) == 1 and mine[0]['vcpus'] == os.cpu_count() and mine[0]['hypervisor_type'] == 'QEMU'
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%d' % mine[0]['id'], token=admin_token)
    assert status == 200 and body['hypervisor']['hypervisor_hostname'] == mine[0]['hypervisor_hostname']
    _s, _h, body = http.call('GET', '/compute/v2.1/os-availability-zone', token=demo_token)
    assert {'zoneName': 'nova', 'zoneState': {'available': True}, 'hosts': None} in body['availabilityZoneInfo']


def test_hypervisor_statistics_search_servers_count_reserved_as_used(api, http, admin_token, demo_token):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    try:
        node = hosts.get_node(store, api['host'])
    finally:
        store.dispose()
    reserved_mb, reserved_gb = node['reserved_host_memory_mb'], node['reserved_host_disk_mb'] // 1024
    assert reserved_mb > 0   # Nova's default 512 MB
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%d' % node['id'], token=admin_token)
    shown = body['hypervisor']
    assert shown['memory_mb_used'] == node['memory_mb_used'] + reserved_mb
    assert shown['local_gb_used'] == node['local_gb_used'] + reserved_gb
    assert shown['free_ram_mb'] == node['memory_mb'] - shown['memory_mb_used']
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/statistics', token=admin_token)
    stats = body['hypervisor_statistics']
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-hypervisors/detail', token=admin_token)
    enabled = [h for h in listed['hypervisors'] if h['status'] == 'enabled']
    assert status == 200 and stats['count'] == len(enabled)
    for key in ('vcpus', 'memory_mb', 'memory_mb_used', 'local_gb_used', 'running_vms', 'free_ram_mb'):
        assert stats[key] == sum(h[key] for h in enabled), key
    assert http.call('GET', '/compute/v2.1/os-hypervisors/statistics', token=demo_token)[0] == 403
    pattern = node['hypervisor_hostname'][:-1] or node['hypervisor_hostname']   # a substring
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%s/search' % pattern, token=admin_token)
    assert status == 200 and node['hypervisor_hostname'] in [h['hypervisor_hostname'] for h in body['hypervisors']]
    assert 'servers' not in body['hypervisors'][0]
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%s/servers' % pattern, token=admin_token)
    mine = [h for h in body['hypervisors'] if h['id'] == node['id']][0]
    assert status == 200 and api['server']['uuid'] in [s['uuid'] for s in mine['servers']]
    assert {'name': api['server']['instance_name'], 'uuid': api['server']['uuid']} in mine['servers']
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/no-such-host-x/search', token=admin_token)
    assert status == 404 and body['itemNotFound']['message'] == "No hypervisor matching 'no-such-host-x' could be found."


# ---- keypairs: bad input -----------------------------------------------------------------------

@pytest.mark.parametrize('body,start', [
    # Nova's schema texts, then (for a key that does not read) the catalog's
    ({'keypair': {'name': 'bad/name'}},
     "Invalid input for field/attribute name. Value: bad/name. 'bad/name' does not match '^[_\\\\- a-zA-Z0-9]+$'"),
    ({'keypair': {'name': 'ok', 'public_key': 'ssh-rsa not-base64!'}}, 'public_key'),
    ({'keypair': {'name': 'ok', 'type': 'x509'}},
     "Invalid input for field/attribute keypair. Value: {'name': 'ok', 'type': 'x509'}. Additional properties are "
     "not allowed ('type' was unexpected)"),
    ({'nokeypair': {}}, "'keypair' is a required property"),
])
def test_bad_keypair_is_400_and_creates_nothing(http, admin_token, body, start):
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs', body, token=admin_token)
    assert status == 400
    assert err['badRequest']['message'].startswith(start)
    _s, _h, listed = http.call('GET', '/compute/v2.1/os-keypairs', token=admin_token)
    assert 'ok' not in [k['keypair']['name'] for k in listed['keypairs']]


def test_duplicate_keypair_is_409(http, demo_token):
    name = 'dup-%s' % uuid.uuid4().hex[:6]
    status, _h, made = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name}}, token=demo_token)
    assert status == 200 and 'private_key' in made['keypair']
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name}}, token=demo_token)
    assert status == 409 and err['conflictingRequest']['code'] == 409
    assert http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)[0] == 202
    assert http.call('GET', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)[0] == 404


# ---- images ----------------------------------------------------------------------------------

def test_image_list_shape_and_filters(api, http, admin_token):
    pub, priv = api['public_image']['id'], api['private_image']['id']
    status, _h, body = http.call('GET', '/image/v2/images', token=admin_token)
    assert status == 200 and body['first'] == '/v2/images' and body['schema'] == '/v2/schemas/images'
    assert sorted(i['id'] for i in body['images']) == sorted([pub, priv])
    _s, _h, body = http.call('GET', '/image/v2/images?id=in:%s,%s' % (pub, uuid.uuid4()), token=admin_token)
    assert [i['id'] for i in body['images']] == [pub]
    _s, _h, body = http.call('GET', '/image/v2/images?name=admin-private-image', token=admin_token)
    assert [i['id'] for i in body['images']] == [priv]
    _s, _h, body = http.call('GET', '/image/v2/images?limit=1', token=admin_token)
    assert len(body['images']) == 1 and body['next'].startswith('/v2/images?marker=')
    status, _h, image = http.call('GET', '/image/v2/images/%s' % pub, token=admin_token)
    assert status == 200 and image['self'] == '/v2/images/%s' % pub and image['os_hash_algo'] == 'sha256'
    assert image['visibility'] == 'public' and image['status'] == 'active' and image['tags'] == []


def test_image_name_is_not_an_id(http, admin_token):
    status, _h, body = http.call('GET', '/image/v2/images/novalite-test-image', token=admin_token)
    assert status == 404


def test_image_visibility_and_delete(api, http, admin_token, demo_token):
    pub, priv = api['public_image']['id'], api['private_image']['id']
    assert http.call('GET', '/image/v2/images/%s' % priv, token=demo_token)[0] == 404
    assert http.call('DELETE', '/image/v2/images/%s' % priv, token=demo_token)[0] == 404
    assert http.call('DELETE', '/image/v2/images/%s' % pub, token=demo_token)[0] == 403
    assert http.call('GET', '/image/v2/images/%s' % pub, token=demo_token)[0] == 200
    # An image made just for this test, so the others keep theirs.
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    doomed = images.register(store, api['cfg']['image_store'], 'doomed-%s' % uuid.uuid4().hex[:6],
                             api['image_source'], disk_format='qcow2', container_format='bare',
                             visibility='private', owner=api['admin']['project']['id'])
    store.dispose()
    assert os.path.exists(doomed['location'])
    assert http.call('DELETE', '/image/v2/images/%s' % doomed['id'], token=admin_token)[0] == 204
    assert not os.path.exists(doomed['location'])
    assert http.call('GET', '/image/v2/images/%s' % doomed['id'], token=admin_token)[0] == 404


def _raw_put(api, path, data, token):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(api['url'] + path, data=data, method='PUT')
    req.add_header('Content-Type', 'application/octet-stream')
    req.add_header('X-Auth-Token', token)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        resp = opener.open(req, timeout=30)
        return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_upload_of_wrong_content_is_400_and_leaves_nothing(api, http, demo_token):
    status, headers, image = http.call('POST', '/image/v2/images', {
        'name': 'liar', 'disk_format': 'qcow2', 'container_format': 'bare', 'os_distro': 'none'}, token=demo_token)
    assert status == 201 and image['status'] == 'queued' and image['os_distro'] == 'none'
    assert headers['Location'].endswith('/image/v2/images/%s' % image['id'])
    before = sorted(os.listdir(api['cfg']['image_store']))
    status, body = _raw_put(api, '/image/v2/images/%s/file' % image['id'], b'not a qcow2 at all' * 100, demo_token)
    assert status == 400 and b'disk_format' in body
    assert sorted(os.listdir(api['cfg']['image_store'])) == before
    _s, _h, again = http.call('GET', '/image/v2/images/%s' % image['id'], token=demo_token)
    assert again['status'] == 'queued' and again['size'] is None
    assert http.call('DELETE', '/image/v2/images/%s' % image['id'], token=demo_token)[0] == 204


@pytest.mark.parametrize('body,code,field', [
    ({'name': 'x', 'visibility': 'public'}, 403, None),
    ({'name': 'x', 'disk_format': 'vhdx'}, 400, 'disk_format'),
    ({'name': 'x', 'visibility': 'everyone'}, 400, 'visibility'),
    ({'name': 'x', 'min_ram': -1}, 400, 'min_ram'),
    ({'name': 'x', 'tags': ['a']}, 400, 'tags'),
])
def test_bad_image_create_is_refused(http, demo_token, body, code, field):
    _s, _h, before = http.call('GET', '/image/v2/images', token=demo_token)
    status, _h, err = http.call('POST', '/image/v2/images', body, token=demo_token)
    assert status == code
    if field:
        assert err['message'].startswith(field)
    _s, _h, after = http.call('GET', '/image/v2/images', token=demo_token)
    assert len(after['images']) == len(before['images'])


def test_upload_to_someone_elses_image(api, http, demo_token):
    status, _b = _raw_put(api, '/image/v2/images/%s/file' % api['public_image']['id'], b'x', demo_token)
    assert status == 403
    status, _b = _raw_put(api, '/image/v2/images/%s/file' % api['private_image']['id'], b'x', demo_token)
    assert status == 404


def test_server_marker_must_exist(http, admin_token, api):
    status, _h, body = http.call('GET', '/compute/v2.1/servers?marker=%s' % uuid.uuid4(), token=admin_token)
    assert status == 400 and body['badRequest']['message'].startswith('marker:')
    status, _h, body = http.call('GET', '/compute/v2.1/servers?marker=%s' % api['server']['uuid'], token=admin_token)
    assert status == 200 and body['servers'] == []
    status, _h, body = http.call('GET', '/compute/v2.1/servers?limit=0', token=admin_token)
    assert status == 200 and body['servers'] == []


def test_unknown_path_and_method_use_nova_bodies(http, admin_token):
    status, _h, body = http.call('GET', '/compute/v2.1/no-such-thing', token=admin_token)
    assert status == 404 and body['itemNotFound']['code'] == 404
    status, _h, body = http.call('PUT', '/compute/v2.1/flavors', {}, token=admin_token)
    assert status == 405 and body['badMethod']['code'] == 405


# ---- the compute API's image proxy (until 2.35) -------------------------------------------------

def _v(version):
    return {'OpenStack-API-Version': 'compute %s' % version}


def test_image_proxy_shows_the_image_service_images_until_2_35(api, http, admin_token, demo_token):
    pub, priv = api['public_image'], api['private_image']
    status, _h, body = http.call('GET', '/compute/v2.1/images', token=demo_token)
    listed = dict((i['id'], i) for i in body['images'])
    assert status == 200 and pub['id'] in listed and priv['id'] not in listed   # the caller's view of the catalog
    assert set(listed[pub['id']]) == {'id', 'name', 'links'}
    assert [link['rel'] for link in listed[pub['id']]['links']] == ['self', 'bookmark', 'alternate']
    status, _h, body = http.call('GET', '/compute/v2.1/images/detail', token=admin_token)
    detail = dict((i['id'], i) for i in body['images'])[priv['id']]
    assert (detail['status'], detail['progress'], detail['OS-EXT-IMG-SIZE:size']) == ('ACTIVE', 100, priv['size'])
    assert detail['minRam'] == priv['min_ram'] and detail['minDisk'] == priv['min_disk']
    status, _h, body = http.call('GET', '/compute/v2.1/images/%s' % pub['id'], token=demo_token)
    assert status == 200 and body['image']['name'] == pub['name']
    status, _h, body = http.call('GET', '/compute/v2.1/images/%s' % priv['id'], token=demo_token)
    assert status == 404 and body['itemNotFound']['message'] == 'Image not found.'
    status, _h, body = http.call('GET', '/compute/v2.1/images?limit=1', token=admin_token)
    assert len(body['images']) == 1 and body['images_links'][0]['rel'] == 'next'
    # Gone from 2.36 (the metadata from 2.39), as in Nova.
    for path, last in (('/compute/v2.1/images', '2.35'), ('/compute/v2.1/images/%s' % pub['id'], '2.35'),
                       ('/compute/v2.1/images/%s/metadata' % pub['id'], '2.38')):
        assert http.call('GET', path, token=admin_token, headers=_v(last))[0] == 200, path
        gone = '2.%d' % (int(last.split('.')[1]) + 1)
        assert http.call('GET', path, token=admin_token, headers=_v(gone))[0] == 404, path


def test_image_proxy_metadata_and_delete(api, http, admin_token, demo_token):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    made = images.register(store, api['cfg']['image_store'], 'proxy-%s' % uuid.uuid4().hex[:6], api['image_source'],
                           disk_format='qcow2', container_format='bare', visibility='public',
                           owner=api['admin']['project']['id'])
    base = '/compute/v2.1/images/%s' % made['id']
    try:
        status, _h, body = http.call('POST', base + '/metadata', {'metadata': {'os_distro': 'cirros', 'k': 'v'}},
                                     token=admin_token)
        assert status == 200 and body['metadata'] == {'os_distro': 'cirros', 'k': 'v'}
        status, _h, body = http.call('PUT', base + '/metadata', {'metadata': {'k': 'w'}}, token=admin_token)
        assert status == 200 and body['metadata'] == {'k': 'w'}   # replaced: os_distro is gone
        assert images.get(store, made['id'])['properties'] == {'k': 'w'}
        status, _h, body = http.call('PUT', base + '/metadata/a', {'meta': {'a': '1'}}, token=admin_token)
        assert status == 200 and body == {'meta': {'a': '1'}}
        assert http.call('GET', base + '/metadata/a', token=demo_token)[2] == {'meta': {'a': '1'}}
        assert http.call('PUT', base + '/metadata/a', {'meta': {'b': '1'}}, token=admin_token)[0] == 400
        # Another project may see a public image but not change or delete it.
        assert http.call('POST', base + '/metadata', {'metadata': {'x': 'y'}}, token=demo_token)[0] == 403
        assert http.call('DELETE', base + '/metadata/a', token=demo_token)[0] == 403
        assert http.call('DELETE', base, token=demo_token)[0] == 403
        too_many = dict(('m%03d' % i, 'v') for i in range(129))
        status, _h, body = http.call('POST', base + '/metadata', {'metadata': too_many}, token=admin_token)
        assert status == 403 and body['forbidden']['message'] == 'Image metadata limit exceeded'
        assert http.call('DELETE', base + '/metadata/a', token=admin_token)[0] == 204
        status, _h, body = http.call('DELETE', base + '/metadata/a', token=admin_token)
        assert status == 404 and body['itemNotFound']['message'] == 'Invalid metadata key'
        assert images.get(store, made['id'])['properties'] == {'k': 'w'}
        assert http.call('DELETE', base, token=admin_token)[0] == 204
        assert not os.path.exists(made['location'])
        assert http.call('GET', base, token=admin_token)[0] == 404
    finally:
        store.dispose()


def test_a_kept_alive_connection_outlives_a_clients_polling_interval(api):
    # openstacksdk's waits poll every 2 s on one connection: gunicorn's default keep-alive (2 s) closed it
    # just as the next poll went out ("Remote end closed connection without response" in `server delete --wait`)
    import http.client   # here: the module-level name ``http`` is the fixture
    conn = http.client.HTTPConnection('127.0.0.1', api['port'], timeout=10)
    try:
        for _poll in range(2):
            conn.request('GET', '/compute/')
            response = conn.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
            time.sleep(3.5)
        conn.request('GET', '/compute/')
        assert conn.getresponse().status == 200
    finally:
        conn.close()
