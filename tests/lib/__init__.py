# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Helpers shared by the tests (importable as ``lib.*``: tests/ is on sys.path via tests/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
