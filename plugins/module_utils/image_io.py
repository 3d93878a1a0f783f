# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Reading image bytes from a path or an http(s) URL while hashing them.

Shared by the controller's image store (catalog/images.py, Glance's upload)
and the compute host's image cache (virt/imagecache.py, the _base download):
neither side imports the other, both import this.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import sys

from ansible_collections.novalite.compute.plugins.module_utils.errors import ImageError, InvalidInput, TooLarge

CHUNK = 1024 * 1024
URL_TIMEOUT = 60


def open_source(location, field, timeout=URL_TIMEOUT):
    """(file object, expected length or None) for an absolute path, a file:// or an http(s) URL.

    Errors name ``field`` (the option the location came from).
    """
    if location.startswith(('http://', 'https://')):
        # imported here: most calls read local files, and the import costs a tenth of a second (http.client too:
        # every host module start would pay for it)
        from http.client import HTTPException
        from urllib.error import URLError
        from ansible.module_utils.urls import ConnectionError as UrlConnectionError, open_url
        try:
            # decompress=False: the bytes stored are the bytes served, and Content-Length
            # stays comparable for the truncated-download check in copy_hashing.
            resp = open_url(location, http_agent='novalite', timeout=timeout, decompress=False,
                            use_netrc=False)
        except (URLError, HTTPException, UrlConnectionError, OSError, ValueError) as exc:
            raise ImageError(field, 'cannot download %s: %s' % (location, getattr(exc, 'reason', exc)))
        length = resp.headers.get('Content-Length')
        return resp, int(length) if length and length.isdigit() else None
    path = location[len('file://'):] if location.startswith('file://') else location
    if '://' in path:
        raise InvalidInput(field, 'only http and https URLs or local paths are supported, got %s' % location)
    try:
        return open(path, 'rb'), os.path.getsize(path)
    except (IOError, OSError) as exc:
        raise ImageError(field, 'cannot read %s: %s' % (path, exc.strerror or exc))


def _http_errors():
    """An HTTP response's read errors, when one can be read: http.client is loaded only once something opened a
    URL (open_source), so a local copy does not import it."""
    client = sys.modules.get('http.client')
    return (client.HTTPException,) if client is not None else ()


def copy_hashing(src, dst, field, expected_length=None, max_bytes=None, over_limit_message=None):
    """Copy ``src`` to ``dst`` (fsynced); returns (bytes, sha256 hex, md5 hex). ``dst`` None: only hash ``src``.

    md5 is Glance's legacy ``checksum``, not a security check. A short read
    against ``expected_length`` (a truncated download, a client gone mid-upload)
    is an ImageError. More than ``max_bytes`` is TooLarge (``over_limit_message``)
    as soon as the data passes the limit, before the chunk over it is written.
    """
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    try:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                break
            if max_bytes is not None and size + len(chunk) > max_bytes:
                raise TooLarge(over_limit_message or 'image data is larger than %d bytes' % max_bytes, field=field)
            if dst is not None:
                dst.write(chunk)
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    except (_http_errors() + (OSError,)) as exc:
        raise ImageError(field, 'reading the image data failed after %d bytes: %s' % (size, exc))
    if expected_length is not None and size != expected_length:
        raise ImageError(field, 'truncated image data: got %d of %d bytes' % (size, expected_length))
    if dst is not None:
        dst.flush()
        os.fsync(dst.fileno())
    return size, sha256.hexdigest(), md5.hexdigest()
