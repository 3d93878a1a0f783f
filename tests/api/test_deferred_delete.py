# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Deferred delete on real guests (reclaim_instance_interval > 0): a delete powers the guest off and keeps it,
`openstack server restore` brings it back, `server delete --force` deletes it at once, and the worker reclaims
what nobody restored."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

import pytest

from lib.live_api import LiveApi
from lib.novalite_env import libvirt_state
from test_server_lifecycle import BOOTED, cli, wait_status

RECLAIM_SECONDS = 15


@pytest.fixture(scope='module')
def live():
    # enable_instance_password off as well: creates answer no adminPass (Nova's option)
    service = LiveApi(job_concurrency=2, reclaim_instance_interval=RECLAIM_SECONDS, enable_instance_password=False)
    try:
        service.setup().start()
        yield service
    finally:
        service.cleanup()


def _soft_deleted(live, ident, token):
    cli(live, 'server', 'delete', ident, as_json=False)
    server = wait_status(live, ident, token, ['SOFT_DELETED'])
    assert libvirt_state(ident) == 'shut off'   # powered off, domain and disk kept
    return server


def test_delete_restore_force_delete_and_reclaim(live):
    token = live.token()
    made = cli(live, 'server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image', '--min', '2',
               '--max', '2', 'dd')
    ids = sorted(s['ID'] for s in cli(live, 'server', 'list', '--name', '^dd-'))
    assert len(ids) == 2, made
    assert not made.get('adminPass'), made   # enable_instance_password = False
    for ident in ids:
        wait_status(live, ident, token, ['ACTIVE'])
        live.wait_console(ident, BOOTED)   # a booting guest ignores the power button
    kept, reclaimed = ids

    # nobody restores the second one: the worker deletes it after the interval (waited for at the end, the
    # interval running while the first one is restored and force-deleted)
    soft = _soft_deleted(live, reclaimed, token)
    started = time.time()

    # restore: the same guest runs again (a new QEMU: its console prints the boot line afresh)
    _soft_deleted(live, kept, token)
    _s, _h, quota = live.http.call('GET', '/compute/v2.1/limits', token=token)
    assert quota['limits']['absolute']['totalInstancesUsed'] == 0   # soft-deleted servers stop counting
    cli(live, 'server', 'restore', kept, as_json=False)
    wait_status(live, kept, token, ['ACTIVE'])
    assert libvirt_state(kept) == 'running'
    events = [e['Action'] for e in cli(live, 'server', 'event', 'list', kept)]
    assert events[:2] == ['restore', 'delete'], events

    # restore of a server that is not soft-deleted: Nova's 409
    status, _h, body = live.http.call('POST', '/compute/v2.1/servers/%s/action' % kept, {'restore': None},
                                      token=token)
    assert status == 409 and 'vm_state active' in body['conflictingRequest']['message'], body

    # force delete: gone at once, its domain with it
    live.wait_console(kept, BOOTED)
    _soft_deleted(live, kept, token)
    cli(live, 'server', 'delete', '--force', kept, as_json=False)
    wait_status(live, kept, token, ['DELETED'], timeout=60)
    assert libvirt_state(kept) is None

    # the second one, reclaimed in its time
    wait_status(live, reclaimed, token, ['DELETED'], timeout=RECLAIM_SECONDS * 4)
    assert libvirt_state(reclaimed) is None
    # not before its time: the worker's reclaim starts the interval after the user's delete
    status, _h, body = live.http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions' % reclaimed,
                                      token=token, headers={'OpenStack-API-Version': 'compute 2.21'})
    assert status == 200, body
    actions = sorted(body['instanceActions'], key=lambda a: a['start_time'])
    # the user's delete, then the worker's (a delete of its own request)
    assert [a['action'] for a in actions][-2:] == ['delete', 'delete'], (actions, soft)
    assert actions[-1]['request_id'] != actions[-2]['request_id'], actions
    waited = _seconds(actions[-1]['start_time']) - _seconds(actions[-2]['start_time'])
    # (the stamps are whole seconds; the user's delete was sent a moment before ``started``)
    assert RECLAIM_SECONDS - 1 <= waited <= time.time() - started + 5, actions


def _seconds(stamp):
    return calendar.timegm(time.strptime(stamp.split('.')[0].rstrip('Z'), '%Y-%m-%dT%H:%M:%S'))
