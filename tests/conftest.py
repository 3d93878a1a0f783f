"""Shared pytest fixtures.

* ``db_url`` / ``store``: parametrised over the two state-store backends. SQLite
  is a fresh file per test; MariaDB (127.0.0.1:3306) is one migrated database
  per test process, emptied back to its just-migrated rows before each test
  (a new, unmigrated one for tests about migrations). Set NOVALITE_TEST_BACKENDS=sqlite to
  skip MariaDB on a machine without it; CI runs both.
* ``mariadb_url``: a fresh MariaDB database, for tests about MariaDB itself; it
  skips (an expected skip) only when NOVALITE_TEST_BACKENDS leaves MariaDB out.
* ``repo``: the repository root; ``venv_python``: the interpreter playbooks use.
"""

import os
import sys
import threading
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO, 'collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from lib.databases import (  # noqa: E402
    MARIADB_EXCLUDED, MYSQL_SERVER, ResettableMariaDB, backends, mysql_admin as _mysql_admin,
)
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection as _libvirt_connection  # noqa: E402

if _libvirt_connection.HAS_LIBVIRT:
    # tests open libvirt directly too; lookups they expect to fail must not print to stderr
    _libvirt_connection.install_error_handler()


@pytest.fixture(scope='session')
def _shared_mariadb():
    shared = ResettableMariaDB()
    yield shared
    shared.drop()


@pytest.fixture(params=backends())
def db_url(request, tmp_path):
    """A URL to an empty database on each backend.

    On MariaDB this process's migrated database emptied back to its just-migrated rows
    (``ResettableMariaDB``), or a new unmigrated one for tests about migrations
    (``fresh_database`` marker, or a test under tests/unit/store).
    """
    if request.param == 'sqlite':
        yield 'sqlite:///%s' % (tmp_path / 'novalite.db')
        return
    if request.node.get_closest_marker('fresh_database') or os.sep + 'store' + os.sep in str(request.node.fspath):
        yield from _fresh_mariadb_database()
        return
    shared = request.getfixturevalue('_shared_mariadb')
    before = set(threading.enumerate())
    url = shared.reset()
    try:
        yield url
    finally:
        _forget_cached_store(url)
    # A thread the test started and left running would write into the next test's rows.
    deadline = time.time() + 5
    left = [t for t in threading.enumerate() if t not in before]
    while left and time.time() < deadline:
        time.sleep(0.05)
        left = [t for t in left if t.is_alive()]
    assert not left, 'the test left threads running on the shared MariaDB database: %s' % left


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
        _forget_cached_store('%s/%s' % (MYSQL_SERVER, name))
        _mysql_admin('DROP DATABASE IF EXISTS %s' % name)


def _forget_cached_store(url):
    """A Store a test opened through open_store: its pooled connections end with the test."""
    from ansible_collections.novalite.compute.plugins.module_utils.store import engine
    cached = engine._CACHE.pop(url, None)
    if cached:
        cached.dispose()


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
