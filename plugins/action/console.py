# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Runs novalite.compute.console in-process when its target is local (see plugin_utils/in_process.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import ControllerAction


class ActionModule(ControllerAction):
    MODULE = 'console'
