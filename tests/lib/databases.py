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


def mysql_admin(sql):
    """Run one statement as MariaDB's admin (root on 127.0.0.1 by default)."""
    import pymysql
    from sqlalchemy.engine import make_url
    url = make_url(MYSQL_SERVER)
    conn = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username or 'root',
                           password=url.password or '', autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()
