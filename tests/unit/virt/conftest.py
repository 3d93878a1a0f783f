"""Fixtures of the virt unit tests."""

import os
import shutil
import uuid

import pytest

from virt_testlib import make_qcow2


@pytest.fixture
def tiny_image(tmp_path):
    return make_qcow2(tmp_path / 'tiny.qcow2', '16M', pattern=0x5a)


@pytest.fixture
def libvirt_instances_path():
    """A per-test instances_path that QEMU (libvirt-qemu) can reach."""
    path = '/var/lib/novalite/test-%s' % uuid.uuid4().hex
    os.makedirs('/var/lib/novalite', exist_ok=True)
    os.chmod('/var/lib/novalite', 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)
