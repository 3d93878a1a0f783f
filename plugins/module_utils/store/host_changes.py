# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The change counter a live host state follows (schema version 8).

``host_state_changes`` holds one row: ``seq``, ``epoch``, and the last seq
given to each table (``node_seq``, ``service_seq``, ``instance_seq``). Triggers in the
database (so no writer can forget them: the registry, the claims, the
services API, a test inserting rows, an operator's SQL) do, for
``compute_nodes`` and ``services``:

* insert / update: ``seq += 1``, the row's ``change_seq = seq`` and the
  table's ``node_seq`` / ``service_seq = seq``;
* delete: ``seq += 1`` and ``epoch += 1`` (a deleted row cannot be found by
  ``change_seq > n``, so readers reload everything);
* an insert, update or delete of ``allocations`` re-stamps its node (the
  node's instance count moved);
* an instance inserted or deleted, or whose ``vm_state``, ``host`` or
  ``deleted`` changed: ``seq += 1`` and ``instance_seq = seq`` (the instances
  being built per host, Nova's num_io_ops, are counted again). Other instance
  updates (task_state, metadata...) do not touch the counter.
* any write of ``aggregates``, ``aggregate_hosts`` or ``aggregate_metadata``:
  ``seq += 1`` and ``aggregate_seq = seq`` (the hosts' aggregates, which the
  aggregate filters and weighers read, are loaded again).

Why a single counter row and not timestamps: the counter row is locked by the
first write of a transaction until it commits, so the transactions that take
numbers commit in number order. A reader that reads the counter ``C`` first
therefore finds every row with ``seq <= C`` committed and visible (also under
MariaDB's READ COMMITTED, where each statement sees the latest commits); rows
with a larger number that it happens to see as well are read again next time,
which is harmless because a delta is the whole row, not a difference. The
cost is that writers of these two tables serialise on the counter for the rest
of their (short) transaction; SQLite serialises every writer anyway.

On MariaDB a statement may not read a table that a trigger it fires writes:
a write to ``allocations`` must not name ``compute_nodes`` (no subquery or
join on it; select the node ids first, as the claims do).

MariaDB with binary logging needs SUPER or ``log_bin_trust_function_creators``
to create triggers. A later migration that rebuilds one of these tables on
SQLite (Alembic's batch "move and copy": ``compute_nodes``, ``services``,
``allocations``, ``instances``) drops its triggers: it must call
``install(conn)`` again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

COUNTER = 'host_state_changes'
TABLES = ('compute_nodes', 'services')

_BUMP = 'UPDATE host_state_changes SET seq = seq + 1 WHERE id = 1'
# a second statement: MariaDB evaluates SET left to right, SQLite from the old row
_TABLE_SEQ = {'compute_nodes': 'UPDATE host_state_changes SET node_seq = seq WHERE id = 1',
              'services': 'UPDATE host_state_changes SET service_seq = seq WHERE id = 1'}
_BUMP_EPOCH = 'UPDATE host_state_changes SET seq = seq + 1, epoch = epoch + 1 WHERE id = 1'
_CURRENT = '(SELECT seq FROM host_state_changes WHERE id = 1)'


def _sqlite_triggers(name):
    stamp = '%s; UPDATE %s SET change_seq = %s WHERE id = NEW.id;' % (_TABLE_SEQ[name], name, _CURRENT)
    return [
        'CREATE TRIGGER IF NOT EXISTS %s_changes_ins AFTER INSERT ON %s BEGIN %s; %s END'
        % (name, name, _BUMP, stamp),
        # the WHEN skips the stamps themselves (the insert trigger's, and this one's)
        'CREATE TRIGGER IF NOT EXISTS %s_changes_upd AFTER UPDATE ON %s '
        'WHEN NEW.change_seq = OLD.change_seq BEGIN %s; %s END' % (name, name, _BUMP, stamp),
        'CREATE TRIGGER IF NOT EXISTS %s_changes_del AFTER DELETE ON %s BEGIN %s; END' % (name, name, _BUMP_EPOCH),
    ]


def _mysql_triggers(name):
    # a MariaDB trigger may not update its own table: BEFORE triggers set NEW.change_seq instead
    stamp = '%s; SET NEW.change_seq = %s;' % (_TABLE_SEQ[name], _CURRENT)
    return [
        'CREATE TRIGGER IF NOT EXISTS %s_changes_ins BEFORE INSERT ON %s FOR EACH ROW BEGIN %s; %s END'
        % (name, name, _BUMP, stamp),
        'CREATE TRIGGER IF NOT EXISTS %s_changes_upd BEFORE UPDATE ON %s FOR EACH ROW BEGIN %s; %s END'
        % (name, name, _BUMP, stamp),
        'CREATE TRIGGER IF NOT EXISTS %s_changes_del AFTER DELETE ON %s FOR EACH ROW BEGIN %s; END'
        % (name, name, _BUMP_EPOCH),
    ]


def _allocation_triggers(conn):
    # An allocation marks its node as changed (num_instances moves). Through an UPDATE of the node, so
    # the node's own trigger numbers it and, on MariaDB, the node row is locked before the counter, in
    # the same order as every other writer (no deadlock between a claim and a release).
    touch = 'UPDATE compute_nodes SET change_seq = change_seq WHERE id = %s.compute_node_id;'
    each = ' FOR EACH ROW' if conn.dialect.name == 'mysql' else ''
    return [
        'CREATE TRIGGER IF NOT EXISTS allocations_changes_ins AFTER INSERT ON allocations%s BEGIN %s END'
        % (each, touch % 'NEW'),
        'CREATE TRIGGER IF NOT EXISTS allocations_changes_del AFTER DELETE ON allocations%s BEGIN %s END'
        % (each, touch % 'OLD'),
        'CREATE TRIGGER IF NOT EXISTS allocations_changes_upd AFTER UPDATE ON allocations%s BEGIN %s %s END'
        % (each, touch % 'OLD', touch % 'NEW'),
    ]


def _instance_triggers(conn):
    bump = '%s; UPDATE host_state_changes SET instance_seq = seq WHERE id = 1;' % _BUMP
    if conn.dialect.name == 'mysql':
        moved = 'NOT (OLD.vm_state <=> NEW.vm_state AND OLD.host <=> NEW.host AND OLD.deleted <=> NEW.deleted)'
        return [
            'CREATE TRIGGER IF NOT EXISTS instances_changes_ins AFTER INSERT ON instances FOR EACH ROW '
            'BEGIN %s END' % bump,
            'CREATE TRIGGER IF NOT EXISTS instances_changes_upd AFTER UPDATE ON instances FOR EACH ROW '
            'BEGIN IF %s THEN %s END IF; END' % (moved, bump),
            'CREATE TRIGGER IF NOT EXISTS instances_changes_del AFTER DELETE ON instances FOR EACH ROW '
            'BEGIN %s END' % bump,
        ]
    moved = 'OLD.vm_state IS NOT NEW.vm_state OR OLD.host IS NOT NEW.host OR OLD.deleted IS NOT NEW.deleted'
    return [
        'CREATE TRIGGER IF NOT EXISTS instances_changes_ins AFTER INSERT ON instances BEGIN %s END' % bump,
        'CREATE TRIGGER IF NOT EXISTS instances_changes_upd AFTER UPDATE ON instances WHEN %s BEGIN %s END'
        % (moved, bump),
        'CREATE TRIGGER IF NOT EXISTS instances_changes_del AFTER DELETE ON instances BEGIN %s END' % bump,
    ]


AGGREGATE_TABLES = ('aggregates', 'aggregate_hosts', 'aggregate_metadata')


def _aggregate_triggers(conn):
    bump = '%s; UPDATE host_state_changes SET aggregate_seq = seq WHERE id = 1;' % _BUMP
    each = ' FOR EACH ROW' if conn.dialect.name == 'mysql' else ''
    return ['CREATE TRIGGER IF NOT EXISTS %s_changes_%s AFTER %s ON %s%s BEGIN %s END'
            % (name, event[:3].lower(), event, name, each, bump)
            for name in AGGREGATE_TABLES for event in ('INSERT', 'UPDATE', 'DELETE')]


def install(conn):
    """Create the counter row (if missing) and the triggers; idempotent."""
    if conn.execute(sa.text('SELECT COUNT(*) FROM host_state_changes WHERE id = 1')).scalar() == 0:
        conn.execute(sa.text('INSERT INTO host_state_changes (id, seq, epoch, node_seq, service_seq, instance_seq, '
                             'aggregate_seq) VALUES (1, 0, 0, 0, 0, 0, 0)'))
    build = _mysql_triggers if conn.dialect.name == 'mysql' else _sqlite_triggers
    for name in TABLES:
        for statement in build(name):
            conn.exec_driver_sql(statement)
    for statement in _allocation_triggers(conn) + _instance_triggers(conn) + _aggregate_triggers(conn):
        conn.exec_driver_sql(statement)


_READ = sa.text('SELECT seq, epoch, node_seq, service_seq, instance_seq, aggregate_seq FROM host_state_changes '
                'WHERE id = 1') if sa is not None else None


def read_all(conn):
    """(seq, epoch, node_seq, service_seq, instance_seq, aggregate_seq) now."""
    row = conn.execute(_READ).first()
    return tuple(int(v) for v in row) if row is not None else (0, 0, 0, 0, 0, 0)


def read(conn):
    """(seq, epoch) now."""
    return read_all(conn)[:2]


def trigger_names(conn):
    """The change triggers present (for tests and checks)."""
    if conn.dialect.name == 'mysql':
        rows = conn.execute(sa.text('SELECT trigger_name FROM information_schema.triggers '
                                    'WHERE trigger_schema = DATABASE()')).all()
    else:
        rows = conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
    return sorted(r[0] for r in rows if r[0].endswith(('_changes_ins', '_changes_upd', '_changes_del')))
