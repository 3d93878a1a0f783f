# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A hypervisor (compute node) as list, detail and show render it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.api_version import since

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def show(node, detail):
    out = {'id': node['id'], 'hypervisor_hostname': node['hypervisor_hostname'],
           'state': node['state'], 'status': node['status']}
    if detail:
        out.update({
            'vcpus': node['vcpus'], 'memory_mb': node['memory_mb'], 'local_gb': node['local_gb'],
            'vcpus_used': node['vcpus_used'], 'memory_mb_used': node['memory_mb_used'],
            'local_gb_used': node['local_gb_used'], 'hypervisor_type': node['hypervisor_type'] or 'QEMU',
            'hypervisor_version': node['hypervisor_version'] or 0, 'free_ram_mb': node['free_ram_mb'],
            'free_disk_gb': node['free_disk_gb'], 'current_workload': node['current_workload'],
            'running_vms': node['running_vms'], 'disk_available_least': node['disk_available_least'],
            'host_ip': node['host_ip'],
            'service': {'host': node['host'], 'id': node['service_id'],
                        'disabled_reason': node['disabled_reason']},
            # 2.28: an object; before, the same as a JSON string.
            'cpu_info': (node['cpu_info'] or {}) if since(28) else flask.json.dumps(node['cpu_info'] or {}),
        })
    return out
