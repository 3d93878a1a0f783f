# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Accepted work runs as jobs of worker processes: the shim's RabbitMQ + nova-conductor + nova-compute.

A mutating request is checked and recorded in the API call (instances, the
action, the task_state) and answered 202; the API process only writes rows
(``JobQueue``): one ``api_jobs`` row per request, ``accepted`` before the
instances or task state are written, ``queued`` after. Worker processes
(``JobRunner``; ``python -m novalite_api worker``, and one started by
``serve``) claim rows with a lease and run them: the controller side with the
collection's compute code (``conductor.schedule_and_prepare``: the scheduler,
on the worker's live host state, and its claims; ``conductor.record_result``), the host side as ansible-runner
runs of the collection's ``playbooks/host_calls.yml`` (the ``instance`` /
``instance_action`` modules on each compute host), each run in its own private
data dir under ``jobs_dir`` with an ident made of the request id.

* Claims: a job is claimable when ``queued``, or ``accepted``/``running`` with
  an expired lease or an owner that is a gone process of this machine. The
  claim is one transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` (MariaDB;
  on SQLite the transaction is ``BEGIN IMMEDIATE``) then an UPDATE of owner,
  lease, attempts and status that repeats the claimable condition. A worker
  renews its leases every ``job_lease_renew_seconds``; it writes results and
  closes jobs only while it owns them.
* Takeover: the old owner's runs (recorded on the row before each run starts)
  are ended first (``run_groups.end_run``: killed and waited for, or fenced if
  not started), then the job resumes: boots continue from where their
  instances are, actions re-run while the instance is still in that
  request's task state (host calls are desired states: running one twice is
  safe). An ``accepted`` row is resolved: a boot whose instances were written
  runs, one without is ``lost``; an action is failed (its task state
  cleared, with a fault) and ``lost``.
* Runner events drive the instance: each host call's item result
  (``runner_item_on_ok`` / ``_failed``) is recorded the moment it arrives, so
  ``spawning`` turns ACTIVE (or is rescheduled to another host, or goes to ERROR
  with a fault) while the run goes on; the run's artifacts dir is linked from a
  ``novalite_ansible_job`` event of each instance action. Finished dirs are
  rotated (``artifacts_keep``). A result whose record names a next step (a
  live migration's source step) offers it to the run still going, whose task
  file may wait for it (compute/follow_ups.py): one ansible start for both;
  what the run does not take runs in the next round, as a rescheduled boot does.
* Boots queued within ``boot_batch_window_ms`` are claimed together and share
  one run: one ansible start for many requests, whose calls are spread over up
  to ``job_concurrency`` lanes that run side by side, so hosts spawn in parallel
  (at most ``job_concurrency`` runs go at once).
* A host call that a run ended without a result for (an unreachable host, a
  killed run) is recorded as failed, as the host would have: nothing stays in
  BUILD or a task state.
* Every ``heartbeat_interval`` seconds each worker runs ``register_hosts.yml``
  to refresh the hosts' capacity and heartbeats (Nova's periodic resource
  report); with several workers these runs repeat each other, which is
  harmless (each records what the host reports now).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import datetime
import functools
import hashlib
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent import futures

from novalite_api import config as config_mod, host_launcher, run_groups, warm_starts
from novalite_api.ansible_data import unencodable_field, write_extravars
from novalite_api.config import COLLECTION_ROOT

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.compute import all_actions as _all  # noqa: F401 (registers the result handlers)
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, admin_password, conductor, follow_ups, host_calls, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InstanceInvalidState, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import LiveHostState
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

from cryptography.fernet import Fernet, InvalidToken

LOG = logging.getLogger('novalite_api.jobs')
PLAYBOOK_DIR = os.path.join(COLLECTION_ROOT, 'playbooks')
HOST_CALLS = os.path.join(PLAYBOOK_DIR, 'host_calls.yml')
HEARTBEAT = os.path.join(PLAYBOOK_DIR, 'register_hosts.yml')
# The play hosts of host_calls.yml: a run's lanes (see JobRunner._run).
LANES_GROUP = 'novalite_host_call_lanes'
JOB_EVENT = instances.JOB_RUN_EVENT
UNFINISHED = ('accepted', 'queued', 'running')
STOPPED_BEFORE_QUEUED = 'the API service stopped before this action was handed to a job'
# A skipped item is not a result: it is recorded as a call the run ended without.
_ITEM_EVENTS = ('runner_item_on_ok', 'runner_item_on_failed')
# Marks a pending call as a next step handed into its run (jobs only; never sent to a host).
HANDED = '_novalite_handed_over'
# Runs of one request may start in the same millisecond (a boot spread over several runs).
_RUN_SEQ = itertools.count(1)


def _jobs_table():
    return table('api_jobs')


def _sealer(cfg):
    """Fernet keyed from the deployment's token key (``secret_key_file``, shared by API processes and workers).

    Job secrets (admin passwords) cross the store sealed with it, so what a database keeps (rows, freed pages,
    binary logs, backups) never holds one in the clear; a worker opens them just before the run that needs them.
    """
    return _sealer_for(cfg['secret_key_file'])


@functools.lru_cache(maxsize=4)
def _sealer_for(path):
    # read once per process, as the app reads the token key once at start (not again for every boot)
    secret = config_mod.read_secret(path)
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b'novalite job secrets\0' + secret).digest()))


def _with_secrets(cfg, extravars, secrets):
    if not secrets:
        return extravars
    return dict(extravars, secrets=_sealer(cfg).encrypt(json.dumps(secrets).encode('utf-8')).decode('ascii'))


def _opened_secrets(cfg, sealed):
    """The secrets of a job row ({} when it has none or they cannot be opened: the key changed)."""
    if not sealed:
        return {}
    try:
        return json.loads(_sealer(cfg).decrypt(sealed.encode('ascii')).decode('utf-8'))
    except (InvalidToken, ValueError, AttributeError):
        LOG.warning('a job\'s secrets cannot be opened (was secret_key_file replaced?): the guest gets no admin password')
        return {}


def apply_process_settings(cfg):
    """nova.conf's instance_name_template for this process: compute/instances.domain_name reads it."""
    if cfg.get('instance_name_template'):
        os.environ[instances.NAME_TEMPLATE_ENV] = cfg['instance_name_template']


class JobQueue(object):
    """The API side: writes ``api_jobs`` rows and nothing else (workers run them)."""

    def __init__(self, cfg, store):
        self.cfg = cfg
        self.store = store
        self._owner = (None, None)

    def _owner_id(self):
        # Per process: gunicorn forks its workers after the app is made.
        if self._owner[0] != os.getpid():
            self._owner = (os.getpid(), run_groups.owner_id())
        return self._owner[1]

    def accept(self, request_id, kind, instance_uuids=(), action=None):
        """Record a job before its instances or task state are written, so a crash in between is found later."""
        now = utcnow()
        with self.store.begin() as conn:
            conn.execute(_jobs_table().insert().values(
                ident=request_id, request_id=request_id, kind=kind, extravars={'action': action} if action else {}, instance_uuids=list(instance_uuids),
                status='accepted', created_at=now, owner=self._owner_id(),
                lease_expires=now + datetime.timedelta(seconds=self.cfg['accepted_grace_seconds'])))
        return request_id

    def forget(self, ident):
        """The request was refused after accept(): nothing was written for it."""
        with self.store.begin() as conn:
            conn.execute(_jobs_table().delete().where(_jobs_table().c.ident == ident))

    def start_action(self, instance_uuid, verb, context, secrets=None, **options):
        """Check and record a server action (task_state set) and hand its host call to a worker.

        The job row comes first: a crash after the task_state is set is then found at restart.
        Returns ``server_actions.start``'s answer; refusals (409, 403...) raise with nothing queued.
        ``secrets`` ({uuid: {'admin_pass': ...}}) travel on the job for the host only (admin_password.py).
        """
        ident = self.accept(context.request_id, 'action', [instance_uuid],
                            action_table.action_for(verb, options.get('reboot_type', 'SOFT')))
        try:
            started = server_actions.start(self.store, instance_uuid, verb, context, **options)
        except Exception:
            self.forget(ident)
            raise
        if started['host_call'] is None:
            # done in the database (lock, unlock, a never-scheduled server's delete, a rebuild its check refused)
            self.forget(ident)
        else:
            self.enqueue_action(ident, instance_uuid, dict(started['host_call'], request_id=context.request_id),
                                secrets)
        return started

    def reclaim_due(self, interval, now=None):
        """Delete the soft-deleted servers whose ``interval`` seconds have passed (Nova's _reclaim_queued_deletes).

        Each is a forceDelete as an admin: its compare-and-set on the task state lets one worker of several win.
        """
        due = instances.due_for_reclaim(self.store, (now or utcnow()) - datetime.timedelta(seconds=interval))
        return self._as_admin(due, 'force_delete')

    def _as_admin(self, servers, verb):
        """Start ``verb`` on each server as an admin of its project (a periodic's work); the uuids started."""
        started = []
        for inst in servers:
            context = Context(project_id=inst['project_id'], is_admin=True)
            try:
                self.start_action(inst['uuid'], verb, context)
            except (Conflict, NotFound, InstanceInvalidState) as exc:
                LOG.info('%s of %s skipped: %s', verb, inst['uuid'], exc)
                continue
            started.append(inst['uuid'])
        return started

    def offload_due(self, offload_time, now=None):
        """Offload the shelved servers whose ``offload_time`` seconds have passed (Nova's _poll_shelved_instances).

        Each is a shelveOffload as an admin: its compare-and-set on the task state lets one worker of several win.
        """
        from ansible_collections.novalite.compute.plugins.module_utils.compute import shelve
        return self._as_admin(shelve.offload_due(self.store, offload_time, now), 'shelve_offload')

    def confirm_due(self, window, now=None):
        """Confirm the resizes left in VERIFY_RESIZE longer than ``window`` seconds (Nova's _poll_unconfirmed_resizes).

        Each is a confirmResize as an admin: its compare-and-set on the task state lets one worker of several win.
        """
        from ansible_collections.novalite.compute.plugins.module_utils.compute import resize
        return self._as_admin(resize.confirm_due(self.store, window, now), 'confirm_resize')

    def enqueue_boot(self, ident, instance_uuids, secrets=None):
        self._enqueue(ident, instance_uuids=list(instance_uuids), extravars=_with_secrets(self.cfg, {}, secrets))

    def enqueue_action(self, ident, instance_uuid, host_call, secrets=None):
        self._enqueue(ident, instance_uuids=[instance_uuid],
                      extravars=_with_secrets(self.cfg, {'action': host_call['action'], 'host_call': host_call},
                                              secrets))

    def read_from_host(self, call):
        """Run a read-only host call (a console log) now, in this request: its result dict."""
        return run_host_read(self.cfg, call)

    def read_from_hosts(self, calls):
        """Run read-only host calls (one per host) now, in this request, in one run: their results in order."""
        return run_host_reads(self.cfg, calls) if calls else []

    def _enqueue(self, ident, **values):
        # A worker resolves an accepted row whose API process looks gone; if it found nothing to do ('lost')
        # the row is queued now; one it runs already is left to it.
        t = _jobs_table()
        with self.store.begin() as conn:
            conn.execute(t.update().where(t.c.ident == ident).where(t.c.status.in_(('accepted', 'lost'))).values(
                status='queued', owner=None, lease_expires=None, finished_at=None, **values))


class JobRunner(object):
    """A worker: claims jobs with a lease, runs them, takes over the jobs of dead workers."""

    def __init__(self, cfg, store):
        self.cfg = cfg
        self.store = store
        # Host calls are prepared here and in the modules of every run (see _ansible_env).
        apply_process_settings(cfg)
        self.owner = run_groups.owner_id()
        # Ansible runs at once; the orchestration threads only wait on them.
        self._runs = futures.ThreadPoolExecutor(max_workers=cfg['job_concurrency'], thread_name_prefix='nl-run')
        self._capacity = 4 * cfg['job_concurrency']
        self._work = futures.ThreadPoolExecutor(max_workers=self._capacity, thread_name_prefix='nl-job')
        self._lock = threading.Lock()
        self._owned = set()           # idents of the jobs this worker runs now
        self._active = set()          # data dirs of runs in progress (never rotated away)
        self._stop = threading.Event()
        self._started = False
        self._claimer = None
        self._renewer = None
        # The scheduler's host state, loaded once and then kept current from the store's change
        # counter (every worker's claims, reports, heartbeats): a decision costs the hosts that moved.
        self.host_state = LiveHostState()
        self._spares = None   # warm starts (warm_starts.py), made by start()

    # ---- the api_jobs rows ----------------------------------------------------------------------

    def _lease_end(self):
        return utcnow() + datetime.timedelta(seconds=self.cfg['job_lease_seconds'])

    def _mine(self, idents):
        """Those of ``idents`` this worker still holds (a stalled worker's jobs may have been taken over)."""
        t = _jobs_table()
        with self.store.read() as conn:
            return set(r.ident for r in conn.execute(sa.select(t.c.ident).where(t.c.ident.in_(list(idents)))
                                                     .where(t.c.owner == self.owner)
                                                     .where(t.c.status == 'running')))

    def _close(self, idents, status):
        t = _jobs_table()
        with self.store.begin() as conn:
            conn.execute(t.update().where(t.c.ident.in_(list(idents))).where(t.c.owner == self.owner)
                         .values(status=status, finished_at=utcnow(), lease_expires=None))
            # a finished job's admin passwords are gone from the store (Nova never stores them)
            for row in conn.execute(sa.select(t.c.ident, t.c.extravars).where(t.c.ident.in_(list(idents)))
                                    .where(t.c.owner == self.owner)):
                if (row.extravars or {}).get('secrets'):
                    conn.execute(t.update().where(t.c.ident == row.ident).values(
                        extravars=dict((k, v) for k, v in row.extravars.items() if k != 'secrets')))

    def _secrets(self, calls):
        """{server: {'admin_pass': ...}} of the calls that give their guest a fresh config drive, from their jobs."""
        wanted = set(c['server'] for c in calls if c.get('action') in admin_password.ACTIONS_WITH_PASSWORD)
        if not wanted:
            return {}
        t = _jobs_table()
        out = {}
        with self.store.read() as conn:
            for row in conn.execute(sa.select(t.c.extravars).where(
                    t.c.ident.in_(set(c['request_id'] for c in calls)))):
                for server, secret in _opened_secrets(self.cfg, (row.extravars or {}).get('secrets')).items():
                    if server in wanted:
                        out[server] = secret
        return out

    def _add_run(self, calls, record):
        """Note a run on its jobs before it starts, so a takeover can end it."""
        t = _jobs_table()
        with self.store.begin() as conn:
            rows = conn.execute(sa.select(t.c.ident, t.c.runs).with_for_update()
                                .where(t.c.ident.in_(set(c['request_id'] for c in calls)))).all()
            for row in rows:
                conn.execute(t.update().where(t.c.ident == row.ident).values(runs=(row.runs or []) + [record]))

    # ---- claiming -------------------------------------------------------------------------------

    def claim(self, limit=None):
        """Claim what is claimable now (see the module docstring); returns the rows as they were before."""
        t = _jobs_table()
        now = utcnow()
        room = self._capacity - len(self._owned) if limit is None else limit
        if room <= 0:
            return []
        with self.store.read() as conn:
            owners = [r.owner for r in conn.execute(sa.select(t.c.owner).distinct().where(
                t.c.status.in_(('accepted', 'running'))).where(t.c.owner.isnot(None)))]
            gone = [o for o in owners if o != self.owner and run_groups.owner_gone(o)]
            lapsed = sa.or_(t.c.lease_expires.is_(None), t.c.lease_expires < now, t.c.owner.in_(gone))
            # Never its own lapsed jobs: their threads still run here (a stall is for other workers to resolve).
            not_mine = sa.or_(t.c.owner.is_(None), t.c.owner != self.owner)
            claimable = sa.or_(t.c.status == 'queued',
                               sa.and_(t.c.status.in_(('accepted', 'running')), lapsed, not_mine))
            # An idle poll stays a read: only a worker that sees work takes the write lock (BEGIN IMMEDIATE
            # on SQLite), so frequent polls do not hold up the API's writes.
            if conn.execute(sa.select(t.c.ident).where(claimable).limit(1)).first() is None:
                return []
        with self.store.begin() as conn:
            rows = [as_dict(r) for r in conn.execute(sa.select(t).where(claimable).order_by(t.c.created_at)
                                                     .limit(room).with_for_update(skip_locked=True))]
            # A run on another machine can only be ended there: its job is left to that machine's workers.
            rows = [r for r in rows if all(run_groups.this_machine(run) for run in r['runs'] or [])]
            if rows:
                conn.execute(t.update().where(t.c.ident.in_([r['ident'] for r in rows])).where(claimable).values(
                    status='running', owner=self.owner, lease_expires=self._lease_end(),
                    attempts=t.c.attempts + 1, started_at=sa.func.coalesce(t.c.started_at, now)))
        with self._lock:
            self._owned.update(r['ident'] for r in rows)
        for row in rows:
            if row['status'] != 'queued':
                LOG.info('taking over %s %s job %s of %s', row['status'], row['kind'], row['ident'], row['owner'])
        return rows

    def claim_and_start(self):
        """One pass: claim, then hand boots (one batch) and actions to the work pool; returns how many."""
        if self.cfg['boot_batch_window_ms'] and self._boots_queued():
            # Boots queued within the window join this batch.
            self._stop.wait(self.cfg['boot_batch_window_ms'] / 1000.0)
        jobs = self.claim()
        boots = [j for j in jobs if j['kind'] == 'boot']
        if boots:
            self._work.submit(self._guarded, self._boot_jobs, boots)
        for job in jobs:
            if job['kind'] != 'boot':
                self._work.submit(self._guarded, self._action_job, [job])
        return len(jobs)

    def _boots_queued(self):
        t = _jobs_table()
        with self.store.read() as conn:
            return conn.execute(sa.select(t.c.ident).where(t.c.status == 'queued').where(t.c.kind == 'boot')
                                .limit(1)).first() is not None

    def _claim_loop(self):
        while not self._stop.is_set():
            try:
                claimed = self.claim_and_start()
            except Exception:  # pylint: disable=broad-except
                LOG.exception('claiming jobs failed')
                claimed = 0
            if not claimed:
                self._stop.wait(self.cfg['job_poll_ms'] / 1000.0)

    def renew(self):
        """Extend the leases of the jobs this worker runs."""
        with self._lock:
            owned = list(self._owned)
        if owned:
            t = _jobs_table()
            with self.store.begin() as conn:
                conn.execute(t.update().where(t.c.ident.in_(owned)).where(t.c.owner == self.owner)
                             .where(t.c.status == 'running').values(lease_expires=self._lease_end()))

    def _renew_loop(self):
        # Until stopped and idle: jobs still running after stop() keep their leases.
        while not (self._stop.is_set() and not self._owned):
            if self._stop.is_set():
                time.sleep(self.cfg['job_lease_renew_seconds'])
            else:
                self._stop.wait(self.cfg['job_lease_renew_seconds'])   # a stop with nothing in hand ends it at once
            try:
                self.renew()
            except Exception:  # pylint: disable=broad-except
                LOG.exception('renewing leases failed')

    def _guarded(self, work, jobs):
        try:
            work(jobs)
        except Exception:  # pylint: disable=broad-except
            # A bug here must not leave the requests' instances in a task state.
            LOG.exception('job %s failed', jobs[0]['ident'])
            self._finish(jobs, False, 'the job runner failed; see the worker log')
        finally:
            with self._lock:
                self._owned.difference_update(j['ident'] for j in jobs)

    def _take(self, jobs):
        """Claimed jobs made ready: a previous owner's runs ended, accepted rows resolved; returns the rest."""
        ready = []
        for job in jobs:
            for run in job['runs'] or []:
                LOG.info('job %s: run %s of %s: %s', job['ident'], run['dir'], job['owner'], run_groups.end_run(run))
            if job['status'] != 'accepted':
                ready.append(job)
            elif job['kind'] != 'boot':
                # The API process died before queueing the action's host call: fail what it may have started.
                self._finish([job], False, STOPPED_BEFORE_QUEUED, status='lost')
            else:
                # ... or between accepting and queueing a boot: its instances, if any, were written whole.
                job['instance_uuids'] = _created_by(self.store, job['request_id'])
                if job['instance_uuids']:
                    with self.store.begin() as conn:
                        t = _jobs_table()
                        conn.execute(t.update().where(t.c.ident == job['ident'])
                                     .values(instance_uuids=job['instance_uuids']))
                    ready.append(job)
                else:
                    self._close([job['ident']], 'lost')
        return ready

    # ---- the work -------------------------------------------------------------------------------

    def _boot_jobs(self, jobs):
        """Schedule every request of the batch (Nova's conductor), then spawn all of them."""
        jobs = self._take(jobs)
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
                    calls.append(host_calls.build(conn, inst, 'create', job['request_id']))
        if to_schedule:
            # Writes task_state scheduling -> block_device_mapping -> spawning, or ERROR + fault (NoValidHost).
            prepared = conductor.schedule_and_prepare(self.store, to_schedule, job['request_id'],
                                                      live_state=self.host_state,
                                                      scheduler_config={'service_down_time': self.cfg['service_down_time']})
            calls.extend(prepared['builds'])
        return calls

    def _action_job(self, jobs):
        ready = []
        for job in self._take(jobs):
            # Only while the instance is still in this request's task state (a resumed job may be done already).
            if _in_flight_for(self.store, job['instance_uuids'][0], job['request_id'],
                              (job.get('extravars') or {}).get('action')):
                ready.append(job)
            else:
                self._finish([job], True)
        if ready:
            # a job taken over part way resumes at the step its instance reached (a shelve's offload)
            self._finish(ready, self._run_calls([server_actions.resume_call(self.store, j['extravars']['host_call'])
                                                 for j in ready]))

    def _run_calls(self, calls):
        """Run host calls (rounds: a failed boot comes back rescheduled); True when every run succeeded."""
        ok = True
        calls = self._writable(calls)
        while calls:
            # A job taken over by another worker (this one stalled past its lease) is no longer run here.
            mine = self._mine(set(c['request_id'] for c in calls))
            calls = [c for c in calls if c['request_id'] in mine]
            if not calls:
                break
            # One ansible start for the whole round; its lanes spawn side by side (see _run).
            successful, calls = self._runs.submit(self._run, calls).result()
            ok = ok and successful
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
        """One ansible-runner run of host_calls.yml; returns (successful, rescheduled calls).

        The calls are spread over lanes (``_spread``: about ``job_concurrency`` of them, never two hosts
        in one): each lane is a play host of the run's own inventory; its boots and power changes go to
        its host in one ``instances`` module start that runs them in parallel (reboots one after
        another), and up to ``job_concurrency`` lanes run side by side (one fork each). So one
        ansible-playbook start serves a whole batch, where a run per lane would pay that start (about a
        second of CPU) and the play's first tasks once per lane.
        """
        first = calls[0]['request_id']
        ident = '%s-%d-%d' % (first, int(time.time() * 1000) % 100000000, next(_RUN_SEQ))
        data_dir = os.path.join(self.cfg['jobs_dir'], ident)
        artifacts = os.path.join(data_dir, 'artifacts', ident)
        os.makedirs(data_dir, 0o700, exist_ok=True)
        with self._lock:
            self._active.add(data_dir)
        pending = dict((c['server'], c) for c in calls)
        reschedules, failures = [], []
        # next steps handed into this run while it goes on (follow_ups.py); what it does not take runs next round
        hand_over = os.path.join(data_dir, 'follow_ups')
        os.makedirs(hand_over, 0o700, exist_ok=True)
        self._note_run(calls, artifacts, finish=None)
        self._add_run(calls, run_groups.run_record(data_dir))

        def on_event(event):
            kind = event.get('event')
            data = event.get('event_data') or {}
            res = data.get('res') or {}
            if kind in _ITEM_EVENTS and res.get('item') is not None:
                # an item is one call, or one host's group of calls (the instances module)
                item = dict((k, v) for k, v in res.items() if k not in ('invocation', 'ansible_loop_var'))
                if kind == 'runner_item_on_failed':
                    item['failed'] = True
                for report in server_actions.reports_from_loop_result(item):
                    if report['server'] in pending:
                        call = pending.pop(report['server'])
                        if call.pop(HANDED, False):
                            # a step handed into this run: linked to its artifacts as a run's first steps are
                            self._note_run([call], artifacts, finish=None)
                        self._hand_over(hand_over, pending, call, report['result'], artifacts, reschedules)
            elif kind in ('runner_on_failed', 'runner_on_unreachable') and not data.get('ignore_errors'):
                failures.append('%s: %s' % (data.get('task') or 'task', res.get('msg') or kind))
            return True   # keep every event in the artifacts

        secrets = {}
        # host daemons (a network's dnsmasq) the run's modules need beyond its end: started outside its
        # PID namespace by the worker on the run's behalf (host_launcher.py)
        launcher = host_launcher.HostLauncher(data_dir)
        with run_groups.ssh_master_dir() as masters, self._spare() as spare:
            binary, cmdline = run_groups.wrapped(['ansible-playbook', HOST_CALLS], data_dir, spare)
            try:
                lanes = _spread(calls, self.cfg['job_concurrency'])
                # env/extravars, every string wrapped unsafe: tenant data never becomes a template
                extravars = {'novalite_host_calls': [dict(call, lane=_lane_name(index))
                                                     for index, lane in enumerate(lanes) for call in lane],
                             'novalite_database_url': self.cfg['database_url'], 'ansible_control_path_dir': masters,
                             'novalite_follow_up_dir': hand_over}
                secrets = self._secrets(calls)
                write_extravars(data_dir, dict(extravars, **({admin_password.SECRETS_VAR: secrets} if secrets else {})))
                runner = ansible_runner.run(
                    private_data_dir=data_dir, ident=ident, playbook=HOST_CALLS,
                    inventory=[self.cfg['inventory'], _write_lanes(data_dir, len(lanes))],
                    # lanes beyond job_concurrency (more hosts than that) wait for a free fork
                    forks=min(len(lanes), self.cfg['job_concurrency']),
                    envvars=dict(_ansible_env(self.cfg), **launcher.env()), quiet=True, event_handler=on_event,
                    timeout=self.cfg['job_timeout'], settings={'suppress_ansible_output': True},
                    binary=binary, cmdline=cmdline, cancel_callback=_not_cancelled)
                status, rc = runner.status, runner.rc
            except Exception as exc:  # pylint: disable=broad-except
                LOG.exception('ansible run %s could not run', ident)
                status, rc = 'error', None
                failures.append(str(exc))
            finally:
                launcher.close()
                if secrets:   # the run dir is kept for its artifacts; the passwords are not
                    write_extravars(data_dir, extravars)
                with self._lock:
                    self._active.discard(data_dir)
        for call in follow_ups.untaken(hand_over):
            # offered but not taken by the run: not its result to wait for; the next round runs it
            pending.pop(call['server'], None)
            reschedules.append(call)
        mine = self._mine(set(c['request_id'] for c in pending.values())) if pending else set()
        for call in [c for c in pending.values() if c['request_id'] in mine]:
            # The run ended without this call's result: record it as the host failing it (unless the job was
            # taken over: the new owner ended this run and does the call again).
            reason = 'ansible run %s ended %s (rc %s) without a result for %s on %s%s; artifacts: %s' % (
                ident, status, rc, call['action'], call['host'], (': ' + failures[-1]) if failures else '', artifacts)
            self._record(call, {'failed': True, 'msg': reason}, reschedules, artifacts)
        self._rotate()
        return status == 'successful', reschedules

    def _hand_over(self, hand_over, pending, call, result, artifacts, reschedules):
        """Record an item's result while its run goes on; its next step is offered to that run (its result then
        expected from it) while the job is still this worker's, else nothing is. A call whose next step no run
        waits for is recorded as before (its next step in ``reschedules``), with no file written."""
        if not follow_ups.awaited(call):
            self._record(call, result, reschedules, artifacts)
            return
        following = []
        self._record(call, result, following, artifacts)
        next_call = following[0] if following and self._mine([call['request_id']]) else None
        if next_call is not None:
            pending[next_call['server']] = dict(next_call, **{HANDED: True})
        try:
            follow_ups.offer(hand_over, call, next_call)
        except OSError:
            # not offered (the run stops waiting at its timeout): the next round runs it
            LOG.exception('handing the next step of %s into its run failed', call['server'])
            if next_call is not None:
                pending.pop(next_call['server'], None)
                reschedules.append(next_call)

    def _record(self, call, result, reschedules, artifacts):
        try:
            row = conductor.record_result(self.store, call['server'], call['action'], call['request_id'],
                                          host_result=result, live_state=self.host_state,
                                          scheduler_config={'service_down_time': self.cfg['service_down_time']})
        except Exception:  # pylint: disable=broad-except
            LOG.exception('recording %s of %s failed', call['action'], call['server'])
            row = {}
        with self.store.begin() as conn:
            _event(conn, call['server'], call['request_id'], finish='Error' if result.get('failed') else 'Success',
                   details=artifacts)
        if row.get('reschedule'):
            reschedules.append(row['reschedule'])

    def _note_run(self, calls, artifacts, finish):
        with self.store.begin() as conn:
            for call in calls:
                _event(conn, call['server'], call['request_id'], finish=finish, details=artifacts)

    def _finish(self, jobs, ok, reason=None, status=None):
        """Close the jobs this worker holds; an instance still in flight for one gets the failure recorded."""
        mine = self._mine(j['ident'] for j in jobs)
        for job in [j for j in jobs if j['ident'] in mine]:
            extravars = job['extravars'] or {}
            action = 'create' if job['kind'] == 'boot' else (
                extravars.get('action') or (extravars.get('host_call') or {}).get('action'))
            for uuid in job['instance_uuids']:
                if action and _in_flight_for(self.store, uuid, job['request_id']):
                    message = reason or 'job %s ended without a result for this server' % job['ident']
                    LOG.warning('instance %s: %s', uuid, message)
                    conductor.record_result(self.store, uuid, action, job['request_id'], error=message,
                                            scheduler_config={'max_attempts': 1})
        self._close(mine, status or ('successful' if ok else 'failed'))

    def _rotate(self):
        keep = self.cfg['artifacts_keep']
        root = self.cfg['jobs_dir']
        try:
            names = [os.path.join(root, n) for n in os.listdir(root)]
        except OSError:
            return
        with self._lock:
            # Several workers may share jobs_dir: a dir whose run still runs is never removed.
            done = [p for p in names if p not in self._active and os.path.isdir(p) and not run_groups.running(p)]
        done.sort(key=os.path.getmtime, reverse=True)
        for path in done[keep:]:
            shutil.rmtree(path, ignore_errors=True)

    def _spare(self):
        """``with self._spare() as spare``: a warm start for one run (None: the run starts cold)."""
        if self._spares is None:
            return contextlib.nullcontext()
        return self._spares.one()

    # ---- heartbeats -----------------------------------------------------------------------------

    def heartbeat_once(self):
        ident = 'heartbeat-%d' % int(time.time() * 1000)
        data_dir = os.path.join(self.cfg['jobs_dir'], ident)
        os.makedirs(data_dir, 0o700, exist_ok=True)
        with self._lock:
            self._active.add(data_dir)
        # Started like job runs (its processes end together), though nobody takes a heartbeat over.
        with run_groups.ssh_master_dir() as masters, self._spare() as spare:
            binary, cmdline = run_groups.wrapped(['ansible-playbook', HEARTBEAT], data_dir, spare)
            try:
                write_extravars(data_dir, {'novalite_database_url': self.cfg['database_url'],
                                           'ansible_control_path_dir': masters})
                runner = ansible_runner.run(
                    private_data_dir=data_dir, ident=ident, playbook=HEARTBEAT, inventory=self.cfg['inventory'],
                    envvars=_ansible_env(self.cfg),
                    quiet=True, timeout=self.cfg['job_timeout'], settings={'suppress_ansible_output': True},
                    binary=binary, cmdline=cmdline, cancel_callback=_not_cancelled)
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

    def _reclaim_loop(self):
        interval = self.cfg['reclaim_instance_interval']
        queue = JobQueue(self.cfg, self.store)
        while not self._stop.wait(min(interval, 60)):
            try:
                queue.reclaim_due(interval)
            except Exception:  # pylint: disable=broad-except
                LOG.exception('reclaiming soft-deleted servers failed')

    def _offload_loop(self):
        offload_time = self.cfg['shelved_offload_time']
        queue = JobQueue(self.cfg, self.store)
        while not self._stop.wait(self.cfg['shelved_poll_interval']):
            try:
                queue.offload_due(offload_time)
            except Exception:  # pylint: disable=broad-except
                LOG.exception('offloading shelved servers failed')

    def _confirm_loop(self):
        window = self.cfg['resize_confirm_window']
        queue = JobQueue(self.cfg, self.store)
        while not self._stop.wait(min(self.cfg['resize_poll_interval'], window)):
            try:
                queue.confirm_due(window)
            except Exception:  # pylint: disable=broad-except
                LOG.exception('confirming resized servers failed')

    # ---- start, stop ----------------------------------------------------------------------------

    def start(self):
        if self._started:
            return
        if not HAS_RUNNER:
            raise RuntimeError('the worker needs ansible-runner (pip install -r requirements.txt)')
        self._started = True
        os.makedirs(self.cfg['jobs_dir'], 0o750, exist_ok=True)
        if self.cfg['warm_ansible_starts']:
            self._spares = warm_starts.Spares(self.cfg['warm_ansible_starts'], _run_env(self.cfg),
                                              run_groups.namespace_argv())
            self._spares.fill()
        LOG.info('worker %s started', self.owner)
        self._claimer = threading.Thread(target=self._claim_loop, name='nl-claim', daemon=True)
        self._claimer.start()
        self._renewer = threading.Thread(target=self._renew_loop, name='nl-lease', daemon=True)
        self._renewer.start()
        if self.cfg['heartbeat_interval']:
            threading.Thread(target=self._heartbeat_loop, name='nl-heartbeat', daemon=True).start()
        if self.cfg['reclaim_instance_interval']:
            threading.Thread(target=self._reclaim_loop, name='nl-reclaim', daemon=True).start()
        if self.cfg['shelved_offload_time'] > 0:
            threading.Thread(target=self._offload_loop, name='nl-offload', daemon=True).start()
        if self.cfg['resize_confirm_window'] > 0:
            threading.Thread(target=self._confirm_loop, name='nl-confirm', daemon=True).start()

    def stop(self, wait=False):
        """Claim nothing more; with ``wait``, return when the jobs in hand are done (their leases renewed)."""
        self._stop.set()
        if self._spares is not None:
            self._spares.close()   # the idle ones; a spare a run holds ends with that run
        if wait:
            if self._claimer is not None:
                self._claimer.join()
            self._work.shutdown(wait=True)
            self._runs.shutdown(wait=True)
            if self._renewer is not None:
                self._renewer.join()


# ---- helpers ------------------------------------------------------------------------------------

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


# A read answers the API request that asked for it: it must not wait as long as a job may.
HOST_READ_TIMEOUT = 120


def run_host_read(cfg, call):
    """One read-only host call (compute/host_calls.py, e.g. console_output) run at once through the same
    playbook as the jobs' calls (host_calls.yml, one lane, nothing recorded): its item result, or a
    failure that says why there is none. No job row and no takeover: a read that dies is just asked again.
    """
    return run_host_reads(cfg, [call])[0]


def _read_key(call):
    return call.get('host'), call.get('action'), call.get('server')


def run_host_reads(cfg, calls):
    """Several read-only host calls in one run (e.g. every hypervisor's uptime): their results in order."""
    if not HAS_RUNNER:
        return [{'failed': True, 'msg': 'ansible-runner is not installed'} for _call in calls]
    ident = '%s-read-%d-%d' % (calls[0]['request_id'], int(time.time() * 1000) % 100000000, next(_RUN_SEQ))
    data_dir = os.path.join(cfg['jobs_dir'], ident)
    os.makedirs(data_dir, 0o700, exist_ok=True)
    results = {}

    def on_event(event):
        res = (event.get('event_data') or {}).get('res') or {}
        item = res.get('item')
        if event.get('event') in _ITEM_EVENTS and isinstance(item, dict):
            result = dict((k, v) for k, v in res.items() if k not in ('invocation', 'ansible_loop_var', 'item'))
            if event['event'] == 'runner_item_on_failed':
                result['failed'] = True
            results.setdefault(_read_key(item), result)
        return False   # nothing of a read is kept

    status = 'error'
    try:
        write_extravars(data_dir, {'novalite_host_calls': [dict(call, lane=_lane_name(0)) for call in calls],
                                   'novalite_database_url': cfg['database_url']})
        runner = ansible_runner.run(
            private_data_dir=data_dir, ident=ident, playbook=HOST_CALLS,
            inventory=[cfg['inventory'], _write_lanes(data_dir, 1)], forks=1, envvars=_ansible_env(cfg),
            quiet=True, event_handler=on_event, timeout=min(cfg['job_timeout'], HOST_READ_TIMEOUT),
            settings={'suppress_ansible_output': True}, cancel_callback=_not_cancelled)
        status = runner.status
    except Exception:  # pylint: disable=broad-except
        LOG.exception('host read %s could not run', ident)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    missing = 'the read of %s on %s ended %s without a result'
    return [results.get(_read_key(call)) or {'failed': True, 'msg': missing % (call['action'], call['host'], status)}
            for call in calls]


def _not_cancelled():
    """ansible-runner's cancel callback for every run: none is cancelled from outside. Without one, a run
    started in a process's main thread replaces that process's SIGTERM and SIGINT handlers with its own
    (which only cancel that run), and the process no longer stops on them."""
    return False


def _lane_name(index):
    return 'novalite-lane-%d' % index


def _write_lanes(data_dir, count):
    """The run's lanes as an inventory file (beside the operator's inventory): play hosts that only
    delegate (every host call goes to its compute host), on the controller's own Python."""
    path = os.path.join(data_dir, 'lanes.yml')
    lane = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    inventory = {'all': {'children': {LANES_GROUP: {'hosts': dict((_lane_name(i), lane) for i in range(count))}}}}
    with open(path, 'w') as handle:
        json.dump(inventory, handle)   # JSON is YAML
    return path


def _event(conn, uuid, request_id, finish, details):
    try:
        if finish is None:
            instances.event_start(conn, uuid, request_id, JOB_EVENT, details=details)
        else:
            instances.event_finish(conn, uuid, request_id, JOB_EVENT, result=finish)
    except NotFound:
        LOG.debug('no action %s on %s to note the run in', request_id, uuid)


def _run_env(cfg):
    """The environment ansible-runner gives this worker's runs: the one a warm start imports ansible under."""
    from ansible_runner.config.runner import RunnerConfig
    scratch = tempfile.mkdtemp(prefix='nl-env-')
    try:
        config = RunnerConfig(private_data_dir=scratch, playbook=HOST_CALLS, envvars=_ansible_env(cfg), quiet=True,
                              settings={'suppress_ansible_output': True})
        config.prepare_env()
        return config.env
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ansible_env(cfg):
    venv_bin = os.path.dirname(sys.executable)
    env = {
        'PATH': venv_bin + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'),
        'ANSIBLE_COLLECTIONS_PATH': os.path.join(COLLECTION_ROOT, 'collections'),
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_DEPRECATION_WARNINGS': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        # A module call is one command on its host instead of four (temp dir, copy, run, clean up).
        'ANSIBLE_PIPELINING': 'True',
    }
    if cfg.get('instance_name_template'):
        env[instances.NAME_TEMPLATE_ENV] = cfg['instance_name_template']
    return env


def _live(store, uuid):
    try:
        return instances.get(store, uuid)
    except NotFound:
        return None


def _in_flight_for(store, uuid, request_id, action=None):
    """The instance is live, in a task state (or BUILD), and its latest action is this request's. An action that
    sets no task state (trigger_crash_dump) is in flight while this request's instance action has an open event."""
    inst = _live(store, uuid)
    if inst is None:
        return False
    actions = instances.list_actions(store, uuid)
    if action in action_table.NO_TASK_STATE:
        return any(a['request_id'] == request_id and any(e['result'] is None for e in a['events']) for a in actions)
    if inst['task_state'] is None and inst['vm_state'] != states.BUILDING:
        return False
    return bool(actions) and actions[-1]['request_id'] == request_id


def _created_by(store, request_id):
    t = table('instance_actions')
    with store.read() as conn:
        return [r.instance_uuid for r in conn.execute(
            sa.select(t.c.instance_uuid).where(t.c.request_id == request_id).where(t.c.action == 'create'))]
