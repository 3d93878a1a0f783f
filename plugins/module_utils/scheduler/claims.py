# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Atomic resource claims (Placement's allocations with generation compare-and-swap).

The allocations table is the truth; compute_nodes.*_used is kept equal to the
sum of allocations in the same transaction, and every change bumps the
node's ``generation`` with ``UPDATE ... WHERE id=? AND generation=?``. A lost
race (rowcount 0) rolls the transaction back and re-reads, so whatever the
concurrency, on SQLite (BEGIN IMMEDIATE) and MariaDB (READ COMMITTED), the
claims on a node never exceed Placement's ``(total - reserved) * ratio``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
except ImportError:  # pragma: no cover
    sa = None

# How often one claim re-reads after losing the compare-and-swap to another writer.
CAS_RETRIES = 20


class ClaimFailed(Conflict):
    """The host no longer has room (another claim got there first). ``node`` is its fresh row."""

    kind = 'ClaimFailed'

    def __init__(self, message, host=None, node=None):
        super(ClaimFailed, self).__init__(message, field='host', host=host)
        self.host = host
        self.node = node


class _LostRace(Exception):
    """Internal: the generation moved under us; roll back and retry."""


def _nodes():
    return schema.table('compute_nodes')


def _allocs():
    return schema.table('allocations')


def _check_amounts(vcpus, memory_mb, disk_gb):
    for field, value in (('vcpus', vcpus), ('memory_mb', memory_mb), ('disk_gb', disk_gb)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(field, 'must be a non-negative integer, got %r' % (value,))


def _node_dict(row):
    return dict((key, value) for key, value in row._mapping.items() if not key.startswith('held_'))


_STATEMENTS = {}


def _statement(name):
    """The claim's statements, built once with bound parameters: a claim is on every request's path,
    and building a statement costs more than SQLite takes to run it."""
    stmt = _STATEMENTS.get(name)
    if stmt is None:
        nodes, allocs = _nodes(), _allocs()
        bp = sa.bindparam
        stmt = _STATEMENTS[name] = {
            # the node and what the consumer already holds there, in one statement
            'node': lambda: sa.select(nodes, allocs.c.id.label('held_id'), allocs.c.vcpus.label('held_vcpus'),
                                      allocs.c.memory_mb.label('held_memory_mb'),
                                      allocs.c.disk_gb.label('held_disk_gb'))
            .select_from(nodes.outerjoin(allocs, sa.and_(allocs.c.compute_node_id == nodes.c.id,
                                                         allocs.c.consumer_uuid == bp('b_consumer'))))
            .where(nodes.c.host == bp('b_host')),
            'bump': lambda: nodes.update()
            .where(nodes.c.id == bp('b_node'), nodes.c.generation == bp('b_generation'))
            .values(vcpus_used=nodes.c.vcpus_used + bp('b_vcpus'),
                    memory_mb_used=nodes.c.memory_mb_used + bp('b_memory_mb'),
                    local_gb_used=nodes.c.local_gb_used + bp('b_disk_gb'), generation=nodes.c.generation + 1,
                    updated_at=bp('b_now')),
            'allocate': allocs.insert,
            'of_consumer': lambda: sa.select(nodes.c.host, nodes.c.uuid.label('node_uuid'), allocs.c.vcpus,
                                             allocs.c.memory_mb, allocs.c.disk_gb)
            .select_from(allocs.join(nodes, allocs.c.compute_node_id == nodes.c.id))
            .where(allocs.c.consumer_uuid == bp('b_consumer')).order_by(nodes.c.host),
        }[name]()
    return stmt


def _bump(conn, node, dv, dm, dd):
    """Compare-and-swap the node's usage; raises _LostRace when another writer got in first."""
    result = conn.execute(_statement('bump'), {'b_node': node['id'], 'b_generation': node['generation'],
                                               'b_vcpus': dv, 'b_memory_mb': dm, 'b_disk_gb': dd,
                                               'b_now': utcnow()})
    if result.rowcount != 1:
        raise _LostRace()


def _claim_in(conn, consumer_uuid, host, vcpus, memory_mb, disk_gb, group=None):
    row = conn.execute(_statement('node'), {'b_host': host, 'b_consumer': consumer_uuid}).first()
    if row is None:
        raise NotFound('Compute node', host, field='host')
    node = _node_dict(row)
    if row.held_id is not None:
        if (row.held_vcpus, row.held_memory_mb, row.held_disk_gb) == (vcpus, memory_mb, disk_gb):
            return {'consumer_uuid': consumer_uuid, 'host': host, 'node_uuid': node['uuid'],
                    'vcpus': vcpus, 'memory_mb': memory_mb, 'disk_gb': disk_gb, 'changed': False}
        raise Conflict('consumer %s already holds a different allocation on %s' % (consumer_uuid, host),
                       field='consumer_uuid')
    why = capacity.node_misfit(node, vcpus, memory_mb, disk_gb)
    if why:
        raise ClaimFailed('claim failed: ' + why, host=host, node=node)
    if group is not None and group.get('policy') == 'anti-affinity':
        # re-checked inside the transaction so two racing members cannot share a host
        from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
        limit = int((group.get('rules') or {}).get('max_server_per_host', 1))
        if server_groups.member_host_counts(conn, group['id']).get(host, 0) >= limit:
            raise ClaimFailed('claim failed: %s already has %d member(s) of group %s'
                              % (host, limit, group['name']), host=host, node=node)
    _bump(conn, node, vcpus, memory_mb, disk_gb)
    conn.execute(_statement('allocate'), {'compute_node_id': node['id'], 'consumer_uuid': consumer_uuid,
                                          'vcpus': vcpus, 'memory_mb': memory_mb, 'disk_gb': disk_gb,
                                          'created_at': utcnow()})
    if group is not None:
        from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
        server_groups.add_member(conn, group['id'], consumer_uuid)
    node.update(vcpus_used=node['vcpus_used'] + vcpus, memory_mb_used=node['memory_mb_used'] + memory_mb,
                local_gb_used=node['local_gb_used'] + disk_gb, generation=node['generation'] + 1)
    return {'consumer_uuid': consumer_uuid, 'host': host, 'node_uuid': node['uuid'],
            'vcpus': vcpus, 'memory_mb': memory_mb, 'disk_gb': disk_gb, 'changed': True, 'node': node}


def _retrying(store, body):
    for _attempt in range(CAS_RETRIES):
        try:
            with store.begin() as conn:
                return body(conn)
        except _LostRace:
            continue
    raise ClaimFailed('claim failed: too much contention (%d lost compare-and-swap rounds)' % CAS_RETRIES)


def claim(store, consumer_uuid, host, vcpus, memory_mb, disk_gb, group=None):
    """Claim resources on ``host`` for ``consumer_uuid``; idempotent for the same amounts.

    Raises ClaimFailed (with the fresh node row) when the host has no room.
    """
    _check_amounts(vcpus, memory_mb, disk_gb)
    if not isinstance(consumer_uuid, str) or not consumer_uuid:
        raise InvalidInput('consumer_uuid', 'must be a UUID string')
    return _retrying(store, lambda conn: _claim_in(conn, consumer_uuid, host, vcpus, memory_mb, disk_gb, group))


def release_in(conn, consumer_uuid):
    nodes = _nodes()
    allocs = _allocs()
    released = []
    rows = conn.execute(sa.select(allocs, nodes.c.host)
                        .select_from(allocs.join(nodes, allocs.c.compute_node_id == nodes.c.id))
                        .where(allocs.c.consumer_uuid == consumer_uuid)).all()
    for row in rows:
        # delete first: only the transaction that removed the row gives the capacity back
        if conn.execute(allocs.delete().where(allocs.c.id == row.id)).rowcount != 1:
            continue
        conn.execute(nodes.update().where(nodes.c.id == row.compute_node_id).values(
            vcpus_used=nodes.c.vcpus_used - row.vcpus, memory_mb_used=nodes.c.memory_mb_used - row.memory_mb,
            local_gb_used=nodes.c.local_gb_used - row.disk_gb, generation=nodes.c.generation + 1,
            updated_at=utcnow()))
        released.append({'host': row.host, 'vcpus': row.vcpus, 'memory_mb': row.memory_mb, 'disk_gb': row.disk_gb})
    return released


def release(store, consumer_uuid):
    """Give back everything ``consumer_uuid`` holds (delete / failed boot). Idempotent: [] when nothing."""
    with store.begin() as conn:
        return release_in(conn, consumer_uuid)


def allocations_of(conn, consumer_uuid):
    return [dict(r._mapping) for r in conn.execute(_statement('of_consumer'), {'b_consumer': consumer_uuid}).all()]


def claim_move(store, instance_uuid, migration_uuid, dest_host, vcpus, memory_mb, disk_gb):
    """Start a move (resize / cold migrate / live migrate / evacuate), as Nova does with Placement.

    The instance's current allocation passes to the migration consumer (it keeps
    the source host), and the instance claims the destination: both hosts are
    held until ``confirm_move`` or ``revert_move``. Idempotent.
    """
    _check_amounts(vcpus, memory_mb, disk_gb)
    if instance_uuid == migration_uuid:
        raise InvalidInput('migration_uuid', 'must differ from the instance UUID')

    def body(conn):
        allocs = _allocs()
        if allocations_of(conn, migration_uuid):
            held = allocations_of(conn, instance_uuid)
            return {'changed': False, 'source': allocations_of(conn, migration_uuid), 'dest': held}
        conn.execute(allocs.update().where(allocs.c.consumer_uuid == instance_uuid)
                     .values(consumer_uuid=migration_uuid))
        result = _claim_in(conn, instance_uuid, dest_host, vcpus, memory_mb, disk_gb)
        result.pop('node', None)
        return {'changed': True, 'source': allocations_of(conn, migration_uuid), 'dest': [result]}
    return _retrying(store, body)


def confirm_move(store, migration_uuid):
    """The move stays: free the source host held by the migration. Idempotent."""
    return release(store, migration_uuid)


def revert_move(store, instance_uuid, migration_uuid):
    """The move is undone: free the destination, the instance takes back the source. Idempotent."""
    with store.begin() as conn:
        if not allocations_of(conn, migration_uuid):
            return []
        released = release_in(conn, instance_uuid)
        allocs = _allocs()
        conn.execute(allocs.update().where(allocs.c.consumer_uuid == migration_uuid)
                     .values(consumer_uuid=instance_uuid))
        return released
