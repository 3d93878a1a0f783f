# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's shelve, shelveOffload and unshelve, controller side.

* ``begin_shelve`` is nova/compute/api.py ``shelve`` (lock and state checks, task state ``shelving``,
  ``image_base_image_ref`` in the system metadata, the ``shelve`` instance action, a ``queued`` image
  ``<name>-shelved`` made by compute/snapshot.py ``create_image``). Its host call is the snapshot's
  (``instance_snapshot``) with ``power_off``: the guest is powered off, then its disk copied, as the compute
  manager's ``_shelve_instance``. ``finish_shelve`` is the driver's upload (``shelving_image_pending_upload``
  -> ``shelving_image_uploading``, compute/snapshot.py ``import_snapshot``), then vm_state SHELVED with
  ``shelved_at`` / ``shelved_image_id`` / ``shelved_host`` in the system metadata. With
  ``shelved_offload_time`` 0 (Nova's default) the task state becomes ``shelving_offloading`` and the result
  carries the offload's host call as its next call (``reschedule``: the playbooks and the jobs run it at once,
  as a boot retry).
* ``shelve_offload`` (Nova's ``shelveOffload``, or the offload right after a shelve, or ``offload_due``'s
  periodic one) is the action table's row: the ``instance`` host call with state ``absent`` (domain and
  instance directory removed). ``finish_offload`` releases the server's claim (the scheduler sees the
  capacity again), then SHELVED_OFFLOADED with no host or node.
* ``begin_unshelve`` is Nova's ``unshelve`` (2.77's availability zone, 2.91's host and unpinning): a server
  still SHELVED on its host is powered on there (task ``powering-on``, the ``compute_start_instance`` event);
  an offloaded one is scheduled again (the scheduler's claim, the ``schedule_instances`` event; no valid host
  ends the task state and leaves it offloaded, as Nova's conductor) and spawned on the chosen host from the
  shelve image (task ``spawning``). ``finish_unshelve``: ACTIVE, the shelve image deleted and the shelve keys
  gone from the system metadata; a failed spawn releases the claim and leaves the server offloaded.
* A shelved server's delete also deletes its shelve image (``drop_image``, Nova's API delete).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances, quotas, snapshot,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import after_delete, result_handler
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InstanceInvalidState, InvalidInput, InvalidRequest, NotFound, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow

# nova/compute/utils.py remove_shelved_keys_from_system_metadata
SHELVED_KEYS = ('shelved_at', 'shelved_image_id', 'shelved_host')
# internal: where the shelve image's file lives (the controller's image store), to delete it later
IMAGE_STORE_KEY = 'shelved_image_store'
PENDING = 'pending_shelve'   # the shelve in flight: {id, image_store, limits, offload}
SHELVE_EVENT = 'compute_shelve_instance'
OFFLOAD_EVENT = 'compute_shelve_offload_instance'
UNSHELVE_EVENT = 'compute_unshelve_instance'
START_EVENT = 'compute_start_instance'
SCHEDULE_EVENT = 'schedule_instances'
NAME_MAX = 255
SUFFIX = '-shelved'
# nova/exception.py UnshelveInstanceInvalidState
AZ_NOT_OFFLOADED = ('Specifying an availability zone or a host when unshelving server "%s" with status "%s" is '
                    'not supported. The server status must be SHELVED_OFFLOADED.')
# a shelve's steps on the controller, in order (a repeated report moves only forward)
_UPLOAD_STEPS = (S.SHELVING, S.SHELVING_IMAGE_PENDING_UPLOAD, S.SHELVING_IMAGE_UPLOADING)


def check_offload_time(value):
    """nova.conf's shelved_offload_time: 0 offloads at once, > 0 after that many seconds, < 0 never."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput('shelved_offload_time', 'must be an integer number of seconds, got %r' % (value,))
    return value


def _needs_host(inst, action):
    if not inst['host']:
        raise InstanceInvalidState("Cannot '%s' instance %s: it has no host"
                                   % (action_table.event_name(action), inst['uuid']), field='server')


# ---- shelve -----------------------------------------------------------------------------------------

def image_name(inst):
    """Nova's '<display name>-shelved' (the display name cut so the image name stays within 255)."""
    return '%s%s' % ((inst['display_name'] or '')[:NAME_MAX - len(SUFFIX)], SUFFIX)


def check_shelve(store, ident, context):
    """Every check of a shelve, nothing written (check mode): the server row."""
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, 'shelve', context)
    _needs_host(inst, 'shelve')
    return inst


def begin_shelve(store, ident, context, image_store, image_limits=None, offload_time=0):
    """Check and start a shelve; returns (instance, host call, the new ``queued`` image)."""
    if not image_store or not os.path.isabs(str(image_store)):
        raise InvalidInput('image_store', 'must be an absolute directory path')
    offload_time = check_offload_time(offload_time)
    inst = check_shelve(store, ident, context)
    image = snapshot.create_image(store, inst, context, image_name(inst), 'snapshot')
    pending = {'id': image['id'], 'image_store': str(image_store), 'offload': offload_time == 0,
               'limits': dict((k, v) for k, v in (image_limits or {}).items() if v)}
    try:
        with store.begin() as conn:
            inst = instances.get(store, inst['uuid'], conn=conn)
            action_table.check_action(inst, 'shelve', context)
            system = dict(inst.get('system_metadata') or {}, image_base_image_ref=inst.get('image_ref'),
                          **{PENDING: pending})
            inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None],
                                    task_state=S.SHELVING, system_metadata=system)
            instances.action_start(conn, inst['uuid'], 'shelve', context.request_id, context.user_id,
                                   context.project_id)
            instances.event_start(conn, inst['uuid'], context.request_id, SHELVE_EVENT, host=inst['host'])
            call = snapshot.host_call(conn, inst, 'shelve', context.request_id, image['id'], image_store)
    except BaseException:
        snapshot.discard_image(store, image_store, image['id'])
        raise
    call['snapshot']['power_off'] = True
    return inst, call, image


def _step_upload(store, uuid):
    """shelving -> shelving_image_pending_upload -> shelving_image_uploading (from wherever it is now)."""
    inst = instances.get(store, uuid)
    if inst['task_state'] not in _UPLOAD_STEPS:
        raise Conflict('instance %s is no longer shelving (task_state %s)' % (uuid, inst['task_state']),
                       field='server')
    at = _UPLOAD_STEPS.index(inst['task_state'])
    for expected, nxt in zip(_UPLOAD_STEPS[at:], _UPLOAD_STEPS[at + 1:]):
        instances.update(store, uuid, expected_task_state=expected, task_state=nxt)


def _imported(store, pending, result):
    """The shelve image made active from the fetched file (or active already: a repeated report)."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    try:
        image = images.get(store, pending['id'])
    except NotFound:
        image = None
    if image is not None and image.get('status') == 'active':
        # imported by a run that stopped before it recorded the shelve: the file fetched again is not needed
        incoming = snapshot.incoming_path(pending['image_store'], pending['id'])
        if os.path.exists(incoming):
            os.unlink(incoming)
        return image
    return snapshot.import_snapshot(store, pending['image_store'], pending['id'], result, pending.get('limits'))


def _failure(result, error):
    if error is not None:
        return error
    result = result or {}
    return result if result.get('failed') or result.get('unreachable') else None


def finish_shelve(store, ident, request_id, host_result=None, error=None):
    """Record the host's snapshot of a shelve (see the module docstring); returns the server row.

    With the offload to follow, the row carries ``reschedule``: the offload's host call.
    """
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, include_deleted=True)
    pending = (inst.get('system_metadata') or {}).get(PENDING)
    if not pending:
        inst['changed'] = False   # recorded already, or never started
        return inst
    result = host_result or {}
    failure = _failure(result, error)
    image = None
    if failure is None:
        try:
            _step_upload(store, inst['uuid'])
            image = _imported(store, pending, result)
        except NovaliteError as exc:
            failure = exc
    if failure is not None:
        snapshot.discard_image(store, pending['image_store'], pending['id'])
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        system = dict(inst.get('system_metadata') or {})
        system.pop(PENDING, None)
        values = {'system_metadata': system}
        if result.get('power_state') is not None:
            values['power_state'] = result['power_state']
        if failure is not None:
            # Nova's reverts_task_state: the vm_state stays (the guest may be off: the power state says so)
            message = 'Shelve to image %s failed: %s' % (pending['id'], conductor.fault_message(failure))
            instances.update(store, inst['uuid'], conn=conn, task_state=None, **values)
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], request_id, SHELVE_EVENT, result='Error', traceback=message)
            out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
            out['changed'] = True
            return out
        system.update(shelved_at=utcnow().strftime('%Y-%m-%dT%H:%M:%S.%f'), shelved_image_id=pending['id'],
                      shelved_host=inst['host'], **{IMAGE_STORE_KEY: pending['image_store']})
        inst = instances.update(store, inst['uuid'], conn=conn, vm_state=S.SHELVED,
                                task_state=S.SHELVING_OFFLOADING if pending.get('offload') else None, **values)
        nxt = None
        if pending.get('offload'):
            # Nova's _shelve_instance calls _shelve_offload_instance itself: one compute_shelve_instance event
            nxt = host_calls.build(conn, inst, 'shelve_offload', request_id)
        else:
            instances.event_finish(conn, inst['uuid'], request_id, SHELVE_EVENT, host=inst.get('host'))
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    out['image'] = image
    if nxt is not None:
        out['reschedule'] = nxt
    return out


# ---- offload ----------------------------------------------------------------------------------------

def _request_action(conn_store, uuid, request_id):
    for act in reversed(instances.list_actions(conn_store, uuid)):
        if act['request_id'] == request_id:
            return act['action']
    return None


def finish_offload(store, ident, request_id, host_result=None, error=None):
    """Record the host's offload (domain and files gone): claim released, SHELVED_OFFLOADED, no host."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, include_deleted=True)
    # (task state None: reconcile ended it before recording what the host did)
    if inst['vm_state'] != S.SHELVED or inst['task_state'] not in (S.SHELVING_OFFLOADING, None):
        inst['changed'] = False
        return inst
    event = SHELVE_EVENT if _request_action(store, inst['uuid'], request_id) == 'shelve' else OFFLOAD_EVENT
    failure = _failure(host_result, error)
    with store.begin() as conn:
        if failure is not None:
            message = 'Shelve offload failed: %s' % conductor.fault_message(failure)
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'],
                             task_state=None)
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
        else:
            # the allocation goes before the vm_state changes (Nova: a poller may schedule once it sees it)
            conductor.release_claims(conn, inst['uuid'])
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'],
                             vm_state=S.SHELVED_OFFLOADED, task_state=None, power_state=S.SHUTDOWN,
                             host=None, node=None)
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def offload_due(store, offload_time, now=None):
    """SHELVED servers at rest whose ``offload_time`` seconds have passed (Nova's _poll_shelved_instances)."""
    if offload_time <= 0:
        return []
    horizon = (now or utcnow()) - datetime.timedelta(seconds=offload_time)
    out = []
    for inst in instances.list_instances(store):
        shelved_at = (inst.get('system_metadata') or {}).get('shelved_at')
        if inst['vm_state'] != S.SHELVED or inst['task_state'] is not None or not shelved_at:
            continue
        try:
            when = datetime.datetime.strptime(shelved_at[:19], '%Y-%m-%dT%H:%M:%S')
        except ValueError:
            continue
        if when <= horizon:
            out.append(inst)
    return out


# ---- unshelve ---------------------------------------------------------------------------------------

def check_unshelve_request(request):
    """``{availability_zone, host}`` as given (either may be absent; availability_zone None unpins)."""
    request = dict(request or {})
    unknown = set(request) - set(('availability_zone', 'host'))
    if unknown:
        raise InvalidInput(sorted(unknown)[0], 'is not an unshelve parameter')
    zone = request.get('availability_zone')
    if zone is not None and (not isinstance(zone, str) or not zone.strip()):
        raise InvalidInput('availability_zone', 'must be a zone name or null, got %r' % (zone,))
    host = request.get('host')
    if 'host' in request and (not isinstance(host, str) or not host):
        raise InvalidInput('host', 'must be a compute host name, got %r' % (host,))
    return request


def check_unshelve(store, ident, context, request=None, enforce_quota=False, host_allowed=True):
    """Every check of an unshelve (Nova's order), nothing written: (server row, checked request, the zone the
    server is pinned to afterwards). ``host_allowed``: the caller may name a host (2.91's unshelve_to_host)."""
    request = check_unshelve_request(request)
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, 'unshelve', context)
    if inst['vm_state'] == S.SHELVED_OFFLOADED and enforce_quota:
        with store.begin() as conn:
            quotas.check_unshelve(conn, inst['project_id'], inst['flavor'])
    zone_passed = 'availability_zone' in request
    if (zone_passed or request.get('host')) and inst['vm_state'] != S.SHELVED_OFFLOADED:
        raise InstanceInvalidState(AZ_NOT_OFFLOADED % (inst['uuid'], S.api_status(inst['vm_state'])),
                                   field='server')
    if zone_passed and request['availability_zone']:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
        conductor.check_availability_zone(store, request['availability_zone'])
    system = inst.get('system_metadata') or {}
    zone = request['availability_zone'] if zone_passed else system.get('pinned_availability_zone')
    if request.get('host'):
        if not host_allowed:
            from ansible_collections.novalite.compute.plugins.module_utils.errors import Forbidden
            raise Forbidden("Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.",
                            field='host')
        with store.read() as conn:
            try:
                node = host_calls.node_settings(conn, request['host'])
            except NotFound:
                raise InvalidRequest('Compute host %s could not be found.' % request['host'], field='host')
        if zone is not None and node.get('availability_zone') != zone:
            raise Conflict('Host "%s" is not in the availability zone "%s".' % (request['host'], zone), field='host')
    return inst, request, zone


def begin_unshelve(store, ident, context, request=None, enforce_quota=False, scheduler_config=None,
                   host_allowed=True, live_state=None):
    """Check and start an unshelve; returns (instance, host call or None).

    None: nothing for a host to do (no valid host: the task state is ended, the server stays offloaded).
    """
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    inst, request, zone = check_unshelve(store, ident, context, request, enforce_quota, host_allowed)
    rid = context.request_id
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], conn=conn)
        action_table.check_action(inst, 'unshelve', context)
        system = dict(inst.get('system_metadata') or {}, pinned_availability_zone=zone)
        if request.get('host'):
            system['requested_destination'] = {'host': request['host']}
        else:
            system.pop('requested_destination', None)   # Nova's reset_forced_destinations
        offloaded = inst['vm_state'] == S.SHELVED_OFFLOADED
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None], task_state=S.UNSHELVING,
                                system_metadata=system)
        instances.action_start(conn, inst['uuid'], 'unshelve', rid, context.user_id, context.project_id)
        if not offloaded:
            # Nova's conductor: a server still on its host is only powered on (start_instance)
            inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.UNSHELVING,
                                    task_state=S.POWERING_ON)
            instances.event_start(conn, inst['uuid'], rid, START_EVENT, host=inst['host'])
            return inst, host_calls.build(conn, inst, 'unshelve', rid)
        instances.event_start(conn, inst['uuid'], rid, SCHEDULE_EVENT)
    image_id = system.get('shelved_image_id')
    try:
        image = images.get(store, image_id or '')
        if image.get('status') != 'active':
            raise NotFound('Image', image_id, field='image')
    except NotFound:
        # Nova's conductor: the server errors out with this fault
        message = 'Unshelve attempted but the image %s cannot be found.' % image_id
        with store.begin() as conn:
            instances.update(store, inst['uuid'], conn=conn, vm_state=S.ERROR, task_state=None)
            instances.add_fault(conn, inst['uuid'], message, code=404)
            instances.event_finish(conn, inst['uuid'], rid, SCHEDULE_EVENT, result='Error', traceback=message)
        return instances.get(store, inst['uuid']), None
    # the scheduler looks in the zone the server is pinned to now (none: any), not where it ran before
    spec = conductor.scheduler_request(dict(inst, availability_zone=zone), [inst['uuid']], None)
    try:
        result = manager.select_destinations(store, spec, scheduler_config or {}, claim=True, live=live_state)
    except NovaliteError as exc:
        # Nova's conductor on NoValidHost: the task state ends, the server stays offloaded (no fault)
        with store.begin() as conn:
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.UNSHELVING, task_state=None)
            instances.event_finish(conn, inst['uuid'], rid, SCHEDULE_EVENT, result='Error',
                                   traceback=conductor.fault_message(exc))
        return instances.get(store, inst['uuid']), None
    selection = result['selections'][0]
    with store.begin() as conn:
        node = host_calls.node_settings(conn, selection['host'])
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.UNSHELVING, host=node['host'],
                                node=node['hypervisor_hostname'],
                                availability_zone=zone or node['availability_zone'], task_state=S.SPAWNING)
        instances.event_finish(conn, inst['uuid'], rid, SCHEDULE_EVENT, host=node['host'])
        instances.event_start(conn, inst['uuid'], rid, UNSHELVE_EVENT, host=node['host'])
        return inst, unshelve_call(conn, inst, rid, image)


def unshelve_call(conn, inst, request_id, image):
    """The host call that spawns an offloaded server from its shelve image (``image``: its catalog row)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    return host_calls.build(conn, dict(inst, image=conductor.image_snapshot(image)), 'unshelve', request_id)


def finish_unshelve(store, ident, request_id, host_result=None, error=None):
    """Record the host's unshelve: ACTIVE and the shelve image deleted, or the server left as it was."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, include_deleted=True)
    # (task state None: reconcile ended it before recording what the host did)
    if inst['task_state'] not in (S.UNSHELVING, S.SPAWNING, S.POWERING_ON, None) or inst['vm_state'] not in (
            S.SHELVED, S.SHELVED_OFFLOADED):
        inst['changed'] = False
        return inst
    offloaded = inst['vm_state'] == S.SHELVED_OFFLOADED
    event = UNSHELVE_EVENT if offloaded else START_EVENT
    result = host_result or {}
    failure = _failure(result, error)
    system = dict(inst.get('system_metadata') or {})
    if failure is not None:
        message = 'Unshelve failed: %s' % conductor.fault_message(failure)
        with store.begin() as conn:
            values = {'task_state': None}
            if offloaded:
                # Nova: the claim on the chosen host is released and the server has no host again
                conductor.release_claims(conn, inst['uuid'])
                values.update(host=None, node=None)
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'], **values)
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
            out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        out['changed'] = True
        return out
    # the image first: a crash after it finds the guest running and ends the same way
    drop_image(store, inst)
    for key in SHELVED_KEYS + (IMAGE_STORE_KEY,):
        system.pop(key, None)
    values = {'vm_state': S.ACTIVE, 'task_state': None, 'system_metadata': system}
    if result.get('power_state') is not None:
        values['power_state'] = result['power_state']
    if result.get('domain_xml'):
        values['domain_xml'] = result['domain_xml']
    if offloaded:
        values.update(launched_at=utcnow(), progress=100)
    with store.begin() as conn:
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'], **values)
        instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


@after_delete
def drop_image(store, inst):
    """Delete a shelved server's shelve image (unshelved or deleted); quiet when it is gone already."""
    system = inst.get('system_metadata') or {}
    image_id = system.get('shelved_image_id')
    if image_id and system.get(IMAGE_STORE_KEY):
        snapshot.discard_image(store, system[IMAGE_STORE_KEY], image_id)


# ---- the recorder and the resumed job --------------------------------------------------------------

@result_handler(*action_table.SHELVE_ACTIONS)
def finish(store, ident, action, request_id, host_result=None, error=None):
    """conductor.record_result for shelve, shelve_offload and unshelve."""
    if action == 'shelve':
        inst = instances.get(store, ident, include_deleted=True)
        if inst['task_state'] == S.SHELVING_OFFLOADING and not (inst.get('system_metadata') or {}).get(PENDING):
            # the shelve's image is recorded: what is left of it is the offload (a job that ended there)
            return finish_offload(store, ident, request_id, host_result, error)
        return finish_shelve(store, ident, request_id, host_result, error)
    if action == 'shelve_offload':
        return finish_offload(store, ident, request_id, host_result, error)
    return finish_unshelve(store, ident, request_id, host_result, error)


def resume_call(store, call):
    """The host call a taken-over shelve job runs now: the offload once the snapshot was recorded."""
    if call.get('action') != 'shelve':
        return call
    try:
        inst = instances.get(store, call['server'])
    except NotFound:
        return call
    if inst['task_state'] == S.SHELVING_OFFLOADING and inst['host']:
        with store.read() as conn:
            return host_calls.build(conn, inst, 'shelve_offload', call['request_id'])
    return call
