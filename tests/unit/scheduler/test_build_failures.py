# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The build-failure count: its own column (schema version 6), counted, reset, weighed, migrated."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import uuid

import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import build_failures, manager
from ansible_collections.novalite.compute.plugins.module_utils.store import migrations
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow

from lib.sched_rows import add_host

SMALL = {'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}


def test_failures_count_up_reset_on_success_and_sink_the_host(store):
    add_host(store, 'roomy', memory_mb=65536)
    add_host(store, 'small', memory_mb=8192)
    with store.begin() as conn:
        build_failures.note_build_result(conn, 'roomy', success=False)
        build_failures.note_build_result(conn, 'roomy', success=False)
        build_failures.note_build_result(conn, 'nowhere', success=False)   # an unknown host changes nothing
    with store.read() as conn:
        assert build_failures.failed_builds_by_host(conn) == {'roomy': 2, 'small': 0}
        caps = conn.execute(sa.text("SELECT capabilities FROM compute_nodes WHERE host = 'roomy'")).scalar()
    assert 'failed_builds' not in str(caps)   # the host's capabilities stay the host's own report
    got = manager.select_destinations(store, {'flavor': SMALL}, claim=False)
    assert got['selections'][0]['host'] == 'small'
    with store.begin() as conn:
        build_failures.note_build_result(conn, 'roomy', success=True)
    with store.read() as conn:
        assert build_failures.failed_builds_by_host(conn) == {'roomy': 0, 'small': 0}
    assert manager.select_destinations(store, {'flavor': SMALL}, claim=False)['selections'][0]['host'] == 'roomy'


@pytest.mark.fresh_database
def test_version_6_moves_the_count_out_of_capabilities(db_url):
    old = Store(db_url, migrate=False)
    assert old.upgrade(5) == (0, 5)
    with old.begin() as conn:
        for host, caps in (('flaky', '{"failed_builds": 4, "gpu": "t4"}'), ('fine', '{"gpu": "a100"}'),
                           ('odd', '{"failed_builds": "many"}')):
            conn.execute(sa.text(
                "INSERT INTO compute_nodes (uuid, host, hypervisor_hostname, availability_zone, vcpus, memory_mb,"
                " local_gb, vcpus_used, memory_mb_used, local_gb_used, running_vms, cpu_allocation_ratio,"
                " ram_allocation_ratio, disk_allocation_ratio, reserved_host_memory_mb, reserved_host_disk_mb,"
                " reserved_host_cpus, traits, capabilities, generation, created_at) VALUES (:uuid, :host, :host,"
                " 'nova', 8, 8192, 100, 0, 0, 0, 0, 16.0, 1.5, 1.0, 512, 0, 0, '[]', :caps, 0, :now)"),
                {'uuid': str(uuid.uuid4()), 'host': host, 'caps': caps, 'now': utcnow()})
    old.dispose()

    assert migrations.head_version() >= 6
    new = Store(db_url)
    with new.read() as conn:
        rows = conn.execute(sa.text("SELECT host, failed_builds, capabilities FROM compute_nodes"
                                    " ORDER BY host")).all()
    got = [(host, count, caps if isinstance(caps, dict) else json.loads(caps))
           for host, count, caps in rows]
    assert got == [('fine', 0, {'gpu': 'a100'}), ('flaky', 4, {'gpu': 't4'}), ('odd', 0, {})]
    new.dispose()
