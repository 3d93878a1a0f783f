"""Shared pytest fixtures.

* ``db_url`` / ``store``: parametrised over the two state-store backends. SQLite
  is a fresh file per test; MariaDB is a fresh database per test on
  127.0.0.1:3306 (dropped afterwards). Set NOVALITE_TEST_BACKENDS=sqlite to
  skip MariaDB on a machine without it; CI runs both.
* ``mariadb_url``: a fresh MariaDB database, for tests about MariaDB itself; it
  skips (an expected skip) only when NOVALITE_TEST_BACKENDS leaves MariaDB out.
* ``repo``: the repository root; ``venv_python``: the interpreter playbooks use.
"""

import os
import sys
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, 'collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from lib.databases import MARIADB_EXCLUDED, MYSQL_SERVER, backends, mysql_admin as _mysql_admin  # noqa: E402
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection as _libvirt_connection  # noqa: E402

if _libvirt_connection.HAS_LIBVIRT:
    # tests open libvirt directly too; lookups they expect to fail must not print to stderr
    _libvirt_connection.install_error_handler()


@pytest.fixture(params=backends())
def db_url(request, tmp_path):
    """A URL to an empty database on each backend."""
    if request.param == 'sqlite':
        yield 'sqlite:///%s' % (tmp_path / 'novalite.db')
        return
    yield from _fresh_mariadb_database()


@pytest.fixture
def mariadb_url():
    """A URL to an empty MariaDB database, for tests about MariaDB itself (runs whenever it is tested)."""
    if 'mysql' not in backends():
        pytest.skip(MARIADB_EXCLUDED)
    yield from _fresh_mariadb_database()


def _fresh_mariadb_database():
    name = 'novalite_t_%s' % uuid.uuid4().hex[:12]
    _mysql_admin('CREATE DATABASE %s CHARACTER SET utf8mb4' % name)
    try:
        yield '%s/%s' % (MYSQL_SERVER, name)
    finally:
        from ansible_collections.novalite.compute.plugins.module_utils.store import engine
        cached = engine._CACHE.pop('%s/%s' % (MYSQL_SERVER, name), None)
        if cached:
            cached.dispose()
        _mysql_admin('DROP DATABASE IF EXISTS %s' % name)


@pytest.fixture
def store(db_url):
    """A migrated Store on each backend."""
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    s = Store(db_url)
    yield s
    s.dispose()


@pytest.fixture(scope='session')
def repo():
    return REPO


@pytest.fixture(scope='session')
def venv_python():
    return os.path.join(REPO, '.venv', 'bin', 'python')
