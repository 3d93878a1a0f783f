# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Events other services send about servers (Nova's ``os-server-external-events``).

Each event names a server by uuid. Nova answers each one with a code: 404 when the server is unknown,
400 when an event that needs a tag has none, 422 when the server has no host (nothing could receive
it), 200 when the server's compute host is given it. What the compute host then does is Nova's
compute manager running with the libvirt driver, which is what a novalite host is:

* ``network-changed`` / ``network-vif-*``: Nova refreshes its network cache or wakes a waiting boot.
  novalite reads a server's ports from the network service when it shows them and its boots do not
  wait for plug events, so these change nothing.
* ``volume-extended`` (tag: the volume): Nova's API records an ``extend_volume`` action and the host
  looks for the volume's attachment. novalite attaches no volumes, so the event fails as Nova's host
  fails for a volume the server does not have (``compute_extend_volume`` in Error, a fault).
* ``power-update`` (tag ``POWER_ON`` / ``POWER_OFF``): Nova's API records a ``start`` / ``stop`` action;
  the host acts only when the server is idle and in the opposite state (stopped and shut down for
  POWER_ON, active and running for POWER_OFF), and then asks its driver, which for libvirt does not
  implement it: the task state is set and reverted, ``compute_power_update`` ends in Error and a
  ``NotImplementedError`` fault is recorded. Any other server state makes it a no-op (the event
  succeeds). The power state only changes under Ironic, whose driver novalite does not have.
* ``accelerator-request-bound`` / ``volume-reimaged``: a boot or a volume rebuild waiting for them
  would be woken; novalite has neither, so nothing waits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, NotFound

# Every event name with the microversion that introduced it (Nova's schemas/server_external_events.py)
EVENT_NAMES = (('network-changed', 1), ('network-vif-plugged', 1), ('network-vif-unplugged', 1),
               ('network-vif-deleted', 1), ('volume-extended', 51), ('power-update', 76),
               ('accelerator-request-bound', 82), ('volume-reimaged', 93))
STATUSES = ('failed', 'completed', 'in-progress')
TAG_REQUIRED = ('volume-extended', 'power-update', 'accelerator-request-bound')
POWER_ON = 'POWER_ON'
POWER_OFF = 'POWER_OFF'


def names_at(minor):
    """The event names microversion 2.``minor`` accepts."""
    return [name for name, since in EVENT_NAMES if since <= minor]


def _find(store, uuids):
    found = {}
    for ident in uuids:
        try:
            # Nova finds deleted instances too (their mappings stay until archived)
            found[ident] = instances.get(store, ident, include_deleted=True)
        except NotFound:
            continue
    return found


def _power_update_valid(inst, target):
    if inst.get('task_state') is not None:
        return False
    if target == POWER_ON:
        return inst['vm_state'] == states.STOPPED and inst['power_state'] == states.SHUTDOWN
    return target == POWER_OFF and inst['vm_state'] == states.ACTIVE and inst['power_state'] == states.RUNNING


def _power_update(store, context, inst, target):
    """The host's side of power-update with the libvirt driver (see the module's docstring)."""
    request_id = context.request_id
    event = 'compute_power_update'
    with store.begin() as conn:
        instances.event_start(conn, inst['uuid'], request_id, event, host=inst['host'])
    if not _power_update_valid(inst, target):
        with store.begin() as conn:
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst['host'])
        return
    going = states.POWERING_ON if target == POWER_ON else states.POWERING_OFF
    try:
        instances.update(store, inst['uuid'], expected_task_state=None, task_state=going)
    except (Conflict, NotFound):   # lost a race with another action: Nova logs it and lets the event succeed
        with store.begin() as conn:
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst['host'])
        return
    with store.begin() as conn:
        instances.update(store, inst['uuid'], conn=conn, task_state=None)
        instances.add_fault(conn, inst['uuid'], 'NotImplementedError', code=500, host=inst['host'])
        instances.event_finish(conn, inst['uuid'], request_id, event, result='Error',
                               traceback='NotImplementedError', host=inst['host'], details='NotImplementedError')


def _extend_volume(store, context, inst, volume_id):
    message = 'No volume Block Device Mapping with id %s.' % volume_id
    with store.begin() as conn:
        instances.event_start(conn, inst['uuid'], context.request_id, 'compute_extend_volume', host=inst['host'])
        instances.add_fault(conn, inst['uuid'], message, code=404, host=inst['host'])
        instances.event_finish(conn, inst['uuid'], context.request_id, 'compute_extend_volume', result='Error',
                               traceback=message, host=inst['host'], details=message)


def dispatch(store, context, events):
    """Deliver ``events`` (dicts: name, server_uuid, optional status and tag): returns the answer's events
    (each with its ``code`` and ``status``) and whether every one was delivered."""
    found = _find(store, set(e['server_uuid'] for e in events))
    answer, accepted, all_ok = [], [], True
    for event in events:
        out = dict(event)
        out.setdefault('status', 'completed')
        inst = found.get(event['server_uuid'])
        if inst is None:
            out.update(status='failed', code=404)
        elif event['name'] in TAG_REQUIRED and event.get('tag') is None:
            out.update(status='failed', code=400)
        elif inst.get('host'):
            out.update(status='completed', code=200)
            if not inst.get('deleted'):   # a deleted server's host no longer has it: nothing happens there
                accepted.append((event, inst))
        else:
            out.update(status='failed', code=422)
        all_ok = all_ok and out['code'] == 200
        answer.append(out)
    for event, inst in accepted:
        _deliver(store, context, event, inst)
    return answer, all_ok


def _deliver(store, context, event, inst):
    name, tag = event['name'], event.get('tag')
    action = {'volume-extended': 'extend_volume', 'power-update': {POWER_ON: 'start', POWER_OFF: 'stop'}.get(tag)}
    if action.get(name):
        with store.begin() as conn:
            instances.action_start(conn, inst['uuid'], action[name], context.request_id,
                                   user_id=context.user_id, project_id=context.project_id)
    if name == 'volume-extended':
        _extend_volume(store, context, inst, tag)
    elif name == 'power-update':
        if action[name]:
            _power_update(store, context, inst, tag)
