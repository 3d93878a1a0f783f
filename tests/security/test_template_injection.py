# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Tenant data is never a template: the injection corpus over every carrier, API and playbooks.

Ansible renders Jinja found inside the variables it trusts (extra vars, var files).
Each carrier of user data (server names, descriptions, metadata keys and values, tags,
user data, keypair keys, image properties, renames, desired-state files, extra vars of
the playbooks) gets ``{{ lookup('pipe', 'touch <marker>') }}`` (with its own marker
file), ``{{ 7*7 }}``, ``{% raw %}x{% endraw %}`` and ``{#``. Every case asserts that no
marker file appears and that the literal text is kept byte for byte in the store, the
domain XML metadata, the config drive and the API's answers, on real libvirt + QEMU.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import shutil
import struct
import tempfile
import time
from urllib.parse import quote

import pytest
import yaml

from lib.api_service import TEST_IMAGE
from lib.guests import config_drive_file, domain_xml_of
from lib.live_api import running
from lib.novalite_env import NovaliteEnv, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.virt.domain_xml import domain_metadata

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

MATH = '{{ 7*7 }}'
RAW = '{% raw %}x{% endraw %}'
COMMENT = '{#'
COMPUTE = '/compute/v2.1'
MICROVERSION = {'X-OpenStack-Nova-API-Version': '2.26'}


@pytest.fixture
def markers():
    """A directory the pipe payloads would create files in: it must stay empty."""
    path = tempfile.mkdtemp(prefix='nl-inject-')
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def pipe(markers, carrier):
    return "{{ lookup('pipe', 'touch %s') }}" % os.path.join(markers, carrier)


def corpus(markers, carrier):
    """The four payloads for one carrier: (kind, text)."""
    return [('pipe', pipe(markers, carrier)), ('math', MATH), ('raw', RAW), ('comment', COMMENT)]


def assert_nothing_ran(markers):
    assert sorted(os.listdir(markers)) == [], 'a template was rendered: the pipe lookups ran'


def ed25519_line(comment):
    blob = struct.pack('>I', 11) + b'ssh-ed25519' + struct.pack('>I', 32) + bytes(range(32))
    return 'ssh-ed25519 %s %s' % (base64.b64encode(blob).decode(), comment)


def domain_name_of(uuid):
    return domain_metadata(domain_xml_of(uuid))['display_name']


def config_drive_of(instances_path, uuid):
    drive = os.path.join(instances_path, uuid, 'disk.config')
    meta = json.loads(config_drive_file(drive, '/openstack/latest/meta_data.json'))
    return meta, config_drive_file(drive, '/openstack/latest/user_data')


# ---- the REST API ---------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


def _call(live, method, path, token, body=None, headers=None):
    return live.http.call(method, path, body, headers=dict(MICROVERSION, **(headers or {})), token=token)


def _wait(live, token, ident, statuses, timeout=180):
    deadline = time.time() + timeout
    server = None
    while time.time() < deadline:
        status, _h, body = _call(live, 'GET', '%s/servers/%s' % (COMPUTE, ident), token)
        if status == 404 and statuses == ('DELETED',):
            return None
        server = (body or {}).get('server')
        if server and server['status'] in statuses and server['OS-EXT-STS:task_state'] is None:
            return server
        time.sleep(0.5)
    raise AssertionError('server %s not in %s: %r\n%s' % (ident, statuses, server, live.log()))


def _upload_image(live, token, properties):
    status, _h, image = live.http.call('POST', '/image/v2/images', dict(
        {'name': 'poisoned-image', 'disk_format': 'qcow2', 'container_format': 'bare'}, **properties), token=token)
    assert status == 201, image
    with open(TEST_IMAGE, 'rb') as handle:
        data = handle.read()
    import urllib.request
    req = urllib.request.Request('%s/image/v2/images/%s/file' % (live.url, image['id']), data=data, method='PUT')
    req.add_header('Content-Type', 'application/octet-stream')
    req.add_header('X-Auth-Token', token)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    assert opener.open(req, timeout=120).status == 204
    return image['id']


def test_api_carriers_keep_templates_as_text(live, markers):
    token = live.token('demo', 'demo')
    key_line = ed25519_line(pipe(markers, 'keypair-comment'))
    status, _h, body = _call(live, 'POST', '%s/os-keypairs' % COMPUTE, token,
                             {'keypair': {'name': 'poison-key', 'public_key': key_line}})
    assert status in (200, 201), body
    image_props = {'x_pipe': pipe(markers, 'image-property'), 'x_math': MATH, 'x_raw': RAW, 'x_comment': COMMENT}
    image_id = _upload_image(live, token, image_props)

    user_data = ('#!/bin/sh\n%s\n%s\n%s\n%s\n' % (pipe(markers, 'user-data'), MATH, RAW, COMMENT)).encode()
    metadata = dict(('m_' + kind, text) for kind, text in corpus(markers, 'metadata-value'))
    first = {'name': pipe(markers, 'name'), 'flavorRef': '42', 'imageRef': image_id, 'key_name': 'poison-key',
             'metadata': metadata, 'description': pipe(markers, 'description'),
             'user_data': base64.b64encode(user_data).decode()}
    names = {'math': MATH, 'raw': RAW, 'comment': COMMENT}
    created = {}
    for label, body in [('pipe', first)] + [(k, {'name': v, 'flavorRef': '42', 'imageRef': image_id})
                                            for k, v in sorted(names.items())]:
        status, _h, answer = _call(live, 'POST', '%s/servers' % COMPUTE, token, {'server': body})
        assert status == 202, answer
        created[label] = answer['server']['id']
    servers = dict((label, _wait(live, token, ident, ('ACTIVE',))) for label, ident in created.items())
    assert_nothing_ran(markers)

    # the API answers, the domain XML and the config drive hold the literal text
    one = servers['pipe']
    assert (one['name'], one['metadata'], one['description']) == (first['name'], metadata, first['description'])
    assert domain_name_of(one['id']) == first['name']
    meta, drive_user_data = config_drive_of(live.instances_path, one['id'])
    assert (meta['name'], meta['meta'], meta['public_keys']) == (first['name'], metadata, {'poison-key': key_line})
    assert drive_user_data == user_data
    for label, text in names.items():
        assert servers[label]['name'] == text
        assert domain_name_of(servers[label]['id']) == text
    status, _h, image = live.http.call('GET', '/image/v2/images/%s' % image_id, token=token)
    assert dict((k, image[k]) for k in image_props) == image_props
    status, _h, key = _call(live, 'GET', '%s/os-keypairs/poison-key' % COMPUTE, token)
    assert key['keypair']['public_key'] == key_line
    store = live.store()
    try:
        row = instances.get(store, one['id'])
        assert (row['display_name'], row['metadata']) == (first['name'], metadata)
        assert row['image']['properties']['x_pipe'] == image_props['x_pipe']
    finally:
        store.dispose()

    # tags, a rename, then a hard reboot (which redefines the domain from the store)
    for tag in (MATH, RAW, COMMENT):
        status, _h, _b = _call(live, 'PUT', '%s/servers/%s/tags/%s' % (COMPUTE, one['id'], quote(tag, safe='')),
                               token)
        assert status in (201, 204), (tag, status)
    renamed = pipe(markers, 'rename')
    status, _h, body = _call(live, 'PUT', '%s/servers/%s' % (COMPUTE, one['id']), token, {'server': {'name': renamed}})
    assert status == 200 and body['server']['name'] == renamed, body
    status, _h, body = _call(live, 'POST', '%s/servers/%s/action' % (COMPUTE, one['id']), token,
                             {'reboot': {'type': 'HARD'}})
    assert status == 202, body
    after = _wait(live, token, one['id'], ('ACTIVE',))
    assert_nothing_ran(markers)
    assert after['name'] == renamed and sorted(after['tags']) == sorted([MATH, RAW, COMMENT])
    assert libvirt_state(one['id']) == 'running'

    for ident in created.values():
        status, _h, _b = _call(live, 'DELETE', '%s/servers/%s' % (COMPUTE, ident), token)
        assert status == 204
    for ident in created.values():
        _wait(live, token, ident, ('DELETED',))
        assert libvirt_state(ident) is None
    assert_nothing_ran(markers)


def test_api_delete_succeeds_whatever_the_stored_data(live):
    """A server whose stored data cannot even be encoded (a lone surrogate kept from before) is deleted."""
    token = live.token('demo', 'demo')
    status, _h, answer = _call(live, 'POST', '%s/servers' % COMPUTE, token, {'server': {
        'name': 'poisoned-later', 'flavorRef': '42', 'imageRef': live.seeds['image']['id'], 'metadata': {'k': 'v'}}})
    assert status == 202, answer
    ident = answer['server']['id']
    _wait(live, token, ident, ('ACTIVE',))
    store = live.store()
    try:
        import sqlalchemy as sa
        from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
        t = table('instances')
        with store.begin() as conn:   # JSON columns keep "\ud800" as an escape: what older versions let in
            conn.execute(t.update().where(t.c.uuid == ident).values(metadata={'k': u'\ud800'}))
        assert instances.get(store, ident)['metadata'] == {'k': u'\ud800'}
    finally:
        store.dispose()
    status, _h, body = _call(live, 'DELETE', '%s/servers/%s' % (COMPUTE, ident), token)
    assert status == 204, body
    _wait(live, token, ident, ('DELETED',))
    assert libvirt_state(ident) is None


# ---- the playbooks --------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def deployment():
    env = NovaliteEnv('sqlite:///%s' % os.path.join(tempfile.mkdtemp(prefix='nl-inject-db-'), 'novalite.db'))
    try:
        env.setup(flavors=(('m1.nano', 1, 128, 1),))
        yield env
    finally:
        env.cleanup()


def _check_server(env, name, user_data=None, metadata=None):
    server = instances.get(env.store(), name)
    assert server['display_name'] == name and server['vm_state'] == 'active', server
    assert domain_name_of(server['uuid']) == name
    meta, drive_user_data = config_drive_of(env.instances_paths[server['host']], server['uuid'])
    assert meta['name'] == name
    if user_data is not None:
        assert server['user_data'] == user_data and drive_user_data == user_data.encode('utf-8')
    if metadata is not None:
        assert server['metadata'] == metadata and meta['meta'] == metadata
    return server


def test_server_yml_extra_vars_are_data(deployment, markers):
    for kind, text in corpus(markers, 'server-name'):
        user_data = '#!/bin/sh\n%s\n' % (pipe(markers, 'server-user-data-' + kind) if kind == 'pipe' else text)
        run = deployment.playbook('server.yml', server_name=text, flavor='m1.nano', image='novalite-test',
                                  user_data=user_data)
        assert run.rc == 0 and run.failed == 0, run.output[-4000:]
        _check_server(deployment, text, user_data=user_data)
    assert_nothing_ran(markers)
    # a lookup by a poisoned flavor name fails as not found, having run nothing and made nothing
    before = len(instances.list_instances(deployment.store(), include_deleted=True))
    run = deployment.playbook('server.yml', server_name='never-made', flavor=pipe(markers, 'flavor'),
                              image='novalite-test')
    assert run.rc != 0 and 'lookup(' in run.output
    assert len(instances.list_instances(deployment.store(), include_deleted=True)) == before
    run = deployment.playbook('server_action.yml', server=pipe(markers, 'action-server'), action='stop')
    assert run.rc != 0
    assert_nothing_ran(markers)


def test_converge_desired_state_is_data(deployment, markers):
    name = pipe(markers, 'converge-name')
    metadata = {pipe(markers, 'converge-metadata-key'): pipe(markers, 'converge-metadata-value'),
                MATH: MATH, RAW: RAW, COMMENT: COMMENT}
    user_data = pipe(markers, 'converge-user-data')
    desired = {'servers': [{'name': name, 'flavor': 'm1.nano', 'image': 'novalite-test', 'metadata': metadata,
                            'user_data': user_data}]}
    path = os.path.join(deployment.root, 'poisoned-servers.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(desired, handle)
    plan = deployment.playbook('converge.yml', '--check', '--diff', desired_state_file=path)
    assert plan.rc == 0, plan.output[-4000:]
    first = deployment.playbook('converge.yml', desired_state_file=path)
    assert first.rc == 0 and first.changed > 0, first.output[-4000:]
    _check_server(deployment, name, user_data=user_data, metadata=metadata)
    again = deployment.playbook('converge.yml', desired_state_file=path)
    assert again.rc == 0 and again.changed == 0, again.output[-4000:]
    # the same mapping given inline as an extra var
    inline = {'servers': [dict(desired['servers'][0], name=pipe(markers, 'inline-name'))]}
    plan = deployment.playbook('converge.yml', '--check', desired_state=inline)
    assert plan.rc == 0, plan.output[-4000:]
    assert_nothing_ran(markers)
