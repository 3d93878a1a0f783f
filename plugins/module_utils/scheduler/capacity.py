# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Placement's capacity rule, shared by the filters and the claims.

A host can hold ``total * allocation_ratio - reserved`` of each resource; the
same expression works on scalars (claims) and numpy columns (filters), so the
scheduler and the claim can never disagree about what fits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def vcpu_limit(vcpus, cpu_ratio, reserved_cpus):
    return vcpus * cpu_ratio - reserved_cpus


def ram_limit(memory_mb, ram_ratio, reserved_mb):
    return memory_mb * ram_ratio - reserved_mb


def disk_limit(local_gb, disk_ratio, reserved_disk_mb):
    # reserved disk is configured in MB (Nova's reserved_host_disk_mb); claims are whole GB
    return local_gb * disk_ratio - (-(-reserved_disk_mb // 1024))


def flavor_disk_gb(flavor):
    """Nova: root_gb + ephemeral_gb + swap (MB) rounded up to whole GB."""
    swap_mb = int(flavor.get('swap') or 0)
    return int(flavor.get('root_gb') or 0) + int(flavor.get('ephemeral_gb') or 0) + (-(-swap_mb // 1024))
