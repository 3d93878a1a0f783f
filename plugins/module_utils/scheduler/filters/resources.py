# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""RamFilter, DiskFilter, CoreFilter: per-host allocation ratios and reserved amounts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter


class _ResourceFilter(BaseHostFilter):
    unit = ''
    what = ''

    def requested(self, spec):
        raise NotImplementedError

    def free(self, state):
        raise NotImplementedError

    def filter_all(self, state, spec):
        return self.free(state) >= self.requested(spec)

    def host_passes(self, host_state, spec):
        return self.free_one(host_state) >= self.requested(spec)

    def explain(self, state, spec, removed):
        best = self.free(state)[removed].max() if len(removed) else 0
        return 'need %d %s, best host has %d %s free' % (self.requested(spec), self.unit, max(best, 0), self.what)


class RamFilter(_ResourceFilter):
    unit = 'MB'
    what = 'RAM'

    def requested(self, spec):
        return spec.memory_mb

    def free(self, state):
        return state.free_ram_mb()

    def free_one(self, host):
        return host.free_ram_mb

    def explain(self, state, spec, removed):
        best = self.free(state)[removed].max() if len(removed) else 0
        return 'need %d MB, best host has %d MB free' % (spec.memory_mb, max(best, 0))


class DiskFilter(_ResourceFilter):
    unit = 'GB'
    what = 'disk'

    def requested(self, spec):
        return spec.disk_gb

    def free(self, state):
        return state.free_disk_gb()

    def free_one(self, host):
        return host.free_disk_mb / 1024.0


class CoreFilter(_ResourceFilter):
    unit = 'vCPUs'
    what = ''

    def requested(self, spec):
        return spec.vcpus

    def free(self, state):
        return state.free_vcpus()

    def free_one(self, host):
        return host.free_vcpus

    def explain(self, state, spec, removed):
        best = self.free(state)[removed].max() if len(removed) else 0
        return 'need %d vCPUs, best host has %d free' % (spec.vcpus, max(best, 0))
