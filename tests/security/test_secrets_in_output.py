# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The state store's password never reaches module output, runner artifacts or job events.

A MySQL ``database_url`` carries its password. A real ansible-runner run of a
controller module, verbose and registering its result, on a MariaDB user with a
password: the flavor is written (the URL was used), and no file of the run's
artifacts (stdout, job events with ``invocation.module_args``) holds the password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import uuid

import ansible_runner
import pytest

from lib.databases import MARIADB_EXCLUDED, backends, mysql_admin as _mysql_admin
from lib.novalite_env import REPO

pytestmark = pytest.mark.skipif('mysql' not in backends(), reason=MARIADB_EXCLUDED)

PLAYBOOK = '''
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - novalite.compute.flavor:
        name: m1.secret-test
        vcpus: 1
        ram: 64
        disk: 1
        database_url: "{{ novalite_database_url }}"
      register: made
    - ansible.builtin.debug:
        var: made
'''


@pytest.fixture
def password_url():
    suffix = uuid.uuid4().hex[:10]
    password = 'pw-%s-Zq9' % uuid.uuid4().hex
    database, user = 'novalite_secret_%s' % suffix, 'nl_secret_%s' % suffix
    _mysql_admin('CREATE DATABASE %s CHARACTER SET utf8mb4' % database)
    _mysql_admin("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'" % (user, password))
    _mysql_admin("GRANT ALL ON %s.* TO '%s'@'127.0.0.1'" % (database, user))
    try:
        yield 'mysql+pymysql://%s:%s@127.0.0.1:3306/%s' % (user, password, database), password
    finally:
        _mysql_admin("DROP USER IF EXISTS '%s'@'127.0.0.1'" % user)
        _mysql_admin('DROP DATABASE IF EXISTS %s' % database)


def test_database_password_is_not_in_the_artifacts(tmp_path, password_url, venv_python):
    url, password = password_url
    project = tmp_path / 'project'
    project.mkdir()
    (project / 'secret.yml').write_text(PLAYBOOK)
    runner = ansible_runner.run(
        private_data_dir=str(tmp_path), playbook='secret.yml', inventory='localhost,', verbosity=3, quiet=True,
        extravars={'novalite_database_url': url, 'ansible_python_interpreter': venv_python},
        envvars={'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, 'collections'),
                 'PATH': os.path.dirname(venv_python) + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin')})
    assert runner.status == 'successful', runner.stdout.read()[-3000:]

    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    store = Store(url)
    try:
        assert flavors.get(store, 'm1.secret-test')['memory_mb'] == 64
    finally:
        store.dispose()
    artifacts = tmp_path / 'artifacts'
    files = [p for p in artifacts.rglob('*') if p.is_file()]
    assert any(p.parent.name == 'job_events' for p in files) and any(p.name == 'stdout' for p in files)
    holding = [str(p.relative_to(tmp_path)) for p in files if password.encode() in p.read_bytes()]
    assert holding == [], 'the password is in %s' % holding
    events = ''.join(p.read_text() for p in files if p.parent.name == 'job_events')
    assert '"database_url": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in events
