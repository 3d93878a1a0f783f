# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Every string of a JSON-like value, keys included, with where it sits: one walker for all text checks.

The request check (``validation.check_body_text``) and the extra-vars check
(``ansible_data.unencodable_field``) both look at each string once; they differ
only in how they name the place, so the walker yields the place as a tuple of
keys and list indexes and lets each caller spell it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def strings(value, place=()):
    """Yield ``(place, text, is_key)`` for each mapping key and string value in ``value``, depth first."""
    if isinstance(value, str):
        yield place, value, False
    elif isinstance(value, dict):
        for key, item in value.items():
            child = place + (key,)
            if isinstance(key, str):
                yield child, key, True
            yield from strings(item, child)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from strings(item, place + (index,))
