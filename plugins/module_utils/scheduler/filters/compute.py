# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RetryFilter, AvailabilityZoneFilter, ComputeFilter, AllHostsFilter, and the per-host count limits:
NumInstancesFilter and IoOpsFilter, plus their Aggregate* variants (an aggregate's metadata may lower or
raise the limit on its hosts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter, host_mask

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class RetryFilter(BaseHostFilter):
    """Skip hosts that already failed this request (``exclude_hosts``)."""

    def host_passes(self, host_state, spec):
        return host_state.host not in spec.exclude_hosts

    def filter_all(self, state, spec):
        return host_mask(state, spec.exclude_hosts, True)

    def explain(self, state, spec, removed):
        return 'already tried: %s' % ', '.join(sorted(state.hosts[i] for i in removed[:5]))


class AvailabilityZoneFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return spec.availability_zone is None or host_state.availability_zone == spec.availability_zone

    def filter_all(self, state, spec):
        if spec.availability_zone is None:
            return np.ones(state.n, dtype=bool)
        code = state.az_lookup.get(spec.availability_zone)
        if code is None:
            return np.zeros(state.n, dtype=bool)
        return state.az_codes == code

    def explain(self, state, spec, removed):
        return 'not in %s' % spec.availability_zone


class ComputeFilter(BaseHostFilter):
    """The nova-compute service is up (recent heartbeat, not forced down) and enabled."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return host_state.up and host_state.enabled

    def filter_all(self, state, spec):
        return state.service_up & state.service_enabled

    def explain(self, state, spec, removed):
        down = int((~state.service_up[removed]).sum())
        disabled = len(removed) - down
        parts = []
        if down:
            parts.append('%d down' % down)
        if disabled:
            parts.append('%d disabled' % disabled)
        return ', '.join(parts)


class AllHostsFilter(BaseHostFilter):
    """Nova's no-op filter: every host passes."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return True

    def filter_all(self, state, spec):
        return np.ones(state.n, dtype=bool)


def aggregate_limit(values, default):
    """Nova's validate_num_values: the smallest of an aggregate key's values, ``default`` when no aggregate
    sets it or a value is not an integer (Nova logs that and falls back)."""
    try:
        return min(int(value) for value in values) if values else default
    except ValueError:
        return default


class _CountLimitFilter(BaseHostFilter):
    """A host passes while its ``count_attribute`` is below the limit (``limit_option``, Nova's option)."""

    count_attribute = limit_option = default_limit = what = None
    per_aggregate = False   # the Aggregate* variants read the limit from their hosts' aggregates too

    def __init__(self, config=None):
        self.limit = getattr(config, self.limit_option, self.default_limit)

    def _host_limit(self, aggregates):
        values = set(agg.metadata[self.limit_option] for agg in aggregates if self.limit_option in agg.metadata)
        return aggregate_limit(values, self.limit)

    def host_passes(self, host_state, spec):
        limit = self._host_limit(host_state.aggregates) if self.per_aggregate else self.limit
        return getattr(host_state, self.count_attribute) < limit

    def _limits(self, state):
        data = state.aggregates
        if not self.per_aggregate or not data.any_key(self.limit_option):
            return self.limit
        return data.per_host([aggregate_limit(data.values(g, self.limit_option), self.limit)
                              for g in range(len(data.groups))], dtype=np.int64)

    def filter_all(self, state, spec):
        return getattr(state, self.count_attribute) < self._limits(state)

    def explain(self, state, spec, removed):
        if self.per_aggregate:
            return 'reached %s (%s, or the aggregate\'s)' % (self.what, self.limit_option)
        return 'already %d %s (%s)' % (self.limit, self.what, self.limit_option)


class NumInstancesFilter(_CountLimitFilter):
    """At most ``max_instances_per_host`` instances per host (config, default 50)."""

    count_attribute, limit_option, default_limit, what = 'num_instances', 'max_instances_per_host', 50, 'instances'


class AggregateNumInstancesFilter(NumInstancesFilter):
    per_aggregate = True


class IoOpsFilter(_CountLimitFilter):
    """At most ``max_io_ops_per_host`` instances being built at once per host (config, default 8)."""

    count_attribute, limit_option, default_limit, what = 'num_io_ops', 'max_io_ops_per_host', 8, 'builds'


class AggregateIoOpsFilter(IoOpsFilter):
    per_aggregate = True
