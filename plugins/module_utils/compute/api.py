# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's compute API layer (controller side): who may do what to a server, and when.

``begin_action`` is nova/compute/api.py's ``check_instance_lock`` +
``check_instance_state`` + ``instance.task_state = ...; save(expected_task_state)``
+ ``InstanceAction.action_start``. It returns the host call the action needs
(or None when the action is complete in the database, like lock), so the
playbooks and the REST shim run the same checks and the same transitions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InstanceLocked, InvalidInput, NovaliteError,
)


class Context(object):
    """Who asks: Nova's RequestContext reduced to what novalite checks."""

    def __init__(self, user_id=None, project_id=None, is_admin=True, request_id=None, roles=None):
        self.user_id = user_id
        self.project_id = project_id
        self.is_admin = is_admin
        self.roles = list(roles or (['admin'] if is_admin else ['member']))
        self.request_id = request_id or new_request_id()


def new_request_id():
    return 'req-%s' % uuidlib.uuid4()


# Hard reboot may interrupt these in-flight task states (nova/compute/api.py).
_HARD_REBOOT_TASKS = [None, S.REBOOTING, S.REBOOT_PENDING, S.REBOOT_STARTED, S.REBOOTING_HARD,
                      S.RESUMING, S.UNPAUSING, S.PAUSING, S.SUSPENDING]

# action -> (allowed vm_states or None for any, allowed task_states or None for any,
#            task_state while in flight, host call (module, desired state or action), lock-checked)
ACTIONS = {
    'stop': ([S.ACTIVE, S.ERROR], [None], S.POWERING_OFF, ('instance', 'stopped'), True),
    'start': ([S.STOPPED], [None], S.POWERING_ON, ('instance', 'running'), True),
    'reboot_soft': ([S.ACTIVE], [None], S.REBOOTING, ('instance_action', 'reboot_soft'), True),
    'reboot_hard': ([S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED, S.ERROR], _HARD_REBOOT_TASKS,
                    S.REBOOTING_HARD, ('instance_action', 'reboot_hard'), True),
    'pause': ([S.ACTIVE], [None], S.PAUSING, ('instance', 'paused'), True),
    'unpause': ([S.PAUSED], [None], S.UNPAUSING, ('instance', 'running'), True),
    'suspend': ([S.ACTIVE], [None], S.SUSPENDING, ('instance', 'suspended'), True),
    'resume': ([S.SUSPENDED], [None], S.RESUMING, ('instance', 'running'), True),
    'delete': (None, None, S.DELETING, ('instance', 'absent'), True),
    'lock': (None, None, None, None, False),
    'unlock': (None, None, None, None, False),
}

# Nova's instance action names, as `openstack server event list` shows them.
ACTION_NAMES = {'reboot_soft': 'reboot', 'reboot_hard': 'reboot'}

# vm_state after a successful host call
RESULT_VM_STATE = {
    'create': S.ACTIVE, 'stop': S.STOPPED, 'start': S.ACTIVE, 'reboot_soft': S.ACTIVE,
    'reboot_hard': S.ACTIVE, 'pause': S.PAUSED, 'unpause': S.ACTIVE, 'suspend': S.SUSPENDED,
    'resume': S.ACTIVE,
}

# desired-state name (instance module / desired-state files) -> the action that reaches it
# from each vm_state; None means "already there".
DESIRED = {
    'running': {S.ACTIVE: None, S.STOPPED: 'start', S.PAUSED: 'unpause', S.SUSPENDED: 'resume'},
    'stopped': {S.STOPPED: None, S.ACTIVE: 'stop', S.ERROR: 'stop'},
    'paused': {S.PAUSED: None, S.ACTIVE: 'pause'},
    'suspended': {S.SUSPENDED: None, S.ACTIVE: 'suspend'},
}


def check_action(instance, action, context):
    """Raise InstanceLocked / InstanceInvalidState when ``action`` is not allowed now."""
    if action not in ACTIONS:
        raise InvalidInput('action', 'unknown action %r (choose from %s)' % (action, ', '.join(sorted(ACTIONS))))
    vm_states, task_states, _task, _call, lock_checked = ACTIONS[action]
    if lock_checked and instance['locked'] and not context.is_admin:
        raise InstanceLocked('Instance %s is locked' % instance['uuid'], field='server')
    if action == 'unlock' and instance['locked'] and instance.get('locked_by') == 'admin' and not context.is_admin:
        raise InstanceLocked('Instance %s was locked by an admin; only an admin can unlock it'
                             % instance['uuid'], field='server')
    if vm_states is not None and instance['vm_state'] not in vm_states:
        raise InstanceInvalidState(
            "Cannot '%s' instance %s while it is in vm_state %s" % (ACTION_NAMES.get(action, action),
                                                                    instance['uuid'], instance['vm_state']),
            field='server')
    if task_states is not None and instance['task_state'] not in task_states:
        raise InstanceInvalidState(
            "Cannot '%s' instance %s while it is in task_state %s" % (ACTION_NAMES.get(action, action),
                                                                      instance['uuid'], instance['task_state']),
            field='server')


def action_for_desired(instance, desired):
    """The action that takes ``instance`` to the desired state, None when already there."""
    if desired == 'absent':
        return 'delete'
    table = DESIRED.get(desired)
    if table is None:
        raise InvalidInput('state', 'unknown desired state %r' % desired)
    if instance['vm_state'] in table:
        return table[instance['vm_state']]
    raise InstanceInvalidState('server %s is %s (vm_state %s); it cannot be made %s directly'
                               % (instance['display_name'], instance['status'], instance['vm_state'], desired),
                               field='state')


def begin_action(store, ident, action, context, reason=None):
    """Check and start ``action``; returns (instance, host_call or None).

    The state check and the task_state change happen in one transaction with a
    compare-and-set on the task_state, so two concurrent requests cannot both
    start (the loser gets a 409 Conflict, as in Nova).
    """
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=None if context.is_admin else context.project_id, conn=conn)
        check_action(inst, action, context)
        _vm_states, task_states, in_flight, host_call, _lock = ACTIONS[action]
        name = ACTION_NAMES.get(action, action)
        instances.action_start(conn, inst['uuid'], name, context.request_id, context.user_id, context.project_id)
        if action == 'lock':
            inst = instances.update(store, inst['uuid'], conn=conn, locked=True, locked_reason=reason,
                                    locked_by='admin' if context.is_admin and context.project_id != inst['project_id']
                                    else 'owner')
            instances.event_finish(conn, inst['uuid'], context.request_id, 'api_lock')
            return inst, None
        if action == 'unlock':
            inst = instances.update(store, inst['uuid'], conn=conn, locked=False, locked_by=None, locked_reason=None)
            instances.event_finish(conn, inst['uuid'], context.request_id, 'api_unlock')
            return inst, None
        expected = task_states if task_states is not None else instances._UNSET
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=expected, task_state=in_flight)
        if action == 'delete' and not inst['host']:
            # Nova's local delete: never reached a host, nothing to tear down there.
            return inst, None
        instances.event_start(conn, inst['uuid'], context.request_id, 'compute_%s_instance' % name,
                              host=inst['host'])
    module, arg = host_call
    return inst, {'module': module, ('state' if module == 'instance' else 'action'): arg}


def finish_action(store, ident, action, context, host_result=None, error=None):
    """Record the outcome of the host call (or of a DB-only action): the conductor's job."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    return conductor.record_result(store, ident, action, context.request_id, host_result, error)


def describe(error):
    """A fault message for an exception or a failed module result."""
    if isinstance(error, NovaliteError):
        return error.message
    if isinstance(error, dict):
        return error.get('msg') or 'host task failed'
    return str(error)
