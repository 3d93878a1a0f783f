# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Floating IPs through the unmodified `openstack` CLI reach a real guest at once: the REST shim in front of a
namespaced compute host that realises its networks (lib/test_hosts.py), a namespace of the test's own standing
for the external network (a flat provider network on the host's ``ext0``).

``server add floating ip`` converges the host before the answer: the external namespace pings the floating IP
and the guest answers (TTL 63: routed once by the host, so the guest and not the host); after ``server remove
floating ip`` nothing answers, and a second converge of the host changes nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from lib.live_api import running
from lib.novalite_env import TEST_IMAGE, VENV_BIN
from lib.test_hosts import external_network, inventory_vars, libvirt_hosts, stop_fabric

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]

DEMO = 'novalite-demo'


def _ping(outside, address, count=1):
    return outside.run(['ping', '-c', str(count), '-W', '1', address], check=False)


def test_server_add_and_remove_floating_ip_on_a_real_guest():
    python = os.path.join(VENV_BIN, 'python')
    with libvirt_hosts(1, prefix='nlfip', fabric=True) as hosts:
        host = hosts[0]
        outside = external_network(host, 'ext0', '203.0.113.1/24')
        try:
            host_vars = {host.name: dict(inventory_vars(host, python),
                                         novalite_physical_interface_mappings='physnet1:ext0')}
            with running(compute_hosts=hosts, host_vars=host_vars) as live:
                ext = live.cli('network', 'create', '--external', '--provider-network-type', 'flat',
                               '--provider-physical-network', 'physnet1', 'public')
                live.cli('subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24',
                         '--gateway', '203.0.113.1', '--no-dhcp', 'public-sub')
                live.cli('network', 'create', 'net', cloud=DEMO)
                live.cli('subnet', 'create', '--network', 'net', '--subnet-range', '10.78.0.0/24', 'sub', cloud=DEMO)
                live.cli('security', 'group', 'rule', 'create', '--protocol', 'icmp', 'default', cloud=DEMO)
                live.cli('router', 'create', 'r', cloud=DEMO)
                live.cli('router', 'set', '--external-gateway', 'public', 'r', as_json=False, cloud=DEMO)
                live.cli('router', 'add', 'subnet', 'r', 'sub', as_json=False, cloud=DEMO)
                server = live.cli('server', 'create', '--flavor', 'm1.tiny', '--image', live.seeds['image']['id'],
                                  '--network', 'net', '--wait', 'vm', cloud=DEMO)
                address = live.cli('floating', 'ip', 'create', ext['id'], cloud=DEMO)['floating_ip_address']
                started = time.time()
                live.cli('server', 'add', 'floating', 'ip', server['id'], address, as_json=False, cloud=DEMO)
                took = time.time() - started
                deadline = time.time() + 120       # the guest may still be booting: its DHCP, its route
                ping = _ping(outside, address)
                while ping.returncode != 0 and time.time() < deadline:
                    time.sleep(1)
                    ping = _ping(outside, address)
                assert ping.returncode == 0 and 'ttl=63' in ping.stdout, ping.stdout + ping.stderr + live.log()
                print('server add floating ip: %.1fs to the answer (host converged)' % took)
                shown = live.cli('server', 'show', server['id'], cloud=DEMO)
                assert address in str(shown['addresses'])
                # a second converge of the host changes nothing
                run = live.playbook('reconcile.yml')
                assert run.rc == 0, run.output[-3000:]
                replug = run.output.split('Re-plug the host', 1)[1].split('TASK [', 1)[0]
                assert 'ok: [%s]' % host.name in replug and 'changed:' not in replug, replug

                live.cli('server', 'remove', 'floating', 'ip', server['id'], address, as_json=False, cloud=DEMO)
                ping = _ping(outside, address, count=2)
                assert ping.returncode != 0, ping.stdout
                assert address not in host.run(['ip', '-o', 'addr', 'show']).stdout
                assert 'dnat' not in host.run(['nft', 'list', 'ruleset']).stdout
                live.cli('server', 'delete', '--wait', server['id'], as_json=False, cloud=DEMO)
        finally:
            stop_fabric(outside)
