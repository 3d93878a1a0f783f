# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""DiskWeigher: Nova's HostState.free_disk_mb (local disk less reserved less used, or the host's
disk_available_least when lower; no allocation ratio), scaled by the most free (minval 0). Most free wins."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import host_capabilities
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher


class DiskWeigher(BaseHostWeigher):
    multiplier_option = 'disk_weight_multiplier'
    minval = 0

    def weigh_all(self, state, spec, candidates):
        return host_capabilities.free_disk_mb(state, candidates)
