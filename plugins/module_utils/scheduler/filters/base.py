# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The filter interface (Nova's BaseHostFilter) plus a whole-column fast path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


def host_mask(state, hosts, default):
    """A mask over the state's hosts: ``default`` everywhere, the opposite for the named hosts it has."""
    mask = np.full(state.n, default, dtype=bool)
    for host in hosts:
        pos = state.host_index.get(host)
        if pos is not None:
            mask[pos] = not default
    return mask


class BaseHostFilter(object):
    """A filter decides per host with ``host_passes(host_state, spec)`` (Nova's API).

    Built-in filters also implement ``filter_all(state, spec)`` returning a bool
    mask over every host of a HostState; a third-party filter that only has
    ``host_passes`` is called once per remaining host (slower, same answer).
    """

    # Nova: filters whose answer cannot change between instances of one request
    run_filter_for_each_instance = True
    # Nova: filters that also judge a rebuild with a new image on the server's own host
    RUN_ON_REBUILD = False

    @classmethod
    def name(cls):
        return cls.__name__

    def host_passes(self, host_state, spec):
        raise NotImplementedError

    filter_all = None

    def mask(self, state, spec, candidates):
        """Bool mask over ``candidates`` (host positions): which of them pass."""
        if self.filter_all is not None:
            return self.filter_all(state, spec)[candidates]
        return np.fromiter((bool(self.host_passes(state.view(int(i)), spec)) for i in candidates),
                           dtype=bool, count=len(candidates))

    def explain(self, state, spec, removed):
        """Why the hosts at positions ``removed`` failed, in a few words users can act on."""
        return ''
