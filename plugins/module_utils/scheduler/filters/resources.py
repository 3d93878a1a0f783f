# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RamFilter, DiskFilter, CoreFilter: what Placement's allocation candidates check.

A host passes when the request fits the capacity left under Placement's rule
``(total - reserved) * allocation_ratio`` and asks for no more than the host's
total (the inventory's ``max_unit``). A resource the request does not use
(0 GB of disk) is not checked, as Placement is not asked for it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class _ResourceFilter(BaseHostFilter):
    unit = ''
    free_unit = ''   # after the free amount in explanations ("3 free", "2048 MB free")

    def requested(self, spec):
        raise NotImplementedError

    def free(self, state):
        """Placement's capacity left, per host."""
        raise NotImplementedError

    def total(self, state):
        """The inventory total (max_unit), per host."""
        raise NotImplementedError

    def free_and_total_one(self, host):
        raise NotImplementedError

    def filter_all(self, state, spec):
        wanted = self.requested(spec)
        if not wanted:
            return np.ones(state.n, dtype=bool)
        return (self.free(state) >= wanted) & (self.total(state) >= wanted)

    def host_passes(self, host_state, spec):
        wanted = self.requested(spec)
        free, total = self.free_and_total_one(host_state)
        return not wanted or (free >= wanted and total >= wanted)

    def explain(self, state, spec, removed):
        wanted = self.requested(spec)
        if len(removed) and (self.total(state)[removed] < wanted).all():
            return 'need %d %s, the largest host has %d %s in all' % (
                wanted, self.unit, self.total(state)[removed].max(), self.unit)
        best = max(self.free(state)[removed].max(), 0) if len(removed) else 0
        return 'need %d %s, best host has %s free' % (wanted, self.unit, ' '.join(
            part for part in ('%d' % best, self.free_unit) if part))


class RamFilter(_ResourceFilter):
    unit = 'MB'
    free_unit = 'MB'

    def requested(self, spec):
        return spec.memory_mb

    def free(self, state):
        return state.free_ram_mb()

    def total(self, state):
        return state.memory_mb

    def free_and_total_one(self, host):
        return host.placement_free_ram_mb, host.total_usable_ram_mb


class DiskFilter(_ResourceFilter):
    unit = 'GB'
    free_unit = 'GB'

    def requested(self, spec):
        return spec.disk_gb

    def free(self, state):
        return state.free_disk_gb()

    def total(self, state):
        return state.local_gb

    def free_and_total_one(self, host):
        return host.placement_free_disk_gb, host.total_usable_disk_gb


class CoreFilter(_ResourceFilter):
    unit = 'vCPUs'

    def requested(self, spec):
        return spec.vcpus

    def free(self, state):
        return state.free_vcpus()

    def total(self, state):
        return state.vcpus

    def free_and_total_one(self, host):
        return host.free_vcpus, host.vcpus_total
