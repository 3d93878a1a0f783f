# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Weighers with Nova's normalisation.

Each weigher gives a raw value per candidate host; values are scaled to 0..1
(min..max over the candidates, all 0 when they are equal), multiplied by the
weigher's multiplier and summed. Higher total weight wins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


def normalise(values):
    if values.size == 0:
        return values
    low = values.min()
    span = values.max() - low
    if span == 0:
        return np.zeros_like(values)
    return (values - low) / span


class BaseWeigher(object):
    multiplier_option = None

    @classmethod
    def name(cls):
        return cls.__name__

    def raw(self, state, spec, candidates):
        raise NotImplementedError


class RAMWeigher(BaseWeigher):
    """Most free RAM wins (a negative multiplier stacks instead)."""
    multiplier_option = 'ram_weight_multiplier'

    def raw(self, state, spec, candidates):
        return state.ram_limit[candidates] - state.memory_mb_used[candidates]


class CPUWeigher(BaseWeigher):
    multiplier_option = 'cpu_weight_multiplier'

    def raw(self, state, spec, candidates):
        return state.vcpu_limit[candidates] - state.vcpus_used[candidates]


class DiskWeigher(BaseWeigher):
    multiplier_option = 'disk_weight_multiplier'

    def raw(self, state, spec, candidates):
        return state.disk_limit[candidates] - state.local_gb_used[candidates]


class NumInstancesWeigher(BaseWeigher):
    """Positive multiplier packs onto busy hosts, negative spreads (Nova's sign)."""
    multiplier_option = 'num_instances_weight_multiplier'

    def raw(self, state, spec, candidates):
        return state.num_instances[candidates]


def _group_counts(state, spec, candidates, policy):
    if (spec.group or {}).get('policy') != policy or not spec.group_hosts:
        return np.zeros(len(candidates), dtype=np.float64)
    counts = np.zeros(state.n, dtype=np.float64)
    for host, count in spec.group_hosts.items():
        pos = state.host_index.get(host)
        if pos is not None:
            counts[pos] = count
    return counts[candidates]


class ServerGroupSoftAffinityWeigher(BaseWeigher):
    multiplier_option = 'soft_affinity_weight_multiplier'

    def raw(self, state, spec, candidates):
        return _group_counts(state, spec, candidates, 'soft-affinity')


class ServerGroupSoftAntiAffinityWeigher(BaseWeigher):
    multiplier_option = 'soft_anti_affinity_weight_multiplier'

    def raw(self, state, spec, candidates):
        return -_group_counts(state, spec, candidates, 'soft-anti-affinity')


class BuildFailureWeigher(BaseWeigher):
    """Hosts that recently failed builds sink (Nova: huge default multiplier)."""
    multiplier_option = 'build_failure_weight_multiplier'

    def raw(self, state, spec, candidates):
        return -state.failed_builds[candidates]


ALL_WEIGHERS = (RAMWeigher, CPUWeigher, DiskWeigher, NumInstancesWeigher,
                ServerGroupSoftAffinityWeigher, ServerGroupSoftAntiAffinityWeigher, BuildFailureWeigher)


def weigh(state, spec, candidates, config):
    """Total weight of each candidate host."""
    total = np.zeros(len(candidates), dtype=np.float64)
    for cls in ALL_WEIGHERS:
        multiplier = getattr(config, cls.multiplier_option)
        if multiplier == 0 or len(candidates) == 0:
            continue
        total += multiplier * normalise(np.asarray(cls().raw(state, spec, candidates), dtype=np.float64))
    return total
