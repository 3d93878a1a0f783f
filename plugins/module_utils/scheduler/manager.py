# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""select_destinations: filter, weigh, pick, claim (Nova's FilterScheduler + Placement claim).

One implementation for the ``schedule`` module and the REST shim:

    result = select_destinations(store, {'flavor': 'm1.small', 'num_instances': 2,
                                         'consumer_uuids': [...]}, {'host_subset_size': 1})
    result['selections'][0]['host']

Host state is loaded once per call (or, with ``live``, a ``LiveHostState``
the caller keeps across calls is brought up to date from the store's change
counter); each placement consumes its resources in
that state so the next instance of the same request sees it. With
``claim=True`` every placement is claimed atomically; a lost claim moves to
the next alternate, then reloads the state and decides again (``max_attempts``
rounds). ``min_count`` is all-or-nothing: on failure every claim made by the
call is released before NoValidHost is raised.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import logging
import random
import time

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NoValidHost
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims, config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import filters as filters_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import request_spec as spec_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import weighers
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.explain import Explanation
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState

try:
    import numpy as np
    HAS_NUMPY = True
except ImportError:  # pragma: no cover
    np = None
    HAS_NUMPY = False

LOG = logging.getLogger('novalite.scheduler')

_REQUEST_KEYS = ('flavor', 'image', 'num_instances', 'min_count', 'max_count', 'availability_zone',
                 'server_group', 'scheduler_hints', 'exclude_hosts', 'consumer_uuids', 'requested_destination',
                 'project_id')


def build_spec(request):
    """A validated RequestSpec from a dict of the ``schedule`` module's options."""
    if isinstance(request, spec_mod.RequestSpec):
        return request
    if not isinstance(request, dict):
        raise InvalidInput('request_spec', 'must be a dict')
    unknown = set(request) - set(_REQUEST_KEYS)
    if unknown:
        raise InvalidInput('request_spec', 'unknown keys %s' % ', '.join(sorted(unknown)))
    return spec_mod.build(request.get('flavor'), image=request.get('image'),
                          num_instances=request.get('num_instances'), min_count=request.get('min_count'),
                          max_count=request.get('max_count'), availability_zone=request.get('availability_zone'),
                          server_group=request.get('server_group'), scheduler_hints=request.get('scheduler_hints'),
                          exclude_hosts=request.get('exclude_hosts'), instance_uuids=request.get('consumer_uuids'),
                          requested_destination=request.get('requested_destination'),
                          project_id=request.get('project_id'))


def _whole_column(flt):
    """True when the filter's answer is its filter_all over every host (BaseHostFilter.mask not overridden)."""
    return flt.filter_all is not None and getattr(type(flt).mask, '__func__', type(flt).mask) is BaseHostFilter.mask


def run_filters(state, spec, enabled, timings=None):
    """(candidate positions, Explanation) after every enabled filter, in order.

    The hosts still in the running are a bool mask over every host: a
    whole-column filter's answer is and-ed in as it is, where indexing it
    with the candidates' positions would cost more than the filter itself
    at 100,000 hosts. Per-host filters get the candidates' positions.
    """
    explanation = Explanation(state.n)
    alive = np.ones(state.n, dtype=bool)
    remaining = state.n
    if spec.requested_host or spec.requested_node:
        # Nova's requested destination narrows the hosts before any filter (placement does it there); the
        # filters still judge the ones left, so a full or down host is still refused.
        alive = np.array([(spec.requested_host in (None, state.hosts[i]))
                          and (spec.requested_node in (None, state.nodenames[i])) for i in range(state.n)],
                         dtype=bool)
        remaining = int(np.count_nonzero(alive))
        explanation.add('RequestedDestination', state.n - remaining, remaining,
                        'not %s' % '/'.join(v for v in (spec.requested_host, spec.requested_node) if v)
                        if remaining < state.n else '')
    for flt in enabled:
        if remaining == 0:
            explanation.add(flt.name(), 0, 0)
            continue
        if _whole_column(flt):
            failed = alive & ~np.asarray(flt.filter_all(state, spec), dtype=bool)
        else:
            candidates = np.flatnonzero(alive)
            failed = np.zeros(state.n, dtype=bool)
            failed[candidates[~flt.mask(state, spec, candidates)]] = True
        removed_count = int(np.count_nonzero(failed))
        if removed_count:
            alive &= ~failed
            remaining -= removed_count
        explanation.add(flt.name(), removed_count, remaining,
                        flt.explain(state, spec, np.flatnonzero(failed)) if removed_count else '')
    return np.flatnonzero(alive), explanation


def rank(state, spec, candidates, cfg, rng, enabled_weighers=None):
    """(chosen position, weight, [(alternate position, weight)]) or None when no candidate.

    ``enabled_weighers`` comes from ``weighers.load_enabled(cfg)``; callers that
    rank many times load it once.
    """
    if candidates.size == 0:
        return None
    if enabled_weighers is None:
        enabled_weighers = weighers.load_enabled(cfg)
    weights = weighers.weigh(state, spec, candidates, enabled_weighers)
    wanted = min(candidates.size, cfg.host_subset_size + cfg.max_attempts - 1)
    if wanted < candidates.size:
        top = np.argpartition(-weights, wanted - 1)[:wanted]
    else:
        top = np.arange(candidates.size)
    # best first; ties go to the lower position so answers are reproducible
    top = top[np.lexsort((candidates[top], -weights[top]))]
    subset = min(cfg.host_subset_size, top.size)
    pick = rng.randrange(subset) if subset > 1 else 0
    chosen = top[pick]
    rest = [k for k in top if k != chosen][:cfg.max_attempts - 1]
    return (int(candidates[chosen]), float(weights[chosen]),
            [(int(candidates[k]), float(weights[k])) for k in rest])


def _selection(state, pos, weight, alternates, consumer):
    return {'host': state.hosts[pos], 'nodename': state.nodenames[pos], 'node_uuid': state.uuids[pos],
            'weight': round(weight, 6), 'consumer_uuid': consumer,
            'alternates': [{'host': state.hosts[a], 'node_uuid': state.uuids[a], 'weight': round(w, 6)}
                           for a, w in alternates]}


def _existing_claims(conn, spec):
    """Consumers of this request that already hold a claim (a repeated run): {uuid: allocation}."""
    found = {}
    for uuid in spec.instance_uuids or ():
        held = claims.allocations_of(conn, uuid)
        if held:
            found[uuid] = held[0]
    return found


def _plugins(cfg, live):
    """(filters, weighers) for ``cfg``; a live state keeps them (Nova's scheduler loads them once, too)."""
    if live is None:
        return filters_mod.load_enabled(cfg), weighers.load_enabled(cfg)
    key = json.dumps(cfg.as_dict(), sort_keys=True, default=str)
    loaded = live.plugins.get(key)
    if loaded is None:
        loaded = live.plugins[key] = (filters_mod.load_enabled(cfg), weighers.load_enabled(cfg))
    return loaded


class _Run(object):
    """What one select_destinations call works with: its configuration, request, plugins and host state."""

    def __init__(self, store, cfg, spec, claim, rng, live=None):
        self.store = store
        self.cfg = cfg
        self.spec = spec
        self.claim = claim
        self.rng = rng
        self.filters, self.weighers = _plugins(cfg, live)
        self.state = None
        self.live = live    # a LiveHostState the caller keeps across calls
        self.made = []      # consumers this call claimed for (released if the request fails)
        self.timings = dict(filter_ms=0.0, weigh_ms=0.0, claim_ms=0.0)


def _prepare(store, request_spec, config, claim, rng, live=None):
    cfg = config_mod.from_dict(config)
    spec = build_spec(request_spec)
    if claim and not spec.instance_uuids:
        raise InvalidInput('consumer_uuids', 'claiming needs one instance UUID per instance')
    return _Run(store, cfg, spec, claim, rng or random.Random(), live)


def _load_state(run, state):
    """Resolve the request's names, find its existing claims, load the host state (unless given): one read.

    Returns the existing claims ({consumer: allocation}).
    """
    with run.store.read() as conn:
        # consumers that already hold a claim are reported, not placed again (also in check mode)
        existing = _existing_claims(conn, run.spec)
        spec_mod.resolve(conn, run.spec)
        weighers.prepare(conn, run.spec, run.weighers)
        if run.live is not None:
            started = time.perf_counter()
            state = run.live.sync(conn, service_down_time=run.cfg.service_down_time)
            run.timings['sync_ms'] = (time.perf_counter() - started) * 1000
        elif state is None:
            started = time.perf_counter()
            state = HostState.load(conn, service_down_time=run.cfg.service_down_time)
            run.timings['load_ms'] = (time.perf_counter() - started) * 1000
    run.state = state
    return existing


def _reload_state(run):
    """Fresh host state (and group members) after every alternate lost a claim race."""
    with run.store.read() as conn:
        if run.live is not None:
            run.state = run.live.sync(conn, service_down_time=run.cfg.service_down_time)
        else:
            run.state = HostState.load(conn, service_down_time=run.cfg.service_down_time)
        weighers.prepare(conn, run.spec, run.weighers)
        if run.spec.group is not None:
            run.spec.group_hosts = server_groups.member_host_counts(conn, run.spec.group['id'])


def _claim_first_free(run, consumer, chosen, weight, alternates, lost):
    """Claim on the chosen host, else on each alternate in turn: the placement made, or None."""
    state, spec = run.state, run.spec
    for pos, pos_weight in [(chosen, weight)] + alternates:
        try:
            result = claims.claim(run.store, consumer, state.hosts[pos], spec.vcpus, spec.memory_mb,
                                  spec.disk_gb, group=spec.group)
        except claims.ClaimFailed as exc:
            lost.append(state.hosts[pos])
            if exc.node:
                state.refresh_node(exc.node)
            continue
        run.made.append(consumer)
        if result.get('node'):
            state.refresh_node(result['node'])
            state.num_instances[pos] += 1
        return pos, pos_weight, [(a, aw) for a, aw in alternates if a != pos]
    return None


def _place_one(run, consumer):
    """Filter, weigh and (with claims) claim for one instance: (placement or None, Explanation, lost hosts).

    A round whose every alternate lost a race decides again on fresh state, up
    to ``max_attempts`` rounds.
    """
    explanation = None
    lost = []
    for _round in range(run.cfg.max_attempts):
        t0 = time.perf_counter()
        candidates, explanation = run_filters(run.state, run.spec, run.filters)
        t1 = time.perf_counter()
        ranked = rank(run.state, run.spec, candidates, run.cfg, run.rng, run.weighers)
        t2 = time.perf_counter()
        run.timings['filter_ms'] += (t1 - t0) * 1000
        run.timings['weigh_ms'] += (t2 - t1) * 1000
        if ranked is None:
            return None, explanation, lost
        if not run.claim:
            return ranked, explanation, lost
        placed = _claim_first_free(run, consumer, ranked[0], ranked[1], ranked[2], lost)
        run.timings['claim_ms'] += (time.perf_counter() - t2) * 1000
        if placed is not None:
            return placed, explanation, lost
        _reload_state(run)
    return None, explanation, lost


def _existing_selection(held, consumer):
    return {'host': held['host'], 'node_uuid': held['node_uuid'], 'consumer_uuid': consumer,
            'weight': None, 'alternates': [], 'existing': True}


def _fail_if_short(run, selections, failure):
    """Fewer than min_count placed: release this call's claims and raise NoValidHost."""
    if failure is None or len(selections) >= run.spec.min_count:
        return
    for consumer in run.made:
        claims.release(run.store, consumer)
    message = failure.text()
    # the caller (the conductor) records it as the instances' fault
    LOG.warning('%s', message)
    raise NoValidHost(message, explanation=failure.as_dict())


def select_destinations(store, request_spec, config=None, claim=True, state=None, rng=None, live=None):
    """Choose (and with ``claim`` claim) a host per instance.

    Returns {'selections': [...], 'explanation': Explanation.as_dict(), 'claimed': bool,
    'timings_ms': {...}}. Raises InvalidInput / NotFound on bad input (nothing
    claimed) and NoValidHost with the explanation text when fewer than
    ``min_count`` instances fit (nothing claimed).

    ``live`` (a host_state.LiveHostState) is synced instead of loading; it is
    only used with claims: without them placements are consumed in the state
    only, which would leave a live state ahead of the store.
    """
    if not HAS_NUMPY:
        raise InvalidInput('scheduler', 'numpy is required (pip install numpy)')
    if live is not None and claim:
        with live.lock:
            return _select(store, request_spec, config, claim, None, rng, live)
    return _select(store, request_spec, config, claim, state, rng, None)


def _select(store, request_spec, config, claim, state, rng, live):
    started = time.perf_counter()
    run = _prepare(store, request_spec, config, claim, rng, live)
    spec = run.spec
    existing = _load_state(run, state)

    selections = []
    first_explanation = None
    failure = None
    for index in range(spec.max_count):
        consumer = spec.instance_uuids[index] if spec.instance_uuids else None
        if consumer in existing:
            selections.append(_existing_selection(existing[consumer], consumer))
            continue
        placed, explanation, lost = _place_one(run, consumer)
        explanation.instance_index = index
        explanation.instance_count = spec.max_count
        explanation.claim_failures = lost
        if first_explanation is None:
            first_explanation = explanation
        if placed is None:
            failure = explanation
            break
        pos, weight, alternates = placed
        if not claim:
            run.state.consume(pos, spec.vcpus, spec.memory_mb, spec.disk_gb)
        _note_group_member(spec, run.state.hosts[pos])
        selections.append(_selection(run.state, pos, weight, alternates, consumer))

    _fail_if_short(run, selections, failure)
    run.timings['total_ms'] = (time.perf_counter() - started) * 1000
    return {'selections': selections,
            'explanation': (first_explanation or Explanation(run.state.n)).as_dict(),
            'claimed': bool(claim and run.made),
            'request': {'vcpus': spec.vcpus, 'memory_mb': spec.memory_mb, 'disk_gb': spec.disk_gb,
                        'min_count': spec.min_count, 'max_count': spec.max_count},
            'timings_ms': dict((k, round(v, 3)) for k, v in run.timings.items())}


def check_rebuild(store, host, node, flavor, image_properties, config=None):
    """Nova's rebuild check (``_nova_check_type: rebuild``): a new image must suit the server's own host.

    Only the enabled filters Nova runs on a rebuild (``RUN_ON_REBUILD``: the image properties) judge that
    one host; nothing is claimed (the server keeps its resources). Raises NoValidHost when it fails.
    """
    run = _prepare(store, {'flavor': flavor, 'image': {'properties': image_properties or {}},
                           'requested_destination': {'host': host, 'node': node}}, config, False, None)
    _load_state(run, None)
    enabled = [flt for flt in run.filters if getattr(flt, 'RUN_ON_REBUILD', False)]
    candidates, explanation = run_filters(run.state, run.spec, enabled)
    if candidates.size == 0:
        raise NoValidHost(explanation.text(), explanation=explanation.as_dict())
    return explanation.as_dict()


def _note_group_member(spec, host):
    if spec.group is not None:
        spec.group_hosts[host] = spec.group_hosts.get(host, 0) + 1


def decide(state, spec, enabled, cfg, rng=None, enabled_weighers=None):
    """One decision on pre-loaded state, no store access: (chosen position or None, Explanation).

    The benchmark and the property tests use it; select_destinations adds claims.
    """
    rng = rng or random.Random(0)
    candidates, explanation = run_filters(state, spec, enabled)
    ranked = rank(state, spec, candidates, cfg, rng, enabled_weighers)
    return (ranked[0] if ranked else None), explanation
