# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server actions (controller side): start one by the rules of ``action_table``, record host outcomes.

``begin_action`` is nova/compute/api.py's ``check_instance_lock`` +
``check_instance_state`` + ``instance.task_state = ...; save(expected_task_state)``
+ ``InstanceAction.action_start``; it returns the host call the action needs
(``host_calls.build``), or None when the action is complete in the store
(lock, unlock, a never-scheduled server's delete). ``reset_state`` is Nova's
admin ``os-resetState``. Shared by the ``server_action``/``server_report``/``server``
modules and the REST shim's ``POST /servers/{id}/action``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import all_actions as _all  # noqa: F401 (registers the result handlers)
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, host_calls, instances, quotas, rebuild, rescue,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InstanceNotReady, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow


def begin_action(store, ident, action, context, reason=None):
    """Check and start ``action``; returns (instance, host call or None).

    The state check and the task_state change happen in one transaction with a
    compare-and-set on the task_state, so two concurrent requests cannot both
    start (the loser gets a 409 Conflict, as in Nova).
    """
    row = action_table.ACTIONS.get(action)
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=context.scope, conn=conn)
        action_table.check_action(inst, action, context)
        instances.action_start(conn, inst['uuid'], row.event, context.request_id, context.user_id,
                               context.project_id)
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
        expected = {} if row.task_states is None else {'expected_task_state': row.task_states}
        values = {'task_state': row.task_state}
        if action == 'soft_delete':
            values['deleted_at'] = utcnow()   # when the reclaim period starts
        elif action == 'restore':
            # A soft-deleted server stops counting towards quota (Nova's queued_for_delete): it must fit again.
            quotas.check_create(conn, inst['project_id'], inst['flavor'], 1)
            values['deleted_at'] = None
        inst = instances.update(store, inst['uuid'], conn=conn, **dict(values, **expected))
        if action in action_table.DELETE_ACTIONS and not inst['host']:
            # Nova's local delete: never reached a host, nothing to tear down there.
            return inst, None
        instances.event_start(conn, inst['uuid'], context.request_id, action_table.compute_event(action),
                              host=inst['host'])
        return inst, host_calls.build(conn, inst, action, context.request_id)


def reset_state(store, ident, state, context, check_mode=False):
    """Nova's admin ``os-resetState``: set vm_state (active or error), clear task_state, record the action.

    Any state, lock ignored; nothing is asked of the host (a host call still in flight
    for the server is no longer awaited: its job finds the task state gone).
    """
    if state not in action_table.RESET_STATES:
        allowed = ', '.join(sorted(action_table.RESET_STATES))
        raise InvalidInput('state', 'must be one of %s, got %r' % (allowed, state))
    row = action_table.ACTIONS['reset_state']
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=context.scope, conn=conn)
        action_table.check_action(inst, 'reset_state', context)
        if check_mode:
            return inst
        instances.action_start(conn, inst['uuid'], row.event, context.request_id, context.user_id,
                               context.project_id)
        inst = instances.update(store, inst['uuid'], conn=conn, vm_state=action_table.RESET_STATES[state],
                                task_state=None)
        instances.action_finish(conn, inst['uuid'], context.request_id)
        return inst


def console_output(store, ident, context, length=None):
    """Nova's get_console_output, controller side: the read-only host call for the server's console log.

    Any vm_state, but the server must be on a host (Nova's check_instance_host: InstanceNotReady, 409).
    ``length``: the last lines wanted (None or -1: all of it). Nothing is written.
    """
    if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < -1):
        raise InvalidInput('length', 'must be an integer of at least -1, got %r' % (length,))
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, 'console_output', context)
    if not inst['host']:
        raise InstanceNotReady('Instance %s is not ready yet: it has no host' % inst['uuid'], field='server')
    with store.read() as conn:
        call = host_calls.build(conn, inst, 'console_output', context.request_id,
                                length=None if length in (None, -1) else length)
    return inst, call


def start(store, ident, verb, context, reboot_type='SOFT', reason=None, state=None, check_mode=False,
          rebuild_request=None, length=None, scheduler_config=None, enforce_quota=False, rescue_image=None,
          image_request=None, image_store=None, image_limits=None, unshelve_request=None, offload_time=0,
          host_allowed=True, flavor=None, host=None, allow_resize_to_same_host=False, block_migration=None,
          force=None, raise_no_host=False, evacuate_request=None, interface_request=None):
    """Check and record the action ``verb``; returns {server, host_call, request_id, action}.

    ``rebuild_request``: the rebuild's image and options (compute/rebuild.py FIELDS); ``length``: the
    console output's lines; ``rescue_image``: the image a rescue boots (None: the server's own);
    ``unshelve_request``: an unshelve's availability_zone / host; ``offload_time``: nova.conf's
    shelved_offload_time for a shelve (0: offloaded at once); ``host_allowed``: an unshelve may name a host;
    ``flavor``: a resize's new flavor, ``host``: a cold migration's target host (2.56),
    ``allow_resize_to_same_host``: nova.conf's option (a resize may stay on its host); a live migration's
    ``block_migration`` (True, False, None: auto), ``host`` and ``force`` (``raise_no_host``: NoValidHost raised
    once recorded, the API's 400 before 2.34); ``evacuate_request``: an evacuation's host, force and
    target_state (compute/evacuate.py); ``interface_request``: an interface attach's port_id, or net_id (+ fixed_ip),
    and tag, a detach's port_id (compute/interfaces.py; the answer also names the ``port_id``).
    """
    action = action_table.action_for(verb, reboot_type)
    out = {'server': None, 'host_call': None, 'request_id': context.request_id, 'action': action}
    if action == 'reset_state':
        out['server'] = reset_state(store, ident, state, context, check_mode=check_mode)
        return out
    if action == 'console_output':
        # a read: check mode runs it too (nothing changes either way)
        out['server'], out['host_call'] = console_output(store, ident, context, length)
        return out
    if action == 'rebuild':
        if check_mode:
            out['server'] = rebuild.check(store, ident, context, rebuild_request or {})
        else:
            out['server'], out['host_call'] = rebuild.begin(store, ident, context, rebuild_request or {},
                                                            scheduler_config, enforce_quota)
        return out
    if action == 'rescue':
        # Nova's order: lock and state first (409), then the rescue image (400), then the task state
        inst, image = rescue.check(store, ident, context, rescue_image)
        if check_mode:
            out['server'] = inst
            return out
        inst, call = begin_action(store, inst['uuid'], 'rescue', context)
        out['server'], out['host_call'] = inst, rescue.with_image(call, inst, image)
        return out
    if action in action_table.SNAPSHOT_ACTIONS:
        # snapshot / backup (compute/snapshot.py): ``image_request`` name, metadata (backup_type, rotation),
        # ``image_limits`` the upload's size cap and storage quota; the answer also carries the new ``image``
        from ansible_collections.novalite.compute.plugins.module_utils.compute import snapshot
        if check_mode:
            out['server'] = snapshot.check(store, ident, action, context, image_request)
        else:
            out['server'], out['host_call'], out['image'] = snapshot.begin(
                store, ident, action, context, image_request, image_store, enforce_quota, image_limits)
        return out
    if action in ('shelve', 'unshelve'):
        # compute/shelve.py: a shelve's image (``image_store``, ``image_limits``) is in the answer's ``image``;
        # an unshelve of an offloaded server is scheduled (and claimed) here, as Nova's conductor
        from ansible_collections.novalite.compute.plugins.module_utils.compute import shelve
        if action == 'shelve' and check_mode:
            out['server'] = shelve.check_shelve(store, ident, context)
        elif action == 'shelve':
            out['server'], out['host_call'], out['image'] = shelve.begin_shelve(
                store, ident, context, image_store, image_limits, offload_time)
        elif check_mode:
            out['server'] = shelve.check_unshelve(store, ident, context, unshelve_request, enforce_quota,
                                                  host_allowed)[0]
        else:
            out['server'], out['host_call'] = shelve.begin_unshelve(
                store, ident, context, unshelve_request, enforce_quota, scheduler_config, host_allowed)
        return out
    if action == 'live_migrate':
        from ansible_collections.novalite.compute.plugins.module_utils.compute import live_migration
        if check_mode:
            out['server'] = live_migration.check(store, ident, context, host)
        else:
            out['server'], out['host_call'] = live_migration.begin(
                store, ident, context, block_migration, host, force, scheduler_config, raise_no_host)
        return out
    if action == 'evacuate':
        from ansible_collections.novalite.compute.plugins.module_utils.compute import evacuate
        request = dict(evacuate_request or {}, scheduler_config=scheduler_config)
        if check_mode:
            out['server'] = evacuate.check(store, ident, context, **request)
        else:
            out['server'], out['host_call'] = evacuate.begin(store, ident, context, **request)
        return out
    if action in action_table.INTERFACE_ACTIONS:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import interfaces
        request = dict(interface_request or {})
        if action == 'detach_interface' and not request.get('port_id'):
            raise InvalidInput('port', 'is required to detach an interface')
        if check_mode:
            out['server'] = instances.get(store, ident, project_id=context.scope)
            action_table.check_action(out['server'], action, context)
            if action == 'attach_interface':
                interfaces.check_request(request.get('port_id'), request.get('net_id'), request.get('fixed_ip'))
            out['port_id'] = request.get('port_id')
        elif action == 'attach_interface':
            out['server'], out['host_call'], out['port_id'] = interfaces.begin_attach(store, ident, context, **request)
        else:
            out['server'], out['host_call'] = interfaces.begin_detach(store, ident, context, request['port_id'])
            out['port_id'] = request['port_id']
        return out
    if action == 'change_password':
        out['server'], out['host_call'] = begin_change_password(store, ident, context, check_mode)
        return out
    if action in action_table.MOVE_ACTIONS:
        # compute/resize.py: a resize / cold migration is scheduled (a move claim) here, as Nova's conductor
        from ansible_collections.novalite.compute.plugins.module_utils.compute import resize
        moving = action in ('resize', 'migrate')
        if check_mode and moving:
            out['server'] = resize.check(store, ident, action, context, flavor, host)[0]
        elif check_mode:
            out['server'] = resize.check_end(store, ident, action, context)[0]
        elif moving:
            out['server'], out['host_call'] = resize.begin_move(store, ident, action, context, flavor, host,
                                                                scheduler_config, allow_resize_to_same_host)
        else:
            out['server'], out['host_call'] = resize.begin_end(store, ident, action, context)
        return out
    if check_mode:
        out['server'] = instances.get(store, ident, project_id=context.scope)
        action_table.check_action(out['server'], action, context)
        return out
    inst, out['host_call'] = begin_action(store, ident, action, context, reason=reason)
    if out['host_call'] is None:
        inst = conductor.record_result(store, inst['uuid'], action, context.request_id)
        inst.pop('changed', None)
    out['server'] = inst
    return out


def begin_change_password(store, ident, context, check_mode=False):
    """Nova's changePassword up to the guest: the lock and state checks (ACTIVE, no task), task_state
    ``updating_password`` and the ``changePassword`` instance action with its compute event, then what the compute
    service would refuse before asking the guest agent (admin_password.refusal: not running, no agent in the
    image): that is recorded as Nova records it (the event's error, a fault, the task state cleared) and raised
    (Conflict, the API's 409). Otherwise the host call (``change_password``) that asks the agent; the password
    travels as the job's secret."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import admin_password
    if check_mode:
        inst = instances.get(store, ident, project_id=context.scope)
        action_table.check_action(inst, 'change_password', context)
        return inst, None
    inst, call = begin_action(store, ident, 'change_password', context)
    why = admin_password.refusal(inst)
    if why is None:
        return inst, call
    with store.begin() as conn:
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.UPDATING_PASSWORD, task_state=None)
        # Nova's fault carries the exception's code: Invalid (400) for the agent, 500 for a guest not running
        instances.add_fault(conn, inst['uuid'], why, code=500 if inst.get('power_state') != S.RUNNING else 400,
                            host=inst.get('host'))
        instances.event_finish(conn, inst['uuid'], context.request_id, action_table.compute_event('change_password'),
                               result='Error', traceback=why, host=inst.get('host'))
    raise Conflict(why, field='server')


def record_many(store, reports, scheduler_config=None):
    """Record a batch of host outcomes; returns the rows (each with ``changed``, maybe ``reschedule``)."""
    out = []
    for index, report in enumerate(reports):
        for key in ('server', 'action', 'request_id'):
            if not report.get(key):
                raise InvalidInput('reports[%d].%s' % (index, key), 'is required')
        out.append(conductor.record_result(store, report['server'], report['action'], report['request_id'],
                                           report.get('result'), report.get('error'), scheduler_config))
    return out


def failures(reports, rows):
    """What failed for good (not rescheduled to another host): one line per call, for the playbook to fail with."""
    out = []
    for report, row in zip(reports, rows):
        result = report.get('result') or {}
        if report.get('error') is None and not result.get('failed') and not result.get('unreachable'):
            continue
        if row.get('reschedule'):
            continue
        out.append('%s of %s on %s: %s' % (report['action'], row.get('display_name') or report['server'],
                                           report.get('host') or row.get('host'),
                                           report.get('error') or conductor.fault_message(result)))
    return out


def report_from_loop_result(loop_result, request_id=None):
    """One report from an item of a looped host task's ``results`` (its item is the host call)."""
    call = loop_result.get('item') or {}
    result = dict((k, v) for k, v in loop_result.items() if k not in ('item', 'invocation'))
    return {'server': call.get('server'), 'action': call.get('action'), 'host': call.get('host'),
            'request_id': call.get('request_id') or request_id,
            'result': result}


def reports_from_loop_result(loop_result, request_id=None):
    """The reports of one item of a looped host task: one host call, or a host's group of calls.

    A group item (``[host, [calls]]``, the ``instances`` module's loop in host_calls.yml) has one
    result per call in ``results``; when the whole group failed (an unreachable host, a crashed
    module) every call gets that failure.
    """
    item = loop_result.get('item')
    if isinstance(item, dict) or item is None:
        return [report_from_loop_result(loop_result, request_id)]
    calls = list(item[1])
    results = loop_result.get('results')
    if not isinstance(results, list) or len(results) != len(calls):
        whole = dict((k, v) for k, v in loop_result.items() if k not in ('item', 'invocation', 'results'))
        whole.setdefault('failed', True)
        results = [whole] * len(calls)
    return [report_from_loop_result(dict(result, item=call), request_id) for call, result in zip(calls, results)]


def resume_call(store, call):
    """The host call a taken-over job runs now: the step its instance reached (a shelve's offload, a resize's
    finish), else ``call``."""
    if call.get('action') in action_table.MOVE_ACTIONS:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import resize
        return resize.resume_call(store, call)
    if call.get('action') in action_table.SHELVE_ACTIONS:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import shelve
        return shelve.resume_call(store, call)
    return call
