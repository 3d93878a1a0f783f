# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What every novalite module shares: option fragments and error handling.

Modules stay thin: they build an AnsibleModule, call one function from the
domain packages (catalog, registry, scheduler, virt, compute) and hand its
result back. Domain code raises NovaliteError; ``run`` turns it into one
``fail_json`` line naming the field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError

try:
    from ansible.module_utils.basic import missing_required_lib
except ImportError:  # pragma: no cover - outside Ansible
    missing_required_lib = None

# Controller-side modules that read or write the state store take this option. no_log: a MySQL URL
# carries the password, which must not reach invocation.module_args, runner artifacts or AWX events.
DATABASE_ARGS = dict(
    database_url=dict(type='str', required=False, no_log=True),
)


def open_store_for(module):
    """The Store named by ``database_url`` (or $NOVALITE_DATABASE_URL, or the SQLite default)."""
    from ansible_collections.novalite.compute.plugins.module_utils.store import engine
    if not engine.HAS_SQLALCHEMY:
        module.fail_json(msg=missing_required_lib('SQLAlchemy, alembic and PyMySQL'))
    return engine.Store(module.params.get('database_url'))


def run(module, func, *args, **kwargs):
    """Call ``func``; NovaliteError becomes a clean failure naming the field, anything else a traceback."""
    try:
        return func(*args, **kwargs)
    except NovaliteError as exc:
        extra = {'error': exc.kind}
        if exc.field:
            extra['field'] = exc.field
        if exc.details:
            extra['details'] = exc.details
        module.fail_json(msg=exc.message, **extra)
    except Exception as exc:  # noqa: BLE001 - a module must always answer in JSON
        module.fail_json(msg='%s: %s' % (exc.__class__.__name__, exc), exception=traceback.format_exc())


# Modules acting on servers take the requester's identity (Nova's RequestContext). Project and user
# are names or ids, resolved against the identity tables (compute/context.py for_playbook).
CONTEXT_ARGS = dict(
    project_id=dict(type='str'),
    user_id=dict(type='str'),
    is_admin=dict(type='bool', default=True),
    request_id=dict(type='str'),
)


def context_from(module, store=None):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context
    p = module.params
    return run(module, context.for_playbook, store if store is not None else open_store_for(module),
               p['project_id'], p['user_id'], p['is_admin'], p.get('request_id'))


# What a new server is made of (the server and server_build modules).
SERVER_CREATE_ARGS = dict(
    flavor=dict(type='str'),
    image=dict(type='str'),
    availability_zone=dict(type='str'),
    server_group=dict(type='str'),
    key_name=dict(type='str', no_log=False),
    user_data=dict(type='str'),
    metadata=dict(type='dict'),
    scheduler_hints=dict(type='dict'),
    scheduler=dict(type='dict'),
)
