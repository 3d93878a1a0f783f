# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keypairs (Nova's os-keypairs): per-user SSH public keys and x509 certificates.

``import_key`` stores a public key (or, type ``x509``, a PEM certificate) after
checking it really is one; ``generate`` makes an RSA key pair (or a self-signed
certificate for the user) like Nova and returns the private key once (it is never
stored). Fingerprints are shown as Nova shows them: the MD5 of an SSH key blob,
the SHA-1 of a certificate's DER, in colon-separated hex.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import re
import struct

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, rows

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover - reported by open_store_for
    HAS_SQLALCHEMY = False

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core depends on it
    HAS_CRYPTOGRAPHY = False

KEYPAIR_TYPES = ('ssh', 'x509')   # Nova's keypair types (x509 from microversion 2.2)
KEY_TYPES = ('ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521')
# Nova microversion 2.92: letters, digits, space, _ - . @
_NAME_RE = re.compile(r'^[a-zA-Z0-9 _.@-]+$')


def _keypairs():
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
    return schema.table('keypairs')


def check_name(name):
    if not isinstance(name, str) or not name:
        raise InvalidInput('name', 'must be a non-empty string')
    if len(name) > 255:
        raise InvalidInput('name', 'must be at most 255 characters, got %d' % len(name))
    if not _NAME_RE.match(name):
        raise InvalidInput('name', 'may contain only letters, digits, spaces and _ - . @, got %r' % name)
    return name


def _check_user(user_id):
    if not isinstance(user_id, str) or not user_id or len(user_id) > 255:
        raise InvalidInput('user_id', 'must be a string of 1-255 characters')
    return user_id


def fingerprint(blob):
    """Nova's fingerprint: MD5 of the decoded key blob, colon-separated lowercase hex."""
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()  # a display fingerprint, as Nova's
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def parse_public_key(public_key):
    """Check an OpenSSH public key line; returns (normalised line, blob). Raises InvalidInput('public_key')."""
    if not isinstance(public_key, str) or not public_key.strip():
        raise InvalidInput('public_key', 'must be a non-empty OpenSSH public key line')
    parts = public_key.strip().split(None, 2)
    if len(parts) < 2:
        raise InvalidInput('public_key', 'expected "<type> <base64 key> [comment]"')
    key_type, encoded = parts[0], parts[1]
    if key_type not in KEY_TYPES:
        raise InvalidInput('public_key', 'unsupported key type %r (supported: %s)' % (key_type, ', '.join(KEY_TYPES)))
    try:
        blob = base64.b64decode(encoded.encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise InvalidInput('public_key', 'the key is not valid base64')
    # The blob starts with its own type string; it must agree with the prefix.
    if len(blob) < 4:
        raise InvalidInput('public_key', 'the key blob is too short')
    (length,) = struct.unpack('>I', blob[:4])
    embedded = blob[4:4 + length]
    if embedded != key_type.encode('ascii'):
        raise InvalidInput('public_key', 'the key says it is %s but its data is %r'
                           % (key_type, embedded[:40].decode('ascii', 'replace')))
    if HAS_CRYPTOGRAPHY:
        try:
            serialization.load_ssh_public_key(('%s %s' % (key_type, encoded)).encode('ascii'))
        except (ValueError, TypeError) as exc:
            raise InvalidInput('public_key', 'not a valid %s key: %s' % (key_type, exc))
        except Exception as exc:  # cryptography's UnsupportedAlgorithm and friends
            raise InvalidInput('public_key', 'not a usable %s key: %s' % (key_type, exc))
    return ' '.join(parts), blob


def parse_certificate(pem):
    """Check a PEM x509 certificate; returns (normalised PEM, Nova's SHA-1 fingerprint). Raises InvalidInput."""
    if not isinstance(pem, str) or not pem.strip():
        raise InvalidInput('public_key', 'must be a non-empty PEM certificate')
    if not HAS_CRYPTOGRAPHY:
        raise InvalidInput('public_key', 'checking an x509 certificate needs the cryptography package')
    try:
        cert = x509.load_pem_x509_certificate(pem.strip().encode('ascii'))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise InvalidInput('public_key', 'Keypair data is invalid: failed to generate fingerprint')
    digest = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER), usedforsecurity=False).hexdigest()
    return pem.strip() + '\n', ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _to_dict(row):
    return rows.as_dict(row)   # with the integer id, which Nova's keypair show has


def _check_type(key_type):
    if key_type not in KEYPAIR_TYPES:
        raise InvalidInput('type', 'must be one of %s, got %r' % (', '.join(KEYPAIR_TYPES), key_type))


def _insert(store, user_id, name, public_key, key_fingerprint, quota_project=None, key_type='ssh'):
    keypairs = _keypairs()
    values = {'user_id': user_id, 'name': name, 'type': key_type, 'public_key': public_key,
              'fingerprint': key_fingerprint, 'created_at': engine.utcnow()}
    try:
        with store.begin() as conn:
            if quota_project is not None:
                # Counted under a per-user lock in this transaction: parallel creates cannot overshoot.
                quotas.check_key_pairs(conn, quota_project, user_id)
            if conn.execute(sa.select(keypairs.c.id).where(keypairs.c.user_id == user_id,
                                                           keypairs.c.name == name)).first():
                raise Conflict('Key pair \'%s\' already exists.' % name, field='name')
            conn.execute(keypairs.insert().values(**values))
            return _to_dict(conn.execute(sa.select(keypairs).where(keypairs.c.user_id == user_id,
                                                                   keypairs.c.name == name)).first())
    except IntegrityError:
        raise Conflict('Key pair \'%s\' already exists.' % name, field='name')


def import_key(store, user_id, name, public_key, key_type='ssh', quota_project=None):
    """Nova's keypair import. Returns the keypair (fingerprint, public_key, type 'ssh').

    ``quota_project``: check the ``key_pairs`` quota of that project (the API's caller) atomically.
    """
    _check_user(user_id)
    check_name(name)
    _check_type(key_type)
    if key_type == 'x509':
        pem, key_fingerprint = parse_certificate(public_key)
        return _insert(store, user_id, name, pem, key_fingerprint, quota_project, key_type='x509')
    line, blob = parse_public_key(public_key)
    return _insert(store, user_id, name, line, fingerprint(blob), quota_project)


def generate(store, user_id, name, key_type='ssh', bits=2048, quota_project=None):
    """Nova's keypair create without a public key: a new RSA key; ``private_key`` is returned, never stored."""
    _check_user(user_id)
    check_name(name)
    _check_type(key_type)
    if not HAS_CRYPTOGRAPHY:
        raise InvalidInput('public_key', 'generating a key needs the cryptography package; import a public key instead')
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                        serialization.NoEncryption()).decode('ascii')
    if key_type == 'x509':
        pem, key_fingerprint = parse_certificate(_self_signed_for(user_id, private))
        keypair = _insert(store, user_id, name, pem, key_fingerprint, quota_project, key_type='x509')
        keypair['private_key'] = private_pem
        return keypair
    public_line = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                    serialization.PublicFormat.OpenSSH).decode('ascii')
    public_line = '%s Generated-by-Nova' % public_line
    line, blob = parse_public_key(public_line)
    keypair = _insert(store, user_id, name, line, fingerprint(blob), quota_project)
    keypair['private_key'] = private_pem
    return keypair


def _self_signed_for(user_id, private):
    """A client certificate for ``user_id`` (Nova makes one for WinRM certificate logins), PEM."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(private.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(private, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def get(store, user_id, name):
    keypairs = _keypairs()
    with store.read() as conn:
        row = conn.execute(sa.select(keypairs).where(keypairs.c.user_id == user_id, keypairs.c.name == name)).first()
    if row is None:
        raise NotFound('Keypair', name, field='name')
    return _to_dict(row)


def find(store, user_id, name):
    try:
        return get(store, user_id, name)
    except NotFound:
        return None


def list_keypairs(store, user_id):
    keypairs = _keypairs()
    with store.read() as conn:
        return [_to_dict(r) for r in conn.execute(
            sa.select(keypairs).where(keypairs.c.user_id == user_id).order_by(keypairs.c.name))]


def delete(store, user_id, name):
    keypairs = _keypairs()
    with store.begin() as conn:
        row = conn.execute(sa.select(keypairs).where(keypairs.c.user_id == user_id, keypairs.c.name == name)).first()
        if row is None:
            raise NotFound('Keypair', name, field='name')
        conn.execute(keypairs.delete().where(keypairs.c.id == row.id))
        return _to_dict(row)


def _comparable(keypair):
    if not keypair:
        return {}
    return dict((k, keypair.get(k)) for k in ('name', 'user_id', 'type', 'fingerprint', 'public_key'))


def ensure_present(store, user_id, name, public_key=None, check_mode=False):
    """Import ``public_key`` (or generate a key when None) unless the keypair exists.

    An existing keypair with a different key is refused naming ``public_key``
    (Nova keypairs cannot be changed: delete and import again).
    """
    _check_user(user_id)
    check_name(name)
    line = blob = None
    if public_key is not None:
        line, blob = parse_public_key(public_key)
    current = find(store, user_id, name)
    if current is not None:
        if blob is not None and fingerprint(blob) != current['fingerprint']:
            raise InvalidInput('public_key', 'keypair %s exists with another key (fingerprint %s); delete it '
                               '(state=absent) first' % (name, current['fingerprint']))
        return {'changed': False, 'keypair': current, 'diff': {'before': _comparable(current),
                                                               'after': _comparable(current)}}
    if check_mode:
        after = {'name': name, 'user_id': user_id, 'type': 'ssh',
                 'fingerprint': fingerprint(blob) if blob else None, 'public_key': line}
        return {'changed': True, 'keypair': after, 'diff': {'before': {}, 'after': after}}
    keypair = import_key(store, user_id, name, line) if line else generate(store, user_id, name)
    return {'changed': True, 'keypair': keypair, 'diff': {'before': {}, 'after': _comparable(keypair)}}


def ensure_absent(store, user_id, name, check_mode=False):
    current = find(store, user_id, name)
    if current is None:
        return {'changed': False, 'keypair': None, 'diff': {'before': {}, 'after': {}}}
    if not check_mode:
        delete(store, user_id, name)
    return {'changed': True, 'keypair': current, 'diff': {'before': _comparable(current), 'after': {}}}
