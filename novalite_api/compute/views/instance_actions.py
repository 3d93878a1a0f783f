# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""An instance action and its events as Nova renders them below 2.51."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.api_version import since
from novalite_api.compute.common import host_id, usage_time

from ansible_collections.novalite.compute.plugins.module_utils.compute.instances import JOB_RUN_EVENT


def action(row):
    out = {'action': row['action'], 'instance_uuid': row['instance_uuid'],
           'message': row['message'], 'project_id': row['project_id'],
           'request_id': row['request_id'], 'start_time': usage_time(row['start_time']),
           'user_id': row['user_id']}
    if since(58):
        out['updated_at'] = usage_time(row['updated_at'])
    return out


def event(row, project_id, traceback=False, host=False, details=False):
    """``traceback`` and (2.62) ``host`` for callers with the events policy; ``hostId`` for all from 2.62;
    (2.84) ``details`` for callers with events:details: a failed event's message, as Nova keeps it. novalite's
    own ``novalite_ansible_job`` event keeps the run's artifacts directory there, a path of the worker's
    machine that no answer shows (null, as Nova's for an event without details)."""
    out = {'event': row['event'], 'start_time': usage_time(row['start_time']),
           'finish_time': usage_time(row['finish_time']), 'result': row['result']}
    if traceback:
        out['traceback'] = row['traceback']
    if since(62):
        if host:
            out['host'] = row['host']
        out['hostId'] = host_id(project_id, row['host'])
    if since(84) and details:
        out['details'] = None if row['event'] == JOB_RUN_EVENT else row['details']
    return out
