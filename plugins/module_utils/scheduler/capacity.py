# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""How much a host can hold and how much it has free, in one place.

Two views, as in Nova:

* Placement's inventory rule, used by the RAM/Disk/Core filters and the
  claims: a host can hold ``(total - reserved) * allocation_ratio`` of a
  resource, and no single request may ask for more than ``total`` (the
  inventory's ``max_unit``, which the libvirt driver sets to the total). The
  ``*_used`` columns are the sum of the allocations, as Placement's usages.
* The resource tracker's view that Nova's HostState (and so the RAM, CPU and
  Disk weighers) and ``os-hypervisors`` read: reserved memory, disk and CPUs
  count as used from the start, so ``free_ram_mb = memory_mb - reserved -
  used`` with no allocation ratio.

The expressions work on scalars (claims, API views) and numpy columns
(filters, weighers) alike, so the scheduler and the claim cannot disagree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def ceil_gb(mb):
    """Nova's convert_mb_to_ceil_gb: MB rounded up to whole GB (works on numpy columns too)."""
    return -(-mb // 1024)


def _placement_capacity(total, reserved, allocation_ratio):
    return (total - reserved) * allocation_ratio


def vcpu_limit(vcpus, cpu_ratio, reserved_cpus):
    return _placement_capacity(vcpus, reserved_cpus, cpu_ratio)


def ram_limit(memory_mb, ram_ratio, reserved_mb):
    return _placement_capacity(memory_mb, reserved_mb, ram_ratio)


def disk_limit(local_gb, disk_ratio, reserved_disk_mb):
    # the libvirt driver reports reserved_host_disk_mb to Placement rounded up to whole GB
    return _placement_capacity(local_gb, ceil_gb(reserved_disk_mb), disk_ratio)


def node_misfit(node, vcpus, memory_mb, disk_gb):
    """None when the request fits the compute_nodes row by Placement's rules, else why not."""
    checks = (
        ('vcpus', vcpus, node['vcpus_used'], node['vcpus'],
         vcpu_limit(node['vcpus'], node['cpu_allocation_ratio'], node['reserved_host_cpus'])),
        ('memory_mb', memory_mb, node['memory_mb_used'], node['memory_mb'],
         ram_limit(node['memory_mb'], node['ram_allocation_ratio'], node['reserved_host_memory_mb'])),
        ('disk_gb', disk_gb, node['local_gb_used'], node['local_gb'],
         disk_limit(node['local_gb'], node['disk_allocation_ratio'], node['reserved_host_disk_mb'])),
    )
    for name, wanted, used, total, limit in checks:
        if not wanted:
            continue
        if wanted > total:
            return '%s: %s %s is more than the host has (%s)' % (node['host'], name, wanted, total)
        if used + wanted > limit:
            return '%s: %s would use %s of %s' % (node['host'], name, used + wanted, limit)
    return None


# -- the resource tracker's view (Nova's ComputeNode / HostState fields) ---------

def tracker_vcpus_used(vcpus_used, reserved_cpus):
    return vcpus_used + reserved_cpus


def tracker_memory_mb_used(memory_mb_used, reserved_mb):
    return memory_mb_used + reserved_mb


def tracker_local_gb_used(local_gb_used, reserved_disk_mb):
    # the tracker starts local_gb_used at reserved_host_disk_mb / 1024 in an integer field: rounded down
    return local_gb_used + reserved_disk_mb // 1024


def tracker_usage(node):
    """Used and free amounts of a compute_nodes row as Nova's resource tracker reports them (os-hypervisors)."""
    memory_used = tracker_memory_mb_used(node['memory_mb_used'], node.get('reserved_host_memory_mb') or 0)
    disk_used = tracker_local_gb_used(node['local_gb_used'], node.get('reserved_host_disk_mb') or 0)
    return {'vcpus_used': tracker_vcpus_used(node['vcpus_used'], node.get('reserved_host_cpus') or 0),
            'memory_mb_used': memory_used, 'local_gb_used': disk_used,
            'free_ram_mb': node['memory_mb'] - memory_used, 'free_disk_gb': node['local_gb'] - disk_used}


def flavor_disk_gb(flavor):
    """Nova: root_gb + ephemeral_gb + swap (MB) rounded up to whole GB."""
    swap_mb = int(flavor.get('swap') or 0)
    return int(flavor.get('root_gb') or 0) + int(flavor.get('ephemeral_gb') or 0) + ceil_gb(swap_mb)
