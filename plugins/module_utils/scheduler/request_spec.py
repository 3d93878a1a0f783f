# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's RequestSpec: what one scheduling request asks for, validated.

``build`` checks every input and names the field on bad input before anything
is read or claimed; ``resolve`` then looks up flavor/image/group/hint
instances in the state store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import json_query

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
except ImportError:  # pragma: no cover
    sa = None

HINT_KEYS = ('same_host', 'different_host', 'group', 'query')
_FLAVOR_INT_FIELDS = (('vcpus', 1), ('memory_mb', 1), ('root_gb', 0), ('ephemeral_gb', 0), ('swap', 0))


class RequestSpec(object):
    """A validated request. Resolved attributes (group hosts, hint hosts) are filled by ``resolve``."""

    def __init__(self):
        self.flavor = None
        self.flavor_ref = None
        self.image_properties = {}
        self.image_ref = None
        self.image_id = None         # the image's id when known (IsolatedHostsFilter)
        self.project_id = None       # the requesting project (aggregate tenant isolation)
        self.min_count = 1
        self.max_count = 1
        self.availability_zone = None
        self.group_ref = None
        self.group = None            # {'id','uuid','name','policy','rules'} once resolved
        self.group_hosts = {}        # host -> number of members there (grows during a run)
        self.same_host_uuids = []
        self.different_host_uuids = []
        self.same_host_hosts = None  # set of hosts, or None without the hint
        self.different_host_hosts = set()
        self.exclude_hosts = set()
        self.requested_host = None   # Nova's requested_destination (2.74): only this host and/or node
        self.requested_node = None
        self.instance_uuids = []
        self.json_query = None       # the parsed ``query`` hint (JsonFilter)

    @property
    def vcpus(self):
        return self.flavor['vcpus']

    @property
    def memory_mb(self):
        return self.flavor['memory_mb']

    @property
    def disk_gb(self):
        return capacity.flavor_disk_gb(self.flavor)

    @property
    def extra_specs(self):
        return self.flavor.get('extra_specs') or {}

    def max_server_per_host(self):
        rules = (self.group or {}).get('rules') or {}
        return int(rules.get('max_server_per_host', 1))


def _is_uuid(value):
    try:
        uuidlib.UUID(str(value))
        return True
    except ValueError:
        return False


def _uuid_list(field, value):
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(field, 'must be an instance UUID or a list of them, got %r' % (value,))
    for item in value:
        if not isinstance(item, str) or not _is_uuid(item):
            raise InvalidInput(field, '%r is not an instance UUID' % (item,))
    return list(value)


def _count(field, value, default):
    if value is None:
        return default
    if isinstance(value, bool):
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if number < 1:
        raise InvalidInput(field, 'must be at least 1, got %r' % (value,))
    return number


def validate_inline_flavor(flavor):
    out = {'flavorid': flavor.get('flavorid') or flavor.get('id'), 'name': flavor.get('name')}
    for key, minimum in _FLAVOR_INT_FIELDS:
        value = flavor.get(key, 0 if minimum == 0 else None)
        if value is None:
            raise InvalidInput('flavor.%s' % key, 'is required in an inline flavor')
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidInput('flavor.%s' % key, 'must be an integer, got %r' % (value,))
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput('flavor.%s' % key, 'must be an integer, got %r' % (value,))
        if number < minimum:
            raise InvalidInput('flavor.%s' % key, 'must be at least %d, got %r' % (minimum, value))
        out[key] = number
    extra = flavor.get('extra_specs') or {}
    if not isinstance(extra, dict):
        raise InvalidInput('flavor.extra_specs', 'must be a dict of strings')
    out['extra_specs'] = dict((str(k), str(v)) for k, v in extra.items())
    unknown = set(flavor) - set(k for k, _m in _FLAVOR_INT_FIELDS) - {
        'flavorid', 'id', 'name', 'extra_specs', 'rxtx_factor', 'is_public', 'disabled', 'description'}
    if unknown:
        raise InvalidInput('flavor', 'unknown keys %s' % ', '.join(sorted(unknown)))
    return out


def build(flavor, image=None, num_instances=None, min_count=None, max_count=None,
          availability_zone=None, server_group=None, scheduler_hints=None,
          exclude_hosts=None, instance_uuids=None, requested_destination=None, project_id=None):
    """Validate the raw request; no database access."""
    spec = RequestSpec()
    if project_id is not None:
        if not isinstance(project_id, str) or not project_id.strip():
            raise InvalidInput('project_id', 'must be a non-empty string')
        spec.project_id = project_id
    if isinstance(flavor, dict):
        spec.flavor = validate_inline_flavor(flavor)
    elif isinstance(flavor, (str, int)) and str(flavor).strip():
        spec.flavor_ref = str(flavor)
    else:
        raise InvalidInput('flavor', 'give a flavor name/id or an inline flavor dict')

    if image is None:
        pass
    elif isinstance(image, dict):
        props = image.get('properties', image) if 'properties' in image else image
        if not isinstance(props, dict):
            raise InvalidInput('image.properties', 'must be a dict')
        spec.image_properties = dict(props)
        if 'properties' in image and isinstance(image.get('id'), str):
            spec.image_id = image['id']
    elif isinstance(image, str) and image.strip():
        spec.image_ref = image
    else:
        raise InvalidInput('image', 'give an image id/name or a dict of image properties')

    if num_instances is not None and (min_count is not None or max_count is not None):
        raise InvalidInput('num_instances', 'give num_instances or min_count/max_count, not both')
    if num_instances is not None:
        spec.min_count = spec.max_count = _count('num_instances', num_instances, 1)
    else:
        spec.min_count = _count('min_count', min_count, 1)
        spec.max_count = _count('max_count', max_count, spec.min_count)
        if spec.max_count < spec.min_count:
            raise InvalidInput('max_count', 'must be >= min_count (%d), got %d' % (spec.min_count, spec.max_count))

    if availability_zone is not None:
        if not isinstance(availability_zone, str) or not availability_zone.strip():
            raise InvalidInput('availability_zone', 'must be a non-empty string')
        # Nova's "az:host" form forces a host; only the zone part filters here
        spec.availability_zone = availability_zone.split(':', 1)[0]

    hints = scheduler_hints or {}
    if not isinstance(hints, dict):
        raise InvalidInput('scheduler_hints', 'must be a dict (same_host, different_host, group)')
    unknown = set(hints) - set(HINT_KEYS)
    if unknown:
        raise InvalidInput('scheduler_hints', 'unknown hints %s (known: %s)'
                           % (', '.join(sorted(unknown)), ', '.join(HINT_KEYS)))
    spec.same_host_uuids = _uuid_list('scheduler_hints.same_host', hints.get('same_host'))
    spec.different_host_uuids = _uuid_list('scheduler_hints.different_host', hints.get('different_host'))
    if hints.get('query'):
        spec.json_query = json_query.parse(hints['query'])
    group = server_group if server_group is not None else hints.get('group')
    if server_group is not None and hints.get('group') is not None and hints['group'] != server_group:
        raise InvalidInput('scheduler_hints.group', 'differs from server_group')
    if group is not None:
        if not isinstance(group, str) or not group.strip():
            raise InvalidInput('server_group', 'must be a server group name or UUID')
        spec.group_ref = group

    if exclude_hosts is not None:
        if isinstance(exclude_hosts, str):
            exclude_hosts = [exclude_hosts]
        if not isinstance(exclude_hosts, (list, tuple)) or not all(isinstance(h, str) for h in exclude_hosts):
            raise InvalidInput('exclude_hosts', 'must be a list of host names')
        spec.exclude_hosts = set(exclude_hosts)

    if requested_destination:
        if not isinstance(requested_destination, dict) or set(requested_destination) - set(('host', 'node')):
            raise InvalidInput('requested_destination', 'must be a dict with host and/or node')
        for key in ('host', 'node'):
            value = requested_destination.get(key)
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidInput('requested_destination.%s' % key, 'must be a non-empty string')
        spec.requested_host = requested_destination.get('host')
        spec.requested_node = requested_destination.get('node')

    if instance_uuids:
        spec.instance_uuids = _uuid_list('consumer_uuids', instance_uuids)
        if len(set(spec.instance_uuids)) != len(spec.instance_uuids):
            raise InvalidInput('consumer_uuids', 'contains duplicates')
        if len(spec.instance_uuids) != spec.max_count:
            raise InvalidInput('consumer_uuids', 'needs one UUID per instance (%d), got %d'
                               % (spec.max_count, len(spec.instance_uuids)))
    return spec


def _flavor_from_row(row):
    return {'flavorid': row.flavorid, 'name': row.name, 'vcpus': row.vcpus, 'memory_mb': row.memory_mb,
            'root_gb': row.root_gb, 'ephemeral_gb': row.ephemeral_gb, 'swap': row.swap,
            'extra_specs': dict(row.extra_specs or {})}


def hosts_of_instances(conn, uuids):
    """Host of each instance: where its claim is, else instances.host (Nova's view)."""
    if not uuids:
        return {}
    allocations = schema.table('allocations')
    nodes = schema.table('compute_nodes')
    instances = schema.table('instances')
    found = dict(conn.execute(
        sa.select(allocations.c.consumer_uuid, nodes.c.host)
        .select_from(allocations.join(nodes, allocations.c.compute_node_id == nodes.c.id))
        .where(allocations.c.consumer_uuid.in_(list(uuids)))).all())
    missing = [u for u in uuids if u not in found]
    if missing:
        for uuid, host in conn.execute(
                sa.select(instances.c.uuid, instances.c.host)
                .where(instances.c.uuid.in_(missing), instances.c.deleted == 0,
                       instances.c.host.isnot(None))).all():
            found[uuid] = host
    return found


def resolve(conn, spec):
    """Fill in what the request refers to in the store. Raises NotFound naming the field."""
    if spec.flavor is None:
        flavors = schema.table('flavors')
        row = conn.execute(sa.select(flavors).where(flavors.c.flavorid == spec.flavor_ref)).first()
        if row is None:
            row = conn.execute(sa.select(flavors).where(flavors.c.name == spec.flavor_ref)).first()
        if row is None:
            raise NotFound('Flavor', spec.flavor_ref, field='flavor')
        spec.flavor = _flavor_from_row(row)
    if spec.image_ref is not None:
        images = schema.table('images')
        row = conn.execute(sa.select(images).where(images.c.id == spec.image_ref)).first()
        if row is None:
            rows = conn.execute(sa.select(images).where(images.c.name == spec.image_ref)).all()
            if len(rows) > 1:
                raise InvalidInput('image', 'several images are named %r; use the id' % spec.image_ref)
            row = rows[0] if rows else None
        if row is None:
            raise NotFound('Image', spec.image_ref, field='image')
        spec.image_properties = dict(row.properties or {})
        spec.image_id = row.id
    if spec.group_ref is not None:
        from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
        spec.group = server_groups.find(conn, spec.group_ref, field='server_group', required=True)
        spec.group_hosts = server_groups.member_host_counts(conn, spec.group['id'])
    if spec.same_host_uuids:
        spec.same_host_hosts = set(hosts_of_instances(conn, spec.same_host_uuids).values())
    if spec.different_host_uuids:
        spec.different_host_hosts = set(hosts_of_instances(conn, spec.different_host_uuids).values())
    return spec
