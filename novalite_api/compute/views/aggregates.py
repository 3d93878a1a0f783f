# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""An aggregate as Nova shows it: ``uuid`` from 2.41; create leaves out hosts and metadata; deleted is always
false (Nova's API database deletes the row)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.api_version import since
from novalite_api.compute.common import usage_time


def show(aggregate, created=False):
    out = {'availability_zone': aggregate['availability_zone'], 'created_at': usage_time(aggregate['created_at']),
           'deleted': False, 'deleted_at': None, 'id': aggregate['id'], 'name': aggregate['name'],
           'updated_at': usage_time(aggregate['updated_at'])}
    if not created:
        out.update(hosts=list(aggregate['hosts']), metadata=dict(aggregate['metadata']))
    if since(41):
        out['uuid'] = aggregate['uuid']
    return out
