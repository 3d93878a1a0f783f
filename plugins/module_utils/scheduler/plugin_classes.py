# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Finding scheduler plugin classes (filters, weighers) named by configuration.

An entry is a dotted import path to a class or to a module (every plugin class
defined in it), or a path to a ``.py`` file or to a directory of them (for
example a collection's ``plugins/scheduler_filters/``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import importlib.util
import inspect
import os

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput


def is_plugin_class(obj, base):
    return inspect.isclass(obj) and issubclass(obj, base) and obj is not base \
        and not obj.__name__.startswith('_')


def classes_in_module(module, base):
    return [obj for obj in vars(module).values()
            if is_plugin_class(obj, base) and obj.__module__ == module.__name__]


def _load_file(path, base):
    module_name = 'novalite_scheduler_plugin_%s' % abs(hash(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return classes_in_module(module, base)


def load_entry(entry, base, field):
    """The ``base`` subclasses one configuration entry names; bad entries are InvalidInput on ``field``."""
    if os.sep in entry or entry.endswith('.py'):
        if os.path.isdir(entry):
            found = []
            for name in sorted(os.listdir(entry)):
                if name.endswith('.py') and not name.startswith('_'):
                    found.extend(_load_file(os.path.join(entry, name), base))
            return found
        if os.path.isfile(entry):
            return _load_file(entry, base)
        raise InvalidInput(field, 'no such file or directory %r' % entry)
    try:
        return classes_in_module(importlib.import_module(entry), base)
    except ImportError:
        pass
    module_name, _dot, attr = entry.rpartition('.')
    try:
        obj = getattr(importlib.import_module(module_name), attr, None) if module_name else None
    except ImportError as exc:
        raise InvalidInput(field, 'cannot import %r: %s' % (entry, exc))
    if not is_plugin_class(obj, base):
        raise InvalidInput(field, '%r is not a subclass of %s' % (entry, base.__name__))
    return [obj]


def instantiate(cls, config):
    """``cls(config)`` when its constructor takes the configuration, else ``cls()``.

    The signature decides, not a TypeError: one raised inside a constructor
    is a bug in the plugin and must reach the operator.
    """
    try:
        inspect.signature(cls).bind(config)
    except TypeError:
        return cls()
    except ValueError:   # no signature to inspect (a C-implemented class): Nova's no-argument form
        return cls()
    return cls(config)
