# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The heartbeat-only write and the reporter's tick, on both state-store backends (libvirt stubbed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, reporter

from test_registry_hosts import T0, facts, host_name, rows_of  # pytest puts this directory on sys.path


def test_heartbeat_moves_only_the_service_row(store):
    host = host_name()
    hosts.record(store, host, facts(), now=T0)
    node_before = rows_of(store, 'compute_nodes', host=host)[0]
    later = T0 + datetime.timedelta(minutes=5)
    node = hosts.heartbeat(store, host, now=later)
    assert node['state'] == 'up' and node['report_count'] == 2
    service = rows_of(store, 'services', host=host)[0]
    assert service['last_seen_up'] == later and service['report_count'] == 2
    assert rows_of(store, 'compute_nodes', host=host)[0] == node_before


def test_heartbeat_of_an_unrecorded_host_is_not_found(store):
    with pytest.raises(NotFound):
        hosts.heartbeat(store, host_name())


@pytest.fixture
def stub_libvirt(monkeypatch):
    """libvirt answers (facts() as the host) until ``state['down']`` is set."""
    state = {'down': False, 'gathered': 0}

    def gather(*_args):
        if state['down']:
            raise HypervisorError('libvirt_uri qemu:///system: cannot connect: stubbed', field='libvirt_uri')
        state['gathered'] += 1
        return facts()

    def check(_uri):
        if state['down']:
            raise HypervisorError('libvirt_uri qemu:///system: cannot connect: stubbed', field='libvirt_uri')
    monkeypatch.setattr(reporter.host_facts, 'gather', gather)
    monkeypatch.setattr(reporter, 'check_libvirt', check)
    return state


def test_reporter_registers_then_beats_then_stays_silent_while_libvirt_is_down(store, stub_libvirt):
    host = host_name()
    config = {'host': host, 'libvirt_uri': 'qemu:///system', 'instances_path': '/var/lib/novalite/instances',
              'virt_type': None, 'settings': {'novalite_availability_zone': 'az9'},
              'report_interval': 10, 'resource_interval': 3600}
    loop = reporter.Reporter(config, store=store)
    assert loop.tick() == 'resources'
    assert hosts.get_node(store, host)['availability_zone'] == 'az9'
    assert loop.tick() == 'heartbeat'
    assert stub_libvirt['gathered'] == 1
    count = rows_of(store, 'services', host=host)[0]['report_count']
    stub_libvirt['down'] = True
    assert loop.tick() is None
    assert rows_of(store, 'services', host=host)[0]['report_count'] == count
    stub_libvirt['down'] = False
    assert loop.tick() == 'heartbeat'
    assert rows_of(store, 'services', host=host)[0]['report_count'] == count + 1
