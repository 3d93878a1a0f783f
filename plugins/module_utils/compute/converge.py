# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A desired-state file as one batch (controller side): what the ``server_set`` module does.

``converge(store, desired, context, ...)`` takes a whole set of servers
(docs/desired-state.md), decides for each with ``desired.decide`` (the
``server`` module's own rules), checks everything before it writes anything,
then records all of it at once: the new servers' rows, one scheduling per
group of alike servers (``conductor.schedule_and_prepare``), the actions and
deletes (``server_actions.start``), and returns every host call, so that
``roles/server/tasks/host_calls.yml`` runs them together (each host's calls
in parallel).

A set belongs to one project (the context's: ``desired['project']`` is
resolved by the caller); servers are looked up by name in that project only.
A set with a ``name`` marks the servers it creates (system metadata
``desired_state_set``, which tenants cannot change), and ``prune`` deletes
only servers so marked with this set's name that the set no longer lists:
never servers made through the API, by other sets or by hand.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, desired as D, host_calls, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InvalidInput, NovaliteError,
)

SET_KEY = 'desired_state_set'    # system_metadata key naming the set that created a server
SERVER_KEYS = ('name', 'state', 'flavor', 'image', 'availability_zone', 'server_group', 'key_name', 'user_data',
               'metadata', 'scheduler_hints', 'networks', 'security_groups')
_TEXT_KEYS = ('name', 'state', 'flavor', 'image', 'availability_zone', 'server_group', 'key_name', 'user_data')
_MAP_KEYS = ('metadata', 'scheduler_hints')


def validate(servers, name=None, prune=False):
    """Check a set's shape before anything is done; InvalidInput naming the server and the key."""
    if name is not None:
        instances.validate_name(name, 'name')
    if prune and not name:
        raise InvalidInput('name', "prune needs the set's name: only servers this set created (marked with "
                                   "its name) are pruned")
    if not isinstance(servers, list):
        raise InvalidInput('servers', 'must be a list of mappings, each with a unique name')
    seen = set()
    for index, spec in enumerate(servers):
        where = 'servers[%d]' % index
        if not isinstance(spec, dict):
            raise InvalidInput(where, 'must be a mapping with a name')
        label = '%s (%s)' % (where, spec.get('name'))
        unknown = sorted(str(k) for k in spec if k not in SERVER_KEYS)
        if unknown:
            raise InvalidInput(where, 'server %s: unknown key(s) %s (allowed keys: %s)'
                               % (spec.get('name'), ', '.join(unknown), ', '.join(SERVER_KEYS)))
        instances.validate_name(spec.get('name'), '%s.name' % where)
        if spec['name'] in seen:
            raise InvalidInput('%s.name' % where, 'server names must be unique in the set; %s is listed twice'
                               % spec['name'])
        seen.add(spec['name'])
        for key in _TEXT_KEYS:
            if spec.get(key) is not None and not isinstance(spec[key], str):
                raise InvalidInput('%s.%s' % (where, key), '%s: must be a string' % label)
        for key in _MAP_KEYS:
            if spec.get(key) is not None and not isinstance(spec[key], dict):
                raise InvalidInput('%s.%s' % (where, key), '%s: must be a mapping' % label)
        groups = spec.get('security_groups')
        if groups is not None and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
            raise InvalidInput('%s.security_groups' % where, '%s: must be a list of group names or ids' % label)
        state = spec.get('state') or 'present'
        if state not in D.STATES:
            raise InvalidInput('%s.state' % where, 'server %s: bad state %r (one of %s)'
                               % (spec['name'], state, ', '.join(D.STATES)))


def _group_key(inst):
    """Servers alike for the scheduler are placed by one request (spread like a multi-create)."""
    return json.dumps([(inst.get('flavor') or {}).get('flavorid'), (inst.get('image') or {}).get('id'),
                       inst.get('availability_zone'), inst.get('scheduler_hints') or {}], sort_keys=True)


def converge(store, servers, context, name=None, prune=False, only=None, host_sync=True, check_mode=False,
             scheduler_config=None, networks=None, security_groups=None):
    """Decide, check and record the whole set; returns the plan and every host call.

    ``networks`` and ``security_groups``: the set's own (network/declared.py ``converge_set``), made first,
    so that its servers can name them; with ``prune``, the ones this set made and no longer lists go (those
    still used by ports, e.g. of servers this run deletes, are left for a later call: ``networks_pending``).

    Returns {changed, servers: [{name, uuid, state, action, host, followup}], host_calls,
    followup: [names of new servers to move on once booted], failed: [{name, error}],
    warnings, networks: {name: id}, networks_pending: [what is left to prune],
    diff: {before, after}} (diff keyed by server name, changed servers only; networks and groups by
    "network <name>" / "subnet <name>" / "security group <name>").
    """
    validate(servers, name, prune)
    net = _converge_networks(store, servers, context, name, prune, check_mode, networks, security_groups)
    listed = [dict(spec, state=spec.get('state') or 'present', **net['requests'].get(spec['name'], {}))
              for spec in servers if only is None or spec['name'] in only]
    live = instances.list_instances(store, project_id=context.project_id)
    by_name = {}
    for inst in live:
        by_name.setdefault(inst['display_name'], []).append(inst)
    plan, problems, warnings = [], [], []
    for spec in listed:
        found = by_name.get(spec['name']) or [None]
        if len(found) > 1:
            problems.append(str(Conflict('more than one server in project %s is named %r'
                                         % (context.project_id, spec['name']), field='servers')))
            continue
        inst = found[0]
        try:
            decision = D.decide(inst, spec['state'], D.fault_of(store, inst))
        except NovaliteError as exc:
            problems.append(exc.message)
            continue
        if inst is not None and spec['state'] != 'absent':
            warnings.extend(D.mismatches(inst, spec))
        plan.append((spec, inst, decision))
    if prune and only is None:
        names = set(spec['name'] for spec in servers)
        for inst in live:
            if inst['display_name'] not in names and (inst.get('system_metadata') or {}).get(SET_KEY) == name:
                decision = D.decide(inst, 'absent')
                plan.append(({'name': inst['display_name'], 'state': 'absent'}, inst, decision))
    if problems:
        # nothing is changed when any server cannot be brought to its state now
        raise InvalidInput('servers', '; '.join(problems))

    out = {'changed': net['changed'], 'servers': [], 'host_calls': [], 'followup': [], 'failed': [],
           'warnings': warnings, 'networks': net['networks'], 'networks_pending': net['pending'],
           'diff': {'before': dict(net['diff']['before']), 'after': dict(net['diff']['after'])}}
    creates = []
    for spec, inst, decision in plan:
        entry = {'name': spec['name'], 'uuid': inst['uuid'] if inst else None, 'state': spec['state'],
                 'action': decision.action, 'host': inst['host'] if inst else None, 'followup': decision.followup}
        out['servers'].append(entry)
        if decision.followup:
            out['followup'].append(spec['name'])
        if decision.action is None:
            if decision.sync and host_sync and not check_mode:
                with store.read() as conn:
                    out['host_calls'].append(host_calls.build(conn, inst, 'sync', context.request_id))
            continue
        out['changed'] = True
        target = 'absent' if decision.action == 'delete' else (decision.followup or spec['state'])
        if decision.action == 'create':
            creates.append((spec, entry, target))
            continue
        out['diff']['before'][spec['name']] = D.summary(inst)
        out['diff']['after'][spec['name']] = {} if target == 'absent' else dict(D.summary(inst), state=target)
        started = server_actions.start(store, inst['uuid'], decision.action, context, check_mode=check_mode)
        if started['host_call'] is not None:
            out['host_calls'].append(started['host_call'])
    _create(store, context, creates, name, check_mode, scheduler_config, out)
    return out


def _create(store, context, creates, set_name, check_mode, scheduler_config, out):
    """Record the new servers, then schedule each group of alike ones in one request."""
    for spec, entry, target in creates:
        out['diff']['before'][spec['name']] = {}
    if check_mode:
        groups = {}
        for spec, entry, target in creates:
            key = json.dumps([spec.get(k) for k in ('flavor', 'image', 'availability_zone', 'server_group',
                                                    'scheduler_hints')], sort_keys=True)
            groups.setdefault(key, []).append((spec, entry, target))
        for members in groups.values():
            hosts = conductor.plan_hosts(store, _request(members[0][0]), context, len(members), scheduler_config)
            for (spec, entry, target), host in zip(members, hosts):
                entry['host'] = host
                out['diff']['after'][spec['name']] = D.summary(None, target, host, spec)
        return
    marks = {SET_KEY: set_name} if set_name else None
    groups = {}
    for spec, entry, target in creates:
        row = conductor.create_servers(store, context, _request(spec), system_metadata=marks)[0]
        entry['uuid'] = row['uuid']
        groups.setdefault(_group_key(row), []).append((spec, entry, target))
    for members in groups.values():
        prepared = conductor.schedule_and_prepare(store, [entry['uuid'] for _s, entry, _t in members],
                                                  context.request_id, scheduler_config)
        calls = dict((call['server'], call) for call in prepared['builds'])
        errors = dict((f['uuid'], f['error']) for f in prepared['failed'])
        for spec, entry, target in members:
            call = calls.get(entry['uuid'])
            if call is not None:
                entry['host'] = call['host']
                out['host_calls'].append(call)
            else:
                out['failed'].append({'name': spec['name'], 'uuid': entry['uuid'],
                                      'error': errors.get(entry['uuid']) or 'not scheduled'})
            out['diff']['after'][spec['name']] = D.summary(None, target, entry['host'], spec)


def _converge_networks(store, servers, context, name, prune, check_mode, nets, groups):
    """The set's networks and groups (one transaction, rolled back in check mode) and each server's
    ``networks`` in Nova's request shape ({server name: {networks}})."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import declared
    out = {'changed': False, 'networks': {}, 'pending': [], 'diff': {'before': {}, 'after': {}}, 'requests': {}}
    asking = [spec for spec in servers if spec.get('networks') is not None and (spec.get('state') or 'present')
              != 'absent']
    if not (nets or groups or asking or (prune and name)):
        return out
    with declared.transaction(store, check_mode) as conn:
        out.update(declared.converge_set(conn, context, nets, groups, name, prune))
        for spec in asking:
            where = 'servers[%d].networks' % servers.index(spec)
            try:
                out['requests'][spec['name']] = {'networks': declared.server_networks(
                    conn, context, spec['networks'], where, out['networks'])}
            except NovaliteError as exc:
                raise InvalidInput(where, 'server %s: %s' % (spec['name'], exc.message))
    return out


def _request(spec):
    return dict((k, spec.get(k)) for k in SERVER_KEYS if k != 'state' and spec.get(k) is not None)
