# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Lookups the driver expects to fail leave stderr alone; the error still raises."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import textwrap

import pytest

pytestmark = [pytest.mark.libvirt]

PROGRAM = textwrap.dedent('''
    import sys
    sys.path.insert(0, sys.argv[1])
    import libvirt
    from ansible_collections.novalite.compute.plugins.module_utils.virt.connection import open_connection
    conn = open_connection('qemu:///system')
    try:
        conn.lookupByUUIDString('00000000-0000-4000-8000-00000000dead')
    except libvirt.libvirtError as exc:
        print('raised', exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)
''')


def test_expected_lookup_failure_is_not_printed(repo, venv_python):
    proc = subprocess.run([venv_python, '-c', PROGRAM, os.path.join(repo, 'collections')],
                          capture_output=True, text=True, check=False, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, 'raised True\n', '')
