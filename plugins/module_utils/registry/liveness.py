# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's service up/down rule, used by the registry, the scheduler and the API."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

# Nova's [DEFAULT] service_down_time: a service whose last heartbeat is older is down.
SERVICE_DOWN_TIME = 60
COMPUTE_BINARY = 'nova-compute'


def is_up(last_seen_up, now, forced_down=False, service_down_time=SERVICE_DOWN_TIME):
    """True when the heartbeat ``last_seen_up`` (naive UTC) is recent enough."""
    if forced_down or last_seen_up is None:
        return False
    return (now - last_seen_up) <= datetime.timedelta(seconds=service_down_time)
