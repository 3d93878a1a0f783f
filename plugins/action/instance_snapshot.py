# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""novalite.compute.instance_snapshot: snapshot on the compute host, then bring the file to the controller.

The module flattens the root disk into a staging file on the host the task is delegated to; with ``dest``
this plugin fetches that file over the task's own connection (SSH, or local for a host on this machine) to
``dest`` on the Ansible controller (written beside it and renamed, so a half copy is never at ``dest``),
then runs the module again with ``state: absent`` to remove the staging file from the host.
Its result is the module's plus ``dest``: one task, one result per call, which the controller records
(compute/snapshot.py ``finish`` imports ``dest`` into the image store, verifying the host's sha256).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.action import ActionBase

from ansible_collections.novalite.compute.plugins.module_utils.files import replacing

MODULE = 'novalite.compute.instance_snapshot'


class ActionModule(ActionBase):
    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        dest = args.pop('dest', None)
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        if result.get('failed') or not dest or args.get('state', 'present') != 'present' or self._task.check_mode:
            return result
        if not os.path.isabs(dest):
            result.update(failed=True, msg='dest must be an absolute path on the controller, got %r' % (dest,))
        else:
            try:
                os.makedirs(os.path.dirname(dest), 0o755, exist_ok=True)
                with replacing(dest) as part:
                    self._connection.fetch_file(result['path'], part)
                    if os.path.getsize(part) != result.get('size'):
                        raise IOError('fetched %d of %s bytes' % (os.path.getsize(part), result.get('size')))
                result['dest'] = dest
            except Exception as exc:  # pylint: disable=broad-except
                # reported as this call's failure
                result.update(failed=True, msg='fetching the snapshot %s from the host failed: %s'
                              % (result.get('path'), exc))
        cleanup = self._execute_module(module_name=MODULE, module_args=dict(args, state='absent'),
                                       task_vars=task_vars)
        if cleanup.get('failed') and not result.get('failed'):
            result['warnings'] = result.get('warnings', []) + [
                'the staging file %s could not be removed from the host: %s' % (result.get('path'), cleanup.get('msg'))]
        return result
