# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""scripts/novalite-migration-gate: the migration key's forced command lets through exactly what a move sends."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.machinery
import importlib.util
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GATE = os.path.join(REPO, 'scripts', 'novalite-migration-gate')
UUID = '0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e'


def _gate():
    loader = importlib.machinery.SourceFileLoader('novalite_migration_gate', GATE)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def gate():
    return _gate()


@pytest.fixture
def root(tmp_path):
    path = tmp_path / 'instances'
    path.mkdir()
    return str(path)


def test_what_a_move_sends_is_let_through(gate, root):
    part, final = '%s/%s.part' % (root, UUID), '%s/%s' % (root, UUID)
    libvirt = ("sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then virt-ssh-helper "
               "'qemu:///system'; else nc -U /var/run/libvirt/libvirt-sock; fi'")
    # whatever helper the client asked for, this host's own libvirtd is what it reaches
    assert gate.allowed([root], libvirt) == ['virt-ssh-helper', 'qemu:///system']
    for command in ('test -f %s/disk.info' % final, 'mv -T -- %s %s' % (part, final), 'rm -rf -- %s' % part,
                    'rsync --server -logDtprSe.iLsfxCIvu --delete . %s/' % part):
        assert gate.allowed([root], command) == command.split()


@pytest.mark.parametrize('command', [
    'id', 'sh -c id', '', 'bash', 'cat /etc/shadow',
    'rm -rf -- /etc', 'rm -rf -- {root}/%s' % UUID, 'rm -rf -- {root}/../%s.part' % UUID,
    'rm -rf -- {root}/x.part', 'rm -rf -- {root}/%s.part /etc' % UUID, 'rm -rf {root}/%s.part' % UUID,
    'mv -T -- {root}/%s.part /etc/cron.d/x' % UUID,
    'mv -T -- {root}/%s.part {root}/1b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e' % UUID,
    'test -f /etc/shadow', 'test -f {root}/../../etc/disk.info',
    'rsync --server --sender -logDtprSe.iLsfxCIvu . {root}/%s.part/' % UUID,           # sending files out
    'rsync --server -logDtprSe.iLsfxCIvu --log-file=/etc/x . {root}/%s.part/' % UUID,
    'rsync --server -logDtprSe.iLsfxCIvu --delete . /etc/',
    "test -f '{root}/%s/disk.info'; id" % UUID,
    'mv -T -- {root}/%s.part {root}/%s $(id)' % (UUID, UUID),
])
def test_anything_else_is_refused(gate, root, command):
    with pytest.raises(gate.Refused):
        gate.allowed([root], command.format(root=root))


def test_refused_exits_126_naming_it_and_runs_nothing(root, tmp_path):
    marker = tmp_path / 'ran'
    env = dict(os.environ, SSH_ORIGINAL_COMMAND='touch %s' % marker)
    proc = subprocess.run([sys.executable, GATE, root], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 126 and 'refused' in proc.stderr and not marker.exists()
    # no instances path in authorized_keys: nothing is allowed
    env['SSH_ORIGINAL_COMMAND'] = 'test -f %s/%s/disk.info' % (root, UUID)
    proc = subprocess.run([sys.executable, GATE], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 126


def test_an_allowed_command_runs_without_a_shell(root):
    os.makedirs(os.path.join(root, UUID + '.part'))
    env = dict(os.environ, SSH_ORIGINAL_COMMAND='mv -T -- %s/%s.part %s/%s' % (root, UUID, root, UUID))
    proc = subprocess.run([sys.executable, GATE, root], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert os.path.isdir(os.path.join(root, UUID)) and not os.path.exists(os.path.join(root, UUID + '.part'))
