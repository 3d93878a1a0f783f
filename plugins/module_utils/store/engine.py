# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Opening the state store: one URL picks SQLite (default) or MySQL/MariaDB.

Only controller-side code imports this (Nova's conductor rule): modules that
run on compute hosts never open the database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible_collections.novalite.compute.plugins.module_utils.errors import DatabaseError, InvalidInput

try:
    import sqlalchemy as sa
    from sqlalchemy import event
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover
    HAS_SQLALCHEMY = False

DEFAULT_URL = 'sqlite:////var/lib/novalite/novalite.db'
URL_ENV = 'NOVALITE_DATABASE_URL'
_SUPPORTED = ('sqlite', 'mysql')


def default_url():
    return os.environ.get(URL_ENV) or DEFAULT_URL


def utcnow():
    """Naive UTC timestamps, second precision, as Nova stores them."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def _normalise_url(url):
    try:
        parsed = sa.engine.make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError
        raise InvalidInput('database_url', 'cannot parse %r: %s' % (url, exc))
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise InvalidInput('database_url', 'unsupported backend %r (use sqlite:/// or mysql+pymysql://)' % backend)
    if backend == 'mysql':
        # PyMySQL is the chosen driver; utf8mb4 so names keep any character.
        parsed = parsed.set(drivername='mysql+pymysql')
        if 'charset' not in parsed.query:
            parsed = parsed.update_query_dict({'charset': 'utf8mb4'})
    return parsed


def _sqlite_setup(engine):
    @event.listens_for(engine, 'connect')
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own
        # transaction handling would start deferred transactions that fail
        # with "database is locked" when two writers upgrade at once).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute('PRAGMA journal_mode=WAL')
        cur.execute('PRAGMA foreign_keys=ON')
        cur.execute('PRAGMA busy_timeout=30000')
        cur.execute('PRAGMA synchronous=NORMAL')
        cur.close()

    @event.listens_for(engine, 'begin')
    def _on_begin(conn):
        # Writers take the lock up front: serialised, never lost, never deadlocked.
        if conn.get_execution_options().get('readonly'):
            conn.exec_driver_sql('BEGIN')
        else:
            conn.exec_driver_sql('BEGIN IMMEDIATE')


class Store(object):
    """A handle on the state store. ``begin()`` for writes, ``read()`` for reads."""

    def __init__(self, url=None, migrate=True):
        if not HAS_SQLALCHEMY:
            raise DatabaseError('the state store needs SQLAlchemy, PyMySQL and Alembic (pip install -r requirements.txt)')
        self.url = _normalise_url(url or default_url())
        self.backend = self.url.get_backend_name()
        kwargs = {'future': True}
        if self.backend == 'sqlite':
            path = self.url.database
            if path and path != ':memory:':
                parent = os.path.dirname(os.path.abspath(path))
                if not os.path.isdir(parent):
                    try:
                        os.makedirs(parent)
                    except OSError as exc:
                        raise DatabaseError('database_url: cannot create %s: %s' % (parent, exc), field='database_url')
            kwargs['connect_args'] = {'timeout': 30}
        else:
            kwargs['pool_pre_ping'] = True
            kwargs['pool_recycle'] = 3600
            kwargs['isolation_level'] = 'READ COMMITTED'
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.backend == 'sqlite':
            _sqlite_setup(self.engine)
        self._check_connect()
        if migrate:
            self.upgrade()

    def _check_connect(self):
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text('SELECT 1'))
        except Exception as exc:
            raise DatabaseError('database_url %s: cannot connect: %s'
                                % (self.url.render_as_string(hide_password=True), _first_line(exc)),
                                field='database_url')

    def upgrade(self, target=None):
        from ansible_collections.novalite.compute.plugins.module_utils.store import migrations
        return migrations.upgrade(self.engine, target)

    def begin(self):
        """A write transaction: ``with store.begin() as conn: ...`` commits or rolls back."""
        return self.engine.begin()

    def read(self):
        """A read-only transaction (on SQLite it does not take the write lock)."""
        return self.engine.execution_options(readonly=True).begin()

    def dispose(self):
        self.engine.dispose()


def _first_line(exc):
    text = str(getattr(exc, 'orig', None) or exc)
    return text.strip().splitlines()[0] if text.strip() else exc.__class__.__name__


_CACHE = {}


def open_store(url=None):
    """One Store per URL per process (the REST shim and tests reuse it)."""
    key = url or default_url()
    store = _CACHE.get(key)
    if store is None:
        store = _CACHE[key] = Store(key)
    return store
