"""The playbook path with a compute host that cannot be reached, and the admin reset-state playbook.

No guest is booted: the servers are rows on a host whose SSH port refuses connections, so the
host calls come back unreachable. Nothing may stay in a task state (the bug: the play ended for
the controller and server_report never ran).
"""

import os
import subprocess

import pytest
import yaml
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _playbook(tmp_path, db_url, name, **extra):
    inventory = {'all': {
        'vars': {'ansible_python_interpreter': os.path.join(VENV_BIN, 'python'), 'novalite_database_url': db_url},
        'children': {'controller': {'hosts': {'localhost': {'ansible_connection': 'local'}}},
                     'compute': {'hosts': {'deadhost': {
                         'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': 1,
                         'ansible_ssh_common_args': '-o ConnectTimeout=3 -o StrictHostKeyChecking=no'}}}}}}
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCALHOST_WARNING='0', NOVALITE_DATABASE_URL=db_url)
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', str(path),
                           os.path.join(REPO, 'playbooks', name), '-e', yaml.safe_dump(extra, default_flow_style=True)],
                          capture_output=True, text=True, env=env, timeout=300, cwd=REPO, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def _server(store, **state):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm-%d' % len(instances.list_instances(store)),
                                       'project_id': 'p1', 'user_id': 'u1', 'flavor': FLAVOR, 'image': {'id': 'img'}})
        instances.action_start(conn, inst['uuid'], 'create', Context().request_id)
    values = dict(vm_state=S.ACTIVE, task_state=None, power_state=S.RUNNING, host='deadhost')
    values.update(state)
    return instances.update(store, inst['uuid'], **values)


@pytest.mark.parametrize('action,extra', [('stop', {}), ('reboot', {'reboot_type': 'HARD'})])
def test_unreachable_host_fails_the_action_with_a_fault(store, db_url, tmp_path, action, extra):
    add_host(store, 'deadhost')
    inst = _server(store)
    rc, out = _playbook(tmp_path, db_url, 'server_action.yml', server=inst['uuid'], action=action, **extra)
    assert rc != 0, out
    assert 'deadhost' in out
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state']) == (S.ACTIVE, None), out[-3000:]
    fault = instances.latest_fault(store, inst['uuid'])
    assert fault and ('connect' in fault['message'].lower() or 'unreachable' in fault['message'].lower()), fault
    last = instances.list_actions(store, inst['uuid'])[-1]
    assert [e['result'] for e in last['events']] == ['Error']


def test_unreachable_host_fails_a_delete_in_server_yml(store, db_url, tmp_path):
    """server.yml deleting a server on an unreachable host: the delete fails with a fault, no task state left."""
    add_host(store, 'deadhost')
    inst = _server(store)
    # a server is looked up by name in the playbook's project (bug 2 of issue 10), here p1
    rc, out = _playbook(tmp_path, db_url, 'server.yml', server_name=inst['display_name'], server_state='absent',
                        project='p1')
    assert rc != 0, out
    after = instances.get(store, inst['uuid'])
    assert after['task_state'] is None, out[-3000:]
    assert 'connect' in instances.latest_fault(store, inst['uuid'])['message'].lower()


def test_reset_state_playbook_is_admin_only(store, db_url, tmp_path):
    add_host(store, 'deadhost')
    inst = _server(store, task_state=S.REBOOTING)
    rc, out = _playbook(tmp_path, db_url, 'server_action.yml', server=inst['uuid'], action='reset_state',
                        state='error', is_admin=False, project_id='p1')
    assert rc != 0 and 'reset_state' in out, out[-3000:]
    assert instances.get(store, inst['uuid'])['task_state'] == S.REBOOTING
    rc, out = _playbook(tmp_path, db_url, 'server_action.yml', server=inst['uuid'], action='reset_state',
                        vm_state='error')
    assert rc == 0, out[-3000:]
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state'], after['status']) == (S.ERROR, None, 'ERROR')
    # `state`, the option's earlier name, is taken too
    rc, out = _playbook(tmp_path, db_url, 'server_action.yml', server=inst['uuid'], action='reset_state',
                        state='active')
    assert rc == 0, out[-3000:]
    assert instances.get(store, inst['uuid'])['vm_state'] == S.ACTIVE
    assert instances.list_actions(store, inst['uuid'])[-1]['action'] == 'resetState'
