"""The network modules through a real ansible-playbook: network, subnet, port and security group with a rule
made, the same playbook again changes nothing, then everything deleted (temporary SQLite store, no guest)."""

import json

import sqlalchemy as sa
from lib.local_playbook import playbook

from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store


PLAYBOOK = '''
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/novalite.compute.controller:
      database_url: "{{ db }}"
      project_id: demo
  vars:
    state: present
  tasks:
    - name: Network first when present, last when absent
      novalite.compute.network:
        name: app-net
        mtu: 1400
      when: state == 'present'
    - novalite.compute.subnet:
        name: app-sub
        network: app-net
        cidr: 10.30.0.0/24
        dns_nameservers: [10.30.0.1]
      when: state == 'present'
    - novalite.compute.security_group:
        name: app
        description: app servers
        state: "{{ state }}"
      when: state == 'present'
    - novalite.compute.security_group_rule:
        security_group: app
        protocol: tcp
        port_range_min: 22
        port_range_max: 22
        remote_ip_prefix: 0.0.0.0/0
      when: state == 'present'
    - novalite.compute.port:
        name: app-port
        network: app-net
        fixed_ips: [{subnet: app-sub, ip_address: 10.30.0.50}]
        security_groups: [app]
        state: "{{ state }}"
    - name: The shipped module too (a task environment makes the action ship it instead of running in-process)
      novalite.compute.network_info:
        resources: [networks, ports]
      environment:
        NOVALITE_TEST_SHIPPED: "1"
      register: info
    - ansible.builtin.copy:
        content: "{{ info | to_json }}"
        dest: "{{ info_file }}"
        mode: "0600"
      changed_when: false
    - novalite.compute.security_group:
        name: app
        state: absent
      when: state == 'absent'
    - novalite.compute.subnet:
        name: app-sub
        state: absent
      when: state == 'absent'
    - novalite.compute.network:
        name: app-net
        state: absent
      when: state == 'absent'
'''


def _counts(db):
    store = Store(db)
    try:
        with store.read() as conn:
            return dict((t, conn.execute(sa.text('SELECT COUNT(*) FROM %s' % t)).scalar())
                        for t in ('networks', 'subnets', 'ports', 'ip_allocations', 'security_groups'))
    finally:
        store.dispose()


def test_network_playbook_made_again_unchanged_then_deleted(tmp_path):
    db = 'sqlite:///%s' % (tmp_path / 'novalite.db')
    path = tmp_path / 'net.yml'
    path.write_text(PLAYBOOK)
    info_file = tmp_path / 'info.json'
    common = ('-e', 'db=%s' % db, '-e', 'info_file=%s' % info_file)
    first, out = playbook(str(path), '--diff', *common)
    info = json.loads(info_file.read_text())
    assert first['rc'] == 0 and first['failed'] == 0 and first['changed'] == 5, out
    assert [n['name'] for n in info['networks']] == ['app-net'] and info['networks'][0]['mtu'] == 1400
    [port] = [p for p in info['ports'] if p['name'] == 'app-port']
    assert port['fixed_ips'][0]['ip_address'] == '10.30.0.50' and port['mac_address'].startswith('fa:16:3e:')
    # the database URL is no_log: the shipped module's invocation does not show it
    assert db not in json.dumps(info.get('invocation', {}))
    counts = _counts(db)
    assert (counts['networks'], counts['subnets'], counts['ports'], counts['security_groups']) == (1, 1, 1, 2)
    second, out = playbook(str(path), *common)
    assert second['rc'] == 0 and second['changed'] == 0, out
    checked, out = playbook(str(path), '--check', '--diff', '-e', 'state=absent', *common)
    assert checked['rc'] == 0 and checked['changed'] == 4, out
    assert _counts(db) == counts
    gone, out = playbook(str(path), '-e', 'state=absent', *common)
    info = json.loads(info_file.read_text())
    assert gone['rc'] == 0 and gone['changed'] == 4, out
    assert [p for p in info['ports'] if p['name'] == 'app-port'] == []   # listed after the port's delete
    counts = _counts(db)
    assert (counts['networks'], counts['subnets'], counts['ports'], counts['ip_allocations']) == (0, 0, 0, 0)
    again, out = playbook(str(path), '-e', 'state=absent', *common)
    assert again['rc'] == 0 and again['changed'] == 0, out
