# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The schedule and server_group modules through real ansible-playbook runs.

Three compute hosts are registered by the real registry playbook
(playbooks/register_hosts.yml: host_facts against the real qemu:///system,
compute_node into the store); then instances are scheduled and claimed across
them, on both state-store backends, and the claims are checked in the DB.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import json
import os
import subprocess
import uuid

import pytest
import sqlalchemy as sa
import yaml

from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]


def ansible_env(repo):
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0')
    return env


def run_playbook(repo, inventory, path, *extra):
    cmd = [os.path.join(repo, '.venv', 'bin', 'ansible-playbook'), '-i', str(inventory), str(path)] + list(extra)
    return subprocess.run(cmd, env=ansible_env(repo), capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def registered(repo, db_url, tmp_path, venv_python):
    """Three hosts registered by the real registry playbook; returns (inventory, names)."""
    tag = uuid.uuid4().hex[:8]
    names = ['sched%d-%s' % (i, tag) for i in (1, 2, 3)]
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': venv_python}},
                 'compute': {'vars': {'novalite_libvirt_uri': 'qemu:///system'},
                             'hosts': dict((n, {'novalite_instances_path': str(tmp_path / n)}) for n in names)},
                 'controller': {'hosts': {'localhost': {}}}}
    path = tmp_path / 'hosts.yml'
    path.write_text(yaml.safe_dump(inventory))
    proc = run_playbook(repo, path, os.path.join(repo, 'playbooks', 'register_hosts.yml'),
                        '-e', 'database_url=%s' % db_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return path, names


def write_playbook(tmp_path, name, tasks):
    path = tmp_path / name
    path.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    return path


def dump_task(var, dest):
    return {'ansible.builtin.copy': {'content': '{{ %s | to_json }}' % var, 'dest': str(dest)}}


def allocations(db_url):
    store = Store(db_url)
    try:
        allocs = schema.table('allocations')
        nodes = schema.table('compute_nodes')
        with store.read() as conn:
            rows = conn.execute(sa.select(allocs.c.consumer_uuid, nodes.c.host, allocs.c.vcpus, allocs.c.memory_mb,
                                          allocs.c.disk_gb)
                                .select_from(allocs.join(nodes, allocs.c.compute_node_id == nodes.c.id))).all()
            used = dict((r.host, (r.vcpus_used, r.memory_mb_used, r.local_gb_used, r.generation))
                        for r in conn.execute(sa.select(nodes)).all())
        return dict((r[0], tuple(r[1:])) for r in rows), used
    finally:
        store.dispose()


def test_schedule_three_hosts_claim_idempotent_and_novalidhost(repo, db_url, registered, tmp_path):
    inventory, names = registered
    consumers = [str(uuid.uuid4()) for _consumer in range(3)]
    flavor = {'vcpus': 1, 'memory_mb': 256, 'root_gb': 1, 'swap': 100}
    common = {'database_url': db_url, 'flavor': flavor, 'num_instances': 3, 'consumer_uuids': consumers,
              'server_group': 'spread'}
    out = dict((k, tmp_path / ('%s.json' % k)) for k in ('check', 'first', 'second', 'nofit', 'group'))
    tasks = [
        {'name': 'group', 'novalite.compute.server_group': {'database_url': db_url, 'name': 'spread',
                                                            'policy': 'anti-affinity'}, 'register': 'group'},
        dump_task('group', out['group']),
        {'name': 'where would they land', 'novalite.compute.schedule': common, 'check_mode': True,
         'register': 'check'},
        dump_task('check', out['check']),
        {'name': 'place and claim', 'novalite.compute.schedule': common, 'register': 'first'},
        dump_task('first', out['first']),
        {'name': 'again', 'novalite.compute.schedule': common, 'register': 'second'},
        dump_task('second', out['second']),
        {'name': 'too big', 'novalite.compute.schedule': {
            'database_url': db_url, 'flavor': {'vcpus': 1, 'memory_mb': 10 ** 8, 'root_gb': 1},
            'consumer_uuids': [str(uuid.uuid4())]}, 'register': 'nofit', 'ignore_errors': True},
        dump_task('nofit', out['nofit']),
    ]
    proc = run_playbook(repo, inventory, write_playbook(tmp_path, 'schedule.yml', tasks), '--diff')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    group, check, first, second, nofit = (json.loads(out[k].read_text())
                                          for k in ('group', 'check', 'first', 'second', 'nofit'))
    assert group['changed'] and group['server_group']['policy'] == 'anti-affinity'

    # anti-affinity over three hosts: one instance on each
    assert sorted(first['hosts']) == sorted(names)
    assert check['hosts'] == first['hosts'] and check['changed'] and not check['claimed']
    assert first['changed'] and first['claimed']
    assert first['request'] == {'vcpus': 1, 'memory_mb': 256, 'disk_gb': 2, 'min_count': 3, 'max_count': 3}
    assert [f['filter'] for f in first['filters']][:3] == ['RetryFilter', 'AvailabilityZoneFilter', 'ComputeFilter']
    assert not second['changed'] and sorted(second['hosts']) == sorted(first['hosts'])

    assert nofit['failed'] and nofit['error'] == 'NoValidHost'
    assert nofit['msg'].startswith('No valid host: ')
    assert 'RamFilter removed 3 (need 100000000 MB' in nofit['msg']

    claimed, used = allocations(db_url)
    assert claimed == dict((c, (h, 1, 256, 2)) for c, h in zip(consumers, first['hosts']))
    for host in names:
        assert used[host][:3] == (1, 256, 2)


def test_server_group_module_bad_policy_and_absent(repo, db_url, tmp_path, venv_python):
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': venv_python}}}}))
    out = tmp_path / 'bad.json'
    tasks = [
        {'novalite.compute.server_group': {'database_url': db_url, 'name': 'g', 'policy': 'affinity',
                                           'rules': {'max_server_per_host': 2}},
         'register': 'bad', 'ignore_errors': True},
        dump_task('bad', out),
        {'novalite.compute.server_group': {'database_url': db_url, 'name': 'g', 'policy': 'soft-affinity'}},
        {'novalite.compute.server_group': {'database_url': db_url, 'name': 'g', 'policy': 'soft-affinity'},
         'register': 'again'},
        {'ansible.builtin.assert': {'that': ['not again.changed']}},
        {'novalite.compute.server_group': {'database_url': db_url, 'name': 'g', 'state': 'absent'}},
    ]
    proc = run_playbook(repo, inventory, write_playbook(tmp_path, 'groups.yml', tasks))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = json.loads(out.read_text())
    assert bad['failed'] and bad['field'] == 'rules.max_server_per_host'
    assert 'only valid with policy anti-affinity' in bad['msg']
