# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Plans applied side by side on one host (host_side.converge/combine): a job's plan is a snapshot, and one
applied after a newer one must neither drop nor roll back another port's DHCP reservation and filter chain.
The host's commands are faked (nft and dnsmasq never run); the files converge writes are real."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import subprocess
import threading
import time

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.network import daemons, host_plan, host_side

NET = '1de2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10'
SUB = '84428ba8-aa68-49ed-84e1-b1368ebe1b78'
DHCP_PORT = '7f0c4f4e-5b1e-4d55-8d8a-0c4b2f1e9a21'
A = '588958eb-d9d3-4a9b-bbe9-7af7330f05e0'
B = 'c3a1d0f2-0d6e-4c7e-9a55-3f1d2b4c6e80'
MACS = {A: 'fa:16:3e:00:00:0a', B: 'fa:16:3e:00:00:0b'}
IPS = {A: '10.77.0.21', B: '10.77.0.22'}
SSH = {'direction': 'ingress', 'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22}
PING = {'direction': 'ingress', 'protocol': 'icmp'}


def _port(pid, device, rules):
    return {'id': pid, 'device_id': device, 'network_id': NET, 'mac': MACS[pid], 'tap': host_plan.tap_name(pid),
            'bridge': host_plan.bridge_name(NET), 'ips': [IPS[pid]], 'port_security': True, 'rules': rules}


def plan(generation, ports, rules=(SSH,)):
    """The host's plan as host_plan.desired reads it at ``generation`` with ``ports`` bound here."""
    return {
        'local_ip': '10.254.0.11', 'generation': generation, 'external': [],
        'networks': [{'id': NET, 'bridge': host_plan.bridge_name(NET), 'mtu': 1450, 'vxlan': None,
                      'subnets': [{'id': SUB, 'cidr': '10.77.0.0/24', 'gateway_ip': '10.77.0.1', 'enable_dhcp': True}],
                      'dhcp': {'port_id': DHCP_PORT, 'addresses': [{'subnet_id': SUB, 'ip': '10.77.0.2'}],
                               'reservations': [{'mac': MACS[p].upper(), 'ip': IPS[p], 'hostname': 'vm-' + p[:4]}
                                                for p in ports]}}],
        'ports': [_port(p, 'server-' + p[:4], list(rules)) for p in ports]}


@pytest.fixture
def host(tmp_path, monkeypatch):
    """converge on a fake host: its state dir is ``tmp_path``; nft -f, dnsmasq and ip are recorded, not run."""
    tables = set()
    ran = []

    def run(argv, check=True, data=None):
        ran.append(list(argv))
        out = ''
        if argv[:3] == ['nft', 'list', 'tables']:
            out = ''.join('%s\n' % t for t in sorted(tables))
        elif argv[:2] == ['nft', '-f']:
            with open(argv[2]) as handle:
                text = handle.read()
            tables.clear()
            tables.update(line.rstrip(' {') for line in text.splitlines()
                          if line.startswith('table ') and line.endswith(' {'))
        return subprocess.CompletedProcess(argv, 0, out, '')

    monkeypatch.setattr(host_side, '_run', run)
    monkeypatch.setattr(daemons.Local, 'start', lambda self, conf: ran.append(daemons.dnsmasq_argv(conf)))
    monkeypatch.setattr(host_side, '_links', lambda: {})
    monkeypatch.setattr(host_side, '_bridge_nf', lambda work: None)
    monkeypatch.setattr(host_side, '_network_links', lambda work, net, links, prune, extra=(): None)
    state = str(tmp_path)

    class Host(object):
        state_dir = state

        @staticmethod
        def converge(p, prune=False):
            return host_side.converge(copy.deepcopy(p), prune=prune, state_dir=state)

        @staticmethod
        def hosts():
            with open(os.path.join(state, NET, 'hosts')) as handle:
                return handle.read()

        @staticmethod
        def filters():
            with open(os.path.join(state, 'filters.nft')) as handle:
                return handle.read()

        @staticmethod
        def chain_of(pid):
            """The rules of port ``pid``'s ingress chain (None: the port has no chain)."""
            text = Host.filters()
            mark = '# port %s ingress' % pid
            if mark not in text:
                return None
            return text.split(mark, 1)[1].split('  }', 1)[0]

    return Host


def test_an_older_snapshot_applied_last_keeps_the_other_ports_reservation_and_chain(host):
    # boot A's job read the plan before B was bound; boot B's job read it after and applies first
    host.converge(plan(200.0, [A, B]))
    host.converge(plan(100.0, [A]))
    assert host.hosts() == 'fa:16:3e:00:00:0a,10.77.0.21,vm-5889\nfa:16:3e:00:00:0b,10.77.0.22,vm-c3a1\n'
    for pid in (A, B):
        assert 'tcp dport 22 return' in host.chain_of(pid)
        assert 'iifname "%s" meta mark set' % host_plan.tap_name(pid) in host.filters()
    # the same with A's job pruning after its boot (handlers/host.py _unplug): B is newer than A's plan
    host.converge(plan(100.0, [A]), prune=True)
    assert 'fa:16:3e:00:00:0b,10.77.0.22' in host.hosts() and host.chain_of(B) is not None


def test_an_older_snapshot_never_rolls_a_ports_rules_back(host):
    host.converge(plan(100.0, [A, B], rules=(SSH,)))
    host.converge(plan(300.0, [A, B], rules=(SSH, PING)))      # a rule was added: every port gets it
    host.converge(plan(200.0, [A, B], rules=(SSH,)), prune=True)   # a job built before the rule change
    for pid in (A, B):
        assert 'ip protocol icmp return' in host.chain_of(pid)
    host.converge(plan(400.0, [A, B], rules=(SSH,)))           # the rule went again: a newer plan wins
    assert 'ip protocol icmp return' not in host.chain_of(A)


def test_a_prune_removes_only_what_it_is_asked_to(host):
    host.converge(plan(100.0, [A]))
    host.converge(plan(300.0, [A, B]))
    # B's server is deleted: its job's plan (read before the delete, so without B's port) names it leaving
    gone = dict(plan(200.0, [A]), leaving=['server-' + B[:4]])
    host.converge(gone, prune=True)
    assert host.hosts() == 'fa:16:3e:00:00:0a,10.77.0.21,vm-5889\n'
    assert host.chain_of(B) is None and host.chain_of(A) is not None
    # a newer whole plan without A (A's port went from the store): A goes; a plan older than A keeps it
    host.converge(plan(300.0, [B]))
    host.converge(plan(250.0, [B]), prune=True)
    assert host.chain_of(A) is not None
    host.converge(plan(500.0, [B]), prune=True)
    assert host.chain_of(A) is None and host.hosts() == 'fa:16:3e:00:00:0b,10.77.0.22,vm-c3a1\n'


def test_a_port_named_leaving_goes_even_from_the_plan_that_brought_it(host):
    # an interface attach plugged B from this plan, then its hot-plug failed: the same plan without B, pruned
    attach = plan(300.0, [A, B])
    host.converge(attach)
    host.converge(host_side.merge([attach], leaving_ports=[B]), prune=True)
    assert host.chain_of(B) is None and host.hosts() == 'fa:16:3e:00:00:0a,10.77.0.21,vm-5889\n'
    assert host.chain_of(A) is not None
    # a prune alone keeps a port the host has from the plan itself (it may be a concurrent boot's)
    again = plan(400.0, [A, B])
    host.converge(again)
    host.converge(dict(again, ports=[p for p in again['ports'] if p['id'] != B]), prune=True)
    assert host.chain_of(B) is not None
    with pytest.raises(InvalidInput, match='leaving_ports'):
        host.converge(dict(attach, leaving_ports='x'))


def test_a_plan_written_by_hand_is_newer_than_everything(host):
    host.converge(plan(900.0, [A, B], rules=(SSH, PING)))
    by_hand = plan(None, [A], rules=(SSH,))
    del by_hand['generation']
    host.converge(by_hand, prune=True)
    assert host.chain_of(B) is None and 'icmp' not in host.chain_of(A)


def test_two_applies_at_once_take_turns_and_both_ports_stay(host, monkeypatch):
    inside, most = [0], [0]
    real = host_side._converge

    def slow(*args):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)     # read-merge-render-apply takes a while: the other job comes in meanwhile
        try:
            return real(*args)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(host_side, '_converge', slow)
    errors = []

    def apply(p):
        try:
            host.converge(p)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # each boot's job read the plan before the other server's port was bound
    threads = [threading.Thread(target=apply, args=(plan(g, [pid]),)) for g, pid in ((100.0, A), (101.0, B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors and most[0] == 1
    assert host.hosts() == 'fa:16:3e:00:00:0a,10.77.0.21,vm-5889\nfa:16:3e:00:00:0b,10.77.0.22,vm-c3a1\n'
    assert host.chain_of(A) is not None and host.chain_of(B) is not None


def test_merge_keeps_each_ports_generation_and_the_oldest_plans():
    merged = host_side.merge([plan(200.0, [A, B]), plan(100.0, [A])], leaving=['server-' + B[:4]])
    assert merged['generation'] == 100.0 and merged['leaving'] == ['server-' + B[:4]]
    assert [(p['id'], p['generation']) for p in merged['ports']] == [(A, 200.0)]


def test_a_generation_must_be_a_time():
    with pytest.raises(InvalidInput, match='network.generation'):
        host_side.check_plan(plan('yesterday', [A]))
    with pytest.raises(InvalidInput, match='network.leaving'):
        host_side.check_plan(dict(plan(1.0, [A]), leaving='x'))


def test_a_deleted_servers_port_does_not_come_back_with_an_older_snapshot(host):
    host.converge(plan(100.0, [A, B]))
    host.converge(dict(plan(300.0, [A]), leaving=['server-' + B[:4]]), prune=True)    # B's server deleted
    host.converge(plan(200.0, [A, B]))              # a job built before the delete applies after it
    assert host.chain_of(B) is None and 'fa:16:3e:00:00:0b' not in host.hosts()
    host.converge(plan(400.0, [A, B]))              # B bound here again later (a new plan has it): it comes
    assert host.chain_of(B) is not None
