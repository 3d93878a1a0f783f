# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""virt/diagnostics.py on libvirt's test driver: both of Nova's forms from one read; nothing for a stopped
domain; NotFound for a domain this host does not have. (The real guest's counters: tests/api/
test_remote_consoles.py.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, diagnostics

libvirt = pytest.importorskip('libvirt')
pytest.importorskip('lxml')


def test_running_domain_gives_both_forms_and_a_stopped_one_only_its_state():
    conn = connection.open_connection('test:///default')
    try:
        dom = conn.lookupByName('test')
        out = diagnostics.read(conn, dom.UUIDString())
        assert out['power_state'] == 1
        legacy, details = out['legacy'], out['details']
        assert legacy['memory'] == dom.maxMemory()
        assert all('cpu%d_time' % cpu['id'] in legacy for cpu in details['cpu_details'])
        assert details['num_cpus'] == dom.info()[3]
        assert details['memory_details']['maximum'] == dom.info()[1] // 1024
        assert details['num_disks'] == len(details['disk_details'])
        assert details['hypervisor'] == 'test'
        dom.destroy()
        try:
            stopped = diagnostics.read(conn, dom.UUIDString())
            assert (stopped['power_state'], stopped['legacy'], stopped['details']) == (4, None, None)
        finally:
            dom.create()
        with pytest.raises(errors.NotFound):
            diagnostics.read(conn, '00000000-0000-0000-0000-000000000001')
        with pytest.raises(errors.InvalidInput):
            diagnostics.read(conn, '../etc')
    finally:
        conn.close()
