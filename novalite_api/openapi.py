# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The OpenAPI document of the shim (being written)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import flask
    blueprint = flask.Blueprint('openapi', __name__)
except ImportError:  # pragma: no cover
    flask = blueprint = None
