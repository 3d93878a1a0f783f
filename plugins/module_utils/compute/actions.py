# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Imperative server actions as the API names them, and recording host outcomes.

Shared by the ``server_action``/``server_report`` modules and the REST shim's
``POST /servers/{id}/action``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.compute import api, conductor, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

USER_ACTIONS = ('start', 'stop', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'lock', 'unlock', 'delete')


def internal_action(action, reboot_type='SOFT'):
    if action not in USER_ACTIONS:
        raise InvalidInput('action', 'unknown action %r (choose from %s)' % (action, ', '.join(USER_ACTIONS)))
    if action == 'reboot':
        if reboot_type not in ('SOFT', 'HARD'):
            raise InvalidInput('reboot_type', 'must be SOFT or HARD, got %r' % (reboot_type,))
        return 'reboot_hard' if reboot_type == 'HARD' else 'reboot_soft'
    return action


def host_call_for(store, inst, action, call):
    """The full host call: node settings + instance spec + what to do."""
    with store.read() as conn:
        node = conductor.node_settings(conn, inst['host'])
    out = conductor.host_args(inst, node)
    if action == 'delete':
        # Tearing down needs only the identity: a delete never depends on (or fails on) the server's data.
        out['instance'] = dict((k, out['instance'][k]) for k in ('uuid', 'name'))
    out.update(call)
    if action == 'reboot_hard' and inst.get('domain_xml'):
        # Nova's hard reboot redefines the domain from what the store knows.
        out['domain_xml'] = inst['domain_xml']
    out['action'] = action
    out['server'] = inst['uuid']
    return out


def start(store, ident, action, context, reboot_type='SOFT', reason=None, check_mode=False):
    """Check and record ``action``; returns {server, host_call, request_id, action}."""
    action = internal_action(action, reboot_type)
    if check_mode:
        inst = instances.get(store, ident, project_id=None if context.is_admin else context.project_id)
        api.check_action(inst, action, context)
        return {'server': inst, 'host_call': None, 'request_id': context.request_id, 'action': action}
    inst, call = api.begin_action(store, ident, action, context, reason=reason)
    host_call = None
    if call is None:
        inst = conductor.record_result(store, inst['uuid'], action, context.request_id)
        inst.pop('changed', None)
    else:
        host_call = host_call_for(store, inst, action, call)
    return {'server': inst, 'host_call': host_call, 'request_id': context.request_id, 'action': action}


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


def report_from_loop_result(loop_result, request_id):
    """One report from an item of a looped host task's ``results`` (its item is the host call)."""
    call = loop_result.get('item') or {}
    result = dict((k, v) for k, v in loop_result.items() if k not in ('item', 'invocation'))
    return {'server': call.get('server'), 'action': call.get('action'),
            'request_id': call.get('request_id') or request_id,
            'result': result}
