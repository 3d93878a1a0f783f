# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""HypervisorVersionWeigher: newer hypervisors win by default; a negative multiplier prefers older ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class HypervisorVersionWeigher(BaseHostWeigher):
    multiplier_option = 'hypervisor_version_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        versions = state.hypervisor_version.take(candidates)
        # an unknown version (stored as -1) counts as 0, as Nova's None does
        return np.maximum(versions, 0.0, out=versions)
