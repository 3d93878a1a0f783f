# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute host's own report and the playbook path's refresh, on real libvirt + QEMU.

* The README's flow after ``make up``, after a long pause: every heartbeat is 5 minutes
  old, yet the playbooks boot an ACTIVE server (the hosts they call report themselves first).
* A really dead compute host (its libvirt does not answer) gets no heartbeat from that
  refresh: it is avoided, and with no other host the server's fault says ComputeFilter
  removed it as down.
* The ``compute_host`` role with the loop process: it starts one reporter that writes
  heartbeats every interval, a second run changes nothing and starts no second process,
  and ``compute_host_report_state=stopped`` stops it. Every reporter a test starts is
  stopped by its PID when the test ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import subprocess
import time

import pytest
import sqlalchemy as sa
import yaml

from lib.novalite_env import REPO, VENV_BIN, NovaliteEnv

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, reporter, settings
from ansible_collections.novalite.compute.plugins.module_utils.store import engine, schema
from ansible_collections.novalite.compute.plugins.module_utils.virt import host_facts

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

DEAD_URI = 'qemu+unix:///system?socket=/nonexistent/novalite-dead/libvirt-sock'


@pytest.fixture
def env(tmp_path):
    deployment = NovaliteEnv('sqlite:///%s' % (tmp_path / 'novalite.db'))
    yield deployment
    deployment.cleanup()


def age_heartbeats(store, minutes=5):
    """Every heartbeat as written ``minutes`` ago: what a long pause without a reporter leaves."""
    services = schema.table('services')
    with store.begin() as conn:
        conn.execute(sa.update(services).values(
            last_seen_up=engine.utcnow() - datetime.timedelta(minutes=minutes)))


def add_dead_host(env, name='compute-dead'):
    """An inventory host whose libvirt never answers, recorded (with this machine's facts) while it still did."""
    with open(env.inventory) as f:
        inventory = yaml.safe_load(f)
    inventory['all']['children']['compute']['hosts'][name] = {
        'ansible_connection': 'local', 'novalite_libvirt_uri': DEAD_URI,
        'novalite_instances_path': env.instances_paths['localhost']}
    with open(env.inventory, 'w') as f:
        yaml.safe_dump(inventory, f)
    facts = dict(host_facts.gather('qemu:///system', env.instances_paths['localhost']), hostname=name)
    hosts.record(env.store(), name, facts, settings.parse({'novalite_libvirt_uri': DEAD_URI}))


@pytest.mark.parametrize('playbook,extra_vars', [
    ('boot.yml', {'name': 'after-pause'}),
    # the README's command
    ('server.yml', {'server_name': 'after-pause'}),
])
def test_boot_after_a_long_pause_is_active(env, playbook, extra_vars):
    store = env.setup()
    age_heartbeats(store)
    assert hosts.get_node(store, 'localhost')['state'] == 'down'
    env.must(playbook, flavor='m1.tiny', image='novalite-test', **extra_vars)
    server = env.server('after-pause')
    assert server['status'] == 'ACTIVE', instances.latest_fault(store, server['uuid'])
    env.wait_for_console(server)


def test_dead_host_is_avoided_and_the_live_one_used(env):
    store = env.setup()
    add_dead_host(env)
    age_heartbeats(store)
    run = env.must('boot.yml', name='live-only', flavor='m1.tiny', image='novalite-test', min_count=2,
                   max_count=2)
    assert 'compute-dead did not answer' in run.output
    servers = [env.server('live-only-%d' % i) for i in (1, 2)]
    assert [(s['status'], s['host']) for s in servers] == [('ACTIVE', 'localhost')] * 2
    assert hosts.get_node(store, 'compute-dead')['state'] == 'down'
    assert hosts.get_node(store, 'localhost')['state'] == 'up'


def test_only_a_dead_host_gives_an_explained_no_valid_host(env):
    store = env.setup()
    add_dead_host(env)
    # the live host is taken out of scheduling, so only the dead one could be chosen
    hosts.set_enabled(store, 'localhost', False, 'test: only the dead host')
    age_heartbeats(store)
    run = env.playbook('boot.yml', name='nowhere', flavor='m1.tiny', image='novalite-test')
    assert run.rc != 0
    assert 'compute-dead did not answer' in run.output and 'cannot connect' in run.output
    server = env.server('nowhere')
    assert server['status'] == 'ERROR'
    message = instances.latest_fault(store, server['uuid'])['message']
    assert 'No valid host' in message and 'ComputeFilter' in message and 'down' in message, message


# ---- the reporter ------------------------------------------------------------------------------

def reporter_cli(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, 'collections'))
    return subprocess.run([os.path.join(VENV_BIN, 'python'), '-m', reporter.MODULE_NAME] + list(args),
                          capture_output=True, text=True, env=env, timeout=60, check=False)


def heartbeat_of(store, host):
    services = schema.table('services')
    with store.read() as conn:
        return conn.execute(sa.select(services.c.last_seen_up, services.c.report_count)
                            .where(services.c.host == host)).first()


def test_reporter_loop_writes_heartbeats_every_interval_and_runs_once(env, tmp_path):
    store = env.store()
    config = tmp_path / 'report.json'
    config.write_text(json.dumps({
        'host': 'localhost', 'database_url': env.db_url, 'libvirt_uri': 'qemu:///system',
        'instances_path': env.instances_paths['localhost'], 'report_interval': 1, 'resource_interval': 3}))
    pid_file, log_file = str(tmp_path / 'report.pid'), str(tmp_path / 'report.log')
    args = ['--config', str(config), '--pid-file', pid_file, '--log-file', log_file]
    first = reporter_cli(*(args + ['start']))
    try:
        assert first.returncode == 0 and first.stdout.startswith('started '), first.stdout + first.stderr
        pid = int(first.stdout.split()[1])
        second = reporter_cli(*(args + ['start']))
        assert second.stdout.strip() == 'running %d' % pid
        assert reporter.running_pid(pid_file) == pid

        # a new host: the first report registers it; then one report per interval
        deadline = time.time() + 10
        while heartbeat_of(store, 'localhost') is None and time.time() < deadline:
            time.sleep(0.2)
        start_count = heartbeat_of(store, 'localhost').report_count
        time.sleep(4.5)
        count = heartbeat_of(store, 'localhost').report_count
        assert 3 <= count - start_count <= 6, (start_count, count)
        assert hosts.get_node(store, 'localhost')['state'] == 'up'
        assert hosts.get_node(store, 'localhost')['instances_path'] == env.instances_paths['localhost']
    finally:
        stopped = reporter_cli(*(args + ['stop']))
    assert stopped.stdout.strip() == 'stopped %d' % pid
    assert reporter.running_pid(pid_file) is None
    assert not os.path.exists('/proc/%d' % pid) or 'zombie' in open('/proc/%d/status' % pid).read().lower()
    assert reporter_cli(*(args + ['status'])).returncode == 3


def test_a_stale_pid_file_is_not_a_running_reporter(tmp_path):
    """A PID file left by a dead reporter (its PID now someone else's) is neither reported nor signalled."""
    pid_file = tmp_path / 'report.pid'
    pid_file.write_text('%d\n' % os.getpid())
    assert reporter.running_pid(str(pid_file)) is None
    assert reporter.stop(str(pid_file)) is None


def test_compute_host_role_starts_one_reporter_and_is_idempotent(env, tmp_path):
    pid_file = str(tmp_path / 'run' / 'report.pid')
    role_vars = {
        'compute_host_collections_path': os.path.join(REPO, 'collections'),
        'compute_host_config_file': str(tmp_path / 'etc' / 'report.json'),
        'compute_host_pid_file': pid_file,
        'compute_host_log_file': str(tmp_path / 'log' / 'report.log'),
        'compute_host_service_manager': 'process',
        'compute_host_report_interval': 1,
    }
    try:
        first = env.must('compute_host.yml', **role_vars)
        pid = reporter.running_pid(pid_file)
        assert pid and first.changed >= 1
        second = env.must('compute_host.yml', **role_vars)
        assert second.changed == 0, second.output[-3000:]
        assert reporter.running_pid(pid_file) == pid
        assert oct(os.stat(role_vars['compute_host_config_file']).st_mode & 0o777) == '0o600'
        deadline = time.time() + 10
        while time.time() < deadline:
            row = heartbeat_of(env.store(), 'localhost')
            if row is not None and row.report_count >= 2:
                break
            time.sleep(0.2)
        assert row is not None and row.report_count >= 2
        assert os.path.isdir(os.path.join(env.instances_paths['localhost'], '_base'))

        stopped = env.must('compute_host.yml', compute_host_report_state='stopped', **role_vars)
        assert stopped.changed == 1
        assert reporter.running_pid(pid_file) is None
    finally:
        reporter.stop(pid_file)
