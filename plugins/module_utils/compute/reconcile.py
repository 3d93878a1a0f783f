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
* domains and instance directories that belong to no live instance are
  orphans: reported, and removed only when asked. A domain libvirt holds that
  is not novalite's (no novalite metadata), or whose disks are not under this
  host's instances path (another deployment sharing the daemon), is never
  touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

# Only instances at rest are compared: one with a task in flight is being changed right now.
_AT_REST = (S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED, S.ERROR)


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
    ours = [d for d in domains if d.get('novalite') and d.get('managed_here', True)]
    orphan_domains = [{'uuid': d['uuid'], 'name': d['name'],
                       'reason': 'deleted in the state store' if d['uuid'] in known else 'unknown to the state store'}
                      for d in ours if d['uuid'] not in live]
    foreign = [{'uuid': d['uuid'], 'name': d['name']} for d in domains
               if d not in ours and d['uuid'] not in live]
    orphan_dirs = sorted(u for u in instance_dirs if u not in live)
    return {'power_fixes': power_fixes, 'vanished': vanished, 'orphan_domains': orphan_domains,
            'orphan_dirs': orphan_dirs, 'foreign_domains': foreign}


def apply(store, host, domains, instance_dirs, check_mode=False):
    """Plan and write the store-side fixes; returns the plan plus ``changed``."""
    result = plan(store, host, domains, instance_dirs)
    changed = bool(result['power_fixes'] or result['vanished'])
    if check_mode:
        result['changed'] = changed
        return result
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
