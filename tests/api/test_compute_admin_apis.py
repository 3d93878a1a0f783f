# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's smaller admin and discovery APIs: quota classes, console token lookup, a version document by id,
and the APIs Nova removed (410 Gone at every microversion)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from lib.api_service import openstack

from test_compute_endpoints import forget_servers, make_server, new_project

QCS = '/compute/v2.1/os-quota-class-sets/default'


def version(minor):
    return {'OpenStack-API-Version': 'compute 2.%d' % minor}


@pytest.fixture
def restore_default_class(api):
    """Puts the "default" quota class back as the configured defaults (it changes every project's)."""
    yield
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    store = Store(api['cfg']['database_url'])
    with store.begin() as conn:
        conn.execute(table('quota_classes').delete())
    store.dispose()


@pytest.mark.parametrize('minor, present, absent', [
    (1, {'floating_ips', 'injected_files', 'security_groups'}, {'server_groups', 'server_group_members'}),
    (50, {'server_groups', 'injected_files'}, {'floating_ips', 'fixed_ips', 'security_groups'}),
    (57, {'server_groups', 'instances'}, {'injected_files', 'injected_file_path_bytes', 'floating_ips'}),
])
def test_quota_class_fields_follow_the_microversion(http, admin_token, minor, present, absent):
    status, _h, body = http.call('GET', QCS, headers=version(minor), token=admin_token)
    assert status == 200, body
    shown = body['quota_class_set']
    assert shown['id'] == 'default'
    assert present <= set(shown) and not (absent & set(shown))
    assert shown['instances'] == 10 and shown['cores'] == 20


def test_default_quota_class_sets_every_projects_defaults(api, http, admin_token, restore_default_class):
    status, _h, body = http.call('PUT', QCS, {'quota_class_set': {'instances': 15, 'cores': '30'}},
                                 headers=version(57), token=admin_token)
    assert status == 200, body
    assert 'id' not in body['quota_class_set']
    assert (body['quota_class_set']['instances'], body['quota_class_set']['cores']) == (15, 30)
    project = new_project(api, http)
    try:
        _s, _h, shown = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % project['id'], token=admin_token)
        assert (shown['quota_set']['instances'], shown['quota_set']['cores']) == (15, 30)
        _s, _h, defaults = http.call('GET', '/compute/v2.1/os-quota-sets/%s/defaults' % project['id'],
                                     token=project['token'])
        assert defaults['quota_set']['instances'] == 15
        # a project's own limit still wins over the class
        status, _h, body = http.call('PUT', '/compute/v2.1/os-quota-sets/%s' % project['id'],
                                     {'quota_set': {'instances': 3}}, token=admin_token)
        assert status == 200, body
        _s, _h, shown = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % project['id'], token=admin_token)
        assert (shown['quota_set']['instances'], shown['quota_set']['cores']) == (3, 30)
        # another class is stored and shown, and changes nobody's limits
        status, _h, body = http.call('PUT', '/compute/v2.1/os-quota-class-sets/gold', {'quota_class_set': {
            'cores': 99}}, token=admin_token)
        assert status == 200 and body['quota_class_set']['cores'] == 99
        _s, _h, gold = http.call('GET', '/compute/v2.1/os-quota-class-sets/gold', token=admin_token)
        assert gold['quota_class_set']['cores'] == 99
        _s, _h, shown = http.call('GET', '/compute/v2.1/os-quota-sets/%s' % project['id'], token=admin_token)
        assert shown['quota_set']['cores'] == 30
    finally:
        forget_servers(api, project)


@pytest.mark.parametrize('body, minor, field', [
    ({'quota_class_set': {'instances': -2}}, 1, 'instances'),
    ({'quota_class_set': {'instances': 'many'}}, 1, 'instances'),
    ({'quota_class_set': {'injected_files': 3}}, 57, 'injected_files'),
    ({'quota_class_set': {'floating_ips': 3}}, 50, 'floating_ips'),
    ({'quota_class_set': {'bogus': 1}}, 1, 'bogus'),
    ({'quota_class': {'instances': 1}}, 1, 'quota_class_set'),
])
def test_bad_quota_class_updates_are_refused_and_change_nothing(http, admin_token, body, minor, field):
    before = http.call('GET', QCS, token=admin_token)[2]
    status, _h, answer = http.call('PUT', QCS, body, headers=version(minor), token=admin_token)
    assert status == 400, answer
    assert field in answer['badRequest']['message']
    assert http.call('GET', QCS, token=admin_token)[2] == before


def test_quota_classes_are_for_admins_only(http, demo_token):
    assert http.call('GET', QCS, token=demo_token)[0] == 403
    assert http.call('PUT', QCS, {'quota_class_set': {'instances': 99}}, token=demo_token)[0] == 403


def _token_for(api, server):
    """A real console token for ``server`` as the console API stores it (VNC on its host's port 5901)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    try:
        made = consoles.authorize(store, server, 'novnc', {'vnc': {'host': '127.0.0.1', 'port': 5901}},
                                  'http://127.0.0.1:6080/vnc_lite.html')
    finally:
        store.dispose()
    return made['token']


def test_console_auth_token_shows_its_connection_to_admins(api, http, admin_token):
    project = new_project(api, http)
    try:
        server = make_server(api, project)
        token = _token_for(api, server)
        path = '/compute/v2.1/os-console-auth-tokens/%s' % token
        status, _h, body = http.call('GET', path, headers=version(31), token=admin_token)
        assert status == 200, body
        assert body == {'console': {'instance_uuid': server['uuid'], 'host': '127.0.0.1', 'port': 5901,
                                    'internal_access_path': None}}
        # the unmodified CLI
        rc, out, err = openstack(api, '--os-compute-api-version', '2.31', 'console', 'connection', 'show', token)
        assert rc == 0, err
        assert out['instance_uuid'] == server['uuid'] and int(out['port']) == 5901
        # before 2.31 only rdp-html5 tokens were shown, and those no longer exist
        assert http.call('GET', path, headers=version(30), token=admin_token)[0] == 400
        assert http.call('GET', path, headers=version(31), token=project['token'])[0] == 403
        status, _h, body = http.call('GET', '/compute/v2.1/os-console-auth-tokens/not-a-token', headers=version(31),
                                     token=admin_token)
        assert status == 404 and body['itemNotFound']['message'] == 'Token not found'
        # a deleted server's tokens are void
        forget_servers(api, project)
        assert http.call('GET', path, headers=version(31), token=admin_token)[0] == 404
    finally:
        forget_servers(api, project)


def test_a_version_document_by_id(http, admin_token):
    for ident in ('v2.0', 'v2.1'):
        status, _h, body = http.call('GET', '/compute/v2.1/versions/%s' % ident, token=admin_token)
        assert status == 200 and body['version']['id'] == ident
    _s, _h, v21 = http.call('GET', '/compute/v2.1/versions/v2.1', token=admin_token)
    assert v21['version']['min_version'] == '2.1' and v21['version']['status'] == 'CURRENT'
    assert http.call('GET', '/compute/v2.1/versions/v3', token=admin_token)[0] == 404


def test_removed_apis_answer_gone_at_every_microversion(http, admin_token, demo_token):
    from novalite_api.compute.removed import GONE, GONE_MESSAGE
    server = '0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e'
    for method, path in GONE:
        url = '/compute' + re.sub(r'<[a-z_]+>', server if 'server_id' in path else '1', path)
        body = {} if method in ('POST', 'PUT') else None
        for minor, token in ((1, admin_token), (104, demo_token)):
            status, _h, answer = http.call(method, url, body, headers=version(minor), token=token)
            assert (status, answer) == (410, {'computeFault': {'code': 410, 'message': GONE_MESSAGE}}), (
                method, url, minor)
        # the token is checked first, as Nova's auth middleware does
        assert http.call(method, url, body)[0] == 401


def test_os_hosts_until_2_42(api, http, admin_token, demo_token):
    project = new_project(api, http)
    try:
        server = make_server(api, project)
        flavor = server['flavor']
        _s, _h, listed = http.call('GET', '/compute/v2.1/os-hosts', token=admin_token)
        assert {'host_name': api['host'], 'service': 'compute', 'zone': 'nova'} in listed['hosts']
        assert http.call('GET', '/compute/v2.1/os-hosts?zone=elsewhere', token=admin_token)[2] == {'hosts': []}
        status, _h, shown = http.call('GET', '/compute/v2.1/os-hosts/%s' % api['host'], token=admin_token)
        assert status == 200, shown
        rows = dict((r['resource']['project'], r['resource']) for r in shown['host'])
        assert list(rows)[:3] == ['(total)', '(used_now)', '(used_max)']
        # the test server is counted under its project and in the sum of the host's servers
        mine = rows[project['id']]
        assert (mine['cpu'], mine['memory_mb'], mine['disk_gb']) == (
            flavor['vcpus'], flavor['memory_mb'], flavor['root_gb'] + flavor['ephemeral_gb'])
        assert rows['(used_max)']['cpu'] == sum(r['cpu'] for k, r in rows.items() if not k.startswith('('))
        _s, _h, hyper = http.call('GET', '/compute/v2.1/os-hypervisors/detail', token=admin_token)
        node = [h for h in hyper['hypervisors'] if h['hypervisor_hostname'] == api['server']['node']][0]
        assert (rows['(total)']['cpu'], rows['(used_now)']['memory_mb']) == (node['vcpus'], node['memory_mb_used'])
        # libvirt implements none of the host actions: 501 for a known host, 404 for an unknown one
        host_path = '/compute/v2.1/os-hosts/%s' % api['host']
        status, _h, body = http.call('PUT', host_path, {'status': 'disable'}, token=admin_token)
        assert (status, body['notImplemented']['message']) == (501, 'The requested functionality is not supported.')
        for action in ('startup', 'shutdown', 'reboot'):
            assert http.call('GET', host_path + '/' + action, token=admin_token)[0] == 501
        assert http.call('GET', '/compute/v2.1/os-hosts/no-such-host/reboot', token=admin_token)[0] == 404
        assert http.call('PUT', host_path, {'status': 'off'}, token=admin_token)[0] == 400
        # the host's service was not touched
        _s, _h, services = http.call('GET', '/compute/v2.1/os-services?host=%s' % api['host'], token=admin_token)
        assert services['services'][0]['status'] == 'enabled'
        assert http.call('GET', '/compute/v2.1/os-hosts', token=demo_token)[0] == 403
        assert http.call('GET', '/compute/v2.1/os-hosts', headers=version(43), token=admin_token)[0] == 404
        assert http.call('GET', host_path, headers=version(43), token=admin_token)[0] == 404
    finally:
        forget_servers(api, project)
