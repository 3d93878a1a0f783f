# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Identity data on both store backends, the config file, and the management commands."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from novalite_api import accounts, config

from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = b'k' * 32


def _count(store, name):
    import sqlalchemy as sa
    with store.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table(name))).scalar()


def _password_auth(user, password, project):
    return {'identity': {'methods': ['password'], 'password': {'user': {
        'name': user, 'domain': {'name': 'Default'}, 'password': password}}},
        'scope': {'project': {'name': project, 'domain': {'name': 'Default'}}}}


def test_bootstrap_is_idempotent_and_hashes_passwords(store):
    first = accounts.bootstrap(store, 'correct horse')
    second = accounts.bootstrap(store, 'correct horse')
    assert first['user']['id'] == second['user']['id']
    assert (_count(store, 'users'), _count(store, 'projects'), _count(store, 'roles'),
            _count(store, 'role_assignments')) == (1, 1, 3, 1)
    import sqlalchemy as sa
    with store.read() as conn:
        stored = conn.execute(sa.select(table('users').c.password_hash)).scalar()
    assert 'correct horse' not in stored and stored.startswith('scrypt$')
    # A per-user salt: the same password hashes differently twice.
    assert accounts.hash_password('correct horse') != accounts.hash_password('correct horse')
    assert accounts.check_password('correct horse', stored) and not accounts.check_password('wrong', stored)


def test_authenticate_roles_and_tokens(store):
    accounts.bootstrap(store, 'admin-password')
    accounts.create_project(store, 'p2')
    accounts.create_user(store, 'u2', 'user-password', default_project='p2')
    accounts.assign_role(store, 'u2', 'p2', 'reader')
    user, project, roles = accounts.authenticate(store, _password_auth('u2', 'user-password', 'p2'))
    assert project['name'] == 'p2' and [r['name'] for r in roles] == ['reader']
    _u, _p, admin_roles = accounts.authenticate(store, _password_auth('admin', 'admin-password', 'admin'))
    assert sorted(r['name'] for r in admin_roles) == ['admin', 'member', 'reader']   # implied roles
    with pytest.raises(accounts.Unauthorized):
        accounts.authenticate(store, _password_auth('u2', 'user-password', 'admin'))
    with pytest.raises(accounts.Unauthorized):
        accounts.authenticate(store, _password_auth('u2', 'bad-password', 'p2'))
    token = accounts.issue_token(SECRET, user, project, 300)
    data = accounts.validate_token(store, SECRET, token)
    assert data['user']['id'] == user['id'] and data['project']['id'] == project['id']
    with pytest.raises(accounts.Unauthorized):
        accounts.validate_token(store, b'x' * 32, token)          # another service's key
    accounts.revoke(store, data['audit_id'], data['expires_at'])
    accounts.revoke(store, data['audit_id'], data['expires_at'])  # twice is fine
    with pytest.raises(accounts.Unauthorized) as info:
        accounts.validate_token(store, SECRET, token)
    assert 'revoked' in info.value.message


@pytest.mark.parametrize('call,field', [
    (lambda s: accounts.create_user(s, 'x', 'short'), 'password'),
    (lambda s: accounts.create_user(s, '', 'long-enough-pw'), 'name'),
    (lambda s: accounts.create_user(s, 'x' * 65, 'long-enough-pw'), 'name'),
    (lambda s: accounts.create_project(s, 'bad\nname'), 'name'),
    (lambda s: accounts.create_project(s, 'p', domain='other'), 'domain'),
    (lambda s: accounts.bootstrap(s, 'short'), 'password'),
])
def test_bad_identity_input_changes_nothing(store, call, field):
    with pytest.raises(InvalidInput) as info:
        call(store)
    assert info.value.field == field
    assert (_count(store, 'users'), _count(store, 'projects')) == (0, 0)


def test_duplicates_and_unknowns(store):
    accounts.bootstrap(store, 'admin-password')
    with pytest.raises(Conflict):
        accounts.create_user(store, 'admin', 'another-password')
    with pytest.raises(Conflict):
        accounts.create_project(store, 'admin')
    with pytest.raises(NotFound) as info:
        accounts.assign_role(store, 'admin', 'admin', 'superuser')
    assert info.value.field == 'role'
    with pytest.raises(NotFound):
        accounts.create_user(store, 'u3', 'long-enough-pw', default_project='nope')
    assert _count(store, 'users') == 1


@pytest.mark.parametrize('raw,field', [
    ({'bind_port': 0}, 'bind_port'), ({'bind_port': 'http'}, 'bind_port'), ({'threads': 0}, 'threads'),
    ({'token_expiration': 5}, 'token_expiration'), ({'public_url': 'ftp://x'}, 'public_url'),
    ({'database_url': ''}, 'database_url'), ({'colour': 'blue'}, 'colour'), ({'access_log': 'yes'}, 'access_log'),
])
def test_bad_config_names_the_field(raw, field):
    with pytest.raises(InvalidInput) as info:
        config.validate(raw)
    assert info.value.field == field


def test_config_defaults_and_secret(tmp_path):
    cfg = config.validate({'bind_port': 9999})
    assert cfg['public_url'] == 'http://127.0.0.1:9999' and cfg['bind_host'] == '127.0.0.1'
    path = str(tmp_path / 'sub' / 'key')
    key = config.read_secret(path)
    assert len(key) == 64 and config.read_secret(path) == key
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'
    short = tmp_path / 'short'
    short.write_text('abc')
    with pytest.raises(InvalidInput) as info:
        config.read_secret(str(short))
    assert info.value.field == 'secret_key_file'


def test_management_commands(tmp_path):
    cfg = tmp_path / 'api.yml'
    cfg.write_text('database_url: sqlite:///%s/db.sqlite\nsecret_key_file: %s/key\n' % (tmp_path, tmp_path))

    def run(*args):
        return subprocess.run([sys.executable, '-m', 'novalite_api', '--config', str(cfg)] + list(args),
                              cwd=REPO, capture_output=True, text=True, timeout=60, check=False)

    boot = run('bootstrap', '--admin-password', 'admin-password')
    assert boot.returncode == 0, boot.stderr
    assert run('project-create', 'team').returncode == 0
    made = run('user-create', 'alice', '--password', 'alice-password', '--project', 'team')
    assert made.returncode == 0, made.stderr
    bad = run('user-create', 'bob', '--password', 'short')
    assert bad.returncode == 1 and bad.stderr.strip() == 'error: password: must be a string of at least 8 characters'
    added = run('role-add', '--user', 'admin', '--project', 'team', '--role', 'admin')
    assert json.loads(added.stdout) == {'changed': True}
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store('sqlite:///%s/db.sqlite' % tmp_path)
    _u, project, roles = accounts.authenticate(store, _password_auth('alice', 'alice-password', 'team'))
    assert project['name'] == 'team' and [r['name'] for r in roles] == ['member', 'reader']
    with pytest.raises(NotFound):
        accounts.get_user(store, 'bob')
    store.dispose()


def test_first_bootstrap_gives_the_admin_its_playbook_made_rows(store):
    """Playbooks used before any bootstrap act as the literal project and user id ``admin``; the first
    bootstrap hands those rows to the admin project and user it makes, and leaves every other row alone."""
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images, keypairs
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
    assert context.resolve_project(store) == 'admin'     # no identity rows: the literal id
    images.create(store, 'made-by-a-playbook', owner='admin', disk_format='qcow2', container_format='bare')
    images.create(store, 'someone-elses', owner='other-project', disk_format='qcow2', container_format='bare')
    keypairs.import_key(store, 'admin', 'ops', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBqF0tHg6fS2Bpz1HSuS3xl6kYzCvpWFwCpX3M3mGk3Q x')
    with store.begin() as conn:
        conn.execute(table('quotas').insert().values(project_id='admin', resource='instances', hard_limit=7,
                                                     created_at=utcnow()))
    made = accounts.bootstrap(store, 'correct horse')
    project_id, user_id = made['project']['id'], made['user']['id']
    assert project_id != 'admin'
    with store.read() as conn:
        owners = dict(conn.execute(sa.select(table('images').c.name, table('images').c.owner)).all())
        keypair_users = [r.user_id for r in conn.execute(sa.select(table('keypairs').c.user_id))]
        quota_projects = [r.project_id for r in conn.execute(sa.select(table('quotas').c.project_id))]
    assert owners == {'made-by-a-playbook': project_id, 'someone-elses': 'other-project'}
    assert keypair_users == [user_id] and quota_projects == [project_id]
    assert context.resolve_project(store) == project_id
    # a later bootstrap adopts nothing: a row naming "admin" then is not the playbooks' default any more
    images.create(store, 'named-admin-later', owner='admin', disk_format='qcow2', container_format='bare')
    accounts.bootstrap(store, 'correct horse')
    with store.read() as conn:
        assert conn.execute(sa.select(table('images').c.owner).where(
            table('images').c.name == 'named-admin-later')).scalar() == 'admin'
