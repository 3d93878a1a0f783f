# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Warm starts (novalite_api/warm_starts.py): real spares, real ansible-runner runs of real playbooks (local
connection), started as a worker starts its runs (run_groups.wrapped)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import contextlib
import io
import os
import pickle
import tempfile
import threading
import time
import zipfile

import ansible_runner
import pytest

from novalite_api import jobs, run_groups, warm_starts

PLAYBOOK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - name: a module run on the host (its payload is built once per worker)
      ansible.builtin.ping:
      register: pong
    - name: wait when asked
      ansible.builtin.pause:
        seconds: "{{ wait | default(0) | int }}"
    - ansible.builtin.debug:
        msg: "pid {{ lookup('ansible.builtin.pipe', 'echo $PPID') }} {{ pong.ping }}"
'''


@pytest.fixture
def playbook(tmp_path):
    path = tmp_path / 'play.yml'
    path.write_text(PLAYBOOK)
    return str(path)


@contextlib.contextmanager
def spares(size=1, **env):
    pool = warm_starts.Spares(size, dict(jobs._run_env({}), **env), run_groups.namespace_argv())
    try:
        yield pool
    finally:
        pool.close()


def ready(pool, timeout=30):
    """Start the pool's spares and wait until one has imported."""
    pool.fill()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(os.path.exists(path) for _proc, path, _fd in pool._spares):
            return
        time.sleep(0.05)
    raise AssertionError('no spare became ready')


def run(data_dir, playbook, spare, extravars=None):
    os.makedirs(data_dir, exist_ok=True)
    binary, cmdline = run_groups.wrapped(['ansible-playbook', playbook], data_dir, spare)
    events = []
    result = ansible_runner.run(
        private_data_dir=data_dir, ident='run', playbook=playbook, inventory='localhost,', extravars=extravars or {},
        envvars=jobs._ansible_env({}), quiet=True, settings={'suppress_ansible_output': True}, binary=binary,
        cmdline=cmdline, cancel_callback=jobs._not_cancelled, event_handler=lambda e: events.append(e) or True)
    return result, events


def said(events):
    """The debug task's message."""
    return [e['event_data']['res']['msg'] for e in events
            if e['event'] == 'runner_on_ok' and e['event_data']['task_action'] == 'ansible.builtin.debug'][0]


def payload_names(path):
    with open(path, 'rb') as handle:
        cached = pickle.load(handle)
    return zipfile.ZipFile(io.BytesIO(base64.b64decode(cached.zip_data))).namelist()


def members(data_dir):
    return run_groups.run_members(os.path.join(data_dir, run_groups.PGROUP_FILE))


def started_before(first, second):
    """Whether process ``first`` (pid, start) started before ``second`` (start times in clock ticks)."""
    return int(first[1]) < int(second[1])


def test_a_run_goes_to_a_spare_made_before_it(tmp_path, playbook):
    with spares() as pool:
        ready(pool)
        with pool.one() as spare:
            assert spare is not None
            result, events = run(str(tmp_path / 'warm'), playbook, spare)
        assert result.status == 'successful' and result.rc == 0
        leader, init = members(str(tmp_path / 'warm'))
        # the namespace's init was the spare, started (imports done) before the run's leader
        assert started_before(init, leader)
        assert not run_groups.alive(*init) and not run_groups.alive(*leader)
        oks = [e for e in events if e['event'] == 'runner_on_ok']
        assert [e['event_data']['task'] for e in oks][0].startswith('a module run')
        assert said(events).endswith(' pong')
        # the module's payload, compiled, is now offered to later spares
        shared = os.path.join(pool._dir, 'ansiballz')
        name = [n for n in os.listdir(shared) if n.startswith('ansible.modules.ping-')][0]
        assert 'ansible/modules/ping.pyc' in payload_names(os.path.join(shared, name))
        offered = os.stat(os.path.join(shared, name))
        # the next run's spare (started when the first run took its own, before that run offered anything)
        # takes it instead of building the payload again (nothing new to offer)
        ready(pool)
        with pool.one() as spare:
            result, events = run(str(tmp_path / 'warm-again'), playbook, spare)
        assert result.rc == 0 and started_before(*reversed(members(str(tmp_path / 'warm-again'))))
        assert said(events).endswith(' pong')
        again = os.stat(os.path.join(shared, name))
        assert (again.st_ino, again.st_mtime_ns) == (offered.st_ino, offered.st_mtime_ns)


def test_without_a_spare_the_run_starts_cold(tmp_path, playbook):
    result, _events = run(str(tmp_path / 'cold'), playbook, None)
    assert result.rc == 0
    leader, init = members(str(tmp_path / 'cold'))
    assert not started_before(init, leader)


def test_a_spare_imported_under_other_settings_hands_the_run_back(tmp_path, playbook):
    # ansible read ANSIBLE_* when the spare imported: a run with other settings must not run in it
    with spares(ANSIBLE_FORKS='7') as pool:
        ready(pool)
        with pool.one() as spare:
            result, events = run(str(tmp_path / 'mismatch'), playbook, spare)
        assert result.rc == 0
        leader, init = members(str(tmp_path / 'mismatch'))
        assert not started_before(init, leader)     # the cold start's namespace init
        assert any(e['event'] == 'runner_on_ok' for e in events)


def test_a_spare_whose_process_died_is_not_handed_out(tmp_path, playbook):
    with spares() as pool:
        ready(pool)
        for proc, _path, _fd in pool._spares:
            proc.kill()
            proc.wait()
        with pool.one() as spare:
            assert spare is None
            result, _events = run(str(tmp_path / 'after-death'), playbook, spare)
        assert result.rc == 0


def test_ending_the_leader_ends_the_spare_and_its_namespace(tmp_path, playbook):
    data_dir = str(tmp_path / 'ended')
    with spares() as pool:
        ready(pool)
        outcome = {}
        with pool.one() as spare:
            thread = threading.Thread(
                target=lambda: outcome.update(result=run(data_dir, playbook, spare, {'wait': 60})[0]))
            thread.start()
            deadline = time.time() + 30
            pgroup = os.path.join(data_dir, run_groups.PGROUP_FILE)
            while time.time() < deadline and not (os.path.exists(pgroup) and len(members(data_dir)) == 2):
                time.sleep(0.05)
            leader, init = members(data_dir)
            assert started_before(init, leader)
            time.sleep(1)
            assert run_groups.end_run(run_groups.run_record(data_dir), timeout=20) == 'ended'
            thread.join(30)
        assert not run_groups.alive(*init) and not run_groups.alive(*leader)
        assert outcome['result'].rc != 0


def test_idle_spares_end_with_their_pool_and_leave_no_temp_dir(tmp_path):
    local_tmp = tmp_path / 'local-tmp'   # the spares' own (ansible makes its temp dir there when it imports)
    with spares(size=2, ANSIBLE_LOCAL_TEMP=str(local_tmp)) as pool:
        ready(pool)
        procs = [proc for proc, _path, _fd in pool._spares]
        assert len(procs) == 2
        assert [n for n in os.listdir(str(local_tmp)) if n.startswith('ansible-local-')]
    assert all(proc.poll() is not None for proc in procs)
    assert os.listdir(str(local_tmp)) == []


def test_a_payload_is_taken_only_while_its_files_are_unchanged(tmp_path, playbook):
    with spares() as pool:
        ready(pool)
        with pool.one() as spare:
            assert run(str(tmp_path / 'first'), playbook, spare)[0].rc == 0
        shared = os.path.join(pool._dir, 'ansiballz')
        name = [n for n in os.listdir(shared) if n.startswith('ansible.modules.ping-')][0]
        path = os.path.join(shared, name)
        import ansible.constants  # noqa: F401  (the helpers read ansible's settings)
        assert warm_starts._payload_current(path)
        # the same payload with one module_utils file not as on disk: built again
        with open(path, 'rb') as handle:
            cached = pickle.load(handle)

        def edited(info, data):
            return [(info, data + b'\n# changed\n' if info.filename == 'ansible/module_utils/basic.py' else data)]
        cached = warm_starts.rewritten(cached, edited)
        stale = str(tmp_path / name)
        with open(stale, 'wb') as handle:
            pickle.dump(cached, handle)
        assert not warm_starts._payload_current(stale)


def test_import_time_environment_leaves_out_per_run_paths():
    env = {'ANSIBLE_CACHE_PLUGIN_CONNECTION': '/a/fact_cache', 'ANSIBLE_FORKS': '5', 'PYTHONPATH': '/x',
           'LC_ALL': 'C', 'AWX_ISOLATED_DATA_DIR': '/a', 'NOVALITE_HOST_LAUNCHER': '/s', 'HOME': '/root'}
    expected = {'ANSIBLE_FORKS': '5', 'PYTHONPATH': '/x', 'LC_ALL': 'C', 'HOME': '/root'}
    assert warm_starts.import_time_env(env) == expected


def test_a_killed_workers_spare_directory_is_removed_by_the_next_pool():
    # a worker killed (the crash tests do it) leaves its directory; one whose worker runs stays
    left = tempfile.mkdtemp(prefix=warm_starts.DIR_PREFIX)
    with open(os.path.join(left, warm_starts.OWNER_FILE), 'w') as handle:
        handle.write('%d 1\n' % os.getpid())      # this pid with another start time: a process that is gone
    with spares() as pool:
        ready(pool)
        live = pool._dir
        with spares() as other:
            ready(other)
            assert not os.path.exists(left)
            assert os.path.isdir(live)
    assert not os.path.exists(live)
