# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""In-place schema upgrades.

The schema version lives in ``novalite_schema_version``. Upgrading from
version ``k`` walks every later version ``v``: tables marked ``since == v``
are created (with the columns they had at ``v``), columns marked
``since == v`` are added to older tables through Alembic's operations
(batch mode, so SQLite's limited ALTER TABLE works), then the explicit steps
registered for ``v`` run (data fixes, anything not additive).
Each version is committed on its own, so an interrupted upgrade resumes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import importlib.util

from ansible_collections.novalite.compute.plugins.module_utils.store import schema

try:
    import sqlalchemy as sa
    # Alembic is imported only when a step runs: a store already at head (every run but the
    # first) does not pay for importing it.
    HAS_ALEMBIC = importlib.util.find_spec('alembic') is not None
except ImportError:  # pragma: no cover
    HAS_ALEMBIC = False

VERSION_TABLE = 'novalite_schema_version'


def _since(item):
    return item.info.get('since', 1)


def head_version():
    versions = [1]
    for tbl in schema.metadata.sorted_tables:
        versions.append(_since(tbl))
        versions.extend(_since(col) for col in tbl.columns)
    return max(versions + list(EXPLICIT_STEPS))


def _version_table(metadata):
    return sa.Table(VERSION_TABLE, metadata, sa.Column('version', sa.Integer, nullable=False))


def current_version(conn):
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return 0
    value = conn.execute(sa.text('SELECT MAX(version) FROM %s' % VERSION_TABLE)).scalar()
    return value or 0


def _column_at(col):
    """A detached copy of ``col`` (foreign keys are added as table constraints)."""
    return sa.Column(col.name, col.type, primary_key=col.primary_key, nullable=col.nullable,
                     unique=col.unique, autoincrement=col.autoincrement, default=col.default,
                     server_default=col.server_default)


def _table_at(tbl, version, metadata):
    """A copy of ``tbl`` holding only the columns and constraints that existed at ``version``."""
    cols = [_column_at(c) for c in tbl.columns if _since(c) <= version]
    names = set(c.name for c in cols)
    extra = []
    for cons in tbl.constraints:
        if isinstance(cons, sa.UniqueConstraint) and cons.name and set(c.name for c in cons.columns) <= names:
            extra.append(sa.UniqueConstraint(*[c.name for c in cons.columns], name=cons.name))
    for fkc in tbl.foreign_key_constraints:
        if set(c.name for c in fkc.columns) <= names:
            extra.append(sa.ForeignKeyConstraint([c.name for c in fkc.columns],
                                                 [e.target_fullname for e in fkc.elements],
                                                 name=fkc.name, ondelete=fkc.ondelete))
    for idx in tbl.indexes:
        if set(c.name for c in idx.columns) <= names:
            extra.append(sa.Index(idx.name, *[c.name for c in idx.columns], unique=idx.unique))
    return sa.Table(tbl.name, metadata, *(cols + extra))


def _upgrade_to(conn, version):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    ops = Operations(MigrationContext.configure(conn))
    step_md = sa.MetaData()
    new_tables = [t for t in schema.metadata.sorted_tables if _since(t) == version]
    for tbl in new_tables:
        _table_at(tbl, version, step_md)
    step_md.create_all(conn)
    for tbl in schema.metadata.sorted_tables:
        if _since(tbl) >= version:
            continue
        added = [c for c in tbl.columns if _since(c) == version]
        if added:
            with ops.batch_alter_table(tbl.name) as batch:
                for col in added:
                    batch.add_column(_column_at(col))
    for step in EXPLICIT_STEPS.get(version, ()):
        step(conn, ops)
    _set_version(conn, version)


def _set_version(conn, version):
    conn.execute(sa.text('DELETE FROM %s' % VERSION_TABLE))
    conn.execute(sa.text('INSERT INTO %s (version) VALUES (:v)' % VERSION_TABLE), {'v': version})


@contextlib.contextmanager
def _upgrade_lock(engine):
    """Serialise upgrades of one database across processes.

    MySQL DDL commits implicitly, so a transaction cannot fence it: several
    processes opening a fresh database at once (ansible forks) would all run
    CREATE TABLE. A named lock fences them; on SQLite each step's
    BEGIN IMMEDIATE already does.
    """
    if engine.dialect.name != 'mysql':
        yield
        return
    name = ('novalite_schema.%s' % (engine.url.database or ''))[:64]
    with engine.connect() as conn:
        got = conn.execute(sa.text('SELECT GET_LOCK(:name, 300)'), {'name': name}).scalar()
        if got != 1:
            raise RuntimeError('timed out waiting for another process to upgrade the database schema')
        try:
            yield
        finally:
            conn.execute(sa.text('SELECT RELEASE_LOCK(:name)'), {'name': name})


def upgrade(engine, target=None):
    """Bring the database at ``engine`` to ``target`` (default: head). Returns (from, to)."""
    target = head_version() if target is None else target
    # readonly: on SQLite the check must not take the write lock (see engine._sqlite_setup).
    with engine.execution_options(readonly=True).connect() as conn:
        found = current_version(conn)
    if target <= found <= head_version():
        return found, found   # the common case: nothing to do, no lock taken
    with _upgrade_lock(engine):
        with engine.begin() as conn:
            start = current_version(conn)
            if start == 0:
                _version_table(sa.MetaData()).create(conn, checkfirst=True)
        if start > head_version():
            raise RuntimeError('database schema version %d is newer than this novalite (%d)'
                               % (start, head_version()))
        if start == 0 and target == head_version():
            _create_at_head(engine)
            return start, target
        for version in range(start + 1, target + 1):
            with engine.begin() as conn:
                # Another process may have done this step since we looked.
                if current_version(conn) >= version:
                    continue
                _upgrade_to(conn, version)
    return start, max(start, target)


def _create_at_head(engine):
    """An empty database goes straight to head: the tables as they are now, then the explicit steps (their
    data moves find no rows; version 8 adds its triggers), instead of one ALTER per column per version."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    with engine.begin() as conn:
        if current_version(conn) != 0:
            return   # another process made it since we looked
        schema.metadata.create_all(conn)
        ops = Operations(MigrationContext.configure(conn))
        for version in sorted(EXPLICIT_STEPS):
            for step in EXPLICIT_STEPS[version]:
                step(conn, ops)
        _set_version(conn, head_version())


def _failed_builds_to_column(conn, ops):
    """Version 6: the build-failure count moves out of compute_nodes.capabilities into its own column."""
    # the table as it is at version 6, not as later versions may make it
    nodes = sa.table('compute_nodes', sa.column('id', sa.Integer), sa.column('capabilities', sa.JSON),
                     sa.column('failed_builds', sa.Integer))
    for node_id, capabilities in conn.execute(sa.select(nodes.c.id, nodes.c.capabilities)).all():
        if not isinstance(capabilities, dict) or 'failed_builds' not in capabilities:
            continue
        rest = dict((key, value) for key, value in capabilities.items() if key != 'failed_builds')
        try:
            count = max(int(capabilities['failed_builds']), 0)
        except (TypeError, ValueError):
            count = 0
        conn.execute(nodes.update().where(nodes.c.id == node_id).values(failed_builds=count, capabilities=rest))


def _host_state_changes(conn, ops):
    """Version 8: the change counter, its triggers and the indexes a live host state reads through."""
    from ansible_collections.novalite.compute.plugins.module_utils.store import host_changes
    wanted = (('compute_nodes', 'compute_nodes_change_seq_idx', ['change_seq']),
              ('services', 'services_change_seq_idx', ['change_seq']),
              ('instances', 'instances_vm_state_deleted_idx', ['vm_state', 'deleted']))
    inspector = sa.inspect(conn)
    for table_name, index_name, columns in wanted:
        # a database made at head already has the ones whose columns are older than version 8
        if index_name not in [ix['name'] for ix in inspector.get_indexes(table_name)]:
            ops.create_index(index_name, table_name, columns)
    host_changes.install(conn)


def _zones_to_aggregates(conn, ops):
    """Version 7: each availability zone other than the default becomes an aggregate of that name holding its
    hosts, with the zone in its metadata (Nova's model); compute_nodes.availability_zone is its mirror."""
    import uuid as uuid_mod
    nodes = sa.table('compute_nodes', sa.column('host', sa.String), sa.column('availability_zone', sa.String))
    aggregates = sa.table('aggregates', sa.column('id', sa.Integer), sa.column('uuid', sa.String),
                          sa.column('name', sa.String), sa.column('generation', sa.Integer),
                          sa.column('created_at', sa.DateTime))
    members = sa.table('aggregate_hosts', sa.column('aggregate_id', sa.Integer), sa.column('host', sa.String),
                       sa.column('created_at', sa.DateTime))
    metadata = sa.table('aggregate_metadata', sa.column('aggregate_id', sa.Integer), sa.column('key', sa.String),
                        sa.column('value', sa.String), sa.column('created_at', sa.DateTime))
    zones = {}
    for host, zone in conn.execute(sa.select(nodes.c.host, nodes.c.availability_zone)).all():
        if zone and zone != 'nova':
            zones.setdefault(zone, []).append(host)
    now = _utcnow()
    for zone, hosts in sorted(zones.items()):
        conn.execute(aggregates.insert().values(uuid=str(uuid_mod.uuid4()), name=zone, generation=1,
                                                created_at=now))
        agg_id = conn.execute(sa.select(aggregates.c.id).where(aggregates.c.name == zone)).scalar()
        conn.execute(metadata.insert().values(aggregate_id=agg_id, key='availability_zone', value=zone,
                                              created_at=now))
        conn.execute(members.insert(), [dict(aggregate_id=agg_id, host=h, created_at=now) for h in hosts])


def _utcnow():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


# Explicit, non-additive steps per version: {version: [fn(conn, ops), ...]}.
EXPLICIT_STEPS = {6: [_failed_builds_to_column], 7: [_zones_to_aggregates], 8: [_host_state_changes]}
