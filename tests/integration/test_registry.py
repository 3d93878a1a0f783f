"""The host registry end to end: real ansible-playbook runs of playbooks/register_hosts.yml
against a three-host inventory (all local connections to the real qemu:///system, with
different names, zones and instances paths), the rows they write on both state-store
backends, idempotence, check mode, a bad host var, and the state_store inventory plugin.
"""

import json
import os
import re
import subprocess
import uuid

import pytest
import yaml

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

pytestmark = [pytest.mark.libvirt, pytest.mark.slow]

RECAP_RE = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def ansible_env(repo):
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_HOST_KEY_CHECKING='0', ANSIBLE_RETRY_FILES_ENABLED='0')
    return env


def tool(repo, name):
    return os.path.join(repo, '.venv', 'bin', name)


def playbook(repo, inventory, db_url, *extra, playbook_path=None):
    cmd = [tool(repo, 'ansible-playbook'), '-i', str(inventory),
           playbook_path or os.path.join(repo, 'playbooks', 'register_hosts.yml'),
           '-e', 'database_url=%s' % db_url] + list(extra)
    proc = subprocess.run(cmd, env=ansible_env(repo), capture_output=True, text=True, timeout=300, check=False)
    recap = {m.group(1): {'ok': int(m.group(2)), 'changed': int(m.group(3)), 'failed': int(m.group(5))}
             for m in RECAP_RE.finditer(proc.stdout)}
    return proc, recap


@pytest.fixture
def three_hosts(tmp_path, venv_python):
    """Three compute hosts with unique names, two zones, own instances paths, one disabled."""
    tag = uuid.uuid4().hex[:8]
    names = ['cn%d-%s' % (i, tag) for i in (1, 2, 3)]
    paths = [str(tmp_path / ('host%d' % i) / 'instances') for i in (1, 2, 3)]
    inventory = {'compute': {
        'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': venv_python,
                 'novalite_libvirt_uri': 'qemu:///system'},
        'hosts': {
            names[0]: {'novalite_availability_zone': 'az1', 'novalite_instances_path': paths[0],
                       'novalite_traits': ['CUSTOM_SSD']},
            names[1]: {'novalite_availability_zone': 'az2', 'novalite_instances_path': paths[1],
                       'novalite_cpu_allocation_ratio': 4.0, 'novalite_reserved_host_memory_mb': 1024},
            names[2]: {'novalite_availability_zone': 'az2', 'novalite_instances_path': paths[2],
                       'novalite_enabled': False, 'novalite_disabled_reason': 'burn-in'},
        }}}
    path = tmp_path / 'hosts.yml'
    path.write_text(yaml.safe_dump(inventory))
    return path, names, paths


def plain(value):
    """ansible-inventory --list marks plugin strings as untrusted ({'__ansible_unsafe': 'x'}): unwrap."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def meminfo_total_mb():
    with open('/proc/meminfo') as fh:
        return int(next(line for line in fh if line.startswith('MemTotal:')).split()[1]) // 1024


def test_register_three_hosts_then_rerun_unchanged(repo, db_url, three_hosts, tmp_path):
    inventory, names, paths = three_hosts
    proc, recap = playbook(repo, inventory, db_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {name: recap[name]['changed'] for name in names} == {name: 1 for name in names}

    store = Store(db_url)
    try:
        nodes = {n['host']: n for n in hosts.list_nodes(store) if n['host'] in names}
        assert sorted(nodes) == names
        for name, path in zip(names, paths):
            node = nodes[name]
            assert node['vcpus'] == os.cpu_count()
            assert abs(node['memory_mb'] - meminfo_total_mb()) <= max(64, meminfo_total_mb() // 50)
            assert node['cpu_arch'] == 'x86_64' and node['hypervisor_type'] == 'QEMU'
            assert node['instances_path'] == path and node['libvirt_uri'] == 'qemu:///system'
            assert node['state'] == 'up' and node['report_count'] == 1
            assert node['virt_type'] in ('kvm', 'qemu')
            assert not os.path.exists(path)   # measured, not created (the boot path creates it)
        assert [nodes[n]['availability_zone'] for n in names] == ['az1', 'az2', 'az2']
        assert nodes[names[0]]['cpu_allocation_ratio'] == 16.0 and 'CUSTOM_SSD' in nodes[names[0]]['traits']
        assert nodes[names[1]]['cpu_allocation_ratio'] == 4.0
        assert nodes[names[1]]['reserved_host_memory_mb'] == 1024
        assert [nodes[n]['status'] for n in names] == ['enabled', 'enabled', 'disabled']
        assert nodes[names[2]]['disabled_reason'] == 'burn-in'

        proc, recap = playbook(repo, inventory, db_url)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert {name: recap[name]['changed'] for name in names} == {name: 0 for name in names}
        again = {n['host']: n for n in hosts.list_nodes(store) if n['host'] in names}
        assert [again[n]['report_count'] for n in names] == [2, 2, 2]
        assert [again[n]['uuid'] for n in names] == [nodes[n]['uuid'] for n in names]
    finally:
        store.dispose()

    # The inventory plugin reads them back, grouped by zone and status.
    source = tmp_path / 'registry.novalite.yml'
    source.write_text(yaml.safe_dump({
        'plugin': 'novalite.compute.state_store', 'database_url': db_url,
        'keyed_groups': [{'key': 'novalite_availability_zone', 'prefix': 'az'},
                         {'key': 'novalite_status', 'prefix': 'status'},
                         {'key': 'novalite_virt_type', 'prefix': 'virt'}],
        'groups': {'schedulable': "novalite_state == 'up' and novalite_status == 'enabled'"},
    }))
    proc = subprocess.run([tool(repo, 'ansible-inventory'), '-i', str(source), '--list'],
                          env=ansible_env(repo), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    listing = plain(json.loads(proc.stdout))
    assert sorted(listing['compute']['hosts']) == names
    assert listing['az_az1']['hosts'] == [names[0]]
    assert sorted(listing['az_az2']['hosts']) == names[1:]
    assert listing['status_disabled']['hosts'] == [names[2]]
    assert sorted(listing['schedulable']['hosts']) == names[:2]
    hostvars = listing['_meta']['hostvars']
    assert hostvars[names[1]]['novalite_cpu_allocation_ratio'] == 4.0
    assert hostvars[names[1]]['novalite_vcpus'] == os.cpu_count()
    assert hostvars[names[2]]['novalite_enabled'] is False and hostvars[names[2]]['novalite_state'] == 'up'


def test_check_mode_plans_without_writing(repo, db_url, three_hosts):
    inventory, names, _paths = three_hosts
    proc, recap = playbook(repo, inventory, db_url, '--check', '--diff')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(recap[name]['changed'] == 1 for name in names)
    assert '"availability_zone": "az2"' in proc.stdout   # the diff shows the planned row
    store = Store(db_url)
    try:
        assert [n for n in hosts.list_nodes(store) if n['host'] in names] == []
    finally:
        store.dispose()


def test_bad_host_var_fails_that_host_only(repo, db_url, three_hosts):
    inventory, names, _paths = three_hosts
    data = yaml.safe_load(inventory.read_text())
    data['compute']['hosts'][names[1]]['novalite_ram_allocation_ratio'] = -1.5
    inventory.write_text(yaml.safe_dump(data))
    proc, recap = playbook(repo, inventory, db_url)
    assert proc.returncode != 0
    assert recap[names[1]]['failed'] == 1 and recap[names[0]]['failed'] == 0
    assert 'novalite_ram_allocation_ratio: must be greater than 0' in proc.stdout
    store = Store(db_url)
    try:
        registered = sorted(n['host'] for n in hosts.list_nodes(store) if n['host'] in names)
    finally:
        store.dispose()
    assert registered == [names[0], names[2]]


def test_disable_info_and_remove_through_modules(repo, db_url, three_hosts, tmp_path):
    inventory, names, _paths = three_hosts
    proc, _recap = playbook(repo, inventory, db_url)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plays = [{
        'name': 'operate the registry', 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {'group/novalite.compute.controller': {'database_url': db_url}},
        'tasks': [
            {'novalite.compute.compute_node': {'host': names[0], 'enabled': False,
                                               'disabled_reason': 'maintenance'}, 'register': 'off'},
            {'novalite.compute.compute_node': {'host': names[0], 'enabled': False,
                                               'disabled_reason': 'maintenance'}, 'register': 'off_again'},
            {'novalite.compute.compute_node_info': {'database_url': db_url, 'availability_zone': 'az1'},
             'register': 'info'},
            {'novalite.compute.compute_node': {'host': names[1], 'state': 'absent'}, 'register': 'gone'},
            {'novalite.compute.compute_node': {'host': names[1], 'state': 'absent'}, 'register': 'gone_again'},
            {'novalite.compute.compute_node': {'host': 'never-%s' % uuid.uuid4().hex[:6], 'enabled': True},
             'register': 'unknown', 'ignore_errors': True},
            {'ansible.builtin.copy': {'content': '{{ {"off": off, "off_again": off_again, "info": info, '
                                                 '"gone": gone, "gone_again": gone_again, "unknown": unknown} '
                                                 '| to_json }}',
                                      'dest': str(tmp_path / 'results.json')}},
        ]}]
    book = tmp_path / 'operate.yml'
    book.write_text(yaml.safe_dump(plays))
    local = tmp_path / 'local.yml'
    local.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(repo, '.venv/bin/python')}}}}))
    proc, _recap = playbook(repo, local, db_url, playbook_path=str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / 'results.json').read_text())
    assert results['off']['changed'] is True and results['off']['node']['status'] == 'disabled'
    assert results['off_again']['changed'] is False
    [node] = results['info']['nodes']
    assert node['host'] == names[0] and node['disabled_reason'] == 'maintenance' and node['state'] == 'up'
    assert results['info']['services'][0]['status'] == 'disabled'
    assert results['gone']['changed'] is True and results['gone_again']['changed'] is False
    assert results['unknown']['failed'] is True and results['unknown']['field'] == 'host'
    assert 'could not be found' in results['unknown']['msg']


@pytest.mark.parametrize('kind,name', [
    ('module', 'novalite.compute.host_facts'),
    ('module', 'novalite.compute.compute_node'),
    ('module', 'novalite.compute.compute_node_info'),
    ('inventory', 'novalite.compute.state_store'),
])
def test_ansible_doc(repo, kind, name):
    proc = subprocess.run([tool(repo, 'ansible-doc'), '-t', kind, '--json', name], env=ansible_env(repo),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)[name]['doc']
    authors = doc['author'] if isinstance(doc['author'], list) else [doc['author']]
    assert doc['version_added'] == '0.1.0' and authors == ['novalite developers (@novalite)']
    assert doc['options']
