# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A network's dnsmasq outlives the API job that started it (novalite_api/host_launcher.py).

A job's ansible run is wrapped as the worker wraps it (run_groups.wrapped: ``unshare --pid --fork
--kill-child``); inside, as on a compute host reached with a local connection, the real ``host_side.converge``
runs in a network namespace of the test's own (lib/test_hosts.start_namespace). Without a launcher the
dnsmasq it starts is a process of the run's PID namespace and is gone when the run ends (the problem); with
the run's launcher it is started outside, in the namespace's network, and still serves after the run ended;
a later run stops it through the launcher again (a converge without the network). No guest is booted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import shlex
import subprocess
import sys

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.network import daemons, host_plan

from lib.test_hosts import start_namespace, stop_fabric
from novalite_api import host_launcher, run_groups

pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason='needs root (network namespaces, dnsmasq)')]

NET = '1de2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10'
SUB = '84428ba8-aa68-49ed-84e1-b1368ebe1b78'
DHCP_PORT = '7f0c4f4e-5b1e-4d55-8d8a-0c4b2f1e9a21'
PORT = '588958eb-d9d3-4a9b-bbe9-7af7330f05e0'
COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           'collections')

# what a host_network module call does, reduced to its converge (the plan and state dir as arguments)
_CONVERGE = '''
import json, sys
from ansible_collections.novalite.compute.plugins.module_utils.network import host_side
with open(sys.argv[1]) as handle:
    plan = json.load(handle)
print(json.dumps(host_side.converge(plan, prune=True, state_dir=sys.argv[2])))
'''


def _plan(with_network=True):
    bridge = host_plan.bridge_name(NET)
    if not with_network:
        return {'local_ip': '10.254.0.11', 'external': [], 'networks': [], 'ports': []}
    return {
        'local_ip': '10.254.0.11', 'external': [],
        'networks': [{'id': NET, 'bridge': bridge, 'mtu': 1450, 'vxlan': None,
                      'subnets': [{'id': SUB, 'cidr': '10.81.0.0/24', 'gateway_ip': '10.81.0.1', 'enable_dhcp': True}],
                      'dhcp': {'port_id': DHCP_PORT, 'addresses': [{'subnet_id': SUB, 'ip': '10.81.0.2'}],
                               'reservations': [{'mac': 'fa:16:3e:00:00:0a', 'ip': '10.81.0.21', 'hostname': 'vm'}]}}],
        'ports': [{'id': PORT, 'device_id': 'server', 'network_id': NET, 'mac': 'fa:16:3e:00:00:0a',
                   'tap': host_plan.tap_name(PORT), 'bridge': bridge, 'ips': ['10.81.0.21'], 'port_security': True,
                   'rules': []}]}


@pytest.fixture
def netns():
    ns = start_namespace()
    try:
        yield ns
    finally:
        stop_fabric(ns)     # its processes (a dnsmasq left by a failed assertion too) stopped by PID


def _job_run(tmp_path, name, ns, plan, launcher=True):
    """One 'job run': the converge inside the worker's wrapper, in ``ns``'s network; its converge result."""
    data_dir = tmp_path / name
    data_dir.mkdir()
    plan_path = tmp_path / ('%s.json' % name)
    plan_path.write_text(json.dumps(copy.deepcopy(plan)))
    argv = ['nsenter', '-t', str(ns.pid), '-n', '--', sys.executable, '-c', _CONVERGE, str(plan_path),
            str(tmp_path / 'state')]
    binary, cmdline = run_groups.wrapped(argv, str(data_dir))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    env.pop(daemons.LAUNCHER_ENV, None)
    started = host_launcher.HostLauncher(str(data_dir)) if launcher else None
    try:
        if started is not None:
            env.update(started.env())
        proc = subprocess.run([binary] + shlex.split(cmdline), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)
    finally:
        if started is not None:
            started.close()
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _dnsmasq(tmp_path):
    """The PID of the network's dnsmasq (from its PID file, checked against its command line), or None."""
    return daemons.dnsmasq_pid(str(tmp_path / 'state' / NET / daemons.CONF_NAME))


def _net_ns(pid):
    return os.stat('/proc/%d/ns/net' % pid).st_ino


def test_a_jobs_dnsmasq_outlives_the_job_only_through_its_launcher(tmp_path, netns):
    # the problem: started inside the run's PID namespace, it dies with the run
    result = _job_run(tmp_path, 'inside', netns, _plan(), launcher=False)
    assert 'start dnsmasq of %s' % NET in result['actions']
    assert _dnsmasq(tmp_path) is None
    # the fix: the run asks its launcher, the dnsmasq runs on in the namespace's network
    result = _job_run(tmp_path, 'launched', netns, _plan())
    assert 'start dnsmasq of %s' % NET in result['actions']
    pid = _dnsmasq(tmp_path)
    assert pid is not None and _net_ns(pid) == _net_ns(netns.pid)
    listening = netns.run(['ss', '-lunp']).stdout
    assert ':67 ' in listening and 'pid=%d,' % pid in listening, listening
    # a second job finds it (through its own launcher) and changes nothing
    assert _job_run(tmp_path, 'again', netns, _plan())['changed'] is False
    assert _dnsmasq(tmp_path) == pid
    # a job whose plan drops the network stops it (the launcher signals it: the run cannot)
    result = _job_run(tmp_path, 'dropped', netns, _plan(with_network=False))
    assert 'stop dnsmasq of %s' % NET in result['actions']
    assert run_groups.start_time(pid) is None


def test_the_launcher_answers_only_its_runs_processes_and_fixed_requests(tmp_path):
    data_dir = tmp_path / 'run'
    data_dir.mkdir()
    launcher = host_launcher.HostLauncher(str(data_dir))
    try:
        asked = daemons.Launcher(launcher.env()[daemons.LAUNCHER_ENV])
        conf = str(tmp_path / NET / daemons.CONF_NAME)
        # this test process is no process of the run (there is not even a run yet)
        with pytest.raises(daemons.DaemonError, match='not a process of this run'):
            asked.running(conf)
        for bad in ('relative/%s/dnsmasq.conf' % NET, '/x/../%s/dnsmasq.conf' % NET, '/x/not-a-uuid/dnsmasq.conf',
                    '/x/%s/evil.conf' % NET, '/x/%s/dnsmasq.conf\n--port=53' % NET, None, 7):
            with pytest.raises(host_launcher.Refused):
                host_launcher.check_conf(bad)
        assert host_launcher.check_conf(conf) == conf
    finally:
        launcher.close()
    assert not os.path.exists(launcher.dir)
