# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The shim's extra vars: every string tagged !unsafe, read back by Ansible byte for byte."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.parsing.dataloader import DataLoader

from novalite_api import ansible_data

HOSTILE = ["{{ lookup('pipe', 'id') }}", '{{ 7*7 }}', '{% raw %}x{% endraw %}', '{#', "it's \"quoted\"",
           'tab\tnew\nline', 'unicode é ☃ 𝄞', '\x01\x7f', '', ' leading space', '- dash', 'null', 'true', '12']


def _data():
    return {'novalite_host_calls': [{'instance': {'display_name': text, 'metadata': dict((t, t) for t in HOSTILE),
                                                  'launch_index': 3, 'flag': True, 'none': None}}
                                    for text in HOSTILE],
            'novalite_database_url': 'sqlite:////var/lib/novalite/novalite.db'}


def _leaves(value):
    if isinstance(value, dict) and set(value) != {ansible_data.UNSAFE_KEY}:
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_every_string_is_wrapped_unsafe():
    leaves = list(_leaves(json.loads(ansible_data.unsafe_json(_data()))))
    strings = [v for v in leaves if isinstance(v, dict)]
    assert len(strings) > len(HOSTILE) and all(isinstance(v[ansible_data.UNSAFE_KEY], str) for v in strings)
    assert not any(isinstance(v, str) for v in leaves)
    # only the ints, booleans and nulls are bare
    assert sorted(set(repr(v) for v in leaves if not isinstance(v, dict))) == ['3', 'None', 'True']


def test_ansible_reads_back_the_same_values(tmp_path):
    path = ansible_data.write_extravars(str(tmp_path), _data())
    assert path == str(tmp_path / 'env' / 'extravars') and (tmp_path / 'env' / 'extravars').stat().st_mode & 0o077 == 0
    assert DataLoader().load_from_file(path) == _data()


def test_unencodable_field_names_the_path():
    assert ansible_data.unencodable_field(_data()) is None
    bad = {'novalite_host_calls': [{'instance': {'metadata': {'ok': 'x', 'k': u'a\ud800'}}}]}
    assert ansible_data.unencodable_field(bad) == 'novalite_host_calls[0].instance.metadata.k'
    bad_key = {'meta': {u'\udc80': 'v'}}
    assert ansible_data.unencodable_field(bad_key) == 'meta.\\udc80 (key)'
