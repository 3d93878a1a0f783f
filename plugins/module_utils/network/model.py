# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What every Neutron resource shares: request attributes, ownership and visibility, locks, revisions.

A request body is checked against the resource's attribute table (``Attr``:
Neutron's RESOURCE_ATTRIBUTE_MAP reduced to what novalite keeps): unknown
attributes, read-only ones on update and values that do not convert are
Neutron's 400s. ``owner`` applies Neutron's rule that only an admin names
another project. ``lock_network`` serialises IP allocation on one network
(MariaDB: ``SELECT ... FOR UPDATE`` on its row; SQLite: every write
transaction already holds the database's write lock). Lock order: a
project's quota lock first, then a network's (no two writers wait on each other).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.network import errors
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import isotime
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

MAX_NAME = 255
# device_owner prefixes of ports Neutron itself makes (network:dhcp, network:router_interface, ...)
NETWORK_OWNER_PREFIX = 'network:'
COMPUTE_OWNER_PREFIX = 'compute:'
ROUTER_INTERFACE = 'network:router_interface'
ROUTER_GATEWAY = 'network:router_gateway'
FLOATING_IP_OWNER = 'network:floatingip'
# ports Neutron removes by itself with their network or subnet (a host's DHCP port, a host's DVR/SNAT port):
# they never keep one in use
AUTO_DELETE_OWNERS = ('network:dhcp', 'network:floatingip_agent_gateway')
MAC_PREFIX = 'fa:16:3e'    # Neutron's base_mac


class Attr(object):
    """One attribute of a resource: its converter, whether a create / an update may set it, its default."""

    def __init__(self, convert, post=True, put=True, default=None):
        self.convert = convert
        self.post = post
        self.put = put
        self.default = default


def text(attr, value, limit=MAX_NAME):
    if not isinstance(value, str):
        raise errors.invalid_attribute(attr, "'%s' is not a valid string" % (value,))
    if len(value) > limit:
        raise errors.invalid_attribute(attr, "'%s' exceeds maximum length of %d" % (value, limit))
    return value


def boolean(attr, value):
    """Neutron's convert_to_boolean: booleans, 0/1 and their strings, true/false in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ('true', 'false', '0', '1'):
        return value.lower() in ('true', '1')
    raise errors.InvalidInput("'%s' cannot be converted to boolean" % (value,), field=attr)


def integer(attr, value):
    if isinstance(value, bool):
        raise errors.InvalidInput("'%s' is not an integer" % (value,), field=attr)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.InvalidInput("'%s' is not an integer" % (value,), field=attr)


def uuid_value(attr, value, nullable=False):
    if value is None and nullable:
        return None
    try:
        parsed = uuidlib.UUID(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or str(parsed) != value.lower():
        raise errors.invalid_attribute(attr, "'%s' is not a valid UUID" % (value,))
    return str(parsed)


def parse(resource, body, attrs, create):
    """The body's ``resource`` object checked against ``attrs`` ({name: Attr}); defaults filled on create."""
    if not isinstance(body, dict) or not isinstance(body.get(resource), dict):
        raise errors.BadRequest('Resource body required' if not body else
                                'Unable to find \'%s\' in request body' % resource, field=resource,
                                kind='HTTPBadRequest')
    given = body[resource]
    unknown = sorted(k for k in given if k not in attrs)
    if unknown:
        raise errors.BadRequest("Unrecognized attribute(s) '%s'" % ', '.join(unknown), field=unknown[0],
                                kind='HTTPBadRequest')
    out = {}
    for name, value in given.items():
        spec = attrs[name]
        if create and not spec.post:
            raise errors.BadRequest("Attribute '%s' not allowed in POST" % name, field=name, kind='HTTPBadRequest')
        if not create and not spec.put:
            raise errors.BadRequest('Cannot update read-only attribute %s' % name, field=name, kind='HTTPBadRequest')
        out[name] = spec.convert(name, value) if spec.convert else value
    if create:
        for name, spec in attrs.items():
            if name not in out and spec.post and spec.default is not None:
                out[name] = spec.default() if callable(spec.default) else spec.default
    return out


def owner(context, spec):
    """The project a new resource belongs to: the caller's, or (admins only) the one the body names."""
    wanted = spec.pop('project_id', None)
    tenant = spec.pop('tenant_id', None)
    if wanted is not None and tenant is not None and wanted != tenant:
        raise errors.BadRequest("'project_id' and 'tenant_id' do not match", field='project_id',
                                kind='HTTPBadRequest')
    wanted = wanted if wanted is not None else tenant
    if wanted is None or wanted == context.project_id:
        return context.project_id
    if not context.is_admin:
        raise errors.BadRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in "
                                "request requires admin privileges", field='project_id', kind='HTTPBadRequest')
    return wanted


def project_ids(project_id):
    """Neutron shows the owner as both tenant_id and project_id."""
    return {'tenant_id': project_id, 'project_id': project_id}


def stamps(row):
    return {'created_at': isotime(row.created_at), 'updated_at': isotime(row.updated_at or row.created_at),
            'revision_number': row.revision_number}


def new_id():
    return str(uuidlib.uuid4())


def now():
    return utcnow()


def touch(conn, tbl, ident, **values):
    """Update one row and count the change (Neutron's revision_number)."""
    t = table(tbl)
    conn.execute(t.update().where(t.c.id == ident).values(
        revision_number=t.c.revision_number + 1, updated_at=utcnow(), **values))


def lock_network(conn, network_id):
    """Hold ``network_id``'s row until the transaction ends (IP allocation on it is then one at a time)."""
    t = table('networks')
    query = sa.select(t).where(t.c.id == network_id)
    if conn.dialect.name != 'sqlite':
        query = query.with_for_update()
    return conn.execute(query).first()


def random_mac(conn):
    """A MAC no port has yet: Neutron's fa:16:3e prefix and three random octets."""
    ports = table('ports')
    for _attempt in range(16):
        mac = '%s:%02x:%02x:%02x' % (MAC_PREFIX, random.randint(0, 255), random.randint(0, 255),
                                     random.randint(0, 255))
        if conn.execute(sa.select(ports.c.id).where(ports.c.mac_address == mac)).first() is None:
            return mac
    raise errors.NeutronError('Unable to generate unique mac.', kind='MacAddressGenerationFailure')


def ordered(tbl):
    """Every row of ``tbl`` in the order Neutron lists them (oldest first)."""
    t = table(tbl)
    return sa.select(t).order_by(t.c.created_at, t.c.id)


def owned(tbl, context):
    """The rows of ``tbl`` the caller sees when only its own project's are visible (admins see all)."""
    query = ordered(tbl)
    return query if context.is_admin else query.where(table(tbl).c.project_id == context.project_id)


def fetch(conn, query, ident, kind, what, field, writable_by=None):
    """The row ``ident`` of ``query`` (a visibility query), or Neutron's <kind> 404; with ``writable_by`` (a
    context) a row the caller may see but does not own is not found either (Neutron hides it from writers)."""
    row = conn.execute(query.where(query.selected_columns.id == ident)).first()
    if row is None or (writable_by is not None and not is_owner_or_admin(writable_by, row.project_id)):
        raise errors.not_found(kind, what, ident, field=field)
    return row


def is_owner_or_admin(context, project_id):
    return context.is_admin or project_id == context.project_id


def matches(item, filters):
    """Neutron's list filters: every given attribute equals one of its given values (compared as text)."""
    for key, wanted in filters.items():
        have = item.get(key)
        if isinstance(have, list):
            if not any(_same(h, w) for h in have for w in wanted):
                return False
        elif not any(_same(have, w) for w in wanted):
            return False
    return True


def _same(have, wanted):
    if isinstance(have, bool):
        return str(have).lower() == str(wanted).lower()
    if have is None:
        return wanted in ('', 'None', None)
    return str(have) == str(wanted)


def admin_context(context):
    """``context`` with an admin's sight, for what Neutron does on its own behalf (a router's ports)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
    return Context(user_id=context.user_id, project_id=context.project_id, is_admin=True,
                   request_id=context.request_id)
