# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The guest's admin password: Nova's generator, the config drive's admin_pass, and the sealed job secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.compute import admin_password
from ansible_collections.novalite.compute.plugins.module_utils.virt import config_drive

from novalite_api import jobs


def test_generated_passwords_follow_novas_rules():
    seen = set()
    for _i in range(200):
        password = admin_password.generate()
        assert len(password) == 12
        for group in admin_password.SYMBOL_GROUPS:   # one of each group at least
            assert set(password) & set(group), password
        assert not set(password) & set('0O1Il'), password   # no look-alikes
        seen.add(password)
    assert len(seen) == 200
    assert len(admin_password.generate(4)) == 4


def test_a_secret_reaches_only_its_own_instance():
    secrets = {'u1': {'admin_pass': 'p1', 'other': 'ignored'}, 'u2': {'admin_pass': 'p2'}}
    assert admin_password.with_secret({'uuid': 'u1', 'name': 'a'}, secrets) == {'uuid': 'u1', 'name': 'a',
                                                                                'admin_pass': 'p1'}
    assert admin_password.with_secret({'uuid': 'u3'}, secrets) == {'uuid': 'u3'}
    assert admin_password.with_secret({'uuid': 'u1'}, {'u1': {'admin_pass': 5}}) == {'uuid': 'u1'}


def test_config_drive_holds_the_admin_password_for_its_owner_only(tmp_path):
    if shutil.which('genisoimage') is None:
        pytest.fail('genisoimage is missing (bindep.txt)')
    instance = {'uuid': '8f2c0f7e-3a3c-4b8e-9d53-7e2f7f1e9c11', 'name': 'x', 'admin_pass': 'p {{ 1 }} $(id)'}
    assert config_drive.meta_data(instance)['admin_pass'] == 'p {{ 1 }} $(id)'
    assert 'admin_pass' not in config_drive.meta_data(dict(instance, admin_pass=None))
    path = config_drive.build(str(tmp_path / 'disk.config'), instance)
    assert os.stat(path).st_mode & 0o777 == 0o600
    meta = subprocess.run(['isoinfo', '-i', path, '-R', '-x', '/openstack/latest/meta_data.json'],
                          capture_output=True, check=True).stdout
    assert json.loads(meta)['admin_pass'] == 'p {{ 1 }} $(id)'


def test_job_secrets_are_sealed_in_the_store_and_open_with_the_same_key_only(tmp_path):
    cfg = {'secret_key_file': str(tmp_path / 'token.key')}
    secrets = {'u1': {'admin_pass': 'Hunter2hunter2'}}
    row = jobs._with_secrets(cfg, {'action': 'rebuild'}, secrets)
    assert row['action'] == 'rebuild' and 'Hunter2hunter2' not in json.dumps(row)
    assert jobs._opened_secrets(cfg, row['secrets']) == secrets
    assert jobs._with_secrets(cfg, {'action': 'stop'}, None) == {'action': 'stop'}
    other = {'secret_key_file': str(tmp_path / 'other.key')}
    assert jobs._opened_secrets(other, row['secrets']) == {}   # another deployment's key opens nothing
    assert jobs._opened_secrets(cfg, 'not a token') == {}
