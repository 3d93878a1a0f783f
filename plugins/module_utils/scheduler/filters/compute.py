# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RetryFilter, AvailabilityZoneFilter, ComputeFilter, NumInstancesFilter."""

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


class NumInstancesFilter(BaseHostFilter):
    """At most ``max_instances_per_host`` instances per host (config, default 50)."""

    def __init__(self, config=None):
        self.limit = getattr(config, 'max_instances_per_host', 50)

    def host_passes(self, host_state, spec):
        return host_state.num_instances < self.limit

    def filter_all(self, state, spec):
        return state.num_instances < self.limit

    def explain(self, state, spec, removed):
        return 'already %d instances (max_instances_per_host)' % self.limit
