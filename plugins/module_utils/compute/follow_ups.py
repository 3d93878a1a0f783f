# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A host call's next step handed into the run still going, instead of a run of its own.

The REST shim records each host call's result from its run's item event while the run goes on
(novalite_api/jobs.py); the record may name the call's next step (a live migration's source step after
the destination's, a rollback after a failure). Each ansible run costs seconds to start, so a task file
that knows its calls have a next step (host_calls_live_migrations.yml) waits in the same run for the
shim's record of each (the ``host_call_follow_up`` action) and runs what it names; the shim then takes
that step's result from the same run.

One file per recorded call in the run's hand-over directory (``offer``: the next call, or null for
none), named by the call's server and request (never by tenant data). Whoever renames it first owns it:
the run (``take``), or the shim once the run ended (``untaken``: the next round, as without a hand-over).
So a step is run exactly once, whether the run waited for it or not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import time

from ansible_collections.novalite.compute.plugins.module_utils.files import write_atomically

OFFERED = '.json'
TAKEN = '.taken'
POLL_SECONDS = 0.02   # the shim writes within one DB transaction of the item event: a short poll


def awaited(call):
    """Whether a run waits for ``call``'s next step: a live migration's destination step (the calls
    host_calls_live_migrations.yml hands to ``host_call_follow_up``). Other calls' next steps are not offered:
    they run in the next round, in the order they were recorded."""
    return (call.get('module') == 'instance_live_migrate'
            and (call.get('live_migration') or {}).get('step') == 'prepare_destination')


def key(call):
    """The file name stem of ``call``'s hand-over: its server and request, hashed (no tenant text)."""
    text = '%s\0%s' % (call.get('server'), call.get('request_id'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]


def offer(directory, call, next_call):
    """The shim's side: ``call`` is recorded; ``next_call`` (None: nothing) is its next step."""
    write_atomically(os.path.join(directory, key(call) + OFFERED), json.dumps(next_call), mode=0o600)


def _claim(directory, stem):
    """The offered call of ``stem`` if this caller renamed it first, else (False, None)."""
    path = os.path.join(directory, stem + OFFERED)
    try:
        os.rename(path, os.path.join(directory, stem + TAKEN))
    except OSError:
        return False, None
    with open(os.path.join(directory, stem + TAKEN)) as handle:
        return True, json.load(handle)


def take(directory, calls, timeout):
    """The run's side: the next steps of ``calls`` as the shim records them (waiting up to ``timeout`` seconds
    for all); a call not recorded by then is left to the shim (``untaken``)."""
    stems = [key(c) for c in calls]
    found = []
    deadline = time.monotonic() + timeout
    while stems:
        for stem in list(stems):
            if os.path.exists(os.path.join(directory, stem + OFFERED)):
                stems.remove(stem)
                owned, next_call = _claim(directory, stem)
                if owned and next_call:
                    found.append(next_call)
        if stems and time.monotonic() >= deadline:
            break
        if stems:
            time.sleep(POLL_SECONDS)
    return found


def untaken(directory):
    """The shim's side once the run ended: the next steps it offered that the run did not take."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    out = []
    for name in names:
        if name.endswith(OFFERED):
            owned, next_call = _claim(directory, name[:-len(OFFERED)])
            if owned and next_call:
                out.append(next_call)
    return out
