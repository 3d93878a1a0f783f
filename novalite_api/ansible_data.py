# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""How the shim hands data to Ansible: as text that is never a template, one request never breaking another.

Every ansible-runner run the shim starts gets its extra vars from ``write_extravars``:
a JSON file (``env/extravars``, which ansible-runner passes as ``-e @file``) in which
every string value is wrapped as ``{"__ansible_unsafe": ...}``, the JSON form of Ansible's
"never render this", so a server named ``{{ lookup('pipe', ...) }}`` stays that name.
(Not YAML's ``!unsafe`` tag: ansible-core 2.19 resolves the tagged scalar's type again,
so a name "12" or "null" would arrive as a number or None. Mapping keys are never
rendered.) The playbooks also take their input through ``novalite.compute.user_input``;
either alone would stop the templating.

A value that cannot be written as UTF-8 (a lone surrogate kept from before the API
refused them) would make the whole run, and so every request batched into it,
fail: ``unencodable_field`` finds it first, so the caller can fail that one call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from novalite_api import json_text

UNSAFE_KEY = '__ansible_unsafe'


def _wrap(value):
    if isinstance(value, str):
        return {UNSAFE_KEY: value}
    if isinstance(value, dict):
        return dict((key, _wrap(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_wrap(item) for item in value]
    return value


def unsafe_json(data):
    """``data`` (JSON-like) as JSON text in which no string value can be rendered as a template."""
    return json.dumps(_wrap(data), sort_keys=True)


def write_extravars(private_data_dir, extravars):
    """Write ``env/extravars`` of an ansible-runner private data dir (readable by its owner only)."""
    env_dir = os.path.join(private_data_dir, 'env')
    os.makedirs(env_dir, 0o700, exist_ok=True)
    path = os.path.join(env_dir, 'extravars')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write(unsafe_json(extravars))
    return path


def unencodable_field(value):
    """The place (``instance.metadata.k``) of the first string in ``value`` that UTF-8 cannot encode, or None."""
    for place, text, is_key in json_text.strings(value):
        try:
            text.encode('utf-8')
        except UnicodeEncodeError:
            return _dotted(place, is_key)
    return None


def _dotted(place, is_key):
    """``a.b[0].c`` (`` (key)`` when the key itself is bad), safe to print: bad characters are escaped."""
    text = ''
    for part in place:
        text += '[%d]' % part if isinstance(part, int) else ('.%s' % part if text else part)
    text = (text or '(value)') + (' (key)' if is_key else '')
    return text.encode('utf-8', 'backslashreplace').decode('utf-8')
