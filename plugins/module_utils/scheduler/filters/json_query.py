# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""JsonFilter: the ``query`` scheduler hint, Nova's small JSON grammar over host fields.

``["and", [">=", "$free_ram_mb", 1024], ["in", "$host", "c1", "c2"]]``: the first term of ``=``, ``<``,
``>``, ``<=``, ``>=`` is compared with every other term, ``in`` looks for the first term among the rest,
``not``/``or``/``and`` combine; a term that names nothing is dropped, as Nova drops it.

The query comes from a tenant. Nova resolves ``$name`` with ``getattr`` on its HostState; here only the
host fields in ``FIELDS`` can be named (then ``.key`` steps into dict fields), so a query can read what the
filters read and nothing of the scheduler's own objects.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import operator

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None

# HostView's fields a query may name (Nova's HostState names)
FIELDS = frozenset((
    'host', 'nodename', 'uuid', 'availability_zone', 'vcpus_total', 'vcpus_used', 'total_usable_ram_mb',
    'total_usable_disk_gb', 'free_ram_mb', 'free_disk_mb', 'num_instances', 'num_io_ops', 'failed_builds',
    'cpu_arch', 'hypervisor_type', 'hypervisor_version', 'cpu_info', 'capabilities'))
MAX_DEPTH = 32   # a deeper query is refused at the request, not left to Python's recursion limit


def _compare(op):
    def check(args):
        if len(args) < 2:
            return False
        try:
            return all(op(args[0], other) for other in args[1:])
        except TypeError:   # Python 3 will not order a number against a string: the host does not match
            return False
    return check


def _contains(args):
    return len(args) >= 2 and args[0] in args[1:]


COMMANDS = {
    '=': _compare(operator.eq), '<': _compare(operator.lt), '>': _compare(operator.gt),
    '<=': _compare(operator.le), '>=': _compare(operator.ge), 'in': _contains,
    'not': lambda args: [not arg for arg in args], 'or': any, 'and': all,
}


def parse(query):
    """The hint as a list (it may come as JSON text, as Nova takes it); bad input names the hint."""
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError as exc:
            raise InvalidInput('scheduler_hints.query', 'is not JSON: %s' % exc)
    _check(query, 0)
    return query


def _check(query, depth):
    if depth > MAX_DEPTH:
        raise InvalidInput('scheduler_hints.query', 'nests deeper than %d levels' % MAX_DEPTH)
    if not isinstance(query, list):
        raise InvalidInput('scheduler_hints.query', 'must be a JSON list such as [">=", "$free_ram_mb", 1024]')
    if query and (not isinstance(query[0], str) or query[0] not in COMMANDS):
        raise InvalidInput('scheduler_hints.query', 'unknown operator %r (known: %s)'
                           % (query[0], ' '.join(sorted(COMMANDS))))
    for arg in query[1:]:
        if isinstance(arg, list):
            _check(arg, depth + 1)


def _lookup(term, host_state):
    if not term:
        return None
    if not term.startswith('$'):
        return term
    path = term[1:].split('.')
    if path[0] not in FIELDS:
        return None
    value = getattr(host_state, path[0], None)
    for key in path[1:]:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def evaluate(query, host_state):
    if not query:
        return True
    args = []
    for arg in query[1:]:
        if isinstance(arg, list):
            arg = evaluate(arg, host_state)
        elif isinstance(arg, str):
            arg = _lookup(arg, host_state)
        if arg is not None:
            args.append(arg)
    return COMMANDS[query[0]](args)


class JsonFilter(BaseHostFilter):
    """Without the hint every host passes at once; with it, each host is judged (a tenant's query is small
    and rare, and its terms are arbitrary)."""

    def host_passes(self, host_state, spec):
        if not spec.json_query:
            return True
        result = evaluate(spec.json_query, host_state)
        if isinstance(result, list):   # a top-level "not": any flipped term passing is enough (Nova)
            result = any(result)
        return bool(result)

    def filter_all(self, state, spec):
        return self.mask(state, spec, np.arange(state.n))

    def mask(self, state, spec, candidates):
        # only the hosts still in the running are judged (the run's other filters went first)
        if not spec.json_query:
            return np.ones(len(candidates), dtype=bool)
        return np.fromiter((self.host_passes(state.view(int(i)), spec) for i in candidates), dtype=bool,
                           count=len(candidates))

    def explain(self, state, spec, removed):
        return 'does not match the query hint'
