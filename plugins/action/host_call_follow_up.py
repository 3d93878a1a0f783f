# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Waits in the run for the REST shim's record of host calls and returns their next steps (see
plugins/module_utils/compute/follow_ups.py): on the controller, in ansible-playbook's process."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.novalite.compute.plugins.module_utils.compute import follow_ups


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('dir', 'calls', 'timeout'))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        directory, calls, timeout = args.get('dir'), args.get('calls') or [], args.get('timeout', 60)
        if not isinstance(directory, str) or not directory:
            result.update(failed=True, msg='dir: must be the run\'s hand-over directory')
            return result
        if not isinstance(calls, list) or any(not isinstance(c, dict) for c in calls):
            result.update(failed=True, msg='calls: must be a list of host calls')
            return result
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            result.update(failed=True, msg='timeout: must be a number of seconds')
            return result
        # the next calls carry tenant data (names, metadata): marked unsafe, never rendered
        result.update(changed=False, calls=wrap_var(follow_ups.take(str(directory), calls, timeout)))
        return result
