# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Rows as plain JSON-able dicts (module results, REST bodies, inventory vars)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime


def isotime(value):
    """``2026-11-23T18:29:05Z`` for a naive-UTC datetime, None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat() + 'Z'
    return value


def as_dict(row):
    if row is None:
        return None
    out = {}
    for key, value in row._mapping.items():
        out[key] = isotime(value) if isinstance(value, datetime.datetime) else value
    return out
