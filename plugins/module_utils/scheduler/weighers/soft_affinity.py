# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""ServerGroupSoftAffinityWeigher: for a soft-affinity group, hosts holding more of its members win."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


def group_members_on(state, spec, candidates, policy):
    """Members of the request's group on each candidate, or None when the group's policy is not ``policy``
    or it has no members yet (every host would weigh the same)."""
    if (spec.group or {}).get('policy') != policy or not spec.group_hosts:
        return None
    counts = np.zeros(state.n, dtype=np.float64)
    for host, count in spec.group_hosts.items():
        pos = state.host_index.get(host)
        if pos is not None:
            counts[pos] = count
    return counts.take(candidates)


class ServerGroupSoftAffinityWeigher(BaseHostWeigher):
    multiplier_option = 'soft_affinity_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        return group_members_on(state, spec, candidates, 'soft-affinity')
