# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's volume, snapshot, assisted-snapshot and bare metal routes (novalite has neither block storage nor a bare
metal service) and os-volumes_boot, the servers collection's alias: each one's microversion window, Nova's body and
query checks with its 400 texts, its policy, and the answer Nova gives with nothing behind the route.

Service only: the servers are rows on the session's (fake) host, no guest boots and no job starts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import urllib.parse
import uuid

import pytest

from lib.api_service import openstack

from test_compute_endpoints import _store, forget_servers, make_server, new_project

C = '/compute/v2.1'
VOLUME = '6d4fc7f7-2e55-4d93-93ad-2d06e2cbbcd1'
GONE = 'The resource could not be found.'


def version(minor):
    return {'OpenStack-API-Version': 'compute 2.%d' % minor}


def _user_with_role(api, http, project, role):
    """A token of a new user of ``project`` with only ``role``."""
    from novalite_api import accounts
    store = _store(api)
    try:
        accounts.ensure_roles(store, (role,))
        name, password = '%s-%s' % (role, uuid.uuid4().hex[:8]), 'pw-%s' % uuid.uuid4().hex
        accounts.create_user(store, name, password, default_project=project['name'])
        accounts.assign_role(store, name, project['name'], role)
    finally:
        store.dispose()
    return http.token(name, password, project['name'])


@pytest.fixture(scope='module')
def owner(api, http):
    """A project with a member token, a reader-only token and a service-role token."""
    info = new_project(api, http, unlimited=True)
    info['reader'] = _user_with_role(api, http, info, 'reader')
    info['service'] = _user_with_role(api, http, info, 'service')
    yield info
    forget_servers(api, info)


def _message(body):
    return next(iter(body.values()))['message']


# ---- os-volumes and os-snapshots (2.1 - 2.35) ---------------------------------------------------

@pytest.mark.parametrize('kind, key', [('os-volumes', 'volumes'), ('os-snapshots', 'snapshots')])
def test_lists_are_empty_until_2_35_then_404(http, owner, kind, key):
    for path in (C + '/' + kind, C + '/%s/detail' % kind, C + '/%s/detail?limit=3&offset=1&x=1' % kind):
        for minor in (1, 35):
            status, _h, body = http.call('GET', path, headers=version(minor), token=owner['token'])
            assert (status, body) == (200, {key: []}), (path, minor)
            assert http.call('GET', path, headers=version(minor), token=owner['reader'])[0] == 200
        status, _h, body = http.call('GET', path, headers=version(36), token=owner['token'])
        assert (status, _message(body)) == (404, GONE)
    status, _h, body = http.call('GET', C + '/%s?limit=-1' % kind, token=owner['token'])
    assert (status, _message(body)) == (400, "Invalid input for query parameters limit. Value: -1. '-1' does not "
                                             "match '^[0-9]*$'")
    status, _h, body = http.call('GET', C + '/%s/detail?offset=1&offset=a' % kind, token=owner['token'])
    assert (status, _message(body)) == (400, "Invalid input for query parameters offset. Value: a. 'a' does not "
                                             "match '^[0-9]*$'")
    # the window comes before the query check, as Nova's version dispatch comes before its validation
    assert http.call('GET', C + '/%s?limit=-1' % kind, headers=version(36), token=owner['token'])[0] == 404


@pytest.mark.parametrize('kind, missing', [('os-volumes', 'Volume %s could not be found.'),
                                           ('os-snapshots', 'Snapshot %s could not be found.')])
def test_show_and_delete_find_nothing(http, owner, kind, missing):
    for ident in (VOLUME, 'not-a-uuid'):
        status, _h, body = http.call('GET', C + '/%s/%s' % (kind, ident), token=owner['token'])
        assert (status, _message(body)) == (404, missing % ident)
        status, _h, body = http.call('DELETE', C + '/%s/%s' % (kind, ident), token=owner['token'])
        assert (status, _message(body)) == (404, missing % ident)
    # delete is for members (Nova's PROJECT_MEMBER_OR_ADMIN), show for readers
    assert http.call('GET', C + '/%s/%s' % (kind, VOLUME), token=owner['reader'])[0] == 404
    assert http.call('DELETE', C + '/%s/%s' % (kind, VOLUME), token=owner['reader'])[0] == 403
    for method in ('GET', 'DELETE'):
        status, _h, body = http.call(method, C + '/%s/%s' % (kind, VOLUME), headers=version(36), token=owner['token'])
        assert (status, _message(body)) == (404, GONE)


@pytest.mark.parametrize('volume, status, text', [
    ({}, 400, "Invalid input for field/attribute volume. Value: {}. 'size' is a required property"),
    ({'size': 0}, 400, '0 is less than the minimum of 1'),
    ({'size': '0'}, 400, '0 is less than the minimum of 1'),
    ({'size': '1.5'}, 400, "'1.5' does not match '^[0-9]+$'"),
    ({'size': 1.5}, 400, "1.5 is not of type 'integer', 'string'"),
    ({'size': 1, 'name': 'x'}, 400, "Additional properties are not allowed ('name' was unexpected)"),
    ({'size': 1, 'metadata': 'x'}, 400, "'x' is not of type 'object'"),
    ({'size': 1, 'display_name': 5}, 400, "5 is not of type 'string'"),
    ({'size': 1, 'snapshot_id': 'snap-1', 'volume_type': 'lvm'}, 404, 'Snapshot snap-1 could not be found.'),
    ({'size': '2', 'display_name': 'v', 'availability_zone': 'nova', 'metadata': {'a': 1}}, 403,
     "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota 'volumes'."),
])
def test_volume_create_checks_the_body_then_the_quota_of_no_volumes(http, owner, volume, status, text):
    code, _h, body = http.call('POST', C + '/os-volumes', {'volume': volume}, token=owner['token'])
    assert code == status, body
    assert text in _message(body), body


def test_volume_create_window_policy_and_body(http, owner):
    good = {'volume': {'size': 1}}
    assert http.call('POST', C + '/os-volumes', good, token=owner['reader'])[0] == 403   # members only
    status, _h, body = http.call('POST', C + '/os-volumes', good, headers=version(36), token=owner['token'])
    assert (status, _message(body)) == (404, GONE)
    # the body is checked before the policy (Nova's decorators), both with the reader's token
    assert http.call('POST', C + '/os-volumes', {'volume': {}}, token=owner['reader'])[0] == 400
    assert http.call('POST', C + '/os-volumes', {'volume': {'size': 1}, 'x': 1}, token=owner['token'])[0] == 400
    assert http.send('POST', C + '/os-volumes', b'{"volume": ', token=owner['token'])[0] == 400


@pytest.mark.parametrize('snapshot, status, text', [
    ({}, 400, "'volume_id' is a required property"),
    ({'volume_id': 5}, 400, "5 is not of type 'string'"),
    ({'volume_id': VOLUME, 'force': 'maybe'}, 400, "Invalid input for field/attribute force. Value: maybe. 'maybe' is "
                                                   "not one of [True, 'True', "),
    ({'volume_id': VOLUME, 'display_name': 'x', 'size': 1}, 400, "('size' was unexpected)"),
    ({'volume_id': VOLUME, 'force': 'yes', 'display_name': 's', 'display_description': 'd'}, 404,
     'Volume %s could not be found.' % VOLUME),
    ({'volume_id': 'anything', 'force': False}, 404, 'Volume anything could not be found.'),
])
def test_snapshot_create_checks_the_body_then_finds_no_volume(http, owner, snapshot, status, text):
    code, _h, body = http.call('POST', C + '/os-snapshots', {'snapshot': snapshot}, token=owner['token'])
    assert code == status, body
    assert text in _message(body), body


def test_snapshot_create_window_and_policy(http, owner):
    good = {'snapshot': {'volume_id': VOLUME}}
    assert http.call('POST', C + '/os-snapshots', good, token=owner['reader'])[0] == 403
    assert http.call('POST', C + '/os-snapshots', good, headers=version(35), token=owner['token'])[0] == 404
    status, _h, body = http.call('POST', C + '/os-snapshots', good, headers=version(36), token=owner['token'])
    assert (status, _message(body)) == (404, GONE)


# ---- os-assisted-volume-snapshots (every microversion; the service role) -------------------------

CREATE_INFO = {'snapshot_id': 'snap-1', 'type': 'qcow2', 'new_file': 'volume-1.snap-1'}


def _delete_path(snapshot, **params):
    return C + '/os-assisted-volume-snapshots/%s?%s' % (snapshot, urllib.parse.urlencode(params))


def test_assisted_snapshots_are_for_the_volume_service_only(http, owner, admin_token):
    body = {'snapshot': {'volume_id': VOLUME, 'create_info': CREATE_INFO}}
    delete_info = json.dumps({'volume_id': VOLUME, 'merge_target_file': None})
    for token in (owner['token'], admin_token):   # not even an admin: Nova's SERVICE_ROLE
        assert http.call('POST', C + '/os-assisted-volume-snapshots', body, token=token)[0] == 403
        assert http.call('DELETE', _delete_path('snap-1', delete_info=delete_info), token=token)[0] == 403
    # the body is checked before the policy
    bad = {'snapshot': {'volume_id': VOLUME, 'create_info': dict(CREATE_INFO, type='raw')}}
    status, _h, answer = http.call('POST', C + '/os-assisted-volume-snapshots', bad, token=owner['token'])
    assert (status, _message(answer)) == (
        400, "Invalid input for field/attribute type. Value: raw. 'raw' is not one of ['qcow2']"), answer
    # the volume service's call finds no server with that volume, at any microversion (no window)
    for minor in (1, 36, 104):
        status, _h, answer = http.call('POST', C + '/os-assisted-volume-snapshots', body, headers=version(minor),
                                       token=owner['service'])
        assert (status, _message(answer)) == (400, 'No volume Block Device Mapping with id %s.' % VOLUME)
        status, _h, answer = http.call('DELETE', _delete_path('snap-1', delete_info=delete_info),
                                       headers=version(minor), token=owner['service'])
        assert (status, _message(answer)) == (400, 'No volume Block Device Mapping with id %s.' % VOLUME)


@pytest.mark.parametrize('create_info, field', [
    ({'snapshot_id': 'a', 'type': 'qcow2'}, "'new_file' is a required property"),
    (dict(CREATE_INFO, snapshot_id=''), 'Invalid input for field/attribute snapshot_id. Value: . '),
    (dict(CREATE_INFO, extra=1), "('extra' was unexpected)"),
    (dict(CREATE_INFO, id=''), 'Invalid input for field/attribute id. Value: . '),
])
def test_assisted_snapshot_create_body(http, owner, create_info, field):
    body = {'snapshot': {'volume_id': VOLUME, 'create_info': create_info}}
    status, _h, answer = http.call('POST', C + '/os-assisted-volume-snapshots', body, token=owner['service'])
    assert status == 400 and field in _message(answer), answer
    status, _h, answer = http.call('POST', C + '/os-assisted-volume-snapshots', {'snapshot': {
        'volume_id': '', 'create_info': CREATE_INFO}}, token=owner['service'])
    assert status == 400 and 'Invalid input for field/attribute volume_id. Value: . ' in _message(answer), answer


@pytest.mark.parametrize('params, text', [
    ({}, "'delete_info'"),
    ({'delete_info': 'not json'}, 'Expecting value: line 1 column 1 (char 0)'),
    ({'delete_info': '{"file_to_merge": "a"}'}, "'volume_id'"),
    ({'delete_info': '[1]'}, 'delete_info must be a JSON object, not list'),
    ({'delete_info': '{"volume_id": "v-9"}'}, 'No volume Block Device Mapping with id v-9.'),
])
def test_assisted_snapshot_delete_reads_delete_info_as_nova(http, owner, params, text):
    status, _h, answer = http.call('DELETE', _delete_path('snap-1', **params), token=owner['service'])
    assert (status, _message(answer)) == (400, text)


def test_assisted_snapshot_delete_query_is_strict_from_2_75(http, owner):
    path = _delete_path('snap-1', delete_info='{"volume_id": "v-1"}', other='x')
    status, _h, answer = http.call('DELETE', path, headers=version(74), token=owner['service'])
    assert (status, _message(answer)) == (400, 'No volume Block Device Mapping with id v-1.')
    status, _h, answer = http.call('DELETE', path, headers=version(75), token=owner['service'])
    assert status == 400 and "'other' was unexpected" in _message(answer), answer
    # the last of several values, as Nova's webob reads them
    path = C + '/os-assisted-volume-snapshots/s?delete_info=%s&delete_info=%s' % (
        urllib.parse.quote('{"volume_id": "first"}'), urllib.parse.quote('{"volume_id": "last"}'))
    assert _message(http.call('DELETE', path, token=owner['service'])[2]) == \
        'No volume Block Device Mapping with id last.'


# ---- os-baremetal-nodes (2.1 - 2.35; admin; no Ironic) --------------------------------------------

def test_baremetal_list_and_show_are_admin_only_and_not_implemented(http, owner, admin_token):
    node = str(uuid.uuid4())
    for path in (C + '/os-baremetal-nodes', C + '/os-baremetal-nodes/' + node):
        assert http.call('GET', path, token=owner['token'])[0] == 403
        for minor in (1, 35):
            status, _h, body = http.call('GET', path, headers=version(minor), token=admin_token)
            assert (status, body) == (501, {'notImplemented': {
                'code': 501, 'message': 'The requested functionality is not supported.'}})
        status, _h, body = http.call('GET', path, headers=version(36), token=admin_token)
        assert (status, _message(body)) == (404, GONE)


def test_baremetal_changes_go_to_ironic(http, owner, admin_token):
    node = str(uuid.uuid4())
    base = C + '/os-baremetal-nodes'
    calls = (('POST', base, {'node': {'cpus': 1}}, 'node-create'), ('POST', base, None, 'node-create'),
             ('DELETE', base + '/' + node, None, 'node-delete'),
             ('POST', base + '/%s/action' % node, {'add_interface': {'address': 'aa:bb'}}, 'port-create'),
             ('POST', base + '/%s/action' % node, {'remove_interface': None}, 'port-delete'))
    for method, path, body, command in calls:
        for token in (owner['token'], admin_token):   # no policy on these, as Nova
            status, _h, answer = http.call(method, path, body, token=token)
            assert (status, _message(answer)) == (
                400, 'Command not supported. Please use Ironic command %s to perform this action.' % command)
        status, _h, answer = http.call(method, path, body, headers=version(36), token=admin_token)
        assert (status, _message(answer)) == (404, GONE)
    # Nova looks the action up first: an unknown one is a 400 at any microversion
    for minor in (1, 36):
        status, _h, answer = http.call('POST', base + '/%s/action' % node, {'reboot': None}, headers=version(minor),
                                       token=admin_token)
        assert (status, _message(answer)) == (400, 'There is no such action: reboot')
    status, _h, answer = http.call('POST', base + '/%s/action' % node, {'a': 1, 'b': 2}, token=admin_token)
    assert (status, _message(answer)) == (400, 'Malformed message body: too many body keys')
    status, _h, answer = http.send('POST', base, b'{"node"', token=admin_token)
    assert (status, _message(answer)) == (400, 'Malformed request body')


# ---- os-volumes_boot: /servers under another name, until 2.102 ------------------------------------

@pytest.fixture(scope='module')
def booted(api, http, owner):
    """Two server rows of ``owner``'s project: one active, one stopped."""
    return {'active': make_server(api, owner, name='vb-active'),
            'stopped': make_server(api, owner, name='vb-stopped', vm_state='stopped', power_state=4)}


@pytest.mark.parametrize('minor', [1, 47, 102])
def test_volumes_boot_answers_as_servers(http, owner, booted, minor):
    for alias, twin in (('/os-volumes_boot', '/servers'), ('/os-volumes_boot/detail', '/servers/detail'),
                        ('/os-volumes_boot/%s' % booted['active']['uuid'], '/servers/%s' % booted['active']['uuid'])):
        status, _h, body = http.call('GET', C + alias, headers=version(minor), token=owner['token'])
        assert status == 200, body
        assert body == http.call('GET', C + twin, headers=version(minor), token=owner['token'])[2]
    # a full page links the next one in /servers, as Nova's view builder does
    status, _h, body = http.call('GET', C + '/os-volumes_boot/detail?limit=1', headers=version(minor),
                                 token=owner['token'])
    assert status == 200 and '/v2.1/servers/detail?limit=1&marker=' in body['servers_links'][0]['href'], body


def test_volumes_boot_is_gone_from_2_103(http, owner, booted):
    server = booted['active']['uuid']
    for method, path, body in (('GET', '/os-volumes_boot', None), ('GET', '/os-volumes_boot/detail', None),
                               ('POST', '/os-volumes_boot', {'server': {}}),
                               ('GET', '/os-volumes_boot/' + server, None),
                               ('PUT', '/os-volumes_boot/' + server, {'server': {'name': 'x'}}),
                               ('DELETE', '/os-volumes_boot/' + server, None),
                               ('POST', '/os-volumes_boot/%s/action' % server, {'os-stop': None})):
        for minor in (103, 104):
            status, _h, answer = http.call(method, C + path, body, headers=version(minor), token=owner['token'])
            assert (status, _message(answer)) == (404, GONE), (method, path)
    # unknown query parameters: refused at 2.102 (as every API), but 2.103's 404 comes first
    assert http.call('GET', C + '/os-volumes_boot/%s?x=1' % server, headers=version(102),
                     token=owner['token'])[0] == 400
    assert http.call('GET', C + '/os-volumes_boot/%s?x=1' % server, headers=version(103),
                     token=owner['token'])[0] == 404
    # the server is still there under /servers
    assert http.call('GET', C + '/servers/' + server, headers=version(103), token=owner['token'])[0] == 200


def test_volumes_boot_update_create_and_actions_are_the_servers_handlers(http, owner, booted):
    server = booted['active']['uuid']
    status, _h, body = http.call('PUT', C + '/os-volumes_boot/' + server, {'server': {'name': 'vb-renamed'}},
                                 headers=version(19), token=owner['token'])
    assert (status, body['server']['name']) == (200, 'vb-renamed'), body
    assert http.call('GET', C + '/servers/' + server, token=owner['token'])[2]['server']['name'] == 'vb-renamed'
    # create: the servers body checks, with their texts
    bad = {'server': {'name': 'x', 'flavorRef': '1'}}
    alias = http.call('POST', C + '/os-volumes_boot', bad, token=owner['token'])
    twin = http.call('POST', C + '/servers', bad, token=owner['token'])
    assert (alias[0], alias[2]) == (twin[0], twin[2]) and alias[0] == 400
    # the servers controller's own actions go through (state checked as /servers does) ...
    status, _h, answer = http.call('POST', C + '/os-volumes_boot/%s/action' % booted['stopped']['uuid'],
                                   {'os-stop': None}, token=owner['token'])
    assert status == 409 and 'vm_state stopped' in _message(answer), answer
    status, _h, answer = http.call('POST', C + '/os-volumes_boot/%s/action' % uuid.uuid4(), {'reboot': {
        'type': 'HARD'}}, token=owner['token'])
    assert status == 404 and 'could not be found' in _message(answer), answer
    # ... the other controllers' actions are not on the alias (Nova's VolumesBootController has none of them)
    for name in ('pause', 'lock', 'os-getConsoleOutput', 'shelve'):
        status, _h, answer = http.call('POST', C + '/os-volumes_boot/%s/action' % server, {name: None},
                                       token=owner['token'])
        assert (status, _message(answer)) == (400, 'There is no such action: %s' % name)


def test_volumes_boot_through_openstacksdk(api, owner, booted):
    """openstacksdk's Server resource listed from the alias: the servers a Nova client sees there."""
    import openstack as sdk_lib
    from openstack import config as sdk_config
    from openstack.compute.v2 import server as sdk_server
    saved = dict((k, os.environ.get(k)) for k in ('no_proxy', 'NO_PROXY'))
    os.environ['no_proxy'] = os.environ['NO_PROXY'] = '127.0.0.1'
    try:
        conn = sdk_lib.connection.Connection(config=sdk_config.OpenStackConfig(
            config_files=[api['clouds']]).get_one('novalite'))
        try:
            listed = list(sdk_server.Server.list(conn.compute, base_path='/os-volumes_boot/detail',
                                                 all_projects=True, project_id=owner['id']))
            assert dict((s.id, s.status) for s in listed) == {booted['active']['uuid']: 'ACTIVE',
                                                              booted['stopped']['uuid']: 'SHUTOFF'}
        finally:
            conn.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ---- the extensions Nova lists for them ------------------------------------------------------------

def test_cli_lists_their_extensions(api, http, owner):
    rc, out, err = openstack(api, '--os-compute-api-version', '2.1', 'extension', 'list', '--compute',
                             cloud='novalite-demo')
    assert rc == 0, err
    aliases = [row['Alias'] for row in out]
    for alias in ('os-volumes', 'os-assisted-volume-snapshots', 'os-baremetal-nodes', 'os-volume-attachment-update'):
        assert alias in aliases
    status, _h, body = http.call('GET', C + '/extensions/os-volumes', token=owner['token'])
    assert (status, body['extension']['name']) == (200, 'Volumes')
