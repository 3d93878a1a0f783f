# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The production processes: the API (gunicorn, one process with threads) and job workers.

The API process only validates, records and queues (jobs.JobQueue); workers
(jobs.JobRunner) run the jobs. ``serve`` is the one-machine case: the API plus
one worker and the console proxy, child processes stopped when the API stops. ``api`` and ``worker``
run each part alone, as many of each as wanted on one database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging
import signal
import subprocess
import sys
import threading

try:
    from gunicorn.app.base import BaseApplication
    HAS_GUNICORN = True
except ImportError:  # pragma: no cover
    BaseApplication = object
    HAS_GUNICORN = False

WORKER_STOP_TIMEOUT = 10   # seconds a stopping worker gets to finish its jobs before SIGKILL


class NovaliteServer(BaseApplication):
    def __init__(self, cfg):
        self.novalite_cfg = cfg
        super(NovaliteServer, self).__init__()

    def load_config(self):
        cfg = self.novalite_cfg
        settings = {
            'bind': '%s:%d' % (cfg['bind_host'], cfg['bind_port']),
            'workers': 1,
            'worker_class': 'gthread',
            'threads': cfg['threads'],
            'timeout': 120,
            'keepalive': cfg['client_socket_timeout'],
            'accesslog': '-' if cfg['access_log'] else None,
            'errorlog': '-',
            'proc_name': 'novalite-api',
            # gunicorn's control socket sits at one fixed path per user: several services would collide.
            'control_socket_disable': True,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        from novalite_api.app import create_app
        from novalite_api.faults import answer_unparsable_requests_in_json
        # gunicorn answers some requests itself (414, broken headers): in JSON too, in this worker process
        answer_unparsable_requests_in_json()
        return create_app(self.novalite_cfg)


def serve(cfg, config_path, with_worker=True):
    """Run the API; with ``with_worker`` also one job worker (``worker`` on the same config) beside it."""
    if not HAS_GUNICORN:
        raise RuntimeError('the REST shim needs gunicorn (pip install -r requirements.txt)')
    children = []
    if with_worker:
        children.append(subprocess.Popen([sys.executable, '-m', 'novalite_api', '--config', config_path, 'worker']))
        if cfg['console_proxy']:
            # the one-machine case: the console proxy beside the API (`console-proxy` runs it alone)
            children.append(subprocess.Popen([sys.executable, '-m', 'novalite_api', '--config', config_path,
                                              'console-proxy']))
    try:
        NovaliteServer(cfg).run()
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(WORKER_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()   # a worker's jobs' leases expire and another worker takes them over
                child.wait()


def run_worker(cfg):
    """Claim and run jobs until SIGTERM or SIGINT, then finish the jobs in hand."""
    from novalite_api import jobs
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(process)d %(name)s %(levelname)s %(message)s')
    logging.getLogger('alembic').setLevel(logging.WARNING)   # its plugin list at every start says nothing
    runner = jobs.JobRunner(cfg, Store(cfg['database_url']))
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stopping.set())
    runner.start()
    while not stopping.wait(1):
        pass
    runner.stop(wait=True)
