# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who asks: Nova's RequestContext reduced to what novalite checks, and request ids."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib


class Context(object):
    """Who asks: Nova's RequestContext reduced to what novalite checks."""

    def __init__(self, user_id=None, project_id=None, is_admin=True, request_id=None, roles=None):
        self.user_id = user_id
        self.project_id = project_id
        self.is_admin = is_admin
        self.roles = list(roles or (['admin'] if is_admin else ['member']))
        self.request_id = request_id or new_request_id()


def new_request_id():
    return 'req-%s' % uuidlib.uuid4()
