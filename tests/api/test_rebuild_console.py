# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Rebuild and console output through the REST shim with the real `openstack` CLI, on real libvirt + QEMU.

One guest is shared by the module's tests: it writes a marker to its root disk (its user data asks for
it), the console output shows what it printed, and a rebuild to the same image gives it a new root disk
(the marker is gone) under the same uuid, on the same host, in the same libvirt domain name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import re
import time

import pytest

from lib.guests import MARKERS_DONE, built_test_image, marker_user_data, markers_seen
from lib.live_api import console_text, running
from lib.novalite_env import libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

WRITTEN = 'NOVALITE MARKER WRITTEN vda: before'


@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


def cli(live, *args, **kwargs):
    return live.cli(*args, **kwargs)


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    """A server of the demo project that wrote the marker 'before' to its root disk."""
    data = tmp_path_factory.mktemp('userdata') / 'marker.txt'
    data.write_text(marker_user_data('before'))
    server = cli(live, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                 '--user-data', str(data), '--wait', 'rb-vm', cloud='novalite-demo')
    assert server['status'] == 'ACTIVE'
    live.wait_console(server['id'], MARKERS_DONE)
    assert WRITTEN in console_text(live, server['id'])
    return server


def test_console_log_show_and_lengths(live, guest):
    ident = guest['id']
    text = cli(live, 'console', 'log', 'show', 'rb-vm', as_json=False, cloud='novalite-demo')
    assert 'NOVALITE TEST IMAGE BOOTED' in text and WRITTEN in text
    assert '\r' not in text   # Nova removes control characters but newline and tab
    tail = cli(live, 'console', 'log', 'show', '--lines', '2', 'rb-vm', as_json=False, cloud='novalite-demo')
    assert len(tail.rstrip('\n').split('\n')) <= 2 and MARKERS_DONE in tail

    token = live.token('demo', 'demo')
    whole = live.action(ident, {'os-getConsoleOutput': {}}, token)
    assert whole[0] == 200 and WRITTEN in whole[2]['output']
    for length, lines in ((None, None), (-1, None), ('3', 3), (3, 3), (0, 0)):
        status, _h, body = live.action(ident, {'os-getConsoleOutput': {'length': length}}, token)
        assert status == 200, (length, body)
        if lines is None:
            assert body['output'] == whole[2]['output']
        else:
            expected = '\n'.join(whole[2]['output'].split('\n')[-lines:]) if lines else ''
            assert body['output'] == expected, (length, body)
    for bad in (-2, 'x', '1.5', {'length': 1, 'x': 1}):
        argument = bad if isinstance(bad, dict) else {'length': bad}
        status, _h, body = live.action(ident, {'os-getConsoleOutput': argument}, token)
        assert status == 400, (bad, body)
    # another project's server is not there (404), an admin reads it
    status, _h, _b = live.action(ident, {'os-getConsoleOutput': {}}, live.token('other', 'other'))
    assert status == 404
    assert live.action(ident, {'os-getConsoleOutput': {'length': 1}}, live.token())[0] == 200


# what the test image's kernel (Debian's, no kdump, unknown_nmi_panic off) prints for an NMI no driver claims
NMI_LINE = 'Uhhuh. NMI received for unknown reason'


def test_trigger_crash_dump_injects_an_nmi_the_guest_kernel_reports(live, guest):
    """Nova's trigger_crash_dump (2.17, `openstack server dump create`): libvirt injects an NMI into the running
    guest, whose kernel logs it on the serial console and runs on; the server stays ACTIVE and the
    ``trigger_crash_dump`` instance action records the host's success."""
    ident = guest['id']
    token = live.token('demo', 'demo')
    assert NMI_LINE not in console_text(live, ident)
    status, _h, body = live.action(ident, {'trigger_crash_dump': None}, token, version='2.16')
    assert status == 404, body   # not an action before 2.17
    cli(live, '--os-compute-api-version', '2.17', 'server', 'dump', 'create', 'rb-vm', as_json=False,
        cloud='novalite-demo')
    deadline = time.time() + 60
    while True:
        actions = live.http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions' % ident, token=token)[2]
        dump = [a for a in actions['instanceActions'] if a['action'] == 'trigger_crash_dump']
        assert len(dump) == 1, actions
        shown = live.http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions/%s' % (ident, dump[0]['request_id']),
                               token=live.token(), headers={'OpenStack-API-Version': 'compute 2.51'})[2]
        events = [(e['event'], e['result']) for e in shown['instanceAction']['events']
                  if e['event'].startswith('compute_')]
        if events and events[0][1] is not None:
            break
        assert time.time() < deadline, (shown, live.log()[-6000:])
        time.sleep(0.5)
    assert events == [('compute_trigger_crash_dump', 'Success')], (shown, live.log())
    try:
        live.wait_console(ident, NMI_LINE, timeout=30)
    except AssertionError:
        raise AssertionError('no NMI line; the console ends: %r' % console_text(live, ident)[-1500:])
    server = live.wait_status(ident, token, ['ACTIVE'])
    assert server['OS-EXT-STS:power_state'] == 1   # still running: the kernel carried on
    assert libvirt_state(ident) == 'running'


def test_rebuild_same_image_gives_a_new_root_disk_same_identity(live, guest):
    ident = guest['id']
    token = live.token('demo', 'demo')
    before = live.show(ident, live.token())
    assert before['OS-EXT-SRV-ATTR:host'] == live.host
    # Replace the user data too (2.57), so the rebuilt guest writes a new marker after reporting its disk
    data = os.path.join(live.root, 'after.txt')
    with open(data, 'w') as handle:
        handle.write(marker_user_data('after'))
    cli(live, '--os-compute-api-version', '2.57', 'server', 'rebuild', '--image', 'novalite-test-image',
        '--name', 'rb-vm2', '--user-data', data, 'rb-vm', cloud='novalite-demo', as_json=False)
    after = live.wait_status(ident, live.token(), ['ACTIVE'])
    assert (after['id'], after['OS-EXT-SRV-ATTR:host'], after['OS-EXT-SRV-ATTR:instance_name'],
            after['flavor'], after['tenant_id']) == (
        ident, before['OS-EXT-SRV-ATTR:host'], before['OS-EXT-SRV-ATTR:instance_name'], before['flavor'],
        before['tenant_id'])
    assert after['name'] == 'rb-vm2' and libvirt_state(ident) == 'running'
    live.wait_console(ident, MARKERS_DONE)
    console = cli(live, 'console', 'log', 'show', 'rb-vm2', as_json=False, cloud='novalite-demo')
    # a new root disk: the marker the old one held is gone; the new user data's marker is written now
    assert markers_seen(console) == {'vda': []}, console
    assert 'NOVALITE MARKER WRITTEN vda: after' in console and WRITTEN not in console
    events = cli(live, 'server', 'event', 'list', 'rb-vm2', cloud='novalite-demo')
    assert 'rebuild' in [e['Action'] for e in events]
    store = live.store()
    try:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
        rebuild = [a for a in instances.list_actions(store, ident) if a['action'] == 'rebuild'][-1]
        assert [e['event'] for e in rebuild['events'] if e['event'].startswith('compute_')] == [
            'compute_rebuild_instance']
        assert all(e['result'] == 'Success' for e in rebuild['events'])
        assert base64.b64decode(instances.get(store, ident)['user_data']).decode() == marker_user_data('after')
    finally:
        store.dispose()
    rename_back = cli(live, 'server', 'set', '--name', 'rb-vm', 'rb-vm2', as_json=False, cloud='novalite-demo')
    assert rename_back == ''


def test_rebuild_answer_per_microversion_and_a_stopped_server_stays_stopped(live, guest):
    ident = guest['id']
    token = live.token('demo', 'demo')
    image = live.seeds['image']['id']
    cli(live, 'server', 'stop', 'rb-vm', as_json=False, cloud='novalite-demo')
    live.wait_status(ident, token, ['SHUTOFF'])
    status, headers, body = live.action(ident, {'rebuild': {'imageRef': image, 'user_data': None}}, token,
                                        version='2.75')
    assert status == 202, body
    server = body['server']
    assert server['status'] == 'REBUILD' and server['OS-EXT-STS:task_state'] == 'rebuild_spawning'
    assert server['user_data'] is None and 'key_name' in server and 'OS-EXT-AZ:availability_zone' in server
    assert headers['Location'].endswith('/servers/%s' % ident)
    after = live.wait_status(ident, token, ['SHUTOFF'])
    assert after['OS-EXT-STS:power_state'] == 4 and libvirt_state(ident) == 'shut off'
    # below 2.75 the answer is the short one; user_data is refused before 2.57
    cli(live, 'server', 'start', 'rb-vm', as_json=False, cloud='novalite-demo')
    live.wait_status(ident, token, ['ACTIVE'])
    status, _h, body = live.action(ident, {'rebuild': {'imageRef': image, 'user_data': 'eA=='}}, token,
                                   version='2.54')
    assert status == 400 and 'user_data' in body['badRequest']['message']
    status, _h, body = live.action(ident, {'rebuild': {'imageRef': image}}, token, version='2.54')
    assert status == 202 and 'key_name' in body['server'] and 'user_data' not in body['server']
    assert 'OS-EXT-STS:vm_state' not in body['server']
    live.wait_status(ident, token, ['ACTIVE'])
    live.wait_console(ident, MARKERS_DONE)
    assert libvirt_state(ident) == 'running'


def test_rebuild_refusals_change_nothing(live, guest, tmp_path):
    ident = guest['id']
    token = live.token('demo', 'demo')
    image = live.seeds['image']['id']
    big = cli(live, 'image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--min-disk', '5',
              '--file', built_test_image().disk, '--public', 'needs-5gb')
    before = live.show(ident, token)
    cases = [({'rebuild': {'imageRef': 'c0ffee00-0000-4000-8000-000000000000'}}, 400, 'Cannot find image'),
             ({'rebuild': {'imageRef': big['id']}}, 400, "Flavor's disk is too small"),
             ({'rebuild': {'imageRef': image, 'bogus': 1}}, 400, "'bogus' was unexpected"),
             ({'rebuild': {}}, 400, "'imageRef' is a required property"),
             ({'rebuild': {'imageRef': image, 'key_name': 'missing'}}, 400, 'Invalid key_name provided.')]
    for body, code, text in cases:
        status, _h, answer = live.action(ident, body, token, version='2.57')
        assert status == code, (body, answer)
        assert text in list(answer.values())[0]['message'], (body, answer)
    # locked by an admin: 409 for the owner; paused: 409 (Nova's allowed states are ACTIVE, SHUTOFF, ERROR)
    cli(live, 'server', 'lock', ident, as_json=False)   # the admin (another project) names it by id
    status, _h, answer = live.action(ident, {'rebuild': {'imageRef': image}}, token)
    assert status == 409 and 'locked' in answer['conflictingRequest']['message'], answer
    cli(live, 'server', 'unlock', ident, as_json=False)
    cli(live, 'server', 'pause', 'rb-vm', as_json=False, cloud='novalite-demo')
    live.wait_status(ident, token, ['PAUSED'])
    status, _h, answer = live.action(ident, {'rebuild': {'imageRef': image}}, token)
    assert status == 409 and "Cannot 'rebuild'" in answer['conflictingRequest']['message'], answer
    assert live.action(ident, {'rebuild': {'imageRef': image}}, live.token('other', 'other'))[0] == 404
    cli(live, 'server', 'unpause', 'rb-vm', as_json=False, cloud='novalite-demo')
    after = live.wait_status(ident, token, ['ACTIVE'])
    assert (after['image']['id'], after['name']) == (before['image']['id'], before['name'])
    assert libvirt_state(ident) == 'running'


def test_new_image_the_host_cannot_run_is_no_valid_host_then_a_good_rebuild_recovers(live, guest):
    ident = guest['id']
    token = live.token('demo', 'demo')
    arm = cli(live, 'image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare',
              '--property', 'hw_architecture=aarch64', '--file', built_test_image().disk, '--public', 'arm-only')
    status, _h, _b = live.action(ident, {'rebuild': {'imageRef': arm['id']}}, token)
    assert status == 202
    failed = live.wait_status(ident, token, ['ERROR'])
    assert failed['image']['id'] == live.seeds['image']['id']   # Nova rolls the image back
    assert failed['fault']['message'].startswith('No valid host was found.'), failed['fault']
    assert libvirt_state(ident) == 'running'   # the host was never asked
    # ERROR is a state a rebuild starts from (Nova): the right image brings the server back
    cli(live, 'server', 'rebuild', '--image', 'novalite-test-image', 'rb-vm', cloud='novalite-demo', as_json=False)
    live.wait_status(ident, token, ['ACTIVE'])
    live.wait_console(ident, MARKERS_DONE)


# what `uptime` prints in the C locale (procps): " 08:32:11 up 93 days, 18:25,  2 users,  load average: ..."
UPTIME_TEXT = re.compile(r'^ ?\d\d:\d\d:\d\d up .+,\s+load average: [0-9.]+, [0-9.]+, [0-9.]+$')


def test_hypervisor_uptime_is_read_from_the_host(live):
    """Nova's hypervisor uptime: what `uptime` prints on the compute host, read now (another host read)."""
    store = live.store()
    try:
        node = hosts.get_node(store, live.host)
    finally:
        store.dispose()
    for version, ident in (('2.1', node['id']), ('2.53', node['uuid'])):
        status, _h, body = live.http.call('GET', '/compute/v2.1/os-hypervisors/%s/uptime' % ident,
                                          token=live.token(), headers={'OpenStack-API-Version': 'compute %s' % version})
        assert status == 200, body
        # the keys of Nova's sample (hypervisors-uptime-resp.json)
        assert sorted(body['hypervisor']) == ['hypervisor_hostname', 'id', 'state', 'status', 'uptime']
        assert body['hypervisor']['id'] == ident and UPTIME_TEXT.match(body['hypervisor']['uptime']), body
    # from 2.88 in the hypervisor itself; the CLI splits the text into its parts
    shown = cli(live, '--os-compute-api-version', '2.88', 'hypervisor', 'show', node['uuid'])
    assert re.match(r'^[0-9.]+, [0-9.]+, [0-9.]+$', shown['load_average']) and shown['uptime'], shown
