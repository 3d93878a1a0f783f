# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""IsolatedHostsFilter: images listed in ``isolated_images`` run only on ``isolated_hosts``.

With ``restrict_isolated_hosts_to_isolated_images`` (Nova's default, true) those hosts also take no
other image; with it false they take any image. Without isolated images, only that restriction
applies (isolated hosts get nothing when it is true).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter, host_mask

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class IsolatedHostsFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def __init__(self, config=None):
        self.isolated_hosts = frozenset(getattr(config, 'isolated_hosts', None) or ())
        self.isolated_images = frozenset(getattr(config, 'isolated_images', None) or ())
        self.restrict = bool(getattr(config, 'restrict_isolated_hosts_to_isolated_images', True))

    def _decide(self, host_isolated, spec):
        if not self.isolated_images:
            return (not self.restrict) or (not host_isolated)
        image_isolated = spec.image_id in self.isolated_images
        if self.restrict:
            return image_isolated == host_isolated
        return (not image_isolated) or host_isolated

    def host_passes(self, host_state, spec):
        return self._decide(host_state.host in self.isolated_hosts, spec)

    def filter_all(self, state, spec):
        isolated = host_mask(state, self.isolated_hosts, False)
        answers = np.array([self._decide(False, spec), self._decide(True, spec)], dtype=bool)
        return answers.take(isolated.astype(np.int8))

    def explain(self, state, spec, removed):
        if spec.image_id in self.isolated_images:
            return 'image %s runs only on isolated hosts' % spec.image_id
        return 'isolated hosts take only isolated images'
