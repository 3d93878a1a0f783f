# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server group (anti-)affinity and the same_host / different_host hints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter, host_mask

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


def _policy(spec):
    return (spec.group or {}).get('policy')


class ServerGroupAffinityFilter(BaseHostFilter):
    """Policy affinity: once a member runs somewhere, the others go there too."""

    def host_passes(self, host_state, spec):
        if _policy(spec) != 'affinity' or not spec.group_hosts:
            return True
        return host_state.host in spec.group_hosts

    def filter_all(self, state, spec):
        if _policy(spec) != 'affinity' or not spec.group_hosts:
            return np.ones(state.n, dtype=bool)
        return host_mask(state, spec.group_hosts, False)

    def explain(self, state, spec, removed):
        return 'group %s members run on %s' % (spec.group['name'], ', '.join(sorted(spec.group_hosts)))


class ServerGroupAntiAffinityFilter(BaseHostFilter):
    """Policy anti-affinity: fewer than ``max_server_per_host`` members on the host (default 1)."""

    def host_passes(self, host_state, spec):
        if _policy(spec) != 'anti-affinity':
            return True
        return spec.group_hosts.get(host_state.host, 0) < spec.max_server_per_host()

    def filter_all(self, state, spec):
        mask = np.ones(state.n, dtype=bool)
        if _policy(spec) != 'anti-affinity':
            return mask
        limit = spec.max_server_per_host()
        for host, count in spec.group_hosts.items():
            pos = state.host_index.get(host)
            if pos is not None and count >= limit:
                mask[pos] = False
        return mask

    def explain(self, state, spec, removed):
        return 'already %d member(s) of group %s' % (spec.max_server_per_host(), spec.group['name'])


class SameHostFilter(BaseHostFilter):
    """Hint same_host: only hosts running one of the given instances."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return spec.same_host_hosts is None or host_state.host in spec.same_host_hosts

    def filter_all(self, state, spec):
        if spec.same_host_hosts is None:
            return np.ones(state.n, dtype=bool)
        return host_mask(state, spec.same_host_hosts, False)

    def explain(self, state, spec, removed):
        return 'not running any of %s' % ', '.join(spec.same_host_uuids)


class DifferentHostFilter(BaseHostFilter):
    """Hint different_host: no host running one of the given instances."""

    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return host_state.host not in spec.different_host_hosts

    def filter_all(self, state, spec):
        return host_mask(state, spec.different_host_hosts, True)

    def explain(self, state, spec, removed):
        return 'runs one of %s' % ', '.join(spec.different_host_uuids)
