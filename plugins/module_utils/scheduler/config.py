# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Scheduler configuration with Nova's option names and defaults.

``from_dict`` validates a plain dict (the modules' ``scheduler`` option, the
REST shim's config) and names the offending option (``scheduler.<name>``) on
bad input.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

# the modules' option that carries this configuration, named in error messages
OPTION = 'scheduler'

ALL_FILTERS = 'novalite.compute.scheduler.filters.all_filters'

# Nova's [filter_scheduler]/enabled_filters plus the filters the seeds list
# (Retry, Ram, Disk, Core, SameHost, DifferentHost), in the order that removes
# the most hosts with the cheapest checks first.
DEFAULT_ENABLED_FILTERS = [
    'RetryFilter',
    'AvailabilityZoneFilter',
    'ComputeFilter',
    'RamFilter',
    'DiskFilter',
    'CoreFilter',
    'ComputeCapabilitiesFilter',
    'ImagePropertiesFilter',
    'ServerGroupAntiAffinityFilter',
    'ServerGroupAffinityFilter',
    'SameHostFilter',
    'DifferentHostFilter',
]

ALL_WEIGHERS = 'novalite.compute.scheduler.weighers.all_weighers'

# Nova's [filter_scheduler] multipliers and defaults, for the weighers novalite
# has (a host here has no PCI devices, metrics or cells).
DEFAULT_MULTIPLIERS = {
    'ram_weight_multiplier': 1.0,
    'cpu_weight_multiplier': 1.0,
    'disk_weight_multiplier': 1.0,
    'hypervisor_version_weight_multiplier': 1.0,
    'num_instances_weight_multiplier': 0.0,
    'io_ops_weight_multiplier': -1.0,
    'image_props_weight_multiplier': 0.0,
    'soft_affinity_weight_multiplier': 1.0,
    'soft_anti_affinity_weight_multiplier': 1.0,
    'build_failure_weight_multiplier': 1000000.0,
}

# Nova's options for the aggregate and isolation filters ([filter_scheduler]) and the tenant request
# filter ([scheduler] limit_tenants_to_placement_aggregate, placement_aggregate_required_for_tenants).
AGGREGATE_OPTIONS = {
    'isolated_images': [],
    'isolated_hosts': [],
    'restrict_isolated_hosts_to_isolated_images': True,
    'aggregate_image_properties_isolation_namespace': None,
    'aggregate_image_properties_isolation_separator': '.',
    'limit_tenants_to_placement_aggregate': False,
    'placement_aggregate_required_for_tenants': False,
}
_TEXT_OPTIONS = ('aggregate_image_properties_isolation_namespace', 'aggregate_image_properties_isolation_separator')
_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')

DEFAULTS = dict(
    enabled_filters=list(DEFAULT_ENABLED_FILTERS),
    available_filters=[ALL_FILTERS],
    weight_classes=[ALL_WEIGHERS],
    host_subset_size=1,
    max_attempts=3,
    max_instances_per_host=50,
    max_io_ops_per_host=8,
    service_down_time=60,
    # Nova's [filter_scheduler]/image_props_weight_setting: 'name=ratio' entries
    image_props_weight_setting=[],
    **dict(DEFAULT_MULTIPLIERS, **AGGREGATE_OPTIONS)
)


class SchedulerConfig(object):
    """Validated scheduler options; attribute names are Nova's option names."""

    def __init__(self, **options):
        for key, value in DEFAULTS.items():
            setattr(self, key, list(value) if isinstance(value, list) else value)
        for key, value in options.items():
            if value is None:
                continue
            if key not in DEFAULTS:
                raise InvalidInput(OPTION, 'unknown option %r (known: %s)'
                                   % (key, ', '.join(sorted(DEFAULTS))))
            setattr(self, key, _coerce(key, value))

    def as_dict(self):
        return dict((key, getattr(self, key)) for key in DEFAULTS)


def _coerce(key, value):
    field = '%s.%s' % (OPTION, key)
    default = DEFAULTS[key]
    if key in _TEXT_OPTIONS:
        if not isinstance(value, str):
            raise InvalidInput(field, 'must be a string, got %r' % (value,))
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise InvalidInput(field, 'must be a boolean, got %r' % (value,))
    if isinstance(default, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(',') if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InvalidInput(field, 'must be a list of names')
        return list(value)
    if isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise InvalidInput(field, 'must be a number, got %r' % (value,))
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if isinstance(value, float) and value != number:
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if number < 1:
        raise InvalidInput(field, 'must be at least 1, got %r' % (value,))
    return number


def from_dict(options):
    if options is None:
        return SchedulerConfig()
    if isinstance(options, SchedulerConfig):
        return options
    if not isinstance(options, dict):
        raise InvalidInput(OPTION, 'must be a dict of options')
    return SchedulerConfig(**options)
