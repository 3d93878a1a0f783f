# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Controller-side modules run inside ansible-playbook, when their target is this machine.

The steps that only touch the state store (server, server_report, compute_node_info ...)
do milliseconds of work; run as modules, each one costs a Python start, an AnsiballZ
payload and the SQLAlchemy imports. Each such module has a tiny action plugin
(plugins/action/<module>.py) binding ``ControllerAction`` to it. When the task's
target is local (delegate_to localhost, connection local, no become, no async, no task
environment) the action validates the arguments with the module's own argument spec
(ArgumentSpecValidator: same errors, type coercion and no_log values) and runs the
module's handler in the worker process (``run_in_process``); otherwise it ships the
real module as usual, so a remote controller host with its own state store still works.

The worker processes are forked from ansible-playbook's main process, which loads
this action plugin when the play starts (the strategy looks every action up), so
the domain code and SQLAlchemy below are imported once per playbook, not per task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import importlib
import json

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import COLLECTION, Call

display = Display()

# What the controller-side handlers import, loaded here once (see the module docstring).
try:
    from ansible_collections.novalite.compute.plugins.module_utils.store import engine as _engine
    from ansible_collections.novalite.compute.plugins.module_utils.store import migrations as _migrations  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as _handlers  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.handlers import network as _net_handlers  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.compute import (  # noqa: F401
        conductor as _conductor, consoles as _consoles, desired as _desired, instances as _instances,
        reconcile as _reconcile, server_actions as _server_actions)
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import (  # noqa: F401
        flavors as _flavors, images as _images, keypairs as _keypairs)
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as _hosts  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.registry import settings as _settings  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager as _manager  # noqa: F401
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import (  # noqa: F401
        server_groups as _server_groups)
    HAS_CONTROLLER_LIBS = _engine.HAS_SQLALCHEMY and _migrations.HAS_ALEMBIC
except ImportError:  # pragma: no cover - such a controller runs the real modules
    HAS_CONTROLLER_LIBS = False

LOCAL_CONNECTIONS = frozenset(('local', 'ansible.builtin.local'))


def plain(value):
    """Plain Python data: no data tags (ansible-core 2.19) or unsafe wrappers survive.

    The handler sees what a module would see after JSON; strings stay strings (data),
    never templates.
    """
    if isinstance(value, dict):
        return dict((str(plain(k)) if isinstance(k, (str, bytes)) else k, plain(v))
                    for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)      # str(tagged str) is an exact str copy
    if isinstance(value, bytes):
        return to_text(value, errors='surrogate_or_strict')
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if hasattr(value, 'items'):
        return plain(dict(value.items()))
    return value


def _json_fallback(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return to_text(value, errors='surrogate_or_strict')
    return str(value)


def as_module_output(result):
    """The result as it would come back from a module: through JSON (dates as ISO text, tuples as lists)."""
    return json.loads(json.dumps(result, default=_json_fallback))


def module_definition(name):
    """The NovaliteModule a module file defines (its argument spec and handler)."""
    return importlib.import_module('ansible_collections.%s.plugins.modules.%s' % (COLLECTION, name)).MODULE


def run_in_process(name, definition, args, check_mode=False, diff_mode=False, log=None):
    """Validate ``args`` like AnsibleModule does and run the module's handler: the module's result."""
    fqcn = '%s.%s' % (COLLECTION, name)
    validator = ArgumentSpecValidator(definition.argument_spec, **definition.module_options)
    validation = validator.validate(plain(dict(args)))
    params = validation.validated_parameters
    warnings = ['Both option {option} and its alias {alias} are set.'.format(**w) for w in validation._warnings]
    if validation.error_messages:
        msg = validation.errors.msg
        if isinstance(validation.errors[0], UnsupportedError):
            msg = 'Unsupported parameters for (%s) module: %s' % (fqcn, msg)
        result = {'failed': True, 'msg': msg}
    elif check_mode and not definition.supports_check_mode:
        result = {'skipped': True, 'msg': 'remote module (%s) does not support check mode' % fqcn}
    else:
        call = Call(params, check_mode=check_mode, diff_mode=diff_mode, log=log)
        result = definition.execute(call)
        warnings.extend(call.warnings)
    if warnings:
        result['warnings'] = warnings
    result['invocation'] = {'module_args': params}
    result = as_module_output(result)
    # as AnsibleModule does: no value of a no_log option anywhere in the result (bools and None kept)
    preserved = dict((k, v) for k, v in result.items() if v is None or isinstance(v, bool))
    result = remove_values(result, validation._no_log_values)
    result.update(preserved)
    return result


class ControllerAction(ActionBase):
    """Runs a controller-side module in-process when its target is local, else as a module.

    Subclasses (plugins/action/<module>.py) set ``MODULE`` to the module's short name.
    """

    MODULE = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ControllerAction, self).run(tmp, task_vars)
        del tmp  # unused
        if not self.runs_in_process():
            wrap_async = self._task.async_val and not self._connection.has_native_async
            result.update(self._execute_module(module_name='%s.%s' % (COLLECTION, self.MODULE),
                                               task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        host = (task_vars or {}).get('inventory_hostname', 'localhost')
        result.update(run_in_process(self.MODULE, module_definition(self.MODULE), self._task.args,
                                     check_mode=bool(self._task.check_mode), diff_mode=bool(self._task.diff),
                                     log=lambda msg: display.vvv(msg, host=host)))
        return result

    def runs_in_process(self):
        """True when the module would run on this machine, as this user, in this environment."""
        if not HAS_CONTROLLER_LIBS or self._task.async_val or self._play_context.become:
            return False
        if any(self._task.environment or ()):
            return False   # the module would see those variables; this process does not
        connection = getattr(self._connection, '_load_name', None) or getattr(self._connection, 'transport', None)
        return connection in LOCAL_CONNECTIONS
