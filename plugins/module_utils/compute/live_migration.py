# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's live migration (os-migrateLive), controller side: compute/api.py ``live_migrate``, the conductor's
LiveMigrationTask and the compute manager's steps, each recorded as its host call comes back.

* ``begin``: the checks (admin, lock, ACTIVE or PAUSED with no task; a named host must exist and not be the
  source), task ``migrating`` (status MIGRATING), the ``live-migration`` instance action and a migration record
  of type ``live-migration`` in ``accepted``. The destination is the named host when ``force`` (up to 2.67),
  else the scheduler's choice (the named host as its only candidate); ``claims.claim_move`` claims it for the
  instance while the source's allocation passes to the migration: both hosts held. No valid host: the task
  ends, the server stays as it was with a fault and the migration ``error`` (before 2.34 the API answers 400).
* The host calls (``instance_live_migrate``, virt/live_migration.py), two rounds, each recorded by ``finish``
  (the step in flight is kept): ``prepare_destination`` (destination; migration
  ``preparing``; Nova's check_can_live_migrate_destination and pre_live_migration: the disks pre-created there
  unless the instance directory is shared, read from the source's running domain) then ``migrate`` (source;
  ``running``; check_can_live_migrate_source and live_migration: Nova's shared-storage test decides
  ``block_migration: auto`` and refuses a block migration over shared storage or a shared one without it, then
  libvirt moves the guest). Success: the server is the destination's (host, node, its domain, its ports bound
  there), the source's allocation released (``claims.confirm_move``), migration ``completed``, ACTIVE (or PAUSED)
  with no task. A failure at either step: the destination's claim dropped and the source given back to the
  instance (``claims.revert_move``), the server as it was on the source with a fault, migration ``error``
  (``cancelled`` after an abort), and ``rollback_dest`` on the destination (the test file, a half-made domain,
  the directory when ``prepare_destination`` made it).
* ``force_complete`` and ``abort`` (``/servers/{id}/migrations/{mid}``): Nova's checks (the migration of this
  server, ``running`` - or, for an abort from 2.65, ``queued`` / ``preparing``) and a read-like host call on
  the source that pauses the guest or cancels the job while ``live_migration`` runs.

What the steps carry from one to the next (the request's block migration choice, the step in flight, the test
file's name, whether the destination made the directory) is kept in the server's system_metadata under
``live_migration`` until the migration ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances, migration_records as records,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import result_handler
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, InvalidRequest, NotFound, NoValidHost, NovaliteError,
)

ACTION = 'live_migrate'
EVENT = 'live-migration'
FORCE_EVENT = 'live_migration_force_complete'
ABORT_EVENT = 'live_migration_cancel'
CONDUCTOR_EVENT = 'conductor_live_migrate_instance'
CHECK_DEST_EVENT = 'compute_check_can_live_migrate_destination'
CHECK_SOURCE_EVENT = 'compute_check_can_live_migrate_source'
PRE_EVENT = 'compute_pre_live_migration'
MIGRATE_EVENT = 'compute_live_migration'
ROLLBACK_EVENT = 'compute_rollback_live_migration_at_destination'
KEY = 'live_migration'   # the server's system_metadata key while a live migration runs
ENDED = ('completed', 'error', 'cancelled', 'failed')
# nova/exception.py's messages (the shared-storage refusals are the source's: virt/live_migration.py)
SELF = 'Unable to migrate instance (%s) to current host (%s).'
BAD_STATE = ('Migration %s state of instance %s is %s. Cannot %s while the migration is in this state.')
NOT_FOUND = 'Migration %s not found for instance %s'


def check(store, ident, context, host=None):
    """Every check of os-migrateLive before anything is written: the server row."""
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, ACTION, context)
    if not inst['host']:
        raise InstanceInvalidState("Cannot 'live-migration' instance %s: it has no host" % inst['uuid'],
                                   field='server')
    if host is not None:
        with store.read() as conn:
            try:
                host_calls.node_settings(conn, host)
            except NotFound:
                raise InvalidRequest('Compute host %s could not be found.' % host, field='host')
    return inst


def peer(other, here):
    """How the host ``here`` reaches the host ``other`` (compute_nodes rows) for a step run on ``here``: its
    libvirt_uri and host_ip, and ``ssh`` when both are reached by SSH (compute/resize.py ``transfer_for``, the
    choice a resize's disk copy makes): then ``here`` logs in to ``other``'s host_ip with its migration key
    (virt/live_migration.py ``peer_uris``)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute.resize import transfer_for
    return {'libvirt_uri': other.get('libvirt_uri') or 'qemu:///system', 'host_ip': other.get('host_ip'),
            'ssh': transfer_for(here, other) == 'ssh'}


def _call(conn, inst, host, step, request_id, **extra):
    """The ``instance_live_migrate`` call of ``step``, run on ``host``."""
    call = host_calls.build(conn, dict(inst, host=host), ACTION, request_id)
    call['module'] = 'instance_live_migrate'
    call.pop('state', None)
    call['live_migration'] = dict(extra, step=step)
    plan = _network_plan(conn, inst, host, step)
    if plan is not None:
        call['host_network'] = plan
    return call


def _network_plan(conn, inst, host, step):
    """The host's network around a step of a server with ports (in the step's write transaction): the
    destination plugs them before the guest arrives (Nova's pre_live_migration: bridges, the port's DHCP
    reservation and filters; the host's DHCP ports made now), the source takes them away once the guest left
    (post_live_migration's unplug), a rollback takes them off the destination again."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, instance_ports
    if not host_calls.has_vifs(inst):
        return None
    if step == 'prepare_destination':
        instance_ports.prepare_host(conn, inst['uuid'], host)
        return host_calls.network_plan(conn, inst, host, arriving=True)
    if step == 'rollback_dest':
        host_plan.unbind(conn, host)
    if step in ('migrate', 'rollback_dest'):
        return host_calls.network_plan(conn, inst, host, leaving=True)
    return None


def _keep(conn, store, inst, **values):
    meta = dict(inst.get('system_metadata') or {})
    kept = dict(meta.get(KEY) or {})
    kept.update(values)
    meta[KEY] = kept
    return instances.update(store, inst['uuid'], conn=conn, system_metadata=meta)


def _dropped(inst):
    meta = dict(inst.get('system_metadata') or {})
    meta.pop(KEY, None)
    return meta


def _claim(store, inst, migration_uuid, host, force, scheduler_config):
    """The destination node claimed for the instance (the source passing to the migration)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, claims, manager
    flavor = inst['flavor']
    amounts = (int(flavor['vcpus']), int(flavor['memory_mb']), capacity.flavor_disk_gb(flavor))
    if host and force:
        candidates = [host]   # Nova before 2.68: a forced host skips the scheduler (its claim still counts)
    else:
        spec = conductor.scheduler_request(inst, [migration_uuid], [inst['host']])
        spec['requested_destination'] = {'host': host} if host else None
        result = manager.select_destinations(store, spec, scheduler_config or {}, claim=False)
        selection = result['selections'][0]
        candidates = [selection['host']] + [a['host'] for a in selection.get('alternates') or []]
    lost = []
    for candidate in candidates:
        try:
            claims.claim_move(store, inst['uuid'], migration_uuid, candidate, *amounts)
        except claims.ClaimFailed as exc:
            lost.append('%s (%s)' % (candidate, exc.message))
            continue
        with store.read() as conn:
            return host_calls.node_settings(conn, candidate)
    raise NoValidHost('every host chosen lost its claim: %s' % '; '.join(lost))


def begin(store, ident, context, block_migration=None, host=None, force=None, scheduler_config=None,
          raise_no_host=False):
    """Check and start a live migration; returns (server row, host call or None).

    ``block_migration``: True, False or None (auto); ``force``: a named host skips the scheduler.
    None for the call: no valid host, recorded (``raise_no_host``: raised after recording, the API's 400
    before 2.34).
    """
    if block_migration not in (True, False, None):
        raise InvalidInput('block_migration', 'must be true, false or auto')
    inst = check(store, ident, context, host)
    rid = context.request_id
    if host is not None and host == inst['host']:
        raise InvalidRequest(SELF % (inst['uuid'], host), field='host')
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], conn=conn)
        action_table.check_action(inst, ACTION, context)
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None], task_state=S.MIGRATING)
        instances.action_start(conn, inst['uuid'], EVENT, rid, context.user_id, context.project_id)
        instances.event_start(conn, inst['uuid'], rid, CONDUCTOR_EVENT)
        migration = records.create(conn, inst, 'live-migration', {'host': None, 'hypervisor_hostname': None},
                                   inst['flavor'], inst['flavor'], context, status='accepted')
    try:
        node = _claim(store, inst, migration['uuid'], host, force, scheduler_config)
    except NovaliteError as exc:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
        with store.begin() as conn:
            out = _ended(conn, store, inst, migration, rid, [CONDUCTOR_EVENT],
                         'No valid host was found. %s' % conductor.fault_message(exc), getattr(exc, 'code', 400))
        if raise_no_host:
            raise
        return out, None
    with store.begin() as conn:
        migration = records.set_status(conn, migration['uuid'], 'preparing', dest_compute=node['host'],
                                       dest_node=node['hypervisor_hostname'],
                                       dest_host=node.get('host_ip') or node['host'])
        inst = _keep(conn, store, inst, block_migration=block_migration, migration=migration['uuid'],
                     step='prepare_destination')
        for event in (CHECK_DEST_EVENT, PRE_EVENT):
            instances.event_start(conn, inst['uuid'], rid, event, host=node['host'])
        source = host_calls.node_settings(conn, inst['host'])
        return inst, _call(conn, inst, node['host'], 'prepare_destination', rid, block_migration=block_migration,
                           source=peer(source, node))


def _ended(conn, store, inst, migration, request_id, events, message, code=500, status='error'):
    """The migration over without moving: the server as it was on its source, a fault, the events' error."""
    records.set_status(conn, migration['uuid'], status)
    current = instances.get(store, inst['uuid'], conn=conn)
    instances.update(store, inst['uuid'], conn=conn, task_state=None, system_metadata=_dropped(current))
    if status != 'cancelled':
        instances.add_fault(conn, inst['uuid'], message, code=code, host=inst.get('host'))
    for event in events:
        instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
    out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    out['migration'] = records.get(conn, migration['uuid'])
    return out


def _failure(result, error):
    if error is not None:
        return error
    result = result or {}
    return result if result.get('failed') or result.get('unreachable') else None


@result_handler(*action_table.LIVE_MIGRATION_ACTIONS)
def finish(store, ident, action, request_id, host_result=None, error=None):
    """conductor.record_result for a live migration's steps (the one in flight is kept in system_metadata)."""
    del action   # every step is the live migration's
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, include_deleted=True)
    with store.read() as conn:
        migration = records.latest(conn, inst['uuid'], types=['live-migration'])
    if migration is None:
        inst['changed'] = False
        return inst
    failure = _failure(host_result, error)
    message = conductor.fault_message(failure) if failure is not None else None
    result = host_result or {}
    status = migration['status']
    if inst['task_state'] != S.MIGRATING or migration.get('request_id') != request_id:
        # not a step of the migration in flight: the destination's clean-up of an ended one, maybe of an earlier
        # request that comes back while the next one runs (recorded on its own action, the new one untouched)
        if status in ENDED or migration.get('request_id') != request_id:
            return _rolled_back(store, inst, request_id, message)
        inst['changed'] = False
        return inst
    kept = (inst.get('system_metadata') or {}).get(KEY) or {}
    if kept.get('step') == 'prepare_destination':
        if status == 'cancelled':   # aborted while the destination prepared (2.65): it ends here
            return _prepared(store, inst, migration, request_id, result,
                             message or 'Live migration %s was cancelled' % migration['uuid'], status='cancelled')
        return _prepared(store, inst, migration, request_id, result, message)
    return _migrated(store, inst, migration, request_id, result, message, kept)


def _fail(store, inst, migration, request_id, events, message, rollback=None, status='error'):
    """A step failed: the destination's claim dropped, the server as it was; ``rollback``: the destination's
    clean-up call's extra (None: nothing to clean there)."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    claims.revert_move(store, inst['uuid'], migration['uuid'])
    with store.begin() as conn:
        out = _ended(conn, store, inst, migration, request_id, events, message, status=status)
        if rollback is not None:
            instances.event_start(conn, inst['uuid'], request_id, ROLLBACK_EVENT, host=migration['dest_compute'])
            out['reschedule'] = _call(conn, out, migration['dest_compute'], 'rollback_dest', request_id, **rollback)
    return out


def _prepared(store, inst, migration, request_id, result, message, status='error'):
    """The destination's step came back: on to the source's, or the migration over (``status``: cancelled when
    aborted meanwhile)."""
    if message is not None:
        # the step removed what it made, but for what it could not tell (an unreachable host, a cancel):
        # Nova's rollback_live_migration_at_destination, the directory kept unless this step made it
        made = bool(result.get('created')) and not result.get('failed')
        return _fail(store, inst, migration, request_id, [CHECK_DEST_EVENT, PRE_EVENT, CONDUCTOR_EVENT], message,
                     rollback={'shared': not made, 'shared_file': result.get('shared_file')}, status=status)
    with store.begin() as conn:
        records.set_status(conn, migration['uuid'], 'running')
        for event in (CHECK_DEST_EVENT, PRE_EVENT):
            instances.event_finish(conn, inst['uuid'], request_id, event, host=migration['dest_compute'])
        instances.event_finish(conn, inst['uuid'], request_id, CONDUCTOR_EVENT)
        for event in (CHECK_SOURCE_EVENT, MIGRATE_EVENT):
            instances.event_start(conn, inst['uuid'], request_id, event, host=inst['host'])
        kept = {'step': 'migrate', 'created': bool(result.get('created')), 'shared_file': result.get('shared_file')}
        fresh = _keep(conn, store, inst, **kept)
        dest = host_calls.node_settings(conn, migration['dest_compute'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        out.update(changed=True, reschedule=_call(
            conn, fresh, inst['host'], 'migrate', request_id, shared_file=result.get('shared_file'),
            block_migration=(fresh['system_metadata'][KEY] or {}).get('block_migration'), migration=migration['uuid'],
            dest=dict(peer(dest, host_calls.node_settings(conn, inst['host'])),
                      instances_path=dest.get('instances_path') or '/var/lib/novalite/instances',
                      vnc_listen=result.get('vnc_listen'), serial_port=result.get('serial_port'))))
    return out


def _migrated(store, inst, migration, request_id, result, message, kept):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    if message is not None:
        # the guest still runs on the source (libvirt leaves it there, or it never started): the destination
        # is cleaned and freed
        with store.read() as conn:
            aborted = (records.get(conn, migration['uuid']).get('status') == 'cancelled'
                       or ' aborted: ' in message or 'canceled by client' in message)
        return _fail(store, inst, migration, request_id, [CHECK_SOURCE_EVENT, MIGRATE_EVENT], message,
                     rollback={'shared': not kept.get('created'), 'shared_file': kept.get('shared_file')},
                     status='cancelled' if aborted else 'error')
    claims.confirm_move(store, migration['uuid'])   # Nova's post_live_migration: the source's allocation goes
    with store.begin() as conn:
        records.set_status(conn, migration['uuid'], 'completed')
        consoles.delete_for_instance(conn, inst['uuid'])   # its consoles were on the source
        values = {'task_state': None, 'host': migration['dest_compute'], 'node': migration['dest_node'],
                  'system_metadata': _dropped(inst)}
        if result.get('power_state') is not None:
            values['power_state'] = result['power_state']
            values['vm_state'] = S.PAUSED if result['power_state'] == S.PAUSED_POWER else S.ACTIVE
        if result.get('domain_xml'):
            values['domain_xml'] = result['domain_xml']
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.MIGRATING, **values)
        instance_ports.bind_host(conn, inst['uuid'], migration['dest_compute'])
        for event in (CHECK_SOURCE_EVENT, MIGRATE_EVENT):
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst['host'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def _rolled_back(store, inst, request_id, message):
    with store.begin() as conn:
        instances.event_finish(conn, inst['uuid'], request_id, ROLLBACK_EVENT,
                               result='Error' if message else 'Success', traceback=message)
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = False
    return out


# ---- force_complete and abort (/servers/{id}/migrations/{mid}) ---------------------------------------

def _migration_of(conn, inst, migration_id):
    try:
        migration = records.get(conn, migration_id)
    except NotFound:
        migration = None
    if migration is None or migration['instance_uuid'] != inst['uuid']:
        err = NotFound('Migration', migration_id, field='migration')
        err.message = NOT_FOUND % (migration_id, inst['uuid'])
        raise err
    return migration


def control(store, ident, migration_id, what, context, abort_in_queue=False):
    """force_complete / abort: Nova's checks, the instance action; returns (server row, host call or None).

    NotFound (the migration is not this server's: force_complete's 400, abort's 404), InvalidRequest for a
    migration in another status (400), InstanceInvalidState / InstanceLocked (409). No host call for an abort of a
    migration not yet running (it ends before the source starts it).
    """
    if what not in ('force_complete', 'abort'):
        raise InvalidInput('what', 'must be force_complete or abort')
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_lock(inst, context)
    method = 'force complete' if what == 'force_complete' else 'abort live migration'
    if inst['task_state'] != S.MIGRATING or (what == 'force_complete' and inst['vm_state'] != S.ACTIVE):
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s task_state %s"
                                   % (what, inst['uuid'], inst['vm_state'], inst['task_state']), field='server')
    rid = context.request_id
    with store.begin() as conn:
        migration = _migration_of(conn, inst, migration_id)
        allowed = ['running'] + (['queued', 'preparing'] if what == 'abort' and abort_in_queue else [])
        if migration['status'] not in allowed:
            raise InvalidRequest(BAD_STATE % (migration_id, inst['uuid'], migration['status'], method),
                                 field='migration')
        event = FORCE_EVENT if what == 'force_complete' else ABORT_EVENT
        instances.action_start(conn, inst['uuid'], event, rid, context.user_id, context.project_id)
        if migration['status'] != 'running':
            # not started on the source yet: it ends here; the step in flight finds it cancelled
            records.set_status(conn, migration['uuid'], 'cancelled')
            instances.event_start(conn, inst['uuid'], rid, 'compute_' + event, host=inst['host'])
            instances.event_finish(conn, inst['uuid'], rid, 'compute_' + event, host=inst['host'])
            return inst, None
        instances.event_start(conn, inst['uuid'], rid, 'compute_' + event, host=inst['host'])
        return inst, _call(conn, inst, inst['host'], what, rid)


def controlled(store, ident, what, request_id, result):
    """The force_complete / abort host call's outcome on its instance action."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    event = 'compute_' + (FORCE_EVENT if what == 'force_complete' else ABORT_EVENT)
    failure = _failure(result, None)
    message = conductor.fault_message(failure) if failure is not None else None
    with store.begin() as conn:
        # an aborted job fails the source's live_migration step, which records the migration cancelled
        instances.event_finish(conn, ident, request_id, event, result='Error' if message else 'Success',
                               traceback=message)
    return message
