"""images.upload's limits on both backends: announced length, size cap, per-owner storage quota."""

import io
import os
import shutil

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
from ansible_collections.novalite.compute.plugins.module_utils.errors import ImageError, TooLarge

pytestmark = pytest.mark.skipif(shutil.which('qemu-img') is None, reason='needs qemu-img')

KIB = 1024


@pytest.fixture
def image_store(tmp_path):
    return str(tmp_path / 'images')


def _queued(store, owner='p1'):
    return images.create(store, 'img', disk_format='raw', container_format='bare', owner=owner)


def _assert_untouched(store, image_store, image_id):
    image = images.get(store, image_id)
    assert image['status'] == 'queued' and image['size'] is None
    assert os.listdir(image_store) == []


def test_short_stream_against_its_length_fails(store, image_store):
    image = _queued(store)
    with pytest.raises(ImageError) as err:
        images.upload(store, image_store, image['id'], io.BytesIO(b'\0' * KIB), length=4 * KIB)
    assert 'truncated image data: got 1024 of 4096 bytes' in err.value.message
    _assert_untouched(store, image_store, image['id'])


def test_size_cap_by_length_and_while_streaming(store, image_store):
    image = _queued(store)
    for length in (4 * KIB, None):
        with pytest.raises(TooLarge) as err:
            images.upload(store, image_store, image['id'], io.BytesIO(b'\0' * 4 * KIB), length=length,
                          size_cap=2 * KIB)
        assert err.value.code == 413
        assert err.value.message == 'The incoming image is too large: The provided image is too large.'
        _assert_untouched(store, image_store, image['id'])
    done = images.upload(store, image_store, image['id'], io.BytesIO(b'\0' * 2 * KIB), size_cap=2 * KIB)
    assert done['status'] == 'active' and done['size'] == 2 * KIB


def test_storage_quota_counts_the_owners_active_images_only(store, image_store):
    mine, other = _queued(store), _queued(store, owner='p2')
    images.upload(store, image_store, other['id'], io.BytesIO(b'\0' * 8 * KIB))
    images.upload(store, image_store, mine['id'], io.BytesIO(b'\0' * 3 * KIB), storage_quota=4 * KIB)
    second = _queued(store)
    with pytest.raises(TooLarge) as err:
        images.upload(store, image_store, second['id'], io.BytesIO(b'\0' * 2 * KIB), length=2 * KIB,
                      storage_quota=4 * KIB)
    assert err.value.message == ('Image exceeds the storage quota: The size of the data 2048 will exceed the '
                                 'limit. 1024 bytes remaining.')
    assert images.get(store, second['id'])['status'] == 'queued'
    assert sorted(os.listdir(image_store)) == sorted([mine['id'], other['id']])


def test_two_uploads_that_fit_alone_cannot_pass_the_quota_together(store, image_store):
    """The second upload starts while the first streams; the activation recount refuses the later one."""
    first, second = _queued(store), _queued(store)

    class SlowSource(object):
        """Finishes the other upload before handing over its own data."""

        def __init__(self):
            self.data = io.BytesIO(b'\0' * 3 * KIB)
            self.interleaved = False

        def read(self, size):
            if not self.interleaved:
                self.interleaved = True
                images.upload(store, image_store, second['id'], io.BytesIO(b'\0' * 3 * KIB), storage_quota=4 * KIB)
            return self.data.read(size)

    with pytest.raises(TooLarge) as err:
        images.upload(store, image_store, first['id'], SlowSource(), storage_quota=4 * KIB)
    assert 'Image exceeds the storage quota: The size of the data 3072 will exceed the limit. 1024 bytes' \
        in err.value.message
    assert images.get(store, first['id'])['status'] == 'queued'
    assert images.get(store, second['id'])['status'] == 'active'
    assert os.listdir(image_store) == [second['id']]
