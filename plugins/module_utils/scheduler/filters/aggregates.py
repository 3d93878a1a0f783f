# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's filters that read host aggregates' metadata, plus its tenant request filter.

* AggregateInstanceExtraSpecsFilter: a flavor's unscoped and ``aggregate_instance_extra_specs:``
  extra specs must match the metadata of the host's aggregates (Nova's extra-spec operators).
* AggregateMultiTenancyIsolation: a host in aggregates with ``filter_tenant_id*`` keys takes only
  those projects; other hosts take anyone.
* AggregateImagePropertiesIsolation: an image property the host's aggregates name must have one of
  their values (only keys under the configured namespace, when one is set).
* AggregateTypeAffinityFilter: a host in aggregates with ``instance_type`` metadata takes only the
  flavors named there (comma lists).
* TenantAggregateRequestFilter: Nova's ``require_tenant_aggregate`` request filter
  (``limit_tenants_to_placement_aggregate``): a project named in an aggregate's ``filter_tenant_id*``
  metadata lands only in those aggregates; with ``placement_aggregate_required_for_tenants`` a
  project named nowhere gets no host. It runs before every filter when enabled (Nova asks
  Placement for those aggregates before filtering).

Each decides once per group of hosts sharing the same aggregates (scheduler/aggregates.py) and
agrees with Nova's per-host ``host_passes``, which works on ``host_state.aggregates``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.catalog import image_properties
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.aggregates import merged_metadata
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.capabilities import match

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

EXTRA_SPECS_SCOPE = 'aggregate_instance_extra_specs'
TENANT_KEY = 'filter_tenant_id'


def _by_group(state, decide):
    """Mask over every host from ``decide(metadata)`` run once per aggregate group."""
    data = state.aggregates
    return data.per_host([decide(data.metadata(g)) for g in range(len(data.groups))])


# ---- AggregateInstanceExtraSpecsFilter ------------------------------------------------------------

def _wanted_specs(extra_specs):
    """(aggregate metadata key, requirement) of the extra specs this filter checks."""
    out = []
    for key, requirement in (extra_specs or {}).items():
        scope, sep, rest = key.partition(':')
        if sep:
            if scope != EXTRA_SPECS_SCOPE:
                continue
            key = rest
        out.append((key, requirement))
    return out


def _specs_pass(metadata, wanted):
    for key, requirement in wanted:
        values = metadata.get(key)
        if not values or not any(match(value, requirement) for value in values):
            return False
    return True


class AggregateInstanceExtraSpecsFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        wanted = _wanted_specs(spec.extra_specs)
        return not wanted or _specs_pass(merged_metadata(host_state.aggregates), wanted)

    def filter_all(self, state, spec):
        wanted = _wanted_specs(spec.extra_specs)
        if not wanted:
            return np.ones(state.n, dtype=bool)
        return _by_group(state, lambda metadata: _specs_pass(metadata, wanted))

    def explain(self, state, spec, removed):
        return 'aggregate metadata does not match %s' % ', '.join(
            '%s=%s' % (k, v) for k, v in sorted(_wanted_specs(spec.extra_specs)))


# ---- AggregateMultiTenancyIsolation ----------------------------------------------------------------

def _tenant_passes(metadata, project_id):
    allowed = set()
    for key, values in metadata.items():
        if key.startswith(TENANT_KEY):
            allowed.update(values)
    return not allowed or project_id in allowed


class AggregateMultiTenancyIsolation(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return _tenant_passes(merged_metadata(host_state.aggregates), spec.project_id)

    def filter_all(self, state, spec):
        if not state.aggregates:
            return np.ones(state.n, dtype=bool)
        return _by_group(state, lambda metadata: _tenant_passes(metadata, spec.project_id))

    def explain(self, state, spec, removed):
        return 'reserved for other projects (filter_tenant_id)'


# ---- AggregateImagePropertiesIsolation ----------------------------------------------------------------

class AggregateImagePropertiesIsolation(BaseHostFilter):
    run_filter_for_each_instance = False

    def __init__(self, config=None):
        self.namespace = getattr(config, 'aggregate_image_properties_isolation_namespace', None)
        self.separator = getattr(config, 'aggregate_image_properties_isolation_separator', '.')

    def _passes(self, metadata, props):
        for key, options in metadata.items():
            if self.namespace and not key.startswith(self.namespace + self.separator):
                continue
            if key not in image_properties.FIELDS:
                continue   # Nova's ImageMetaProps has no such attribute: the key is skipped
            prop = props.get(key)
            if prop and str(prop) not in options:
                return False
        return True

    def host_passes(self, host_state, spec):
        return self._passes(merged_metadata(host_state.aggregates),
                            image_properties.as_nova_props(spec.image_properties))

    def filter_all(self, state, spec):
        props = image_properties.as_nova_props(spec.image_properties)
        if not state.aggregates or not props:
            return np.ones(state.n, dtype=bool)
        return _by_group(state, lambda metadata: self._passes(metadata, props))

    def explain(self, state, spec, removed):
        return "image properties not among their aggregates' values"


# ---- Nova's require_tenant_aggregate request filter ------------------------------------------------------

def tenant_aggregates(aggregates, project_id):
    """Ids of the aggregates Nova's require_tenant_aggregate picks: a ``filter_tenant_id*`` key whose value
    is exactly the project (Nova looks them up by metadata value, without splitting lists)."""
    return [agg.id for agg in aggregates
            if any(key.startswith(TENANT_KEY) and value == project_id for key, value in agg.metadata.items())]


class TenantAggregateRequestFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def __init__(self, config=None):
        self.required = bool(getattr(config, 'placement_aggregate_required_for_tenants', False))

    def _mask(self, state, spec):
        data = state.aggregates
        ids = tenant_aggregates(data.aggregates, spec.project_id) if data else []
        if ids:
            return data.hosts_in(ids)
        return np.full(state.n, not self.required, dtype=bool)

    def filter_all(self, state, spec):
        return self._mask(state, spec)

    def host_passes(self, host_state, spec):
        aggregates = host_state.aggregates
        mine = set(agg.id for agg in aggregates)
        all_aggregates = host_state.state.aggregates.aggregates
        ids = tenant_aggregates(all_aggregates, spec.project_id)
        if ids:
            return bool(mine & set(ids))
        return not self.required

    def explain(self, state, spec, removed):
        if tenant_aggregates(state.aggregates.aggregates, spec.project_id):
            return 'outside the aggregates of project %s' % spec.project_id
        return 'No hosts available for tenant'


# ---- AggregateTypeAffinityFilter ----------------------------------------------------------------

def _type_passes(values, flavor_name):
    for value in values:
        if flavor_name in [name.strip() for name in value.split(',')]:
            return True
    return not values


class AggregateTypeAffinityFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        values = set(agg.metadata['instance_type'] for agg in host_state.aggregates if 'instance_type' in agg.metadata)
        return _type_passes(values, spec.flavor.get('name'))

    def filter_all(self, state, spec):
        data = state.aggregates
        if not data.any_key('instance_type'):
            return np.ones(state.n, dtype=bool)
        name = spec.flavor.get('name')
        return data.per_host([_type_passes(data.values(g, 'instance_type'), name) for g in range(len(data.groups))])

    def explain(self, state, spec, removed):
        return 'aggregate instance_type does not list flavor %s' % spec.flavor.get('name')
