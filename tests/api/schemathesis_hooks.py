# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""schemathesis hooks (SCHEMATHESIS_HOOKS): bodies whose strings carry what UTF-8 and Nova refuse.

Hypothesis never generates lone surrogates (they cannot be encoded), yet a client can
send one as a JSON escape (``"\\ud800"``). In about half of the generated bodies one
string (a value or a mapping key) gets a lone surrogate or a NUL, so every operation
is also fuzzed with values the service must answer with a 400, never a 500.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import schemathesis
from hypothesis import strategies as st

HOSTILE = (u'\ud800', u'x\udfffy', u'\x00', u'a\x00\ud83d')


def _string_paths(value, path=()):
    """Paths (tuples of keys/indexes; a key's own path ends with ``('key', k)``) of every string."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path + (('key', key),)
            yield from _string_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _string_paths(item, path + (index,))


def _poisoned(value, path, bad):
    if not path:
        return value + bad
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):   # a mapping key
        key = head[1]
        return dict(((k + bad) if k == key else k, v) for k, v in value.items())
    if isinstance(value, dict):
        return dict((k, _poisoned(v, rest, bad) if k == head else v) for k, v in value.items())
    return [_poisoned(v, rest, bad) if i == head else v for i, v in enumerate(value)]


@schemathesis.hook
def flatmap_body(context, body):   # pylint: disable=unused-argument
    paths = list(_string_paths(body))
    if not paths:
        return st.just(body)
    poisoned = st.tuples(st.sampled_from(paths), st.sampled_from(HOSTILE)).map(lambda pb: _poisoned(body, *pb))
    return st.one_of(st.just(body), poisoned)
