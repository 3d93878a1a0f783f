# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Neutron's Networking API v2.0 (a subset) over the collection's network model (plugins/module_utils/network).

Laid out as the compute API: one module per resource (``networks``,
``subnets``, ``ports``, ``security_groups``, ``security_group_rules``,
``floatingips``, ``routers``, ``quotas``, ``extensions``, ``versions``),
``routes.py`` lists every route under ``/network`` and ``common.py`` holds what
they share: Neutron's list filters, ``fields``, sorting and marker/limit paging.
Errors are Neutron's ``NeutronError`` bodies (faults.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
