# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""BuildFailureWeigher: hosts whose recent builds failed sink, by their count of consecutive failures
(``compute_nodes.failed_builds``). Nova's huge default multiplier outweighs every other weigher."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class BuildFailureWeigher(BaseHostWeigher):
    multiplier_option = 'build_failure_weight_multiplier'

    def weight_multiplier(self):
        # Nova negates the configured value: the option is how hard failures push a host down
        return -super(BuildFailureWeigher, self).weight_multiplier()

    def weigh_all(self, state, spec, candidates):
        if not state.any_failed_builds:
            return None
        return state.failed_builds.take(candidates)
