# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Another project's member reaches nothing of ``demo``'s, on every resource, and changes nothing.

As Nova: another project's server, keypair, private image or private flavor is
"not found" (404, never 403, so its existence does not leak); admin-only and
other-project views (all_tenants, quota sets, hypervisors, services, flavor
access) are 403. After every attempt the owner still sees its resources unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import struct
import urllib.request
import uuid

import pytest

from lib.api_service import DEMO_PASSWORD

COMPUTE = '/compute/v2.1'
MV = {'X-OpenStack-Nova-API-Version': '2.26'}


def _key_line():
    blob = struct.pack('>I', 11) + b'ssh-ed25519' + struct.pack('>I', 32) + bytes(range(32))
    return 'ssh-ed25519 %s demo@example' % base64.b64encode(blob).decode()


@pytest.fixture(scope='module')
def owned(api, http, admin_token, demo_token):
    """demo's server (with metadata and a tag), keypair and private image; a flavor only demo may use;
    and a token of a member of another project."""
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils import states
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

    store = Store(api['cfg']['database_url'])
    name = 'intruder-%s' % uuid.uuid4().hex[:6]
    accounts.create_project(store, name)
    accounts.create_user(store, name, DEMO_PASSWORD, default_project=name)
    accounts.assign_role(store, name, name, 'member')
    store.dispose()
    other = http.token(name, DEMO_PASSWORD, name)

    status, _h, body = http.call('POST', COMPUTE + '/servers', {'server': {
        'name': 'demo-private', 'flavorRef': '42', 'imageRef': api['public_image']['id'], 'metadata': {'owner': 'demo'}}},
        headers=MV, token=demo_token)
    assert status == 202, body
    server_id = body['server']['id']
    status, _h, body = http.call('POST', COMPUTE + '/os-keypairs', {'keypair': {
        'name': 'demo-key', 'public_key': _key_line()}}, headers=MV, token=demo_token)
    assert status in (200, 201), body
    status, _h, image = http.call('POST', '/image/v2/images', {
        'name': 'demo-private-image', 'disk_format': 'qcow2', 'container_format': 'bare',
        'visibility': 'private'}, token=demo_token)
    assert status == 201, image
    status, _h, flavor = http.call('POST', COMPUTE + '/flavors', {'flavor': {
        'name': 'demo-only', 'ram': 128, 'vcpus': 1, 'disk': 1, 'os-flavor-access:is_public': False}},
        headers=MV, token=admin_token)
    assert status == 200, flavor
    flavor_id = flavor['flavor']['id']
    demo_project = http.call('GET', '/identity/v3/auth/tokens', headers={'X-Subject-Token': demo_token},
                             token=demo_token)[2]['token']['project']['id']
    status, _h, _b = http.call('POST', '%s/flavors/%s/action' % (COMPUTE, flavor_id),
                               {'addTenantAccess': {'tenant': demo_project}}, headers=MV, token=admin_token)
    assert status == 200
    # this service's host is not in an inventory: settle the server as if it had booted
    store = Store(api['cfg']['database_url'])
    instances.update(store, server_id, vm_state=states.ACTIVE, task_state=None, power_state=states.RUNNING)
    store.dispose()
    status, _h, _b = http.call('PUT', '%s/servers/%s/tags/mine' % (COMPUTE, server_id), headers=MV, token=demo_token)
    assert status in (201, 204)
    yield {'other': other, 'server': server_id, 'image': image['id'], 'flavor': flavor_id,
           'demo_project': demo_project}
    http.call('DELETE', '%s/servers/%s' % (COMPUTE, server_id), headers=MV, token=demo_token)
    http.call('DELETE', '/image/v2/images/%s' % image['id'], token=demo_token)
    http.call('DELETE', COMPUTE + '/os-keypairs/demo-key', headers=MV, token=demo_token)
    http.call('DELETE', '%s/flavors/%s' % (COMPUTE, flavor_id), headers=MV, token=admin_token)


def _server_routes(sid):
    base = '%s/servers/%s' % (COMPUTE, sid)
    return [
        ('GET', base, None), ('PUT', base, {'server': {'name': 'stolen'}}), ('DELETE', base, None),
        ('POST', base + '/action', {'os-stop': None}), ('POST', base + '/action', {'lock': None}),
        ('POST', base + '/action', {'reboot': {'type': 'HARD'}}),
        ('GET', base + '/metadata', None), ('POST', base + '/metadata', {'metadata': {'owner': 'stolen'}}),
        ('PUT', base + '/metadata', {'metadata': {}}), ('GET', base + '/metadata/owner', None),
        ('PUT', base + '/metadata/owner', {'meta': {'owner': 'stolen'}}), ('DELETE', base + '/metadata/owner', None),
        ('GET', base + '/tags', None), ('PUT', base + '/tags', {'tags': ['stolen']}), ('DELETE', base + '/tags', None),
        ('GET', base + '/tags/mine', None), ('PUT', base + '/tags/stolen', None), ('DELETE', base + '/tags/mine', None),
        ('GET', base + '/os-instance-actions', None),
    ]


def test_another_projects_server_is_not_found_on_every_route(http, demo_token, owned):
    for method, path, body in _server_routes(owned['server']):
        status, _h, answer = http.call(method, path, body, headers=MV, token=owned['other'])
        assert status == 404, (method, path, status, answer)
    for path in ('/servers', '/servers/detail', '/servers?name=demo-private'):
        status, _h, listed = http.call('GET', COMPUTE + path, headers=MV, token=owned['other'])
        assert status == 200 and listed['servers'] == [], (path, listed)
    status, _h, _b = http.call('GET', COMPUTE + '/servers/detail?all_tenants=1', headers=MV, token=owned['other'])
    assert status == 403
    # the owner sees it unchanged
    server = http.call('GET', '%s/servers/%s' % (COMPUTE, owned['server']), headers=MV, token=demo_token)[2]['server']
    assert (server['name'], server['metadata'], server['tags'], server['locked']) == (
        'demo-private', {'owner': 'demo'}, ['mine'], False)


def test_another_users_keypair_is_not_found(http, demo_token, owned):
    for method in ('GET', 'DELETE'):
        status, _h, _b = http.call(method, COMPUTE + '/os-keypairs/demo-key', headers=MV, token=owned['other'])
        assert status == 404, method
    listed = http.call('GET', COMPUTE + '/os-keypairs', headers=MV, token=owned['other'])[2]
    assert listed['keypairs'] == []
    status, _h, _b = http.call('GET', COMPUTE + '/os-keypairs?user_id=anyone', token=owned['other'],
                               headers={'X-OpenStack-Nova-API-Version': '2.10'})
    assert status == 403
    assert http.call('GET', COMPUTE + '/os-keypairs/demo-key', headers=MV, token=demo_token)[0] == 200


def test_another_projects_private_image_is_not_found(api, http, demo_token, owned):
    image_path = '/image/v2/images/%s' % owned['image']
    for method in ('GET', 'DELETE'):
        assert http.call(method, image_path, token=owned['other'])[0] == 404, method
    req = urllib.request.Request(api['url'] + image_path + '/file', data=b'x' * 512, method='PUT')
    req.add_header('Content-Type', 'application/octet-stream')
    req.add_header('X-Auth-Token', owned['other'])
    try:
        code = urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30).status
    except urllib.error.HTTPError as err:
        code = err.code
    assert code == 404
    names = [i['name'] for i in http.call('GET', '/image/v2/images', token=owned['other'])[2]['images']]
    assert 'demo-private-image' not in names
    shown = http.call('GET', image_path, token=demo_token)[2]
    assert (shown['status'], shown['size']) == ('queued', None)
    # nor can it boot from it
    status, _h, _b = http.call('POST', COMPUTE + '/servers', {'server': {
        'name': 'x', 'flavorRef': '42', 'imageRef': owned['image']}}, headers=MV, token=owned['other'])
    assert status == 400


def test_a_private_flavor_is_not_found_by_other_projects(http, demo_token, owned):
    flavor_path = '%s/flavors/%s' % (COMPUTE, owned['flavor'])
    assert http.call('GET', flavor_path, headers=MV, token=owned['other'])[0] == 404
    assert http.call('GET', flavor_path, headers=MV, token=demo_token)[0] == 200
    listed = [f['id'] for f in http.call('GET', COMPUTE + '/flavors', headers=MV, token=owned['other'])[2]['flavors']]
    assert owned['flavor'] not in listed
    status, _h, _b = http.call('POST', COMPUTE + '/servers', {'server': {
        'name': 'x', 'flavorRef': owned['flavor'], 'imageRef': 'x'}}, headers=MV, token=owned['other'])
    assert status == 400
    for method, path, body in (('GET', flavor_path + '/os-flavor-access', None),
                               ('POST', flavor_path + '/action', {'addTenantAccess': {'tenant': 'mine'}}),
                               ('POST', flavor_path + '/os-extra_specs', {'extra_specs': {'hw:cpu_policy': 'shared'}}),
                               ('DELETE', flavor_path, None)):
        status, _h, _b = http.call(method, path, body, headers=MV, token=owned['other'])
        assert status in (403, 404), (method, path, status)
    assert http.call('GET', flavor_path, headers=MV, token=demo_token)[0] == 200


def test_admin_only_and_other_project_views_are_forbidden(http, owned):
    for method, path, body in (('GET', '/os-quota-sets/%s' % owned['demo_project'], None),
                               ('PUT', '/os-quota-sets/%s' % owned['demo_project'], {'quota_set': {'instances': 99}}),
                               ('DELETE', '/os-quota-sets/%s' % owned['demo_project'], None),
                               ('GET', '/os-hypervisors', None), ('GET', '/os-services', None)):
        status, _h, answer = http.call(method, COMPUTE + path, body, headers=MV, token=owned['other'])
        assert status == 403, (method, path, status, answer)
