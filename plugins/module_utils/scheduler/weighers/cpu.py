# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""CPUWeigher: Nova's free vCPUs, ``vcpus_total * cpu_allocation_ratio - vcpus_used`` (reserved CPUs count
as used), scaled by the most free (minval 0). Most free wins by default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import host_capabilities
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class CPUWeigher(BaseHostWeigher):
    multiplier_option = 'cpu_weight_multiplier'
    minval = 0

    def weigh_all(self, state, spec, candidates):
        return host_capabilities.free_vcpus(state, candidates)
