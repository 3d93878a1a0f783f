# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Desired state of servers (controller side): what the ``server`` and ``server_set`` modules decide.

States, as Ansible users of cloud modules expect them:

* ``present``: the server exists (booted when missing); its power is left alone.
* ``running``, ``stopped``, ``paused``, ``suspended``: the server exists and is in
  that power state. A new server is booted and then (a second host call of
  the same run: the ``followup``) moved to it, as Nova would with a boot
  followed by the action.
* ``absent``: deleted.

``decide`` is the one decision for one server (used by ``ensure`` here and by
``converge`` for a whole desired-state file). A server that is busy (a
task_state whose outcome is not the desired state) or in ERROR and asked to
change is refused with a clear error, never silently left as is.

``ensure(store, spec, state, context, check_mode)`` applies one decision,
records it and returns the one host call that makes the world match (or None).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, host_calls, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import InstanceInvalidState, InvalidInput

POWER_STATES = ('running', 'stopped', 'paused', 'suspended')
STATES = ('present',) + POWER_STATES + ('absent',)

# What a server at rest in each vm_state is, in the words of ``state``.
_STATE_OF_VM_STATE = dict((vm, word) for vm, word in action_table.HOST_STATE_FOR_VM_STATE.items())

Decision = collections.namedtuple('Decision', (
    'action',     # create, delete or an action of action_table (None: nothing to start)
    'sync',       # the host confirms the stored state (and repairs drift)
    'followup',   # a new server's power state to reach after its boot (None: running is fine)
))


def state_of(inst):
    """The server's state in the words of ``state`` (``absent``, ``running``, ..., else its vm_state)."""
    if inst is None:
        return 'absent'
    return _STATE_OF_VM_STATE.get(inst['vm_state'], inst['vm_state'])


def decide(inst, state, fault=None):
    """What to do so that ``inst`` (a row or None) is ``state``. Raises when it cannot be done now."""
    if state not in STATES:
        raise InvalidInput('state', 'must be one of %s, got %r' % (', '.join(STATES), state))
    if inst is None:
        if state == 'absent':
            return Decision(None, False, None)
        return Decision('create', False, state if state in ('stopped', 'paused', 'suspended') else None)
    name = inst['display_name']
    if state == 'absent':
        # Nova deletes in any state; a delete already in flight is left to finish.
        return Decision(None if inst['task_state'] == S.DELETING else 'delete', False, None)
    if inst['task_state'] is not None:
        in_flight = action_table.ACTION_FOR_TASK_STATE.get(inst['task_state'])
        outcome = action_table.HOST_STATE_FOR_VM_STATE.get(action_table.result_vm_state(in_flight))
        if state == 'present' or outcome == state:
            return Decision(None, False, None)     # what is under way gets it there
        raise InstanceInvalidState(
            'server %s is busy (task_state %s) and cannot be made %s now; run again when the task is done '
            '(or reset its state)' % (name, inst['task_state'], state), field='state')
    if inst['vm_state'] == S.ERROR:
        if state == 'present':
            return Decision(None, False, None)
        raise InstanceInvalidState(
            'server %s is in ERROR (%s) and cannot be made %s; reset its state (server_action reset_state) '
            'or delete it' % (name, fault or 'no fault recorded', state), field='state')
    at_rest = bool(inst['host']) and inst['vm_state'] in action_table.HOST_STATE_FOR_VM_STATE
    if state == 'present':
        return Decision(None, at_rest, None)
    action = action_table.action_for_desired(inst, state)
    return Decision(action, action is None and at_rest, None)


def summary(inst, state=None, host=None, spec=None):
    """What ``--diff`` shows of a server: its state in ``state``'s words and what it is made of."""
    if inst is None and spec is None:
        return {}
    if inst is None:
        return {'name': spec.get('name'), 'state': state, 'host': host,
                'flavor': spec.get('flavor'), 'image': spec.get('image')}
    return {'name': inst['display_name'], 'uuid': inst['uuid'], 'state': state or state_of(inst),
            'host': inst['host'], 'flavor': (inst.get('flavor') or {}).get('name'),
            'image': (inst.get('image') or {}).get('name')}


def action_diff(before, after, action, check_mode=False, reset_to=None):
    """What ``--diff`` shows of a server action (the ``server_action`` module): ``summary`` of the server
    before and after, with its API ``status``, ``task_state`` and ``locked``; the after side's ``state`` is
    where the action leads (as the server module shows the asked state), its task state the one in flight.

    ``after`` is the row as the action left it; in check mode (nothing written) it is the row as it is,
    shown with what the action would set: its task state (``reset_state``: the vm_state ``reset_to`` names).
    """
    row = action_table.ACTIONS.get(action)
    after = after or before
    if check_mode and row is not None:
        if action == 'reset_state' and reset_to in action_table.RESET_STATES:
            after = dict(after, vm_state=action_table.RESET_STATES[reset_to], task_state=None)
        elif row.task_state:
            after = dict(after, task_state=row.task_state)
        if action in ('lock', 'unlock'):
            after = dict(after, locked=action == 'lock')
    leads_to = None
    if action in action_table.DELETE_ACTIONS:
        leads_to = 'absent'
    elif row is not None and row.result:
        leads_to = state_of({'vm_state': row.result})
    return {'before': _with_status(summary(before), before), 'after': _with_status(summary(after, leads_to), after)}


def _with_status(out, inst):
    return dict(out, status=S.api_status(inst['vm_state'], inst['task_state']), task_state=inst['task_state'],
                locked=bool(inst.get('locked')))


def mismatches(inst, spec):
    """Warnings for what a listed existing server was asked to be made of but is not (no resize/rebuild)."""
    out = []
    for key, have in (('flavor', inst.get('flavor') or {}), ('image', inst.get('image') or {})):
        wanted = spec.get(key)
        if wanted and wanted not in (have.get('name'), have.get('flavorid'), have.get('id')):
            out.append('server %s has %s %s, not %s: an existing server keeps its %s (no resize or rebuild)'
                       % (inst['display_name'], key, have.get('name'), wanted, key))
    return out


def find(store, spec, context):
    """The live server ``spec`` names: by uuid (any project for an admin), by name in the context's project."""
    if spec.get('uuid'):
        return instances.find(store, spec['uuid'], project_id=context.scope)
    if not spec.get('name'):
        raise InvalidInput('name', 'a server name (or uuid) is required')
    return instances.find(store, spec['name'], project_id=context.project_id)


def fault_of(store, inst):
    if inst is None or inst['vm_state'] != S.ERROR:
        return None
    return (instances.latest_fault(store, inst['uuid']) or {}).get('message')


def ensure(store, spec, state, context, check_mode=False, scheduler_config=None):
    """Make server ``spec['name']`` (or ``spec['uuid']``) be in ``state``. Returns a result dict.

    Keys: changed, server (row or None), host_call (dict or None), planned_host,
    request_id, action, followup (state to ask once the new server is booted, or None),
    diff {before, after}, warnings.
    """
    inst = find(store, spec, context)
    decision = decide(inst, state, fault_of(store, inst))
    result = {'changed': decision.action is not None, 'server': inst, 'host_call': None, 'planned_host': None,
              'request_id': context.request_id, 'action': decision.action, 'followup': decision.followup,
              'warnings': mismatches(inst, spec) if inst is not None and state != 'absent' else [],
              'diff': {'before': summary(inst), 'after': summary(inst)}}
    if decision.action == 'create':
        target = decision.followup or 'running'
        if check_mode:
            result['planned_host'] = conductor.plan(store, spec, context, scheduler_config)
            result['diff']['after'] = summary(None, target, result['planned_host'], spec)
            return result
        created = conductor.create_servers(store, context, dict(spec, min_count=1, max_count=1))[0]
        prepared = conductor.schedule_and_prepare(store, [created['uuid']], context.request_id, scheduler_config)
        result['server'] = instances.get(store, created['uuid'])
        if prepared['failed']:
            result['failed_msg'] = prepared['failed'][0]['error']
            result['diff']['after'] = summary(result['server'])
            return result
        result['host_call'] = prepared['builds'][0]
        result['planned_host'] = result['host_call']['host']
        result['diff']['after'] = summary(result['server'], target)
        return result
    if decision.action is None:
        if decision.sync and not check_mode:
            with store.read() as conn:
                result['host_call'] = host_calls.build(conn, inst, 'sync', context.request_id)
        return result
    result['diff']['after'] = dict(result['diff']['before'], state=state)
    started = server_actions.start(store, inst['uuid'], decision.action, context, check_mode=check_mode)
    if not check_mode:
        result['server'], result['host_call'] = started['server'], started['host_call']
    return result
