"""plugins/module_utils/files.py: atomic replacement leaves the old file or the new one, and no temporary file."""

import os
import stat

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import files


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _umask_default():
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def test_write_creates_and_replaces_text_and_bytes(tmp_path):
    path = str(tmp_path / 'disk.info')
    files.write_atomically(path, '{"a": 1}')
    with open(path) as handle:
        assert handle.read() == '{"a": 1}'
    assert _mode(path) == _umask_default()
    files.write_atomically(path, b'\x00\xffbytes')
    with open(path, 'rb') as handle:
        assert handle.read() == b'\x00\xffbytes'
    assert os.listdir(str(tmp_path)) == ['disk.info']


def test_a_replaced_file_keeps_its_mode_and_an_explicit_mode_is_exact(tmp_path):
    path = str(tmp_path / 'hosts')
    files.write_atomically(path, 'old')
    os.chmod(path, 0o640)
    files.write_atomically(path, 'new')
    assert _mode(path) == 0o640
    old_mask = os.umask(0o077)   # the explicit mode is not narrowed by the umask
    try:
        files.write_atomically(path, 'newer', mode=0o644)
    finally:
        os.umask(old_mask)
    assert _mode(path) == 0o644


def test_a_failure_inside_the_block_leaves_the_old_content_and_no_temporary_file(tmp_path):
    path = str(tmp_path / 'disk.config')
    files.write_atomically(path, 'old')
    with pytest.raises(RuntimeError):
        with files.replacing(path, 0o600) as tmp:
            assert os.path.dirname(tmp) == str(tmp_path)   # same directory: the rename is atomic
            assert _mode(tmp) & 0o077 == 0   # a restrictive mode holds from the start (secrets)
            with open(tmp, 'w') as handle:
                handle.write('half')
            raise RuntimeError('genisoimage failed')
    with open(path) as handle:
        assert handle.read() == 'old'
    assert os.listdir(str(tmp_path)) == ['disk.config']


def test_a_failed_write_or_rename_leaves_the_old_content_and_no_temporary_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'filters.nft')
    files.write_atomically(path, 'old')
    with pytest.raises(TypeError):
        files.write_atomically(path, 42)   # not text: the write fails after the temporary file exists
    with open(path) as handle:
        assert handle.read() == 'old'
    assert os.listdir(str(tmp_path)) == ['filters.nft']

    def refuse(src, dst):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(files.os, 'rename', refuse)
    with pytest.raises(OSError):
        files.write_atomically(path, 'new')
    monkeypatch.undo()
    with open(path) as handle:
        assert handle.read() == 'old'
    assert os.listdir(str(tmp_path)) == ['filters.nft']


def test_a_missing_directory_fails_without_writing(tmp_path):
    with pytest.raises(OSError):
        files.write_atomically(str(tmp_path / 'gone' / 'disk.info'), 'x')
    assert os.listdir(str(tmp_path)) == []


def test_leftovers_are_the_temporary_files_of_that_path_only(tmp_path):
    path = str(tmp_path / '.incoming-abc')
    for name in ('.incoming-abc', '.incoming-abc.part-1f2e', '.incoming-abcd.part-1f2e', 'other.part-1f2e'):
        (tmp_path / name).write_text('x')
    assert files.leftovers(path) == [path + '.part-1f2e']
    assert files.leftovers(str(tmp_path / 'missing' / 'x')) == []


def test_two_replacements_at_once_use_different_temporary_files(tmp_path):
    path = str(tmp_path / 'hosts')
    with files.replacing(path) as first:
        with files.replacing(path) as second:
            assert first != second
            with open(second, 'w') as handle:
                handle.write('second')
        with open(first, 'w') as handle:
            handle.write('first')
    with open(path) as handle:
        assert handle.read() == 'first'   # the last rename wins, whole
    assert os.listdir(str(tmp_path)) == ['hosts']
