# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The adversarial suite: hostile input over every carrier, and crashes (run by `make test`).

Every case asserts the answer and that nothing else changed (store rows, libvirt, files).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from lib.api_service import (  # noqa: F401  pylint: disable=unused-import
    admin_token, api, demo_token, fresh_api_heartbeat, http)
