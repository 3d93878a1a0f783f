# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Test helper: register compute hosts by inserting compute_nodes + services rows directly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import datetime
import os
import uuid

import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow


def add_host(store, host=None, vcpus=8, memory_mb=16384, local_gb=100, az='nova', up=True, disabled=False,
             cpu_ratio=16.0, ram_ratio=1.5, disk_ratio=1.0, reserved_mb=512, reserved_disk_mb=0,
             reserved_cpus=0, cpu_arch='x86_64', hypervisor_type='QEMU', hypervisor_version=7002000,
             virt_type='qemu', capabilities=None, traits=None, with_service=True):
    host = host or 'host-%s' % uuid.uuid4().hex[:8]
    now = utcnow()
    seen = now if up else now - datetime.timedelta(seconds=3600)
    with store.begin() as conn:
        conn.execute(schema.table('compute_nodes').insert().values(
            uuid=str(uuid.uuid4()), host=host, hypervisor_hostname=host, availability_zone=az,
            vcpus=vcpus, memory_mb=memory_mb, local_gb=local_gb, cpu_allocation_ratio=cpu_ratio,
            ram_allocation_ratio=ram_ratio, disk_allocation_ratio=disk_ratio,
            reserved_host_memory_mb=reserved_mb, reserved_host_disk_mb=reserved_disk_mb,
            reserved_host_cpus=reserved_cpus, cpu_arch=cpu_arch, hypervisor_type=hypervisor_type,
            hypervisor_version=hypervisor_version, virt_type=virt_type, traits=traits or [],
            capabilities=capabilities or {}, generation=0, created_at=now))
        if with_service:
            conn.execute(schema.table('services').insert().values(
                uuid=str(uuid.uuid4()), host=host, binary='nova-compute', topic='compute',
                disabled=disabled, forced_down=False, report_count=1, last_seen_up=seen, created_at=now))
    return host


def node(store, host):
    nodes = schema.table('compute_nodes')
    with store.read() as conn:
        return dict(conn.execute(sa.select(nodes).where(nodes.c.host == host)).first()._mapping)


def allocation_sums(store):
    """{host: (vcpus, memory_mb, disk_gb)} summed from the allocations table."""
    allocs = schema.table('allocations')
    nodes = schema.table('compute_nodes')
    with store.read() as conn:
        rows = conn.execute(sa.select(nodes.c.host, sa.func.sum(allocs.c.vcpus), sa.func.sum(allocs.c.memory_mb),
                                      sa.func.sum(allocs.c.disk_gb))
                            .select_from(allocs.join(nodes, allocs.c.compute_node_id == nodes.c.id))
                            .group_by(nodes.c.host)).all()
    return dict((r[0], (int(r[1]), int(r[2]), int(r[3]))) for r in rows)


def moved_server(live, ident):
    """(the server's row with its ``actions``, latest ``migration`` and ``fault``, allocation_sums) from a
    lib.live_api service's store: a move's state in one read."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances, migration_records
    store = live.store()
    try:
        inst = instances.get(store, ident)
        inst['actions'] = instances.list_actions(store, ident)
        with store.read() as conn:
            inst['migration'] = migration_records.latest(conn, ident)
        inst['fault'] = instances.latest_fault(store, ident)
        return inst, allocation_sums(store)
    finally:
        store.dispose()


def add_flavor(store, name, vcpus=1, memory_mb=512, root_gb=1, ephemeral_gb=0, swap=0, extra_specs=None):
    with store.begin() as conn:
        conn.execute(schema.table('flavors').insert().values(
            flavorid=name + '-id', name=name, vcpus=vcpus, memory_mb=memory_mb, root_gb=root_gb,
            ephemeral_gb=ephemeral_gb, swap=swap, rxtx_factor=1.0, is_public=True, disabled=False,
            extra_specs=extra_specs or {}, created_at=utcnow()))


def host_uri(hosts, name):
    """The libvirt URI of the test host called ``name`` (lib.test_hosts.LibvirtHosts)."""
    return [h.uri for h in hosts if h.name == name][0]


def console_text(live, host, ident):
    """The guest's console log in its instance directory on ``host`` ('' while there is none)."""
    try:
        with open(os.path.join(live.instances_paths[host], ident, 'console.log'), errors='replace') as handle:
            return handle.read()
    except IOError:
        return ''
