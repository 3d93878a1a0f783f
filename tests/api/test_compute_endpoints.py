# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Compute endpoints beyond the read-only 2.1 set: PUT server, metadata, tags, instance actions,
quota sets + limits, flavor management, and the speed of a 1,000-server detail listing.

Servers are rows made through conductor.create_servers + instances.update (no VM), in a project
of their own so the session's other tests keep seeing exactly what they expect.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import openstack

V = {'OpenStack-API-Version': 'compute 2.38'}


def _store(api):
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    return Store(api['cfg']['database_url'])


def new_project(api, http, unlimited=False):
    """A project ``ce-…`` with a member user (dict: id, name, user_id, token, servers)."""
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    store = _store(api)
    name = 'ce-%s' % uuid.uuid4().hex[:8]
    made = accounts.create_project(store, name)
    password = 'pw-%s' % uuid.uuid4().hex
    user = accounts.create_user(store, name, password, default_project=name)
    accounts.assign_role(store, name, name, 'member')
    if unlimited:
        quotas.set_limits(store, made['id'], {'instances': -1, 'cores': -1, 'ram': -1})
    store.dispose()
    return {'id': made['id'], 'name': name, 'user_id': user['id'], 'token': http.token(name, password, name),
            'servers': []}


def forget_servers(api, project):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = _store(api)
    with store.begin() as conn:
        for server in project['servers']:
            instances.mark_deleted(conn, server)
    store.dispose()


@pytest.fixture(scope='module')
def project(api, http):
    """A project with no instance quota; its servers are marked deleted afterwards."""
    info = new_project(api, http, unlimited=True)
    yield info
    forget_servers(api, info)


@pytest.fixture
def quota_project(api, http):
    """A project at Nova's default quotas, with one server."""
    info = new_project(api, http)
    make_server(api, info)
    yield info
    forget_servers(api, info)


def live_count(http, project):
    _s, _h, body = http.call('GET', '/compute/v2.1/servers', token=project['token'])
    return len(body['servers'])


def make_server(api, project, name=None, count=1, **state):
    """Server rows in ``project`` (ACTIVE on the session's host unless ``state`` says otherwise)."""
    from ansible_collections.novalite.compute.plugins.module_utils import states
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
    store = _store(api)
    ctx = Context(user_id=project['user_id'], project_id=project['id'], is_admin=False,
                  roles=['member', 'reader'])
    request = {'name': name or 'ce-vm-%s' % uuid.uuid4().hex[:6], 'flavor': '1', 'image': api['public_image']['id'],
               'min_count': count, 'max_count': count}
    rows = conductor.create_servers(store, ctx, request, enforce_quota=True)
    values = dict(vm_state=states.ACTIVE, task_state=None, power_state=states.RUNNING, host=api['host'],
                  node=api['server']['node'], launched_at=utcnow())
    values.update(state)
    out = [instances.update(store, r['uuid'], **values) for r in rows]
    store.dispose()
    project['servers'].extend(r['uuid'] for r in out)
    return out if count > 1 else out[0]


# ---- PUT /servers/{id} ------------------------------------------------------------------------

def test_update_server_name_access_ips_description(api, http, project):
    server = make_server(api, project)
    path = '/compute/v2.1/servers/%s' % server['uuid']
    status, _h, body = http.call('PUT', path, {'server': {'name': 'renamed', 'accessIPv4': '10.0.0.9',
                                                          'accessIPv6': 'fe80::1', 'description': 'web'}},
                                 headers={'OpenStack-API-Version': 'compute 2.19'}, token=project['token'])
    assert status == 200, body
    got = body['server']
    assert (got['name'], got['accessIPv4'], got['accessIPv6'], got['description']) == (
        'renamed', '10.0.0.9', 'fe80::1', 'web')
    # Below 2.75 the update answer is the basic view: no extension attributes.
    assert set(got) == {'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata', 'hostId', 'image', 'flavor',
                        'created', 'updated', 'addresses', 'accessIPv4', 'accessIPv6', 'links',
                        'OS-DCF:diskConfig', 'progress', 'locked', 'description'}
    _s, _h, shown = http.call('GET', path, headers={'OpenStack-API-Version': 'compute 2.19'},
                              token=project['token'])
    assert shown['server']['name'] == 'renamed' and shown['server']['description'] == 'web'


@pytest.mark.parametrize('body,version,message', [
    # Nova's texts: the last key of the error's path, the value as str(), jsonschema's reason
    ({'server': {'description': 'x'}}, '2.18', "Invalid input for field/attribute server. Value: {'description': "
                                               "'x'}. Additional properties are not allowed ('description' was "
                                               "unexpected)"),
    ({'server': {'accessIPv4': 'not-an-ip'}}, '2.38',
     "Invalid input for field/attribute accessIPv4. Value: not-an-ip. 'not-an-ip' is not a 'ipv4'"),
    ({'server': {'name': ''}}, '2.38', "Invalid input for field/attribute name. Value: . '' should be non-empty"),
    ({'server': {'name': 'x', 'color': 'blue'}}, '2.38',
     "Invalid input for field/attribute server. Value: {'name': 'x', 'color': 'blue'}. Additional properties are "
     "not allowed ('color' was unexpected)"),
    ({'nothing': {}}, '2.38', "'server' is a required property"),
])
def test_bad_update_is_400_and_changes_nothing(api, http, project, body, version, message):
    server = make_server(api, project)
    path = '/compute/v2.1/servers/%s' % server['uuid']
    status, _h, err = http.call('PUT', path, body, headers={'OpenStack-API-Version': 'compute %s' % version},
                                token=project['token'])
    assert status == 400
    assert err == {'badRequest': {'code': 400, 'message': message}}
    _s, _h, shown = http.call('GET', path, token=project['token'])
    assert shown['server']['name'] == server['display_name'] and shown['server']['accessIPv4'] == ''


def test_update_of_another_projects_server_is_404(api, http, demo_token):
    status, _h, body = http.call('PUT', '/compute/v2.1/servers/%s' % api['server']['uuid'],
                                 {'server': {'name': 'stolen'}}, token=demo_token)
    assert status == 404 and body['itemNotFound']['code'] == 404


def test_cli_server_set_name_and_property(api, project):
    server = make_server(api, project)
    rc, _out, err = openstack(api, 'server', 'set', '--name', 'cli-renamed', '--property', 'role=db',
                              server['uuid'], as_json=False)
    assert rc == 0, err
    rc, out, err = openstack(api, 'server', 'show', server['uuid'])
    assert rc == 0, err
    assert out['name'] == 'cli-renamed'
    assert out['properties'] in ({'role': 'db'}, "role='db'")


# ---- metadata ---------------------------------------------------------------------------------

def test_metadata_crud(api, http, project):
    server = make_server(api, project)
    base = '/compute/v2.1/servers/%s/metadata' % server['uuid']
    tok = project['token']
    assert http.call('GET', base, token=tok)[2] == {'metadata': {}}
    status, _h, body = http.call('POST', base, {'metadata': {'a': '1', 'b': '2'}}, token=tok)
    assert status == 200 and body == {'metadata': {'a': '1', 'b': '2'}}
    status, _h, body = http.call('POST', base, {'metadata': {'b': '3', 'c': '4'}}, token=tok)
    assert body == {'metadata': {'a': '1', 'b': '3', 'c': '4'}}
    status, _h, body = http.call('PUT', base, {'metadata': {'only': 'this'}}, token=tok)
    assert status == 200 and body == {'metadata': {'only': 'this'}}
    status, _h, body = http.call('PUT', base + '/k', {'meta': {'k': 'v'}}, token=tok)
    assert status == 200 and body == {'meta': {'k': 'v'}}
    assert http.call('GET', base + '/k', token=tok)[2] == {'meta': {'k': 'v'}}
    status, _h, body = http.call('PUT', base + '/k', {'meta': {'other': 'v'}}, token=tok)
    assert status == 400 and body['badRequest']['message'] == 'Request body and URI mismatch'
    status, _h, body = http.call('PUT', base + '/k', {'meta': {'k': 'v', 'j': 'w'}}, token=tok)
    assert status == 400
    assert http.call('DELETE', base + '/k', token=tok)[0] == 204
    status, _h, body = http.call('GET', base + '/k', token=tok)
    assert status == 404 and body['itemNotFound']['message'] == 'Metadata item was not found'
    assert http.call('DELETE', base + '/k', token=tok)[0] == 404
    assert http.call('GET', base, token=tok)[2] == {'metadata': {'only': 'this'}}


def test_metadata_quota_is_403_and_keeps_the_old_items(api, http, project):
    server = make_server(api, project)
    base = '/compute/v2.1/servers/%s/metadata' % server['uuid']
    http.call('PUT', base, {'metadata': {'keep': 'me'}}, token=project['token'])
    too_many = dict(('k%03d' % i, 'v') for i in range(129))
    status, _h, body = http.call('PUT', base, {'metadata': too_many}, token=project['token'])
    assert status == 403
    assert body['forbidden']['message'] == 'Maximum number of metadata items exceeds 128'
    exactly = dict(('k%03d' % i, 'v') for i in range(127))
    status, _h, body = http.call('POST', base, {'metadata': exactly}, token=project['token'])
    assert status == 200 and len(body['metadata']) == 128
    status, _h, body = http.call('POST', base, {'metadata': {'one-more': 'x'}}, token=project['token'])
    assert status == 403
    assert len(http.call('GET', base, token=project['token'])[2]['metadata']) == 128


@pytest.mark.parametrize('body,message', [
    ({'metadata': {'k': 1}}, "Invalid input for field/attribute k. Value: 1. 1 is not of type 'string'"),
    ({'metadata': {'': 'v'}}, "Invalid input for field/attribute metadata. Value: {'': 'v'}. '' does not match any "
                              "of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"),
    ({'metadata': {'k': 'x' * 256}}, "Invalid input for field/attribute k. Value: %s. '%s' is too long"
     % ('x' * 256, 'x' * 256)),
    ({'metadata': 'flat'}, "Invalid input for field/attribute metadata. Value: flat. 'flat' is not of type 'object'"),
    ({'meta': {}}, "'metadata' is a required property"),
])
def test_bad_metadata_body_is_400(api, http, project, body, message):
    server = make_server(api, project)
    status, _h, err = http.call('POST', '/compute/v2.1/servers/%s/metadata' % server['uuid'], body,
                                token=project['token'])
    assert status == 400 and err['badRequest']['message'] == message


def test_metadata_of_locked_or_building_server_is_409(api, http, project, admin_token):
    locked = make_server(api, project, locked=True, locked_by='admin')
    status, _h, body = http.call('POST', '/compute/v2.1/servers/%s/metadata' % locked['uuid'],
                                 {'metadata': {'a': 'b'}}, token=project['token'])
    assert status == 409 and 'is locked' in body['conflictingRequest']['message']
    # Admins pass the lock check (Nova's check_instance_lock).
    status, _h, body = http.call('POST', '/compute/v2.1/servers/%s/metadata' % locked['uuid'],
                                 {'metadata': {'a': 'b'}}, token=admin_token)
    assert status == 200 and body == {'metadata': {'a': 'b'}}
    building = make_server(api, project, vm_state='building', task_state='spawning')
    status, _h, body = http.call('DELETE', '/compute/v2.1/servers/%s/metadata/x' % building['uuid'],
                                 token=project['token'])
    assert status == 404   # no such key: Nova answers that before the state check
    status, _h, body = http.call('PUT', '/compute/v2.1/servers/%s/metadata/x' % building['uuid'],
                                 {'meta': {'x': 'y'}}, token=project['token'])
    assert status == 409
    assert body['conflictingRequest']['message'] == (
        "Cannot 'update metadata' instance %s while it is in vm_state building" % building['uuid'])


# ---- tags (2.26) ------------------------------------------------------------------------------

def test_tags_crud_and_filters(api, http, project):
    one, two = make_server(api, project, count=2)
    tok = project['token']
    t26 = {'OpenStack-API-Version': 'compute 2.26'}
    base1 = '/compute/v2.1/servers/%s/tags' % one['uuid']
    base2 = '/compute/v2.1/servers/%s/tags' % two['uuid']
    assert http.call('GET', base1, token=tok, headers=V)[2] == {'tags': []}
    status, _h, body = http.call('PUT', base1, {'tags': ['web', 'prod', 'web']}, token=tok, headers=t26)
    assert status == 200 and body == {'tags': ['web', 'prod']}
    status, headers, _b = http.call('PUT', base2 + '/db', token=tok, headers=t26)
    assert status == 201 and headers['Location'].endswith('/servers/%s/tags/db' % two['uuid'])
    assert http.call('PUT', base2 + '/db', token=tok, headers=t26)[0] == 204
    http.call('PUT', base2 + '/prod', token=tok, headers=t26)
    assert http.call('GET', base2 + '/db', token=tok, headers=t26)[0] == 204
    assert http.call('GET', base2 + '/web', token=tok, headers=t26)[0] == 404

    def names(query):
        _s, _h, listed = http.call('GET', '/compute/v2.1/servers?%s' % query, token=tok, headers=t26)
        return sorted(s['id'] for s in listed['servers'] if s['id'] in (one['uuid'], two['uuid']))
    assert names('tags=prod') == sorted([one['uuid'], two['uuid']])
    assert names('tags=prod,web') == [one['uuid']]
    assert names('tags-any=db,web') == sorted([one['uuid'], two['uuid']])
    assert names('not-tags=prod,web') == [two['uuid']]
    assert names('not-tags-any=web') == [two['uuid']]
    _s, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % one['uuid'], token=tok, headers=t26)
    assert shown['server']['tags'] == ['web', 'prod']
    assert http.call('DELETE', base1 + '/web', token=tok, headers=t26)[0] == 204
    assert http.call('DELETE', base1 + '/web', token=tok, headers=t26)[0] == 404
    assert http.call('DELETE', base1, token=tok, headers=t26)[0] == 204
    assert http.call('GET', base1, token=tok, headers=t26)[2] == {'tags': []}
    # Below 2.26 the resource does not exist.
    assert http.call('GET', base1, token=tok, headers={'OpenStack-API-Version': 'compute 2.25'})[0] == 404


def test_tag_limits(api, http, project):
    server = make_server(api, project)
    base = '/compute/v2.1/servers/%s/tags' % server['uuid']
    tok = project['token']
    status, _h, body = http.call('PUT', base, {'tags': ['t%d' % i for i in range(51)]}, token=tok, headers=V)
    assert status == 400 and 'is too long' in body['badRequest']['message']
    status, _h, body = http.call('PUT', base, {'tags': ['a/b']}, token=tok, headers=V)
    assert status == 400
    status, _h, body = http.call('PUT', base, {'tags': ['x' * 61]}, token=tok, headers=V)
    assert status == 400
    assert http.call('PUT', base + '/a,b', token=tok, headers=V)[0] == 400
    assert http.call('PUT', base, {'tags': ['t%d' % i for i in range(50)]}, token=tok, headers=V)[0] == 200
    status, _h, body = http.call('PUT', base + '/one-more', token=tok, headers=V)
    assert status == 400
    assert body['badRequest']['message'] == 'The number of tags exceeded the per-server limit 50'
    assert len(http.call('GET', base, token=tok, headers=V)[2]['tags']) == 50


def test_tags_of_building_server_is_409(api, http, project):
    building = make_server(api, project, vm_state='building', task_state='spawning')
    status, _h, body = http.call('PUT', '/compute/v2.1/servers/%s/tags/x' % building['uuid'],
                                 token=project['token'], headers=V)
    assert status == 409 and 'vm_state building' in body['conflictingRequest']['message']


# ---- instance actions -------------------------------------------------------------------------

def _record_action(api, server_uuid, project):
    """A finished 'stop' action with one event that failed (traceback + an artifacts dir in details)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = _store(api)
    request_id = 'req-%s' % uuid.uuid4()
    with store.begin() as conn:
        instances.action_start(conn, server_uuid, 'stop', request_id, project['user_id'], project['id'])
        instances.event_start(conn, server_uuid, request_id, 'compute_stop_instance', host=api['host'],
                              details='/var/lib/novalite/api-jobs/secret-artifacts')
        instances.event_finish(conn, server_uuid, request_id, 'compute_stop_instance', result='Error',
                               traceback='Traceback: boom')
    store.dispose()
    return request_id


def test_instance_actions_list_show_and_event_visibility(api, http, project, admin_token):
    server = make_server(api, project)
    request_id = _record_action(api, server['uuid'], project)
    base = '/compute/v2.1/servers/%s/os-instance-actions' % server['uuid']
    status, _h, body = http.call('GET', base, token=project['token'])
    assert status == 200
    listed = body['instanceActions']
    assert [a['action'] for a in listed] == ['stop', 'create']   # newest first
    assert set(listed[0]) == {'action', 'instance_uuid', 'message', 'project_id', 'request_id', 'start_time',
                              'user_id'}
    assert listed[0]['request_id'] == request_id and listed[0]['message'] == 'Error'
    status, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=project['token'], headers=V)
    assert status == 200
    # Below 2.51 only admins (os-instance-actions:events) get the events.
    assert set(body['instanceAction']) == set(listed[0])
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=admin_token, headers=V)
    event = body['instanceAction']['events'][0]
    assert set(event) == {'event', 'start_time', 'finish_time', 'result', 'traceback'}
    assert event['result'] == 'Error' and event['traceback'] == 'Traceback: boom'
    assert 'secret-artifacts' not in str(body)
    status, _h, body = http.call('GET', '%s/req-%s' % (base, uuid.uuid4()), token=project['token'])
    assert status == 404 and body['itemNotFound']['message'].startswith('Action req-')


def test_instance_actions_from_2_51_2_58_2_62(api, http, project, admin_token):
    server = make_server(api, project)
    request_id = _record_action(api, server['uuid'], project)
    base = '/compute/v2.1/servers/%s/os-instance-actions' % server['uuid']
    # 2.51: the owner sees the events too, without tracebacks; 2.62 adds hostId (and host for admins).
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=project['token'], headers=_at('2.51'))
    assert [set(e) for e in body['instanceAction']['events']] == [{'event', 'start_time', 'finish_time', 'result'}]
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=project['token'], headers=_at('2.62'))
    event = body['instanceAction']['events'][0]
    assert set(event) == {'event', 'start_time', 'finish_time', 'result', 'hostId'}
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=admin_token, headers=_at('2.62'))
    assert set(body['instanceAction']['events'][0]) == {'event', 'start_time', 'finish_time', 'result', 'traceback',
                                                        'host', 'hostId'}
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=admin_token, headers=_at('2.84'))
    # 2.84, for admins (events:details): a failed event's message, never the run's artifacts directory
    assert body['instanceAction']['events'][0]['details'] == 'Traceback: boom'
    _s, _h, body = http.call('GET', '%s/%s' % (base, request_id), token=project['token'], headers=_at('2.84'))
    assert 'details' not in body['instanceAction']['events'][0]
    # 2.58: updated_at, paging by request id, changes-since.
    _s, _h, body = http.call('GET', base + '?limit=1', token=project['token'], headers=_at('2.58'))
    assert [a['request_id'] for a in body['instanceActions']] == [request_id]
    assert 'updated_at' in body['instanceActions'][0] and body['links'][0]['rel'] == 'next'
    _s, _h, body = http.call('GET', base + '?marker=%s' % request_id, token=project['token'], headers=_at('2.58'))
    assert [a['action'] for a in body['instanceActions']] == ['create']
    assert http.call('GET', base + '?marker=req-nope', token=project['token'], headers=_at('2.58'))[0] == 400
    _s, _h, body = http.call('GET', base + '?changes-since=2999-01-01T00:00:00Z', token=project['token'],
                             headers=_at('2.58'))
    assert body['instanceActions'] == []
    status, _h, body = http.call('GET', base + '?limit=1', token=project['token'], headers=_at('2.57'))
    assert status == 200 and len(body['instanceActions']) == 2 and 'updated_at' not in body['instanceActions'][0]


def test_deleted_server_actions_need_2_21(api, http, project):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    server = make_server(api, project)
    store = _store(api)
    with store.begin() as conn:
        instances.mark_deleted(conn, server['uuid'])
    store.dispose()
    base = '/compute/v2.1/servers/%s/os-instance-actions' % server['uuid']
    assert http.call('GET', base, token=project['token'],
                     headers={'OpenStack-API-Version': 'compute 2.20'})[0] == 404
    status, _h, body = http.call('GET', base, token=project['token'],
                                 headers={'OpenStack-API-Version': 'compute 2.21'})
    assert status == 200 and [a['action'] for a in body['instanceActions']] == ['create']


def test_cli_server_event_list(api, project):
    server = make_server(api, project)
    request_id = _record_action(api, server['uuid'], project)
    rc, out, err = openstack(api, 'server', 'event', 'list', server['uuid'])
    assert rc == 0, err
    assert [e['Action'] for e in out] == ['stop', 'create'] and out[0]['Request ID'] == request_id


# ---- quotas and limits ------------------------------------------------------------------------

def test_quota_set_show_detail_defaults(api, http, quota_project, admin_token):
    pid = quota_project['id']
    status, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % pid, token=quota_project['token'])
    assert status == 200
    assert body['quota_set'] == {
        'id': pid, 'cores': 20, 'fixed_ips': -1, 'floating_ips': 10, 'injected_file_content_bytes': 10240,
        'injected_file_path_bytes': 255, 'injected_files': 5, 'instances': 10, 'key_pairs': 100,
        'metadata_items': 128, 'ram': 51200, 'security_group_rules': 20, 'security_groups': 10,
        'server_group_members': 10, 'server_groups': 10}
    status, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s/defaults' % pid,
                                 token=quota_project['token'], headers=V)
    assert status == 200 and 'floating_ips' not in body['quota_set'] and body['quota_set']['instances'] == 10
    live = live_count(http, quota_project)
    status, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s/detail' % pid, token=admin_token,
                                 headers=V)
    assert status == 200
    assert body['quota_set']['instances'] == {'in_use': live, 'limit': 10, 'reserved': 0}
    assert body['quota_set']['cores'] == {'in_use': live, 'limit': 20, 'reserved': 0}
    # Another project's quotas are not a member's business.
    status, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % api['admin']['project']['id'],
                                 token=quota_project['token'])
    assert status == 403


def test_quota_update_limits_and_reset(api, http, quota_project, admin_token):
    pid = quota_project['id']
    path = '/compute/v2.1/os-quota-sets/%s' % pid
    status, _h, body = http.call('PUT', path, {'quota_set': {'instances': 500, 'cores': 40}},
                                 token=quota_project['token'])
    assert status == 403   # admin only
    status, _h, body = http.call('PUT', path, {'quota_set': {'instances': 50, 'ram': -1}}, token=admin_token,
                                 headers=V)
    assert status == 200 and 'id' not in body['quota_set']
    assert (body['quota_set']['instances'], body['quota_set']['ram']) == (50, -1)
    _s, _h, limits = http.call('GET', '/compute/v2.1/limits', token=quota_project['token'], headers=V)
    assert limits['limits']['absolute']['maxTotalInstances'] == 50
    assert limits['limits']['absolute']['maxTotalRAMSize'] == -1
    # Below what is in use: refused unless forced.
    used = live_count(http, quota_project)
    status, _h, body = http.call('PUT', path, {'quota_set': {'instances': 0}}, token=admin_token)
    assert used == 1
    assert status == 400 and 'must be greater than or equal to already used' in body['badRequest']['message']
    status, _h, body = http.call('PUT', path, {'quota_set': {'instances': 0, 'force': True}}, token=admin_token)
    assert status == 200 and body['quota_set']['instances'] == 0
    for bad in ({'instances': -2}, {'instances': 'many'}, {'floating_ips': 3}, {'bogus': 1}):
        status, _h, body = http.call('PUT', path, {'quota_set': bad}, token=admin_token, headers=V)
        assert status == 400, bad
    assert http.call('DELETE', path, token=admin_token)[0] == 202
    _s, _h, body = http.call('GET', path, token=admin_token, headers=V)
    assert (body['quota_set']['instances'], body['quota_set']['ram']) == (10, 51200)


def test_instance_quota_refuses_create_with_novas_message(api, http, quota_project, admin_token):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    path = '/compute/v2.1/os-quota-sets/%s' % quota_project['id']
    used = live_count(http, quota_project)
    http.call('PUT', path, {'quota_set': {'instances': used + 1}}, token=admin_token)
    try:
        make_server(api, quota_project)
        with pytest.raises(quotas.QuotaExceeded) as err:
            make_server(api, quota_project)
        assert err.value.code == 403
        assert err.value.message == ('Quota exceeded for instances: Requested 1, but already used %d of %d '
                                     'instances' % (used + 1, used + 1))
    finally:
        http.call('DELETE', path, token=admin_token)


def test_cli_quota_show_and_limits_follow_overrides(api, http, admin_token):
    demo = api['demo_project']['id']
    path = '/compute/v2.1/os-quota-sets/%s' % demo
    assert http.call('PUT', path, {'quota_set': {'instances': 3}}, token=admin_token)[0] == 200
    try:
        rc, out, err = openstack(api, 'quota', 'show', '--compute', cloud='novalite-demo')
        assert rc == 0, err
        values = dict((row['Resource'], row['Limit']) for row in out) if isinstance(out, list) else out
        assert values['instances'] == 3
        rc, out, err = openstack(api, 'limits', 'show', '--absolute', cloud='novalite-demo')
        assert rc == 0, err
        assert dict((r['Name'], r['Value']) for r in out)['max_total_instances'] == 3
    finally:
        http.call('DELETE', path, token=admin_token)


def test_cli_quota_set(api, http, admin_token):
    """`openstack quota set` resolves the project through Keystone's /v3/projects first."""
    demo = api['demo_project']['id']
    try:
        rc, _out, err = openstack(api, 'quota', 'set', '--instances', '3', 'demo', as_json=False)
        assert rc == 0, err
        _s, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % demo, token=admin_token)
        assert body['quota_set']['instances'] == 3
    finally:
        http.call('DELETE', '/compute/v2.1/os-quota-sets/%s' % demo, token=admin_token)


# ---- flavor management ------------------------------------------------------------------------

def test_flavor_create_extra_specs_access_delete(api, http, admin_token, demo_token):
    fid = 'ce-%s' % uuid.uuid4().hex[:6]
    body = {'flavor': {'name': fid, 'id': fid, 'ram': 256, 'vcpus': 1, 'disk': 1,
                       'os-flavor-access:is_public': False}}
    assert http.call('POST', '/compute/v2.1/flavors', body, token=demo_token)[0] == 403
    status, _h, made = http.call('POST', '/compute/v2.1/flavors', body, token=admin_token)
    assert status == 200 and made['flavor']['id'] == fid and made['flavor']['os-flavor-access:is_public'] is False
    status, _h, err = http.call('POST', '/compute/v2.1/flavors', body, token=admin_token)
    assert status == 409 and err['conflictingRequest']['message'] == 'Flavor with name %s already exists.' % fid
    base = '/compute/v2.1/flavors/%s' % fid
    status, _h, got = http.call('POST', base + '/os-extra_specs', {'extra_specs': {'hw:cpu_policy': 'dedicated'}},
                                token=admin_token)
    assert status == 200 and got == {'extra_specs': {'hw:cpu_policy': 'dedicated'}}
    status, _h, got = http.call('PUT', base + '/os-extra_specs/hw:numa_nodes', {'hw:numa_nodes': '1'},
                                token=admin_token)
    assert status == 200 and got == {'hw:numa_nodes': '1'}
    status, _h, err = http.call('PUT', base + '/os-extra_specs/hw:numa_nodes', {'hw:cpu_policy': 'shared'},
                                token=admin_token)
    assert status == 400 and err['badRequest']['message'] == 'Request body and URI mismatch'
    assert http.call('DELETE', base + '/os-extra_specs/hw:numa_nodes', token=admin_token)[0] == 200   # Nova: 200, not 202
    assert http.call('DELETE', base + '/os-extra_specs/hw:numa_nodes', token=admin_token)[0] == 404
    assert http.call('GET', base + '/os-extra_specs', token=admin_token)[2] == {
        'extra_specs': {'hw:cpu_policy': 'dedicated'}}
    demo = api['demo_project']['id']
    status, _h, got = http.call('POST', base + '/action', {'addTenantAccess': {'tenant': demo}}, token=admin_token)
    assert status == 200 and got == {'flavor_access': [{'flavor_id': fid, 'tenant_id': demo}]}
    assert http.call('GET', base, token=demo_token)[0] == 200   # now shared with demo
    status, _h, got = http.call('POST', base + '/action', {'addTenantAccess': {'tenant': demo}}, token=admin_token)
    assert status == 409
    status, _h, got = http.call('POST', base + '/action', {'removeTenantAccess': {'tenant': demo}},
                                token=admin_token)
    assert status == 200 and got == {'flavor_access': []}
    assert http.call('POST', base + '/action', {'removeTenantAccess': {'tenant': demo}},
                     token=admin_token)[0] == 404
    assert http.call('DELETE', base, token=demo_token)[0] == 403
    assert http.call('DELETE', base, token=admin_token)[0] == 202
    assert http.call('GET', base, token=admin_token)[0] == 404
    assert http.call('DELETE', base, token=admin_token)[0] == 404


@pytest.mark.parametrize('spelled,public', [('True', True), ('off', False), ('YES', True), ('0', False)])
def test_flavor_is_public_takes_nova_boolean_spellings(http, admin_token, spelled, public):
    fid = 'bool-%s' % uuid.uuid4().hex[:6]
    body = {'flavor': {'name': fid, 'id': fid, 'ram': 64, 'vcpus': 1, 'disk': 0, 'os-flavor-access:is_public': spelled}}
    status, _h, made = http.call('POST', '/compute/v2.1/flavors', body, token=admin_token)
    try:
        assert status == 200 and made['flavor']['os-flavor-access:is_public'] is public
    finally:
        http.call('DELETE', '/compute/v2.1/flavors/%s' % fid, token=admin_token)


def test_flavor_is_public_refuses_other_strings(http, admin_token):
    body = {'flavor': {'name': 'bool-bad', 'ram': 64, 'vcpus': 1, 'disk': 0, 'os-flavor-access:is_public': 'maybe'}}
    status, _h, err = http.call('POST', '/compute/v2.1/flavors', body, token=admin_token)
    assert status == 400 and 'is_public' in err['badRequest']['message']


def test_public_flavor_access_is_409_from_2_7(api, http, admin_token):
    body = {'addTenantAccess': {'tenant': api['demo_project']['id']}}
    status, _h, err = http.call('POST', '/compute/v2.1/flavors/1/action', body, token=admin_token,
                                headers={'OpenStack-API-Version': 'compute 2.7'})
    assert status == 409 and err['conflictingRequest']['message'] == 'Can not add access to a public flavor.'


@pytest.mark.parametrize('flavor,message', [
    ({'name': 'x', 'ram': 0, 'vcpus': 1, 'disk': 1},
     'Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1'),
    ({'name': 'x', 'ram': 64, 'vcpus': 1}, "Invalid input for field/attribute flavor. Value: {'name': 'x', 'ram': 64, "
                                           "'vcpus': 1}. 'disk' is a required property"),
    ({'name': '', 'ram': 64, 'vcpus': 1, 'disk': 1}, "Invalid input for field/attribute name. Value: . '' should be "
                                                     "non-empty"),
    ({'name': ' x', 'ram': 64, 'vcpus': 1, 'disk': 1}, "An invalid 'name' value was provided. The name must be: "
                                                       "printable characters. Can not start or end with whitespace."),
    ({'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 1, 'extra': 1},
     "Invalid input for field/attribute flavor. Value: {'name': 'x', 'ram': 64, 'vcpus': 1, 'disk': 1, 'extra': 1}. "
     "Additional properties are not allowed ('extra' was unexpected)"),
])
def test_bad_flavor_create_is_400(http, admin_token, flavor, message):
    _s, _h, before = http.call('GET', '/compute/v2.1/flavors?is_public=None', token=admin_token)
    status, _h, err = http.call('POST', '/compute/v2.1/flavors', {'flavor': flavor}, token=admin_token)
    assert status == 400 and err['badRequest']['message'] == message
    _s, _h, after = http.call('GET', '/compute/v2.1/flavors?is_public=None', token=admin_token)
    assert after == before


def test_cli_flavor_create_and_delete(api):
    name = 'cli-%s' % uuid.uuid4().hex[:6]
    rc, out, err = openstack(api, 'flavor', 'create', '--ram', '128', '--vcpus', '1', '--disk', '1',
                             '--property', 'hw:cpu_policy=shared', name)
    assert rc == 0, err
    assert out['name'] == name and out['ram'] == 128
    rc, out, err = openstack(api, 'flavor', 'show', name)
    assert rc == 0, err
    assert out['properties'] in ({'hw:cpu_policy': 'shared'}, "hw:cpu_policy='shared'")
    rc, _out, err = openstack(api, 'flavor', 'delete', name, as_json=False)
    assert rc == 0, err
    rc, _out, _err = openstack(api, 'flavor', 'show', name)
    assert rc != 0


# ---- listing speed and paging -----------------------------------------------------------------

def test_detail_listing_of_1000_servers_is_paged(api, http, admin_token):
    # How fast this is lives in benchmarks/api (GET /servers/detail, 1000 servers), not in a timed test.
    info = new_project(api, http, unlimited=True)
    bulk = info
    try:
        make_server(api, info, name='bulk', count=1000)
        path = '/compute/v2.1/servers/detail?all_tenants=1&project_id=%s' % bulk['id']
        status, _h, body = http.call('GET', path, token=admin_token, headers=V)
        assert status == 200 and len(body['servers']) == 1000
        # Nova's max_limit is 1000: a full page says where the next one starts.
        assert body['servers_links'][0]['rel'] == 'next'
        assert 'marker=%s' % body['servers'][-1]['id'] in body['servers_links'][0]['href']
        _s, _h, page = http.call('GET', path + '&limit=400', token=admin_token)
        _s, _h, page2 = http.call('GET', path + '&limit=400&marker=%s' % page['servers'][-1]['id'],
                                  token=admin_token)
        _s, _h, page3 = http.call('GET', path + '&limit=400&marker=%s' % page2['servers'][-1]['id'],
                                  token=admin_token)
        ids = [s['id'] for s in page['servers'] + page2['servers'] + page3['servers']]
        assert len(ids) == len(set(ids)) == 1000 and 'servers_links' not in page3
        assert ids == [s['id'] for s in body['servers']]
        _s, _h, named = http.call('GET', path + '&name=^bulk-99.$&sort_key=display_name&sort_dir=asc',
                                  token=admin_token)
        assert [s['name'] for s in named['servers']] == ['bulk-%d' % i for i in range(990, 1000)]
    finally:
        forget_servers(api, info)


# ---- os-resetState (openstack server set --state) ----------------------------------------------

def test_reset_state_with_the_openstack_cli(api, http, project, admin_token):
    server = make_server(api, project, task_state='rebooting')
    path = '/compute/v2.1/servers/%s' % server['uuid']
    # a member may not (Nova's os_compute_api:os-admin-actions:reset_state is admin only)
    status, _h, _b = http.call('POST', path + '/action', {'os-resetState': {'state': 'active'}},
                               token=project['token'])
    assert status == 403
    status, _h, _b = http.call('POST', path + '/action', {'os-resetState': {'state': 'stopped'}}, token=admin_token)
    assert status == 400
    rc, _out, err = openstack(api, 'server', 'set', '--auto-approve', '--state', 'error', server['uuid'],
                              as_json=False)
    assert rc == 0, err
    _s, _h, body = http.call('GET', path, token=admin_token)
    assert (body['server']['status'], body['server']['OS-EXT-STS:task_state'],
            body['server']['OS-EXT-STS:vm_state']) == ('ERROR', None, 'error')
    _s, _h, body = http.call('GET', path + '/os-instance-actions', token=admin_token)
    assert body['instanceActions'][0]['action'] == 'resetState'
    rc, _out, err = openstack(api, 'server', 'set', '--auto-approve', '--state', 'active', server['uuid'],
                              as_json=False)
    assert rc == 0, err
    _s, _h, body = http.call('GET', path, token=admin_token)
    assert body['server']['status'] == 'ACTIVE'


def test_access_ips_given_at_create_are_stored_and_shown(api, http, demo_token):
    """Nova keeps accessIPv4/accessIPv6 from the create request and shows them on the server."""
    status, _h, body = http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'with-access-ips', 'flavorRef': '42', 'imageRef': api['public_image']['id'],
        'accessIPv4': '192.0.2.10', 'accessIPv6': '2001:db8::10', 'adminPass': 'never-set'}}, token=demo_token)
    assert status == 202, body
    assert body['server']['adminPass'] == 'never-set'   # the given one (enable_instance_password, Nova's default)
    server_id = body['server']['id']
    try:
        status, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % server_id, token=demo_token)
        assert status == 200
        assert (shown['server']['accessIPv4'], shown['server']['accessIPv6']) == ('192.0.2.10', '2001:db8::10')
    finally:
        http.call('DELETE', '/compute/v2.1/servers/%s' % server_id, token=demo_token)


@pytest.mark.parametrize('action,status', [('createImage', 404), ('os-stop', 404), ('os-explode', 400)])
def test_action_on_missing_server_is_404_for_any_nova_action(http, admin_token, action, status):
    # Nova finds the server before it runs an action it knows; only a name it does not know is a 400 first.
    got, _h, body = http.call('POST', '/compute/v2.1/servers/%s/action' % uuid.uuid4(), {action: {}},
                              token=admin_token)
    assert got == status, body
    if status == 404:
        assert 'could not be found' in body['itemNotFound']['message']


def _at(version):
    return {'OpenStack-API-Version': 'compute %s' % version}


def test_tags_at_create_from_2_52(api, http, demo_token):
    body = {'server': {'name': 'tagged', 'flavorRef': '42', 'imageRef': api['public_image']['id'],
                       'networks': 'none', 'tags': ['web', 'prod', 'web']}}
    status, _h, err = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.51'), token=demo_token)
    assert status == 400 and "'tags' was unexpected" in err['badRequest']['message']
    status, _h, made = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.52'), token=demo_token)
    assert status == 202, made
    server_id = made['server']['id']
    try:
        _s, _h, shown = http.call('GET', '/compute/v2.1/servers/%s' % server_id, headers=_at('2.52'),
                                  token=demo_token)
        assert shown['server']['tags'] == ['web', 'prod']   # a repeated tag is one tag
    finally:
        http.call('DELETE', '/compute/v2.1/servers/%s' % server_id, token=demo_token)
    bad = dict(body, server=dict(body['server'], tags=['a/b']))
    status, _h, err = http.call('POST', '/compute/v2.1/servers', bad, headers=_at('2.52'), token=demo_token)
    # Nova names the last key of the error's path: here the list index
    assert status == 400 and err['badRequest']['message'] == (
        "Invalid input for field/attribute 0. Value: a/b. 'a/b' does not match '^[^,/]*$'")


def test_personality_until_2_57_with_novas_quotas(api, http, demo_token):
    import base64
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    one = {'path': '/etc/x', 'contents': base64.b64encode(b'x').decode()}
    body = {'server': {'name': 'files', 'flavorRef': '42', 'imageRef': api['public_image']['id'], 'networks': 'none',
                       'personality': [one]}}
    status, _h, made = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.56'), token=demo_token)
    assert status == 202, made
    try:
        stored = instances.get(_store(api), made['server']['id'])
        assert stored['system_metadata']['injected_files'] == [one]
    finally:
        http.call('DELETE', '/compute/v2.1/servers/%s' % made['server']['id'], token=demo_token)
    status, _h, err = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.57'), token=demo_token)
    assert status == 400 and "'personality' was unexpected" in err['badRequest']['message']
    # Nova's injected-file quotas (5 files, 255-byte paths, 10240 bytes of contents), 403 and nothing made
    before = len(http.call('GET', '/compute/v2.1/servers', token=demo_token)[2]['servers'])
    for files, message in (([one] * 6, 'Personality file limit exceeded'),
                           ([dict(one, path='/' + 'p' * 255)], 'Personality file path exceeds maximum 255'),
                           ([dict(one, contents='QUFB' * 2561)], 'Personality file content exceeds maximum 10240')):
        bad = {'server': dict(body['server'], personality=files)}
        status, _h, err = http.call('POST', '/compute/v2.1/servers', bad, headers=_at('2.56'), token=demo_token)
        assert status == 403 and err['forbidden']['message'] == message, err
    bad = {'server': dict(body['server'], personality=[dict(one, contents='not base64!')])}
    status, _h, err = http.call('POST', '/compute/v2.1/servers', bad, headers=_at('2.56'), token=demo_token)
    assert status == 400 and err['badRequest']['message'] == (
        "Invalid input for field/attribute contents. Value: not base64!. 'not base64!' is not a 'base64'"), err
    assert len(http.call('GET', '/compute/v2.1/servers', token=demo_token)[2]['servers']) == before


@pytest.mark.parametrize('version,network_tag,device_tag', [
    ('2.31', False, False), ('2.32', True, True), ('2.33', True, False), ('2.37', False, False),
    ('2.42', True, True)])
def test_device_tags_follow_nova_per_microversion(api, http, demo_token, version, network_tag, device_tag):
    """2.32 brought both tags; a bug kept the device's to 2.32 and the network's to 2.36; 2.42 restored both.
    The answer to a tag is checked on a body that is refused anyway (a flavor that does not exist)."""
    base = {'name': 'x', 'flavorRef': 'no-such-flavor', 'imageRef': api['public_image']['id'],
            'networks': [{'uuid': str(uuid.uuid4()), 'tag': 'n1'}]}
    _s, _h, err = http.call('POST', '/compute/v2.1/servers', {'server': base}, headers=_at(version), token=demo_token)
    message = err['badRequest']['message']
    # Past the schema, the create fails only on the flavor; a tag the schema refuses is a validation message.
    assert ('Invalid input for field/attribute' not in message) == network_tag, message
    device = {'uuid': str(uuid.uuid4()), 'source_type': 'image', 'destination_type': 'local', 'boot_index': 0,
              'tag': 'disk1'}
    with_device = {'name': 'x', 'flavorRef': 'no-such-flavor', 'block_device_mapping_v2': [device]}
    if version >= '2.37':
        with_device['networks'] = 'none'
    _s, _h, err = http.call('POST', '/compute/v2.1/servers', {'server': with_device}, headers=_at(version),
                            token=demo_token)
    message = err['badRequest']['message']
    assert ('Invalid input for field/attribute' not in message) == device_tag, message


def test_limits_drop_image_meta_from_2_39_and_admins_read_other_projects(api, http, admin_token, demo_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/limits', headers=_at('2.38'), token=demo_token)
    assert 'maxImageMeta' in body['limits']['absolute']
    _s, _h, body = http.call('GET', '/compute/v2.1/limits', headers=_at('2.39'), token=demo_token)
    assert 'maxImageMeta' not in body['limits']['absolute'] and 'maxServerMeta' in body['limits']['absolute']
    demo = api['demo_project']['id']
    status, _h, body = http.call('GET', '/compute/v2.1/limits?tenant_id=%s' % demo, token=admin_token)
    assert status == 200 and body['limits']['absolute']['maxTotalInstances'] >= 0
    assert http.call('GET', '/compute/v2.1/limits?tenant_id=%s' % demo, token=demo_token)[0] == 403


def test_services_update_and_ids_before_and_from_2_53(api, http, admin_token, demo_token):
    host = api['host']
    _s, _h, body = http.call('GET', '/compute/v2.1/os-services?host=%s' % host, headers=_at('2.52'),
                             token=admin_token)
    int_id = body['services'][0]['id']
    assert isinstance(int_id, int)
    _s, _h, body = http.call('GET', '/compute/v2.1/os-services?host=%s' % host, headers=_at('2.53'),
                             token=admin_token)
    service_uuid = body['services'][0]['id']
    uuid.UUID(service_uuid)
    try:
        # Before 2.53: actions on (host, binary).
        status, _h, body = http.call('PUT', '/compute/v2.1/os-services/disable-log-reason',
                                     {'host': host, 'binary': 'nova-compute', 'disabled_reason': 'maintenance'},
                                     headers=_at('2.52'), token=admin_token)
        assert status == 200 and body == {'service': {'host': host, 'binary': 'nova-compute', 'status': 'disabled',
                                                      'disabled_reason': 'maintenance'}}
        shown = http.call('GET', '/compute/v2.1/os-services?host=%s' % host, token=admin_token)[2]['services'][0]
        assert (shown['status'], shown['disabled_reason']) == ('disabled', 'maintenance')
        status, _h, body = http.call('PUT', '/compute/v2.1/os-services/enable',
                                     {'host': host, 'binary': 'nova-compute'}, token=admin_token)
        assert status == 200 and body['service']['status'] == 'enabled'
        assert http.call('PUT', '/compute/v2.1/os-services/explode', {'host': host, 'binary': 'nova-compute'},
                         token=admin_token)[0] == 404
        status, _h, body = http.call('PUT', '/compute/v2.1/os-services/enable',
                                     {'host': 'no-such-host', 'binary': 'nova-compute'}, token=admin_token)
        assert status == 404
        assert http.call('PUT', '/compute/v2.1/os-services/enable', {'host': host, 'binary': 'nova-compute'},
                         token=demo_token)[0] == 403
        # From 2.53: the service by uuid, the body says what changes; the answer is the whole service.
        path = '/compute/v2.1/os-services/%s' % service_uuid
        status, _h, body = http.call('PUT', path, {'status': 'disabled', 'disabled_reason': 'upgrade',
                                                   'forced_down': True}, headers=_at('2.53'), token=admin_token)
        assert status == 200 and body['service']['id'] == service_uuid
        assert (body['service']['status'], body['service']['disabled_reason'], body['service']['forced_down'],
                body['service']['state']) == ('disabled', 'upgrade', True, 'down')
        status, _h, err = http.call('PUT', path, {'status': 'enabled', 'disabled_reason': 'x'}, headers=_at('2.53'),
                                    token=admin_token)
        assert status == 400 and "'disabled_reason' with status 'enabled'" in err['badRequest']['message']
        assert http.call('PUT', path, {}, headers=_at('2.53'), token=admin_token)[0] == 400
        assert http.call('PUT', '/compute/v2.1/os-services/%d' % int_id, {'status': 'enabled'},
                         headers=_at('2.53'), token=admin_token)[0] == 400   # not a uuid
        # A service that hosts instances cannot be deleted.
        status, _h, err = http.call('DELETE', path, headers=_at('2.53'), token=admin_token)
        assert status == 409 and 'hosting instances' in err['conflictingRequest']['message']
    finally:
        http.call('PUT', '/compute/v2.1/os-services/%s' % service_uuid,
                  {'status': 'enabled', 'forced_down': False}, headers=_at('2.53'), token=admin_token)


def test_hypervisors_from_2_53_use_uuids_and_query_parameters(api, http, admin_token):
    _s, _h, old = http.call('GET', '/compute/v2.1/os-hypervisors/detail', headers=_at('2.52'), token=admin_token)
    _s, _h, new = http.call('GET', '/compute/v2.1/os-hypervisors/detail', headers=_at('2.53'), token=admin_token)
    by_host = dict((h['service']['host'], h) for h in new['hypervisors'])
    mine = by_host[api['host']]
    uuid.UUID(mine['id'])
    uuid.UUID(mine['service']['id'])
    assert all(isinstance(h['id'], int) for h in old['hypervisors'])
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%s?with_servers=true' % mine['id'],
                                 headers=_at('2.53'), token=admin_token)
    assert status == 200 and api['server']['uuid'] in [s['uuid'] for s in body['hypervisor']['servers']]
    assert http.call('GET', '/compute/v2.1/os-hypervisors/1', headers=_at('2.53'), token=admin_token)[0] == 400
    name = mine['hypervisor_hostname']
    status, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors?hypervisor_hostname_pattern=%s&with_servers=1'
                                 % name, headers=_at('2.53'), token=admin_token)
    listed = [h for h in body['hypervisors'] if h['id'] == mine['id']]
    assert status == 200 and api['server']['uuid'] in [s['uuid'] for s in listed[0]['servers']]
    status, _h, err = http.call('GET', '/compute/v2.1/os-hypervisors?hypervisor_hostname_pattern=%s&limit=1' % name,
                                headers=_at('2.53'), token=admin_token)
    assert status == 400 and 'Paging over hypervisors' in err['badRequest']['message']
    assert http.call('GET', '/compute/v2.1/os-hypervisors?hypervisor_hostname_pattern=zz-none', headers=_at('2.53'),
                     token=admin_token)[0] == 404
    assert http.call('GET', '/compute/v2.1/os-hypervisors/%s/search' % name, headers=_at('2.53'),
                     token=admin_token)[0] == 404
    assert http.call('GET', '/compute/v2.1/os-hypervisors/%s/search' % name, headers=_at('2.52'),
                     token=admin_token)[0] == 200


def test_flavor_description_from_2_55_and_extra_specs_from_2_61(http, admin_token, demo_token):
    fid = 'desc-%s' % uuid.uuid4().hex[:6]
    body = {'flavor': {'name': fid, 'id': fid, 'ram': 64, 'vcpus': 1, 'disk': 0, 'description': 'small one'}}
    status, _h, err = http.call('POST', '/compute/v2.1/flavors', body, headers=_at('2.54'), token=admin_token)
    assert status == 400 and "'description' was unexpected" in err['badRequest']['message']
    status, _h, made = http.call('POST', '/compute/v2.1/flavors', body, headers=_at('2.55'), token=admin_token)
    path = '/compute/v2.1/flavors/%s' % fid
    try:
        assert status == 200 and made['flavor']['description'] == 'small one' and 'extra_specs' not in made['flavor']
        assert made['flavor']['swap'] == ''
        assert 'description' not in http.call('GET', path, headers=_at('2.54'), token=demo_token)[2]['flavor']
        listed = http.call('GET', '/compute/v2.1/flavors', headers=_at('2.55'), token=demo_token)[2]['flavors']
        assert [f['description'] for f in listed if f['id'] == fid] == ['small one']
        http.call('POST', path + '/os-extra_specs', {'extra_specs': {'hw:cpu_policy': 'shared'}}, token=admin_token)
        shown = http.call('GET', path, headers=_at('2.61'), token=demo_token)[2]['flavor']
        assert shown['extra_specs'] == {'hw:cpu_policy': 'shared'}
        assert 'extra_specs' not in http.call('GET', path, headers=_at('2.60'), token=demo_token)[2]['flavor']
        # Update: the description only, admins only, from 2.55.
        assert http.call('PUT', path, {'flavor': {'description': 'x'}}, headers=_at('2.54'),
                         token=admin_token)[0] == 404
        assert http.call('PUT', path, {'flavor': {'description': 'x'}}, headers=_at('2.55'),
                         token=demo_token)[0] == 403
        status, _h, err = http.call('PUT', path, {'flavor': {'ram': 128}}, headers=_at('2.55'), token=admin_token)
        assert status == 400
        status, _h, got = http.call('PUT', path, {'flavor': {'description': None}}, headers=_at('2.61'),
                                    token=admin_token)
        assert status == 200 and got['flavor']['description'] is None and got['flavor']['ram'] == 64
        assert got['flavor']['extra_specs'] == {'hw:cpu_policy': 'shared'}
    finally:
        http.call('DELETE', path, token=admin_token)


def test_personality_quotas_and_limits_are_gone_from_2_57(api, http, admin_token, demo_token):
    demo = api['demo_project']['id']
    personality = {'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'}
    for version, present in (('2.56', True), ('2.57', False)):
        _s, _h, body = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % demo, headers=_at(version),
                                 token=admin_token)
        assert (personality <= set(body['quota_set'])) == present, version
        _s, _h, body = http.call('GET', '/compute/v2.1/limits', headers=_at(version), token=demo_token)
        assert ('maxPersonality' in body['limits']['absolute']) == present, version
    status, _h, err = http.call('PUT', '/compute/v2.1/os-quota-sets/%s' % demo, {'quota_set': {'injected_files': 3}},
                                headers=_at('2.57'), token=admin_token)
    assert status == 400 and 'injected_files' in err['badRequest']['message']


def test_trusted_certs_2_63_server_groups_2_71_and_lock_reason_2_73(api, http, project, admin_token):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
    server = make_server(api, project)
    path = '/compute/v2.1/servers/%s' % server['uuid']
    shown = http.call('GET', path, headers=_at('2.73'), token=project['token'])[2]['server']
    assert shown['trusted_image_certificates'] is None and shown['server_groups'] == []
    assert shown['locked_reason'] is None
    assert 'server_groups' not in http.call('GET', path, headers=_at('2.70'), token=project['token'])[2]['server']
    store = _store(api)
    _changed, group = server_groups.ensure(store, 'g-%s' % uuid.uuid4().hex[:6], 'anti-affinity',
                                           project_id=project['id'])
    with store.begin() as conn:
        server_groups.add_member(conn, group['id'], server['uuid'])
    store.dispose()
    shown = http.call('GET', path, headers=_at('2.71'), token=project['token'])[2]['server']
    assert shown['server_groups'] == [group['uuid']]
    listed = http.call('GET', '/compute/v2.1/servers/detail', headers=_at('2.73'), token=project['token'])[2]
    assert all('server_groups' not in s for s in listed['servers'])   # shown by show, not by the list
    # 2.73: a lock may carry a reason; the list filters and sorts on locked. Before 2.73 Nova's schema takes any
    # value ({"lock": {}}) and the reason is not read.
    assert http.call('POST', path + '/action', {'lock': {'locked_reason': 'audit'}}, headers=_at('2.72'),
                     token=project['token'])[0] == 202
    shown = http.call('GET', path, headers=_at('2.73'), token=project['token'])[2]['server']
    assert (shown['locked'], shown['locked_reason']) == (True, None)
    assert http.call('POST', path + '/action', {'unlock': None}, token=project['token'])[0] == 202
    assert http.call('POST', path + '/action', {'lock': {'locked_reason': 'audit'}}, headers=_at('2.73'),
                     token=project['token'])[0] == 202
    shown = http.call('GET', path, headers=_at('2.73'), token=project['token'])[2]['server']
    assert (shown['locked'], shown['locked_reason']) == (True, 'audit')
    listed = http.call('GET', '/compute/v2.1/servers?locked=true', headers=_at('2.73'), token=project['token'])[2]
    assert server['uuid'] in [s['id'] for s in listed['servers']]
    listed = http.call('GET', '/compute/v2.1/servers?locked=false', headers=_at('2.73'), token=project['token'])[2]
    assert server['uuid'] not in [s['id'] for s in listed['servers']]
    assert http.call('GET', '/compute/v2.1/servers?sort_key=locked', headers=_at('2.73'),
                     token=project['token'])[0] == 200
    assert http.call('GET', '/compute/v2.1/servers?sort_key=locked', headers=_at('2.72'),
                     token=project['token'])[0] == 200   # before 2.73 Nova accepts and ignores it
    assert http.call('POST', path + '/action', {'unlock': None}, token=project['token'])[0] == 202
    shown = http.call('GET', path, headers=_at('2.73'), token=project['token'])[2]['server']
    assert (shown['locked'], shown['locked_reason']) == (False, None)


def test_trusted_certs_at_create_are_kept(api, http, demo_token):
    body = {'server': {'name': 'certs', 'flavorRef': '42', 'imageRef': api['public_image']['id'], 'networks': 'none',
                       'trusted_image_certificates': ['cert-a', 'cert-b']}}
    assert http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.62'), token=demo_token)[0] == 400
    status, _h, made = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.63'), token=demo_token)
    assert status == 202, made
    try:
        shown = http.call('GET', '/compute/v2.1/servers/%s' % made['server']['id'], headers=_at('2.63'),
                          token=demo_token)[2]['server']
        assert shown['trusted_image_certificates'] == ['cert-a', 'cert-b']
    finally:
        http.call('DELETE', '/compute/v2.1/servers/%s' % made['server']['id'], token=demo_token)


def test_changes_before_from_2_66(api, http, project):
    server = make_server(api, project)
    assert server['uuid'] in [s['id'] for s in http.call(
        'GET', '/compute/v2.1/servers?changes-before=2999-01-01T00:00:00Z', headers=_at('2.66'),
        token=project['token'])[2]['servers']]
    assert server['uuid'] not in [s['id'] for s in http.call(
        'GET', '/compute/v2.1/servers?changes-before=2000-01-01T00:00:00Z', headers=_at('2.66'),
        token=project['token'])[2]['servers']]
    status, _h, err = http.call('GET', '/compute/v2.1/servers?changes-since=2020-01-02T00:00:00Z&'
                                'changes-before=2020-01-01T00:00:00Z', headers=_at('2.66'), token=project['token'])
    assert status == 400 and 'changes-since must be less than or equal to changes-before' in \
        err['badRequest']['message']


def test_requested_host_at_create_from_2_74(api, http, admin_token, demo_token):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    base = {'name': 'placed', 'flavorRef': '42', 'imageRef': api['public_image']['id'], 'networks': 'none'}
    body = {'server': dict(base, host=api['host'])}
    assert http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.73'), token=admin_token)[0] == 400
    assert http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.74'), token=demo_token)[0] == 403
    status, _h, err = http.call('POST', '/compute/v2.1/servers', {'server': dict(base, host='no-such-host')},
                                headers=_at('2.74'), token=admin_token)
    assert status == 400 and 'Compute host no-such-host could not be found.' in err['badRequest']['message']
    status, _h, made = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.74'), token=admin_token)
    assert status == 202, made
    store = _store(api)
    try:
        row = instances.get(store, made['server']['id'])
        # kept for the scheduler (and its retries), which narrows to it before its filters
        assert row['system_metadata']['requested_destination'] == {'host': api['host']}
    finally:
        store.dispose()
        http.call('DELETE', '/compute/v2.1/servers/%s' % made['server']['id'], token=admin_token)


@pytest.mark.parametrize('path', ['/compute/v2.1/servers?color=blue', '/compute/v2.1/servers/detail?color=blue',
                                  '/compute/v2.1/flavors?color=blue', '/compute/v2.1/os-keypairs?color=blue',
                                  '/compute/v2.1/limits?color=blue', '/compute/v2.1/os-services?color=blue'])
def test_unknown_query_parameters_are_400_from_2_75(http, admin_token, path):
    assert http.call('GET', path, headers=_at('2.74'), token=admin_token)[0] == 200
    status, _h, err = http.call('GET', path, headers=_at('2.75'), token=admin_token)
    # jsonschema's words; the servers list's schema also takes "_..." names (patternProperties), which it names
    expected = ("'color' does not match any of the regexes: '^_'" if '/servers' in path else
                "Additional properties are not allowed ('color' was unexpected)")
    assert status == 400 and err['badRequest']['message'] == expected


def test_2_75_update_answers_the_whole_server_and_flavor_swap_is_0(api, http, project, admin_token):
    server = make_server(api, project)
    path = '/compute/v2.1/servers/%s' % server['uuid']
    _s, _h, old = http.call('PUT', path, {'server': {'name': 'n1'}}, headers=_at('2.74'), token=project['token'])
    _s, _h, new = http.call('PUT', path, {'server': {'name': 'n2'}}, headers=_at('2.75'), token=project['token'])
    shown = http.call('GET', path, headers=_at('2.75'), token=project['token'])[2]['server']
    assert 'OS-EXT-STS:vm_state' not in old['server']
    assert set(new['server']) == set(shown)
    # ignored sort keys before 2.75 are a 400 from 2.75
    assert http.call('GET', '/compute/v2.1/servers?sort_key=vcpus', headers=_at('2.74'),
                     token=project['token'])[0] == 200
    assert http.call('GET', '/compute/v2.1/servers?sort_key=vcpus', headers=_at('2.75'),
                     token=project['token'])[0] == 400
    flavor = http.call('GET', '/compute/v2.1/flavors/1', headers=_at('2.75'), token=admin_token)[2]['flavor']
    assert flavor['swap'] == 0
    assert http.call('GET', '/compute/v2.1/flavors/1', headers=_at('2.74'), token=admin_token)[2]['flavor'][
        'swap'] == ''
    _s, _h, hyps = http.call('GET', '/compute/v2.1/os-hypervisors?with_servers=true', headers=_at('2.75'),
                             token=admin_token)
    assert all(isinstance(h['servers'], list) for h in hyps['hypervisors'])


def test_topology_2_78_and_user_filters_2_83(api, http, project, admin_token):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    server = make_server(api, project)
    other = make_server(api, project)
    store = _store(api)
    instances.update(store, server['uuid'], key_name='k-blue')
    store.dispose()
    path = '/compute/v2.1/servers/%s/topology' % server['uuid']
    assert http.call('GET', path, headers=_at('2.77'), token=project['token'])[0] == 404
    status, _h, body = http.call('GET', path, headers=_at('2.78'), token=project['token'])
    assert status == 200 and body == {'nodes': [], 'pagesize_kb': None}
    # 2.83 opens key_name (a regular expression), vm_state, ... to non-admins; before, they are ignored.

    def listed(query, version, token):
        return [s['id'] for s in http.call('GET', '/compute/v2.1/servers?%s' % query, headers=_at(version),
                                           token=token)[2]['servers']]
    assert set(listed('key_name=blu', '2.82', project['token'])) >= {server['uuid'], other['uuid']}
    got = listed('key_name=blu', '2.83', project['token'])
    assert server['uuid'] in got and other['uuid'] not in got
    assert set(listed('vm_state=active', '2.83', project['token'])) >= {server['uuid'], other['uuid']}
    assert listed('vm_state=stopped', '2.83', project['token']) == []
    # admins always could
    got = listed('all_tenants=1&key_name=^k-bl', '2.1', admin_token)
    assert server['uuid'] in got and other['uuid'] not in got


def test_keypair_names_and_import_only_from_2_92(http, demo_token):
    name = 'kp.%s@x' % uuid.uuid4().hex[:6]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name, 'public_key': key}},
                                headers=_at('2.91'), token=demo_token)
    assert status == 400 and err['badRequest']['message'] == (
        "Invalid input for field/attribute name. Value: %s. '%s' does not match '^[_\\\\- a-zA-Z0-9]+$'" % (name, name))
    status, _h, made = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': name, 'public_key': key}},
                                 headers=_at('2.92'), token=demo_token)
    assert status == 201, made
    http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, headers=_at('2.92'), token=demo_token)
    status, _h, err = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': 'gen-' + name[3:9]}},
                                headers=_at('2.92'), token=demo_token)
    assert status == 400 and 'public_key' in err['badRequest']['message']


def test_hypervisor_uptime_of_a_host_that_does_not_answer(api, http, admin_token, demo_token):
    """The service's host here is recorded but never reachable (no ansible runs against it): Nova's
    ComputeServiceUnavailable before 2.88, null in the show from 2.88. tests/api/test_rebuild_console.py
    reads a real host's uptime."""
    store = _store(api)
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    node = hosts.get_node(store, api['host'])
    store.dispose()
    path = '/compute/v2.1/os-hypervisors/%d/uptime' % node['id']
    status, _h, body = http.call('GET', path, token=admin_token)
    assert status == 400 and body['badRequest']['message'] == (
        'Compute service of %s is unavailable at this time.' % api['host'])
    assert http.call('GET', path, token=demo_token)[0] == 403
    assert http.call('GET', '/compute/v2.1/os-hypervisors/999999/uptime', token=admin_token)[0] == 404
    assert http.call('GET', '/compute/v2.1/os-hypervisors/%s/uptime' % node['uuid'], headers=_at('2.88'),
                     token=admin_token)[0] == 404
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/%s' % node['uuid'], headers=_at('2.88'),
                             token=admin_token)
    assert body['hypervisor']['uptime'] is None and body['hypervisor']['state'] == 'up'


def test_hypervisors_2_88_drop_statistics(api, http, admin_token):
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors/detail', headers=_at('2.88'), token=admin_token)
    mine = [h for h in body['hypervisors'] if h['service']['host'] == api['host']][0]
    assert 'memory_mb_used' not in mine and 'cpu_info' not in mine and mine['uptime'] is None   # unreachable
    _s, _h, body = http.call('GET', '/compute/v2.1/os-hypervisors', headers=_at('2.88'), token=admin_token)
    assert 'uptime' not in body['hypervisors'][0]   # only the details have it
    assert mine['hypervisor_type'] == 'QEMU'
    assert http.call('GET', '/compute/v2.1/os-hypervisors/statistics', headers=_at('2.88'),
                     token=admin_token)[0] == 404
    assert http.call('GET', '/compute/v2.1/os-hypervisors/statistics', headers=_at('2.87'),
                     token=admin_token)[0] == 200


def test_hostname_2_90_pinned_zone_2_96_image_properties_2_98_hints_2_100(api, http, demo_token, admin_token):
    body = {'server': {'name': 'named', 'flavorRef': '42', 'imageRef': api['public_image']['id'], 'networks': 'none',
                       'hostname': 'web-01', 'availability_zone': 'nova'},
            'os:scheduler_hints': {'different_host': str(uuid.uuid4())}}
    assert http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.89'), token=demo_token)[0] == 400
    bad = dict(body, server=dict(body['server'], hostname='web.example.org'))
    assert http.call('POST', '/compute/v2.1/servers', bad, headers=_at('2.90'), token=demo_token)[0] == 400
    many = dict(body, server=dict(body['server'], max_count=2))
    status, _h, err = http.call('POST', '/compute/v2.1/servers', many, headers=_at('2.90'), token=demo_token)
    assert status == 400 and 'single hostname to multiple instances' in err['badRequest']['message']
    status, _h, made = http.call('POST', '/compute/v2.1/servers', body, headers=_at('2.90'), token=demo_token)
    assert status == 202, made
    path = '/compute/v2.1/servers/%s' % made['server']['id']
    try:
        shown = http.call('GET', path, headers=_at('2.100'), token=demo_token)[2]['server']
        assert shown['OS-EXT-SRV-ATTR:hostname'] == 'web-01'   # a non-admin sees it from 2.90
        assert shown['pinned_availability_zone'] == 'nova'
        assert isinstance(shown['image']['properties'], dict)
        assert shown['scheduler_hints'] == {'different_host': [body['os:scheduler_hints']['different_host']]}
        old = http.call('GET', path, headers=_at('2.89'), token=demo_token)[2]['server']
        assert 'OS-EXT-SRV-ATTR:hostname' not in old and 'pinned_availability_zone' not in old
        # 2.94: a fully qualified name; 2.104: unpin, then pin to the zone the server is in only
        status, _h, got = http.call('PUT', path, {'server': {'hostname': 'web.example.org'}}, headers=_at('2.94'),
                                    token=demo_token)
        assert status == 200 and got['server']['OS-EXT-SRV-ATTR:hostname'] == 'web.example.org'
        assert http.call('PUT', path, {'server': {'pinned_availability_zone': 'other'}}, headers=_at('2.104'),
                         token=demo_token)[0] == 409
        status, _h, got = http.call('PUT', path, {'server': {'pinned_availability_zone': None}},
                                    headers=_at('2.104'), token=demo_token)
        assert status == 200 and got['server']['pinned_availability_zone'] is None
    finally:
        http.call('DELETE', path, token=demo_token)


def test_image_properties_2_98_are_the_standard_ones(api, http, project):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    server = make_server(api, project)
    store = _store(api)
    image = dict(instances.get(store, server['uuid'])['image'] or {})
    image['properties'] = {'hw_disk_bus': 'virtio', 'os_distro': 'cirros', 'my_custom': 'x'}
    instances.update(store, server['uuid'], image=image)
    store.dispose()
    shown = http.call('GET', '/compute/v2.1/servers/%s' % server['uuid'], headers=_at('2.98'),
                      token=project['token'])[2]['server']
    assert shown['image']['properties'] == {'hw_disk_bus': 'virtio', 'os_distro': 'cirros'}


def test_shares_2_97_flavors_2_102_and_strict_queries_2_102(api, http, project, admin_token):
    server = make_server(api, project)
    base = '/compute/v2.1/servers/%s/shares' % server['uuid']
    assert http.call('GET', base, headers=_at('2.96'), token=project['token'])[0] == 404
    assert http.call('GET', base, headers=_at('2.97'), token=project['token'])[2] == {'shares': []}
    share = {'share': {'share_id': str(uuid.uuid4())}}
    status, _h, err = http.call('POST', base, share, headers=_at('2.97'), token=project['token'])
    assert status == 409 and 'vm_state active' in err['conflictingRequest']['message']
    assert http.call('GET', base + '/%s' % uuid.uuid4(), headers=_at('2.97'), token=project['token'])[0] == 404
    flavor = http.call('GET', '/compute/v2.1/flavors/1', headers=_at('2.102'), token=admin_token)[2]['flavor']
    assert 'rxtx_factor' not in flavor and 'OS-FLV-DISABLED:disabled' not in flavor
    listed = http.call('GET', '/compute/v2.1/flavors?name=m1.tiny', headers=_at('2.102'), token=admin_token)[2]
    assert [f['name'] for f in listed['flavors']] == ['m1.tiny']
    assert http.call('GET', '/compute/v2.1/flavors?name=m1.tiny', headers=_at('2.101'), token=admin_token)[0] == 400
    server_path = '/compute/v2.1/servers/%s?verbose=1' % server['uuid']
    assert http.call('GET', server_path, headers=_at('2.101'), token=project['token'])[0] == 200
    assert http.call('GET', server_path, headers=_at('2.102'), token=project['token'])[0] == 400


def test_server_groups_api_per_microversion(api, http, project, admin_token):
    body = {'server_group': {'name': 'g1', 'policies': ['soft-affinity']}}
    assert http.call('POST', '/compute/v2.1/os-server-groups', body, headers=_at('2.14'),
                     token=project['token'])[0] == 400   # soft policies from 2.15
    status, _h, made = http.call('POST', '/compute/v2.1/os-server-groups', body, headers=_at('2.15'),
                                 token=project['token'])
    assert status == 200 and made['server_group']['policies'] == ['soft-affinity']
    assert made['server_group']['metadata'] == {} and made['server_group']['project_id'] == project['id']
    group_id = made['server_group']['id']
    shown = http.call('GET', '/compute/v2.1/os-server-groups/%s' % group_id, headers=_at('2.64'),
                      token=project['token'])[2]['server_group']
    assert (shown['policy'], shown['rules']) == ('soft-affinity', {}) and 'policies' not in shown
    status, _h, err = http.call('POST', '/compute/v2.1/os-server-groups', {'server_group': {
        'name': 'g2', 'policy': 'affinity', 'rules': {'max_server_per_host': 2}}}, headers=_at('2.64'),
        token=project['token'])
    assert status == 400 and err['badRequest']['message'] == 'Only anti-affinity policy supports rules.'
    # another project sees neither it in its list nor it by id; an admin lists it with all_projects
    assert group_id not in [g['id'] for g in http.call('GET', '/compute/v2.1/os-server-groups',
                                                       token=admin_token)[2]['server_groups']]
    assert group_id in [g['id'] for g in http.call('GET', '/compute/v2.1/os-server-groups?all_projects=1',
                                                   token=admin_token)[2]['server_groups']]
    assert http.call('DELETE', '/compute/v2.1/os-server-groups/%s' % group_id, token=project['token'])[0] == 204
    assert http.call('GET', '/compute/v2.1/os-server-groups/%s' % group_id, token=project['token'])[0] == 404


def test_known_extra_specs_are_validated_from_2_86(http, admin_token):
    fid = 'es86-%s' % uuid.uuid4().hex[:6]
    body = {'flavor': {'name': fid, 'id': fid, 'ram': 64, 'vcpus': 1, 'disk': 0}}
    assert http.call('POST', '/compute/v2.1/flavors', body, token=admin_token)[0] == 200
    path = '/compute/v2.1/flavors/%s/os-extra_specs' % fid
    try:
        # 2.85: Nova took any value of a key it knows
        status, _h, got = http.call('POST', path, {'extra_specs': {'hw:cpu_policy': 'sometimes'}}, headers=_at('2.85'),
                                    token=admin_token)
        assert status == 200 and got == {'extra_specs': {'hw:cpu_policy': 'sometimes'}}, got
        bad = "extra_specs.hw:cpu_policy: Validation failed; 'often' is not one of: dedicated, shared, mixed."
        status, _h, err = http.call('POST', path, {'extra_specs': {'hw:cpu_policy': 'often', 'mycorp:x': '1'}},
                                    headers=_at('2.86'), token=admin_token)
        assert status == 400 and err['badRequest']['message'] == bad
        status, _h, err = http.call('PUT', path + '/hw:cpu_policy', {'hw:cpu_policy': 'often'}, headers=_at('2.86'),
                                    token=admin_token)
        assert status == 400 and err['badRequest']['message'] == bad
        status, _h, err = http.call('PUT', path + '/hw:cpu_polcy', {'hw:cpu_polcy': 'dedicated'}, headers=_at('2.86'),
                                    token=admin_token)
        assert status == 400 and err['badRequest']['message'] == (
            "extra_specs.hw:cpu_polcy: Validation failed; extra spec 'hw:cpu_polcy' does not appear to be a valid "
            "extra spec.")
        # refused before the flavor is looked up (Nova's order), and nothing was stored
        assert http.call('PUT', '/compute/v2.1/flavors/no-such-%s/os-extra_specs/hw:numa_nodes' % fid,
                         {'hw:numa_nodes': 0}, headers=_at('2.86'), token=admin_token)[0] == 400
        assert http.call('GET', path, token=admin_token)[2] == {'extra_specs': {'hw:cpu_policy': 'sometimes'}}
        status, _h, got = http.call('POST', path, {'extra_specs': {'hw:cpu_policy': 'dedicated',
                                                                   'mycorp:anything': 'goes here'}},
                                    headers=_at('2.86'), token=admin_token)
        assert status == 200
        status, _h, got = http.call('PUT', path + '/trait1:HW_CPU_X86_AVX2', {'trait1:HW_CPU_X86_AVX2': 'required'},
                                    headers=_at('2.86'), token=admin_token)
        assert status == 200
        assert http.call('GET', path, token=admin_token)[2] == {'extra_specs': {
            'hw:cpu_policy': 'dedicated', 'mycorp:anything': 'goes here', 'trait1:HW_CPU_X86_AVX2': 'required'}}
    finally:
        http.call('DELETE', '/compute/v2.1/flavors/%s' % fid, token=admin_token)
