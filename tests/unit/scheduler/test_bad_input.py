# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Bad input: a clear error naming the field, and nothing claimed or created."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


import uuid

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims, manager, server_groups

from lib.sched_rows import add_host, allocation_sums

SMALL = {'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}


def one():
    return [str(uuid.uuid4())]


@pytest.mark.parametrize('request_spec, config, field, words', [
    ({'flavor': SMALL}, {'enabled_filters': ['RamFilter', 'FooFilter']},
     'scheduler.enabled_filters', "unknown filter 'FooFilter'"),
    ({'flavor': SMALL}, {'enabled_filters': ['RamFilter', 'RamFilter']},
     'scheduler.enabled_filters', 'listed twice'),
    ({'flavor': SMALL}, {'ram_weight_multipler': 2}, 'scheduler', "unknown option 'ram_weight_multipler'"),
    ({'flavor': SMALL}, {'host_subset_size': 0}, 'scheduler.host_subset_size', 'at least 1'),
    ({'flavor': SMALL}, {'available_filters': ['no.such.module.Filter']},
     'scheduler.available_filters', 'cannot import'),
    ({'flavor': SMALL, 'scheduler_hints': {'same_host': 'not-a-uuid'}}, None,
     'scheduler_hints.same_host', "'not-a-uuid' is not an instance UUID"),
    ({'flavor': SMALL, 'scheduler_hints': {'different_host': {'a': 1}}}, None,
     'scheduler_hints.different_host', 'must be an instance UUID or a list'),
    ({'flavor': SMALL, 'scheduler_hints': {'near_host': []}}, None, 'scheduler_hints', 'unknown hints near_host'),
    ({'flavor': SMALL, 'scheduler_hints': 'same_host'}, None, 'scheduler_hints', 'must be a dict'),
    ({'flavor': SMALL, 'num_instances': -1}, None, 'num_instances', 'at least 1'),
    ({'flavor': SMALL, 'min_count': 0}, None, 'min_count', 'at least 1'),
    ({'flavor': SMALL, 'min_count': 3, 'max_count': 2}, None, 'max_count', 'must be >= min_count'),
    ({'flavor': {'memory_mb': 512, 'root_gb': 1}}, None, 'flavor.vcpus', 'required'),
    ({'flavor': {'vcpus': -2, 'memory_mb': 512, 'root_gb': 1}}, None, 'flavor.vcpus', 'at least 1'),
    ({'flavor': dict(SMALL, vcpu=1)}, None, 'flavor', 'unknown keys vcpu'),
    ({'flavor': SMALL, 'exclude_hosts': [1, 2]}, None, 'exclude_hosts', 'list of host names'),
    ({'flavor': SMALL, 'num_instances': 2, 'consumer_uuids': one()}, None, 'consumer_uuids', 'one UUID per instance'),
    ({'flavor': SMALL}, None, 'consumer_uuids', 'claiming needs'),
])
def test_bad_request_names_field_and_claims_nothing(store, request_spec, config, field, words):
    add_host(store, 'a')
    request_spec = dict(request_spec)
    if 'consumer_uuids' not in request_spec and field != 'consumer_uuids':
        request_spec['consumer_uuids'] = [str(uuid.uuid4()) for _consumer in range(request_spec.get('num_instances') or 1)] \
            if isinstance(request_spec.get('num_instances'), int) and request_spec['num_instances'] > 0 else one()
    with pytest.raises(errors.InvalidInput) as caught:
        manager.select_destinations(store, request_spec, config)
    assert caught.value.field == field
    assert words in caught.value.message
    assert allocation_sums(store) == {}


@pytest.mark.parametrize('request_spec, field', [
    ({'flavor': 'no-such-flavor'}, 'flavor'),
    ({'flavor': SMALL, 'image': 'no-such-image'}, 'image'),
    ({'flavor': SMALL, 'server_group': 'no-such-group'}, 'server_group'),
])
def test_unknown_references(store, request_spec, field):
    add_host(store, 'a')
    with pytest.raises(errors.NotFound) as caught:
        manager.select_destinations(store, dict(request_spec, consumer_uuids=one()))
    assert caught.value.field == field
    assert allocation_sums(store) == {}


@pytest.mark.parametrize('policy, rules, field', [
    ('anti_affinity', None, 'policy'),
    ('best-effort', None, 'policy'),
    ('affinity', {'max_server_per_host': 2}, 'rules.max_server_per_host'),
    ('anti-affinity', {'max_server_per_host': 0}, 'rules.max_server_per_host'),
    ('anti-affinity', {'max_server_per_host': 'two'}, 'rules.max_server_per_host'),
    ('anti-affinity', {'max_servers': 2}, 'rules'),
])
def test_impossible_group_policy(store, policy, rules, field):
    with pytest.raises(errors.InvalidInput) as caught:
        server_groups.ensure(store, 'g', policy, rules)
    assert caught.value.field == field
    with store.read() as conn:
        assert server_groups.find(conn, 'g') is None


def test_group_cannot_change_policy(store):
    changed, group = server_groups.ensure(store, 'g', 'affinity')
    assert changed and group['policy'] == 'affinity'
    assert server_groups.ensure(store, 'g', 'affinity')[0] is False
    with pytest.raises(errors.Conflict):
        server_groups.ensure(store, 'g', 'anti-affinity')
    assert server_groups.remove(store, 'g')[0] is True
    assert server_groups.remove(store, 'g')[0] is False


@pytest.mark.parametrize('amounts, field', [
    ((-1, 512, 1), 'vcpus'), ((1, 'lots', 1), 'memory_mb'), ((1, 512, 1.5), 'disk_gb'),
])
def test_claim_bad_amounts(store, amounts, field):
    add_host(store, 'a')
    with pytest.raises(errors.InvalidInput) as caught:
        claims.claim(store, one()[0], 'a', *amounts)
    assert caught.value.field == field
    assert allocation_sums(store) == {}


def test_claim_unknown_host_and_conflicting_amounts(store):
    add_host(store, 'a')
    with pytest.raises(errors.NotFound) as caught:
        claims.claim(store, one()[0], 'nowhere', 1, 1, 1)
    assert caught.value.field == 'host'
    consumer = one()[0]
    claims.claim(store, consumer, 'a', 1, 512, 1)
    with pytest.raises(errors.Conflict) as caught:
        claims.claim(store, consumer, 'a', 2, 512, 1)
    assert caught.value.field == 'consumer_uuid'
    assert allocation_sums(store) == {'a': (1, 512, 1)}
