# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Malicious image files uploaded through Glance's API are refused whole.

An image whose header points the host at another file (a qcow2 backing file or
external data file, a VMDK extent) would let a tenant read the compute host's files
through their guest's disk. Each kind is refused with a 400 naming why, the image
stays ``queued`` without data, and nothing is left in the image store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import urllib.request

import pytest


def _qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope='module')
def hostile_files(tmp_path_factory):
    src = tmp_path_factory.mktemp('hostile-images')
    out = {}
    out['backing_file'] = str(src / 'backed.qcow2')
    _qemu_img('create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/shadow', '-u', out['backing_file'], '16M')
    out['data_file'] = str(src / 'datafile.qcow2')
    _qemu_img('create', '-q', '-f', 'qcow2', '-o', 'data_file=%s' % (src / 'external.raw'), out['data_file'], '16M')
    # a VMDK whose descriptor names a flat extent on the host
    out['vmdk_extent'] = str(src / 'extent.vmdk')
    with open(out['vmdk_extent'], 'w') as handle:
        handle.write('# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n'
                     'createType="monolithicFlat"\n\nRW 2048 FLAT "/etc/passwd" 0\n\n'
                     'ddb.adapterType = "ide"\nddb.geometry.cylinders = "2"\n'
                     'ddb.geometry.heads = "16"\nddb.geometry.sectors = "63"\n')
    # a qcow2 declared as raw: the host would hand QEMU the qcow2 header (and its backing file) to probe
    out['qcow2_as_raw'] = out['backing_file']
    return out


# VMDK is not a disk format novalite takes (see the last test), so the extent file comes declared as qcow2
CASES = [('backing_file', 'qcow2'), ('data_file', 'qcow2'), ('vmdk_extent', 'qcow2'), ('qcow2_as_raw', 'raw')]


def _store_files(api):
    root = api['cfg']['image_store']
    return sorted(os.path.join(d, f) for d, _s, files in os.walk(root) for f in files) if os.path.isdir(root) else []


def _put_file(api, token, image_id, path):
    with open(path, 'rb') as handle:
        data = handle.read()
    req = urllib.request.Request('%s/image/v2/images/%s/file' % (api['url'], image_id), data=data, method='PUT')
    req.add_header('Content-Type', 'application/octet-stream')
    req.add_header('X-Auth-Token', token)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        resp = opener.open(req, timeout=60)
    except urllib.error.HTTPError as err:
        resp = err
    return resp.code if hasattr(resp, 'code') else resp.status, resp.read().decode('utf-8', 'replace')


@pytest.mark.parametrize('kind,disk_format', CASES)
def test_hostile_image_is_refused_and_leaves_nothing(api, http, demo_token, hostile_files, kind, disk_format):
    files_before = _store_files(api)
    status, _h, image = http.call('POST', '/image/v2/images', {
        'name': 'hostile-%s' % kind, 'disk_format': disk_format, 'container_format': 'bare'}, token=demo_token)
    assert status == 201, image
    try:
        code, body = _put_file(api, demo_token, image['id'], hostile_files[kind])
        assert code == 400, (kind, code, body)
        status, _h, shown = http.call('GET', '/image/v2/images/%s' % image['id'], token=demo_token)
        assert status == 200 and shown['status'] == 'queued' and shown['size'] is None, shown
        assert _store_files(api) == files_before, 'a partial or refused file was left in the image store'
    finally:
        http.call('DELETE', '/image/v2/images/%s' % image['id'], token=demo_token)


def test_vmdk_and_other_formats_with_extents_are_not_taken(api, http, demo_token):
    for disk_format in ('vmdk', 'vhdx', 'vdi', 'ploop'):
        status, _h, body = http.call('POST', '/image/v2/images', {
            'name': 'never', 'disk_format': disk_format, 'container_format': 'bare'}, token=demo_token)
        assert status == 400 and 'disk_format' in body['message'], (disk_format, body)
    status, _h, listed = http.call('GET', '/image/v2/images?name=never', token=demo_token)
    assert status == 200 and listed['images'] == []
