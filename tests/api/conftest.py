# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Fixtures for the REST shim tests; the service helpers live in tests/lib/api_service.py.

(A module named ``conftest`` cannot be imported by tests: several directories
have one, so shared names come from the uniquely named helper module.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from lib.api_service import (  # noqa: F401  pylint: disable=unused-import
    admin_token, api, demo_token, fresh_api_heartbeat, http)
