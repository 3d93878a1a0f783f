# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Rescue / unrescue through the REST shim with the real `openstack` CLI, on real libvirt + QEMU.

One guest is shared by the module's tests: it wrote a marker to its root disk (its user data asked for it).
Rescued, it boots a new disk made from the rescue image and its root disk is its second disk (vdb): the
rescue guest's console shows the marker there; libvirt has two disks; the status is RESCUE. Unrescued, it
boots its own disk again (ACTIVE, one disk) and the marker is still on it. Refusals change nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess

import pytest
from lxml import etree

from lib.guests import MARKERS_DONE, built_test_image, domain_disks, domain_xml_of, marker_user_data, markers_seen
from lib.live_api import console_text, running, server_action as action, show_server as _show, wait_status
from lib.novalite_env import libvirt_state

WRITTEN = 'NOVALITE MARKER WRITTEN vda: kept'


@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


def rescue_files(live, ident):
    idir = os.path.join(live.instances_path, ident)
    return sorted(n for n in os.listdir(idir) if n.endswith('.rescue') or n == 'unrescue.xml')


def vm_state(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        row = instances.get(store, ident)
        return row['vm_state'], row['task_state'], [a['action'] for a in instances.list_actions(store, ident)]
    finally:
        store.dispose()


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    """A server of the demo project that wrote the marker 'kept' to its root disk."""
    data = tmp_path_factory.mktemp('userdata') / 'marker.txt'
    data.write_text(marker_user_data('kept'))
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                '--user-data', str(data), 'rs-vm', cloud='novalite-demo', until=['ACTIVE'])
    assert server['status'] == 'ACTIVE'
    live.wait_console(server['id'], MARKERS_DONE)
    assert WRITTEN in console_text(live, server['id'])
    return server


def test_refusals_change_nothing(live, guest):
    ident = guest['id']
    token = live.token('demo', 'demo')
    _state, _task, actions_before = vm_state(live, ident)
    cases = [({'rescue': {'rescue_image_ref': 'c0ffee00-0000-4000-8000-000000000000'}}, 400,
              "Requested rescue image 'c0ffee00-0000-4000-8000-000000000000' is not supported"),
             ({'rescue': {'rescue_image_ref': 'not-a-uuid'}}, 400, 'rescue_image_ref'),
             ({'rescue': {'bogus': 1}}, 400, "'bogus' was unexpected"),
             ({'rescue': {'adminPass': 5}}, 400, 'adminPass'),
             ({'unrescue': None}, 409, "Cannot 'unrescue' instance %s while it is in vm_state active" % ident)]
    for body, code, text in cases:
        status, _h, answer = action(live, ident, body, token)
        assert status == code, (body, answer)
        assert text in list(answer.values())[0]['message'], (body, answer)
    # another project's server is not there; locked by an admin: 409 for the owner
    assert action(live, ident, {'rescue': None}, live.token('other', 'other'))[0] == 404
    assert action(live, ident, {'unrescue': None}, live.token('other', 'other'))[0] == 404
    live.cli('server', 'lock', ident, as_json=False)   # the admin (another project) names it by id
    status, _h, answer = action(live, ident, {'rescue': None}, token)
    assert status == 409 and 'locked' in answer['conflictingRequest']['message'], answer
    live.cli('server', 'unlock', ident, as_json=False)
    # nothing changed: ACTIVE, running, one disk, no rescue files, no rescue action recorded
    assert _show(live, ident, token)['status'] == 'ACTIVE' and libvirt_state(ident) == 'running'
    assert domain_disks(ident) == [('vda', 'disk')] and rescue_files(live, ident) == []
    assert vm_state(live, ident) == ('active', None, actions_before + ['lock', 'unlock'])


def test_rescue_shows_the_root_disk_second_and_unrescue_boots_it_again(live, guest):
    ident = guest['id']
    token = live.token('demo', 'demo')
    live.cli('server', 'rescue', 'rs-vm', cloud='novalite-demo', as_json=False)
    rescued = wait_status(live, ident, token, ['RESCUE'])
    assert rescued['OS-EXT-STS:vm_state'] == 'rescued' and rescued['OS-EXT-STS:power_state'] == 1
    assert vm_state(live, ident)[:2] == ('rescued', None)
    assert libvirt_state(ident) == 'running'
    assert domain_disks(ident) == [('vda', 'disk.rescue'), ('vdb', 'disk')]
    live.wait_console(ident, MARKERS_DONE)
    console = console_text(live, ident)
    # the rescue guest booted a fresh disk of the server's image; the server's own disk is vdb, with its marker
    assert markers_seen(console) == {'vda': [], 'vdb': ['kept']}, console
    # while rescued: no second rescue, no stop (Nova's states)
    assert action(live, ident, {'rescue': None}, token)[0] == 409
    assert action(live, ident, {'os-stop': None}, token)[0] == 409

    live.cli('server', 'unrescue', 'rs-vm', cloud='novalite-demo', as_json=False)
    back = wait_status(live, ident, token, ['ACTIVE'])
    assert back['OS-EXT-STS:vm_state'] == 'active' and libvirt_state(ident) == 'running'
    assert domain_disks(ident) == [('vda', 'disk')] and rescue_files(live, ident) == []
    live.wait_console(ident, MARKERS_DONE)
    assert markers_seen(console_text(live, ident)) == {'vda': ['kept']}
    events = live.cli('server', 'event', 'list', 'rs-vm', cloud='novalite-demo')
    assert {'rescue', 'unrescue'} <= set(e['Action'] for e in events)
    store = live.store()
    try:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        recorded = dict((a['action'], a) for a in instances.list_actions(store, ident))
        for name in ('rescue', 'unrescue'):
            events = recorded[name]['events']
            assert [e['event'] for e in events if e['event'].startswith('compute_')] == [
                'compute_%s_instance' % name]
            assert all(e['result'] == 'Success' for e in events)
    finally:
        store.dispose()


def test_stable_device_rescue_with_a_rescue_image_ref_at_2_87(live, guest):
    """A rescue image named by id, with hw_rescue_device/hw_rescue_bus: Nova's stable device rescue (every disk
    where it was, the rescue disk added last and booted first). 2.87 only adds volume-backed servers (none here)."""
    ident = guest['id']
    token = live.token('demo', 'demo')
    other = live.cli('image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare',
                     '--property', 'hw_rescue_device=disk', '--property', 'hw_rescue_bus=virtio',
                     '--file', built_test_image().disk, '--public', 'rescue-image')
    status, _h, body = action(live, ident, {'rescue': {'rescue_image_ref': other['id'], 'adminPass': 'x'}}, token,
                              version='2.87')
    assert (status, body) == (200, {'adminPass': 'x'})   # the given one (enable_instance_password, Nova's default)
    wait_status(live, ident, token, ['RESCUE'])
    rescue_disk = os.path.join(live.instances_path, ident, 'disk.rescue')
    info = subprocess.run(['qemu-img', 'info', '-U', '--output=json', rescue_disk], capture_output=True, text=True,
                          check=True).stdout
    assert os.path.basename(json.loads(info)['backing-filename']) == hashlib.sha1(other['id'].encode()).hexdigest()
    assert _show(live, ident, token)['image']['id'] == live.seeds['image']['id']   # the server keeps its image
    assert domain_disks(ident) == [('vda', 'disk'), ('vdb', 'disk.rescue')]
    doc = etree.fromstring(domain_xml_of(ident).encode('utf-8'))
    assert doc.find("devices/disk/target[@dev='vdb']/../boot").get('order') == '1'
    live.wait_console(ident, MARKERS_DONE)
    assert markers_seen(console_text(live, ident)) == {'vda': ['kept'], 'vdb': []}
    status, _h, body = action(live, ident, {'unrescue': None}, token, version='2.87')
    assert status == 202, body
    wait_status(live, ident, token, ['ACTIVE'])
    assert domain_disks(ident) == [('vda', 'disk')] and rescue_files(live, ident) == []
    live.wait_console(ident, MARKERS_DONE)
