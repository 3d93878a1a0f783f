# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The one door through which a play's user input enters novalite: taken raw and marked as data.

Ansible renders templates it finds inside variable values it trusts, and it trusts
extra vars, survey answers and files loaded with ``include_vars``. A server named
``{{ lookup('pipe', ...) }}`` would run a command as soon as a task referred to it.
This action reads the named variables from the task's variables *without rendering
them* (action plugins get them raw), loads desired-state files itself, and returns
everything under ``novalite_input`` marked unsafe (``wrap_var``): from then on Ansible
treats every string in it as text, never as a template, wherever it travels (module
arguments, set_fact, loop items, messages). Playbooks refer only to
``novalite_input.<name>``, never to the raw variables; tests/unit/test_playbook_inputs.py
checks that no playbook or role template names a user input directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.unsafe_proxy import wrap_var

RESULT_FACT = 'novalite_input'


def _plain(value):
    """Plain dicts, lists and strs: no origin or trust tags of the loader survive (and the fact cache can store it)."""
    return json.loads(json.dumps(value, default=str))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _VALID_ARGS = frozenset(('names', 'required', 'defaults', 'from_files', 'as_fact'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        names = list(args.get('names') or [])
        required = list(args.get('required') or [])
        defaults = dict(args.get('defaults') or {})
        from_files = dict(args.get('from_files') or {})
        for option, value in (('names', names), ('required', required)):
            if any(not isinstance(name, str) for name in value):
                return self._fail(result, '%s: must be a list of variable names' % option)
        unknown = sorted(set(required) - set(names))
        if unknown:
            return self._fail(result, 'required: %s not in names' % ', '.join(unknown))

        values = dict(defaults)
        for name in names:
            if name in task_vars:
                values[name] = task_vars[name]   # raw: not rendered
        for key, path_var in sorted(from_files.items()):
            if path_var in task_vars:
                try:
                    values[key] = self._load_file(task_vars[path_var], task_vars)
                except AnsibleError as exc:
                    return self._fail(result, '%s: %s' % (path_var, exc))
        missing = [name for name in required if values.get(name) in (None, '')]
        if missing:
            return self._fail(result, '%s: is required (pass it as an extra var, e.g. -e %s=...)'
                              % (missing[0], missing[0]))
        as_fact = args.get('as_fact', True)
        if not isinstance(as_fact, bool):
            return self._fail(result, 'as_fact: must be true or false')
        taken = wrap_var(_plain(values))
        # a fact lands in the fact cache; a secret is only registered (kept in memory for the run)
        result.update({'changed': False, 'ansible_facts' if as_fact else RESULT_FACT: (
            {RESULT_FACT: taken} if as_fact else taken)})
        return result

    def _load_file(self, path, task_vars):
        """A YAML/JSON file's data, found like include_vars finds it (vars/, the playbook dir, cwd)."""
        path = str(path)
        found = None
        if not os.path.isabs(path):
            try:
                found = self._find_needle('vars', path)
            except AnsibleError:
                found = None
        found = found or os.path.abspath(path)
        if not os.path.isfile(found):
            raise AnsibleError('no such file: %s' % path)
        return self._loader.load_from_file(found)

    @staticmethod
    def _fail(result, msg):
        result.update(failed=True, msg=msg)
        return result
