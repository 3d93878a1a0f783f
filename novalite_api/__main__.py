# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""``python -m novalite_api --config FILE [serve|api|worker|console-proxy|bootstrap|project-create|user-create|
role-add]``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import sys

# Importing the package first put the collection on sys.path (novalite_api/__init__.py).
from novalite_api import accounts, config

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store


def _parser():
    parser = argparse.ArgumentParser(prog='python -m novalite_api',
                                     description='novalite REST shim (Keystone v3 / Glance v2 / Nova v2.1 subset)')
    parser.add_argument('--config', required=True, help='YAML config file (see etc/novalite-api.example.yml)')
    sub = parser.add_subparsers(dest='command')
    sub.add_parser('serve', help='run the API server and one job worker (the default)')
    sub.add_parser('api', help='run the API server alone (jobs are run by workers)')
    sub.add_parser('worker', help='run a job worker alone (any number share one database)')
    sub.add_parser('console-proxy', help='run the console proxy alone (noVNC and serial websockets)')
    boot = sub.add_parser('bootstrap', help='create roles, project admin and user admin (idempotent)')
    boot.add_argument('--admin-password', required=True)
    proj = sub.add_parser('project-create', help='create a project')
    proj.add_argument('name')
    proj.add_argument('--description')
    user = sub.add_parser('user-create', help='create a user, optionally with a role on a project')
    user.add_argument('name')
    user.add_argument('--password', required=True)
    user.add_argument('--project', help='default project; the user gets --role on it')
    user.add_argument('--role', default='member', help='role on --project [member]')
    role = sub.add_parser('role-add', help='give a user a role on a project')
    role.add_argument('--user', required=True)
    role.add_argument('--project', required=True)
    role.add_argument('--role', required=True)
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        cfg = config.load(args.config)
        if args.command in (None, 'serve', 'api'):
            from novalite_api.server import serve
            serve(cfg, args.config, with_worker=args.command != 'api')
            return 0
        if args.command == 'console-proxy':
            from novalite_api import console_proxy
            console_proxy.run(cfg)
            return 0
        if args.command == 'worker':
            from novalite_api.server import run_worker
            run_worker(cfg)
            return 0
        store = Store(cfg['database_url'])
        if args.command == 'bootstrap':
            made = accounts.bootstrap(store, args.admin_password)
            result = {'project_id': made['project']['id'], 'user_id': made['user']['id']}
        elif args.command == 'project-create':
            result = {'project_id': accounts.create_project(store, args.name, args.description)['id']}
        elif args.command == 'user-create':
            accounts.ensure_roles(store)
            made = accounts.create_user(store, args.name, args.password, default_project=args.project)
            if args.project:
                accounts.assign_role(store, made['id'], args.project, args.role)
            result = {'user_id': made['id']}
        else:
            result = {'changed': accounts.assign_role(store, args.user, args.project, args.role)}
    except NovaliteError as exc:
        print('error: %s' % exc.message, file=sys.stderr)
        return 1
    print(json.dumps(result, default=str))
    return 0


if __name__ == '__main__':
    sys.exit(main())
