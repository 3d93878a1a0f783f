# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Accepted work runs as ansible-runner jobs: the shim's RabbitMQ + nova-compute.

A mutating request is checked and recorded in the API call (instances, the
action, the task_state), handed here, and answered 202. Each request is a row
in ``api_jobs`` (so it survives a restart). The controller side runs here with
the collection's compute code (``conductor.schedule_and_prepare``: the
scheduler and its claims; ``conductor.record_result``), the host side runs the
collection's ``playbooks/host_calls.yml`` (the ``instance`` / ``instance_action``
modules on each compute host) through ansible-runner, each run in its own
private data dir under ``jobs_dir`` with an ident made of the request id.

* Runner events drive the instance: each host call's item result
  (``runner_item_on_ok`` / ``_failed``) is recorded the moment it arrives, so
  ``spawning`` turns ACTIVE (or is rescheduled to another host, or goes to ERROR
  with a fault) while the run goes on; the run's artifacts dir is linked from a
  ``novalite_ansible_job`` event of each instance action. Finished dirs are
  rotated (``artifacts_keep``).
* Boots that arrive within ``boot_batch_window_ms`` are scheduled together and
  share runs: one ansible start for many requests, spread over up to
  ``job_concurrency`` runs (at most that many at once) so hosts spawn in parallel.
* A host call that a run ended without a result for (an unreachable host, a
  killed run) is recorded as failed, as the host would have: nothing stays in
  BUILD or a task state.
* ``recover()`` at start completes what a previous process accepted: boots are
  scheduled or spawned again from where their instances are, actions re-run
  (host calls are desired states: running one twice is safe); a run that
  outlived the old process is waited for first.
* Every ``heartbeat_interval`` seconds ``register_hosts.yml`` refreshes the
  hosts' capacity and heartbeats (Nova's periodic resource report).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import logging
import os
import shutil
import sys
import threading
import time
from concurrent import futures

from novalite_api.ansible_data import unencodable_field, write_extravars
from novalite_api.config import COLLECTION_ROOT

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import ansible_runner
    HAS_RUNNER = True
except ImportError:  # pragma: no cover - a requirement
    HAS_RUNNER = False

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover - a requirement
    sa = None

LOG = logging.getLogger('novalite_api.jobs')
PLAYBOOK_DIR = os.path.join(COLLECTION_ROOT, 'playbooks')
HOST_CALLS = os.path.join(PLAYBOOK_DIR, 'host_calls.yml')
HEARTBEAT = os.path.join(PLAYBOOK_DIR, 'register_hosts.yml')
JOB_EVENT = 'novalite_ansible_job'
UNFINISHED = ('accepted', 'queued', 'running')
# A skipped item is not a result: it is recorded as a call the run ended without.
_ITEM_EVENTS = ('runner_item_on_ok', 'runner_item_on_failed')
# Runs of one request may start in the same millisecond (a boot spread over several runs).
_RUN_SEQ = itertools.count(1)


def _jobs_table():
    return table('api_jobs')


class JobRunner(object):
    """Queues, batches and runs the shim's jobs (one runner per process)."""

    def __init__(self, cfg, store):
        self.cfg = cfg
        self.store = store
        if cfg.get('instance_name_template'):
            # nova.conf's instance_name_template: read by compute/instances.domain_name in this process
            # (host calls are prepared here) and in the modules of every run (see _ansible_env).
            os.environ[instances.NAME_TEMPLATE_ENV] = cfg['instance_name_template']
        # Ansible runs at once; the orchestration threads only wait on them.
        self._runs = futures.ThreadPoolExecutor(max_workers=cfg['job_concurrency'], thread_name_prefix='nl-run')
        self._work = futures.ThreadPoolExecutor(max_workers=4 * cfg['job_concurrency'], thread_name_prefix='nl-job')
        self._lock = threading.Lock()
        self._pending_boots = []
        self._boot_timer = None
        self._active = set()          # data dirs of runs in progress (never rotated away)
        self._stop = threading.Event()
        self._started = False

    # ---- the api_jobs rows ----------------------------------------------------------------------

    def accept(self, request_id, kind, instance_uuids=(), action=None):
        """Record a job before its instances or task state are written, so a crash in between is found later."""
        with self.store.begin() as conn:
            conn.execute(_jobs_table().insert().values(
                ident=request_id, request_id=request_id, kind=kind, extravars={'action': action} if action else {}, instance_uuids=list(instance_uuids),
                status='accepted', created_at=utcnow()))
        return request_id

    def forget(self, ident):
        """The request was refused after accept(): nothing was written for it."""
        with self.store.begin() as conn:
            conn.execute(_jobs_table().delete().where(_jobs_table().c.ident == ident))

    def _update(self, idents, **values):
        with self.store.begin() as conn:
            t = _jobs_table()
            conn.execute(t.update().where(t.c.ident.in_(list(idents))).values(**values))

    def _job(self, ident):
        with self.store.read() as conn:
            t = _jobs_table()
            row = conn.execute(sa.select(t).where(t.c.ident == ident)).first()
        return as_dict(row) if row is not None else None

    # ---- submitting -----------------------------------------------------------------------------

    def submit_boot(self, ident, instance_uuids):
        self._update([ident], status='queued', instance_uuids=list(instance_uuids))
        self._queue_boot(self._job(ident))

    def submit_action(self, ident, instance_uuid, host_call):
        self._update([ident], status='queued', instance_uuids=[instance_uuid],
                     extravars={'action': host_call['action'], 'host_call': host_call})
        self._work.submit(self._guarded, self._action_job, [self._job(ident)])

    def _queue_boot(self, job):
        with self._lock:
            self._pending_boots.append(job)
            if self._boot_timer is None:
                self._boot_timer = threading.Timer(self.cfg['boot_batch_window_ms'] / 1000.0, self._flush_boots)
                self._boot_timer.daemon = True
                self._boot_timer.start()

    def _flush_boots(self):
        with self._lock:
            pending, self._pending_boots, self._boot_timer = self._pending_boots, [], None
        if pending:
            self._work.submit(self._guarded, self._boot_jobs, pending)

    def _guarded(self, work, jobs):
        try:
            work(jobs)
        except Exception:  # pylint: disable=broad-except
            # A bug here must not leave the requests' instances in a task state.
            LOG.exception('job %s failed', jobs[0]['ident'])
            self._finish(jobs, False, 'the job runner failed; see the API service log')

    # ---- the work -------------------------------------------------------------------------------

    def _boot_jobs(self, jobs):
        """Schedule every request of the batch (Nova's conductor), then spawn all of them."""
        self._update([j['ident'] for j in jobs], status='running', started_at=utcnow())
        calls, broken = [], []
        for job in jobs:
            try:
                calls.extend(self._boot_calls(job))
            except Exception as exc:  # pylint: disable=broad-except
                # One request that cannot be scheduled must not take the batch's other requests with it.
                LOG.exception('preparing boot job %s failed', job['ident'])
                broken.append((job, exc))
        for job, exc in broken:
            self._finish([job], False, 'preparing the boot failed: %s' % exc)
        ok = self._run_calls(calls)
        self._finish([j for j in jobs if j not in [b[0] for b in broken]], ok)

    def _boot_calls(self, job):
        """Host calls for a boot job's instances, from wherever each one is (scheduling or later)."""
        to_schedule, calls = [], []
        for uuid in job['instance_uuids']:
            inst = _live(self.store, uuid)
            if inst is None or inst['vm_state'] != states.BUILDING:
                continue
            if inst['task_state'] == states.SCHEDULING:
                to_schedule.append(uuid)
            elif inst['host']:
                with self.store.read() as conn:
                    node = conductor.node_settings(conn, inst['host'])
                calls.append(_create_call(dict(conductor.host_args(inst, node), request_id=job['request_id'])))
        if to_schedule:
            # Writes task_state scheduling -> block_device_mapping -> spawning, or ERROR + fault (NoValidHost).
            prepared = conductor.schedule_and_prepare(self.store, to_schedule, job['request_id'])
            calls.extend(_create_call(build) for build in prepared['builds'])
        return calls

    def _action_job(self, jobs):
        self._update([j['ident'] for j in jobs], status='running', started_at=utcnow())
        ok = self._run_calls([j['extravars']['host_call'] for j in jobs])
        self._finish(jobs, ok)

    def _run_calls(self, calls):
        """Run host calls (rounds: a failed boot comes back rescheduled); True when every run succeeded."""
        ok = True
        calls = self._writable(calls)
        while calls:
            groups = _spread(calls, self.cfg['job_concurrency'])
            results = [f.result() for f in [self._runs.submit(self._run, group) for group in groups]]
            ok = ok and all(r[0] for r in results)
            calls = [call for r in results for call in r[1]]
        return ok

    def _writable(self, calls):
        """The calls whose data Ansible can be given; each other one fails alone, never its batch."""
        out = []
        for call in calls:
            field = unencodable_field(call)
            if field is None:
                out.append(call)
                continue
            message = 'the server data cannot be handed to its host: %s is not valid UTF-8' % field
            LOG.warning('host call %s of %s not run: %s', call['action'], call['server'], message)
            # no reschedule: the data would fail on any host
            conductor.record_result(self.store, call['server'], call['action'], call['request_id'], error=message,
                                    scheduler_config={'max_attempts': 1})
        return out

    def _run(self, calls):
        """One ansible-runner run of host_calls.yml; returns (successful, rescheduled calls)."""
        first = calls[0]['request_id']
        ident = '%s-%d-%d' % (first, int(time.time() * 1000) % 100000000, next(_RUN_SEQ))
        data_dir = os.path.join(self.cfg['jobs_dir'], ident)
        artifacts = os.path.join(data_dir, 'artifacts', ident)
        os.makedirs(data_dir, 0o700, exist_ok=True)
        with self._lock:
            self._active.add(data_dir)
        pending = dict((c['server'], c) for c in calls)
        reschedules, failures = [], []
        self._note_run(calls, artifacts, finish=None)

        def on_event(event):
            kind = event.get('event')
            data = event.get('event_data') or {}
            res = data.get('res') or {}
            if kind in _ITEM_EVENTS and isinstance(res.get('item'), dict) and res['item'].get('server') in pending:
                call = pending.pop(res['item']['server'])
                result = dict((k, v) for k, v in res.items() if k not in ('item', 'invocation', 'ansible_loop_var'))
                if kind == 'runner_item_on_failed':
                    result['failed'] = True
                self._record(call, result, reschedules, artifacts)
            elif kind in ('runner_on_failed', 'runner_on_unreachable') and not data.get('ignore_errors'):
                failures.append('%s: %s' % (data.get('task') or 'task', res.get('msg') or kind))
            return True   # keep every event in the artifacts

        try:
            # env/extravars, every string tagged !unsafe: tenant data never becomes a template
            write_extravars(data_dir, {'novalite_host_calls': calls, 'novalite_database_url': self.cfg['database_url']})
            runner = ansible_runner.run(
                private_data_dir=data_dir, ident=ident, playbook=HOST_CALLS, inventory=self.cfg['inventory'],
                envvars=_ansible_env(self.cfg), quiet=True, event_handler=on_event,
                timeout=self.cfg['job_timeout'], settings={'suppress_ansible_output': True})
            status, rc = runner.status, runner.rc
        except Exception as exc:  # pylint: disable=broad-except
            LOG.exception('ansible run %s could not run', ident)
            status, rc = 'error', None
            failures.append(str(exc))
        finally:
            with self._lock:
                self._active.discard(data_dir)
        for call in list(pending.values()):
            # The run ended without this call's result: record it as the host failing it.
            reason = 'ansible run %s ended %s (rc %s) without a result for %s on %s%s; artifacts: %s' % (
                ident, status, rc, call['action'], call['host'], (': ' + failures[-1]) if failures else '', artifacts)
            self._record(call, {'failed': True, 'msg': reason}, reschedules, artifacts)
        self._rotate()
        return status == 'successful', reschedules

    def _record(self, call, result, reschedules, artifacts):
        try:
            row = conductor.record_result(self.store, call['server'], call['action'], call['request_id'],
                                          host_result=result)
        except Exception:  # pylint: disable=broad-except
            LOG.exception('recording %s of %s failed', call['action'], call['server'])
            row = {}
        with self.store.begin() as conn:
            _event(conn, call['server'], call['request_id'], finish='Error' if result.get('failed') else 'Success',
                   details=artifacts)
        if row.get('reschedule'):
            reschedules.append(_create_call(row['reschedule']))

    def _note_run(self, calls, artifacts, finish):
        with self.store.begin() as conn:
            for call in calls:
                _event(conn, call['server'], call['request_id'], finish=finish, details=artifacts)

    def _finish(self, jobs, ok, reason=None):
        """Close the jobs; an instance still in flight for one of them gets the failure recorded."""
        for job in jobs:
            extravars = job['extravars'] or {}
            action = 'create' if job['kind'] == 'boot' else (
                extravars.get('action') or (extravars.get('host_call') or {}).get('action'))
            for uuid in job['instance_uuids']:
                if action and _in_flight_for(self.store, uuid, job['request_id']):
                    message = reason or 'job %s ended without a result for this server' % job['ident']
                    LOG.warning('instance %s: %s', uuid, message)
                    conductor.record_result(self.store, uuid, action, job['request_id'], error=message,
                                            scheduler_config={'max_attempts': 1})
        self._update([j['ident'] for j in jobs], status='successful' if ok else 'failed', finished_at=utcnow())

    def _rotate(self):
        keep = self.cfg['artifacts_keep']
        root = self.cfg['jobs_dir']
        try:
            names = [os.path.join(root, n) for n in os.listdir(root)]
        except OSError:
            return
        with self._lock:
            done = [p for p in names if p not in self._active and os.path.isdir(p)]
        done.sort(key=os.path.getmtime, reverse=True)
        for path in done[keep:]:
            shutil.rmtree(path, ignore_errors=True)

    # ---- heartbeats -----------------------------------------------------------------------------

    def heartbeat_once(self):
        ident = 'heartbeat-%d' % int(time.time() * 1000)
        data_dir = os.path.join(self.cfg['jobs_dir'], ident)
        os.makedirs(data_dir, 0o700, exist_ok=True)
        with self._lock:
            self._active.add(data_dir)
        try:
            write_extravars(data_dir, {'novalite_database_url': self.cfg['database_url']})
            runner = ansible_runner.run(
                private_data_dir=data_dir, ident=ident, playbook=HEARTBEAT, inventory=self.cfg['inventory'],
                envvars=_ansible_env(self.cfg),
                quiet=True, timeout=self.cfg['job_timeout'], settings={'suppress_ansible_output': True})
            if runner.status != 'successful':
                LOG.warning('heartbeat run %s ended %s (rc %s)', ident, runner.status, runner.rc)
        finally:
            with self._lock:
                self._active.discard(data_dir)
        self._rotate()

    def _heartbeat_loop(self):
        # At once on start (the hosts may have been silent while the service was down), then periodically.
        while not self._stop.is_set():
            try:
                self.heartbeat_once()
            except Exception:  # pylint: disable=broad-except
                LOG.exception('heartbeat run failed')
            self._stop.wait(self.cfg['heartbeat_interval'])

    # ---- start, recovery ------------------------------------------------------------------------

    def start(self):
        if self._started:
            return
        if not HAS_RUNNER:
            raise RuntimeError('the REST shim needs ansible-runner (pip install -r requirements.txt)')
        self._started = True
        os.makedirs(self.cfg['jobs_dir'], 0o750, exist_ok=True)
        self.recover()
        if self.cfg['heartbeat_interval']:
            threading.Thread(target=self._heartbeat_loop, name='nl-heartbeat', daemon=True).start()

    def stop(self):
        self._stop.set()

    def recover(self):
        """Complete what a previous process accepted (see the module docstring)."""
        with self.store.read() as conn:
            t = _jobs_table()
            jobs = [as_dict(r) for r in conn.execute(sa.select(t).where(t.c.status.in_(UNFINISHED))
                                                     .order_by(t.c.created_at))]
        for job in jobs:
            if job['status'] == 'accepted' and job['kind'] != 'boot':
                # Crashed before the action's host call was queued: fail what it may have started.
                self._finish([job], False, 'the API service stopped before this action was handed to a job')
                self._update([job['ident']], status='lost')
                continue
            if job['status'] == 'accepted':
                # Crashed between accepting and queueing: the instances, if any, were written whole.
                job['instance_uuids'] = _created_by(self.store, job['request_id'])
                if not job['instance_uuids']:
                    self._update([job['ident']], status='lost', finished_at=utcnow())
                    continue
            LOG.info('resuming %s job %s', job['kind'], job['ident'])
            self._work.submit(self._guarded, self._resume, [job])

    def _resume(self, jobs):
        job = jobs[0]
        for pid in _orphan_runs(self.cfg['jobs_dir'], job['request_id']):
            # A run of the old process may still be going: let it end before doing its calls again.
            while _pid_alive(pid):
                time.sleep(1)
        if job['kind'] == 'boot':
            self._boot_jobs([job])
            return
        call = (job['extravars'] or {}).get('host_call')
        if call and _in_flight_for(self.store, job['instance_uuids'][0], job['request_id']):
            self._action_job([job])
        else:
            self._finish([job], True)


# ---- helpers ------------------------------------------------------------------------------------

def _create_call(build):
    return dict(build, module='instance', state='running', action='create', server=build['instance']['uuid'])


def _spread(calls, slots):
    """Split calls into groups that never mix hosts: about ``slots`` groups (at least one per host).

    A run does its calls one after another, so more groups means more spawns at once;
    the run pool still caps how many run together.
    """
    by_host = {}
    for call in calls:
        by_host.setdefault(call['host'], []).append(call)
    groups = []
    for host_calls in by_host.values():
        share = max(1, slots // max(1, len(by_host)))
        groups.extend(host_calls[i::share] for i in range(min(share, len(host_calls))))
    return [g for g in groups if g]


def _event(conn, uuid, request_id, finish, details):
    try:
        if finish is None:
            instances.event_start(conn, uuid, request_id, JOB_EVENT, details=details)
        else:
            instances.event_finish(conn, uuid, request_id, JOB_EVENT, result=finish)
    except NotFound:
        LOG.debug('no action %s on %s to note the run in', request_id, uuid)


def _ansible_env(cfg):
    venv_bin = os.path.dirname(sys.executable)
    env = {
        'PATH': venv_bin + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(COLLECTION_ROOT, 'collections'),
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_DEPRECATION_WARNINGS': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
    }
    if cfg.get('instance_name_template'):
        env[instances.NAME_TEMPLATE_ENV] = cfg['instance_name_template']
    return env


def _live(store, uuid):
    try:
        return instances.get(store, uuid)
    except NotFound:
        return None


def _in_flight_for(store, uuid, request_id):
    """The instance is live, in a task state (or BUILD), and its latest action is this request's."""
    inst = _live(store, uuid)
    if inst is None or (inst['task_state'] is None and inst['vm_state'] != states.BUILDING):
        return False
    actions = instances.list_actions(store, uuid)
    return bool(actions) and actions[-1]['request_id'] == request_id


def _created_by(store, request_id):
    t = table('instance_actions')
    with store.read() as conn:
        return [r.instance_uuid for r in conn.execute(
            sa.select(t.c.instance_uuid).where(t.c.request_id == request_id).where(t.c.action == 'create'))]


def _orphan_runs(jobs_dir, request_id):
    """PIDs of ansible-playbook processes still running a run of this request (their command names its dir)."""
    marker = os.path.join(jobs_dir, request_id).encode()
    pids = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % name, 'rb') as handle:
                if marker in handle.read():
                    pids.append(int(name))
        except (IOError, OSError):
            continue
    return pids


def _pid_alive(pid):
    return os.path.exists('/proc/%d' % pid)
