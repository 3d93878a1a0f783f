# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RAMWeigher: Nova's HostState.free_ram_mb (memory less reserved less used, no allocation ratio), scaled
by the most free (Nova's minval 0). Most free RAM wins; a negative multiplier stacks instead."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import host_capabilities
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class RAMWeigher(BaseHostWeigher):
    multiplier_option = 'ram_weight_multiplier'
    minval = 0

    def weigh_all(self, state, spec, candidates):
        return host_capabilities.free_ram_mb(state, candidates)
