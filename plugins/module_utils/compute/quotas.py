# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's per-project quotas: defaults, overrides (``quotas`` table), usage and the create check.

One implementation for the REST shim (``limits``, ``os-quota-sets``) and for
``conductor.create_servers``. Usage is counted from the live instance rows
(Nova's "counting quota" since Pike: no reservations), so the check must run
inside the create transaction and be serialised per project:

* SQLite: the write transaction is ``BEGIN IMMEDIATE``, writers already run one at a time.
* MariaDB (READ COMMITTED): ``SELECT ... FOR UPDATE`` on a per-project sentinel
  row of ``quotas`` (resource ``LOCK_RESOURCE``), inserted race-free on first use.

Keypairs are counted per user (Nova's user-level ``key_pairs``): their check
locks a per-user sentinel (``USER_LOCK_RESOURCE``) the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
except ImportError:  # pragma: no cover
    sa = None
    IntegrityError = Exception

# nova.conf [quota] defaults, in the order Nova's quota sets list them.
DEFAULTS = {
    'instances': 10, 'cores': 20, 'ram': 51200, 'metadata_items': 128, 'key_pairs': 100,
    'server_groups': 10, 'server_group_members': 10, 'injected_files': 5,
    'injected_file_content_bytes': 10240, 'injected_file_path_bytes': 255,
}
# The network-proxy quotas shown (not enforced) below microversion 2.36, with Nova's values.
LEGACY_NETWORK = {'floating_ips': 10, 'fixed_ips': -1, 'security_groups': 10, 'security_group_rules': 20}
# Not a quota: the per-project row a create locks (never shown, never settable).
LOCK_RESOURCE = '_project_lock'
# The per-user row a keypair create locks (its project_id column holds the user id).
USER_LOCK_RESOURCE = '_user_lock'
_SENTINELS = (LOCK_RESOURCE, USER_LOCK_RESOURCE)
UNLIMITED = -1
MAX_LIMIT = 2147483647   # Nova's db.MAX_INT


class QuotaExceeded(NovaliteError):
    """Nova's OverQuota / TooManyInstances: the API answers 403."""

    code = 403
    kind = 'OverQuota'


def _t():
    return table('quotas')


def overrides(conn, project_id):
    """The project's explicit limits {resource: hard_limit}."""
    t = _t()
    rows = conn.execute(sa.select(t.c.resource, t.c.hard_limit).where(t.c.project_id == project_id)
                        .where(t.c.resource.notin_(_SENTINELS)))
    return dict((r.resource, r.hard_limit) for r in rows)


DEFAULT_CLASS = 'default'


def class_limits(conn, class_name, legacy=True):
    """A quota class's limits: the configured defaults overlaid with what the class sets (Nova's
    get_class_quotas). The ``default`` class's are every project's defaults."""
    out = dict(DEFAULTS)
    if legacy:
        out.update(LEGACY_NETWORK)
    t = table('quota_classes')
    for row in conn.execute(sa.select(t.c.resource, t.c.hard_limit).where(t.c.class_name == class_name)):
        if row.resource in out:
            out[row.resource] = row.hard_limit
    return out


def limits(conn, project_id, legacy=False):
    """Effective limits of ``project_id``: the defaults (with the ``default`` class) overlaid with its own."""
    out = class_limits(conn, DEFAULT_CLASS, legacy=legacy)
    for resource, value in overrides(conn, project_id).items():
        if resource in out:
            out[resource] = value
    return out


def set_class_limits(store, class_name, values):
    """Nova's quota-class update: no usage check (a class has no usage). Returns the class's limits."""
    values = validate_limits(values, tuple(DEFAULTS) + tuple(LEGACY_NETWORK), prefix='quota_class_set')
    with store.begin() as conn:
        _upsert(conn, table('quota_classes'), 'class_name', class_name, values)
        return class_limits(conn, class_name)


def usage(conn, project_id, user_id=None):
    """What the project uses now: live instances, their vCPUs and RAM (flavor snapshots), keypairs, groups."""
    inst = table('instances')
    # a soft-deleted server (waiting to be reclaimed) no longer counts, as Nova's queued_for_delete
    rows = conn.execute(sa.select(inst.c.flavor, inst.c.vm_state).where(inst.c.project_id == project_id)
                        .where(inst.c.deleted == 0).where(inst.c.vm_state != states.SOFT_DELETED)).fetchall()
    # a shelved-offloaded server holds no host's resources: it counts as an instance, not its cores and RAM
    # (Nova counting cores and RAM from placement, where its allocation is gone)
    placed = [r for r in rows if r.vm_state != states.SHELVED_OFFLOADED]
    used = {'instances': len(rows),
            'cores': sum(int((r.flavor or {}).get('vcpus') or 0) for r in placed),
            'ram': sum(int((r.flavor or {}).get('memory_mb') or 0) for r in placed)}
    groups = table('server_groups')
    used['server_groups'] = conn.execute(sa.select(sa.func.count()).select_from(groups)
                                         .where(groups.c.project_id == project_id)).scalar() or 0
    if user_id is not None:
        used['key_pairs'] = _key_pairs_of(conn, user_id)
    return used


def _key_pairs_of(conn, user_id):
    keys = table('keypairs')
    return conn.execute(sa.select(sa.func.count()).select_from(keys).where(keys.c.user_id == user_id)).scalar() or 0


def lock_project(conn, project_id):
    """Serialise quota checks of ``project_id`` until ``conn``'s transaction ends."""
    _lock_sentinel(conn, project_id, LOCK_RESOURCE)


def lock_user(conn, user_id):
    """Serialise keypair quota checks of ``user_id`` until ``conn``'s transaction ends."""
    _lock_sentinel(conn, user_id, USER_LOCK_RESOURCE)


def _lock_sentinel(conn, owner, resource):
    if conn.dialect.name == 'sqlite':
        return   # BEGIN IMMEDIATE: this transaction already holds the database's write lock
    t = _t()
    query = (sa.select(t.c.id).where(t.c.project_id == owner).where(t.c.resource == resource)
             .with_for_update())
    if conn.execute(query).first() is not None:
        return
    # First use for this owner: make the sentinel in its own short transaction (a concurrent
    # creator's duplicate insert just fails), then lock it. READ COMMITTED sees the committed row.
    try:
        with conn.engine.begin() as other:
            other.execute(t.insert().values(project_id=owner, resource=resource, hard_limit=0,
                                            created_at=utcnow()))
    except IntegrityError:
        pass
    conn.execute(query).first()


def _over_message(resource, requested, used, allowed):
    return ('Quota exceeded for %s: Requested %d, but already used %d of %d %s'
            % (resource, requested, used, allowed, resource))


def check_create(conn, project_id, flavor, count, min_count=None):
    """How many of ``count`` servers of ``flavor`` fit in the project's quota (at least ``min_count``).

    Call inside the create transaction before the first insert. Like Nova, a
    request for min_count..max_count is reduced to what fits when that is at
    least min_count; otherwise QuotaExceeded (403) with Nova's message.
    """
    min_count = count if min_count is None else min_count
    lock_project(conn, project_id)
    limit = limits(conn, project_id)
    used = usage(conn, project_id)
    per_server = {'instances': 1, 'cores': int(flavor.get('vcpus') or 0), 'ram': int(flavor.get('memory_mb') or 0)}
    fits = count
    for resource in ('instances', 'cores', 'ram'):
        if limit[resource] == UNLIMITED or per_server[resource] == 0:
            continue
        headroom = max(limit[resource] - used[resource], 0)
        fits = min(fits, headroom // per_server[resource])
    if fits >= min_count:
        return fits
    for resource in ('instances', 'cores', 'ram'):
        wanted = per_server[resource] * min_count
        if limit[resource] != UNLIMITED and used[resource] + wanted > limit[resource]:
            raise QuotaExceeded(_over_message(resource, wanted, used[resource], limit[resource]), field=resource)
    raise QuotaExceeded('Quota exceeded: cannot run %d more instances of this type.' % min_count,
                        field='instances')   # pragma: no cover - one of the resources is always over


def check_unshelve(conn, project_id, flavor):
    """An offloaded server's cores and RAM must fit again before it is unshelved (Nova's
    _check_quota_unshelve_offloaded: deltas instances 0, cores and RAM of its flavor); QuotaExceeded (403).
    Also a resize's growth (``flavor``: the deltas of vcpus and memory_mb, Nova's _check_quota_for_upsize)."""
    lock_project(conn, project_id)
    limit = limits(conn, project_id)
    used = usage(conn, project_id)
    for resource, wanted in (('cores', int(flavor.get('vcpus') or 0)), ('ram', int(flavor.get('memory_mb') or 0))):
        if limit[resource] != UNLIMITED and wanted and used[resource] + wanted > limit[resource]:
            raise QuotaExceeded(_over_message(resource, wanted, used[resource], limit[resource]), field=resource)


def check_injected_files(conn, project_id, files):
    """Nova's _check_injected_file_quota: how many files, and each one's path and (encoded) contents length."""
    if not files:
        return
    limit = limits(conn, project_id)
    checks = ((len(files), 'injected_files', 'Personality file limit exceeded'),
              (max(len(f['path']) for f in files), 'injected_file_path_bytes',
               'Personality file path exceeds maximum %s'),
              (max(len(f['contents']) for f in files), 'injected_file_content_bytes',
               'Personality file content exceeds maximum %s'))
    for size, resource, message in checks:
        if limit[resource] != UNLIMITED and size > limit[resource]:
            raise QuotaExceeded(message.replace('%s', str(limit[resource])), field=resource)


def check_key_pairs(conn, project_id, user_id):
    """Nova's KeypairLimitExceeded (403) unless ``user_id`` may add a keypair under ``project_id``'s limit.

    Call inside the keypair's insert transaction: the user's keypairs are counted under a lock.
    """
    lock_user(conn, user_id)
    allowed = limits(conn, project_id)['key_pairs']
    if allowed != UNLIMITED and _key_pairs_of(conn, user_id) >= allowed:
        raise QuotaExceeded('Quota exceeded, too many key pairs.', field='key_pairs')


def check_server_groups(conn, project_id):
    """Nova's 403 unless ``project_id`` may add a server group (call inside the insert's transaction)."""
    lock_project(conn, project_id)
    allowed = limits(conn, project_id)['server_groups']
    if allowed != UNLIMITED and usage(conn, project_id)['server_groups'] >= allowed:
        raise QuotaExceeded('Quota exceeded, too many server groups.', field='server_groups')


def check_metadata(conn, project_id, count):
    """Nova's MetadataLimitExceeded for ``count`` metadata items."""
    allowed = limits(conn, project_id)['metadata_items']
    if allowed != UNLIMITED and count > allowed:
        raise QuotaExceeded('Maximum number of metadata items exceeds %d' % allowed, field='metadata')


def validate_limits(values, settable=None, prefix='quota_set'):
    """A PUT body's limits as ints: each -1 (unlimited) or 0..MAX_LIMIT, a known resource."""
    known = settable if settable is not None else tuple(DEFAULTS)
    out = {}
    for resource, value in values.items():
        field = '%s.%s' % (prefix, resource)
        if resource not in known:
            raise InvalidInput(field, 'unknown quota resource (known: %s)' % ', '.join(known))
        if isinstance(value, bool):
            raise InvalidInput(field, 'must be an integer, got %r' % (value,))
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(field, 'must be an integer, got %r' % (value,))
        if number < UNLIMITED or number > MAX_LIMIT:
            raise InvalidInput(field, 'Quota limit %s for %s must be -1 or greater.'
                               % (value, resource) if number < UNLIMITED else
                               'Quota limit %s for %s must be less than or equal to %d.'
                               % (value, resource, MAX_LIMIT))
        out[resource] = number
    return out


def set_limits(store, project_id, values, force=False, legacy=False):
    """Nova's quota-set update: without ``force`` a limit below current usage is refused (400).

    ``legacy``: the network-proxy quotas (below microversion 2.36) may be set too. Returns the limits.
    """
    values = validate_limits(values, tuple(DEFAULTS) + (tuple(LEGACY_NETWORK) if legacy else ()))
    with store.begin() as conn:
        lock_project(conn, project_id)
        if not force:
            used = usage(conn, project_id)
            for resource, value in sorted(values.items()):
                if value != UNLIMITED and value < used.get(resource, 0):
                    raise InvalidInput('quota_set.%s' % resource,
                                       'Quota limit %d for %s must be greater than or equal to already used and '
                                       'reserved %d.' % (value, resource, used[resource]))
        _write(conn, project_id, values)
        return limits(conn, project_id, legacy=legacy)


def _write(conn, project_id, values):
    _upsert(conn, _t(), 'project_id', project_id, values)


def _upsert(conn, t, owner_column, owner, values):
    """Set ``{resource: limit}`` rows of ``owner`` in ``t`` (quotas by project, quota classes by name)."""
    owned = t.c[owner_column] == owner
    current = set(r.resource for r in conn.execute(sa.select(t.c.resource).where(owned)))
    now = utcnow()
    for resource, value in values.items():
        if resource in current:
            conn.execute(t.update().where(owned).where(t.c.resource == resource)
                         .values(hard_limit=value, updated_at=now))
        else:
            conn.execute(t.insert().values(**{owner_column: owner, 'resource': resource, 'hard_limit': value,
                                              'created_at': now}))


def store_limits(store, project_id, values):
    """Write already checked limits {resource: int} (the network service's quotas share the table)."""
    with store.begin() as conn:
        lock_project(conn, project_id)
        _write(conn, project_id, values)


def drop_limits(store, project_id, resources):
    """Back to the defaults for ``resources`` of the project."""
    t = _t()
    with store.begin() as conn:
        conn.execute(t.delete().where(t.c.project_id == project_id).where(t.c.resource.in_(resources)))


def reset(store, project_id):
    """Nova's quota-set delete: the project's compute quotas go back to the defaults (Neutron's stay)."""
    drop_limits(store, project_id, tuple(DEFAULTS) + tuple(LEGACY_NETWORK))
