# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""JsonFilter (Nova's ``query`` hint grammar) and what happens to hints the scheduler does not know."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import subprocess

import pytest

from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as config_mod
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager, request_spec
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.json_query import JsonFilter
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.host_state import HostState

FLAVOR = {'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 64, 'root_gb': 1}


def _hosts(store):
    add_host(store, 'big', vcpus=16, memory_mb=65536)
    add_host(store, 'small', vcpus=2, memory_mb=2048)
    add_host(store, 'mid', vcpus=8, memory_mb=16384)


def _passing(store, query):
    spec = request_spec.build(FLAVOR, scheduler_hints={'query': query})
    with store.read() as conn:
        state = HostState.load(conn)
    candidates, _explanation = manager.run_filters(state, spec, [JsonFilter()])
    return sorted(state.hosts[i] for i in candidates)


@pytest.mark.parametrize('query, expected', [
    (['>=', '$free_ram_mb', 15000], ['big', 'mid']),   # mid: 16384 - 512 reserved
    (['and', ['>=', '$vcpus_total', 4], ['<', '$total_usable_ram_mb', 20000]], ['mid']),
    (['or', ['=', '$host', 'small'], ['in', '$host', 'big', 'nowhere']], ['big', 'small']),
    (['not', ['=', '$host', 'big']], ['mid', 'small']),
    # Nova drops a term that names nothing: "=" is left with one argument and fails everywhere
    (['=', '$no_such_field', 1], []),
    # the scheduler's own objects cannot be named: the private and dunder names are not host fields
    (['=', '$_state', None], []), (['=', '$__class__.__name__', 'HostView'], []),
    # a number against a string does not match (and does not raise)
    (['<', '$host', 5], []),
    ([], ['big', 'mid', 'small']),
])
def test_query_selects_hosts_like_novas_grammar(store, query, expected):
    _hosts(store)
    assert _passing(store, query) == expected
    assert _passing(store, json.dumps(query)) == expected   # Nova takes the hint as JSON text


@pytest.mark.parametrize('query, reason', [
    ('{not json', 'is not JSON'), (json.dumps({'a': 1}), 'must be a JSON list'),
    (json.dumps(['xor', 1, 2]), 'unknown operator'),
    (json.dumps([['=', 1, 1]]), 'unknown operator'),
    ('["not", ' * 40 + '["=", 1, 1]' + ']' * 40, 'nests deeper'),
])
def test_bad_query_is_refused_naming_the_hint(query, reason):
    with pytest.raises(InvalidInput) as err:
        request_spec.build(FLAVOR, scheduler_hints={'query': query})
    assert err.value.field == 'scheduler_hints.query' and reason in str(err.value)


def test_select_destinations_with_the_query_hint(store):
    _hosts(store)
    cfg = {'enabled_filters': config_mod.DEFAULT_ENABLED_FILTERS + ['JsonFilter']}
    result = manager.select_destinations(
        store, {'flavor': FLAVOR, 'num_instances': 1, 'scheduler_hints': {'query': '["=", "$host", "small"]'}},
        cfg, claim=False)
    assert result['selections'][0]['host'] == 'small'


def test_api_hints_the_scheduler_does_not_know_are_kept_and_ignored(store, tmp_path):
    """Nova keeps every hint and its filters read the ones they know: a client's own hint neither fails
    the request nor the build. A bad ``query`` is the create's 400, with nothing made."""
    source = str(tmp_path / 'disk.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', source, '16M'], check=True)
    flavors.create(store, 'm1.tiny', 1, 512, 1, flavorid='1')
    image_id = images.register(store, str(tmp_path / 'images'), 'img', source, disk_format='qcow2',
                               container_format='bare', visibility='public', owner='p1')['id']
    add_host(store, 'c1', vcpus=8, memory_mb=65536)
    ctx = Context('u1', 'p1', is_admin=False)
    hints = {'build_near_host_ip': '10.0.0.1', 'cidr': '/24', 'my_tooling': ['x']}
    made = conductor.create_servers(store, ctx, {'name': 'hinted', 'flavor': '1', 'image': image_id,
                                                 'scheduler_hints': hints})
    assert instances.get(store, made[0]['uuid'])['scheduler_hints'] == hints
    result = conductor.schedule_and_prepare(store, [made[0]['uuid']], ctx.request_id)
    assert result['failed'] == [] and [b['host'] for b in result['builds']] == ['c1']

    before = len(instances.list_instances(store, project_id='p1'))
    with pytest.raises(InvalidInput) as err:
        conductor.create_servers(store, ctx, {'name': 'bad', 'flavor': '1', 'image': image_id,
                                              'scheduler_hints': {'query': '[">=", '}})
    assert err.value.field == 'scheduler_hints.query'
    assert len(instances.list_instances(store, project_id='p1')) == before
