# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Desired state of one server (controller side): what the ``server`` module does.

``ensure(store, spec, state, context, check_mode)`` decides, records and
returns the one host call that makes the world match (or None). The host
call itself runs on the compute host (``instance`` / ``instance_action``) and
its result comes back through ``conductor.record_result``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, host_calls, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

STATES = ('present', 'running', 'stopped', 'paused', 'suspended', 'absent')


def ensure(store, spec, state, context, check_mode=False, scheduler_config=None):
    """Make server ``spec['name']`` be in ``state``. Returns a result dict.

    Keys: changed, server (row or None), host_call (dict or None), planned_host,
    request_id, action, diff {before, after}.
    """
    if state not in STATES:
        raise InvalidInput('state', 'must be one of %s' % ', '.join(STATES))
    desired = 'running' if state == 'present' else state
    ident = spec.get('uuid') or spec.get('name')
    if not ident:
        raise InvalidInput('name', 'a server name (or uuid) is required')
    project = None if context.is_admin else context.project_id
    inst = instances.find(store, ident, project_id=project)
    result = {'changed': False, 'server': inst, 'host_call': None, 'planned_host': None,
              'request_id': context.request_id, 'action': None,
              'diff': {'before': _summary(inst), 'after': _summary(inst)}}

    if inst is None:
        if desired == 'absent':
            return result
        result['changed'] = True
        result['action'] = 'create'
        if check_mode:
            result['planned_host'] = conductor.plan(store, spec, context, scheduler_config)
            result['diff']['after'] = {'name': spec.get('name'), 'state': desired, 'host': result['planned_host'],
                                       'flavor': spec.get('flavor'), 'image': spec.get('image')}
            return result
        created = conductor.create_servers(store, context, dict(spec, min_count=1, max_count=1))[0]
        prepared = conductor.schedule_and_prepare(store, [created['uuid']], context.request_id, scheduler_config)
        result['server'] = instances.get(store, created['uuid'])
        result['diff']['after'] = _summary(result['server'])
        if prepared['failed']:
            result['failed_msg'] = prepared['failed'][0]['error']
            return result
        result['host_call'] = prepared['builds'][0]
        result['planned_host'] = result['host_call']['host']
        if desired != 'running':
            # Boot first; the next converge run moves it on (Nova boots to ACTIVE too).
            result['warnings'] = ['server %s is booted running; run again to make it %s'
                                  % (spec.get('name'), desired)]
        return result

    if inst['task_state'] is not None and not (desired == 'absent' and inst['task_state'] == S.DELETING):
        result['warnings'] = ['server %s is busy (task_state %s); left as is'
                              % (inst['display_name'], inst['task_state'])]
        return result
    if inst['vm_state'] == S.ERROR and desired != 'absent':
        result['warnings'] = ['server %s is in ERROR: %s' % (
            inst['display_name'], (instances.latest_fault(store, inst['uuid']) or {}).get('message'))]
        return result

    action = action_table.action_for_desired(inst, desired)
    if action is None:
        # Already so in the store: let the host confirm (and repair drift).
        if inst['host'] and inst['vm_state'] in action_table.HOST_STATE_FOR_VM_STATE:
            with store.read() as conn:
                result['host_call'] = host_calls.build(conn, inst, 'sync', context.request_id)
        return result

    result['changed'] = True
    result['action'] = action
    result['diff']['after'] = dict(result['diff']['before'], state=desired)
    started = server_actions.start(store, inst['uuid'], action, context, check_mode=check_mode)
    if not check_mode:
        result['server'], result['host_call'] = started['server'], started['host_call']
    return result


def _summary(inst):
    if inst is None:
        return {}
    return {'name': inst['display_name'], 'uuid': inst['uuid'], 'status': inst['status'],
            'host': inst['host'], 'flavor': (inst.get('flavor') or {}).get('name'),
            'image': (inst.get('image') or {}).get('name')}
