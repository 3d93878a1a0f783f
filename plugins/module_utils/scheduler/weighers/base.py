# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The weigher interface (Nova's BaseHostWeigher) plus a whole-column fast path.

A weigher gives each candidate host a raw value; higher wins. The scheduler
clamps them to the weigher's ``minval``/``maxval``, scales them to 0..1 over
the candidates (Nova's ``normalize``, the bounds standing in for the
candidates' min/max), multiplies by the weigher's multiplier and sums.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


class BaseHostWeigher(object):
    """Built-ins implement ``weigh_all``; a third-party weigher may implement only
    Nova's per-host ``_weigh_object(host_state, spec)`` (called once per candidate).
    """

    # the scheduler option holding the multiplier; a weigher without one uses 1.0
    multiplier_option = None
    # Nova's bounds: raw values are clamped to them and they take part in normalising
    minval = None
    maxval = None

    def __init__(self, config=None):
        self.config = config

    @classmethod
    def name(cls):
        return cls.__name__

    def weight_multiplier(self):
        if self.multiplier_option is None or self.config is None:
            return 1.0
        return float(getattr(self.config, self.multiplier_option))

    def _weigh_object(self, host_state, spec):
        raise NotImplementedError

    def prepare(self, conn, spec):
        """Read request data from the store (a DB connection) before weighing; most weighers need none."""

    def weigh_all(self, state, spec, candidates):
        """Raw values for the hosts at positions ``candidates``, or None when every
        candidate would get the same value (it then adds nothing, as normalising
        would make it 0 everywhere, and is skipped)."""
        return np.fromiter((float(self._weigh_object(state.view(int(i)), spec)) for i in candidates),
                           dtype=np.float64, count=len(candidates))


def normalise(values, minval=None, maxval=None):
    """Nova's normalize: min..max of the values (or the weigher's bounds) to 0..1; all equal -> all 0."""
    if values.size == 0:
        return values
    low = values.min() if minval is None else minval
    high = values.max() if maxval is None else maxval
    span = high - low
    if span == 0:
        return np.zeros_like(values)
    return (values - low) / span
