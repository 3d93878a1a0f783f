# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server groups in Nova's v2.64 shape: one ``policy`` plus ``rules``.

A group's members are instance UUIDs; where a member runs is where its claim
is (or instances.host), which is what the affinity filters and weighers use.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
except ImportError:  # pragma: no cover
    sa = None

POLICIES = ('affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity')


def validate(name, policy, rules):
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise InvalidInput('name', 'must be a non-empty string of at most 255 characters')
    if policy not in POLICIES:
        raise InvalidInput('policy', '%r is not a server group policy (one of: %s)' % (policy, ', '.join(POLICIES)))
    rules = rules or {}
    if not isinstance(rules, dict):
        raise InvalidInput('rules', 'must be a dict')
    unknown = set(rules) - {'max_server_per_host'}
    if unknown:
        raise InvalidInput('rules', 'unknown rules %s (only max_server_per_host)' % ', '.join(sorted(unknown)))
    if 'max_server_per_host' in rules:
        # Nova 2.64: the rule exists only for the anti-affinity policy
        if policy != 'anti-affinity':
            raise InvalidInput('rules.max_server_per_host', 'is only valid with policy anti-affinity')
        value = rules['max_server_per_host']
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if isinstance(value, bool) or number < 1 or (isinstance(value, float) and value != number):
            raise InvalidInput('rules.max_server_per_host', 'must be a positive integer, got %r' % (value,))
        rules = {'max_server_per_host': number}
    return dict(rules)


def _as_dict(row, members=None):
    out = {'id': row.id, 'uuid': row.uuid, 'name': row.name, 'policy': row.policy,
           'rules': dict(row.rules or {}), 'project_id': row.project_id, 'user_id': row.user_id}
    if members is not None:
        out['members'] = members
    return out


def find(conn, ident, project_id=None, field='name', required=False):
    """The group with this UUID, or the only one with this name (in the project, when given)."""
    groups = schema.table('server_groups')
    row = conn.execute(sa.select(groups).where(groups.c.uuid == ident)).first()
    if row is None:
        query = sa.select(groups).where(groups.c.name == ident)
        if project_id is not None:
            query = query.where(groups.c.project_id == project_id)
        rows = conn.execute(query).all()
        if len(rows) > 1:
            raise InvalidInput(field, 'several server groups are named %r; use the UUID' % ident)
        row = rows[0] if rows else None
    if row is None:
        if required:
            raise NotFound('Server group', ident, field=field)
        return None
    return _as_dict(row, members(conn, row.id))


def members(conn, group_id):
    """The group's members, less deleted servers (whose member rows stay until purged). A member with no
    instance row is a scheduler consumer (the ``schedule`` module's): it counts."""
    table, inst = schema.table('server_group_members'), schema.table('instances')
    return sorted(r[0] for r in conn.execute(
        sa.select(table.c.instance_uuid)
        .select_from(table.outerjoin(inst, inst.c.uuid == table.c.instance_uuid))
        .where(table.c.group_id == group_id, sa.or_(inst.c.deleted.is_(None), inst.c.deleted == 0))).all())


def groups_of(conn, instance_uuid):
    """The uuids of the groups ``instance_uuid`` belongs to (Nova: at most one)."""
    groups, member = schema.table('server_groups'), schema.table('server_group_members')
    return sorted(r[0] for r in conn.execute(
        sa.select(groups.c.uuid).select_from(groups.join(member, member.c.group_id == groups.c.id))
        .where(member.c.instance_uuid == instance_uuid)).all())


def member_host_counts(conn, group_id):
    """{host: members placed there}."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler.request_spec import hosts_of_instances
    counts = {}
    for host in hosts_of_instances(conn, members(conn, group_id)).values():
        counts[host] = counts.get(host, 0) + 1
    return counts


def add_member(conn, group_id, instance_uuid):
    table = schema.table('server_group_members')
    exists = conn.execute(sa.select(table.c.group_id).where(
        table.c.group_id == group_id, table.c.instance_uuid == instance_uuid)).first()
    if exists is None:
        conn.execute(table.insert().values(group_id=group_id, instance_uuid=instance_uuid))
        return True
    return False


def ensure(store, name, policy, rules=None, project_id=None, user_id=None, check_mode=False):
    """Create the group if missing. Returns (changed, group). Nova cannot change a group's policy."""
    rules = validate(name, policy, rules)
    with store.begin() as conn:
        existing = find(conn, name, project_id=project_id)
        if existing is not None:
            if existing['policy'] != policy or existing['rules'] != rules:
                raise Conflict('server group %r exists with policy %s rules %s; Nova cannot change '
                               'a group, delete it first' % (name, existing['policy'], existing['rules']),
                               field='policy')
            return False, existing
        group = {'uuid': str(uuidlib.uuid4()), 'name': name, 'policy': policy, 'rules': rules,
                 'project_id': project_id, 'user_id': user_id}
        if check_mode:
            return True, dict(group, id=None, members=[])
        groups = schema.table('server_groups')
        conn.execute(groups.insert().values(created_at=utcnow(), **group))
        return True, find(conn, group['uuid'])


def create(store, name, policy, rules=None, project_id=None, user_id=None, enforce_quota=False):
    """A new group, whatever others are named (the API's create; ``ensure`` is the desired-state one).

    ``enforce_quota``: count the project's groups in the insert's transaction (parallel creates cannot pass
    its ``server_groups`` limit).
    """
    from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas
    rules = validate(name, policy, rules)
    group = {'uuid': str(uuidlib.uuid4()), 'name': name, 'policy': policy, 'rules': rules,
             'project_id': project_id, 'user_id': user_id}
    with store.begin() as conn:
        if enforce_quota:
            quotas.check_server_groups(conn, project_id)
        conn.execute(schema.table('server_groups').insert().values(created_at=utcnow(), **group))
        return find(conn, group['uuid'])


def list_groups(store, project_id=None):
    """Every group (of ``project_id`` when given), oldest first, with its live members."""
    groups = schema.table('server_groups')
    query = sa.select(groups).order_by(groups.c.id)
    if project_id is not None:
        query = query.where(groups.c.project_id == project_id)
    with store.read() as conn:
        return [_as_dict(row, members(conn, row.id)) for row in conn.execute(query).all()]


def remove(store, ident, project_id=None, check_mode=False):
    """Delete the group (members go with it). Returns (changed, group or None)."""
    with store.begin() as conn:
        existing = find(conn, ident, project_id=project_id)
        if existing is None:
            return False, None
        if not check_mode:
            groups = schema.table('server_groups')
            conn.execute(schema.table('server_group_members').delete().where(
                schema.table('server_group_members').c.group_id == existing['id']))
            conn.execute(groups.delete().where(groups.c.id == existing['id']))
        return True, existing
