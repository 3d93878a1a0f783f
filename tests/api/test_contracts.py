# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Contract tests: each answer has the shape of Nova's API sample for the same call and microversion.

``contracts/cases.json`` names the sample, the call (path with placeholders filled from the fixture
below), the microversion and the caller; ``contracts/nova_shapes.json`` holds each sample's shape
(every object's keys, every value's JSON type), written from a Nova checkout by
``scripts/contract_shapes.py``. An answer must have exactly the sample's keys at every level and
values of the sample's types; a sample's ``null`` accepts any type and any sample field may be
``null`` here (Nova's samples show one value of a nullable field). Maps whose keys are the user's
data (metadata, extra specs, addresses, image properties, scheduler hints) are only checked to be
objects, and a list is compared by its first item when both sides have one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, 'contracts', 'cases.json')) as _f:
    CASES = json.load(_f)
with open(os.path.join(HERE, 'contracts', 'nova_shapes.json')) as _f:
    SHAPES = json.load(_f)

# Objects whose keys are data (the user's, the image's, host names), not part of the API's shape.
FREE_FORM = {'metadata', 'extra_specs', 'addresses', 'properties', 'scheduler_hints', 'hosts', 'log'}
# Keys a sample shows because its data had something this fixture's has not, by key (anywhere or in the
# objects at the given locations), with why.
DATA_DEPENDENT = {
    # Nova adds security_groups only to a server with ports (its groups come from Neutron): networks are issue 12.
    'security_groups': None,
    # Nova shows an image's OS-DCF:diskConfig only when the image has an auto_disk_config property.
    'OS-DCF:diskConfig': ('$.image', '$.images[0]'),
}


def _data_dependent(key, where):
    if key not in DATA_DEPENDENT:
        return False
    return DATA_DEPENDENT[key] is None or where in DATA_DEPENDENT[key]


def shape_differences(expected, actual, where='$'):
    """The ways ``actual`` differs from the shape ``expected`` (empty when it conforms)."""
    if expected == 'null' or actual is None:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ['%s: an object expected, got %s' % (where, type(actual).__name__)]
        if where.rsplit('.', 1)[-1] in FREE_FORM:
            return []
        out = []
        missing = sorted(k for k in set(expected) - set(actual) if not _data_dependent(k, where))
        extra = sorted(set(actual) - set(expected))
        if missing:
            out.append('%s: missing %s' % (where, missing))
        if extra:
            out.append('%s: not in Nova %s' % (where, extra))
        for key in sorted(set(expected) & set(actual)):
            out.extend(shape_differences(expected[key], actual[key], '%s.%s' % (where, key)))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return ['%s: a list expected, got %s' % (where, type(actual).__name__)]
        if expected and actual:
            return shape_differences(expected[0], actual[0], where + '[0]')
        return []
    kinds = {'string': str, 'boolean': bool, 'number': (int, float)}
    wrong = not isinstance(actual, kinds[expected]) or (expected == 'number' and isinstance(actual, bool))
    return ['%s: %s expected, got %r' % (where, expected, actual)] if wrong else []


def test_shape_comparison_finds_what_differs():
    sample = {'server': {'id': 'string', 'locked': 'boolean', 'metadata': {'k': 'string'},
                         'links': [{'href': 'string'}], 'description': 'null'}}
    good = {'server': {'id': 'x', 'locked': False, 'metadata': {}, 'links': [{'href': 'h'}], 'description': 'd'}}
    assert shape_differences(sample, good) == []
    bad = {'server': {'id': 1, 'locked': 'no', 'metadata': [], 'links': [{'rel': 'r'}], 'extra': 1}}
    assert shape_differences(sample, bad) == [
        "$.server: missing ['description']", "$.server: not in Nova ['extra']",
        '$.server.id: string expected, got 1', "$.server.links[0]: missing ['href']",
        "$.server.links[0]: not in Nova ['rel']", "$.server.locked: boolean expected, got 'no'",
        '$.server.metadata: an object expected, got list']


def test_every_case_has_its_sample_shape():
    assert sorted(set(c['sample'] for c in CASES)) == sorted(SHAPES)


@pytest.fixture(scope='module')
def contract(api, http, admin_token):
    """The things the cases' placeholders name: a member's project with a server, keypair, group, flavor."""
    from test_compute_endpoints import forget_servers, make_server, new_project
    # usage reports from here on: only this fixture's servers (other modules' servers, such as the
    # 1,000-row listing test's, would fill a default page and add Nova's next link)
    period_start = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)).strftime(
        '%Y-%m-%dT%H:%M:%S')
    project = new_project(api, http, unlimited=True)
    server = make_server(api, project)
    token = project['token']
    http.call('PUT', '/compute/v2.1/servers/%s/metadata/foo' % server['uuid'], {'meta': {'foo': 'bar'}}, token=token)
    http.call('PUT', '/compute/v2.1/servers/%s/tags/contract' % server['uuid'], token=token,
              headers={'OpenStack-API-Version': 'compute 2.26'})
    keypair = 'contract-%s' % uuid.uuid4().hex[:6]
    status, _h, made = http.call('POST', '/compute/v2.1/os-keypairs', {'keypair': {'name': keypair}}, token=token)
    assert status == 200
    status, _h, group = http.call('POST', '/compute/v2.1/os-server-groups', {
        'server_group': {'name': 'contract', 'policy': 'anti-affinity', 'rules': {'max_server_per_host': 3}}},
        token=token, headers={'OpenStack-API-Version': 'compute 2.64'})
    assert status == 200
    flavorid = 'contract-%s' % uuid.uuid4().hex[:6]
    status, _h, _b = http.call('POST', '/compute/v2.1/flavors', {'flavor': {
        'name': flavorid, 'id': flavorid, 'ram': 256, 'vcpus': 1, 'disk': 1}}, token=admin_token)
    assert status == 200
    http.call('POST', '/compute/v2.1/flavors/%s/os-extra_specs' % flavorid,
              {'extra_specs': {'hw:cpu_policy': 'shared', 'hw:numa_nodes': '1'}}, token=admin_token)
    _s, _h, hypervisors = http.call('GET', '/compute/v2.1/os-hypervisors?hypervisor_hostname_pattern=%s'
                                    % api['server']['node'], token=admin_token,
                                    headers={'OpenStack-API-Version': 'compute 2.53'})
    _s, _h, legacy = http.call('GET', '/compute/v2.1/os-hypervisors', token=admin_token)
    _s, _h, actions = http.call('GET', '/compute/v2.1/servers/%s/os-instance-actions' % server['uuid'],
                                token=admin_token)
    values = {
        'server': server['uuid'], 'server_name': server['display_name'], 'request_id':
        actions['instanceActions'][0]['request_id'], 'keypair': keypair, 'group': group['server_group']['id'],
        'flavor': flavorid, 'private_flavor': api['private_flavor']['flavorid'],
        'hypervisor_uuid': hypervisors['hypervisors'][0]['id'],
        'hypervisor_id': [h['id'] for h in legacy['hypervisors']
                          if h['hypervisor_hostname'] == api['server']['node']][0],
        'hypervisor_hostname': api['server']['node'], 'host': api['host'], 'project_id': project['id'], 'user_id': project['user_id'],
        'image': api['public_image']['id'], 'public_key': made['keypair']['public_key'],
        'period_start': period_start}
    yield {'values': values, 'member': token, 'admin': admin_token}
    http.call('DELETE', '/compute/v2.1/flavors/%s' % flavorid, token=admin_token)
    forget_servers(api, project)


def _case_id(case):
    return '%s %s@%s' % (case['sample'].replace('/', ':'), case['method'], case['version'])


@pytest.mark.parametrize('case', CASES, ids=_case_id)
def test_answer_has_novas_shape(http, contract, case):
    path = case['path'].format(**contract['values'])
    if not path.startswith('/compute/'):
        path = '/compute/v2.1' + path
    body = case.get('body')
    if body is not None:
        # the body's placeholders: the fixture's values, and a fresh name part per call
        text = json.dumps(body)
        for name, value in dict(contract['values'], unique=uuid.uuid4().hex[:8]).items():
            text = text.replace('{%s}' % name, json.dumps(value)[1:-1])
        body = json.loads(text)
    headers = {'OpenStack-API-Version': 'compute %s' % case['version']} if case['version'] else None
    token = contract[case['as']] if case['as'] else None
    status, _h, answer = http.call(case['method'], path, body, headers=headers, token=token)
    assert status in (200, 201, 202), (status, answer)
    assert shape_differences(SHAPES[case['sample']], answer) == []
