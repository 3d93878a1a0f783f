# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's filter scheduler and Placement's claims.

Entry points: ``manager.select_destinations`` (filter, weigh, claim),
``claims`` (claim / release / moves), ``server_groups``; everything else is
their machinery (host_state, filters, weighers, explain, config).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
