# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A hypervisor (compute node) as list, detail and show render it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import capacity
from novalite_api.compute.api_version import since

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


STATISTICS = ('count', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'local_gb_used',
              'free_ram_mb', 'free_disk_gb', 'current_workload', 'running_vms', 'disk_available_least')


def usage(node):
    """A node's used and free amounts as Nova's resource tracker counts them: the host's reserved CPUs, memory
    and disk are in use from the start; claims add to them."""
    return capacity.tracker_usage(node)


def statistics(nodes):
    """``/os-hypervisors/statistics``: the sums over the nodes whose compute service is enabled, as Nova."""
    totals = dict((key, 0) for key in STATISTICS)
    for node in nodes:
        if node['status'] != 'enabled':
            continue
        totals['count'] += 1
        counted = dict(node, **usage(node))
        for key in STATISTICS[1:]:
            totals[key] += counted[key] or 0
    return totals


def show(node, detail, servers=None):
    """``servers``: None when not asked for; a list (maybe empty) when asked."""
    uuids = since(53)
    out = {'id': node['uuid'] if uuids else node['id'], 'hypervisor_hostname': node['hypervisor_hostname'],
           'state': node['state'], 'status': node['status']}
    if servers or (servers is not None and since(75)):
        out['servers'] = servers   # an empty list only from 2.75
    if not detail:
        return out
    out.update({
        'hypervisor_type': node['hypervisor_type'] or 'QEMU', 'hypervisor_version': node['hypervisor_version'] or 0,
        'host_ip': node['host_ip'],
        'service': {'host': node['host'], 'id': node['service_uuid'] if uuids else node['service_id'],
                    'disabled_reason': node['disabled_reason']},
    })
    if since(88):
        # 2.88 drops the statistics (placement has them) and adds the host's uptime text: null unless the
        # handler read it from the host (a down host, or a list without details, stays null)
        out['uptime'] = None
        return out
    out.update(usage(node))
    out.update({
        'vcpus': node['vcpus'], 'memory_mb': node['memory_mb'], 'local_gb': node['local_gb'],
        'current_workload': node['current_workload'], 'running_vms': node['running_vms'],
        'disk_available_least': node['disk_available_least'],
        # 2.28: an object; before, the same as a JSON string.
        'cpu_info': (node['cpu_info'] or {}) if since(28) else flask.json.dumps(node['cpu_info'] or {}),
    })
    return out
