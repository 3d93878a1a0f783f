# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Flavors (Nova's ``flavors`` + ``flavor_extra_specs`` + ``flavor_projects``).

As in Nova, a flavor's sizes are immutable: only the description and the
extra specs change in place. ``ensure_present`` refuses a size change on an
existing flavor with an error naming the field; delete and re-create it
instead (instances keep the flavor snapshot they booted with).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import uuid

from ansible_collections.novalite.compute.plugins.module_utils import catalog
from ansible_collections.novalite.compute.plugins.module_utils.catalog import extra_spec_rules
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, rows

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover - reported by open_store_for
    HAS_SQLALCHEMY = False

# Nova's flavorid rule (nova/api/validation/parameter_types.py flavor_id).
_FLAVORID_RE = re.compile(r'^(?! )[a-zA-Z0-9. _-]+(?<! )$')
# The sizes Nova never changes in place; ``is_public`` and ``rxtx_factor`` neither.
IMMUTABLE_FIELDS = ('flavorid', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap', 'rxtx_factor', 'is_public')
MAX_DESCRIPTION = 65535


def validate_extra_specs(extra_specs, known_keys=True):
    """Check keys/values; returns a new dict with every value as a string (Nova stores strings).

    ``known_keys``: keys of Nova's namespaces must be known ones with valid values (extra_spec_rules, Nova's
    2.86 rules); the API turns it off below 2.86, where Nova takes any key and value.
    """
    if extra_specs is None:
        return {}
    if not isinstance(extra_specs, dict):
        raise InvalidInput('extra_specs', 'must be a mapping of key to value')
    out = {}
    for key, value in extra_specs.items():
        if not isinstance(key, str) or not key or len(key) > 255 or key != key.strip():
            raise InvalidInput('extra_specs', 'key %r must be a string of 1-255 characters without surrounding spaces' % (key,))
        if not re.match(r'^[\w.:/-]+$', key):
            raise InvalidInput('extra_specs.%s' % key, 'key may contain only letters, digits and _ - . : /')
        if value is None or isinstance(value, (dict, list)):
            raise InvalidInput('extra_specs.%s' % key, 'value must be a string, number or boolean')
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if len(text) > 255:
            raise InvalidInput('extra_specs.%s' % key, 'value must be at most 255 characters')
        if known_keys:
            extra_spec_rules.validate(key, value)
        out[key] = text
    return out


def _normalise(name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, flavorid, is_public,
               rxtx_factor, description, extra_specs):
    spec = {
        'name': catalog.check_name('name', name),
        'vcpus': catalog.check_int('vcpus', vcpus, minimum=1),
        'memory_mb': catalog.check_int('memory_mb', memory_mb, minimum=1),
        'root_gb': catalog.check_int('root_gb', root_gb, minimum=0),
        'ephemeral_gb': catalog.check_int('ephemeral_gb', ephemeral_gb, minimum=0),
        'swap': catalog.check_int('swap', swap, minimum=0),
        'is_public': catalog.check_bool('is_public', is_public),
        'description': _check_description(description),
        'extra_specs': validate_extra_specs(extra_specs),
    }
    try:
        factor = float(rxtx_factor)
    except (TypeError, ValueError):
        raise InvalidInput('rxtx_factor', 'must be a number, got %r' % (rxtx_factor,))
    if math.isnan(factor) or not 0 < factor <= 3.40282e+38:
        raise InvalidInput('rxtx_factor', 'must be a positive number, got %r' % (rxtx_factor,))
    spec['rxtx_factor'] = factor
    if flavorid is not None and flavorid != 'auto':
        flavorid = str(flavorid) if isinstance(flavorid, int) and not isinstance(flavorid, bool) else flavorid
        if not isinstance(flavorid, str) or len(flavorid) > 255 or not _FLAVORID_RE.match(flavorid):
            raise InvalidInput('flavorid', 'must be 1-255 characters of letters, digits, ". _ -" without '
                               'surrounding spaces, got %r' % (flavorid,))
    spec['flavorid'] = flavorid
    return spec


def _check_description(description):
    if description is None:
        return None
    if not isinstance(description, str):
        raise InvalidInput('description', 'must be a string')
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput('description', 'must be at most %d characters' % MAX_DESCRIPTION)
    if any(not ch.isprintable() and ch not in '\n\t' for ch in description):
        raise InvalidInput('description', 'must not contain control characters')
    return description


def _flavors():
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
    return schema.table('flavors'), schema.table('flavor_projects')


def _to_dict(conn, row):
    flavor = rows.as_dict(row)
    _fl, access = _flavors()
    flavor['extra_specs'] = dict(flavor.get('extra_specs') or {})
    flavor['is_public'] = bool(flavor['is_public'])
    flavor['disabled'] = bool(flavor['disabled'])
    flavor['projects'] = sorted(r.project_id for r in conn.execute(
        sa.select(access.c.project_id).where(access.c.flavor_id == row.id)))
    return flavor


def _find(conn, name_or_id):
    """Nova's API looks flavors up by flavorid; the CLI falls back to the name."""
    flavors, _access = _flavors()
    ident = str(name_or_id)
    row = conn.execute(sa.select(flavors).where(flavors.c.flavorid == ident)).first()
    if row is None:
        row = conn.execute(sa.select(flavors).where(flavors.c.name == ident)).first()
    return row


def create(store, name, vcpus, memory_mb, root_gb, ephemeral_gb=0, swap=0, flavorid=None,
           is_public=True, rxtx_factor=1.0, description=None, extra_specs=None):
    """Create a flavor; ``flavorid`` None or 'auto' gets a uuid4 like Nova. Conflict on a duplicate name or id."""
    spec = _normalise(name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, flavorid, is_public,
                      rxtx_factor, description, extra_specs)
    if spec['flavorid'] in (None, 'auto'):
        spec['flavorid'] = str(uuid.uuid4())
    flavors, _access = _flavors()
    try:
        with store.begin() as conn:
            # Checked first for a clear message; the unique keys catch a concurrent winner.
            _raise_if_taken(conn, spec)
            spec['created_at'] = engine.utcnow()
            new_id = conn.execute(flavors.insert().values(**spec)).inserted_primary_key[0]
            return _to_dict(conn, conn.execute(sa.select(flavors).where(flavors.c.id == new_id)).first())
    except IntegrityError as exc:
        if not catalog.is_unique_violation(exc):
            raise
        field = 'flavorid' if 'flavorid' in str(exc.orig) else 'name'
        raise Conflict('Flavor with %s %s already exists.' % ('ID' if field == 'flavorid' else 'name', spec[field]),
                       field=field)


def _raise_if_taken(conn, spec):
    flavors, _access = _flavors()
    if conn.execute(sa.select(flavors.c.id).where(flavors.c.name == spec['name'])).first():
        raise Conflict('Flavor with name %s already exists.' % spec['name'], field='name')
    if conn.execute(sa.select(flavors.c.id).where(flavors.c.flavorid == spec['flavorid'])).first():
        raise Conflict('Flavor with ID %s already exists.' % spec['flavorid'], field='flavorid')


def get(store, name_or_id):
    with store.read() as conn:
        row = _find(conn, name_or_id)
        if row is None:
            raise NotFound('Flavor', name_or_id, field='flavor')
        return _to_dict(conn, row)


def find(store, name_or_id):
    """Like ``get`` but None when there is no such flavor."""
    with store.read() as conn:
        row = _find(conn, name_or_id)
        return _to_dict(conn, row) if row is not None else None


# Nova's flavor sort keys (vcpu_weight is one novalite does not keep: accepted, sorts as flavorid).
SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb',
             'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus')


def list_flavors(store, is_public=None, min_ram=None, min_disk=None, project_id=None,
                 sort_key='flavorid', sort_dir='asc', limit=None, marker=None, name=None):
    """Nova's flavor list: ``is_public`` None = all, True = public (plus those ``project_id`` may use), False = private."""
    flavors, access = _flavors()
    if sort_key not in SORT_KEYS:
        raise InvalidInput('sort_key', 'cannot sort flavors by %r' % (sort_key,))
    if sort_key == 'vcpu_weight':
        sort_key = 'flavorid'
    if sort_dir not in ('asc', 'desc'):
        raise InvalidInput('sort_dir', 'must be asc or desc')
    query = sa.select(flavors)
    if name is not None:
        query = query.where(flavors.c.name == name)
    if min_ram is not None:
        query = query.where(flavors.c.memory_mb >= catalog.check_int('min_ram', min_ram))
    if min_disk is not None:
        query = query.where(flavors.c.root_gb >= catalog.check_int('min_disk', min_disk))
    if is_public is not None:
        is_public = catalog.check_bool('is_public', is_public)
        if is_public and project_id:
            allowed = sa.select(access.c.flavor_id).where(access.c.project_id == project_id)
            query = query.where(sa.or_(flavors.c.is_public.is_(True), flavors.c.id.in_(allowed)))
        else:
            query = query.where(flavors.c.is_public.is_(is_public))
    column = flavors.c[sort_key]
    query = query.order_by(column.asc() if sort_dir == 'asc' else column.desc(), flavors.c.id.asc())
    with store.read() as conn:
        result = [_to_dict(conn, r) for r in conn.execute(query)]
    if marker is not None:
        ids = [f['flavorid'] for f in result]
        if str(marker) not in ids:
            raise NotFound('Flavor', marker, field='marker')
        result = result[ids.index(str(marker)) + 1:]
    if limit is not None:
        result = result[:catalog.check_int('limit', limit)]
    return result


def update(store, name_or_id, description=catalog.UNSET, extra_specs=None, unset_extra_specs=None, known_keys=True):
    """Change what Nova lets change: the description (2.55) and extra specs (set, then unset keys)."""
    to_set = validate_extra_specs(extra_specs, known_keys)
    to_unset = unset_extra_specs or []
    if not isinstance(to_unset, (tuple, list)) or not all(isinstance(k, str) for k in to_unset):
        raise InvalidInput('unset_extra_specs', 'must be a list of keys')
    flavors, _access = _flavors()
    with store.begin() as conn:
        row = _find(conn, name_or_id)
        if row is None:
            raise NotFound('Flavor', name_or_id, field='flavor')
        values = {}
        if description is not catalog.UNSET:
            values['description'] = _check_description(description)
        specs = dict(row.extra_specs or {})
        specs.update(to_set)
        for key in to_unset:
            specs.pop(key, None)
        if specs != dict(row.extra_specs or {}):
            values['extra_specs'] = specs
        if values:
            values['updated_at'] = engine.utcnow()
            conn.execute(flavors.update().where(flavors.c.id == row.id).values(**values))
        return _to_dict(conn, conn.execute(sa.select(flavors).where(flavors.c.id == row.id)).first())


def delete(store, name_or_id):
    """Remove a flavor (instances keep their snapshot of it). NotFound when missing."""
    flavors, _access = _flavors()
    with store.begin() as conn:
        row = _find(conn, name_or_id)
        if row is None:
            raise NotFound('Flavor', name_or_id, field='flavor')
        gone = _to_dict(conn, row)
        conn.execute(flavors.delete().where(flavors.c.id == row.id))
        return gone


def add_project_access(store, name_or_id, project_id, allow_public=False):
    """Nova's addTenantAccess: let ``project_id`` use a private flavor. Returns the flavor.

    ``allow_public``: record it on a public flavor too (the Compute API below microversion 2.7).
    """
    catalog.check_name('project_id', project_id)
    flavors, access = _flavors()
    with store.begin() as conn:
        row = _find(conn, name_or_id)
        if row is None:
            raise NotFound('Flavor', name_or_id, field='flavor')
        if row.is_public and not allow_public:
            raise Conflict('Can not add access to a public flavor.', field='is_public')
        if conn.execute(sa.select(access.c.flavor_id).where(access.c.flavor_id == row.id,
                                                            access.c.project_id == project_id)).first():
            raise Conflict('Flavor access already exists for flavor %s and project %s combination.'
                           % (row.flavorid, project_id), field='project_id')
        conn.execute(access.insert().values(flavor_id=row.id, project_id=project_id))
        return _to_dict(conn, row)


def remove_project_access(store, name_or_id, project_id):
    """Nova's removeTenantAccess. NotFound when that project had no access."""
    flavors, access = _flavors()
    with store.begin() as conn:
        row = _find(conn, name_or_id)
        if row is None:
            raise NotFound('Flavor', name_or_id, field='flavor')
        gone = conn.execute(access.delete().where(access.c.flavor_id == row.id, access.c.project_id == project_id))
        if gone.rowcount == 0:
            raise NotFound('Flavor access for project', project_id, field='project_id')
        return _to_dict(conn, row)


def _comparable(flavor):
    return dict((k, flavor.get(k)) for k in ('name', 'flavorid', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb',
                                             'swap', 'rxtx_factor', 'is_public', 'description', 'extra_specs'))


def ensure_present(store, name, vcpus, memory_mb, root_gb, ephemeral_gb=0, swap=0, flavorid=None,
                   is_public=True, rxtx_factor=1.0, description=catalog.UNSET, extra_specs=None,
                   extra_specs_purge=False, check_mode=False):
    """Desired-state create-or-update for the ``flavor`` module.

    Returns ``{'changed', 'flavor', 'diff': {'before', 'after'}}``. A size (or
    flavorid / is_public / rxtx_factor) different from the existing flavor's
    raises InvalidInput naming that field: Nova flavors are immutable.
    """
    spec = _normalise(name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, flavorid, is_public, rxtx_factor,
                      None if description is catalog.UNSET else description, extra_specs)
    current = find(store, name)
    if current is not None and current['name'] != name:
        current = None  # ``name`` matched another flavor's flavorid: the name itself is free
    if current is None:
        if spec['flavorid'] not in (None, 'auto') and find(store, spec['flavorid']) is not None:
            other = find(store, spec['flavorid'])
            if other['flavorid'] == spec['flavorid']:
                raise Conflict('Flavor with ID %s already exists (named %s).' % (spec['flavorid'], other['name']),
                               field='flavorid')
        if check_mode:
            after = dict(spec)
            if after['flavorid'] in (None, 'auto'):
                after['flavorid'] = '(auto)'
            return {'changed': True, 'flavor': after, 'diff': {'before': {}, 'after': _comparable(after)}}
        created = create(store, **spec)
        return {'changed': True, 'flavor': created, 'diff': {'before': {}, 'after': _comparable(created)}}

    for field in IMMUTABLE_FIELDS:
        wanted = spec[field]
        if field == 'flavorid' and wanted in (None, 'auto'):
            continue
        if wanted != current[field]:
            raise InvalidInput(field, 'flavor %s exists with %s=%r, requested %r; Nova flavors are immutable: '
                               'delete it (state=absent) and create it again'
                               % (name, field, current[field], wanted))
    desired_specs = dict(spec['extra_specs']) if extra_specs_purge else dict(current['extra_specs'], **spec['extra_specs'])
    unset = [k for k in current['extra_specs'] if k not in desired_specs]
    after = dict(current, extra_specs=desired_specs)
    if description is not catalog.UNSET:
        after['description'] = spec['description']
    changed = _comparable(after) != _comparable(current)
    if changed and not check_mode:
        after = update(store, current['flavorid'], description=description,
                       extra_specs=spec['extra_specs'], unset_extra_specs=unset)
    return {'changed': changed, 'flavor': after,
            'diff': {'before': _comparable(current), 'after': _comparable(after)}}


def ensure_absent(store, name, check_mode=False):
    """Desired-state delete for the ``flavor`` module: no flavor of that name/flavorid → changed False."""
    current = find(store, name)
    if current is None:
        return {'changed': False, 'flavor': None, 'diff': {'before': {}, 'after': {}}}
    if not check_mode:
        delete(store, current['flavorid'])
    return {'changed': True, 'flavor': current, 'diff': {'before': _comparable(current), 'after': {}}}
