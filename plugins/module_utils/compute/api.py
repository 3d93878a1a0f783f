# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Former home of the request context and the action rules; kept only as an import alias.

``novalite_api/app.py`` still imports ``Context`` and ``new_request_id`` from here; new code
imports them from ``compute/context.py`` (the action rules are in ``compute/action_table.py``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute.context import (  # noqa: F401 pylint: disable=unused-import
    Context, new_request_id,
)
