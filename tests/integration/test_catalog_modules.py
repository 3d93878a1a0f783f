"""The catalog modules through real ansible-playbook runs (temp SQLite DB, temp image store)."""

import os
import subprocess
import sys

import pytest

from lib.local_playbook import env as _env, playbook

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images, keypairs
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.dirname(sys.executable)
MODULES = ('flavor', 'flavor_info', 'image', 'image_info', 'keypair')


@pytest.fixture
def env(tmp_path):
    db_url = 'sqlite:///%s' % (tmp_path / 'novalite.db')
    store = Store(db_url)
    yield {'db_url': db_url, 'store': store, 'image_store': str(tmp_path / 'images'), 'tmp': tmp_path}
    store.dispose()


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_flavors_playbook_twice(env):
    first, out = playbook(os.path.join(REPO, 'playbooks', 'flavors.yml'), '-e', 'novalite_database_url=%s' % env['db_url'])
    assert first['rc'] == 0 and first['changed'] == 1 and first['failed'] == 0, out
    got = dict((f['name'], (f['flavorid'], f['vcpus'], f['memory_mb'], f['root_gb']))
               for f in flavors.list_flavors(env['store']))
    assert got == {
        'm1.nano': ('42', 1, 128, 1), 'm1.micro': ('84', 1, 192, 1), 'm1.tiny': ('1', 1, 512, 1),
        'm1.small': ('2', 1, 2048, 20), 'm1.medium': ('3', 2, 4096, 40), 'm1.large': ('4', 4, 8192, 80),
        'm1.xlarge': ('5', 8, 16384, 160)}
    second, out = playbook(os.path.join(REPO, 'playbooks', 'flavors.yml'), '-e', 'novalite_database_url=%s' % env['db_url'])
    assert second['rc'] == 0 and second['changed'] == 0, out


def test_flavor_module_check_diff_and_immutability(env):
    path = write(env['tmp'], 'flavor.yml', '''
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - novalite.compute.flavor:
        name: f.test
        vcpus: "{{ vcpus | default(2) }}"
        ram: 1024
        disk: 10
        extra_specs: {"hw:cpu_sockets": 2}
        database_url: "%s"
      register: made
    - novalite.compute.flavor_info:
        name: f.test
        database_url: "%s"
      register: info
    - ansible.builtin.assert:
        that:
          - made.flavor.vcpus == 2
          - ansible_check_mode or (info.flavors | length == 1 and info.flavors[0].extra_specs['hw:cpu_sockets'] == '2')
''' % (env['db_url'], env['db_url']))
    planned, out = playbook(path, '--check', '--diff')
    assert planned['rc'] == 0 and planned['changed'] == 1, out
    assert '+    "vcpus": 2' in out or '"vcpus": 2' in out, out
    assert flavors.list_flavors(env['store']) == []
    made, out = playbook(path)
    assert made['rc'] == 0 and made['changed'] == 1, out
    again, out = playbook(path)
    assert again['rc'] == 0 and again['changed'] == 0, out
    bad, out = playbook(path, '-e', 'vcpus=4')
    assert bad['rc'] != 0 and bad['failed'] == 1
    assert 'vcpus: flavor f.test exists with vcpus=2' in out and 'immutable' in out
    assert flavors.get(env['store'], 'f.test')['vcpus'] == 2


def test_image_module_check_diff_idempotence(env):
    disk = str(env['tmp'] / 'small.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '8M'], check=True)
    path = write(env['tmp'], 'image.yml', '''
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - novalite.compute.image:
        name: tiny
        filename: "%s"
        image_store: "%s"
        visibility: public
        state: "{{ state | default('present') }}"
        properties: "{{ props | default({'hw_architecture': 'x86_64'}) }}"
        database_url: "%s"
      register: img
    - ansible.builtin.assert:
        that:
          - ansible_check_mode or state | default('present') == 'absent' or img.image.status == 'active'
          - ansible_check_mode or state | default('present') == 'absent' or img.image.disk_format == 'qcow2'
''' % (disk, env['image_store'], env['db_url']))
    planned, out = playbook(path, '--check', '--diff')
    assert planned['rc'] == 0 and planned['changed'] == 1, out
    assert 'os_hash_value' in out and 'hw_architecture' in out, out
    assert images.list_images(env['store']) == []
    assert not os.path.exists(env['image_store']) or os.listdir(env['image_store']) == []

    made, out = playbook(path)
    assert made['rc'] == 0 and made['changed'] == 1, out
    (image,) = images.list_images(env['store'])
    assert image['status'] == 'active' and os.listdir(env['image_store']) == [image['id']]

    again, out = playbook(path)
    assert again['rc'] == 0 and again['changed'] == 0, out

    moved, out = playbook(path, '--diff', '-e', '{"props": {"hw_architecture": "x86_64", "os_type": "linux"}}')
    assert moved['rc'] == 0 and moved['changed'] == 1, out
    assert 'os_type' in out
    assert images.get(env['store'], image['id'])['properties'] == {'hw_architecture': 'x86_64', 'os_type': 'linux'}

    gone, out = playbook(path, '-e', 'state=absent')
    assert gone['rc'] == 0 and gone['changed'] == 1, out
    assert images.list_images(env['store']) == [] and os.listdir(env['image_store']) == []


def test_image_module_bad_file_leaves_nothing(env):
    junk = env['tmp'] / 'junk.qcow2'
    junk.write_bytes(b'not an image at all' * 100)
    path = write(env['tmp'], 'bad.yml', '''
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - novalite.compute.image:
        name: junk
        filename: "%s"
        disk_format: qcow2
        image_store: "%s"
        database_url: "%s"
''' % (junk, env['image_store'], env['db_url']))
    bad, out = playbook(path)
    assert bad['rc'] != 0 and bad['failed'] == 1
    assert 'declared qcow2 but the content is not a qcow2 image' in out
    assert images.list_images(env['store']) == []
    assert os.listdir(env['image_store']) == []


def test_keypair_module_generate_once(env):
    path = write(env['tmp'], 'kp.yml', '''
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - novalite.compute.keypair:
        name: gen
        user: alice
        database_url: "%s"
      register: kp
    - ansible.builtin.copy:
        content: "{{ kp.keypair.private_key | default('') }}"
        dest: "%s"
        mode: "0600"
      when: kp.changed
''' % (env['db_url'], env['tmp'] / 'private.pem'))
    made, out = playbook(path)
    assert made['rc'] == 0 and made['changed'] == 2, out
    assert (env['tmp'] / 'private.pem').read_text().startswith('-----BEGIN RSA PRIVATE KEY-----')
    stored = keypairs.get(env['store'], 'alice', 'gen')
    assert stored['public_key'].startswith('ssh-rsa ')
    again, out = playbook(path)
    assert again['rc'] == 0 and again['changed'] == 0 and 'PRIVATE KEY' not in out, out


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc(module):
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-doc'), '-t', 'module', 'novalite.compute.%s' % module],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(), timeout=120, check=False)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert 'novalite.compute.%s' % module in out and 'EXAMPLES' in out and 'ERROR' not in out
