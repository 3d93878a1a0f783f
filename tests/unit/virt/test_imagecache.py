import functools
import hashlib
import http.server
import multiprocessing
import os
import sys
import threading
import time

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, imagecache

from virt_testlib import image_spec, instance_spec, make_qcow2, sha256_of


def test_base_named_by_sha1_of_image_id_and_fetched_once(tmp_path, tiny_image):
    ip = str(tmp_path / 'instances')
    image = image_spec(tiny_image)
    first = imagecache.ensure_base(ip, image)
    assert first['path'] == os.path.join(ip, '_base', hashlib.sha1(image['id'].encode()).hexdigest())
    assert first['copied_bytes'] == os.path.getsize(tiny_image)
    assert first['format'] == 'raw' and first['virtual_size'] == 16 * 1024 * 1024
    second = imagecache.ensure_base(ip, image)
    assert second['copied_bytes'] == 0 and not second['fetched']
    assert os.stat(first['path']).st_mode & 0o777 == 0o644
    assert os.stat(os.path.join(ip, '_base')).st_mode & 0o777 == 0o755


def test_force_raw_converts_once_keeping_content(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    raw = imagecache.ensure_base(ip, image_spec(tiny_image))
    with open(raw['path'], 'rb') as f:
        assert f.read(4) == b'\x5a' * 4  # the data written into the qcow2 survived conversion
    kept = imagecache.ensure_base(ip, image_spec(tiny_image), force_raw=False)
    assert kept['format'] == 'qcow2' and kept['virtual_size'] == 16 * 1024 * 1024
    assert sha256_of(kept['path']) == sha256_of(tiny_image)


def test_checksum_mismatch_leaves_nothing(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    image = image_spec(tiny_image, sha256='0' * 64)
    with pytest.raises(errors.ImageError) as exc:
        imagecache.ensure_base(ip, image)
    assert exc.value.field == 'image.sha256'
    left = [n for n in os.listdir(os.path.join(ip, '_base')) if not n.endswith('.lock')]
    assert left == []


@pytest.mark.parametrize('location,field', [
    ('relative/path.qcow2', 'image.location'),
    ('ftp://127.0.0.1/x', 'image.location'),
    ('', 'image.location'),
])
def test_bad_location_rejected(tmp_path, location, field):
    with pytest.raises(errors.InvalidInput) as exc:
        imagecache.ensure_base(str(tmp_path), {'id': 'x', 'location': location})
    assert exc.value.field == field


def test_missing_source_is_image_error(tmp_path):
    with pytest.raises(errors.ImageError) as exc:
        imagecache.ensure_base(str(tmp_path / 'i'), {'id': 'x', 'location': str(tmp_path / 'nope')})
    assert exc.value.field == 'image.location'
    assert [n for n in os.listdir(str(tmp_path / 'i' / '_base')) if not n.endswith('.lock')] == []


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.gets += 1
        time.sleep(0.3)  # keep the download open so the other processes really race for it
        return super().do_GET()


def _ensure_in_child(ip, image, queue):
    sys.path.insert(0, '/work/main/collections')
    from ansible_collections.novalite.compute.plugins.module_utils.virt import imagecache as ic
    queue.put(ic.ensure_base(ip, image)['copied_bytes'])


def test_ten_parallel_boots_download_once(tmp_path, tiny_image):
    directory = os.path.dirname(tiny_image)
    handler = functools.partial(_CountingHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.gets = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = 'http://127.0.0.1:%d/%s' % (server.server_address[1], os.path.basename(tiny_image))
        image = image_spec(tiny_image, location=url)
        ip = str(tmp_path / 'i')
        ctx = multiprocessing.get_context('fork')
        queue = ctx.Queue()
        procs = [ctx.Process(target=_ensure_in_child, args=(ip, image, queue)) for _child in range(10)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
        copied = sorted(queue.get(timeout=5) for _proc in procs)
    finally:
        server.shutdown()
        server.server_close()
    assert server.gets == 1
    assert copied[:9] == [0] * 9 and copied[9] == os.path.getsize(tiny_image)


def test_age_removes_only_old_unused_bases(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    used_img = image_spec(tiny_image)
    old_img = image_spec(make_qcow2(tmp_path / 'old.qcow2', '1M'))
    young_img = image_spec(make_qcow2(tmp_path / 'young.qcow2', '1M'))
    used = imagecache.ensure_base(ip, used_img)
    old = imagecache.ensure_base(ip, old_img)
    young = imagecache.ensure_base(ip, young_img)
    disk.create_instance_disks(ip, instance_spec(used_img), used)
    long_ago = time.time() - 10 * 86400
    for p in (used['path'], old['path']):
        os.utime(p, (long_ago, long_ago))

    dry = imagecache.age(ip, 86400, dry_run=True)
    assert dry['removed'] == [old['path']] and os.path.exists(old['path'])
    result = imagecache.age(ip, 86400)
    assert result['removed'] == [old['path']]
    assert result['in_use'] == [used['path']]
    assert result['kept'] == [young['path']]
    assert not os.path.exists(old['path'])
    assert os.path.exists(used['path']) and os.path.exists(young['path'])


def test_age_keeps_hard_linked_kernel(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    kernel_src = tmp_path / 'vmlinuz'
    kernel_src.write_bytes(b'kernel' * 100)
    kernel = {'id': 'k-1', 'location': str(kernel_src), 'sha256': sha256_of(str(kernel_src))}
    base = imagecache.ensure_base(ip, img)
    kbase = imagecache.ensure_base(ip, kernel, convert=False, what='kernel')
    inst = instance_spec(img)
    disk.create_instance_disks(ip, inst, base, kernel_base=kbase)
    result = imagecache.age(ip, 0)
    assert kbase['path'] in result['in_use'] and os.path.exists(kbase['path'])


def test_age_bad_max_age(tmp_path):
    with pytest.raises(errors.InvalidInput) as exc:
        imagecache.age(str(tmp_path), -1)
    assert exc.value.field == 'max_age'
