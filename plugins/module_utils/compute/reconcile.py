# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Reconcile the state store with what one compute host's libvirt reports.

Nova does this in ``init_host`` on restart and in the periodic
``_sync_power_states``: the hypervisor is the truth for power state, the
database is the truth for what should exist. Here:

* a live instance whose domain runs in another power state gets the real
  power_state, and its vm_state follows Nova's rules (ACTIVE with the domain
  shut off becomes STOPPED);
* a live instance whose domain has vanished goes to ERROR with a fault that
  says so (its disk may still be there; nothing of it is deleted);
* a task state (or a boot) that no running job owns is stale: the host call
  that would end it is gone (a killed playbook, a crashed worker). As Nova's
  ``init_host``: a boot goes to ERROR (claims freed); a delete whose domain
  is gone from the host is finished, else its task state is cleared; any
  other action's task state is cleared and the vm_state follows the domain's
  power state (``rebooting`` with the domain running -> ACTIVE, shut off ->
  STOPPED; a vanished domain -> ERROR); each gets a fault and its action's
  event fails. A task state is owned while its request's API job
  (``api_jobs``) is unfinished and its lease did not lapse more than
  ``grace`` seconds ago; a request with no job (the playbooks run host calls
  themselves) owns it for ``grace`` seconds after its last change;
* the guests of servers evacuated from this host while it was down (an
  ``evacuation`` migration from it, the server now elsewhere) are listed in
  ``evacuated`` for the host to destroy with their directories, unless the
  destination ran the server from them on shared storage (Nova's
  ``_destroy_evacuated_instances``); once they are gone, a later reconcile
  frees the host's allocation and completes the migrations;
* domains and instance directories that belong to no live instance are
  orphans: reported, and removed only when asked (a directory of a server
  on another host is not: the hosts share the storage). A domain libvirt holds that
  is not novalite's (no novalite metadata), or whose disks are not under this
  host's instances path (another deployment sharing the daemon), is never
  touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import all_actions as _all  # noqa: F401 (registers the result handlers)
from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, conductor, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

# Only instances at rest are compared: one with a task in flight is being changed right now.
_AT_REST = (S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED, S.ERROR)
# api_jobs statuses of a job that still runs or will (novalite_api/jobs.py)
_UNFINISHED_JOBS = ('accepted', 'queued', 'running')
# How long a task state is left to its owner (a running playbook, a job whose lease lapsed) before it is stale.
DEFAULT_GRACE = 3600
# An interrupted rescue or unrescue may have left either domain defined (the rescue one or the server's own):
# the power state does not say which, so the server stays in ERROR (as Nova leaves a failed one), from which
# a rescue (finding it rescued) or a hard reboot (the stored original domain) brings it back.
_LAYOUT_UNKNOWN = ('rescue', 'unrescue')
# A failed offload or unshelve leaves the server shelved (on its host, or offloaded with no host), as Nova; an
# interrupted interface attach or detach leaves the vm_state as it was.
_KEEPS_VM_STATE = ('shelve_offload', 'unshelve', 'attach_interface', 'detach_interface')
# The vm_state a domain's power state says the server is in (Nova's _sync_instance_power_state).
_VM_STATE_FOR_POWER = {S.RUNNING: S.ACTIVE, S.PAUSED_POWER: S.PAUSED, S.SUSPENDED_POWER: S.SUSPENDED,
                       S.SHUTDOWN: S.STOPPED, S.CRASHED: S.STOPPED}


def _parse(value):
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ')


def _owned(conn, inst, request_id, horizon):
    """Some job (or, for a request with no job, maybe a playbook) may still end this task state."""
    t = table('api_jobs')
    jobs = conn.execute(sa.select(t.c.status, t.c.lease_expires).where(t.c.request_id == request_id)).fetchall()
    if not jobs:
        return _parse(inst['updated_at']) > horizon
    return any(j.status in _UNFINISHED_JOBS and (j.lease_expires is None or j.lease_expires > horizon)
               for j in jobs)


def stale_task_states(store, host, grace=DEFAULT_GRACE):
    """Live servers of ``host`` (and servers with no host) in flight that no running job owns."""
    horizon = utcnow() - datetime.timedelta(seconds=grace)
    t = table('instances')
    candidates, _more = instances.page_instances(
        store, where=(sa.or_(t.c.host == host, t.c.host.is_(None)),
                      sa.or_(t.c.task_state.isnot(None), t.c.vm_state == S.BUILDING)))
    out = []
    for inst in candidates:
        history = instances.list_actions(store, inst['uuid'])
        request_id = history[-1]['request_id'] if history else None
        with store.read() as conn:
            if request_id and _owned(conn, inst, request_id, horizon):
                continue
        action = action_table.action_in_flight(inst)
        if action == 'rebuild' and _evacuating(store, inst['uuid']):
            action = 'evacuate'   # a rebuild on the destination of an evacuation (compute/evacuate.py)
        out.append({'uuid': inst['uuid'], 'name': inst['display_name'], 'vm_state': inst['vm_state'],
                    'task_state': inst['task_state'], 'host': inst['host'], 'action': action,
                    'request_id': request_id})
    return out


def _evacuating(store, instance_uuid):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import migration_records
    with store.read() as conn:
        return migration_records.latest(conn, instance_uuid, statuses=['pre-migrating'], types=['evacuation']) is not None


def clear_stale(store, stale, by_uuid, host):
    """End each stale task state as Nova's init_host does (see the module docstring); returns those ended."""
    done = []
    for item in stale:
        try:
            # Compare-and-set: a late host result or a concurrent reconcile of another host wins, not both.
            instances.update(store, item['uuid'], expected_task_state=item['task_state'],
                             expected_vm_state=item['vm_state'], task_state=None)
        except (Conflict, NotFound):
            continue
        message = ('%s of request %s was interrupted: no running job owns task state %s (found by reconcile)'
                   % (item['action'] or 'the action', item['request_id'], item['task_state']))
        dom = by_uuid.get(item['uuid']) if item['host'] == host else None
        if item['action'] is None or item['request_id'] is None:
            with store.begin() as conn:
                instances.add_fault(conn, item['uuid'], message, host=item['host'])
        elif item['action'] == 'create':
            # Nova: an instance still building when its compute service starts goes to ERROR.
            conductor.record_result(store, item['uuid'], 'create', item['request_id'], error=message,
                                    scheduler_config={'max_attempts': 1})
        elif item['action'] in action_table.DELETE_ACTIONS and dom is None and item['host'] in (host, None):
            conductor.record_result(store, item['uuid'], item['action'], item['request_id'],
                                    host_result={'changed': True})
        elif item['action'] == 'shelve_offload' and dom is None and item['host'] == host:
            # the domain is gone from its host: the offload was done (its claim is released now)
            conductor.record_result(store, item['uuid'], item['action'], item['request_id'],
                                    host_result={'changed': True})
        elif item['action'] == 'unshelve' and dom is not None and dom['power_state'] == S.RUNNING:
            # the guest runs: the unshelve was done (its shelve image is deleted now)
            conductor.record_result(store, item['uuid'], item['action'], item['request_id'],
                                    host_result={'changed': True, 'power_state': S.RUNNING})
        else:
            power = dom['power_state'] if dom else S.NOSTATE
            conductor.record_result(store, item['uuid'], item['action'], item['request_id'],
                                    host_result={'failed': True, 'msg': message, 'power_state': power})
            # (a failed evacuation is in ERROR on its failed host again: compute/evacuate.py)
            if item['action'] not in action_table.DELETE_ACTIONS + _LAYOUT_UNKNOWN + _KEEPS_VM_STATE + ('evacuate',):
                vm_state = _VM_STATE_FOR_POWER.get(power, S.ERROR) if dom else S.ERROR
                instances.update(store, item['uuid'], expected_task_state=None, vm_state=vm_state)
        done.append(dict(item, fault=message))
    return done


def _moving_here(store, host):
    """Servers with a resize / migration in progress from or to ``host`` (compute/migration_records.py)."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import migration_records
    with store.read() as conn:
        return set(row['instance_uuid'] for row in migration_records.list_migrations(conn, {'host': host})
                   if row['status'] in migration_records.IN_PROGRESS)


def plan(store, host, domains, instance_dirs):
    """Compare; returns the fixes and orphans without writing anything."""
    if not host:
        raise InvalidInput('host', 'is required')
    live = dict((i['uuid'], i) for i in instances.list_instances(store, host=host))
    known = set(i['uuid'] for i in instances.list_instances(store, host=host, include_deleted=True))
    by_uuid = dict((d['uuid'], d) for d in domains)
    power_fixes, vanished = [], []
    for uuid, inst in sorted(live.items()):
        if inst['task_state'] is not None or inst['vm_state'] not in _AT_REST:
            continue
        dom = by_uuid.get(uuid)
        if dom is None:
            if inst['vm_state'] != S.ERROR:
                vanished.append({'uuid': uuid, 'name': inst['display_name'], 'vm_state': inst['vm_state']})
        elif dom['power_state'] != inst['power_state']:
            power_fixes.append({'uuid': uuid, 'name': inst['display_name'], 'from': inst['power_state'],
                                'to': dom['power_state'], 'vm_state': inst['vm_state']})
    # a server being moved keeps its old domain on the other host until the move is confirmed or reverted
    moving = _moving_here(store, host)
    ours = [d for d in domains if d.get('novalite') and d.get('managed_here', True)]
    evacuated = _evacuated(store, host, ours, instance_dirs, live)
    moving = moving | set(e['uuid'] for e in evacuated)
    orphan_domains = [{'uuid': d['uuid'], 'name': d['name'],
                       'reason': 'deleted in the state store' if d['uuid'] in known else 'unknown to the state store'}
                      for d in ours if d['uuid'] not in live and d['uuid'] not in moving]
    foreign = [{'uuid': d['uuid'], 'name': d['name']} for d in domains
               if d not in ours and d['uuid'] not in live and d['uuid'] not in moving]
    # a directory of a server that lives on another host is that host's on storage they share, never an orphan
    elsewhere = _live_elsewhere(store, host, instance_dirs)
    orphan_dirs = sorted(u for u in instance_dirs if u not in live and u not in moving and u not in elsewhere)
    return {'power_fixes': power_fixes, 'vanished': vanished, 'orphan_domains': orphan_domains,
            'orphan_dirs': orphan_dirs, 'foreign_domains': foreign, 'evacuated': evacuated}


def _live_elsewhere(store, host, uuids):
    """Of ``uuids``, the live servers on a host other than ``host``."""
    t = table('instances')
    with store.read() as conn:
        query = sa.select(t.c.uuid).where(t.c.deleted == 0, t.c.uuid.in_(list(uuids)), t.c.host.isnot(None),
                                          t.c.host != host)
        return set(conn.execute(query).scalars())


def _evacuated(store, host, ours, instance_dirs, live):
    """Nova's _destroy_evacuated_instances: the guests (novalite domains, instance directories) still on ``host``
    of servers evacuated from it (compute/evacuate.py), to destroy there; never one of the host's own servers."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import evacuate
    pending = evacuate.source_cleanup(store, host)
    names = dict((d['uuid'], d['name']) for d in ours)
    out = []
    for uuid, migration in sorted(pending.items()):
        # on shared storage the directory is the one the server now runs from: only the domain is the host's
        shared = bool(migration.get('shared_storage'))
        if uuid in live or not (uuid in names or (uuid in instance_dirs and not shared)):
            continue
        out.append({'uuid': uuid, 'name': names.get(uuid), 'migration': migration['uuid'], 'domain': uuid in names,
                    'instance_dir': uuid in instance_dirs and not shared, 'shared_storage': shared})
    return out


def apply(store, host, domains, instance_dirs, check_mode=False, grace=DEFAULT_GRACE):
    """Plan and write the store-side fixes; returns the plan plus ``changed`` and ``stale_task_states``."""
    result = plan(store, host, domains, instance_dirs)
    stale = stale_task_states(store, host, grace)
    result['stale_task_states'] = stale
    changed = bool(result['power_fixes'] or result['vanished'] or stale)
    result['evacuations_completed'] = []
    if check_mode:
        result['changed'] = changed
        return result
    # the evacuations whose guests are gone from the host: the source allocation freed, the migration completed
    from ansible_collections.novalite.compute.plugins.module_utils.compute import evacuate
    completed = evacuate.complete(store, host, present=set(e['uuid'] for e in result['evacuated']))
    result['evacuations_completed'] = [m['uuid'] for m in completed]
    changed = changed or bool(completed)
    result['stale_task_states'] = clear_stale(store, stale, dict((d['uuid'], d) for d in domains), host)
    for fix in result['power_fixes']:
        conductor.sync_power_state(store, fix['uuid'], fix['to'])
    with store.begin() as conn:
        for gone in result['vanished']:
            instances.update(store, gone['uuid'], conn=conn, expected_task_state=None,
                             vm_state=S.ERROR, power_state=S.NOSTATE)
            instances.add_fault(conn, gone['uuid'], 'domain vanished from host %s (found by reconcile)' % host,
                                code=500, host=host)
    result['changed'] = changed
    return result
