# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""DiskWeigher: free local disk (after the allocation ratio and reserved disk). Most free wins by default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class DiskWeigher(BaseHostWeigher):
    multiplier_option = 'disk_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        return state.free_disk_gb().take(candidates)
