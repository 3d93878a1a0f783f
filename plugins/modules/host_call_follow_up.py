#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_call_follow_up
short_description: Take the next steps of host calls from the REST shim within the same run
version_added: 0.2.0
author: novalite developers (@novalite)
description:
  - The REST shim records each host call's result from its run's events while the run goes on; the record may
    name the call's next step (a live migration's source step after the destination's, or a rollback).
  - This action waits until the shim recorded each of I(calls) and returns their next steps, so the run does
    them instead of a new run (whose start costs seconds). A call not recorded within I(timeout) is left to
    the shim, which runs its next step in a run of its own, as without this action.
  - Runs on the controller (an action plugin); it reads only the run's hand-over directory, written by the
    shim, and changes nothing else.
options:
  dir:
    description: The run's hand-over directory (the shim's C(novalite_follow_up_dir)).
    type: path
    required: true
  calls:
    description: The host calls (compute/host_calls.py build) whose next steps to wait for.
    type: list
    elements: dict
    required: true
  timeout:
    description: Seconds to wait for the shim's records.
    type: float
    default: 60
attributes:
  check_mode:
    description: Reads only.
    support: full
  diff_mode:
    description: Changes nothing, so there is nothing to show.
    support: none
'''

EXAMPLES = r'''
- name: Take the next step of each prepared live migration
  novalite.compute.host_call_follow_up:
    dir: "{{ novalite_follow_up_dir }}"
    calls: "{{ novalite_live_migrate_results.results | map(attribute='item') | list }}"
  register: novalite_live_migrate_next
'''

RETURN = r'''
calls:
  description: The next host calls the shim named, every string marked unsafe (none when a call has no next step).
  returned: success
  type: list
  elements: dict
'''
