# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Filter discovery: built-ins plus third-party filters from import paths or plugin files.

``available_filters`` entries (Nova's option) are one of:
* ``novalite.compute.scheduler.filters.all_filters`` (also Nova's spelling
  ``nova.scheduler.filters.all_filters``): every built-in filter;
* a dotted import path to a filter class or to a module (all filter classes in it);
* a path to a ``.py`` file or a directory of them, e.g. a collection's
  ``plugins/scheduler_filters/`` directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import plugin_classes
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import affinity, capabilities, compute, resources
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import aggregates, isolated_hosts, json_query

BUILTIN = [
    compute.RetryFilter, compute.AvailabilityZoneFilter, compute.ComputeFilter, compute.AllHostsFilter,
    compute.NumInstancesFilter, compute.AggregateNumInstancesFilter, compute.IoOpsFilter, compute.AggregateIoOpsFilter,
    resources.RamFilter, resources.DiskFilter, resources.CoreFilter,
    capabilities.ComputeCapabilitiesFilter, capabilities.ImagePropertiesFilter,
    affinity.ServerGroupAffinityFilter, affinity.ServerGroupAntiAffinityFilter,
    affinity.SameHostFilter, affinity.DifferentHostFilter,
    aggregates.AggregateInstanceExtraSpecsFilter, aggregates.AggregateMultiTenancyIsolation,
    aggregates.AggregateImagePropertiesIsolation, aggregates.AggregateTypeAffinityFilter,
    isolated_hosts.IsolatedHostsFilter, json_query.JsonFilter,
]
ALL_FILTERS_NAMES = ('novalite.compute.scheduler.filters.all_filters', 'nova.scheduler.filters.all_filters')
AVAILABLE_FIELD = 'scheduler.available_filters'


def _load_entry(entry):
    if entry in ALL_FILTERS_NAMES:
        return list(BUILTIN)
    return plugin_classes.load_entry(entry, BaseHostFilter, AVAILABLE_FIELD)


def available(config):
    """{name: class} of every filter the configuration makes available."""
    out = {}
    for entry in config.available_filters:
        for cls in _load_entry(entry):
            out[cls.name()] = cls
    return out


def load_enabled(config):
    """Instances of the enabled filters, in configured order. Unknown names are bad input."""
    classes = available(config)
    enabled = []
    seen = set()
    for name in config.enabled_filters:
        cls = classes.get(name)
        if cls is None:
            raise InvalidInput('scheduler.enabled_filters', 'unknown filter %r (available: %s)'
                               % (name, ', '.join(sorted(classes))))
        if name in seen:
            raise InvalidInput('scheduler.enabled_filters', 'filter %r is listed twice' % name)
        seen.add(name)
        enabled.append(plugin_classes.instantiate(cls, config))
    if getattr(config, 'limit_tenants_to_placement_aggregate', False):
        # Nova's require_tenant_aggregate request filter narrows the hosts before any filter runs
        enabled.insert(0, aggregates.TenantAggregateRequestFilter(config))
    return enabled
