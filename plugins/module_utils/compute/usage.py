# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Usage per project over a period (Nova's simple tenant usage): hours each server ran, times its flavor.

A server counts when it was launched before the period ends and not terminated before it starts
(deleted servers included: their ``terminated_at`` ends their hours). Rows come ordered by
project then uuid, so a marker (a server uuid) pages through them as Nova's does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


def _window_rows(conn, start, stop, project_id, limit, marker):
    t = table('instances')
    query = sa.select(t.c.uuid, t.c.display_name, t.c.project_id, t.c.vm_state, t.c.flavor, t.c.launched_at,
                      t.c.terminated_at).where(
        sa.or_(t.c.terminated_at.is_(None), t.c.terminated_at > start), t.c.launched_at < stop)
    if project_id is not None:
        query = query.where(t.c.project_id == project_id)
    if marker is not None:
        found = conn.execute(sa.select(t.c.project_id, t.c.uuid).where(t.c.uuid == marker)).first()
        if found is None:
            raise InvalidInput('marker', 'Marker %s could not be found.' % marker)
        query = query.where(sa.or_(t.c.project_id > found.project_id,
                                   sa.and_(t.c.project_id == found.project_id, t.c.uuid > found.uuid)))
    query = query.order_by(t.c.project_id, t.c.uuid)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).fetchall()


def _hours(launched_at, terminated_at, start, stop):
    begin = max(launched_at, start)
    end = min(stop, terminated_at) if terminated_at else stop
    return (end - begin).total_seconds() / 3600.0


def tenant_usages(store, start, stop, project_id=None, detailed=True, limit=None, marker=None, now=None):
    """(one summary per project, every server's usage) for ``start`` .. ``stop`` (naive UTC datetimes)."""
    now = now or utcnow()
    with store.read() as conn:
        rows = _window_rows(conn, start, stop, project_id, limit, marker)
    summaries, servers = {}, []
    for row in rows:
        flavor = row.flavor or {}
        hours = _hours(row.launched_at, row.terminated_at, start, stop)
        ended = row.terminated_at
        server = {'instance_id': row.uuid, 'name': row.display_name, 'tenant_id': row.project_id,
                  'flavor': flavor.get('name') or '', 'hours': hours,
                  'memory_mb': int(flavor.get('memory_mb') or 0),
                  'local_gb': int(flavor.get('root_gb') or 0) + int(flavor.get('ephemeral_gb') or 0),
                  'vcpus': int(flavor.get('vcpus') or 0), 'started_at': row.launched_at, 'ended_at': ended,
                  'state': 'terminated' if ended else row.vm_state,
                  'uptime': int(((ended or now) - row.launched_at).total_seconds())}
        summary = summaries.get(row.project_id)
        if summary is None:
            summary = summaries[row.project_id] = {
                'tenant_id': row.project_id, 'total_local_gb_usage': 0, 'total_vcpus_usage': 0,
                'total_memory_mb_usage': 0, 'total_hours': 0, 'start': start, 'stop': stop}
            if detailed:
                summary['server_usages'] = []
        summary['total_local_gb_usage'] += server['local_gb'] * hours
        summary['total_vcpus_usage'] += server['vcpus'] * hours
        summary['total_memory_mb_usage'] += server['memory_mb'] * hours
        summary['total_hours'] += hours
        servers.append(server)
        if detailed:
            summary['server_usages'].append(server)
    return list(summaries.values()), servers
