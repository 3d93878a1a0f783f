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

import importlib
import inspect
import os

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import affinity, capabilities, compute, resources

BUILTIN = [
    compute.RetryFilter, compute.AvailabilityZoneFilter, compute.ComputeFilter, compute.NumInstancesFilter,
    resources.RamFilter, resources.DiskFilter, resources.CoreFilter,
    capabilities.ComputeCapabilitiesFilter, capabilities.ImagePropertiesFilter,
    affinity.ServerGroupAffinityFilter, affinity.ServerGroupAntiAffinityFilter,
    affinity.SameHostFilter, affinity.DifferentHostFilter,
]
ALL_FILTERS_NAMES = ('novalite.compute.scheduler.filters.all_filters', 'nova.scheduler.filters.all_filters')


def _is_filter_class(obj):
    return inspect.isclass(obj) and issubclass(obj, BaseHostFilter) and obj is not BaseHostFilter \
        and not obj.__name__.startswith('_')


def _classes_in_module(module):
    return [obj for obj in vars(module).values()
            if _is_filter_class(obj) and obj.__module__ == module.__name__]


def _load_file(path):
    import importlib.util
    mod_name = 'novalite_scheduler_plugin_%s' % abs(hash(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return _classes_in_module(module)


def _load_entry(entry):
    if entry in ALL_FILTERS_NAMES:
        return list(BUILTIN)
    if os.sep in entry or entry.endswith('.py'):
        if os.path.isdir(entry):
            found = []
            for name in sorted(os.listdir(entry)):
                if name.endswith('.py') and not name.startswith('_'):
                    found.extend(_load_file(os.path.join(entry, name)))
            return found
        if os.path.isfile(entry):
            return _load_file(entry)
        raise InvalidInput('scheduler_config.available_filters', 'no such file or directory %r' % entry)
    try:
        return _classes_in_module(importlib.import_module(entry))
    except ImportError:
        pass
    module_name, _dot, attr = entry.rpartition('.')
    try:
        obj = getattr(importlib.import_module(module_name), attr, None) if module_name else None
    except ImportError as exc:
        raise InvalidInput('scheduler_config.available_filters', 'cannot import %r: %s' % (entry, exc))
    if not _is_filter_class(obj):
        raise InvalidInput('scheduler_config.available_filters',
                           '%r is not a filter class (subclass of BaseHostFilter)' % entry)
    return [obj]


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
            raise InvalidInput('scheduler_config.enabled_filters', 'unknown filter %r (available: %s)'
                               % (name, ', '.join(sorted(classes))))
        if name in seen:
            raise InvalidInput('scheduler_config.enabled_filters', 'filter %r is listed twice' % name)
        seen.add(name)
        try:
            enabled.append(cls(config))
        except TypeError:
            enabled.append(cls())
    return enabled
