#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Overlay benchmark: how long ``disk.create_overlay`` takes over a 15 MB and a 1 GiB base.

    .venv/bin/python benchmarks/overlay/run.py [--runs 5]

An overlay is copy-on-write, so the time should not grow with the base; the
integration test checks the overlay's structure, this prints the figures.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'collections'))

from ansible_collections.novalite.compute.plugins.module_utils.virt import disk, imagecache  # noqa: E402


def _base(instances_path, workdir, label, size):
    path = os.path.join(workdir, '%s.qcow2' % label)
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', path, size])
    digest = subprocess.check_output(['sha256sum', path]).split()[0].decode()
    return imagecache.ensure_base(instances_path, {'id': str(uuid.uuid4()), 'name': label, 'disk_format': 'qcow2',
                                                   'location': path, 'sha256': digest, 'min_disk': 0,
                                                   'properties': {}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix='novalite-bench-overlay-')
    instances_path = os.path.join(workdir, 'instances')
    figures = {}
    try:
        for label, size in (('15MB', '15M'), ('1GiB', '1G')):
            base = _base(instances_path, workdir, label, size)
            samples = []
            for _run in range(args.runs):
                path = os.path.join(instances_path, 'overlay-%s' % uuid.uuid4().hex)
                started = time.perf_counter()
                disk.create_overlay(path, base['path'], base['format'], 2 * 1024 ** 3)
                samples.append((time.perf_counter() - started) * 1000)
                os.unlink(path)
            figures[label] = round(statistics.median(samples), 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print('qemu-img create overlay, median ms of %d: %s' % (args.runs, json.dumps(figures)))


if __name__ == '__main__':
    main()
