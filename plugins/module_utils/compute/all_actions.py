# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Imports every action module that records its own host outcomes, so their result handlers are registered.

Import this module (for that effect) wherever ``conductor.record_result`` is called: server_actions,
reconcile, the API's job worker. A new action with its own recording is one more module in this list
(see result_handlers).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    evacuate, interfaces, live_migration, resize, result_handlers, shelve, snapshot,
)

MODULES = result_handlers.complete(evacuate, interfaces, live_migration, resize, shelve, snapshot)
