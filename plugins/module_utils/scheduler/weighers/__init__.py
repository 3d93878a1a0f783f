# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Weigher discovery and the weighing step (Nova's HostWeightHandler).

``weight_classes`` (Nova's option) entries are one of:
* ``novalite.compute.scheduler.weighers.all_weighers`` (also Nova's spelling
  ``nova.scheduler.weights.all_weighers``): every built-in weigher;
* a built-in weigher's class name (``RAMWeigher``), also as Nova's import path
  (``nova.scheduler.weights.ram.RAMWeigher``);
* a dotted import path to a weigher class or module, or a path to a ``.py``
  file or a directory of them (third-party weighers, subclasses of BaseHostWeigher).

Each enabled weigher's raw values are scaled to 0..1 over the candidates as
Nova's ``normalize`` does (a weigher's ``minval``/``maxval`` replace the
candidates' min/max, so the RAM, CPU, Disk and IoOps weighers divide by the
largest value; all-equal values give 0), times its multiplier
(``*_weight_multiplier``), summed; higher total wins. A weigher whose
multiplier is 0 is not run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import aggregates as aggregate_data
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import plugin_classes
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.base import BaseHostWeigher, normalise
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.build_failure import BuildFailureWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.cpu import CPUWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.disk import DiskWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.hypervisor_version import (
    HypervisorVersionWeigher)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.image_props import (
    ImagePropertiesWeigher)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.io_ops import IoOpsWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.num_instances import NumInstancesWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.ram import RAMWeigher
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.soft_affinity import (
    ServerGroupSoftAffinityWeigher)
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.weighers.soft_anti_affinity import (
    ServerGroupSoftAntiAffinityWeigher)

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

BUILTIN = [RAMWeigher, CPUWeigher, DiskWeigher, HypervisorVersionWeigher, NumInstancesWeigher, IoOpsWeigher,
           ImagePropertiesWeigher, ServerGroupSoftAffinityWeigher, ServerGroupSoftAntiAffinityWeigher, BuildFailureWeigher]
ALL_WEIGHERS_NAMES = ('novalite.compute.scheduler.weighers.all_weighers', 'nova.scheduler.weights.all_weighers')
NOVA_WEIGHTS_PACKAGE = 'nova.scheduler.weights.'
FIELD = 'scheduler.weight_classes'

__all__ = ['BaseHostWeigher', 'BUILTIN', 'load_enabled', 'normalise', 'prepare', 'weigh']


def _classes_of(entry):
    if entry in ALL_WEIGHERS_NAMES:
        return list(BUILTIN)
    builtin = dict((cls.name(), cls) for cls in BUILTIN)
    short = entry[len(NOVA_WEIGHTS_PACKAGE):].rpartition('.')[2] if entry.startswith(NOVA_WEIGHTS_PACKAGE) else entry
    if short in builtin:
        return [builtin[short]]
    if entry.startswith(NOVA_WEIGHTS_PACKAGE):
        raise InvalidInput(FIELD, 'Nova weigher %r has no novalite equivalent (built-in: %s)'
                           % (entry, ', '.join(sorted(builtin))))
    return plugin_classes.load_entry(entry, BaseHostWeigher, FIELD)


def load_enabled(config):
    """[(weigher, multiplier)] of the configured weighers whose multiplier is not 0, in configured order."""
    enabled = []
    dormant = []   # multiplier 0 here; an aggregate may still set one (scheduler/aggregates.py)
    seen = set()
    for entry in config.weight_classes:
        for cls in _classes_of(entry):
            if cls in seen:
                continue
            seen.add(cls)
            weigher = plugin_classes.instantiate(cls, config)
            multiplier = weigher.weight_multiplier()
            if multiplier:
                enabled.append((weigher, multiplier))
            elif weigher.multiplier_option:
                dormant.append((weigher, multiplier))
    return aggregate_data.EnabledWeighers(enabled, dormant)


def prepare(conn, spec, enabled):
    """Let the enabled weighers read what they need from the store for this request (once per state load)."""
    for weigher, _multiplier in enabled:
        weigher.prepare(conn, spec)


def weigh(state, spec, candidates, enabled):
    """Total weight of each candidate host (positions into ``state``)."""
    total = np.zeros(len(candidates), dtype=np.float64)
    if len(candidates) < 2:
        return total   # one host: nothing to compare (Nova does not weigh it either)
    for weigher, multiplier in aggregate_data.active_weighers(state, enabled):
        # Nova's per-host multiplier: aggregate metadata may override the configured one
        multiplier = aggregate_data.host_multipliers(state, weigher, multiplier, candidates)
        raw = weigher.weigh_all(state, spec, candidates)
        if raw is None:
            continue
        raw = np.asarray(raw, dtype=np.float64)
        # Nova clamps each value to the weigher's bounds first (a copy only when one is out of bounds)
        if weigher.minval is not None and raw.min() < weigher.minval:
            raw = np.maximum(raw, weigher.minval)
        if weigher.maxval is not None and raw.max() > weigher.maxval:
            raw = np.minimum(raw, weigher.maxval)
        low = float(raw.min() if weigher.minval is None else weigher.minval)
        high = float(raw.max() if weigher.maxval is None else weigher.maxval)
        if high == low:
            continue   # Nova normalises all-equal values to 0: adds nothing
        # Nova's operations in Nova's order ((raw - low) / (high - low), times the multiplier, added), so
        # equal inputs give bit-equal weights and ties break the same way
        scaled = raw - low if low else raw / (high - low)
        if low:
            scaled /= high - low
        scaled *= multiplier
        total += scaled
    return total
