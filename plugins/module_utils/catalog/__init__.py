# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The catalog: flavors, images and keypairs (Nova's API database + Glance).

Validation helpers shared by the three: each raises ``InvalidInput`` naming
the field, so modules and the REST shim report the same thing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

# Nova's API schemas cap integers at the database's signed 32-bit INT.
MAX_INT = 2 ** 31 - 1
UNSET = object()


def check_int(field, value, minimum=0, maximum=MAX_INT):
    """An integer in [minimum, maximum]; accepts ints and integer strings, never bools or floats."""
    if isinstance(value, bool):
        raise InvalidInput(field, 'must be an integer, not a boolean')
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip('-').isdigit():
            raise InvalidInput(field, 'must be an integer, got %r' % value)
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if value < minimum:
        raise InvalidInput(field, 'must be >= %d, got %d' % (minimum, value))
    if value > maximum:
        raise InvalidInput(field, 'must be <= %d, got %d' % (maximum, value))
    return value


def check_bool(field, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'yes', '1', 'on', 'false', 'no', '0', 'off'):
        return value.strip().lower() in ('true', 'yes', '1', 'on')
    raise InvalidInput(field, 'must be a boolean, got %r' % (value,))


def check_name(field, value, max_len=255, allow_empty=False):
    """Nova's name rule: a string of 1-255 printable characters, no leading/trailing whitespace."""
    if not isinstance(value, str):
        raise InvalidInput(field, 'must be a string, got %r' % (value,))
    if not value:
        if allow_empty:
            return value
        raise InvalidInput(field, 'must not be empty')
    if len(value) > max_len:
        raise InvalidInput(field, 'must be at most %d characters, got %d' % (max_len, len(value)))
    if value != value.strip():
        raise InvalidInput(field, 'must not have leading or trailing whitespace')
    if any(not ch.isprintable() for ch in value):
        raise InvalidInput(field, 'must not contain control characters')
    return value


def is_unique_violation(exc):
    """True for a duplicate-key IntegrityError on SQLite or MariaDB."""
    text = str(getattr(exc, 'orig', exc))
    return 'UNIQUE constraint failed' in text or 'Duplicate entry' in text or '1062' in text
