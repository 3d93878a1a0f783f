# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute request bodies as JSON schemas (draft 4), one module per resource.

The handlers validate with them (``validation.validate``) and the OpenAPI
document is built from them (``openapi.from_jsonschema``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
