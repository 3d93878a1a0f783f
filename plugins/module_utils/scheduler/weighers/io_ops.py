# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""IoOpsWeigher: instances being built on the host (Nova's num_io_ops). The default negative
multiplier prefers quiet hosts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class IoOpsWeigher(BaseHostWeigher):
    multiplier_option = 'io_ops_weight_multiplier'
    minval = 0

    def weigh_all(self, state, spec, candidates):
        if not state.any_io_ops:
            return None
        return state.num_io_ops.take(candidates)
