# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The test databases: which backends run (NOVALITE_TEST_BACKENDS) and the MariaDB admin connection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

MYSQL_SERVER = os.environ.get('NOVALITE_TEST_MYSQL', 'mysql+pymysql://root@127.0.0.1:3306')

# The skip reason of a MariaDB-only test when NOVALITE_TEST_BACKENDS leaves MariaDB out;
# scripts/test_summary.py accepts it only then.
MARIADB_EXCLUDED = 'NOVALITE_TEST_BACKENDS excludes MariaDB'


def backends():
    wanted = os.environ.get('NOVALITE_TEST_BACKENDS', 'sqlite,mysql')
    return [b.strip() for b in wanted.split(',') if b.strip()]


def _admin_connection():
    """An autocommit connection as MariaDB's admin (root on 127.0.0.1 by default)."""
    import pymysql
    from sqlalchemy.engine import make_url
    url = make_url(MYSQL_SERVER)
    return pymysql.connect(host=url.host, port=url.port or 3306, user=url.username or 'root',
                           password=url.password or '', autocommit=True)


def mysql_admin(sql):
    """Run one statement as MariaDB's admin."""
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _end_connections(cur, name):
    """KILL every connection on database ``name`` but this one (a Store a test left open: its locks)."""
    cur.execute('SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()', (name,))
    for (ident,) in cur.fetchall():
        try:
            cur.execute('KILL %d' % ident)
        except Exception:   # pylint: disable=broad-except
            pass            # it ended meanwhile


class ResettableMariaDB(object):
    """One migrated MariaDB database per test process, emptied back to its just-migrated rows per test.

    Making and migrating a database costs about a second here (39 tables with their indexes,
    foreign keys and triggers: mostly the server's file work), and some 400 unit tests want one
    each; emptying one costs a few tens of milliseconds: any connection a previous test left on it
    ended, every table that has rows truncated (made anew, ids from 1 again), the rows the
    migrations wrote put back. A test must stop every thread it starts
    (a leftover would write into the next test's rows): ``db_url`` fails a test that leaves one.
    Tests about migrations take a new database (``fresh_database`` marker, tests/unit/store).
    """

    def __init__(self):
        self.name = 'novalite_t_shared_%d' % os.getpid()
        self.url = '%s/%s' % (MYSQL_SERVER, self.name)
        self._tables = None
        self._seed = None

    def _create(self):
        from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
        mysql_admin('DROP DATABASE IF EXISTS %s' % self.name)
        mysql_admin('CREATE DATABASE %s CHARACTER SET utf8mb4' % self.name)
        Store(self.url).dispose()
        conn = _admin_connection()
        try:
            with conn.cursor() as cur:
                cur.execute('SELECT table_name FROM information_schema.tables WHERE table_schema = %s',
                            (self.name,))
                self._tables = [row[0] for row in cur.fetchall()]
                self._seed = {}
                for name in self._tables:
                    cur.execute('SELECT * FROM `%s`.`%s`' % (self.name, name))
                    rows = cur.fetchall()
                    if rows:
                        self._seed[name] = rows
        finally:
            conn.close()

    def reset(self):
        """The database as the migrations left it; returns its URL."""
        if self._tables is None:
            self._create()
            return self.url
        conn = _admin_connection()
        try:
            with conn.cursor() as cur:
                _end_connections(cur, self.name)
                cur.execute(' UNION ALL '.join("SELECT '%s' FROM DUAL WHERE EXISTS (SELECT 1 FROM `%s`.`%s`)"
                                               % (name, self.name, name) for name in self._tables))
                used = [row[0] for row in cur.fetchall()]
                cur.execute('SET FOREIGN_KEY_CHECKS = 0')
                for name in used:
                    # TRUNCATE, not DELETE: it makes the table anew (AUTO_INCREMENT back to 1), where deleted rows
                    # that InnoDB has not purged yet would still take part in the next test's locking
                    cur.execute('TRUNCATE TABLE `%s`.`%s`' % (self.name, name))
                for name, rows in self._seed.items():
                    marks = ', '.join(['%s'] * len(rows[0]))
                    cur.executemany('INSERT INTO `%s`.`%s` VALUES (%s)' % (self.name, name, marks), rows)
                cur.execute('SET FOREIGN_KEY_CHECKS = 1')
        finally:
            conn.close()
        return self.url

    def drop(self):
        if self._tables is not None:
            mysql_admin('DROP DATABASE IF EXISTS %s' % self.name)
            self._tables = None
