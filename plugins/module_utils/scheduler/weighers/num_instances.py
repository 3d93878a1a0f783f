# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""NumInstancesWeigher: instances on the host. Nova's default multiplier 0 leaves it out; a negative
multiplier spreads, a positive one packs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class NumInstancesWeigher(BaseHostWeigher):
    multiplier_option = 'num_instances_weight_multiplier'

    def weigh_all(self, state, spec, candidates):
        return state.num_instances.take(candidates)
