# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RAMWeigher: free RAM (after the allocation ratio and reserved memory). Most free RAM wins;
a negative multiplier stacks instead."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class RAMWeigher(BaseHostWeigher):
    multiplier_option = 'ram_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        return state.free_ram_mb().take(candidates)
