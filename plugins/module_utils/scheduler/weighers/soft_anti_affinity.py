# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""ServerGroupSoftAntiAffinityWeigher: for a soft-anti-affinity group, hosts holding fewer of its
members win."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.soft_affinity import group_members_on

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class ServerGroupSoftAntiAffinityWeigher(BaseHostWeigher):
    multiplier_option = 'soft_anti_affinity_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        members = group_members_on(state, spec, candidates, 'soft-anti-affinity')
        if members is None:
            return None
        return np.negative(members)
