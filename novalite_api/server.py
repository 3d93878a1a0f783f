# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The production server: gunicorn with one worker process and threads.

One worker, because the job runner that executes server create/actions
(ansible-runner, jobs.py) lives in that process and must be the only one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from gunicorn.app.base import BaseApplication
    HAS_GUNICORN = True
except ImportError:  # pragma: no cover
    BaseApplication = object
    HAS_GUNICORN = False


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
        app = create_app(self.novalite_cfg)
        # The worker process owns the job runner: recover what a previous process left, then serve.
        app.config['NOVALITE_JOBS'].start()
        return app


def serve(cfg):
    if not HAS_GUNICORN:
        raise RuntimeError('the REST shim needs gunicorn (pip install -r requirements.txt)')
    NovaliteServer(cfg).run()
