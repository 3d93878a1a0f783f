"""The image catalog on both backends, with real files, real qemu-img and a local HTTP server."""

import hashlib
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, ImageError, InvalidInput, NotFound)

pytestmark = pytest.mark.skipif(shutil.which('qemu-img') is None, reason='needs qemu-img')


def qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture
def files(tmp_path):
    """Small real images: a qcow2, a raw file, a qcow2 with a backing file, one with a data file."""
    src = tmp_path / 'src'
    src.mkdir()
    out = {}
    out['qcow2'] = str(src / 'disk.qcow2')
    qemu_img('create', '-q', '-f', 'qcow2', out['qcow2'], '32M')
    out['raw'] = str(src / 'disk.raw')
    with open(out['raw'], 'wb') as handle:
        handle.write(os.urandom(64 * 1024))
    out['backed'] = str(src / 'backed.qcow2')
    qemu_img('create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', out['qcow2'], out['backed'])
    out['datafile'] = str(src / 'datafile.qcow2')
    qemu_img('create', '-q', '-f', 'qcow2', '-o', 'data_file=%s' % (src / 'external.raw'), out['datafile'], '16M')
    out['text'] = str(src / 'notes.txt')
    with open(out['text'], 'w') as handle:
        handle.write('this is not a disk image\n' * 100)
    return out


@pytest.fixture
def image_store(tmp_path):
    return str(tmp_path / 'images')


def sha256_of(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def md5_of(path):
    with open(path, 'rb') as handle:
        return hashlib.md5(handle.read()).hexdigest()


def assert_nothing_left(store, image_store):
    assert images.list_images(store) == []
    assert not os.path.isdir(image_store) or os.listdir(image_store) == []


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path not in self.routes:
            self.send_error(404)
            return
        data, claimed = self.routes[self.path]
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(claimed))
        self.end_headers()
        self.wfile.write(data)  # fewer bytes than claimed when truncating
        self.close_connection = True

    def log_message(self, *_args):
        pass


@pytest.fixture
def http_server():
    """A loopback HTTP server; ``serve(path, data, claimed_length)`` adds a route."""
    routes = {}
    handler = type('Handler', (_Handler,), {'routes': routes})
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(path, data, claimed=None):
        routes[path] = (data, len(data) if claimed is None else claimed)
        return 'http://127.0.0.1:%d%s' % (server.server_address[1], path)
    try:
        yield serve
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_register_qcow2_detects_and_hashes(store, image_store, files):
    image = images.register(store, image_store, 'cirros', files['qcow2'], properties={'hw_architecture': 'x86_64'})
    assert image['status'] == 'active'
    assert image['disk_format'] == 'qcow2' and image['container_format'] == 'bare'
    assert image['virtual_size'] == 32 * 1024 * 1024
    assert image['size'] == os.path.getsize(files['qcow2'])
    assert image['os_hash_algo'] == 'sha256' and image['os_hash_value'] == sha256_of(files['qcow2'])
    assert image['checksum'] == md5_of(files['qcow2'])
    assert image['location'] == os.path.join(image_store, image['id'])
    assert sha256_of(image['location']) == image['os_hash_value']
    assert os.listdir(image_store) == [image['id']]
    assert images.get(store, 'cirros')['id'] == image['id']
    assert images.get(store, image['id'])['properties'] == {'hw_architecture': 'x86_64'}


def test_raw_and_kernel_images(store, image_store, files):
    raw = images.register(store, image_store, 'rawdisk', files['raw'])
    assert raw['disk_format'] == 'raw' and raw['virtual_size'] == 64 * 1024
    kernel = images.register(store, image_store, 'vmlinuz', files['raw'], disk_format='aki', container_format='aki')
    assert kernel['disk_format'] == 'aki' and kernel['container_format'] == 'aki'
    ramdisk = images.register(store, image_store, 'initrd', files['raw'], disk_format='ari')
    assert ramdisk['container_format'] == 'ari'
    assert sorted(os.listdir(image_store)) == sorted([raw['id'], kernel['id'], ramdisk['id']])


@pytest.mark.parametrize('case, kwargs, error, field', [
    ('text', dict(disk_format='qcow2'), ImageError, 'disk_format'),
    ('raw', dict(disk_format='qcow2'), ImageError, 'disk_format'),
    ('qcow2', dict(disk_format='raw'), ImageError, 'disk_format'),
    ('qcow2', dict(disk_format='aki', container_format='aki'), ImageError, 'disk_format'),
    ('backed', dict(), ImageError, 'disk_format'),
    ('backed', dict(disk_format='qcow2'), ImageError, 'disk_format'),
    ('datafile', dict(), ImageError, 'disk_format'),
    ('qcow2', dict(checksum='0' * 64), ImageError, 'checksum'),
    ('qcow2', dict(checksum='0' * 32), ImageError, 'checksum'),
    ('qcow2', dict(checksum='not-a-checksum'), InvalidInput, 'checksum'),
    ('qcow2', dict(disk_format='vmdk'), InvalidInput, 'disk_format'),
    ('qcow2', dict(container_format='docker'), InvalidInput, 'container_format'),
    ('raw', dict(disk_format='aki', container_format='ari'), InvalidInput, 'container_format'),
    ('qcow2', dict(visibility='everyone'), InvalidInput, 'visibility'),
    ('qcow2', dict(min_disk=-1), InvalidInput, 'min_disk'),
    ('qcow2', dict(min_ram='lots'), InvalidInput, 'min_ram'),
    ('qcow2', dict(properties={'size': '1'}), InvalidInput, 'properties.size'),
    ('qcow2', dict(properties={'nested': {'a': 1}}), InvalidInput, 'properties.nested'),
    ('qcow2', dict(image_id='not-a-uuid'), InvalidInput, 'id'),
    ('missing', dict(), InvalidInput, 'filename'),
])
def test_bad_register_leaves_nothing(store, image_store, files, case, kwargs, error, field):
    source = files.get(case, '/nonexistent/%s' % case)
    with pytest.raises(error) as info:
        images.register(store, image_store, 'bad', source, **kwargs)
    assert info.value.field == field
    assert info.value.code == 400
    assert_nothing_left(store, image_store)


def test_backing_file_message_says_why(store, image_store, files):
    with pytest.raises(ImageError) as info:
        images.register(store, image_store, 'evil', files['backed'])
    assert 'backing file' in info.value.message and 'security' in info.value.message


def test_checksums_given_are_verified(store, image_store, files):
    by_sha = images.register(store, image_store, 'a', files['qcow2'], checksum=sha256_of(files['qcow2']))
    by_md5 = images.register(store, image_store, 'b', files['qcow2'], checksum='md5:' + md5_of(files['qcow2']))
    assert by_sha['status'] == by_md5['status'] == 'active'


def test_url_download(store, image_store, files, http_server):
    with open(files['qcow2'], 'rb') as handle:
        data = handle.read()
    url = http_server('/disk.qcow2', data)
    image = images.register(store, image_store, 'from-web', url, checksum=hashlib.sha256(data).hexdigest())
    assert image['status'] == 'active' and image['size'] == len(data)
    assert sha256_of(image['location']) == hashlib.sha256(data).hexdigest()


def test_truncated_download_leaves_nothing(store, image_store, files, http_server):
    with open(files['qcow2'], 'rb') as handle:
        data = handle.read()
    url = http_server('/short.qcow2', data[:len(data) // 2], claimed=len(data))
    with pytest.raises(ImageError) as info:
        images.register(store, image_store, 'short', url)
    assert info.value.field == 'url' and 'truncated' in info.value.message
    assert_nothing_left(store, image_store)


def test_http_404_and_non_http_url(store, image_store, http_server):
    url = http_server('/exists', b'x')
    with pytest.raises(ImageError) as info:
        images.register(store, image_store, 'missing', url.replace('/exists', '/missing'))
    assert info.value.field == 'url'
    with pytest.raises(InvalidInput) as info:
        images.register(store, image_store, 'ftp', 'ftp://127.0.0.1/x')
    assert info.value.field == 'url'
    assert_nothing_left(store, image_store)


def test_failed_upload_puts_queued_image_back(store, image_store, files):
    queued = images.create(store, 'later', disk_format='qcow2')
    assert queued['status'] == 'queued'
    with pytest.raises(ImageError):
        images.upload(store, image_store, queued['id'], files['raw'])
    again = images.get(store, queued['id'])
    assert again['status'] == 'queued' and again['size'] is None and again['location'] is None
    assert os.listdir(image_store) == []
    active = images.upload(store, image_store, queued['id'], files['qcow2'])
    assert active['status'] == 'active'
    with pytest.raises(Conflict) as info:
        images.upload(store, image_store, queued['id'], files['qcow2'])
    assert info.value.field == 'status'
    assert os.listdir(image_store) == [queued['id']]


def test_upload_from_file_object(store, image_store, files):
    queued = images.create(store, 'stream')
    with open(files['qcow2'], 'rb') as handle:
        image = images.upload(store, image_store, queued['id'], handle)
    assert image['os_hash_value'] == sha256_of(files['qcow2'])


def test_get_list_visibility_and_ambiguity(store, image_store, files):
    one = images.register(store, image_store, 'same', files['qcow2'], owner='p1', visibility='private')
    two = images.register(store, image_store, 'same', files['raw'], owner='p2', visibility='public',
                          properties={'os_type': 'linux'})
    with pytest.raises(Conflict) as info:
        images.get(store, 'same')
    assert info.value.field == 'name'
    assert images.get(store, 'same', project='p3')['id'] == two['id']  # p1's private one is hidden from p3
    with pytest.raises(NotFound):
        images.get(store, one['id'], project='p3')
    assert images.get(store, two['id'], project='p3')['id'] == two['id']
    with pytest.raises(NotFound):
        images.get(store, 'nothing-by-this-name')
    assert [i['id'] for i in images.list_images(store, properties={'os_type': 'linux'})] == [two['id']]
    assert [i['id'] for i in images.list_images(store, project='p3')] == [two['id']]
    assert len(images.list_images(store, name='same')) == 2


def test_update_and_delete(store, image_store, files):
    image = images.register(store, image_store, 'upd', files['qcow2'], properties={'a': '1', 'b': '2'})
    out = images.update(store, image['id'], min_disk=1, protected=True, properties={'a': '9'}, remove_properties=['b'])
    assert out['min_disk'] == 1 and out['protected'] is True and out['properties'] == {'a': '9'}
    with pytest.raises(Conflict) as info:
        images.delete(store, image_store, image['id'])
    assert info.value.field == 'protected'
    assert os.path.exists(image['location'])
    images.update(store, image['id'], protected=False)
    assert images.delete(store, image_store, image['id'])['status'] == 'deleted'
    assert not os.path.exists(image['location'])
    assert_nothing_left(store, image_store)
    with pytest.raises(NotFound):
        images.delete(store, image_store, image['id'])


def test_ensure_present_idempotent_and_immutable(store, image_store, files):
    planned = images.ensure_present(store, image_store, name='ens', filename=files['qcow2'], check_mode=True)
    assert planned['changed'] and planned['image']['os_hash_value'] == sha256_of(files['qcow2'])
    assert_nothing_left(store, image_store)
    first = images.ensure_present(store, image_store, name='ens', filename=files['qcow2'])
    assert first['changed'] and first['image']['status'] == 'active'
    again = images.ensure_present(store, image_store, name='ens', filename=files['qcow2'])
    assert not again['changed'] and again['image']['id'] == first['image']['id']
    props = images.ensure_present(store, image_store, name='ens', filename=files['qcow2'],
                                  properties={'hw_disk_bus': 'virtio'}, min_ram=64)
    assert props['changed'] and props['diff']['after']['properties'] == {'hw_disk_bus': 'virtio'}
    assert images.get(store, 'ens')['min_ram'] == 64
    with pytest.raises(ImageError) as info:
        images.ensure_present(store, image_store, name='ens', filename=files['raw'])
    assert info.value.field == 'filename' and 'immutable' in info.value.message
    with pytest.raises(InvalidInput) as info:
        images.ensure_present(store, image_store, name='ens', filename=files['qcow2'], disk_format='raw')
    assert info.value.field == 'disk_format'
    assert len(images.list_images(store)) == 1 and len(os.listdir(image_store)) == 1
    with pytest.raises(ImageError):
        images.ensure_present(store, image_store, name='new-bad', filename=files['backed'], check_mode=True)
    assert images.ensure_absent(store, image_store, name='ens')['changed']
    assert not images.ensure_absent(store, image_store, name='ens')['changed']
    assert_nothing_left(store, image_store)
