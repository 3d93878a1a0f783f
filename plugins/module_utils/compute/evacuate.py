# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's evacuate: rebuild a server of a failed compute host on another host, controller side.

* ``begin`` is nova/compute/api.py ``evacuate`` and the conductor's ``rebuild_instance(recreate=True)``:
  the server ACTIVE, STOPPED or ERROR with no task (no lock check, as Nova); its host's compute service
  must be down (heartbeat older than ``service_down_time``) or forced down, else Nova's
  ComputeServiceInUse (the API's 400). Task ``rebuilding``, the ``evacuate`` instance action and a
  migration record of type ``evacuation`` (status ``accepted``, the tombstone the failed host finds when
  it comes back). The destination: the named host without the scheduler when forced (``force`` true, or a
  host named before 2.29), else the scheduler's choice (limited to the named host when there is one), the
  source left out; ``claims.claim_move`` claims it for the server while the source's allocation passes to
  the migration (the failed host keeps it until it is cleaned up, as Nova's Placement allocation on the
  source node). No valid host: the server keeps its vm_state with a fault, the migration ``error``.
* Then the server is the destination's (host, node, its ports bound there; migration ``pre-migrating``,
  task ``rebuild_spawning``) and one host call there rebuilds it from its image: a new domain and root disk
  (``instance`` module with ``rebuild``), running, or stopped when the server was STOPPED or when the
  request asks for ``target_state`` stopped (2.95). When the destination finds the server's disks already
  there (its instance directory on storage shared with the failed host: Nova's ``instance_on_disk``) the
  guest is recreated from them, its data kept; the migration records it (``shared_storage``). Before 2.14 the
  request says which it is (``on_shared_storage``): the destination refuses a word that differs from what it
  finds, before it touches anything (Nova's InvalidSharedStorage, a failure as below).
* ``finish`` records it: migration ``done``, the server ACTIVE (or SHUTOFF). A failure: the migration
  ``failed``, the destination freed and the server back on its (failed) host in ERROR, from where it can be
  evacuated again.
* ``source_cleanup`` is the failed host's part when it is back (Nova's ``_destroy_evacuated_instances`` in
  ``init_host``): the evacuations from it whose server has left it; reconcile destroys their guests and
  directories there (a directory on shared storage stays: the server runs from it), then ``complete``
  frees the source allocation and sets the migration ``completed``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances, migration_records as records,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import result_handler
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InvalidInput, InvalidRequest, NotFound, NoValidHost, NovaliteError,
)

EVENT = 'compute_rebuild_instance'
CONDUCTOR_EVENT = 'conductor_rebuild_server'
# the evacuations a host that comes back still has to clean up (Nova's filter in _destroy_evacuated_instances)
PENDING = ('accepted', 'pre-migrating', 'done')
TARGET_STATES = ('stopped',)
# nova/exception.py's and the API's messages
IN_USE = 'Compute service of %s is still in use.'
SAME_HOST = "The target host can't be the same one."
FORCE_NEEDS_HOST = "Can't force to a non-provided destination"


def _service_down_time(scheduler_config):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import liveness
    return int((scheduler_config or {}).get('service_down_time') or liveness.SERVICE_DOWN_TIME)


def check(store, ident, context, host=None, force=None, target_state=None, scheduler_config=None,
          on_shared_storage=None):
    """Every check of an evacuation, nothing written: the server row."""
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    if host is not None and (not isinstance(host, str) or not host.strip()):
        raise InvalidInput('host', 'must be a non-empty string, got %r' % (host,))
    if on_shared_storage not in (None, True, False):
        raise InvalidInput('on_shared_storage', 'must be true, false or not given, got %r' % (on_shared_storage,))
    if target_state not in (None,) + TARGET_STATES:
        raise InvalidInput('target_state', 'must be one of %s' % ', '.join(TARGET_STATES))
    if force and not host:
        raise InvalidRequest(FORCE_NEEDS_HOST, field='force')
    inst = instances.get(store, ident, project_id=context.scope)
    action_table.check_action(inst, 'evacuate', context)
    if host is not None:
        try:
            hosts.get_node(store, host)
        except NotFound:
            raise NotFound('Compute host', host, field='host')
    if inst['host'] == host:
        raise InvalidRequest(SAME_HOST, field='host')
    if not inst['host']:
        raise InvalidRequest("Cannot 'evacuate' instance %s: it has no host" % inst['uuid'], field='server')
    try:
        source = hosts.get_node(store, inst['host'], service_down_time=_service_down_time(scheduler_config))
    except NotFound:
        source = {'state': 'down'}
    if source['state'] == 'up':
        raise InvalidRequest(IN_USE % inst['host'], field='server')
    return inst


def begin(store, ident, context, host=None, force=None, target_state=None, scheduler_config=None,
          on_shared_storage=None):
    """Check and start an evacuation: (server row, the destination's host call, or None when no host was found).

    ``force``: Nova's (2.29-2.67) - the named host without the scheduler; None (before 2.29) with a host is
    forced too, as Nova. ``target_state`` 'stopped': the server ends stopped (2.95). ``on_shared_storage``
    (before 2.14): the caller's word on whether the server's files are on shared storage, which the
    destination checks (None: the destination decides).
    """
    inst = check(store, ident, context, host, force, target_state, scheduler_config, on_shared_storage)
    rid = context.request_id
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], conn=conn)
        action_table.check_action(inst, 'evacuate', context)
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None], task_state=S.REBUILDING)
        instances.action_start(conn, inst['uuid'], 'evacuate', rid, context.user_id, context.project_id)
        instances.event_start(conn, inst['uuid'], rid, CONDUCTOR_EVENT)
        migration = records.create(conn, inst, 'evacuation', {'host': host, 'hypervisor_hostname': None},
                                   inst['flavor'], inst['flavor'], context, status='accepted')
    try:
        node = _destination(store, inst, migration['uuid'], host, force is not False and bool(host),
                            scheduler_config)
    except NovaliteError as exc:
        return _no_host(store, inst, migration, rid, exc), None
    with store.begin() as conn:
        from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
        migration = records.set_status(conn, migration['uuid'], 'pre-migrating', dest_compute=node['host'],
                                       dest_node=node['hypervisor_hostname'],
                                       dest_host=node.get('host_ip') or node['host'])
        instances.event_finish(conn, inst['uuid'], rid, CONDUCTOR_EVENT)
        # the compute manager's rebuild on the destination: the server is its own from now on
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.REBUILDING,
                                task_state=S.REBUILD_SPAWNING, host=node['host'], node=node['hypervisor_hostname'],
                                progress=0)
        instance_ports.bind_host(conn, inst['uuid'], node['host'])
        instances.event_start(conn, inst['uuid'], rid, EVENT, host=node['host'])
        inst = instances.get(store, inst['uuid'], conn=conn)
        call = host_calls.build(conn, inst, 'evacuate', rid)
    stopped = target_state == 'stopped' or inst['vm_state'] == S.STOPPED
    call.update(state='stopped' if stopped else 'running', rebuild=rid, preserve_ephemeral=False, evacuate=True)
    if on_shared_storage is not None:
        call['on_shared_storage'] = on_shared_storage
    return inst, call


def _destination(store, inst, migration_uuid, host, forced, scheduler_config):
    """The destination's compute node row, claimed (claims.claim_move) for the server."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import resize
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity, claims
    flavor = inst['flavor'] or {}
    if not forced:
        return resize.choose_and_claim(store, inst, flavor, migration_uuid, [inst['host']], host,
                                       scheduler_config, None)[0]
    try:
        claims.claim_move(store, inst['uuid'], migration_uuid, host, int(flavor['vcpus']), int(flavor['memory_mb']),
                          capacity.flavor_disk_gb(flavor))
    except claims.ClaimFailed as exc:
        raise NoValidHost('%s (%s)' % (host, exc.message))
    with store.read() as conn:
        return host_calls.node_settings(conn, host)


def _no_host(store, inst, migration, rid, exc):
    """Nova's conductor on NoValidHost for an evacuation: the server as it was with a fault, the migration error."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, resize
    reason = conductor.fault_message(exc)
    with store.begin() as conn:
        migration = records.set_status(conn, migration['uuid'], 'error')
        out = resize.no_host_recorded(store, conn, inst, S.REBUILDING, rid, CONDUCTOR_EVENT,
                                      'No valid host was found. %s' % reason, reason, exc)
    out['migration'] = migration
    return out


@result_handler('evacuate')
def finish(store, ident, action, request_id, host_result=None, error=None):
    """Record the destination's rebuild (conductor.record_result for ``evacuate``)."""
    del action   # evacuate's only
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, consoles
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    inst = instances.get(store, ident, include_deleted=True)
    with store.read() as conn:
        migration = records.latest(conn, inst['uuid'], statuses=['pre-migrating'], types=['evacuation'])
    result = host_result or {}
    failure = error if error is not None else (result if result.get('failed') or result.get('unreachable') else None)
    # (reconcile ends an interrupted one: its task state already cleared, a failure)
    if migration is None or inst['task_state'] != S.REBUILD_SPAWNING and not (
            failure is not None and inst['task_state'] is None):
        inst['changed'] = False
        return inst
    if failure is not None:
        message = conductor.fault_message(failure)
        # the destination is freed; the server is the failed host's again, in ERROR (to be evacuated again)
        claims.revert_move(store, inst['uuid'], migration['uuid'])
        with store.begin() as conn:
            records.set_status(conn, migration['uuid'], 'failed')
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=inst['task_state'], task_state=None,
                             vm_state=S.ERROR, host=migration['source_compute'], node=migration['source_node'])
            instance_ports.bind_host(conn, inst['uuid'], migration['source_compute'])
            instances.add_fault(conn, inst['uuid'], message, host=migration['dest_compute'])
            instances.event_finish(conn, inst['uuid'], request_id, EVENT, result='Error', traceback=message,
                                   host=migration['dest_compute'])
            out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        out['changed'] = True
        return out
    power = result.get('power_state')
    values = {'power_state': power} if power is not None else {}
    if result.get('domain_xml'):
        values['domain_xml'] = result['domain_xml']
    with store.begin() as conn:
        # on storage shared with the failed host (the guest recreated from its disks): that host, back, must
        # destroy its stale guest but keep the directory (Nova's destroy_disks=False)
        records.set_status(conn, migration['uuid'], 'done', shared_storage=bool(result.get('on_shared_storage')))
        consoles.delete_for_instance(conn, inst['uuid'])   # its consoles were on the failed host
        vm_state = S.ACTIVE if power in (None, S.RUNNING) else S.STOPPED
        instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.REBUILD_SPAWNING, task_state=None,
                         vm_state=vm_state, progress=100, **values)
        instances.event_finish(conn, inst['uuid'], request_id, EVENT, host=inst['host'])
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    return out


# ---- the failed host, back ------------------------------------------------------------------------

def source_cleanup(store, host):
    """{instance uuid: migration row}: the evacuations from ``host`` still to clean up there, whose server has
    left it (a server whose evacuation failed, back on ``host``, is the host's own and never listed)."""
    t_filters = {'source_compute': host, 'migration_type': 'evacuation'}
    with store.read() as conn:
        rows = [m for m in records.list_migrations(conn, t_filters) if m['status'] in PENDING]
    out = {}
    for migration in sorted(rows, key=lambda m: m['id']):
        try:
            inst = instances.get(store, migration['instance_uuid'], include_deleted=True)
        except NotFound:
            inst = None
        if inst is not None and inst['host'] == host and not inst.get('deleted'):
            continue
        out[migration['instance_uuid']] = migration
    return out


def complete(store, host, present=()):
    """Nova's end of _destroy_evacuated_instances for ``host``: every evacuation from it whose guest is no longer
    there (``present``: the uuids still found on the host) frees its source allocation and is ``completed``.
    Returns the migrations completed."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    done = []
    for uuid, migration in source_cleanup(store, host).items():
        if uuid in present or migration['status'] != 'done':
            continue
        claims.confirm_move(store, migration['uuid'])
        with store.begin() as conn:
            done.append(records.set_status(conn, migration['uuid'], 'completed'))
    return done
