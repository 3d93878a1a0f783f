"""A live migration's host steps without a migration (virt/live_migration.py): the shared-storage test split over
the destination's ``prepare_destination`` and the source's ``migrate``, Nova's refusals, and the destination's
rollback. The migration itself runs between two real hosts in tests/api/test_live_migration.py."""

import json
import os

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, live_migration as lm

from virt_testlib import image_spec, instance_spec


@pytest.fixture
def inst(tiny_image):
    return instance_spec(image_spec(tiny_image))


def _settings(path):
    return {'instances_path': str(path), 'force_raw_images': True}


def _made(path, inst):
    """The instance directory as a boot leaves it."""
    idir = path / inst['uuid']
    idir.mkdir(parents=True)
    (idir / 'disk.info').write_text(json.dumps({str(idir / 'disk'): 'qcow2'}))
    return idir


def test_a_shared_directory_is_seen_by_both_and_decides_auto(tmp_path, inst):
    shared = tmp_path / 'shared'
    idir = _made(shared, inst)
    out = lm.prepare_destination(inst, _settings(shared), None, {})
    assert (out['created'], out['shared_file'].startswith(lm.SHARED_CHECK_PREFIX)) == (False, True)
    assert (idir / out['shared_file']).exists()
    # the source sees it (one directory): shared, the file gone; auto means no block migration
    assert lm._shared(_settings(shared), inst['uuid'], out['shared_file']) is True
    assert not (idir / out['shared_file']).exists()
    assert lm.decide_block(None, True, str(shared)) is False
    with pytest.raises(NovaliteError, match='is not on local storage: Block migration can not be used'):
        lm.decide_block(True, True, str(shared))


def test_a_stale_directory_on_the_destination_is_not_shared(tmp_path, inst):
    """The destination has a directory of that instance (left there), the source does not see its file."""
    src, dest = tmp_path / 'src', tmp_path / 'dest'
    _made(src, inst)
    stale = _made(dest, inst)
    out = lm.prepare_destination(inst, _settings(dest), True, {})
    assert lm._shared(_settings(src), inst['uuid'], out['shared_file']) is False
    assert lm.decide_block(None, False, str(src)) is True
    # a failure after it: the rollback takes the test file (and the directory only when it was made here)
    conn = connection.open_connection('test:///default')
    try:
        lm.rollback_dest(conn, inst, _settings(dest), True, out['shared_file'])
    finally:
        conn.close()
    assert os.listdir(str(stale)) == ['disk.info']


def test_a_shared_migration_without_shared_storage_makes_nothing(tmp_path, inst):
    dest = tmp_path / 'dest'
    dest.mkdir()
    out = lm.prepare_destination(inst, _settings(dest), False, {})   # no source libvirt is asked
    assert out == {'changed': False, 'shared_file': None, 'created': False}
    assert os.listdir(str(dest)) == []
    assert lm._shared(_settings(tmp_path / 'src'), inst['uuid'], None) is False
    with pytest.raises(NovaliteError, match='is not on shared storage: Shared storage live-migration requires'):
        lm.decide_block(False, False, str(tmp_path / 'src'))


def test_bad_steps_are_refused(tmp_path, inst):
    with pytest.raises(InvalidInput, match='live_migration.block_migration'):
        lm.run_step(None, inst, _settings(tmp_path), {'step': 'prepare_destination', 'block_migration': 'yes'})
    with pytest.raises(InvalidInput, match='live_migration.shared_file'):
        lm._shared(_settings(tmp_path), inst['uuid'], '../../etc/passwd')
    with pytest.raises(InvalidInput, match='live_migration.step'):
        lm.run_step(None, inst, _settings(tmp_path), {'step': 'check_source'})
    with pytest.raises(InvalidInput, match='live_migration.source.host_ip'):
        lm.prepare_destination(inst, _settings(tmp_path), None, {})
