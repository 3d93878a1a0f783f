# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""An instance action and its events as Nova renders them below 2.51."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.common import usage_time


def action(row):
    return {'action': row['action'], 'instance_uuid': row['instance_uuid'],
            'message': row['message'], 'project_id': row['project_id'],
            'request_id': row['request_id'], 'start_time': usage_time(row['start_time']),
            'user_id': row['user_id']}


def event(row):
    # ``details`` (the ansible-runner artifacts directory) is never shown: no microversion up to 2.38 has it.
    return {'event': row['event'], 'start_time': usage_time(row['start_time']),
            'finish_time': usage_time(row['finish_time']), 'result': row['result'],
            'traceback': row['traceback']}
