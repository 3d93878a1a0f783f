# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute response bodies of the larger resources, one module per resource."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
