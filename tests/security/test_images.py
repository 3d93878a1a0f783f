# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Image data and image boots that must not fill the disks.

* an upload shorter than its Content-Length (client gone) fails: image ``queued``, no file;
* ``image_size_cap`` and ``user_storage_quota`` are Glance's 413s, before reading when the
  Content-Length says so, else while the data streams; parallel uploads cannot pass the quota;
* ``protected`` must be a JSON boolean (Glance's schema);
* a non-admin cannot boot an image on a zero-disk flavor (Nova's zero_disk_flavor policy, 403),
  and nobody boots an image whose virtual size no compute host's disk could hold.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import os
import shutil
import socket
import subprocess
import threading
import uuid

import pytest

from lib.api_service import (DEMO_PASSWORD, Http, prepare_catalog, service_config, start_service,
                             stop_service)

MIB = 1024 * 1024
SIZE_CAP = MIB
STORAGE_QUOTA = 2 * MIB + MIB // 2
CAP_MESSAGE = 'The incoming image is too large: The provided image is too large.'


@pytest.fixture(scope='module')
def limited(tmp_path_factory):
    """A service with a 1 MiB image_size_cap and a 2.5 MiB user_storage_quota, and a demo member."""
    from novalite_api import accounts
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    workdir = str(tmp_path_factory.mktemp('novalite-image-limits'))
    os.chmod(workdir, 0o755)
    cfg = service_config(workdir, heartbeat_interval=0, image_size_cap=SIZE_CAP,
                         user_storage_quota='%dB' % STORAGE_QUOTA)
    prepare_catalog(workdir, cfg)
    store = Store(cfg['database_url'])
    accounts.create_project(store, 'demo')
    accounts.create_user(store, 'demo', DEMO_PASSWORD, default_project='demo')
    accounts.assign_role(store, 'demo', 'demo', 'member')
    store.dispose()
    proc, _log = start_service(workdir, cfg)
    client = Http('http://127.0.0.1:%d' % cfg['bind_port'])
    try:
        yield {'cfg': cfg, 'http': client, 'token': client.token('demo', DEMO_PASSWORD, 'demo'),
               'port': cfg['bind_port']}
    finally:
        stop_service(proc)
        shutil.rmtree(workdir, ignore_errors=True)


def _new_image(svc, name='data'):
    status, _h, image = svc['http'].call('POST', '/image/v2/images', {
        'name': '%s-%s' % (name, uuid.uuid4().hex[:6]), 'disk_format': 'raw', 'container_format': 'bare'},
        token=svc['token'])
    assert status == 201, image
    return image


def _image(svc, image_id):
    return svc['http'].call('GET', '/image/v2/images/%s' % image_id, token=svc['token'])[2]


def _files(svc):
    return sorted(os.listdir(svc['cfg']['image_store']))


def _put(svc, image_id, data):
    return svc['http'].send('PUT', '/image/v2/images/%s/file' % image_id, data, token=svc['token'],
                            content_type='application/octet-stream')


def _put_chunked(svc, image_id, total, chunk=64 * 1024):
    """Stream ``total`` zero bytes without a Content-Length; (status, body) or (None, error) if cut off."""
    conn = http.client.HTTPConnection('127.0.0.1', svc['port'], timeout=30)
    try:
        conn.request('PUT', '/image/v2/images/%s/file' % image_id, body=(b'\0' * chunk for _chunk in range(total // chunk)),
                     headers={'X-Auth-Token': svc['token'], 'Content-Type': 'application/octet-stream'},
                     encode_chunked=True)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (ConnectionError, http.client.HTTPException) as exc:
        return None, exc   # the service answered and closed before all the data was sent
    finally:
        conn.close()


def _assert_queued_without_data(svc, image_id, files_before):
    image = _image(svc, image_id)
    assert image['status'] == 'queued' and image['size'] is None and image['checksum'] is None
    assert _files(svc) == files_before, 'a partial or temporary file was left in the image store'


def _delete(svc, *image_ids):
    for image_id in image_ids:
        assert svc['http'].call('DELETE', '/image/v2/images/%s' % image_id, token=svc['token'])[0] == 204


def test_upload_shorter_than_its_content_length_fails_and_leaves_nothing(limited):
    image = _new_image(limited)
    before = _files(limited)
    head = ('PUT /image/v2/images/%s/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: %s\r\n'
            'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n'
            % (image['id'], limited['token'], MIB)).encode('ascii')
    sock = socket.create_connection(('127.0.0.1', limited['port']), timeout=30)
    try:
        sock.sendall(head + b'\0' * 4096)
        sock.shutdown(socket.SHUT_WR)   # the client is gone after 4 KiB of the announced 1 MiB
        answer = b''
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    assert answer.startswith(b'HTTP/1.1 400'), answer[:200]
    assert b'truncated image data: got 4096 of 1048576 bytes' in answer
    _assert_queued_without_data(limited, image['id'], before)
    # The image can still receive its data.
    assert _put(limited, image['id'], b'\0' * 4096)[0] == 204
    assert _image(limited, image['id'])['status'] == 'active'
    _delete(limited, image['id'])


def test_image_data_is_never_read_as_a_json_body(limited):
    """Whatever its Content-Type says: not held to max_request_body_size, not parsed into memory."""
    image = _new_image(limited)
    data = b'\0' * (limited['cfg'].get('max_request_body_size', 114688) + 1)
    status, _h, body = limited['http'].send('PUT', '/image/v2/images/%s/file' % image['id'], data,
                                            token=limited['token'], content_type='application/json')
    assert status == 204, body
    assert _image(limited, image['id'])['size'] == len(data)
    _delete(limited, image['id'])


def test_content_length_over_the_size_cap_is_413_before_reading(limited):
    image = _new_image(limited)
    before = _files(limited)
    status, _h, body = _put(limited, image['id'], b'\0' * (SIZE_CAP + 1))
    assert status == 413 and body['message'] == CAP_MESSAGE and body['code'] == 413
    _assert_queued_without_data(limited, image['id'], before)
    _delete(limited, image['id'])


def test_streamed_data_over_the_size_cap_is_stopped(limited):
    image = _new_image(limited)
    before = _files(limited)
    status, body = _put_chunked(limited, image['id'], SIZE_CAP + 256 * 1024)
    if status is not None:   # the answer may be lost if the service closed while we were still sending
        assert status == 413 and CAP_MESSAGE.encode() in body
    _assert_queued_without_data(limited, image['id'], before)
    _delete(limited, image['id'])


def test_storage_quota_per_project(limited):
    first, second, third = _new_image(limited), _new_image(limited), _new_image(limited)
    assert _put(limited, first['id'], b'\0' * MIB)[0] == 204
    assert _put(limited, second['id'], b'\0' * MIB)[0] == 204
    before = _files(limited)
    remaining = STORAGE_QUOTA - 2 * MIB
    status, _h, body = _put(limited, third['id'], b'\0' * MIB)
    assert status == 413
    assert body['message'] == ('Image exceeds the storage quota: The size of the data %d will exceed the limit. '
                               '%d bytes remaining.' % (MIB, remaining))
    _assert_queued_without_data(limited, third['id'], before)
    status, body = _put_chunked(limited, third['id'], MIB)
    if status is not None:
        assert status == 413 and b'Image exceeds the storage quota' in body
    _assert_queued_without_data(limited, third['id'], before)
    # What fits still fits; deleting an image frees its share.
    assert _put(limited, third['id'], b'\0' * remaining)[0] == 204
    _delete(limited, first['id'])
    again = _new_image(limited)
    assert _put(limited, again['id'], b'\0' * MIB)[0] == 204
    _delete(limited, second['id'], third['id'], again['id'])


def test_parallel_uploads_cannot_pass_the_quota_together(limited):
    """Each fits alone, not together: the activation recounts under the project's lock."""
    size = 700 * 1024
    files_before = _files(limited)
    fill = _new_image(limited)
    assert _put(limited, fill['id'], b'\0' * (STORAGE_QUOTA - 2 * MIB))[0] == 204   # leaves 2 MiB
    racers = [_new_image(limited) for _racer in range(4)]
    results = {}

    def upload(image):
        results[image['id']] = _put(limited, image['id'], b'\0' * size)[0]

    threads = [threading.Thread(target=upload, args=(image,)) for image in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [204, 204, 413, 413]
    active = [i for i in racers if _image(limited, i['id'])['status'] == 'active']
    assert len(active) == 2
    assert _files(limited) == sorted(files_before + [fill['id']] + [i['id'] for i in active])
    _delete(limited, fill['id'], *[i['id'] for i in racers])
    assert _files(limited) == files_before


@pytest.mark.parametrize('value', ['yes', 'true', 1, 0, None, {}])
def test_protected_must_be_a_json_boolean(api, http, demo_token, value):
    _s, _h, before = http.call('GET', '/image/v2/images', token=demo_token)
    status, _h, body = http.call('POST', '/image/v2/images', {'name': 'p', 'protected': value}, token=demo_token)
    assert status == 400
    assert body['message'] == ("protected: Provided object does not match schema 'image': %r is not of type "
                               "'boolean'" % (value,))
    _s, _h, after = http.call('GET', '/image/v2/images', token=demo_token)
    assert after['images'] == before['images']


# ---- zero-disk flavors ------------------------------------------------------------------------

@pytest.fixture(scope='module')
def zero_disk(api):
    """A public root_gb 0 flavor and a public image of 10 TiB virtual size in the shared service's store."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(api['cfg']['database_url'])
    flavor = flavors.create(store, 'zero-disk-%s' % uuid.uuid4().hex[:6], 1, 128, 0,
                            flavorid='z%s' % uuid.uuid4().hex[:6])
    path = os.path.join(api['workdir'], 'huge.qcow2')
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '10T'])
    huge = images.register(store, api['cfg']['image_store'], 'huge-%s' % uuid.uuid4().hex[:6], path,
                           disk_format='qcow2', container_format='bare', visibility='public',
                           owner=api['admin']['project']['id'])
    assert huge['virtual_size'] == 10 * 1024 ** 4
    yield {'flavor': flavor, 'huge': huge}
    images.delete(store, api['cfg']['image_store'], huge['id'])
    flavors.delete(store, flavor['flavorid'])


def _boot_state(api):
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    with Store(api['cfg']['database_url']).read() as conn:
        counts = dict((name, conn.execute(sa.select(sa.func.count()).select_from(table(name))).scalar())
                      for name in ('instances', 'api_jobs', 'allocations', 'instance_actions'))
    instances_dir = os.path.join(api['workdir'], 'instances')
    files = sorted(os.path.join(d, f) for d, _s, fs in os.walk(instances_dir) for f in fs)
    return counts, files


def _boot(http, token, flavor, image):
    return http.call('POST', '/compute/v2.1/servers', {'server': {
        'name': 'zero', 'flavorRef': flavor['flavorid'], 'imageRef': image['id']}}, token=token)


@pytest.mark.parametrize('which', ['test image', 'huge image'])
def test_non_admin_cannot_boot_an_image_on_a_zero_disk_flavor(api, http, demo_token, zero_disk, which):
    image = api['public_image'] if which == 'test image' else zero_disk['huge']
    before = _boot_state(api)
    status, _h, body = _boot(http, demo_token, zero_disk['flavor'], image)
    assert status == 403
    assert body == {'forbidden': {'code': 403, 'message': 'Only volume-backed servers are allowed for flavors '
                                                          'with zero disk.'}}
    assert _boot_state(api) == before


def test_nobody_boots_an_image_larger_than_any_host_disk(api, http, admin_token, zero_disk):
    before = _boot_state(api)
    status, _h, body = _boot(http, admin_token, zero_disk['flavor'], zero_disk['huge'])
    assert status == 400
    message = body['badRequest']['message']
    assert message.startswith('Image %s has a virtual size of %d bytes' % (zero_disk['huge']['id'], 10 * 1024 ** 4))
    assert 'no host can ever hold its root disk' in message
    assert _boot_state(api) == before


def test_a_flavor_with_a_disk_still_must_hold_the_image(api, http, demo_token, zero_disk):
    before = _boot_state(api)
    status, _h, body = _boot(http, demo_token, {'flavorid': '1'}, zero_disk['huge'])
    assert status == 400 and "Flavor's disk is too small" in body['badRequest']['message']
    assert _boot_state(api) == before
