"""The collection as users get it: docs for every plugin, a galaxy build that installs."""

import json
import os
import subprocess

import pytest

from lib.novalite_env import ACTION_ONLY

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, '.venv', 'bin')
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(REPO, 'plugins', 'modules'))
                 if f.endswith('.py') and not f.startswith('_'))
# Actions that run on the controller and touch neither the store nor libvirt: in no group.
UNGROUPED = list(ACTION_ONLY)


def _env(**extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, 'collections'), ANSIBLE_NOCOLOR='1')
    env.update(extra)
    return env


@pytest.fixture(scope='module', name='docs')
def docs_fixture():
    """ansible-doc's JSON for every module, from one call (one call per module took 40 s of CI)."""
    out = subprocess.run([os.path.join(BIN, 'ansible-doc'), '-t', 'module', '--json'] +
                         ['novalite.compute.%s' % module for module in MODULES],
                         capture_output=True, text=True, env=_env(), timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize('module', MODULES)
def test_ansible_doc_shows_every_module(docs, module):
    doc = docs['novalite.compute.%s' % module]
    assert doc['doc']['short_description']
    assert doc['examples'].strip()
    assert doc['return'] is not None


def test_action_groups_cover_every_module_with_their_shared_option(docs):
    import yaml
    with open(os.path.join(REPO, 'meta', 'runtime.yml')) as f:
        groups = yaml.safe_load(f)['action_groups']
    assert sorted(groups['controller'] + groups['compute_host'] + UNGROUPED) == MODULES
    # module_defaults for a group passes its option to every member: each must accept it
    for group, option in (('controller', 'database_url'), ('compute_host', 'libvirt_uri')):
        for module in groups[group]:
            assert option in docs['novalite.compute.%s' % module]['doc']['options'], '%s lacks %s' % (module, option)


def test_galaxy_build_and_install(tmp_path):
    build = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', REPO,
                            '--output-path', str(tmp_path)], capture_output=True, text=True, timeout=300, check=False)
    assert build.returncode == 0, build.stderr
    [tarball] = [p for p in os.listdir(str(tmp_path)) if p.endswith('.tar.gz')]
    dest = tmp_path / 'installed'
    install = subprocess.run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install',
                              str(tmp_path / tarball), '-p', str(dest)], capture_output=True, text=True, timeout=300, check=False)
    assert install.returncode == 0, install.stderr
    root = dest / 'ansible_collections' / 'novalite' / 'compute'
    assert (root / 'plugins' / 'modules' / 'server.py').is_file()
    assert not (root / 'collections').exists(), 'the in-tree symlink must not be packaged'
    assert not (root / '.venv').exists()
    # the installed copy answers ansible-doc on its own
    out = subprocess.run([os.path.join(BIN, 'ansible-doc'), '-t', 'module', 'novalite.compute.server'],
                         capture_output=True, text=True, env=_env(ANSIBLE_COLLECTIONS_PATH=str(dest)), timeout=120, check=False)
    assert out.returncode == 0 and 'novalite.compute.server' in out.stdout
