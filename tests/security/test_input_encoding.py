# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Text that cannot be stored as UTF-8 (a lone surrogate) or that holds a NUL, over every carrier.

JSON bodies (values and keys, at any depth), query strings and URL paths of all three services
are refused with the service's 400 body naming the field, before any handler runs: no row, no
metadata, no tag, no image changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

SURROGATE = u'\ud800'
NUL = u'\x00'
TAGS_VERSION = {'OpenStack-API-Version': 'compute 2.26'}
PUBLIC_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl')


def _store(api):
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    return Store(api['cfg']['database_url'])


def _snapshot(api):
    """Everything the refused requests could have touched."""
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    out = {}
    with _store(api).read() as conn:
        for name in ('instances', 'keypairs', 'images', 'users', 'api_jobs', 'instance_actions'):
            out[name] = conn.execute(sa.select(sa.func.count()).select_from(table(name))).scalar()
        inst = table('instances')
        row = conn.execute(sa.select(inst.c.display_name, inst.c.metadata, inst.c.tags)
                           .where(inst.c.uuid == api['server']['uuid'])).first()
        out['server'] = (row.display_name, row.metadata, row.tags)
    return out


def _message(service, body):
    """The 400 body's message, checking the body is the service's own format."""
    if service == 'compute':
        assert list(body) == ['badRequest'] and body['badRequest']['code'] == 400
        return body['badRequest']['message']
    if service == 'identity':
        assert body['error']['code'] == 400 and body['error']['title'] == 'Bad Request'
        return body['error']['message']
    assert body['code'] == 400 and body['error']['code'] == 400
    return body['message']


def _cases(api):
    """(id, service, method, path, JSON body, token kind, extra headers, field the message must name)."""
    server = api['server']['uuid']
    create = {'server': {'name': 'ok', 'flavorRef': '1', 'imageRef': api['public_image']['id']}}
    auth = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': None, 'domain': {'id': 'default'}, 'password': 'whatever-password'}}}}}

    def with_name(body, value):
        body = json.loads(json.dumps(body))
        body['server']['name'] = value
        return body

    def auth_as(value):
        body = json.loads(json.dumps(auth))
        body['auth']['identity']['password']['user']['name'] = value
        return body

    cases = []
    for label, bad in (('surrogate', SURROGATE), ('nul', NUL)):
        cases += [
            ('server-create-name-%s' % label, 'compute', 'POST', '/compute/v2.1/servers',
             with_name(create, 'vm' + bad), 'demo', None, 'server/name'),
            ('server-create-metadata-key-%s' % label, 'compute', 'POST', '/compute/v2.1/servers',
             dict(create, server=dict(create['server'], metadata={'k' + bad: 'v'})), 'demo', None,
             'server/metadata/'),
            ('server-update-name-%s' % label, 'compute', 'PUT', '/compute/v2.1/servers/%s' % server,
             {'server': {'name': bad + 'renamed'}}, 'admin', None, 'server/name'),
            ('metadata-value-%s' % label, 'compute', 'POST', '/compute/v2.1/servers/%s/metadata' % server,
             {'metadata': {'key': 'value' + bad}}, 'admin', None, 'metadata/key'),
            ('tags-%s' % label, 'compute', 'PUT', '/compute/v2.1/servers/%s/tags' % server,
             {'tags': ['good', 'tag' + bad]}, 'admin', TAGS_VERSION, 'tags/1'),
            ('keypair-comment-%s' % label, 'compute', 'POST', '/compute/v2.1/os-keypairs',
             {'keypair': {'name': 'enc-%s' % label, 'public_key': PUBLIC_KEY + ' me@host' + bad}}, 'demo', None,
             'keypair/public_key'),
            ('identity-user-name-%s' % label, 'identity', 'POST', '/identity/v3/auth/tokens',
             auth_as('demo' + bad), None, None, 'auth/identity/password/user/name'),
            ('image-property-%s' % label, 'image', 'POST', '/image/v2/images',
             {'name': 'enc-%s' % label, 'os_distro': 'linux' + bad}, 'demo', None, 'os_distro'),
        ]
    return cases


CASE_IDS = [c[0] for c in _cases({'server': {'uuid': 'u'}, 'public_image': {'id': 'i'}})]


@pytest.mark.parametrize('case_id', CASE_IDS)
def test_bad_text_in_a_json_body_is_400_naming_the_field(api, http, admin_token, demo_token, case_id):
    case = dict((c[0], c) for c in _cases(api))[case_id]
    _id, service, method, path, body, who, headers, field = case
    token = {'admin': admin_token, 'demo': demo_token, None: None}[who]
    before = _snapshot(api)
    status, _h, answer = http.call(method, path, body, token=token, headers=headers)
    assert status == 400, answer
    message = _message(service, answer)
    assert field in message, message
    assert ('U+0000' in message) if 'nul' in case_id else ('surrogate U+D800' in message), message
    assert _snapshot(api) == before


def test_raw_surrogate_bytes_in_a_body_are_refused_like_the_escape(api, http, admin_token):
    """UTF-8-encoded surrogates (ED A0 80) as raw bytes, which Python's json decoder lets through."""
    before = _snapshot(api)
    data = b'{"server": {"name": "vm\xed\xa0\x80"}}'
    status, _h, body = http.send('PUT', '/compute/v2.1/servers/%s' % api['server']['uuid'], data, token=admin_token)
    assert status == 400 and 'server/name' in _message('compute', body)
    assert _snapshot(api) == before


@pytest.mark.parametrize('service,path', [
    ('compute', '/compute/v2.1/servers?name=%ED%A0%80'),
    ('compute', '/compute/v2.1/servers?name=a%00b'),
    ('compute', '/compute/v2.1/servers?n%FFame=x'),
    ('image', '/image/v2/images?name=%ED%A0%80'),
    ('image', '/image/v2/images?owner=%00'),
    ('identity', '/identity/v3/projects?name=%FF'),
])
def test_bad_text_in_the_query_string_is_400(api, http, admin_token, service, path):
    status, _h, body = http.call('GET', path, token=admin_token)
    assert status == 400, body
    message = _message(service, body)
    assert 'query parameters' in message and ('UTF-8' in message or 'U+0000' in message), message


@pytest.mark.parametrize('service,method,path', [
    ('compute', 'GET', '/compute/v2.1/os-keypairs/%ED%A0%80'),
    ('compute', 'GET', '/compute/v2.1/os-keypairs/a%00b'),
    ('compute', 'PUT', '/compute/v2.1/servers/{server}/tags/bad%ED%A0%80'),
    ('compute', 'PUT', '/compute/v2.1/servers/{server}/metadata/k%00'),
    ('image', 'GET', '/image/v2/images/%FF%FE'),
])
def test_bad_text_in_the_path_is_400(api, http, admin_token, service, method, path):
    before = _snapshot(api)
    status, _h, body = http.call(method, path.format(server=api['server']['uuid']),
                                 {'meta': {'k\x00': 'v'}} if 'metadata' in path else None,
                                 token=admin_token, headers=TAGS_VERSION)
    assert status == 400, body
    message = _message(service, body)
    assert 'URL path' in message and ('UTF-8' in message or 'U+0000' in message), message
    assert _snapshot(api) == before


def test_control_characters_in_names_stay_refused_by_the_schemas(api, http, admin_token):
    """Other control characters are the field schemas' business, as in Nova (names refuse them)."""
    before = _snapshot(api)
    status, _h, body = http.call('PUT', '/compute/v2.1/servers/%s' % api['server']['uuid'],
                                 {'server': {'name': 'bell\x07'}}, token=admin_token)
    assert status == 400 and body['badRequest']['message'] == (
        "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with "
        "whitespace.")
    assert _snapshot(api) == before


def test_a_token_header_outside_ascii_is_401_not_500(http):
    status, _h, body = http.call('GET', '/compute/v2.1/servers', headers={'X-Auth-Token': u'\xe9t\xe9.x'})
    assert status == 401 and body['unauthorized']['code'] == 401


def test_good_unicode_still_works(api, http, admin_token):
    """The check refuses only what cannot be stored: real non-ASCII text round-trips."""
    path = '/compute/v2.1/servers/%s/metadata/greeting' % api['server']['uuid']
    status, _h, body = http.call('PUT', path, {'meta': {'greeting': u'gr\xfc\xdf dich \U0001f600'}},
                                 token=admin_token)
    assert status == 200, body
    assert http.call('GET', path, token=admin_token)[2] == {'meta': {'greeting': u'gr\xfc\xdf dich \U0001f600'}}
    assert http.call('DELETE', path, token=admin_token)[0] == 204
