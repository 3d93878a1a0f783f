# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who asks: Nova's RequestContext reduced to what novalite checks, request ids, and the playbooks' identity.

Playbooks act as an operator: admin, in a project. ``for_playbook`` resolves
the project (and user) a playbook names - by name or id - against the
identity tables the REST shim keeps (``projects``, ``users``; filled by
``novalite_api bootstrap``), so servers made by playbooks carry the same
project id the API's users see:

* a project given by id or by name (domain ``default``) resolves to its id;
  one that is not there fails, naming the field;
* no project given: the admin project (name ``admin``), when it exists;
* no identity rows at all (playbook-only use, no REST shim bootstrapped):
  the project is taken as given, and the default is the literal id
  ``admin``. The first ``novalite_api bootstrap`` then creates the admin
  project with a new id and gives it (and the admin user) every row that
  still names ``admin`` (``novalite_api.accounts.adopt_playbook_rows``).

Users resolve the same way (default: the user ``admin``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

# The project and user playbooks act as when none is named (keystone-manage bootstrap's names).
ADMIN_PROJECT = 'admin'
ADMIN_USER = 'admin'
DEFAULT_DOMAIN = 'default'


class Context(object):
    """Who asks: Nova's RequestContext reduced to what novalite checks."""

    def __init__(self, user_id=None, project_id=None, is_admin=True, request_id=None, roles=None):
        self.user_id = user_id
        self.project_id = project_id
        self.is_admin = is_admin
        self.roles = list(roles or (['admin'] if is_admin else ['member']))
        self.request_id = request_id or new_request_id()

    @property
    def scope(self):
        """The project whose rows this caller reaches: None (every project) for an admin."""
        return None if self.is_admin else self.project_id


def new_request_id():
    return 'req-%s' % uuidlib.uuid4()


def _resolve(conn, tbl, ref, default, field):
    """The id of the ``tbl`` row named or numbered ``ref`` (``default`` by name when None)."""
    t = table(tbl)
    if conn.execute(sa.select(t.c.id).limit(1)).first() is None:
        return ref or default     # no identity rows: playbook-only use, taken as given
    wanted = ref or default
    row = conn.execute(sa.select(t.c.id).where(t.c.id == wanted)).first()
    if row is None:
        row = conn.execute(sa.select(t.c.id).where(t.c.name == wanted)
                           .where(t.c.domain_id == DEFAULT_DOMAIN)).first()
    if row is None:
        raise NotFound(tbl[:-1].capitalize(), wanted, field=field)
    return row.id


def resolve_project(store, ref=None, field='project_id'):
    """The project id for ``ref`` (a project name or id; None: the admin project). See the module doc."""
    with store.read() as conn:
        return _resolve(conn, 'projects', ref, ADMIN_PROJECT, field)


def resolve_user(store, ref=None, field='user_id'):
    """The user id for ``ref`` (a user name or id; None: the user ``admin``). See the module doc."""
    with store.read() as conn:
        return _resolve(conn, 'users', ref, ADMIN_USER, field)


def for_playbook(store, project=None, user=None, is_admin=True, request_id=None):
    """The Context a playbook acts with: project and user resolved against the identity tables."""
    with store.read() as conn:
        project_id = _resolve(conn, 'projects', project, ADMIN_PROJECT, 'project_id')
        user_id = _resolve(conn, 'users', user, ADMIN_USER, 'user_id')
    return Context(user_id=user_id, project_id=project_id, is_admin=is_admin, request_id=request_id)
