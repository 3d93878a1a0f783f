# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The REST shim's jobs (novalite_api/jobs.py): the API's queue and the workers, on both backends.

ansible-runner is replaced by a fake that plays its part only: it creates the
run's artifacts dir and calls the event handler with events shaped like
ansible-runner's for each host call. Everything else (api_jobs rows, claims and
leases, takeover, scheduling and claims, recording results, instance actions,
batching) is the real code on SQLite and MariaDB; ending a recorded run uses a
real process started the way runs are (novalite_api/run_groups.py).
The same flows on real libvirt are tests/api/test_server_lifecycle.py and
tests/security/test_crash_recovery.py.
"""

import datetime
import inspect
import os
import shlex
import socket
import subprocess
import threading
import time
import types

import pytest
import sqlalchemy as sa
from ansible.parsing.dataloader import DataLoader
from ansible_runner.config._base import BaseConfig
from ansible_runner.config.runner import RunnerConfig

from novalite_api import config, jobs, run_groups

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, follow_ups, instances, migration_records, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.network import daemons
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, settings
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

HOST = 'cn-jobs-1'
SPAWNED = {'changed': True, 'power_state': S.RUNNING, 'domain_xml': '<domain type="qemu"/>'}
STOPPED = {'changed': True, 'power_state': S.SHUTDOWN}
# What the real ansible_runner.run accepts: the fake refuses anything else, so a misspelt option fails here too.
RUN_OPTIONS = (set(inspect.signature(RunnerConfig.__init__).parameters)
               | set(inspect.signature(BaseConfig.__init__).parameters)
               | {'event_handler', 'status_handler', 'artifacts_handler', 'cancel_callback', 'finished_callback'})


# ---- the fake ansible-runner ----------------------------------------------------------------------

def read_extravars(private_data_dir):
    """The extra vars as ansible-playbook reads them from ``-e @env/extravars``."""
    return DataLoader().load_from_file(os.path.join(private_data_dir, 'env', 'extravars'))


class FakeRunner(object):
    """Stands in for ``ansible_runner.run``: ``answer(call)`` says what the host did with each call.

    answer returns ('ok', module result), ('failed', message) or None (the run ends
    without an event for the call and the host is reported unreachable).
    """

    def __init__(self, answer, follow=None):
        self.answer = answer
        # follow(call): the run waits for that call's next step and runs it, as host_calls_live_migrations.yml does
        self.follow = follow
        self.wait = 5   # seconds the run waits for a next step
        self.runs = []
        self.lock = threading.Lock()

    def __call__(self, **kwargs):
        assert not set(kwargs) - RUN_OPTIONS, 'ansible_runner.run has no option %s' % (set(kwargs) - RUN_OPTIONS)
        # as ansible-runner does: the extra vars come from the data dir's env/extravars (-e @file)
        kwargs = dict(kwargs, extravars=read_extravars(kwargs['private_data_dir']))
        with self.lock:
            self.runs.append(kwargs)
        ident = kwargs['ident']
        os.makedirs(os.path.join(kwargs['private_data_dir'], 'artifacts', ident, 'job_events'), exist_ok=True)
        handler = kwargs['event_handler']
        status, rc = 'successful', 0
        todo = list(kwargs['extravars']['novalite_host_calls'])
        while todo:
            call = todo.pop(0)
            outcome = self.answer(call)
            task = 'Bring each instance to its state on its host'
            if outcome is None:
                handler({'event': 'runner_on_unreachable', 'event_data': {
                    'task': task, 'host': 'localhost',
                    'res': {'unreachable': True, 'msg': 'Failed to connect to the host via ssh: %s' % call['host']}}})
                status, rc = 'failed', 4
                continue
            kind, value = outcome
            if kind == 'ok':
                res = dict(value, item=call, ansible_loop_var='item', invocation={'module_args': {}})
                handler({'event': 'runner_item_on_ok', 'event_data': {'task': task, 'res': res}})
            else:
                res = {'failed': True, 'msg': value, 'item': call, 'ansible_loop_var': 'item'}
                handler({'event': 'runner_item_on_failed', 'event_data': {'task': task, 'res': res}})
            if self.follow is not None and self.follow(call):
                todo.extend(follow_ups.take(kwargs['extravars']['novalite_follow_up_dir'], [call], self.wait))
        return types.SimpleNamespace(status=status, rc=rc)

    def calls(self):
        with self.lock:
            return [c for run in self.runs for c in run['extravars']['novalite_host_calls']]

    def artifacts_of(self, server):
        """The artifacts dir of the run that carried ``server``'s host call."""
        with self.lock:
            for run in self.runs:
                if any(c['server'] == server for c in run['extravars']['novalite_host_calls']):
                    return os.path.join(run['private_data_dir'], 'artifacts', run['ident'])
        return None


def always_ok(call):
    return ('ok', SPAWNED if call['action'] == 'create' else STOPPED)


# ---- fixtures and helpers -------------------------------------------------------------------------

def host_facts():
    """A host_facts result as the module returns it on a small KVM host."""
    return {
        'hostname': 'hv-jobs.example', 'host_uuid': '4f6b1f0e-2d1a-4f55-9d43-0b8f1f3b7c21', 'host_ip': '192.0.2.10',
        'libvirt_uri': 'qemu:///system', 'instances_path': '/var/lib/novalite/instances',
        'vcpus': 16, 'memory_mb': 65536, 'memory_mb_free': 60000, 'local_gb': 500, 'free_disk_gb': 450,
        'cpu_arch': 'x86_64',
        'cpu_info': {'arch': 'x86_64', 'model': 'EPYC', 'vendor': 'AMD',
                     'topology': {'sockets': 1, 'cores': 16, 'threads': 1}, 'features': ['avx2']},
        'cpu_traits': ['HW_CPU_X86_AVX2'],
        'hypervisor_type': 'QEMU', 'hypervisor_version': 7002022, 'libvirt_version': 9000000,
        'virt_type': 'kvm', 'virt_type_detected': 'kvm',
        'supported_instances': [['x86_64', 'kvm', 'hvm']], 'running_vms': 0,
    }


@pytest.fixture
def catalog(store):
    """A compute node, a flavor and an active image; returns the image id."""
    hosts.record(store, HOST, host_facts(), settings.parse({}))
    flavors.create(store, 'm1.small', 1, 1024, 10, flavorid='2')
    image = images.create(store, 'cirros', disk_format='qcow2', container_format='bare', visibility='public')
    t = table('images')
    with store.begin() as conn:
        # As after an upload (the image data itself is never read here).
        conn.execute(t.update().where(t.c.id == image['id']).values(status='active', size=16 * 1024 * 1024))
    return image['id']


class Service(object):
    """An API's job queue and one worker on the test's store (the worker starts on the first submit)."""

    def __init__(self, cfg, store):
        self.queue = jobs.JobQueue(cfg, store)
        self.worker = jobs.JobRunner(cfg, store)
        self.cfg = cfg

    def accept(self, *args, **kwargs):
        return self.queue.accept(*args, **kwargs)

    def submit_boot(self, ident, uuids):
        self.queue.enqueue_boot(ident, uuids)
        self.worker.start()

    def submit_action(self, ident, uuid, host_call):
        self.queue.enqueue_action(ident, uuid, host_call)
        self.worker.start()

    def start(self):
        self.worker.start()


def worker_config(tmp_path, **overrides):
    raw = {'database_url': 'sqlite:///unused.db', 'jobs_dir': str(tmp_path / 'jobs'),
           'secret_key_file': str(tmp_path / 'secret.key'), 'heartbeat_interval': 0,
           'boot_batch_window_ms': 0, 'job_poll_ms': 20, 'job_lease_seconds': 15, 'job_lease_renew_seconds': 5,
           # the runs here are FakeRunner's: no ansible-playbook to start ahead (test_warm_starts.py has real ones)
           'warm_ansible_starts': 0}
    raw.update(overrides)
    cfg = config.validate(raw)
    os.makedirs(cfg['jobs_dir'], exist_ok=True)
    return cfg


@pytest.fixture
def make_runner(store, tmp_path, monkeypatch):
    """make_runner(answer, **cfg) -> (Service, FakeRunner); every worker is stopped and drained at teardown."""
    made = []

    def make(answer=always_ok, follow=None, **overrides):
        fake = FakeRunner(answer, follow)
        monkeypatch.setattr(jobs.ansible_runner, 'run', fake)
        service = Service(worker_config(tmp_path, **overrides), store)
        made.append(service.worker)
        return service, fake

    yield make
    for worker in made:
        worker.stop(wait=True)


def ctx():
    return Context(user_id='u1', project_id='p1', is_admin=False)


def create(store, context, image_id, name='vm', count=1):
    return conductor.create_servers(store, context, {'name': name, 'flavor': '2', 'image': image_id,
                                                     'max_count': count})


def job_row(store, ident):
    t = table('api_jobs')
    with store.read() as conn:
        row = conn.execute(sa.select(t).where(t.c.ident == ident)).first()
    return as_dict(row) if row is not None else None


def wait_finished(store, ident, timeout=15):
    deadline = time.time() + timeout
    while True:
        row = job_row(store, ident)
        if row is not None and row['status'] not in jobs.UNFINISHED:
            return row
        assert time.time() < deadline, 'job %s still %s' % (ident, row and row['status'])
        time.sleep(0.02)


def active_instance(store, image_id, name='web'):
    """An ACTIVE server on HOST (as after a boot), for the action tests."""
    inst = create(store, ctx(), image_id, name=name)[0]
    return instances.update(store, inst['uuid'], vm_state=S.ACTIVE, task_state=None, host=HOST,
                            node='hv-jobs.example', power_state=S.RUNNING)


def job_events(store, uuid, request_id):
    action = [a for a in instances.list_actions(store, uuid) if a['request_id'] == request_id][-1]
    return [e for e in action['events'] if e['event'] == jobs.JOB_EVENT]


# ---- _spread --------------------------------------------------------------------------------------

def _calls(host, count):
    return [{'host': host, 'server': '%s-%d' % (host, i)} for i in range(count)]


def test_spread_one_host_fills_every_slot():
    calls = _calls('a', 10)
    groups = jobs._spread(calls, 4)   # pylint: disable=protected-access
    assert sorted((len(g) for g in groups), reverse=True) == [3, 3, 2, 2]
    assert sorted(c['server'] for g in groups for c in g) == sorted(c['server'] for c in calls)


def test_spread_keeps_hosts_apart():
    calls = _calls('a', 5) + _calls('b', 3)
    groups = jobs._spread(calls, 4)   # pylint: disable=protected-access
    assert len(groups) == 4
    assert all(len(set(c['host'] for c in g)) == 1 for g in groups)
    served = [c['server'] for g in groups for c in g]
    assert sorted(served) == sorted(c['server'] for c in calls) and len(served) == len(set(served))


def test_spread_fewer_calls_than_slots():
    groups = jobs._spread(_calls('a', 2), 4)   # pylint: disable=protected-access
    assert [len(g) for g in groups] == [1, 1]


def assert_lanes(run, cfg, sizes):
    """The run's calls are in lanes of these sizes, each lane one host's, and the run's inventory has them."""
    calls = run['extravars']['novalite_host_calls']
    lanes = {}
    for call in calls:
        lanes.setdefault(call['lane'], []).append(call)
    assert sorted(len(c) for c in lanes.values()) == sorted(sizes)
    assert all(len(set(c['host'] for c in lane)) == 1 for lane in lanes.values())
    # The operator's inventory (the compute hosts) plus the run's own: the lanes are its play hosts.
    assert run['inventory'][0] == cfg['inventory'] and len(run['inventory']) == 2
    inventory = DataLoader().load_from_file(run['inventory'][1])
    assert set(inventory['all']['children'][jobs.LANES_GROUP]['hosts']) == set(lanes)
    assert os.path.dirname(run['inventory'][1]) == run['private_data_dir']
    assert run['forks'] == min(len(lanes), cfg['job_concurrency'])   # side by side, job_concurrency at most


# ---- boots ----------------------------------------------------------------------------------------

def test_boot_records_each_result_and_fails_a_call_without_one(store, catalog, make_runner):
    def answer(call):
        # The first server spawns; the run never reports the second (its host went unreachable).
        return ('ok', SPAWNED) if call['instance']['display_name'] == 'vm-1' else None

    runner, fake = make_runner(answer)
    context = ctx()
    ident = runner.accept(context.request_id, 'boot')
    assert job_row(store, ident)['status'] == 'accepted'
    rows = create(store, context, catalog, count=2)
    runner.submit_boot(ident, [r['uuid'] for r in rows])
    row = wait_finished(store, ident)
    assert row['status'] == 'failed' and row['finished_at'] is not None and row['started_at'] is not None
    assert sorted(row['instance_uuids']) == sorted(r['uuid'] for r in rows)

    first, second = (instances.get(store, r['uuid']) for r in rows)
    assert (first['vm_state'], first['task_state'], first['status']) == (S.ACTIVE, None, 'ACTIVE')
    assert first['launched_at'] is not None and first['power_state'] == S.RUNNING
    assert first['domain_xml'] == SPAWNED['domain_xml'] and first['host'] == HOST
    # no run waits for a boot's next step: nothing was handed over for it
    assert os.listdir(os.path.join(fake.runs[0]['private_data_dir'], 'follow_ups')) == []

    # One host only: the reschedule finds no other host and the build ends in ERROR.
    assert (second['vm_state'], second['task_state'], second['status']) == (S.ERROR, None, 'ERROR')
    assert second['launched_at'] is None
    assert instances.latest_fault(store, second['uuid'])['message'].startswith('No valid host was found')
    # The host call's failure is in the build event, naming the run and why.
    second_artifacts = fake.artifacts_of(second['uuid'])
    run_ident = os.path.basename(second_artifacts)
    build = [e for a in instances.list_actions(store, second['uuid']) for e in a['events']
             if e['event'] == conductor.BUILD_EVENT and e['result'] == 'Error']
    assert build and 'without a result' in build[0]['traceback'] and run_ident in build[0]['traceback']
    assert 'Failed to connect to the host via ssh' in build[0]['traceback']

    for inst in (first, second):
        events = job_events(store, inst['uuid'], context.request_id)
        assert len(events) == 1
        assert events[0]['details'] == fake.artifacts_of(inst['uuid'])
        assert os.path.isdir(events[0]['details'])
        assert events[0]['finish_time'] is not None
    assert job_events(store, first['uuid'], context.request_id)[0]['result'] == 'Success'
    assert job_events(store, second['uuid'], context.request_id)[0]['result'] == 'Error'
    # The two servers went to their host in one run, each in its own lane (parallel spawns, one ansible start).
    assert len(fake.runs) == 1
    assert_lanes(fake.runs[0], runner.cfg, [1, 1])
    for run in fake.runs:
        assert run['ident'].startswith(context.request_id)
        assert run['playbook'] == jobs.HOST_CALLS
        assert run['extravars']['novalite_database_url'] == runner.cfg['database_url']
    # The failed build's claim is released: only the ACTIVE server holds resources.
    node = hosts.get_node(store, HOST)
    assert node['vcpus_used'] == 1 and node['memory_mb_used'] == 1024
    # The boot and the reschedule ran on the worker's live host state: loaded once, then synced.
    stats = runner.worker.host_state.stats
    assert stats['full_loads'] == 1 and stats['syncs'] >= 2


def test_runs_never_take_over_the_process_signal_handlers(store, catalog, make_runner):
    # Without a cancel callback ansible-runner puts its own SIGTERM/SIGINT handlers on a process whose main
    # thread starts a run; they only cancel that run, so the process (a pytest run, a benchmark) no longer stops.
    import signal
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    runner, fake = make_runner(lambda call: ('ok', SPAWNED))
    context = ctx()
    ident = runner.accept(context.request_id, 'boot')
    runner.submit_boot(ident, [r['uuid'] for r in create(store, context, catalog, count=1)])
    wait_finished(store, ident)
    assert fake.runs and all(run['cancel_callback']() is False for run in fake.runs)
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_each_run_has_ssh_masters_of_its_own(store, catalog, make_runner):
    # A run's ssh ControlPersist masters die with its PID namespace: in a directory another run (or an
    # operator's playbook) shares, that one could be using the master when it dies, and fail the host.
    runner, fake = make_runner(lambda call: ('ok', SPAWNED))
    for _boot in range(2):
        context = ctx()   # a request of its own
        ident = runner.accept(context.request_id, 'boot')
        runner.submit_boot(ident, [r['uuid'] for r in create(store, context, catalog, count=1)])
        wait_finished(store, ident)
    dirs = [run['extravars']['ansible_control_path_dir'] for run in fake.runs]
    assert len(dirs) == 2 and len(set(dirs)) == 2, dirs
    assert not any(os.path.exists(d) for d in dirs)   # removed after the run


def test_each_run_has_a_host_launcher_of_its_own_and_heartbeats_run(store, catalog, make_runner, monkeypatch):
    # A dnsmasq a run's module starts would die with the run's PID namespace: the worker starts it on the
    # run's behalf (host_launcher.py), through a socket named in the run's environment, gone after the run.
    runner, fake = make_runner(lambda call: ('ok', SPAWNED))
    for _boot in range(2):
        context = ctx()
        ident = runner.accept(context.request_id, 'boot')
        runner.submit_boot(ident, [r['uuid'] for r in create(store, context, catalog, count=1)])
        wait_finished(store, ident)
    sockets = [run['envvars'][daemons.LAUNCHER_ENV] for run in fake.runs]
    assert len(sockets) == 2 and len(set(sockets)) == 2, sockets
    assert not any(os.path.exists(os.path.dirname(path)) for path in sockets)
    # a heartbeat (no host daemons) runs as before
    beats = []
    monkeypatch.setattr(jobs.ansible_runner, 'run',
                        lambda **kwargs: beats.append(kwargs) or types.SimpleNamespace(status='successful', rc=0))
    runner.worker.heartbeat_once()
    assert len(beats) == 1 and daemons.LAUNCHER_ENV not in beats[0]['envvars']


def test_boot_with_no_valid_host_runs_nothing(store, catalog, make_runner):
    runner, fake = make_runner()
    context = ctx()
    ident = runner.accept(context.request_id, 'boot')
    big = flavors.create(store, 'm1.huge', 1, 512000, 10, flavorid='9')   # more RAM than the host has
    rows = conductor.create_servers(store, context, {'name': 'big', 'flavor': big['flavorid'], 'image': catalog})
    runner.submit_boot(ident, [r['uuid'] for r in rows])
    wait_finished(store, ident)
    inst = instances.get(store, rows[0]['uuid'])
    assert (inst['vm_state'], inst['task_state']) == (S.ERROR, None)
    assert instances.latest_fault(store, inst['uuid'])['message'].startswith('No valid host was found')
    assert fake.runs == []


def test_runs_of_one_request_get_their_own_dirs(store, catalog, make_runner, monkeypatch):
    # A boot that fails on one host runs again, rescheduled to the other, in a second run of the same
    # request. A frozen clock makes "the same millisecond" certain.
    hosts.record(store, HOST + '-b', dict(host_facts(), hostname='hv-jobs-b.example'), settings.parse({}))
    monkeypatch.setattr(jobs, 'time', types.SimpleNamespace(time=lambda: 1767225600.5, sleep=time.sleep))
    tried = []

    def answer(call):
        tried.append(call['host'])
        return ('failed', 'disk full') if len(tried) == 1 else ('ok', SPAWNED)

    runner, fake = make_runner(answer)
    context = ctx()
    ident = runner.accept(context.request_id, 'boot')
    rows = create(store, context, catalog)
    runner.submit_boot(ident, [r['uuid'] for r in rows])
    assert wait_finished(store, ident)['status'] == 'successful'
    assert len(tried) == 2 and tried[0] != tried[1]
    assert instances.get(store, rows[0]['uuid'])['vm_state'] == S.ACTIVE
    assert len(fake.runs) == 2
    assert len(set(run['ident'] for run in fake.runs)) == 2
    # Each run was noted on the job before it started, with the machine it runs on.
    runs = job_row(store, ident)['runs']
    assert sorted(r['dir'] for r in runs) == sorted(run['private_data_dir'] for run in fake.runs)
    assert all(r['host'] == socket.gethostname() and r['boot_id'] == run_groups.boot_id() for r in runs)
    assert len(set(run['private_data_dir'] for run in fake.runs)) == 2
    details = [e['details'] for e in job_events(store, rows[0]['uuid'], context.request_id)]
    assert len(details) == 2 and details[0] != details[1]


# ---- actions --------------------------------------------------------------------------------------

def test_failed_action_item_keeps_vm_state_and_records_fault(store, catalog, make_runner):
    runner, fake = make_runner(lambda call: ('failed', 'disk full'))
    inst = active_instance(store, catalog)
    context = ctx()
    started = server_actions.start(store, inst['uuid'], 'stop', context)
    assert started['server']['task_state'] == S.POWERING_OFF
    ident = runner.accept(context.request_id, 'action')
    runner.submit_action(ident, inst['uuid'], dict(started['host_call'], request_id=context.request_id))
    row = wait_finished(store, ident)
    assert row['status'] == 'successful'   # the run itself succeeded: the failure is the item's
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state'], after['power_state']) == (S.ACTIVE, None, S.RUNNING)
    assert instances.latest_fault(store, inst['uuid'])['message'] == 'disk full'
    [call] = fake.calls()
    assert (call['action'], call['state'], call['server']) == ('stop', 'stopped', inst['uuid'])
    stop = [a for a in instances.list_actions(store, inst['uuid']) if a['request_id'] == context.request_id][0]
    assert stop['action'] == 'stop' and stop['message'] == 'Error'
    by_name = dict((e['event'], e) for e in stop['events'])
    assert by_name['compute_stop_instance']['result'] == 'Error'
    assert by_name['compute_stop_instance']['traceback'] == 'disk full'
    assert by_name[jobs.JOB_EVENT]['details'] == fake.artifacts_of(inst['uuid'])


def test_successful_action_item_moves_the_state(store, catalog, make_runner):
    runner, _fake = make_runner()
    inst = active_instance(store, catalog)
    context = ctx()
    started = server_actions.start(store, inst['uuid'], 'stop', context)
    ident = runner.accept(context.request_id, 'action')
    runner.submit_action(ident, inst['uuid'], dict(started['host_call'], request_id=context.request_id))
    assert wait_finished(store, ident)['status'] == 'successful'
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state'], after['power_state']) == (S.STOPPED, None, S.SHUTDOWN)
    assert instances.latest_fault(store, inst['uuid']) is None


def _live_migration(store, catalog):
    """A server ACTIVE on HOST, a second host, and its live migration started: (server, context, host call)."""
    facts = dict(host_facts(), hostname='hv-jobs-2.example', host_uuid='5a7c2e1f-3e2b-4a66-8e54-1c9f2a4b8d32',
                 host_ip='192.0.2.11')
    hosts.record(store, 'cn-jobs-2', facts, settings.parse({}))
    inst = active_instance(store, catalog)
    context = Context(user_id='u1', project_id='p1', is_admin=True)
    started = server_actions.start(store, inst['uuid'], 'live_migrate', context)
    return inst, context, dict(started['host_call'], request_id=context.request_id)


def _live_migration_step(call):
    step = call['live_migration']['step']
    if step == 'prepare_destination':
        return ('ok', {'changed': True, 'step': step, 'created': True, 'shared_file': None})
    return ('ok', {'changed': True, 'step': step, 'power_state': S.RUNNING, 'domain_xml': '<domain type="qemu"/>'})


@pytest.mark.parametrize('taken', [True, False])
def test_a_next_step_runs_in_the_same_run_when_the_run_takes_it(store, catalog, make_runner, taken):
    """A live migration's source step, recorded from the destination step's item event, is handed into the run
    still going (one ansible start for both); a run that does not take it leaves it to a run of its own."""
    follow = (lambda call: call['live_migration']['step'] == 'prepare_destination') if taken else None
    runner, fake = make_runner(_live_migration_step, follow=follow)
    inst, context, call = _live_migration(store, catalog)
    ident = runner.accept(context.request_id, 'action')
    runner.submit_action(ident, inst['uuid'], call)
    assert wait_finished(store, ident)['status'] == 'successful'
    assert [c['live_migration']['step'] for c in fake.calls()] == ['prepare_destination'] + ([] if taken else ['migrate'])
    assert len(fake.runs) == (1 if taken else 2)
    after = instances.get(store, inst['uuid'])
    assert (after['host'], after['vm_state'], after['task_state']) == ('cn-jobs-2', S.ACTIVE, None)
    with store.read() as conn:
        assert migration_records.latest(conn, inst['uuid'])['status'] == 'completed'
    # each run's link on the action: one per step, every one closed, naming the run that did it
    links = job_events(store, inst['uuid'], context.request_id)
    runs = [os.path.join(run['private_data_dir'], 'artifacts', run['ident']) for run in fake.runs]
    assert [(e['details'], e['result']) for e in links] == [(runs[0], 'Success'), (runs[-1], 'Success')]
    # each step recorded once: a hand-over is owned by the run or by the worker, never both
    hand_over = os.path.join(fake.runs[0]['private_data_dir'], 'follow_ups')
    assert follow_ups.untaken(hand_over) == []
    assert sorted(n.rsplit('.', 1)[1] for n in os.listdir(hand_over)) == ['taken']


def test_a_next_step_that_cannot_be_handed_over_runs_in_a_run_of_its_own(store, catalog, make_runner, monkeypatch):
    def unwritable(*_args):
        raise OSError(28, 'No space left on device')

    runner, fake = make_runner(_live_migration_step,
                               follow=lambda call: call['live_migration']['step'] == 'prepare_destination')
    fake.wait = 0.2
    monkeypatch.setattr(jobs.follow_ups, 'offer', unwritable)
    inst, context, call = _live_migration(store, catalog)
    ident = runner.accept(context.request_id, 'action')
    runner.submit_action(ident, inst['uuid'], call)
    assert wait_finished(store, ident)['status'] == 'successful'
    assert [c['live_migration']['step'] for c in fake.calls()] == ['prepare_destination', 'migrate']
    assert instances.get(store, inst['uuid'])['host'] == 'cn-jobs-2'


def test_a_next_step_taken_but_never_reported_is_the_hosts_failure(store, catalog, make_runner):
    """The run took the source step and ended without its result: recorded as the host failing it (the guest
    stays on its source, the destination rolled back in the next run)."""
    def answer(call):
        return None if call['live_migration']['step'] == 'migrate' else _live_migration_step(call)

    runner, fake = make_runner(answer, follow=lambda call: call['live_migration']['step'] == 'prepare_destination')
    inst, context, call = _live_migration(store, catalog)
    ident = runner.accept(context.request_id, 'action')
    runner.submit_action(ident, inst['uuid'], call)
    wait_finished(store, ident)
    assert [c['live_migration']['step'] for c in fake.calls()] == ['prepare_destination', 'rollback_dest']
    after = instances.get(store, inst['uuid'])
    assert (after['host'], after['vm_state'], after['task_state']) == (HOST, S.ACTIVE, None)
    assert 'without a result for live_migrate' in instances.latest_fault(store, inst['uuid'])['message']
    with store.read() as conn:
        assert migration_records.latest(conn, inst['uuid'])['status'] == 'error'


# ---- takeover: what a dead API process or worker left --------------------------------------------

def gone_owner():
    """An owner id of this machine whose process is gone (its start time never matches)."""
    return '%s:%s:%d:0:dead' % (socket.gethostname(), run_groups.boot_id(), os.getpid())


def now_text():
    """utcnow as rows.as_dict renders timestamps (they compare as text)."""
    return utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')


def set_job(store, ident, **values):
    t = table('api_jobs')
    with store.begin() as conn:
        conn.execute(t.update().where(t.c.ident == ident).values(**values))


def test_accepted_rows_of_a_gone_api_process_are_resolved(store, catalog, make_runner):
    old, _unused = make_runner()
    written = ctx()
    old.accept(written.request_id, 'boot')
    rows = create(store, written, catalog, count=2)      # the API process died before queueing
    empty = ctx()
    old.accept(empty.request_id, 'boot')                # ... and this one before create_servers
    live = ctx()
    old.accept(live.request_id, 'boot')                 # its API process still runs: left alone
    for ident in (written.request_id, empty.request_id):
        set_job(store, ident, owner=gone_owner())

    service, fake = make_runner()
    service.start()
    row = wait_finished(store, written.request_id)
    assert row['status'] == 'successful' and row['attempts'] == 1
    assert sorted(row['instance_uuids']) == sorted(r['uuid'] for r in rows)
    assert wait_finished(store, empty.request_id)['status'] == 'lost'
    assert job_row(store, empty.request_id)['finished_at'] is not None
    for r in rows:
        inst = instances.get(store, r['uuid'])
        assert (inst['vm_state'], inst['task_state'], inst['host']) == (S.ACTIVE, None, HOST)
        assert inst['launched_at'] is not None
    assert sorted(c['server'] for c in fake.calls()) == sorted(r['uuid'] for r in rows)
    time.sleep(0.2)
    assert job_row(store, live.request_id)['status'] == 'accepted'
    # An API process that was only slow queues its request after all: 'lost' meant nothing was written yet.
    service.queue.enqueue_boot(empty.request_id, [])
    assert wait_finished(store, empty.request_id)['status'] == 'successful'


def _running_action_job(store, service, inst, context, owner):
    """An action job as a worker that died during its run leaves it."""
    started = server_actions.start(store, inst['uuid'], 'stop', context)
    ident = service.accept(context.request_id, 'action')
    set_job(store, ident, status='running', instance_uuids=[inst['uuid']], owner=owner, attempts=1,
            lease_expires=utcnow() + datetime.timedelta(seconds=600),
            extravars={'host_call': dict(started['host_call'], request_id=context.request_id)})
    return ident


def test_gone_workers_action_reruns_while_in_its_task_state(store, catalog, make_runner):
    old, _unused = make_runner()
    inst = active_instance(store, catalog)
    context = ctx()
    ident = _running_action_job(store, old, inst, context, gone_owner())
    assert instances.get(store, inst['uuid'])['task_state'] == S.POWERING_OFF

    service, fake = make_runner()
    service.start()
    row = wait_finished(store, ident)
    assert row['status'] == 'successful' and row['attempts'] == 2 and row['owner'] == service.worker.owner
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state'], after['power_state']) == (S.STOPPED, None, S.SHUTDOWN)
    assert [c['server'] for c in fake.calls()] == [inst['uuid']]


def test_action_accepted_but_never_queued_is_failed(store, catalog, make_runner):
    old, _unused = make_runner()
    inst = active_instance(store, catalog)
    context = ctx()
    # The API process wrote the job row and set the task_state, then died before queueing the host call.
    ident = old.accept(context.request_id, 'action', [inst['uuid']], 'stop')
    server_actions.start(store, inst['uuid'], 'stop', context)
    set_job(store, ident, owner=gone_owner())

    service, fake = make_runner()
    service.start()
    assert wait_finished(store, ident)['status'] == 'lost'
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state']) == (S.ACTIVE, None)
    assert jobs.STOPPED_BEFORE_QUEUED in instances.latest_fault(store, inst['uuid'])['message']
    assert fake.runs == []


def test_taken_over_action_already_recorded_is_closed(store, catalog, make_runner):
    old, _unused = make_runner()
    inst = active_instance(store, catalog)
    context = ctx()
    ident = _running_action_job(store, old, inst, context, gone_owner())
    # The old worker recorded the result but died before closing the job.
    conductor.record_result(store, inst['uuid'], 'stop', context.request_id, host_result=STOPPED)

    service, fake = make_runner()
    service.start()
    assert wait_finished(store, ident)['status'] == 'successful'
    assert instances.get(store, inst['uuid'])['vm_state'] == S.STOPPED
    assert fake.runs == []


# ---- claims and leases ----------------------------------------------------------------------------

def _queued_actions(store, catalog, service, count):
    idents = []
    for index in range(count):
        inst = active_instance(store, catalog, name='q%d' % index)
        context = ctx()
        started = server_actions.start(store, inst['uuid'], 'stop', context)
        idents.append(service.accept(context.request_id, 'action', [inst['uuid']], 'stop'))
        service.queue.enqueue_action(idents[-1], inst['uuid'], dict(started['host_call'], request_id=context.request_id))
    return idents


def test_two_workers_claiming_at_once_split_the_jobs(store, catalog, make_runner):
    first, _fake = make_runner()
    second, _fake = make_runner()
    idents = _queued_actions(store, catalog, first, 12)
    claimed = {}
    barrier = threading.Barrier(2)

    def claim(worker):
        barrier.wait()
        got = []
        for _attempt in range(4):
            got.extend(r['ident'] for r in worker.claim(limit=3))
        claimed[worker.owner] = got

    threads = [threading.Thread(target=claim, args=(s.worker,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = claimed[first.worker.owner] + claimed[second.worker.owner]
    assert sorted(together) == sorted(idents)      # every job once, none twice
    for worker in (first.worker, second.worker):
        for ident in claimed[worker.owner]:
            row = job_row(store, ident)
            assert (row['status'], row['owner'], row['attempts']) == ('running', worker.owner, 1)
            assert row['lease_expires'] > now_text()


def test_a_live_lease_is_kept_an_expired_one_taken_over(store, catalog, make_runner):
    first, _fake = make_runner(job_lease_seconds=30)
    second, _fake = make_runner()
    [ident] = _queued_actions(store, catalog, first, 1)
    assert [r['ident'] for r in first.worker.claim()] == [ident]
    assert second.worker.claim() == []              # held, and its owner (this process) is alive
    set_job(store, ident, lease_expires=utcnow() - datetime.timedelta(seconds=1))
    first.worker.renew()                             # renewal extends a lease it still holds
    assert job_row(store, ident)['lease_expires'] > now_text()
    assert second.worker.claim() == []
    set_job(store, ident, lease_expires=utcnow() - datetime.timedelta(seconds=1))
    [taken] = second.worker.claim()
    assert (taken['ident'], taken['status'], taken['owner']) == (ident, 'running', first.worker.owner)
    row = job_row(store, ident)
    assert (row['owner'], row['attempts']) == (second.worker.owner, 2)
    first.worker.renew()                             # the old owner cannot take it back
    assert job_row(store, ident)['owner'] == second.worker.owner
    assert first.worker._mine([ident]) == set()      # pylint: disable=protected-access


def test_a_gone_owner_is_taken_over_before_its_lease_ends(store, catalog, make_runner):
    service, _fake = make_runner()
    [ident] = _queued_actions(store, catalog, service, 1)
    set_job(store, ident, status='running', owner=gone_owner(), lease_expires=utcnow() + datetime.timedelta(hours=1))
    assert [r['ident'] for r in service.worker.claim()] == [ident]


def test_a_run_on_another_machine_is_left_to_that_machine(store, catalog, make_runner):
    service, _fake = make_runner()
    [ident] = _queued_actions(store, catalog, service, 1)
    set_job(store, ident, status='running', owner='elsewhere:b00t:1:1:0',
            lease_expires=utcnow() - datetime.timedelta(seconds=1),
            runs=[{'dir': '/nonexistent', 'host': 'elsewhere', 'boot_id': 'b00t'}])
    assert service.worker.claim() == []


def test_two_running_workers_do_each_job_once(store, catalog, make_runner):
    first, _fake = make_runner()
    second, fake = make_runner()      # the fake ansible-runner both workers call
    first.start()
    second.start()
    idents = _queued_actions(store, catalog, first, 10)
    boots = []
    for index in range(6):
        context = ctx()
        ident = first.accept(context.request_id, 'boot')
        rows = create(store, context, catalog, name='two%d' % index)
        first.queue.enqueue_boot(ident, [r['uuid'] for r in rows])
        boots.append((ident, rows[0]['uuid']))
    owners = set()
    for ident in idents + [b[0] for b in boots]:
        row = wait_finished(store, ident)
        assert row['status'] == 'successful' and row['attempts'] == 1
        owners.add(row['owner'])
    served = [c['server'] for c in fake.calls()]
    assert len(served) == len(set(served)) == 16
    for _ident, uuid in boots:
        assert instances.get(store, uuid)['vm_state'] == S.ACTIVE


# ---- ending a dead worker's runs ------------------------------------------------------------------

def _start_wrapped(data_dir, argv):
    """A run's processes started the way ansible-runner starts them (pexpect: a new session)."""
    os.makedirs(data_dir, exist_ok=True)
    binary, cmdline = run_groups.wrapped(argv, data_dir)
    return subprocess.Popen([binary] + shlex.split(cmdline), start_new_session=True)


def _wait_file_lines(path, count, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and len(open(path).read().splitlines()) >= count:
            return
        time.sleep(0.02)
    raise AssertionError('%s has not %d lines' % (path, count))


def test_takeover_ends_the_recorded_run_before_resuming(store, catalog, make_runner, tmp_path):
    old, _unused = make_runner()
    inst = active_instance(store, catalog)
    context = ctx()
    ident = _running_action_job(store, old, inst, context, gone_owner())
    data_dir = str(tmp_path / 'old-run')
    # The old worker's run: a shell and a sleep that left the group (as ansible's workers do with setsid).
    # (/proc here is the machine's: a process reads its pid outside the run's PID namespace from it.)
    os.makedirs(data_dir)
    with open(os.path.join(data_dir, 'escape.sh'), 'w') as handle:
        handle.write('read -r pid rest < /proc/self/stat; echo $pid > %s/escaped; exec sleep 300\n' % data_dir)
    run = _start_wrapped(data_dir, ['sh', '-c', 'setsid sh %s/escape.sh & sleep 300' % data_dir])
    _wait_file_lines(os.path.join(data_dir, run_groups.PGROUP_FILE), 2)
    _wait_file_lines(os.path.join(data_dir, 'escaped'), 1)
    escaped = int(open(os.path.join(data_dir, 'escaped')).read())
    escaped_start = run_groups.start_time(escaped)
    leader, leader_start = open(os.path.join(data_dir, run_groups.PGROUP_FILE)).read().split('\n')[0].split()
    assert int(leader) == run.pid and os.getpgid(run.pid) == run.pid
    set_job(store, ident, runs=[run_groups.run_record(data_dir)])

    service, fake = make_runner()
    service.start()
    assert wait_finished(store, ident)['status'] == 'successful'
    assert run.wait(timeout=5) == -9
    assert not run_groups.alive(escaped, escaped_start)          # the whole namespace ended with it
    assert not run_groups.alive(run.pid, leader_start)
    assert [c['server'] for c in fake.calls()] == [inst['uuid']]  # then the call was done again, once
    assert instances.get(store, inst['uuid'])['vm_state'] == S.STOPPED


def test_a_recorded_run_that_never_started_is_fenced(tmp_path):
    data_dir = str(tmp_path / 'fenced-run')
    os.makedirs(data_dir)
    record = run_groups.run_record(data_dir)
    assert run_groups.end_run(record) == 'not started'
    late = _start_wrapped(data_dir, ['sleep', '300'])            # the dead worker's spawn, arriving late
    assert late.wait(timeout=10) == 125
    assert run_groups.end_run(record) == 'not started'
    assert run_groups.end_run(dict(record, boot_id='another-boot')) == 'gone'


def test_end_run_never_signals_a_reused_pid(tmp_path):
    data_dir = str(tmp_path / 'reused')
    os.makedirs(data_dir)
    bystander = subprocess.Popen(['sleep', '300'], start_new_session=True)
    try:
        # The record names the bystander's pid with another start time: a process that had the pid before.
        with open(os.path.join(data_dir, run_groups.PGROUP_FILE), 'w') as handle:
            handle.write('%d 1\n' % bystander.pid)
        assert run_groups.end_run(run_groups.run_record(data_dir)) == 'gone'
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


# ---- batching -------------------------------------------------------------------------------------

def test_boots_within_the_window_share_one_pass(store, catalog, make_runner):
    runner, fake = make_runner(boot_batch_window_ms=3000, job_concurrency=2)
    passes = []
    boot_jobs = runner.worker._boot_jobs   # pylint: disable=protected-access

    def counting(batch):
        passes.append([j['ident'] for j in batch])
        return boot_jobs(batch)

    # The window's wait ends when the test has queued all three, not after 3 s of wall clock: on a busy
    # machine three MariaDB commits once took longer than the window. Without the window the worker
    # claims the first boot alone at once, and the test fails.
    all_queued = threading.Event()
    stop_wait = runner.worker._stop.wait   # pylint: disable=protected-access

    def window_ends_when_all_queued(timeout=None):
        if timeout == 3.0:
            all_queued.wait(60)
            timeout = 0
        return stop_wait(timeout)

    runner.worker._stop.wait = window_ends_when_all_queued   # pylint: disable=protected-access
    runner.worker._boot_jobs = counting   # pylint: disable=protected-access
    # the worker starts with the first submit (Service.submit_boot): its first look finds a boot queued and
    # opens the window (started before, a look finding none could claim the first ones without a window)
    idents, uuids = [], []
    for index in range(3):
        context = ctx()
        idents.append(runner.accept(context.request_id, 'boot'))
        rows = create(store, context, catalog, name='batch%d' % index)
        uuids.extend(r['uuid'] for r in rows)
    # queued one after another (as three API requests a few ms apart), well inside the window
    for ident, uuid in zip(idents, uuids):
        runner.submit_boot(ident, [uuid])
    all_queued.set()
    for ident in idents:
        assert wait_finished(store, ident)['status'] == 'successful'
    assert len(passes) == 1 and sorted(passes[0]) == sorted(idents)
    # One run for the pass; _spread: 3 calls on the one host, job_concurrency 2 -> min(2 // 1, 3) lanes
    assert len(fake.runs) == 1
    assert_lanes(fake.runs[0], runner.worker.cfg, [2, 1])
    assert sorted(c['server'] for c in fake.calls()) == sorted(uuids)
    for uuid in uuids:
        inst = instances.get(store, uuid)
        assert (inst['vm_state'], inst['task_state']) == (S.ACTIVE, None)
    # Each request's calls carry their own request id, so each server's action got its result.
    for ident, uuid in zip(idents, uuids):
        assert job_events(store, uuid, ident)[0]['result'] == 'Success'


# ---- settings -------------------------------------------------------------------------------------

def test_lease_settings_are_checked(tmp_path):
    from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
    with pytest.raises(InvalidInput) as err:
        worker_config(tmp_path, job_lease_seconds=5, job_lease_renew_seconds=5)
    assert err.value.field == 'job_lease_renew_seconds'
    example = config.load(os.path.join(config.COLLECTION_ROOT, 'etc', 'novalite-api.example.yml'))
    assert (example['job_lease_seconds'], example['job_lease_renew_seconds']) == (15, 5)
    assert example['accepted_grace_seconds'] == 300


# ---- hostile data ---------------------------------------------------------------------------------

def test_unencodable_data_fails_only_its_own_call(store, catalog, make_runner):
    """A value Ansible cannot be handed (a lone surrogate from before the API refused them) fails its
    own server alone: another project's server batched into the same run boots."""
    runner, fake = make_runner(boot_batch_window_ms=1000)
    runner.start()
    poisoned_ctx, clean_ctx = ctx(), Context(user_id='u2', project_id='p2', is_admin=False)
    poisoned_job = runner.accept(poisoned_ctx.request_id, 'boot')
    poisoned = create(store, poisoned_ctx, catalog, name='poisoned')[0]
    t = table('instances')
    if store.engine.dialect.name == 'mysql':
        # MariaDB's JSON check refuses the escape outright: such a value can only sit in a SQLite store
        with pytest.raises(sa.exc.OperationalError, match='CONSTRAINT'):
            with store.begin() as conn:
                conn.execute(t.update().where(t.c.uuid == poisoned['uuid']).values(metadata={'k': u'\ud800'}))
        return
    with store.begin() as conn:
        conn.execute(t.update().where(t.c.uuid == poisoned['uuid']).values(metadata={'k': u'\ud800'}))
    clean_job = runner.accept(clean_ctx.request_id, 'boot')
    clean = create(store, clean_ctx, catalog, name='clean')[0]
    runner.submit_boot(poisoned_job, [poisoned['uuid']])
    runner.submit_boot(clean_job, [clean['uuid']])
    wait_finished(store, poisoned_job)
    wait_finished(store, clean_job)

    assert instances.get(store, clean['uuid'])['vm_state'] == S.ACTIVE
    bad = instances.get(store, poisoned['uuid'])
    assert (bad['vm_state'], bad['task_state']) == (S.ERROR, None)
    build = [e for a in instances.list_actions(store, poisoned['uuid']) for e in a['events']
             if e['event'] == conductor.BUILD_EVENT and e['result'] == 'Error']
    assert build and 'instance.metadata.k is not valid UTF-8' in build[0]['traceback']
    assert [c['server'] for c in fake.calls()] == [clean['uuid']]
    # both were claimed as one batch; the clean call's run was written and read back whole
    assert len(fake.runs) == 1


def test_a_runs_ssh_master_dir_is_its_own_and_goes_with_the_block():
    with run_groups.ssh_master_dir() as first, run_groups.ssh_master_dir() as second:
        assert first != second and os.path.isdir(first) and os.path.isdir(second)
        assert len(os.path.join(first, 'a' * 40)) < 100   # room for ansible's ControlPath socket name
    assert not os.path.exists(first) and not os.path.exists(second)
    with pytest.raises(RuntimeError):
        with run_groups.ssh_master_dir() as failed:
            raise RuntimeError('the run could not start')
    assert not os.path.exists(failed)
