# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Keystone's data: projects, users (scrypt-hashed passwords), roles, assignments, tokens.

Tokens are stateless: ``base64url(JSON payload).base64url(HMAC-SHA256)`` signed
with the service's secret key; the payload holds user, project, expiry and an
audit id. Revoking a token records its audit id until it would have expired.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import uuid

from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InvalidInput, NotFound, NovaliteError)
from ansible_collections.novalite.compute.plugins.module_utils.store import engine
from ansible_collections.novalite.compute.plugins.module_utils.compute import context as playbook_context
from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover
    HAS_SQLALCHEMY = False

DEFAULT_DOMAIN = {'id': 'default', 'name': 'Default'}
DEFAULT_ROLES = ('admin', 'member', 'reader')
# scrypt cost: about 50 ms and 16 MiB per check on this class of machine.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
_NAME_RE = re.compile(r'^[^\x00-\x1f\x7f]{1,64}$')


class Unauthorized(NovaliteError):
    code = 401
    kind = 'Unauthorized'


def hash_password(password):
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode('utf-8'), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return 'scrypt$%d$%d$%d$%s$%s' % (SCRYPT_N, SCRYPT_R, SCRYPT_P, _b64(salt), _b64(digest))


def check_password(password, stored):
    try:
        scheme, n, r, p, salt, digest = (stored or '').split('$')
        if scheme != 'scrypt':
            return False
        got = hashlib.scrypt(password.encode('utf-8'), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(_unb64(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')


def _unb64(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


# What an unknown user's password is checked against: that path costs one scrypt, as a wrong password
# does, so timing does not tell which user names exist. Its digest matches no password's.
_NO_USER_HASH = 'scrypt$%d$%d$%d$%s$%s' % (SCRYPT_N, SCRYPT_R, SCRYPT_P, _b64(b'\0' * 16), _b64(b'\0' * 32))


def _check_name(field, name):
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise InvalidInput(field, 'must be 1 to 64 printable characters, got %r' % (name,))
    return name


def _check_password_value(password):
    if not isinstance(password, str) or len(password) < 8:
        raise InvalidInput('password', 'must be a string of at least 8 characters')
    return password


def _domain_id(domain):
    if domain in (None, 'default', 'Default'):
        return 'default'
    raise InvalidInput('domain', 'only the Default domain exists, got %r' % (domain,))


# ---- create / lookup ---------------------------------------------------------------------------

def ensure_roles(store, names=DEFAULT_ROLES):
    roles = table('roles')
    out = {}
    with store.begin() as conn:
        for name in names:
            _check_name('role', name)
            row = conn.execute(sa.select(roles).where(roles.c.name == name)).first()
            if row is None:
                role_id = uuid.uuid4().hex
                conn.execute(roles.insert().values(id=role_id, name=name))
            else:
                role_id = row.id
            out[name] = role_id
    return out


def _insert_unique_in_domain(store, tbl, values, what):
    """Insert a project/user row whose name must be unique in its domain (Keystone's rule)."""
    duplicate = Conflict('Duplicate %s name %s' % (what, values['name']), field='name')
    try:
        with store.begin() as conn:
            if conn.execute(sa.select(tbl.c.id).where(tbl.c.domain_id == values['domain_id'],
                                                      tbl.c.name == values['name'])).first():
                raise duplicate
            conn.execute(tbl.insert().values(**values))
    except IntegrityError:
        raise duplicate


def create_project(store, name, description=None, domain=None):
    projects = table('projects')
    values = {'id': uuid.uuid4().hex, 'name': _check_name('name', name), 'domain_id': _domain_id(domain),
              'description': description, 'enabled': True, 'created_at': engine.utcnow()}
    _insert_unique_in_domain(store, projects, values, 'project')
    return get_project(store, values['id'])


def create_user(store, name, password, default_project=None, domain=None):
    users = table('users')
    _check_name('name', name)
    _check_password_value(password)
    values = {'id': uuid.uuid4().hex, 'name': name, 'domain_id': _domain_id(domain),
              'password_hash': hash_password(password), 'enabled': True, 'created_at': engine.utcnow()}
    if default_project is not None:
        values['default_project_id'] = get_project(store, default_project)['id']
    _insert_unique_in_domain(store, users, values, 'user')
    return get_user(store, values['id'])


def _row(conn, tbl, ident, what, field):
    t = table(tbl)
    row = conn.execute(sa.select(t).where(t.c.id == ident)).mappings().first()
    if row is None and 'name' in t.c:
        row = conn.execute(sa.select(t).where(t.c.name == ident)).mappings().first()
    if row is None:
        raise NotFound(what, ident, field=field)
    return dict(row)


def get_project(store, ident):
    with store.read() as conn:
        return _row(conn, 'projects', ident, 'Project', 'project')


def get_user(store, ident):
    with store.read() as conn:
        user = _row(conn, 'users', ident, 'User', 'user')
    user.pop('password_hash', None)
    return user


def list_projects(store):
    t = table('projects')
    with store.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(t).order_by(t.c.name)).mappings()]


def assign_role(store, user, project, role):
    """Give user role on project (names or ids). Returns True when it was new."""
    ra = table('role_assignments')
    with store.begin() as conn:
        user_id = _row(conn, 'users', user, 'User', 'user')['id']
        project_id = _row(conn, 'projects', project, 'Project', 'project')['id']
        role_id = _row(conn, 'roles', role, 'Role', 'role')['id']
        if conn.execute(sa.select(ra).where(ra.c.user_id == user_id, ra.c.project_id == project_id,
                                            ra.c.role_id == role_id)).first():
            return False
        conn.execute(ra.insert().values(user_id=user_id, project_id=project_id, role_id=role_id))
        return True


def roles_on(conn, user_id, project_id):
    ra, roles = table('role_assignments'), table('roles')
    query = (sa.select(roles.c.id, roles.c.name).select_from(ra.join(roles, ra.c.role_id == roles.c.id))
             .where(ra.c.user_id == user_id, ra.c.project_id == project_id).order_by(roles.c.name))
    found = [{'id': r.id, 'name': r.name} for r in conn.execute(query)]
    names = set(r['name'] for r in found)
    # Keystone's implied roles: admin implies member, member implies reader.
    implied = {'admin': ('member', 'reader'), 'member': ('reader',)}
    extra = sorted(set(n for name in names for n in implied.get(name, ())) - names)
    for name in extra:
        row = conn.execute(sa.select(roles.c.id).where(roles.c.name == name)).first()
        if row is not None:
            found.append({'id': row.id, 'name': name})
    return found


def bootstrap(store, admin_password, project_name='admin', user_name='admin'):
    """keystone-manage bootstrap: the roles, project admin, user admin with role admin. Idempotent."""
    _check_password_value(admin_password)
    ensure_roles(store)
    with store.read() as conn:
        first = conn.execute(sa.select(table('projects').c.id).limit(1)).first() is None
    try:
        project = get_project(store, project_name)
    except NotFound:
        project = create_project(store, project_name, description='Bootstrap project')
    try:
        user = get_user(store, user_name)
    except NotFound:
        user = create_user(store, user_name, admin_password, default_project=project['id'])
    assign_role(store, user['id'], project['id'], 'admin')
    if first:
        adopt_playbook_rows(store, project['id'], user['id'])
    return {'project': project, 'user': user}


# Columns that name a project or a user (images: Glance's owner); the identity tables are not among them, nor
# api_jobs (its owner is a process).
_PROJECT_COLUMNS = ('project_id', 'owner')
_USER_COLUMNS = ('user_id',)
_NOT_ADOPTED = ('projects', 'users', 'roles', 'role_assignments', 'revoked_tokens', 'api_jobs')


def adopt_playbook_rows(store, project_id, user_id):
    """Give the admin project and user their rows made before the first bootstrap.

    Playbooks used without the REST shim act as the literal project and user id ``admin``
    (compute/context.py); the bootstrap then makes the admin project with a new id. Rows still
    naming ``admin`` become the new admin project's and user's, so the API's admin sees them in
    its own project. Returns {table: rows changed}."""
    renames = [(name, playbook_context.ADMIN_PROJECT, project_id) for name in _PROJECT_COLUMNS]
    renames += [(name, playbook_context.ADMIN_USER, user_id) for name in _USER_COLUMNS]
    changed = {}
    with store.begin() as conn:
        for tbl in schema.metadata.sorted_tables:
            if tbl.name in _NOT_ADOPTED:
                continue
            for name, literal, new in renames:
                if name in tbl.c:
                    count = conn.execute(tbl.update().where(tbl.c[name] == literal).values({name: new})).rowcount
                    if count:
                        changed[tbl.name] = changed.get(tbl.name, 0) + count
    return changed


# ---- authentication and tokens -------------------------------------------------------------------

def _lookup_by(conn, tbl, spec, what, field):
    """A user/project reference from an auth request: {id} or {name, domain: {id|name}}."""
    if not isinstance(spec, dict):
        raise InvalidInput(field, 'must be an object with id or name')
    t = table(tbl)
    if spec.get('id'):
        row = conn.execute(sa.select(t).where(t.c.id == str(spec['id']))).mappings().first()
    elif spec.get('name'):
        domain = spec.get('domain')
        if not isinstance(domain, dict) or not (domain.get('id') or domain.get('name')):
            raise InvalidInput('%s.domain' % field, 'a name needs its domain (id or name)')
        if domain.get('id') not in (None, 'default') or domain.get('name') not in (None, 'Default'):
            return None
        row = conn.execute(sa.select(t).where(t.c.name == str(spec['name']),
                                              t.c.domain_id == 'default')).mappings().first()
    else:
        raise InvalidInput(field, 'must give id or name')
    return dict(row) if row is not None else None


def authenticate(store, auth):
    """Check a v3 password auth request; returns (user, project or None, roles)."""
    if not isinstance(auth, dict) or not isinstance(auth.get('identity'), dict):
        raise InvalidInput('auth.identity', 'is required')
    identity = auth['identity']
    methods = identity.get('methods')
    if methods != ['password']:
        raise InvalidInput('auth.identity.methods', 'only ["password"] is supported, got %r' % (methods,))
    password = identity.get('password') or {}
    user_spec = password.get('user') if isinstance(password, dict) else None
    if not isinstance(user_spec, dict) or not isinstance(user_spec.get('password'), str):
        raise InvalidInput('auth.identity.password.user', 'must hold the user and its password')
    with store.read() as conn:
        user = _lookup_by(conn, 'users', user_spec, 'User', 'auth.identity.password.user')
        # One answer, and the same hashing work, for "no such user" and "wrong password".
        password_ok = check_password(user_spec['password'], user['password_hash'] if user else _NO_USER_HASH)
        if user is None or not user['enabled'] or not password_ok:
            raise Unauthorized('The request you have made requires authentication.')
        project = None
        scope = auth.get('scope')
        if scope is not None:
            if not isinstance(scope, dict) or not isinstance(scope.get('project'), dict):
                raise InvalidInput('auth.scope', 'only project scope is supported')
            project = _lookup_by(conn, 'projects', scope['project'], 'Project', 'auth.scope.project')
            if project is None or not project['enabled']:
                raise Unauthorized('Could not find project %s.' % (scope['project'].get('name')
                                                                   or scope['project'].get('id')))
        elif user.get('default_project_id'):
            project = _lookup_by(conn, 'projects', {'id': user['default_project_id']}, 'Project', 'project')
        roles = roles_on(conn, user['id'], project['id']) if project else []
        if project is not None and not roles:
            raise Unauthorized('User %s has no access to project %s' % (user['id'], project['id']))
    user.pop('password_hash', None)
    return user, project, roles


def issue_token(secret, user, project, lifetime, now=None):
    now = now or engine.utcnow()
    payload = {'u': user['id'], 'p': project['id'] if project else None, 'i': _epoch(now),
               'e': _epoch(now + datetime.timedelta(seconds=lifetime)), 'a': _b64(os.urandom(16))}
    body = _b64(json.dumps(payload, separators=(',', ':'), sort_keys=True).encode('utf-8'))
    return '%s.%s' % (body, _sign(secret, body))


def _sign(secret, body):
    return _b64(hmac.new(secret, body.encode('ascii'), hashlib.sha256).digest())


def _epoch(dt):
    return int((dt - datetime.datetime(1970, 1, 1)).total_seconds())


def from_epoch(value):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=value)


def validate_token(store, secret, token, now=None):
    """The token's data (user, project, roles, issued/expires, audit id) or Unauthorized."""
    # A header is latin-1 text: anything outside ASCII is not one of our tokens (and cannot be signed as one).
    if not isinstance(token, str) or not token.isascii() or token.count('.') != 1:
        raise Unauthorized('The request you have made requires authentication.')
    body, signature = token.split('.')
    if not hmac.compare_digest(_sign(secret, body), signature):
        raise Unauthorized('The request you have made requires authentication.')
    try:
        payload = json.loads(_unb64(body).decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized('The request you have made requires authentication.')
    now = now or engine.utcnow()
    if _epoch(now) >= payload['e']:
        raise Unauthorized('The token has expired.')
    revoked = table('revoked_tokens')
    with store.read() as conn:
        if conn.execute(sa.select(revoked.c.audit_id).where(revoked.c.audit_id == payload['a'])).first():
            raise Unauthorized('The token has been revoked.')
        users = table('users')
        user = conn.execute(sa.select(users).where(users.c.id == payload['u'])).mappings().first()
        if user is None or not user['enabled']:
            raise Unauthorized('The request you have made requires authentication.')
        project = None
        roles = []
        if payload['p']:
            projects = table('projects')
            project = conn.execute(sa.select(projects).where(projects.c.id == payload['p'])).mappings().first()
            if project is None or not project['enabled']:
                raise Unauthorized('The request you have made requires authentication.')
            project = dict(project)
            # Roles are read at validation, so a removed assignment takes effect at once.
            roles = roles_on(conn, user['id'], project['id'])
            if not roles:
                raise Unauthorized('The request you have made requires authentication.')
    user = dict(user)
    user.pop('password_hash', None)
    return {'user': user, 'project': project, 'roles': roles, 'audit_id': payload['a'],
            'issued_at': from_epoch(payload['i']), 'expires_at': from_epoch(payload['e'])}


def revoke(store, audit_id, expires_at):
    revoked = table('revoked_tokens')
    now = engine.utcnow()
    with store.begin() as conn:
        # Expired entries can go: their tokens fail the expiry check anyway.
        conn.execute(revoked.delete().where(revoked.c.expires_at < now))
        if not conn.execute(sa.select(revoked.c.audit_id).where(revoked.c.audit_id == audit_id)).first():
            conn.execute(revoked.insert().values(audit_id=audit_id, expires_at=expires_at, revoked_at=now))
