"""Keypairs on both backends: import/generate/get/list/delete, bad keys and names, Nova's fingerprint."""

import base64
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound


def openssh_line(private, comment='test@novalite'):
    line = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return '%s %s' % (line.decode('ascii'), comment)


@pytest.fixture(scope='module')
def keys():
    return {
        'ssh-rsa': openssh_line(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        'ssh-ed25519': openssh_line(ed25519.Ed25519PrivateKey.generate()),
        'ecdsa-sha2-nistp256': openssh_line(ec.generate_private_key(ec.SECP256R1())),
        'ecdsa-sha2-nistp384': openssh_line(ec.generate_private_key(ec.SECP384R1())),
        'ecdsa-sha2-nistp521': openssh_line(ec.generate_private_key(ec.SECP521R1())),
    }


def ssh_keygen_md5(tmp_path, line):
    """The fingerprint OpenSSH itself prints, for comparison."""
    path = tmp_path / 'key.pub'
    path.write_text(line + '\n')
    out = subprocess.run(['ssh-keygen', '-l', '-E', 'md5', '-f', str(path)], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return out.split()[1][len('MD5:'):]


@pytest.mark.parametrize('key_type', sorted(keypairs.KEY_TYPES))
def test_import_each_type(store, keys, key_type, tmp_path):
    made = keypairs.import_key(store, 'alice', 'k-%s' % key_type, keys[key_type])
    assert made['type'] == 'ssh' and made['public_key'] == keys[key_type]
    if shutil.which('ssh-keygen'):
        assert made['fingerprint'] == ssh_keygen_md5(tmp_path, keys[key_type])
    assert keypairs.get(store, 'alice', 'k-%s' % key_type)['fingerprint'] == made['fingerprint']


def _swap_blob(line, other):
    """``line``'s type prefix with ``other``'s key data."""
    return '%s %s' % (line.split()[0], other.split()[1])


@pytest.mark.parametrize('make_bad', [
    lambda k: '',
    lambda k: 'garbage',
    lambda k: 'ssh-rsa',
    lambda k: 'ssh-dss AAAAB3NzaC1kc3MAAACBAP',
    lambda k: 'ssh-rsa not*base64!',
    lambda k: _swap_blob(k['ssh-rsa'], k['ssh-ed25519']),
    lambda k: _swap_blob(k['ecdsa-sha2-nistp256'], k['ecdsa-sha2-nistp384']),
    lambda k: 'ssh-rsa ' + base64.b64encode(base64.b64decode(k['ssh-rsa'].split()[1])[:40]).decode(),
    lambda k: 'ssh-ed25519 ' + base64.b64encode(b'\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x05short').decode(),
    lambda k: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
])
def test_bad_public_key_is_refused(store, keys, make_bad):
    with pytest.raises(InvalidInput) as info:
        keypairs.import_key(store, 'alice', 'bad', make_bad(keys))
    assert info.value.field == 'public_key'
    assert keypairs.list_keypairs(store, 'alice') == []


@pytest.mark.parametrize('name', ['', 'x' * 256, 'slash/no', 'semi;colon', 'new\nline', 'émoji'])
def test_bad_name_is_refused(store, keys, name):
    with pytest.raises(InvalidInput) as info:
        keypairs.import_key(store, 'alice', name, keys['ssh-ed25519'])
    assert info.value.field == 'name'
    assert keypairs.list_keypairs(store, 'alice') == []


def test_nova_name_characters_accepted(store, keys):
    name = 'My key_1.2-3@host'
    assert keypairs.import_key(store, 'alice', name, keys['ssh-ed25519'])['name'] == name


def test_duplicate_per_user(store, keys):
    keypairs.import_key(store, 'alice', 'mine', keys['ssh-rsa'])
    with pytest.raises(Conflict) as info:
        keypairs.import_key(store, 'alice', 'mine', keys['ssh-ed25519'])
    assert info.value.field == 'name' and info.value.code == 409
    keypairs.import_key(store, 'bob', 'mine', keys['ssh-ed25519'])  # another user's namespace
    assert [k['public_key'] for k in keypairs.list_keypairs(store, 'alice')] == [keys['ssh-rsa']]
    assert [k['user_id'] for k in keypairs.list_keypairs(store, 'bob')] == ['bob']


def test_generate_returns_private_key_once(store):
    made = keypairs.generate(store, 'carol', 'gen')
    private = serialization.load_pem_private_key(made['private_key'].encode(), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    assert made['public_key'].startswith(public.decode())
    stored = keypairs.get(store, 'carol', 'gen')
    assert 'private_key' not in stored and 'PRIVATE' not in repr(stored)
    assert stored['fingerprint'] == made['fingerprint']


def test_get_delete_unknown(store, keys):
    with pytest.raises(NotFound):
        keypairs.get(store, 'alice', 'none')
    with pytest.raises(NotFound):
        keypairs.delete(store, 'alice', 'none')
    keypairs.import_key(store, 'alice', 'tmp', keys['ssh-rsa'])
    with pytest.raises(NotFound):
        keypairs.delete(store, 'bob', 'tmp')  # not bob's
    assert keypairs.delete(store, 'alice', 'tmp')['name'] == 'tmp'
    assert keypairs.list_keypairs(store, 'alice') == []


def test_ensure_present_and_absent(store, keys):
    planned = keypairs.ensure_present(store, 'dave', 'k', public_key=keys['ssh-rsa'], check_mode=True)
    assert planned['changed'] and keypairs.find(store, 'dave', 'k') is None
    assert keypairs.ensure_present(store, 'dave', 'k', public_key=keys['ssh-rsa'])['changed']
    assert not keypairs.ensure_present(store, 'dave', 'k', public_key=keys['ssh-rsa'])['changed']
    assert not keypairs.ensure_present(store, 'dave', 'k')['changed']  # exists: nothing generated
    with pytest.raises(InvalidInput) as info:
        keypairs.ensure_present(store, 'dave', 'k', public_key=keys['ssh-ed25519'])
    assert info.value.field == 'public_key'
    generated = keypairs.ensure_present(store, 'dave', 'g')
    assert generated['changed'] and 'private_key' in generated['keypair']
    assert keypairs.ensure_absent(store, 'dave', 'k')['changed']
    assert not keypairs.ensure_absent(store, 'dave', 'k')['changed']
    assert [k['name'] for k in keypairs.list_keypairs(store, 'dave')] == ['g']
