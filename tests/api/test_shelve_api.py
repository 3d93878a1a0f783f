# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Shelve, shelve offload and unshelve on real libvirt + QEMU, through the real `openstack` CLI and through
playbooks/server_action.yml beside the REST shim (one store, one inventory).

One guest of the demo project (module-scoped) wrote a marker to its root disk (its user data asks for it). It is
shelved and offloaded (the CLI, Nova's default shelved_offload_time 0): its domain and instance directory are gone,
its claim is released (the host's allocations are empty), its shelve image is active, quota counts it as an
instance without cores or RAM; refusals meanwhile change nothing. The CLI unshelves it: scheduled again, booted
from the shelve image - its console shows the marker it wrote before - and the image is deleted. The playbook
then shelves it without offloading (shelved_offload_time -1: the domain stays, shut off, the claim held) and
offloads it (shelveOffload).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from lib.guests import MARKERS_DONE, marker_user_data, markers_seen
from lib.live_api import action_events, console_text, running
from lib.novalite_env import libvirt_state
from lib.sched_rows import allocation_sums

WORD = 'shelfword'


@pytest.fixture(scope='module')
def live():
    with running(job_concurrency=2) as service:
        yield service


def _row(live, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = live.store()
    try:
        inst = instances.get(store, ident)
        inst['actions'] = instances.list_actions(store, ident)
        return inst, allocation_sums(store)
    finally:
        store.dispose()


def _image_status(live, image_id, token):
    status, _h, body = live.http.call('GET', '/image/v2/images/%s' % image_id, token=token)
    return body['status'] if status == 200 else status


@pytest.fixture(scope='module')
def guest(live, tmp_path_factory):
    """A running server of the demo project that wrote the marker to its root disk."""
    data = tmp_path_factory.mktemp('userdata') / 'marker.txt'
    data.write_text(marker_user_data(WORD))
    server = live.cli_then_wait('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                                '--user-data', str(data), 'shelve-vm', cloud='novalite-demo', until=['ACTIVE'])
    assert server['status'] == 'ACTIVE'
    live.wait_console(server['id'], MARKERS_DONE)
    assert 'NOVALITE MARKER WRITTEN vda: %s' % WORD in console_text(live, server['id'])
    return server


def _assert_offloaded(live, ident, token):
    server = live.wait_status(ident, token, ['SHELVED_OFFLOADED'])
    inst, allocations = _row(live, ident)
    assert (inst['vm_state'], inst['task_state'], inst['host'], inst['node']) == ('shelved_offloaded', None, None,
                                                                                  None)
    assert libvirt_state(ident) is None and not os.path.exists(os.path.join(live.instances_path, ident))
    assert allocations == {}   # the host's capacity is free again for the scheduler
    image_id = inst['system_metadata']['shelved_image_id']
    assert _image_status(live, image_id, token) == 'active'
    return server, inst, image_id


def _assert_unshelved(live, ident, token, image_id):
    live.wait_status(ident, token, ['ACTIVE'])
    inst, allocations = _row(live, ident)
    assert (inst['vm_state'], inst['host']) == ('active', live.host) and libvirt_state(ident) == 'running'
    assert allocations == {live.host: (1, 512, 1)}
    assert not set(('shelved_image_id', 'shelved_at', 'shelved_host')) & set(inst['system_metadata'])
    assert _image_status(live, image_id, token) == 404   # the shelve image is deleted
    # the guest booted from the shelve image: the marker it wrote before the shelve is on its disk
    live.wait_console(ident, MARKERS_DONE)
    assert markers_seen(console_text(live, ident)) == {'vda': [WORD]}
    return inst


def test_shelve_offload_and_unshelve_by_cli_keep_the_disk_and_free_the_host(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    live.cli('server', 'shelve', 'shelve-vm', as_json=False, cloud='novalite-demo')   # (waited for below)
    server, inst, image_id = _assert_offloaded(live, ident, demo)
    assert server['OS-EXT-STS:power_state'] == 4 and server['OS-EXT-STS:vm_state'] == 'shelved_offloaded'
    status, _h, image = live.http.call('GET', '/image/v2/images/%s' % image_id, token=demo)
    assert status == 200 and (image['name'], image['image_type'], image['instance_uuid'], image['owner']) == (
        'shelve-vm-shelved', 'snapshot', ident, server['tenant_id'])
    assert inst['system_metadata']['shelved_host'] == live.host
    assert action_events(inst, 'shelve') == [('compute_shelve_instance', 'Success')]
    # quota: an offloaded server is an instance without cores or RAM
    status, _h, limits = live.http.call('GET', '/compute/v2.1/limits', token=demo)
    absolute = limits['limits']['absolute']
    assert (absolute['totalInstancesUsed'], absolute['totalCoresUsed'], absolute['totalRAMUsed']) == (1, 0, 0)

    # refusals while offloaded change nothing
    for body, version, code, text in (
            ({'shelve': None}, '2.1', 409, "Cannot 'shelve' instance %s while it is in vm_state shelved_offloaded"
             % ident),
            ({'shelveOffload': None}, '2.1', 403, 'os_compute_api:os-shelve:shelve_offload'),
            ({'unshelve': {'availability_zone': 'mars'}}, '2.77', 400,
             'The requested availability zone is not available'),
            ({'unshelve': {}}, '2.77', 400, "'availability_zone' is a required property"),
            ({'unshelve': {'host': live.host}}, '2.91', 403, 'os_compute_api:os-shelve:unshelve_to_host')):
        status, _h, answer = live.action(ident, body, demo, version=version)
        assert status == code and text in list(answer.values())[0]['message'], (body, answer)
    assert live.action(ident, {'unshelve': None}, live.token('other', 'other'))[0] == 404
    assert _row(live, ident)[0]['vm_state'] == 'shelved_offloaded'

    live.cli_then_wait('server', 'unshelve', 'shelve-vm', as_json=False, cloud='novalite-demo', server=ident,
                       until=['ACTIVE'])
    inst = _assert_unshelved(live, ident, demo, image_id)
    assert action_events(inst, 'unshelve') == [('schedule_instances', 'Success'), ('compute_unshelve_instance', 'Success')]


def test_refusals_of_an_active_server(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    live.wait_status(ident, demo, ['ACTIVE'])
    status, _h, answer = live.action(ident, {'unshelve': None}, demo)
    assert status == 409 and answer['conflictingRequest']['message'] == (
        "Cannot 'unshelve' instance %s while it is in vm_state active" % ident)
    # the state check comes first (Nova's check_instance_state), before the zone's
    status, _h, answer = live.action(ident, {'unshelve': {'availability_zone': 'mars'}}, demo, version='2.77')
    assert status == 409 and 'vm_state active' in answer['conflictingRequest']['message']
    assert live.action(ident, {'shelve': None}, live.token('other', 'other'))[0] == 404
    live.cli('server', 'lock', ident, as_json=False, cloud='novalite-demo')
    try:
        status, _h, answer = live.action(ident, {'shelve': None}, demo)
        assert status == 409 and answer['conflictingRequest']['message'] == 'Instance %s is locked' % ident
    finally:
        live.cli('server', 'unlock', ident, as_json=False, cloud='novalite-demo')
    inst, _allocations = _row(live, ident)
    assert (inst['vm_state'], inst['task_state'], libvirt_state(ident)) == ('active', None, 'running')


def test_shelve_and_offload_by_playbook(live, guest):
    ident = guest['id']
    demo = live.token('demo', 'demo')
    # kept on its host (shelved_offload_time -1): SHELVED, its domain shut off, its claim held
    run = live.playbook('server_action.yml', server=ident, action='shelve', novalite_shelved_offload_time=-1)
    assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    live.wait_status(ident, demo, ['SHELVED'])
    inst, allocations = _row(live, ident)
    assert (inst['vm_state'], inst['host'], libvirt_state(ident)) == ('shelved', live.host, 'shut off')
    assert allocations == {live.host: (1, 512, 1)}
    image_id = inst['system_metadata']['shelved_image_id']
    # (`openstack server shelve --offload` skips a server that is SHELVED already: the client's own rule)
    run = live.playbook('server_action.yml', server=ident, action='shelveOffload')
    assert run.rc == 0 and run.failed == 0, run.output[-4000:]
    _server, inst, same = _assert_offloaded(live, ident, demo)
    assert same == image_id and action_events(inst, 'shelveOffload') == [('compute_shelve_offload_instance', 'Success')]
    # (server_action.yml's unshelve onto another host, with the marker, is tests/integration/test_snapshot.py's)
