# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Atomic file replacement: readers see the old file or the new one, never a half-written one.

The new content goes to a temporary file beside the target (same directory, so the rename
stays on one filesystem and is atomic), which is renamed over the target only once it is
complete. A failure removes the temporary file and leaves the target as it was (a process
killed mid-write leaves it behind: leftovers() finds it). The temporary name is
``<target>.part-<random>``, made with O_EXCL so that two writers never share one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import contextlib
import errno
import os
import stat

TEMP_MARK = '.part-'   # in every temporary file's name (directory scans skip them)


def _create_temp(path, mode):
    """A new empty file beside ``path``, created with ``mode`` (through the umask, like open())."""
    while True:
        tmp = path + TEMP_MARK + binascii.hexlify(os.urandom(6)).decode('ascii')
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
            return tmp
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise


def _target_mode(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        return None


@contextlib.contextmanager
def replacing(path, mode=None):
    """Yield a temporary path beside ``path`` to write the new content to (by Python or by a command).

    When the block ends normally the temporary file gets ``mode`` (exactly, whatever the umask), or the
    mode ``path`` had (a replaced file keeps its permissions), or the umask default for a new file, and is
    renamed over ``path``. When the block raises it is removed and ``path`` stays untouched.
    """
    # a restrictive mode applies from the start: the content may be a secret (a config drive's password)
    tmp = _create_temp(path, 0o666 if mode is None else mode)
    try:
        yield tmp
        final = _target_mode(path) if mode is None else mode
        if final is not None:
            os.chmod(tmp, final)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomically(path, data, mode=None):
    """Replace ``path``'s content with ``data`` (text or bytes) atomically; ``mode`` as in replacing()."""
    with replacing(path, mode) as tmp:
        with open(tmp, 'wb' if isinstance(data, bytes) else 'w') as handle:
            handle.write(data)


def leftovers(path):
    """The temporary files of replacements of ``path`` that a killed process left behind."""
    directory, name = os.path.split(path)
    try:
        names = os.listdir(directory or '.')
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
        return []
    return sorted(os.path.join(directory, n) for n in names if n.startswith(name + TEMP_MARK))
