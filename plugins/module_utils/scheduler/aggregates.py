# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The hosts' aggregates for the scheduler, loaded once with the host state.

Nova gives every HostState the list of its aggregates and each filter merges their metadata per
host. Here hosts are grouped by the set of aggregates they belong to (``group_codes``, one int per
host; group 0 is "in no aggregate"): clouds have few such sets, so a filter decides once per group
and the answer is spread over the hosts with one take (``per_host``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

try:
    import sqlalchemy as sa
    from ansible_collections.novalite.compute.plugins.module_utils.store import schema
except ImportError:  # pragma: no cover
    sa = None


class Aggregate(object):
    """One aggregate as Nova's filters see it (``host_state.aggregates`` items)."""

    __slots__ = ('id', 'uuid', 'name', 'metadata', 'hosts')

    def __init__(self, agg_id, uuid, name, metadata, hosts):
        self.id = agg_id
        self.uuid = uuid
        self.name = name
        self.metadata = metadata
        self.hosts = hosts

    @property
    def availability_zone(self):
        return self.metadata.get('availability_zone')


def merged_metadata(aggregates):
    """Nova's aggregate_metadata_get_by_host: {key: set of values} over ``aggregates``, comma lists split."""
    out = {}
    for agg in aggregates:
        for key, value in agg.metadata.items():
            out.setdefault(key, set()).update(x.strip() for x in value.split(','))
    return out


class AggregateData(object):
    """Aggregates of ``n`` hosts: ``group_codes[pos]`` indexes ``groups`` (tuples of Aggregate)."""

    def __init__(self, n, aggregates=(), hosts=(), host_index=None):
        self.aggregates = list(aggregates)
        self.group_codes = np.zeros(n, dtype=np.int32)
        self.groups = [()]
        self._metadata_cache = {}
        if not self.aggregates or not n:
            return
        index = host_index if host_index is not None else dict((h, i) for i, h in enumerate(hosts))
        # one bit per aggregate per host; hosts with the same bits form a group (numpy finds them at once)
        width = (len(self.aggregates) + 7) // 8
        bits = np.zeros((n, width), dtype=np.uint8)
        for j, agg in enumerate(self.aggregates):
            positions = [index[h] for h in agg.hosts if h in index]
            if positions:
                bits[positions, j // 8] |= np.uint8(128 >> (j % 8))
        rows = np.ascontiguousarray(bits).view(np.dtype((np.void, width))).reshape(-1)
        unique, inverse = np.unique(rows, return_inverse=True)
        self.groups = []
        for row in unique:
            members = np.flatnonzero(np.unpackbits(np.frombuffer(row.tobytes(), dtype=np.uint8)))
            self.groups.append(tuple(self.aggregates[j] for j in members if j < len(self.aggregates)))
        self.group_codes = inverse.reshape(-1).astype(np.int32)

    def __bool__(self):
        return bool(self.aggregates)

    __nonzero__ = __bool__

    def of_host(self, pos):
        return list(self.groups[self.group_codes[pos]])

    def metadata(self, group):
        """Nova's aggregate_metadata_get_by_host for a group: {key: set of values}, comma lists split."""
        cached = self._metadata_cache.get(group)
        if cached is None:
            cached = self._metadata_cache[group] = merged_metadata(self.groups[group])
        return cached

    def values(self, group, key):
        """Nova's aggregate_values_from_key for a group: the raw values of ``key``, unsplit."""
        return set(agg.metadata[key] for agg in self.groups[group] if key in agg.metadata)

    def per_host(self, group_answers, dtype=bool):
        """Spread one answer per group over every host."""
        return np.asarray(group_answers, dtype=dtype).take(self.group_codes)

    def any_key(self, key):
        return any(key in agg.metadata for agg in self.aggregates)

    def hosts_in(self, aggregate_ids):
        """Bool mask of the hosts in any of ``aggregate_ids``."""
        wanted = set(aggregate_ids)
        return self.per_host([any(agg.id in wanted for agg in group) for group in self.groups])


def empty(n):
    return AggregateData(n)


def load(conn, hosts, host_index=None):
    """The aggregates of ``hosts`` (the host state's host names, in position order; ``host_index`` maps them
    to positions when the caller has it)."""
    aggs = schema.table('aggregates')
    members = schema.table('aggregate_hosts')
    meta = schema.table('aggregate_metadata')
    rows = conn.execute(sa.select(aggs.c.id, aggs.c.uuid, aggs.c.name).order_by(aggs.c.id)).all()
    if not rows:
        return AggregateData(len(hosts))
    metadata, member_hosts = {}, {}
    for agg_id, key, value in conn.execute(sa.select(meta.c.aggregate_id, meta.c.key, meta.c.value)):
        metadata.setdefault(agg_id, {})[key] = value
    for agg_id, host in conn.execute(sa.select(members.c.aggregate_id, members.c.host)):
        member_hosts.setdefault(agg_id, []).append(host)
    aggregates = [Aggregate(r.id, r.uuid, r.name, metadata.get(r.id, {}), member_hosts.get(r.id, []))
                  for r in rows]
    return AggregateData(len(hosts), aggregates, hosts, host_index)


# ---- per-aggregate weigher multipliers (Nova's utils.get_weight_multiplier) ----------------------------

class EnabledWeighers(list):
    """weighers.load_enabled's [(weigher, multiplier)], plus the weighers left out because their configured
    multiplier is 0: an aggregate's metadata may still give them one on its hosts."""

    def __init__(self, enabled, dormant=()):
        super(EnabledWeighers, self).__init__(enabled)
        self.dormant = list(dormant)


def active_weighers(state, enabled):
    """``enabled`` plus the dormant weighers whose multiplier some aggregate of ``state`` sets."""
    dormant = getattr(enabled, 'dormant', ())
    data = getattr(state, 'aggregates', None)
    if not dormant or not data:
        return list(enabled)
    return list(enabled) + [(w, m) for w, m in dormant if data.any_key(w.multiplier_option)]


class _WithOption(object):
    """The scheduler configuration with one option replaced (to ask a weigher what a value means to it)."""

    def __init__(self, config, option, value):
        self._config = config
        self._option = option
        self._value = value

    def __getattr__(self, name):
        if name == self._option:
            return self._value
        return getattr(self._config, name)


def _unit_multiplier(weigher):
    """The weigher's multiplier for an option value of 1.0 (-1.0 for BuildFailureWeigher, which negates it)."""
    probe = type(weigher).__new__(type(weigher))
    probe.__dict__.update(weigher.__dict__)
    probe.config = _WithOption(weigher.config, weigher.multiplier_option, 1.0)
    return float(probe.weight_multiplier())


def _group_value(values, configured):
    """Nova's validate_num_values(min, float): the smallest value, or the configured one when there is none or
    one is not a number."""
    if not values:
        return configured
    try:
        return min(float(v) for v in values)
    except ValueError:
        return configured


def host_multipliers(state, weigher, multiplier, candidates):
    """The weigher's multiplier for each candidate: the smallest ``<option>`` value in the metadata of the
    host's aggregates, else the configured one. A plain number when no aggregate sets the option."""
    option = getattr(weigher, 'multiplier_option', None)
    data = getattr(state, 'aggregates', None)
    if option is None or weigher.config is None or not data or not data.any_key(option):
        return multiplier
    configured = float(getattr(weigher.config, option))
    unit = _unit_multiplier(weigher)
    per_group = np.array([unit * _group_value(data.values(g, option), configured) for g in range(len(data.groups))],
                         dtype=np.float64)
    return per_group.take(data.group_codes.take(candidates))
