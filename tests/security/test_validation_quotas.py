# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's create-time validation and quotas, which used to accept and fail later (or never).

* server create: 129 metadata items (403), ``min_count: "0"``, an unknown availability zone,
  an unknown server group hint, ``boot_index: "abc"``, ``os:scheduler_hints: []`` (400 at once,
  Nova's texts), each leaving no instance, job or action behind;
* the keypair quota is counted in the insert's transaction: 12 parallel creates under a limit
  of 2 make exactly 2, on SQLite and MariaDB;
* an unknown user costs the same password hashing as a wrong password;
* a URI over gunicorn's 4094-byte request line is a JSON 414.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import statistics
import threading
import time
import uuid

import pytest

from lib.api_service import DEMO_PASSWORD

PUBLIC_KEYS = [
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl',
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq9YV1ROx8uSdjyBo6m2hmpDIhUk6pp7m6GL5qH2H5r',
]


def _counts(api):
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    with Store(api['cfg']['database_url']).read() as conn:
        return dict((name, conn.execute(sa.select(sa.func.count()).select_from(table(name))).scalar())
                    for name in ('instances', 'api_jobs', 'instance_actions', 'server_group_members',
                                 'allocations', 'keypairs'))


def _create(api, http, token, server=None, **body):
    spec = dict({'name': 'v', 'flavorRef': '1', 'imageRef': api['public_image']['id']}, **(server or {}))
    return http.call('POST', '/compute/v2.1/servers', dict(body, server=spec), token=token)


def _assert_bad_request(answer, message):
    status, _h, body = answer
    assert status == 400, body
    assert body['badRequest']['message'] == message


@pytest.fixture
def unchanged(api):
    before = _counts(api)
    yield
    assert _counts(api) == before


def test_129_metadata_items_at_create_are_403(api, http, demo_token, unchanged):
    metadata = dict(('k%d' % i, 'v') for i in range(129))
    status, _h, body = _create(api, http, demo_token, {'metadata': metadata})
    assert status == 403
    assert body == {'forbidden': {'code': 403, 'message': 'Maximum number of metadata items exceeds 128'}}


@pytest.mark.parametrize('field,value', [('min_count', '0'), ('max_count', '0'), ('min_count', 0)])
def test_counts_below_one_are_400_also_as_strings(api, http, demo_token, unchanged, field, value):
    _assert_bad_request(_create(api, http, demo_token, {field: value}),
                        'Invalid input for field/attribute %s. Value: %s. 0 is less than the minimum of 1'
                        % (field, value))


def test_unknown_availability_zone_is_400(api, http, demo_token, unchanged):
    _assert_bad_request(_create(api, http, demo_token, {'availability_zone': 'atlantis'}),
                        'The requested availability zone is not available')


def test_unknown_server_group_hint_is_400(api, http, demo_token, unchanged):
    group = str(uuid.uuid4())
    _assert_bad_request(_create(api, http, demo_token, **{'os:scheduler_hints': {'group': group}}),
                        'Instance group %s could not be found.' % group)


def test_another_projects_server_group_is_not_found(api, http, demo_token):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    _changed, group = server_groups.ensure(store, 'admins-%s' % uuid.uuid4().hex[:6], 'anti-affinity',
                                           project_id=api['admin']['project']['id'],
                                           user_id=api['admin']['user']['id'])
    before = _counts(api)
    _assert_bad_request(_create(api, http, demo_token, **{'os:scheduler_hints': {'group': group['uuid']}}),
                        'Instance group %s could not be found.' % group['uuid'])
    assert _counts(api) == before
    server_groups.remove(store, group['uuid'])


def test_boot_index_must_be_an_integer(api, http, demo_token, unchanged):
    bdm = [{'boot_index': 'abc', 'uuid': api['public_image']['id'], 'source_type': 'image',
            'destination_type': 'local'}]
    _assert_bad_request(_create(api, http, demo_token, {'block_device_mapping_v2': bdm}),
                        "Invalid input for field/attribute boot_index. Value: abc. "
                        "'abc' does not match '^-?[0-9]+$'")


@pytest.mark.parametrize('key', ['os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints'])
@pytest.mark.parametrize('hints', [[], '', 0, None])
def test_scheduler_hints_must_be_an_object(api, http, demo_token, unchanged, key, hints):
    _assert_bad_request(_create(api, http, demo_token, **{key: hints}),
                        "Invalid input for field/attribute %s. Value: %s. %r is not of type 'object'"
                        % (key, hints, hints))


# ---- keypair quota ----------------------------------------------------------------------------

def _parallel(count, fn):
    results = [None] * count
    start = threading.Barrier(count)

    def run(index):
        start.wait()
        try:
            results[index] = fn(index)
        except Exception as exc:  # collected and asserted by the caller
            results[index] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_keypair_quota_holds_under_12_parallel_creates(store):
    """On SQLite and MariaDB: limit 2, 12 imports at once: exactly 2 keypairs, 10 Nova 403s."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    quotas.set_limits(store, 'project-a', {'key_pairs': 2})
    results = _parallel(12, lambda i: keypairs.import_key(store, 'user-a', 'key-%d' % i, PUBLIC_KEYS[i % 2],
                                                          quota_project='project-a'))
    made = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, quotas.QuotaExceeded)]
    assert len(made) == 2 and len(refused) == 10, results
    assert set(r.message for r in refused) == set(['Quota exceeded, too many key pairs.'])
    assert len(keypairs.list_keypairs(store, 'user-a')) == 2
    # Another user of the project has its own count (Nova's key_pairs is per user).
    assert keypairs.import_key(store, 'user-b', 'key', PUBLIC_KEYS[0], quota_project='project-a')['name'] == 'key'


def test_keypair_quota_over_http(api, http, admin_token, demo_token):
    project = api['demo_project']['id']
    path = '/compute/v2.1/os-quota-sets/%s' % project
    assert http.call('PUT', path, {'quota_set': {'key_pairs': 2}}, token=admin_token)[0] == 200
    names = ['race-%s-%d' % (uuid.uuid4().hex[:6], i) for i in range(12)]
    try:
        results = _parallel(12, lambda i: http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {
            'name': names[i], 'public_key': PUBLIC_KEYS[i % 2]}}, token=demo_token))
        statuses = sorted(r[0] for r in results)
        assert statuses == [200] * 2 + [403] * 10, statuses
        assert set(r[2]['forbidden']['message'] for r in results if r[0] == 403) == set(
            ['Quota exceeded, too many key pairs.'])
        listed = http.call('GET', '/compute/v2.1/os-keypairs', token=demo_token)[2]['keypairs']
        assert len([k for k in listed if k['keypair']['name'] in names]) == 2
    finally:
        for name in names:
            http.call('DELETE', '/compute/v2.1/os-keypairs/%s' % name, token=demo_token)
        assert http.call('DELETE', path, token=admin_token)[0] == 202


# ---- unknown user vs wrong password -----------------------------------------------------------

def test_unknown_user_does_the_same_hashing_as_a_wrong_password(store, monkeypatch):
    from novalite_api import accounts
    accounts.ensure_roles(store)
    accounts.create_project(store, 'p')
    accounts.create_user(store, 'alice', 'right-password', default_project='p')
    accounts.assign_role(store, 'alice', 'p', 'member')
    calls = []
    real = accounts.hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get('n'))
        return real(*args, **kwargs)
    monkeypatch.setattr(accounts.hashlib, 'scrypt', counting)

    def attempt(**user):
        del calls[:]
        with pytest.raises(accounts.Unauthorized) as err:
            accounts.authenticate(store, {'identity': {'methods': ['password'], 'password': {'user': dict(
                user, domain={'id': 'default'}, password='wrong-password')}}})
        return list(calls), err.value.message
    wrong = attempt(name='alice')
    assert wrong == ([accounts.SCRYPT_N], 'The request you have made requires authentication.')
    assert attempt(name='nobody') == wrong
    assert attempt(id='0' * 32) == wrong


def _auth_ms(http, user):
    body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'id': 'default'}, 'password': 'not-the-password'}}}}}
    started = time.perf_counter()
    status, _h, answer = http.call('POST', '/identity/v3/auth/tokens', body)
    assert status == 401
    return (time.perf_counter() - started) * 1000, answer


def test_unknown_user_is_not_faster_over_http(http):
    """Medians of interleaved attempts; generous factor: the machine is shared."""
    wrong, unknown = [], []
    for _attempt in range(9):
        elapsed, wrong_body = _auth_ms(http, 'demo')
        wrong.append(elapsed)
        elapsed, unknown_body = _auth_ms(http, 'nobody-%s' % uuid.uuid4().hex[:6])
        unknown.append(elapsed)
    assert wrong_body == unknown_body
    assert statistics.median(unknown) > 0.5 * statistics.median(wrong), (wrong, unknown)
    assert DEMO_PASSWORD != 'not-the-password'


# ---- long URIs ---------------------------------------------------------------------------------

@pytest.mark.parametrize('length', [4200, 9000])
def test_uri_over_the_request_line_limit_is_a_json_414(http, admin_token, length):
    status, headers, body = http.call('GET', '/compute/v2.1/servers?name=%s' % ('a' * length), token=admin_token)
    assert status == 414
    assert headers['Content-Type'] == 'application/json'
    assert body['code'] == 414 and body['title'] == 'URI Too Long'
    assert body['error']['code'] == 414 and body['message'].startswith('Request Line is too large (')
