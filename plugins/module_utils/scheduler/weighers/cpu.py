# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""CPUWeigher: free vCPUs (after the allocation ratio and reserved CPUs). Most free wins by default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class CPUWeigher(BaseHostWeigher):
    multiplier_option = 'cpu_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        return state.free_vcpus().take(candidates)
