# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Snapshot (createImage) and backup (createBackup) through the REST shim with the real `openstack` CLI,
on real libvirt + QEMU.

One guest of the demo project is shared by the module's tests: it writes a marker to its root disk (its user
data asks for it); a live snapshot of it boots a new server whose console shows that marker (the disk was
copied whole: overlay and base). Three backups with rotation 2 leave the two newest. Refusals change nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

import pytest

from lib.guests import MARKERS_DONE, marker_user_data, markers_seen
from lib.live_api import running
from lib.novalite_env import libvirt_state

WRITTEN = 'NOVALITE MARKER WRITTEN vda: snapword'


@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


def wait_image(live, image_id, token, timeout=180):
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        status, _h, body = live.http.call('GET', '/image/v2/images/%s' % image_id, token=token)
        if status == 200 and body['status'] not in seen:
            seen.append(body['status'])
        if status != 200 or body['status'] == 'active':
            return status, body, seen
        time.sleep(0.3)
    raise AssertionError('image %s not active: %r\n%s' % (image_id, seen, live.log()))


def images_named(live, prefix):
    store = live.store()
    try:
        from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
        return [i for i in images.list_images(store) if (i['name'] or '').startswith(prefix)]
    finally:
        store.dispose()


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    """A running server of the demo project that wrote the marker 'snapword' to its root disk."""
    data = tmp_path_factory.mktemp('userdata') / 'marker.txt'
    data.write_text(marker_user_data('snapword'))
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                '--user-data', str(data), 'snap-vm', cloud='novalite-demo', until=['ACTIVE'])
    assert server['status'] == 'ACTIVE'
    live.wait_console(server['id'], MARKERS_DONE)
    with open(live.console_log(server['id']), errors='replace') as handle:
        assert WRITTEN in handle.read()
    return server


def test_snapshot_by_cli_boots_a_server_that_sees_the_marker(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    image = live.cli('server', 'image', 'create', '--name', 'snap-1', '--property', 'purpose=proof', '--wait',
                     'snap-vm', cloud='novalite-demo')
    assert image['status'] == 'active' and image['name'] == 'snap-1'
    server = live.wait_status(ident, demo, ['ACTIVE'])
    assert libvirt_state(ident) == 'running'   # live: the guest kept running
    status, _h, shown = live.http.call('GET', '/image/v2/images/%s' % image['id'], token=demo)
    assert status == 200, shown
    assert (shown['image_type'], shown['instance_uuid'], shown['base_image_ref'], shown['owner'],
            shown['user_id'], shown['purpose'], shown['disk_format'], shown['visibility']) == (
        'snapshot', ident, live.seeds['image']['id'], server['tenant_id'], server['user_id'], 'proof', 'qcow2',
        'private')
    assert shown['min_disk'] == 1 and shown['size'] > 0 and 'backing' not in str(shown)
    store = live.store()
    try:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        act = [a for a in instances.list_actions(store, ident) if a['action'] == 'createImage'][-1]
        assert [(e['event'], e['result']) for e in act['events'] if e['event'].startswith('compute_')] == [
            ('compute_snapshot_instance', 'Success')]
    finally:
        store.dispose()
    # the snapshot holds the whole disk as the guest wrote it: a new server booted from it sees the marker
    copy = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'snap-1', 'from-snap',
                              cloud='novalite-demo', until=['ACTIVE'])
    try:
        live.wait_console(copy['id'], MARKERS_DONE)
        with open(live.console_log(copy['id']), errors='replace') as handle:
            assert markers_seen(handle.read()) == {'vda': ['snapword']}
    finally:
        live.cli_then_wait('server', 'delete', copy['id'], as_json=False, server=copy['id'], until=['DELETED'])


def test_backup_rotation_keeps_the_newest(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    made = []
    for index in range(3):
        image = live.cli('server', 'backup', 'create', '--name', 'bk-%d' % index, '--type', 'daily', '--rotate', '2',
                         '--wait', 'snap-vm', cloud='novalite-demo')
        made.append(image['id'])
        live.wait_status(ident, demo, ['ACTIVE'])
        time.sleep(1.1)   # created_at has second precision: keep the three apart
    kept = images_named(live, 'bk-')
    assert sorted(i['id'] for i in kept) == sorted(made[1:])
    assert all(i['properties']['image_type'] == 'backup' and i['properties']['backup_type'] == 'daily'
               and i['status'] == 'active' for i in kept)
    assert not os.path.exists(os.path.join(live.cfg['image_store'], made[0]))
    # a backup of another type is not counted with the daily ones; rotation 0 keeps none of its type
    weekly = {'createBackup': {'name': 'wk-0', 'backup_type': 'weekly', 'rotation': 0}}
    status, _h, body = live.action(ident, weekly, demo, version='2.45')
    assert status == 202 and set(body) == {'image_id'}
    status, _body, seen = wait_image(live, body['image_id'], demo)
    assert status == 404 and seen[:1] == ['queued'], seen
    live.wait_status(ident, demo, ['ACTIVE'])
    assert sorted(i['id'] for i in images_named(live, 'bk-')) == sorted(made[1:])


def test_answer_per_microversion_and_a_stopped_server(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    live.cli('server', 'stop', 'snap-vm', as_json=False, cloud='novalite-demo')
    live.wait_status(ident, demo, ['SHUTOFF'])
    status, headers, _b = live.action(ident, {'createImage': {'name': 'snap-old', 'metadata': {'k': 'v'}}}, demo)
    assert status == 202 and '/images/' in headers['Location']
    image_id = headers['Location'].rsplit('/', 1)[1]
    status, image, seen = wait_image(live, image_id, demo)
    assert status == 200 and image['k'] == 'v' and seen[-1] == 'active', seen
    after = live.wait_status(ident, demo, ['SHUTOFF'])
    assert after['OS-EXT-STS:power_state'] == 4 and libvirt_state(ident) == 'shut off'
    live.cli('server', 'start', 'snap-vm', as_json=False, cloud='novalite-demo')
    live.wait_status(ident, demo, ['ACTIVE'])
    live.wait_console(ident, MARKERS_DONE)


def test_refusals_change_nothing(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    before = set(i['id'] for i in images_named(live, ''))
    cases = [({'createBackup': {'name': 'x', 'backup_type': 'daily', 'rotation': -1}}, 400, 'rotation'),
             ({'createBackup': {'name': 'x', 'backup_type': 'daily'}}, 400, "'rotation' is a required property"),
             ({'createImage': {}}, 400, "'name' is a required property"),
             ({'createImage': {'name': 'x', 'bogus': 1}}, 400, "'bogus' was unexpected"),
             ({'createImage': {'name': ' x'}}, 400, 'name')]
    for body, code, text in cases:
        status, _h, answer = live.action(ident, body, demo)
        assert status == code, (body, answer)
        assert text in list(answer.values())[0]['message'], (body, answer)
    # an unknown server, another project's server: 404
    assert live.action('c0ffee00-0000-4000-8000-000000000000', {'createImage': {'name': 'x'}}, demo)[0] == 404
    assert live.action(ident, {'createImage': {'name': 'x'}}, live.token('other', 'other'))[0] == 404
    # a wrong state: 409 (Nova: ACTIVE, SHUTOFF, PAUSED, SUSPENDED, and no task in flight)
    store = live.store()
    try:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        instances.update(store, ident, task_state='rebooting')
        try:
            status, _h, answer = live.action(ident, {'createImage': {'name': 'x'}}, demo)
            assert status == 409 and "task_state rebooting" in answer['conflictingRequest']['message'], answer
        finally:
            instances.update(store, ident, task_state=None)
    finally:
        store.dispose()
    assert set(i['id'] for i in images_named(live, '')) == before
    assert live.wait_status(ident, demo, ['ACTIVE'])['OS-EXT-STS:task_state'] is None
    # locked: Nova does not check the lock for a snapshot or a backup (a lock guards against change and delete)
    live.cli('server', 'lock', ident, as_json=False)
    try:
        status, _h, body = live.action(ident, {'createImage': {'name': 'locked-snap'}}, demo, version='2.45')
        assert status == 202, body
        status, image, _seen = wait_image(live, body['image_id'], demo)
        assert status == 200 and image['status'] == 'active'
        live.wait_status(ident, demo, ['ACTIVE'])
    finally:
        live.cli('server', 'unlock', ident, as_json=False)
