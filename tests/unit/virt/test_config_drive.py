# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's config drive: made with the instance's disks when asked for or when there is user data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import subprocess

from lxml import etree

from ansible_collections.novalite.compute.plugins.module_utils.virt import config_drive, disk, domain_xml, imagecache

from lib.guests import config_drive_file as iso_file
from virt_testlib import image_spec, instance_spec


def test_user_data_makes_a_config_2_iso_with_nova_layout(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    inst = dict(instance_spec(img), user_data=base64.b64encode(b'#!/bin/sh\necho hi\n').decode(),
                key_name='mine', key_data='ssh-ed25519 AAAA test', metadata={'role': 'web'},
                display_name='web-1', hostname='web-1')
    out = disk.create_instance_disks(ip, inst, base)
    drive = os.path.join(ip, inst['uuid'], 'disk.config')
    assert out['config_drive'] == drive and [d['name'] for d in out['disks']] == ['disk']
    label = subprocess.run(['isoinfo', '-d', '-i', drive], capture_output=True, text=True, check=True).stdout
    assert 'Volume id: config-2' in label
    meta = json.loads(iso_file(drive, '/openstack/latest/meta_data.json'))
    assert (meta['uuid'], meta['name'], meta['meta'], meta['public_keys']) == (
        inst['uuid'], 'web-1', {'role': 'web'}, {'mine': 'ssh-ed25519 AAAA test'})
    assert iso_file(drive, '/openstack/latest/user_data') == b'#!/bin/sh\necho hi\n'
    # read back from disk.info like any other disk, and rendered as Nova's read-only cdrom
    assert disk.existing_disks(ip, inst['uuid'])['config_drive'] == drive
    xml = etree.fromstring(domain_xml.render(dict(inst, name='instance-1'), out).encode())
    cdrom = xml.find("devices/disk[@device='cdrom']")
    assert cdrom.find('source').get('file') == drive and cdrom.find('readonly') is not None
    assert cdrom.find('target').get('dev') == 'hdd' and cdrom.find('driver').get('type') == 'raw'
    assert not [f for f in os.listdir(os.path.join(ip, inst['uuid'])) if f.startswith('.config-drive-')]


def test_no_user_data_no_config_drive_unless_asked(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    plain = instance_spec(img)
    assert disk.create_instance_disks(ip, plain, base)['config_drive'] is None
    assert not os.path.exists(os.path.join(ip, plain['uuid'], 'disk.config'))
    xml = etree.fromstring(domain_xml.render(dict(plain, name='instance-2'),
                                             disk.existing_disks(ip, plain['uuid'])).encode())
    assert xml.find("devices/disk[@device='cdrom']") is None
    asked = dict(instance_spec(img), config_drive='True')
    assert config_drive.wanted(asked) and disk.planned_disks(ip, asked)['config_drive']
    made = disk.create_instance_disks(ip, asked, base)
    assert os.path.isfile(made['config_drive'])


def test_plain_text_user_data_is_kept_as_is():
    assert config_drive.user_data_bytes('not base64 at all!') == b'not base64 at all!'
    assert config_drive.user_data_bytes(base64.b64encode(b'\x00\x01').decode()) == b'\x00\x01'
    assert config_drive.user_data_bytes(None) is None


def test_personality_files_are_content_files_named_by_index(tmp_path, tiny_image):
    ip = str(tmp_path / 'i')
    img = image_spec(tiny_image)
    base = imagecache.ensure_base(ip, img)
    hostile = '../../../../etc/{{ lookup("pipe", "id") }}'
    inst = dict(instance_spec(img), injected_files=[
        {'path': '/etc/motd', 'contents': base64.b64encode(b'hello\n').decode()},
        {'path': hostile, 'contents': base64.b64encode(b'\x00\xffdata').decode()}])
    assert config_drive.wanted(inst)   # files alone ask for a drive (no metadata service)
    drive = disk.create_instance_disks(ip, inst, base)['config_drive']
    meta = json.loads(iso_file(drive, '/openstack/latest/meta_data.json'))
    assert meta['files'] == [{'path': '/etc/motd', 'content_path': '/content/0000'},
                             {'path': hostile, 'content_path': '/content/0001'}]
    assert iso_file(drive, '/openstack/content/0000') == b'hello\n'
    assert iso_file(drive, '/openstack/content/0001') == b'\x00\xffdata'
    # the guest's path is data: nothing was written outside the drive's tree
    assert sorted(os.listdir(os.path.join(ip, inst['uuid']))) == sorted(
        ['console.log', 'disk', 'disk.config', 'disk.info'])
