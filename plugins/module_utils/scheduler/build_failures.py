# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The build-failure count the BuildFailureWeigher reads (Nova's ``failed_builds`` compute node stat).

A host's count grows by one with each build that fails there and goes back
to 0 with a build that succeeds, so only a run of failures sinks a host.
It lives in ``compute_nodes.failed_builds`` (schema version 6), never in the
host's capabilities, which are the host's own report.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
except ImportError:  # pragma: no cover
    sa = None


def note_build_result(conn, host, success):
    """Count a build on ``host`` inside the caller's write transaction ``conn``."""
    if not host:
        return
    nodes = table('compute_nodes')
    where = nodes.c.host == host
    if success:
        conn.execute(nodes.update().where(where, nodes.c.failed_builds != 0).values(failed_builds=0))
    else:
        conn.execute(nodes.update().where(where).values(failed_builds=nodes.c.failed_builds + 1))


def failed_builds_by_host(conn):
    """{host: count} of every compute node."""
    nodes = table('compute_nodes')
    return dict(conn.execute(sa.select(nodes.c.host, nodes.c.failed_builds)).all())
