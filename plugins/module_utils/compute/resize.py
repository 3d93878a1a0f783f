# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's resize, cold migrate, confirmResize and revertResize, controller side.

* ``begin_move`` is nova/compute/api.py ``resize`` (with a flavor: a resize; without: a cold migration,
  admin, optionally to a named host as 2.56) and the conductor's ``_cold_migrate``: the checks (lock, state,
  the flavor: a different one, never a smaller root disk), task ``resize_prep``, the ``resize`` / ``migrate``
  instance action and a migration record (compute/migration_records.py). The scheduler chooses the
  destination (the source host left out unless ``allow_resize_to_same_host``; a cold migration never stays),
  and ``claims.claim_move`` claims it for the instance while the source's allocation passes to the migration
  (both hosts held). No valid host: the task state ends, the server stays as it was (ACTIVE or SHUTOFF) with
  a fault and the migration ``error``, as Nova's conductor.
* Then two host calls (``instance_move``, virt/move.py): ``migrate_out`` on the source (task
  ``resize_migrating``, migration ``migrating``), recorded by ``finish``: the server's host and flavor become
  the destination's and the new one (``resize_migrated`` -> ``resize_finish``, migration ``post-migrating``)
  and the result carries the next call, ``finish_in`` on the destination (run at once, as a boot retry);
  recorded: vm_state RESIZED (VERIFY_RESIZE), migration ``finished``.
* ``begin_confirm`` (confirmResize): task ``resize_confirming``, migration ``confirming``; the ``confirm`` call
  on the source; recorded: the source's allocation released (``claims.confirm_move``), migration
  ``confirmed``, ACTIVE (SHUTOFF when the guest was off).
* ``begin_revert`` (revertResize): task ``resize_reverting`` (REVERT_RESIZE), migration ``reverting``;
  ``revert_dest`` on the destination, recorded: the destination freed and the source given back to the
  instance (``claims.revert_move``), host and old flavor back, migration ``reverted``; then ``revert_source``
  on the source, recorded: ACTIVE (or SHUTOFF) on the source as before.
* ``confirm_due``: the servers in VERIFY_RESIZE longer than ``resize_confirm_window`` (Nova's
  ``_poll_unconfirmed_resizes``), for a periodic to confirm.

Live migration and evacuation reuse the migration records and ``claim_move`` with their own
``migration_type`` and steps (not here yet).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances, migration_records as records, quotas,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import result_handler
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, InvalidRequest, NotFound, NoValidHost, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow

CONDUCTOR_EVENT = 'cold_migrate'
PREP_EVENT = 'compute_prep_resize'
RESIZE_EVENT = 'compute_resize_instance'
FINISH_EVENT = 'compute_finish_resize'
CONFIRM_EVENT = 'compute_confirm_resize'
REVERT_EVENT = 'compute_revert_resize'
FINISH_REVERT_EVENT = 'compute_finish_revert_resize'
# nova/exception.py's messages (the API's 400s)
SAME_FLAVOR = 'When resizing, instances must change flavor!'
ZERO_DISK = 'Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.'
DISK_DOWN = 'Server disk was unable to be resized because: Unable to resize disk down.'
SAME_HOST = 'Cannot migrate to the host where the instance is running'
NOT_RESIZED = 'Instance has not been resized.'


def _flavor(store, ref, context):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    try:
        row = flavors.get(store, ref)
    except NotFound:
        raise InvalidRequest('Flavor %s could not be found.' % ref, field='flavorRef')
    if row.get('disabled') or (not row.get('is_public', True) and not context.is_admin
                               and context.project_id not in (row.get('projects') or [])):
        raise InvalidRequest('Flavor %s could not be found.' % ref, field='flavorRef')
    return conductor.flavor_snapshot(row)


def check(store, ident, action, context, flavor=None, host=None):
    """Every check of a resize (``flavor``) or migrate (``host`` from 2.56), nothing written.

    Returns (server row, the new flavor snapshot: the server's own for a migration).
    """
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, action, context)
    if not inst['host']:
        raise InstanceInvalidState("Cannot '%s' instance %s: it has no host" % (action, inst['uuid']), field='server')
    current = inst['flavor'] or {}
    if action == 'migrate':
        if host is not None:
            if host == inst['host']:
                raise InvalidRequest(SAME_HOST, field='host')
            with store.read() as conn:
                try:
                    host_calls.node_settings(conn, host)
                except NotFound:
                    raise InvalidRequest('Compute host %s could not be found.' % host, field='host')
        return inst, current
    if flavor in (None, ''):
        raise InvalidInput('flavor', 'a resize needs the new flavor')
    new = _flavor(store, flavor, context)
    if new['flavorid'] == current.get('flavorid'):
        raise InvalidRequest(SAME_FLAVOR, field='flavorRef')
    old_root = int(current.get('root_gb') or 0)
    if not new['root_gb'] and old_root:
        raise InvalidRequest(ZERO_DISK, field='flavorRef')
    if new['root_gb'] and new['root_gb'] < old_root:
        raise InvalidRequest(DISK_DOWN, field='flavorRef')
    image = inst.get('image') or {}
    if image:
        conductor.validate_flavor_image(new, dict(image, name=image.get('name'), id=image.get('id')))
    return inst, new


def _spec(inst, new_flavor, migration_uuid, exclude, host):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    spec = conductor.scheduler_request(dict(inst, flavor=new_flavor), [migration_uuid], exclude)
    spec['requested_destination'] = {'host': host} if host else None
    return spec


def choose_and_claim(store, inst, new_flavor, migration_uuid, exclude, host, scheduler_config, live_state):
    """The scheduler's choice for the move, claimed with claim_move (alternates tried): (node row, explanation)."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, claims, manager
    result = manager.select_destinations(store, _spec(inst, new_flavor, migration_uuid, exclude, host),
                                         scheduler_config or {}, claim=False)
    selection = result['selections'][0]
    lost = []
    for candidate in [selection['host']] + [a['host'] for a in selection.get('alternates') or []]:
        try:
            claims.claim_move(store, inst['uuid'], migration_uuid, candidate, int(new_flavor['vcpus']),
                              int(new_flavor['memory_mb']), capacity.flavor_disk_gb(new_flavor))
        except claims.ClaimFailed as exc:
            lost.append('%s (%s)' % (candidate, exc.message))
            continue
        with store.read() as conn:
            return host_calls.node_settings(conn, candidate), result.get('explanation')
    raise NoValidHost('every host chosen lost its claim: %s' % '; '.join(lost))


def transfer_for(source, dest):
    """How migrate_out's copy reaches the destination (virt/move.py ``transfer``), from the two compute_nodes rows;
    also how a live migration's hosts reach each other's libvirt (compute/live_migration.py ``peer``).

    ``ssh`` between two hosts whose modules run on the host itself (their libvirt the host's own qemu:///system:
    reached by SSH, as a real deployment's) at different addresses: the source rsyncs to the destination's
    ``host_ip``. ``local`` for a move within one host, for the libvirt-URI shape (another URI: every module runs on
    the controller machine, the instance directories on its filesystem), and for hosts that report one address
    (one machine's libvirt under several host names).
    """
    from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import DEFAULT_URI
    if source['host'] == dest['host']:
        return 'local'
    own = [(node.get('libvirt_uri') or DEFAULT_URI) == DEFAULT_URI for node in (source, dest)]
    return 'ssh' if all(own) and source.get('host_ip') != dest.get('host_ip') else 'local'


def move_call(conn, inst, action, step, migration, request_id, power_on=False):
    """The ``instance_move`` host call of ``step`` for ``inst`` (whose ``host`` is where the step runs)."""
    call = host_calls.build(conn, inst, action, request_id)
    call['module'] = 'instance_move'
    call.pop('state', None)
    move = {'step': step, 'power_on': bool(power_on), 'migration': migration['uuid'],
            'same_host': migration['source_compute'] == migration['dest_compute']}
    if step == 'migrate_out':
        dest = host_calls.node_settings(conn, migration['dest_compute'])
        source = host_calls.node_settings(conn, migration['source_compute'])
        move['dest'] = {'host': dest['host'], 'host_ip': dest.get('host_ip'), 'transfer': transfer_for(source, dest),
                        'instances_path': dest.get('instances_path') or '/var/lib/novalite/instances'}
    call['move'] = move
    # the host's network around the step (Nova's plug_vifs before a guest starts there): the ports are bound
    # where the step starts the guest (finish_in, revert_source); a host the move leaves no longer has them
    plan = host_calls.network_plan(conn, inst, call['host'], leaving=step == 'revert_dest')
    if plan is not None:
        call['host_network'] = plan
    return call


def begin_move(store, ident, action, context, flavor=None, host=None, scheduler_config=None,
               allow_same_host=False, live_state=None):
    """Check and start a resize or cold migration; returns (server row, host call or None).

    None: no valid host (recorded as Nova's conductor does; the API answered 202 already).
    """
    if action not in ('resize', 'migrate'):
        raise InvalidInput('action', 'must be resize or migrate')
    inst, new_flavor = check(store, ident, action, context, flavor, host)
    rid = context.request_id
    event = action_table.event_name(action)
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], conn=conn)
        action_table.check_action(inst, action, context)
        if action == 'resize':
            # Nova's _check_quota_for_upsize: the growth in cores and RAM must fit the project's quota (403)
            old = inst['flavor'] or {}
            quotas.check_unshelve(conn, inst['project_id'], {
                'vcpus': max(int(new_flavor['vcpus']) - int(old.get('vcpus') or 0), 0),
                'memory_mb': max(int(new_flavor['memory_mb']) - int(old.get('memory_mb') or 0), 0)})
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None], task_state=S.RESIZE_PREP)
        instances.action_start(conn, inst['uuid'], event, rid, context.user_id, context.project_id)
        instances.event_start(conn, inst['uuid'], rid, CONDUCTOR_EVENT)
    migration_uuid = str(uuidlib.uuid4())
    # Nova: a cold migration never stays on its host (libvirt cannot); a resize may when the operator allows it
    exclude = [] if (action == 'resize' and allow_same_host) else [inst['host']]
    try:
        node, _explanation = choose_and_claim(store, inst, new_flavor, migration_uuid, exclude, host,
                                              scheduler_config, live_state)
    except NovaliteError as exc:
        return _no_host(store, inst, action, new_flavor, rid, context, exc), None
    mtype = 'resize' if action == 'resize' else 'migration'
    with store.begin() as conn:
        migration = records.create(conn, inst, mtype, node, inst['flavor'], new_flavor, context, status='migrating')
        _rekey(conn, migration_uuid, migration['uuid'])
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.RESIZE_PREP,
                                task_state=S.RESIZE_MIGRATING)
        instances.event_finish(conn, inst['uuid'], rid, CONDUCTOR_EVENT)
        instances.event_start(conn, inst['uuid'], rid, PREP_EVENT, host=node['host'])
        instances.event_finish(conn, inst['uuid'], rid, PREP_EVENT, host=node['host'])
        instances.event_start(conn, inst['uuid'], rid, RESIZE_EVENT, host=inst['host'])
        return inst, move_call(conn, inst, action, 'migrate_out', migration, rid)


def _rekey(conn, old, new):
    """The migration's allocation was claimed before its row existed: it takes the row's uuid."""
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    allocs = table('allocations')
    conn.execute(allocs.update().where(allocs.c.consumer_uuid == old).values(consumer_uuid=new))


def _no_host(store, inst, action, new_flavor, rid, context, exc):
    """Nova's conductor on NoValidHost for a cold move: the server as it was, a fault, the migration ``error``."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    what = 'cold migrate' if action == 'migrate' else 'resize'
    reason = conductor.fault_message(exc)
    message = 'No valid host was found. No valid host found for %s' % what
    with store.begin() as conn:
        migration = records.create(conn, inst, 'resize' if action == 'resize' else 'migration',
                                   {'host': None, 'hypervisor_hostname': None}, inst['flavor'], new_flavor, context,
                                   status='error')
        out = no_host_recorded(store, conn, inst, S.RESIZE_PREP, rid, CONDUCTOR_EVENT, message, reason, exc)
    out['migration'] = migration
    return out


def no_host_recorded(store, conn, inst, task_state, rid, event, message, reason, exc):
    """A move the scheduler found no host for: the task state ends, a fault, the conductor's event in error;
    the server row."""
    instances.update(store, inst['uuid'], conn=conn, expected_task_state=task_state, task_state=None)
    instances.add_fault(conn, inst['uuid'], message, code=getattr(exc, 'code', 500) or 500, details=reason,
                        host=inst.get('host'))
    instances.event_finish(conn, inst['uuid'], rid, event, result='Error', traceback=reason)
    return instances.get(store, inst['uuid'], conn=conn)


def _finished_migration(conn, inst, status):
    migration = records.latest(conn, inst['uuid'], statuses=[status])
    if migration is None:
        raise InvalidRequest(NOT_RESIZED, field='server')
    return migration


def _power_on(migration):
    return migration.get('old_vm_state') != S.STOPPED


def check_end(store, ident, action, context):
    """Every check of a confirmResize / revertResize: (server row, its finished migration)."""
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, action, context)
    with store.read() as conn:
        return inst, _finished_migration(conn, inst, 'finished')


def begin_end(store, ident, action, context):
    """Check and start confirmResize (``confirm_resize``) or revertResize (``revert_resize``): (row, host call)."""
    check_end(store, ident, action, context)
    rid = context.request_id
    confirming = action == 'confirm_resize'
    with store.begin() as conn:
        inst = instances.get(store, ident, project_id=context.scope, conn=conn)
        action_table.check_action(inst, action, context)
        migration = _finished_migration(conn, inst, 'finished')
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None],
                                task_state=S.RESIZE_CONFIRMING if confirming else S.RESIZE_REVERTING)
        migration = records.set_status(conn, migration['uuid'], 'confirming' if confirming else 'reverting')
        instances.action_start(conn, inst['uuid'], action_table.event_name(action), rid, context.user_id,
                               context.project_id)
        if confirming:
            instances.event_start(conn, inst['uuid'], rid, CONFIRM_EVENT, host=migration['source_compute'])
            at_source = dict(inst, host=migration['source_compute'])
            return inst, move_call(conn, at_source, action, 'confirm', migration, rid)
        instances.event_start(conn, inst['uuid'], rid, REVERT_EVENT, host=inst['host'])
        return inst, move_call(conn, inst, action, 'revert_dest', migration, rid)


# ---- recording what the hosts did ------------------------------------------------------------------

def _failure(result, error):
    if error is not None:
        return error
    result = result or {}
    return result if result.get('failed') or result.get('unreachable') else None


def _values_from(result):
    values = {}
    if (result or {}).get('power_state') is not None:
        values['power_state'] = result['power_state']
    if (result or {}).get('domain_xml'):
        values['domain_xml'] = result['domain_xml']
    return values


@result_handler(*action_table.MOVE_ACTIONS)
def finish(store, ident, action, request_id, host_result=None, error=None):
    """conductor.record_result for the move actions: the step the server is in decides what was done."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    inst = instances.get(store, ident, include_deleted=True)
    with store.read() as conn:
        migration = records.latest(conn, inst['uuid'])   # the newest: the one the task state is about
    task = inst['task_state']
    if migration is None or task not in (S.RESIZE_MIGRATING, S.RESIZE_FINISH, S.RESIZE_CONFIRMING,
                                         S.RESIZE_REVERTING, S.RESIZE_MIGRATED):
        inst['changed'] = False
        return inst
    failure = _failure(host_result, error)
    message = conductor.fault_message(failure) if failure is not None else None
    if task == S.RESIZE_MIGRATING:
        return _migrated(store, inst, action, migration, request_id, host_result, message)
    if task in (S.RESIZE_MIGRATED, S.RESIZE_FINISH):
        return _finished(store, inst, migration, request_id, host_result, message)
    if task == S.RESIZE_CONFIRMING:
        return _confirmed(store, inst, migration, request_id, host_result, message)
    if migration['status'] == 'reverting':
        return _reverted_dest(store, inst, action, migration, request_id, host_result, message)
    return _reverted_source(store, inst, migration, request_id, host_result, message)


def _error_out(conn, store, inst, migration, request_id, event, message, vm_state=S.ERROR, **values):
    instances.update(store, inst['uuid'], conn=conn, task_state=None, vm_state=vm_state, **values)
    records.set_status(conn, migration['uuid'], 'error')
    instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
    instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
    out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def _migrated(store, inst, action, migration, request_id, result, message):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    if message is not None:
        # the source put the guest back (virt/move.py): the server stays there as it was, the destination freed
        claims.revert_move(store, inst['uuid'], migration['uuid'])
        with store.begin() as conn:
            return _error_out(conn, store, inst, migration, request_id, RESIZE_EVENT, message,
                              vm_state=migration['old_vm_state'] or S.ACTIVE)
    with store.begin() as conn:
        records.set_status(conn, migration['uuid'], 'post-migrating')
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.RESIZE_MIGRATING,
                         task_state=S.RESIZE_MIGRATED, **_values_from(result))
        instances.event_finish(conn, inst['uuid'], request_id, RESIZE_EVENT, host=inst['host'])
        # Nova's finish_resize: the server is the destination's now, with the new flavor
        return _hand_over(store, conn, inst, migration, action, request_id, 'dest', S.RESIZE_MIGRATED,
                          task_state=S.RESIZE_FINISH, flavor=migration['new_flavor'])


def _hand_over(store, conn, inst, migration, action, request_id, end, expected, **values):
    """The server becomes the ``end`` (dest / source) host's, its ports bound there, and the result carries the
    step that host runs next (finish_in / revert_source) as its ``reschedule``."""
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    host = migration[end + '_compute']
    step, event = ('finish_in', FINISH_EVENT) if end == 'dest' else ('revert_source', FINISH_REVERT_EVENT)
    if values.get('flavor'):
        values['instance_type_id'] = values['flavor'].get('flavorid')   # the flavor id the API shows (before 2.47)
    fresh = instances.update(store, inst['uuid'], conn=conn, expected_task_state=expected, host=host,
                             node=migration[end + '_node'], **values)
    instance_ports.bind_host(conn, inst['uuid'], host)
    instances.event_start(conn, inst['uuid'], request_id, event, host=host)
    nxt = move_call(conn, fresh, action, step, migration, request_id, power_on=_power_on(migration))
    out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out.update(changed=True, reschedule=nxt)
    return out


def _finished(store, inst, migration, request_id, result, message):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
    with store.begin() as conn:
        if message is not None:
            # Nova: a failed finish_resize errors the server out (both hosts stay held until it is dealt with)
            return _error_out(conn, store, inst, migration, request_id, FINISH_EVENT, message)
        records.set_status(conn, migration['uuid'], 'finished')
        consoles.delete_for_instance(conn, inst['uuid'])   # its consoles were on the source
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'], task_state=None,
                         vm_state=S.RESIZED, **_values_from(result))
        instances.event_finish(conn, inst['uuid'], request_id, FINISH_EVENT, host=inst['host'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def _at_rest(migration, result):
    power = (result or {}).get('power_state')
    if power is not None:
        return S.ACTIVE if power == S.RUNNING else S.STOPPED
    return S.STOPPED if migration.get('old_vm_state') == S.STOPPED else S.ACTIVE


def _confirmed(store, inst, migration, request_id, result, message):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    with store.begin() as conn:
        if message is not None:
            return _error_out(conn, store, inst, migration, request_id, CONFIRM_EVENT, message)
    claims.confirm_move(store, migration['uuid'])
    with store.begin() as conn:
        records.set_status(conn, migration['uuid'], 'confirmed')
        vm_state = S.STOPPED if inst['power_state'] != S.RUNNING else S.ACTIVE
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.RESIZE_CONFIRMING, task_state=None,
                         vm_state=vm_state)
        instances.event_finish(conn, inst['uuid'], request_id, CONFIRM_EVENT, host=migration['source_compute'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def _reverted_dest(store, inst, action, migration, request_id, result, message):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    if message is not None:
        with store.begin() as conn:
            return _error_out(conn, store, inst, migration, request_id, REVERT_EVENT, message)
    claims.revert_move(store, inst['uuid'], migration['uuid'])
    with store.begin() as conn:
        records.set_status(conn, migration['uuid'], 'reverted')
        instances.event_finish(conn, inst['uuid'], request_id, REVERT_EVENT, host=inst['host'])
        return _hand_over(store, conn, inst, migration, action, request_id, 'source', S.RESIZE_REVERTING,
                          flavor=migration['old_flavor'], power_state=S.SHUTDOWN)


def _reverted_source(store, inst, migration, request_id, result, message):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
    with store.begin() as conn:
        if message is not None:
            return _error_out(conn, store, inst, migration, request_id, FINISH_REVERT_EVENT, message)
        consoles.delete_for_instance(conn, inst['uuid'])
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.RESIZE_REVERTING, task_state=None,
                         vm_state=_at_rest(migration, result), **_values_from(result))
        instances.event_finish(conn, inst['uuid'], request_id, FINISH_REVERT_EVENT, host=inst['host'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


def resume_call(store, call):
    """The host call a taken-over move job runs now: the step its server reached (the finish, the source's
    revert), else ``call``."""
    try:
        inst = instances.get(store, call['server'])
    except NotFound:
        return call
    with store.read() as conn:
        migration = records.latest(conn, inst['uuid'])
        if migration is None:
            return call
        if inst['task_state'] == S.RESIZE_FINISH:
            return move_call(conn, inst, call['action'], 'finish_in', migration, call['request_id'],
                             power_on=_power_on(migration))
        if inst['task_state'] == S.RESIZE_REVERTING and migration['status'] == 'reverted':
            return move_call(conn, inst, call['action'], 'revert_source', migration, call['request_id'],
                             power_on=_power_on(migration))
    return call


# ---- the periodic --------------------------------------------------------------------------------

def confirm_due(store, window, now=None):
    """Servers in VERIFY_RESIZE whose migration finished ``window`` seconds ago (Nova's
    _poll_unconfirmed_resizes; window 0 or less: never)."""
    if not window or window <= 0:
        return []
    horizon = (now or utcnow()) - datetime.timedelta(seconds=window)
    out = []
    for inst in instances.list_instances(store):
        if inst['vm_state'] != S.RESIZED or inst['task_state'] is not None:
            continue
        with store.read() as conn:
            migration = records.latest(conn, inst['uuid'], statuses=['finished'])
        if migration is None:
            continue
        updated = migration['updated_at']
        when = datetime.datetime.strptime(updated[:19], '%Y-%m-%dT%H:%M:%S') if isinstance(updated, str) else updated
        if when <= horizon:
            out.append(inst)
    return out


def check_request(flavor=None, host=None):
    """A move's inputs as given (the module's and the API's): flavor a name or id, host a compute host name."""
    for field, value in (('flavor', flavor), ('host', host)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise InvalidInput(field, 'must be a non-empty string, got %r' % (value,))
    return flavor, host
