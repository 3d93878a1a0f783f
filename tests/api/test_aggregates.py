# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host aggregates through the real `openstack aggregate ...` CLI and plain HTTP: Nova's statuses, messages,
policy and microversions; zones made by aggregates show in os-availability-zone and os-services."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

import pytest

from lib.api_service import openstack

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

AGG = '/compute/v2.1/os-aggregates'


def _at(version):
    return {'OpenStack-API-Version': 'compute %s' % version}


@pytest.fixture
def spare_hosts(api):
    """Two extra compute hosts in the service's store, disabled so no other test's server lands there."""
    store = Store(api['cfg']['database_url'])
    names = ['aggtest-%s-%d' % (uuid.uuid4().hex[:6], i) for i in range(2)]
    for name in names:
        hosts.record(store, name, {'hostname': name, 'vcpus': 2, 'memory_mb': 2048, 'local_gb': 10},
                     settings={'enabled': False, 'disabled_reason': 'aggregate tests'})
    try:
        yield names
    finally:
        for name in names:
            hosts.remove(store, name)
        store.dispose()


def _ok(result):
    rc, out, err = result
    assert rc == 0, err
    return out


def test_cli_aggregate_lifecycle(api, spare_hosts):
    host = spare_hosts[0]
    name = 'cli-agg-%s' % uuid.uuid4().hex[:6]
    zone = 'cli-az-%s' % uuid.uuid4().hex[:6]
    made = _ok(openstack(api, 'aggregate', 'create', '--zone', zone, '--property', 'ssd=true', name))
    assert made['name'] == name and made['availability_zone'] == zone
    assert made['properties'] in ({'ssd': 'true', 'availability_zone': zone}, {'ssd': 'true'},
                                  "availability_zone='%s', ssd='true'" % zone)
    listed = _ok(openstack(api, 'aggregate', 'list', '--long'))
    row = [r for r in listed if r['Name'] == name][0]
    assert row['Availability Zone'] == zone

    shown = _ok(openstack(api, 'aggregate', 'add', 'host', name, host))
    assert shown['hosts'] == [host]
    # the zone is the host's zone now: os-availability-zone and os-services say so
    zones = _ok(openstack(api, 'availability', 'zone', 'list', '--compute', '--long'))
    assert any(z['Zone Name'] == zone and z['Host Name'] == host for z in zones)
    services = _ok(openstack(api, 'compute', 'service', 'list', '--host', host))
    assert [s['Zone'] for s in services] == [zone]

    _ok(openstack(api, 'aggregate', 'set', '--property', 'gpu=t4', '--name', name + '-x', name, as_json=False))
    shown = _ok(openstack(api, 'aggregate', 'show', name + '-x'))
    assert shown['hosts'] == [host]
    props = shown['properties']
    assert 'gpu' in str(props) and 'ssd' in str(props)
    _ok(openstack(api, 'aggregate', 'unset', '--property', 'ssd', name + '-x', as_json=False))
    shown = _ok(openstack(api, 'aggregate', 'show', name + '-x'))
    assert 'ssd' not in str(shown['properties']) and 'gpu' in str(shown['properties'])

    # Nova refuses to delete an aggregate that still has hosts
    rc, _out, err = openstack(api, 'aggregate', 'delete', name + '-x', as_json=False)
    assert rc != 0 and 'not empty' in err
    shown = _ok(openstack(api, 'aggregate', 'remove', 'host', name + '-x', host))
    assert shown['hosts'] == []
    services = _ok(openstack(api, 'compute', 'service', 'list', '--host', host))
    assert [s['Zone'] for s in services] == ['nova']
    _ok(openstack(api, 'aggregate', 'delete', name + '-x', as_json=False))
    assert name + '-x' not in [r['Name'] for r in _ok(openstack(api, 'aggregate', 'list'))]


def test_cli_errors(api, spare_hosts):
    name = 'cli-err-%s' % uuid.uuid4().hex[:6]
    _ok(openstack(api, 'aggregate', 'create', name))
    rc, _out, err = openstack(api, 'aggregate', 'create', name)
    assert rc != 0 and 'already exists' in err
    rc, _out, err = openstack(api, 'aggregate', 'add', 'host', name, 'no-such-host')
    assert rc != 0 and 'could not be found' in err
    rc, _out, err = openstack(api, 'aggregate', 'list', cloud='novalite-demo')
    assert rc != 0 and '403' in err
    _ok(openstack(api, 'aggregate', 'delete', name, as_json=False))


def test_http_statuses_and_messages(api, http, admin_token, demo_token, spare_hosts):
    host, other = spare_hosts
    status, _h, body = http.call('POST', AGG, {'aggregate': {'name': 'h-a-%s' % host, 'availability_zone': 'z1'}},
                                 token=admin_token)
    assert status == 200
    made = body['aggregate']
    assert 'hosts' not in made and 'metadata' not in made and 'uuid' not in made   # 2.1, create
    assert made['deleted'] is False and made['availability_zone'] == 'z1'
    agg_id = made['id']
    path = '%s/%d' % (AGG, agg_id)
    status, _h, body = http.call('POST', AGG, {'aggregate': {'name': 'h-b-%s' % host, 'availability_zone': 'z2'}},
                                 token=admin_token)
    other_id = body['aggregate']['id']
    try:
        # policy: admin only
        assert http.call('GET', AGG, token=demo_token)[0] == 403
        assert http.call('POST', path + '/action', {'add_host': {'host': host}}, token=demo_token)[0] == 403
        # ids and bodies
        status, _h, body = http.call('GET', AGG + '/abc', token=admin_token)
        assert status == 400 and body['badRequest']['message'] == 'Invalid input received: id must be an integer'
        status, _h, body = http.call('GET', AGG + '/99999999', token=admin_token)
        assert status == 404 and body['itemNotFound']['message'] == 'Aggregate 99999999 could not be found.'
        assert http.call('POST', AGG, {'aggregate': {'name': 'x', 'availability_zone': 'a:b'}},
                         token=admin_token)[0] == 400
        assert http.call('PUT', path, {'aggregate': {}}, token=admin_token)[0] == 400
        status, _h, body = http.call('POST', AGG, {'aggregate': {'name': 'h-a-%s' % host}}, token=admin_token)
        assert status == 409 and body['conflictingRequest']['message'] == 'Aggregate h-a-%s already exists.' % host
        assert http.call('POST', path + '/action', {'explode': {}}, token=admin_token)[0] == 400

        # hosts
        status, _h, body = http.call('POST', path + '/action', {'add_host': {'host': 'nowhere'}}, token=admin_token)
        assert status == 404 and body['itemNotFound']['message'] == 'Compute host nowhere could not be found.'
        status, _h, body = http.call('POST', path + '/action', {'add_host': {'host': host}}, token=admin_token)
        assert status == 200 and body['aggregate']['hosts'] == [host]
        status, _h, body = http.call('POST', path + '/action', {'add_host': {'host': host}}, token=admin_token)
        assert status == 409 and body['conflictingRequest']['message'] == \
            'Aggregate %d already has host %s.' % (agg_id, host)
        # a host cannot be in two zones: 409 for add_host, 400 for set_metadata and update
        status, _h, body = http.call('POST', '%s/%d/action' % (AGG, other_id), {'add_host': {'host': host}},
                                     token=admin_token)
        assert status == 409
        assert body['conflictingRequest']['message'] == (
            "Cannot add host to aggregate %d. Reason: One or more hosts already in availability zone(s) "
            "['z1']." % other_id)
        status, _h, body = http.call('POST', path + '/action', {'set_metadata': {'metadata': {
            'availability_zone': None}}}, token=admin_token)
        assert status == 400 and 'does not support empty named availability zone' in body['badRequest']['message']
        status, _h, body = http.call('POST', '%s/%d/action' % (AGG, other_id), {'add_host': {'host': other}},
                                     token=admin_token)
        assert status == 200
        status, _h, body = http.call('PUT', path, {'aggregate': {'availability_zone': 'z2'}}, token=admin_token)
        assert status == 200 and body['aggregate']['availability_zone'] == 'z2'
        # a host with servers keeps its zone (the seeded server runs on api['host'])
        status, _h, body = http.call('POST', path + '/action', {'add_host': {'host': api['host']}},
                                     token=admin_token)
        assert status == 409 and 'already has 1 instance(s)' in body['conflictingRequest']['message']

        # metadata
        status, _h, body = http.call('POST', path + '/action', {'set_metadata': {'metadata': {'k': 'v', 'n': None}}},
                                     token=admin_token)
        assert status == 200 and body['aggregate']['metadata'] == {'availability_zone': 'z2', 'k': 'v'}
        assert body['aggregate']['updated_at'] is not None
        assert http.call('POST', path + '/action', {'set_metadata': {'metadata': {'bad/key': 'v'}}},
                         token=admin_token)[0] == 400

        # microversions: uuid from 2.41, image precaching from 2.81
        assert 'uuid' not in http.call('GET', path, headers=_at('2.40'), token=admin_token)[2]['aggregate']
        shown = http.call('GET', path, headers=_at('2.41'), token=admin_token)[2]['aggregate']
        assert len(shown['uuid']) == 36 and shown['hosts'] == [host]
        images = {'cache': [{'id': api['public_image']['id']}]}
        assert http.call('POST', path + '/images', images, headers=_at('2.80'), token=admin_token)[0] == 404
        status, _h, body = http.call('POST', path + '/images', {'cache': images['cache'] * 2}, headers=_at('2.81'),
                                     token=admin_token)
        assert status == 400 and body['badRequest']['message'] == 'Duplicate images in request'
        status, _h, body = http.call('POST', path + '/images', images, headers=_at('2.81'), token=admin_token)
        assert status == 400 and 'not supported' in body['badRequest']['message']

        # delete refuses hosts; remove_host of a host not there is "Cannot remove host"
        status, _h, body = http.call('DELETE', path, token=admin_token)
        assert status == 400 and body['badRequest']['message'] == \
            'Cannot remove host from aggregate %d. Reason: Host aggregate is not empty.' % agg_id
        status, _h, body = http.call('POST', path + '/action', {'remove_host': {'host': other}}, token=admin_token)
        assert status == 404 and body['itemNotFound']['message'] == \
            'Cannot remove host %s in aggregate %d' % (other, agg_id)
        assert http.call('POST', path + '/action', {'remove_host': {'host': host}}, token=admin_token)[0] == 200
    finally:
        for ident, member in ((agg_id, host), (other_id, other)):
            http.call('POST', '%s/%d/action' % (AGG, ident), {'remove_host': {'host': member}}, token=admin_token)
            http.call('DELETE', '%s/%d' % (AGG, ident), token=admin_token)
    assert http.call('GET', path, token=admin_token)[0] == 404
