# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Who records a host call's outcome: the registry behind ``conductor.record_result``.

record_result records most actions the same way (the action table's vm_state, the task state cleared,
a fault on failure). An action with steps of its own (a snapshot's image import, a migration's next
host call...) records its outcome itself: its module registers a handler for its action names at
import (``@result_handler('evacuate')``), and record_result hands those actions to it. Likewise
``@after_delete`` functions run once a server's delete is recorded (a shelved server's image goes).

``all_actions`` imports every such module; the callers of record_result import it, so the registry is
complete wherever results are recorded (handler() refuses to answer before). Adding an action with its
own recording is then a new module and a line in all_actions: the conductor does not change, and it
imports none of the action modules (they import the conductor: no import cycle).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_HANDLERS = {}        # action -> handler(store, ident, action, request_id, host_result, error) -> server row
_AFTER_DELETE = []    # fn(store, row as it was before the delete)
_COMPLETE = []        # the action modules all_actions imported, once it has


def _name(fn):
    return '%s.%s' % (fn.__module__, fn.__name__)


def result_handler(*actions):
    """Decorator: ``fn`` records the outcome of ``actions``' host calls (instead of the conductor's default)."""
    def register(fn):
        for action in actions:
            known = _HANDLERS.get(action)
            if known is not None and _name(known) != _name(fn):   # (the same function again: a reloaded module)
                raise ValueError('%s already records %s' % (_name(known), action))
            _HANDLERS[action] = fn
        return fn
    return register


def after_delete(fn):
    """Decorator: ``fn(store, row)`` runs after a server's delete is recorded, with its row from before."""
    _AFTER_DELETE[:] = [f for f in _AFTER_DELETE if _name(f) != _name(fn)] + [fn]
    return fn


def complete(*modules):
    """all_actions' mark: every action module is imported, so every handler is registered."""
    _COMPLETE[:] = modules
    return modules


def _check_complete():
    if not _COMPLETE:
        raise RuntimeError('the action modules are not loaded: import compute.all_actions before recording results')


def handler(action):
    """The registered recorder of ``action``, or None (the conductor's default recording)."""
    _check_complete()
    return _HANDLERS.get(action)


def delete_hooks():
    """The ``after_delete`` functions, in the order they were registered."""
    _check_complete()
    return list(_AFTER_DELETE)
