# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Volume attachments of servers that have no volumes (novalite has no block storage): Nova's answers for
an instance with nothing attached, at each microversion, through the unmodified CLI and raw HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import openstack

from test_compute_endpoints import forget_servers, make_server, new_project

VOLUME = '6d4fc7f7-2e55-4d93-93ad-2d06e2cbbcd1'


def version(minor):
    return {'OpenStack-API-Version': 'compute 2.%d' % minor}


@pytest.fixture(scope='module')
def owner(api, http):
    info = new_project(api, http, unlimited=True)
    info['server'] = make_server(api, info)['uuid']
    info['locked'] = make_server(api, info, locked=True, locked_by='owner')['uuid']
    info['shelved'] = make_server(api, info, vm_state='shelved_offloaded', host=None, node=None)['uuid']
    yield info
    forget_servers(api, info)


def path(server, volume=None):
    return '/compute/v2.1/servers/%s/os-volume_attachments%s' % (server, '/' + volume if volume else '')


def test_cli_server_volume_list_is_empty(api, owner):
    rc, out, err = openstack(api, 'server', 'volume', 'list', owner['server'])
    assert (rc, out) == (0, []), err


def test_list_and_show_answer_nothing_attached(http, owner):
    status, _h, body = http.call('GET', path(owner['server']) + '?limit=5&offset=0', token=owner['token'])
    assert (status, body) == (200, {'volumeAttachments': []})
    status, _h, body = http.call('GET', path(owner['server'], VOLUME), token=owner['token'])
    assert status == 404
    assert body['itemNotFound']['message'] == 'Instance %s is not attached to volume %s' % (owner['server'], VOLUME)
    # query parameters: Nova's non-negative integers; unknown ones refused from 2.75 only
    status, _h, body = http.call('GET', path(owner['server']) + '?limit=-1', token=owner['token'])
    assert status == 400 and 'limit' in body['badRequest']['message'], body
    status, _h, _b = http.call('GET', path(owner['server']) + '?sort=x', headers=version(74), token=owner['token'])
    assert status == 200
    status, _h, body = http.call('GET', path(owner['server']) + '?sort=x', headers=version(75), token=owner['token'])
    assert status == 400 and "'sort' was unexpected" in body['badRequest']['message'], body


def test_another_projects_server_is_not_found(api, http, owner):
    other = new_project(api, http)
    status, _h, _b = http.call('GET', path(owner['server']), token=other['token'])
    assert status == 404


@pytest.mark.parametrize('minor, attachment, status, field', [
    (1, {'volumeId': 'not-a-uuid'}, 400, 'volumeId'),
    (1, {'volumeId': VOLUME, 'device': 'sda'}, 400, 'device'),          # match_device wants /dev/...
    (48, {'volumeId': VOLUME, 'tag': 'disk1'}, 400, 'tag'),              # tags from 2.49
    (78, {'volumeId': VOLUME, 'delete_on_termination': True}, 400, 'delete_on_termination'),   # from 2.79
    (79, {'volumeId': VOLUME, 'delete_on_termination': 'maybe'}, 400, 'delete_on_termination'),
    (49, {'volumeId': VOLUME, 'tag': 'disk1', 'device': '/dev/vdb'}, 404, None),
    (79, {'volumeId': VOLUME, 'delete_on_termination': 'yes'}, 404, None),
])
def test_attach_checks_the_body_then_finds_no_volume(http, owner, minor, attachment, status, field):
    code, _h, body = http.call('POST', path(owner['server']), {'volumeAttachment': attachment},
                               headers=version(minor), token=owner['token'])
    assert code == status, body
    if field:
        assert field in body['badRequest']['message'], body
    else:
        assert body['itemNotFound']['message'] == 'Volume %s could not be found.' % VOLUME


def test_attach_to_a_locked_or_shelved_server_is_409_as_nova_checks_it(http, owner):
    attach = {'volumeAttachment': {'volumeId': VOLUME}}
    status, _h, body = http.call('POST', path(owner['locked']), attach, token=owner['token'])
    assert status == 409 and body['conflictingRequest']['message'] == 'Instance %s is locked' % owner['locked']
    # a shelved server takes volume changes from 2.20; before, Nova's state conflict
    status, _h, body = http.call('POST', path(owner['shelved']), attach, headers=version(19), token=owner['token'])
    assert status == 409 and 'shelved_offloaded' in body['conflictingRequest']['message'], body
    status, _h, body = http.call('POST', path(owner['shelved']), attach, headers=version(20), token=owner['token'])
    assert status == 404, body
    status, _h, body = http.call('DELETE', path(owner['shelved'], VOLUME), headers=version(19), token=owner['token'])
    assert status == 409, body


def test_update_and_detach_find_nothing_and_swap_is_for_the_volume_service(http, owner, admin_token):
    same = {'volumeAttachment': {'volumeId': VOLUME}}
    other = {'volumeAttachment': {'volumeId': str(uuid.uuid4())}}
    # before 2.85 a PUT is always a swap: not even an admin may call it (Nova's service role)
    status, _h, _b = http.call('PUT', path(owner['server'], VOLUME), same, headers=version(84), token=admin_token)
    assert status == 403
    status, _h, body = http.call('PUT', path(owner['server'], VOLUME), same, headers=version(85),
                                 token=owner['token'])
    assert status == 404 and body['itemNotFound']['message'] == \
        'No volume Block Device Mapping with id %s.' % VOLUME, body
    status, _h, _b = http.call('PUT', path(owner['server'], VOLUME), other, headers=version(85), token=owner['token'])
    assert status == 403
    status, _h, body = http.call('PUT', path(owner['server'], VOLUME), {'volumeAttachment': {
        'volumeId': VOLUME, 'serverId': 'nope'}}, headers=version(85), token=owner['token'])
    assert status == 400 and 'serverId' in body['badRequest']['message'], body
    status, _h, body = http.call('DELETE', path(owner['server'], VOLUME), token=owner['token'])
    assert status == 404 and body['itemNotFound']['message'] == 'Volume %s could not be found.' % VOLUME
