# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The server password (Nova's ``os-server-password``): the encrypted password a guest posts for its users.

This is not the admin password (``adminPass``): that one reaches the guest on its config drive and is never
stored (compute/admin_password.py). The server password is what a guest's agent (cloud-init, cloudbase-init)
encrypts with the server's public key and posts once to the metadata service; Nova keeps it in the
instance's system metadata in four chunks of 255 characters (``password_0`` .. ``password_3``), shows it
unchanged and clears it on request. novalite keeps it the same way; ``post`` has the metadata service's
rules. novalite has no metadata service yet, so a guest cannot post one and a server's password is ``''``
(Nova's answer for a server without one) until something calls ``post``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput

CHUNKS = 4
CHUNK_LENGTH = 255
KEYS = tuple('password_%d' % i for i in range(CHUNKS))
# The metadata service refuses a larger post (Nova's password handler: 256 bytes)
MAX_POST_BYTES = 256


def extract(system_metadata):
    """The stored password, or None when the server never had one (Nova's extract_password)."""
    system_metadata = system_metadata or {}
    if not any(key in system_metadata for key in KEYS):
        return None
    return ''.join(system_metadata.get(key) or '' for key in KEYS)


def chunked(password):
    """The system metadata keys holding ``password`` ('' or None: cleared), as Nova's convert_password."""
    password = password or ''
    return dict((key, password[i * CHUNK_LENGTH:(i + 1) * CHUNK_LENGTH]) for i, key in enumerate(KEYS))


def _save(store, instance_uuid, password, refuse_when_set):
    def change(inst):
        system = dict(inst.get('system_metadata') or {})
        if refuse_when_set and extract(system):
            raise Conflict('Password already set for instance %s' % instance_uuid, field='password')
        system.update(chunked(password))
        return {'system_metadata': system}
    return instances.modify(store, instance_uuid, change)


def clear(store, instance_uuid):
    """Forget the stored password (the guest's own password is unchanged); returns the instance."""
    return _save(store, instance_uuid, None, False)


def post(store, instance_uuid, password):
    """Store the password a guest posts: at most 256 bytes, once until cleared (409 then, as Nova)."""
    if not isinstance(password, str) or len(password.encode('utf-8')) > MAX_POST_BYTES:
        raise InvalidInput('password', 'Request is too large.')
    return _save(store, instance_uuid, password, True)
