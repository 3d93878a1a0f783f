# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The one base of every novalite module.

A module file holds its documentation, its argument spec and one line::

    MODULE = NovaliteModule(ARGUMENT_SPEC, handlers.server, required_one_of=[...])

A handler is a plain function ``handler(call) -> result dict``. ``call`` carries the
validated options, check and diff mode, the state store (opened on first use from
``database_url``), the requester's context and ``warn()``. The handler returns what the
module returns: ``changed``, its documented keys, ``diff`` (kept only in diff mode) and,
to fail with the result attached, ``failed_msg``. NovaliteError becomes a failure whose
``msg`` names the field (with ``error``, ``field``, ``details``); any other exception a
failure with its traceback.

Two front-ends run the same handler:

* ``NovaliteModule.main()``: AnsibleModule, when Ansible ships the module to a host;
* ``execute()`` with already validated options, used by the controller's in-process
  runner (plugins/plugin_utils/in_process.py) for the steps that only touch the state
  store, so they cost no Python start-up, AnsiballZ or imports per task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError

try:
    from ansible.module_utils.basic import AnsibleModule, missing_required_lib
except ImportError:  # pragma: no cover - outside Ansible
    AnsibleModule = missing_required_lib = None

COLLECTION = 'novalite.compute'

# Controller-side modules that read or write the state store take this option. no_log: a MySQL URL
# carries the password, which must not reach invocation.module_args, runner artifacts or AWX events.
DATABASE_ARGS = dict(
    database_url=dict(type='str', required=False, no_log=True),
)

# Modules acting on servers take the requester's identity (Nova's RequestContext).
CONTEXT_ARGS = dict(
    # names or ids, resolved against the identity tables (compute/context.py for_playbook)
    project_id=dict(type='str'),
    user_id=dict(type='str'),
    is_admin=dict(type='bool', default=True),
    request_id=dict(type='str'),
)

# The compute host's settings, shared by the modules that run on it (values come from the host's vars).
HOST_ARGS = dict(
    instances_path=dict(type='path', default='/var/lib/novalite/instances'),
    libvirt_uri=dict(type='str', default='qemu:///system'),
    vnc_listen=dict(type='str', default='127.0.0.1'),
    force_raw_images=dict(type='bool', default=True),
    virt_type=dict(type='str', choices=['kvm', 'qemu']),
)

# How a compute host logs in to the others to move a server (instance_move, instance_live_migrate; doc fragment
# compute_host.migration_ssh): the host's inventory novalite_migration_ssh_key / _known_hosts / _ssh_user
HOST_MIGRATION_ARGS = dict(
    migration_ssh=dict(type='dict', options=dict(key=dict(type='str', no_log=False), known_hosts=dict(type='str'),
                                                 user=dict(type='str'))),
)

# What a new server is made of (the server and server_build modules).
# Where a host keeps its networks' files (network/host_side.py; doc fragment compute_host.network)
HOST_NETWORK_ARGS = dict(
    network_state_dir=dict(type='path', default='/run/novalite/network'),
)

# a module that moves a server onto or off the host: the host's network plan around its step
HOST_MOVE_NETWORK_ARGS = dict(
    HOST_NETWORK_ARGS,
    host_network=dict(type='dict'),
    host_networking=dict(type='bool', default=True),
)

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


def spec(*parts, **options):
    """One argument spec from shared fragments (DATABASE_ARGS ...) and the module's own options."""
    out = {}
    for part in parts:
        out.update(part)
    out.update(options)
    return out


def context_from(params, store):
    """Nova's RequestContext from the CONTEXT_ARGS options (a params dict, or anything with ``.params``):
    the project and user, by name or id, resolved in ``store``'s identity tables."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context
    p = getattr(params, 'params', params)
    return context.for_playbook(store, p['project_id'], p['user_id'], p['is_admin'], p.get('request_id'))


class Failure(Exception):
    """A handler's way to fail with a message and (documented) result keys attached."""

    def __init__(self, msg, **result):
        super(Failure, self).__init__(msg)
        self.msg = msg
        self.result = result


def missing_library(names):
    """A Failure saying which Python libraries are missing, in Ansible's usual words."""
    if missing_required_lib is not None:
        return Failure(missing_required_lib(names))
    return Failure('Failed to import the required Python library (%s)' % names)


class Call(object):
    """What a handler gets for one run."""

    def __init__(self, params, check_mode=False, diff_mode=False, warn=None, log=None):
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff_mode = bool(diff_mode)
        self.warnings = []
        self._warn = warn
        self._log = log
        self._store = None

    @property
    def store(self):
        """The state store named by ``database_url`` (or $NOVALITE_DATABASE_URL, or the SQLite default)."""
        if self._store is None:
            from ansible_collections.novalite.compute.plugins.module_utils.store import engine
            if not engine.HAS_SQLALCHEMY:
                raise missing_library('SQLAlchemy, alembic and PyMySQL')
            self._store = engine.Store(self.params.get('database_url'))
        return self._store

    def context(self):
        return context_from(self.params, self.store)

    def warn(self, msg):
        if self._warn is not None:
            self._warn(msg)
        else:
            self.warnings.append(msg)

    def log(self, msg):
        if self._log is not None:
            self._log(msg)

    def close(self):
        if self._store is not None:
            self._store.dispose()
            self._store = None


def error_result(exc):
    """The failure result for a NovaliteError: ``msg`` names the field; error/field/details beside it."""
    msg = exc.message
    out = {'failed': True, 'error': exc.kind}
    if exc.field:
        out['field'] = exc.field
        if not msg.startswith(exc.field):
            msg = '%s: %s' % (exc.field, msg)
    if exc.details:
        out['details'] = exc.details
    out['msg'] = msg
    return out


class NovaliteModule(object):
    """A module's argument spec, its AnsibleModule options and its handler."""

    def __init__(self, argument_spec, handler, supports_check_mode=True, **module_options):
        self.argument_spec = argument_spec
        self.handler = handler
        self.supports_check_mode = supports_check_mode
        # mutually_exclusive, required_together, required_one_of, required_if, required_by
        self.module_options = module_options

    def execute(self, call):
        """Run the handler for validated options: the module's result (``failed`` and ``msg`` on failure)."""
        try:
            result = self.handler(call)
        except Failure as exc:
            result = dict(exc.result, failed=True, msg=exc.msg)
        except NovaliteError as exc:
            return error_result(exc)
        except Exception as exc:  # noqa: BLE001 - a module must always answer in JSON
            return {'failed': True, 'msg': '%s: %s' % (exc.__class__.__name__, exc),
                    'exception': traceback.format_exc()}
        finally:
            call.close()
        result = dict(result)
        failed_msg = result.pop('failed_msg', None)
        if failed_msg:
            result.update(failed=True, msg=failed_msg)
        diff = result.pop('diff', None)
        if call.diff_mode and diff is not None:
            result['diff'] = diff
        if not result.get('failed'):
            result.setdefault('changed', False)
        return result

    def main(self):
        """The AnsibleModule front-end (the module runs as its own process)."""
        module = AnsibleModule(argument_spec=self.argument_spec, supports_check_mode=self.supports_check_mode,
                               **self.module_options)
        call = Call(module.params, check_mode=module.check_mode, diff_mode=module._diff,
                    warn=module.warn, log=module.log)
        result = self.execute(call)
        if result.pop('failed', False):
            module.fail_json(**result)
        module.exit_json(**result)
