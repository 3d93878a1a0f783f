# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Host aggregates in the store: Nova's operations, checks and messages; zones as aggregate metadata; the
inventory's zone shortcut; the v6 -> v7 upgrade; the module's desired state (on SQLite and MariaDB)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import uuid

import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, InvalidInput, InvalidRequest, NotFound)
from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates as agg
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store, utcnow

FACTS = {'vcpus': 4, 'memory_mb': 8192, 'local_gb': 100}


def register(store, *names, **settings):
    for name in names:
        hosts.record(store, name, dict(FACTS, hostname=name), settings=settings or None)


def zone_column(store, host):
    nodes = schema.table('compute_nodes')
    with store.read() as conn:
        return conn.execute(sa.select(nodes.c.availability_zone).where(nodes.c.host == host)).scalar()


def put_instance(store, host):
    inst = schema.table('instances')
    with store.begin() as conn:
        conn.execute(sa.insert(inst).values(
            uuid=str(uuid.uuid4()), host=host, flavor={}, vm_state='active', metadata={}, system_metadata={},
            scheduler_hints={}, network_info=[], created_at=utcnow(), deleted=0))


def test_create_show_list_and_nova_view(store):
    made = agg.create(store, 'rack1', 'az1')
    assert made['name'] == 'rack1' and made['availability_zone'] == 'az1'
    assert made['metadata'] == {'availability_zone': 'az1'} and made['hosts'] == []
    assert made['deleted'] is False and made['deleted_at'] is None and made['updated_at'] is None
    plain = agg.create(store, 'plain')
    assert plain['availability_zone'] is None and plain['metadata'] == {}
    assert [a['name'] for a in agg.list_aggregates(store)] == ['rack1', 'plain']
    assert agg.get(store, str(made['id']))['uuid'] == made['uuid']


def test_names_are_unique_without_case(store):
    agg.create(store, 'Rack1')
    with pytest.raises(Conflict) as err:
        agg.create(store, 'rack1')
    assert err.value.message == 'Aggregate rack1 already exists.' and err.value.code == 409
    other = agg.create(store, 'rack2')
    with pytest.raises(Conflict):
        agg.update(store, other['id'], name='RACK1')
    assert agg.get(store, other['id'])['name'] == 'rack2'


def test_a_second_create_of_a_non_ascii_name_is_409_not_an_integrity_error(store):
    # SQLite's lower() folds ASCII only: 'Ⱦ' (U+023E) lowers to U+2C66 in Python but not there (found by
    # schemathesis as a 500)
    agg.create(store, u'\u023erack')
    with pytest.raises(Conflict):
        agg.create(store, u'\u023erack')


@pytest.mark.parametrize('call', [
    lambda s: agg.get(s, 999), lambda s: agg.delete(s, 999), lambda s: agg.update(s, 999, name='x'),
    lambda s: agg.set_metadata(s, 999, {'a': 'b'})])
def test_unknown_aggregate_is_404_with_novas_message(store, call):
    with pytest.raises(NotFound) as err:
        call(store)
    assert err.value.message == 'Aggregate 999 could not be found.'


def test_add_and_remove_host_and_their_errors(store):
    register(store, 'c1')
    made = agg.create(store, 'rack1')
    with pytest.raises(NotFound) as err:
        agg.add_host(store, made['id'], 'ghost')
    assert err.value.message == 'Compute host ghost could not be found.'
    assert agg.add_host(store, made['id'], 'c1')['hosts'] == ['c1']
    with pytest.raises(Conflict) as err:
        agg.add_host(store, made['id'], 'c1')
    assert err.value.message == 'Aggregate %d already has host c1.' % made['id']
    assert agg.remove_host(store, made['id'], 'c1')['hosts'] == []
    with pytest.raises(NotFound) as err:
        agg.remove_host(store, made['id'], 'c1')
    assert err.value.message == 'Aggregate %d has no host c1.' % made['id']


def test_delete_refuses_an_aggregate_with_hosts(store):
    register(store, 'c1')
    made = agg.create(store, 'rack1')
    agg.add_host(store, made['id'], 'c1')
    with pytest.raises(InvalidRequest) as err:
        agg.delete(store, made['id'])
    assert err.value.code == 400
    assert err.value.message == ('Cannot remove host from aggregate %d. Reason: Host aggregate is not empty.'
                                 % made['id'])
    agg.remove_host(store, made['id'], 'c1')
    agg.delete(store, made['id'])
    assert agg.list_aggregates(store) == []


def test_zone_is_aggregate_metadata_and_mirrored_on_the_node(store):
    register(store, 'c1', 'c2')
    assert zone_column(store, 'c1') == 'nova'
    rack = agg.create(store, 'rack1', 'az1')
    agg.add_host(store, rack['id'], 'c1')
    assert zone_column(store, 'c1') == 'az1' and zone_column(store, 'c2') == 'nova'
    assert dict((s['host'], s['zone']) for s in hosts.list_services(store)) == {'c1': 'az1', 'c2': 'nova'}
    assert hosts.enabled_zones(store) == {'az1', 'nova'}
    agg.update(store, rack['id'], availability_zone='az9', set_zone=True)
    assert zone_column(store, 'c1') == 'az9'
    # a report that does not name a zone leaves the aggregates' zone alone
    register(store, 'c1')
    assert zone_column(store, 'c1') == 'az9'
    agg.remove_host(store, rack['id'], 'c1')
    assert zone_column(store, 'c1') == 'nova'


def test_a_host_cannot_be_in_two_zones(store):
    register(store, 'c1')
    a = agg.create(store, 'a', 'az1')
    b = agg.create(store, 'b', 'az2')
    plain = agg.create(store, 'plain')
    agg.add_host(store, a['id'], 'c1')
    with pytest.raises(agg.InvalidAggregateAction) as err:
        agg.add_host(store, b['id'], 'c1')
    assert err.value.action == agg.ADD
    assert err.value.message == ("Cannot add host to aggregate %d. Reason: One or more hosts already in "
                                 "availability zone(s) ['az1']." % b['id'])
    agg.add_host(store, plain['id'], 'c1')   # an aggregate without a zone is fine
    with pytest.raises(agg.InvalidAggregateAction) as err:
        agg.set_metadata(store, plain['id'], {'availability_zone': 'az3'})
    assert err.value.action == agg.UPDATE_META and err.value.code == 400
    assert agg.get(store, plain['id'])['metadata'] == {}
    # naming the zone it already has is no conflict
    agg.update(store, plain['id'], availability_zone='az1', set_zone=True)
    assert zone_column(store, 'c1') == 'az1'


def test_empty_zone_is_refused_as_nova_does(store):
    made = agg.create(store, 'rack1', 'az1')
    for call in (lambda: agg.set_metadata(store, made['id'], {'availability_zone': None}),
                 lambda: agg.update(store, made['id'], availability_zone=None, set_zone=True)):
        with pytest.raises(agg.InvalidAggregateAction) as err:
            call()
        assert 'does not support empty named availability zone' in err.value.message
    assert agg.get(store, made['id'])['availability_zone'] == 'az1'


def test_hosts_with_instances_keep_their_zone(store):
    register(store, 'c1')
    put_instance(store, 'c1')
    zoned = agg.create(store, 'rack1', 'az1')
    with pytest.raises(agg.InvalidAggregateAction) as err:
        agg.add_host(store, zoned['id'], 'c1')
    assert "would change from 'None' to 'az1'" in err.value.message
    plain = agg.create(store, 'plain')
    agg.add_host(store, plain['id'], 'c1')
    with pytest.raises(agg.InvalidAggregateAction) as err:
        agg.set_metadata(store, plain['id'], {'availability_zone': 'az1'})
    assert 'One or more hosts contain instances in this zone' in err.value.message
    assert zone_column(store, 'c1') == 'nova'


def test_set_metadata_sets_and_removes_keys(store):
    made = agg.create(store, 'rack1')
    out = agg.set_metadata(store, made['id'], {'ssd': 'true', 'cores': 8})
    assert out['metadata'] == {'ssd': 'true', 'cores': '8'} and out['updated_at'] is not None
    out = agg.set_metadata(store, made['id'], {'ssd': None, 'gone': None, 'cores': '16'})
    assert out['metadata'] == {'cores': '16'}
    with pytest.raises(InvalidRequest) as err:
        agg.set_metadata(store, made['id'], {'CORES': '1'})
    assert err.value.message == 'Aggregate %d already contain metadata key CORES.' % made['id']
    with pytest.raises(InvalidInput) as err:
        agg.set_metadata(store, made['id'], {'bad/key': 'x'})
    assert err.value.field == 'metadata'


def test_removed_host_leaves_its_aggregates(store):
    register(store, 'c1')
    made = agg.create(store, 'rack1', 'az1')
    agg.add_host(store, made['id'], 'c1')
    hosts.remove(store, 'c1')
    assert agg.get(store, made['id'])['hosts'] == []


def test_inventory_zone_creates_joins_and_moves(store):
    register(store, 'c1', availability_zone='az1')
    register(store, 'c2', availability_zone='az1')
    found = agg.list_aggregates(store)
    assert [(a['name'], a['availability_zone'], a['hosts']) for a in found] == [('az1', 'az1', ['c1', 'c2'])]
    assert zone_column(store, 'c1') == 'az1'
    # the inventory moves c1: out of az1, into a new az2 aggregate
    changed, node = hosts.record(store, 'c1', dict(FACTS, hostname='c1'), settings={'availability_zone': 'az2'})
    assert changed and node['availability_zone'] == 'az2'
    assert dict((a['name'], a['hosts']) for a in agg.list_aggregates(store)) == {'az1': ['c2'], 'az2': ['c1']}
    # an aggregate made through the API with that zone is joined, whatever its name
    rack = agg.create(store, 'rack3', 'az3')
    register(store, 'c1', availability_zone='az3')
    assert agg.get(store, rack['id'])['hosts'] == ['c1']
    # the default zone: leave the zone aggregates
    register(store, 'c1', availability_zone='nova')
    assert zone_column(store, 'c1') == 'nova' and agg.get(store, rack['id'])['hosts'] == []
    # the same report again changes nothing
    changed, _node = hosts.record(store, 'c2', dict(FACTS, hostname='c2'), settings={'availability_zone': 'az1'})
    assert not changed


def test_first_reports_racing_into_a_new_zone_all_join_one_aggregate(store):
    # Hosts of one zone report at once on their first run (the register play runs them in parallel): on
    # MariaDB another host can make the zone's aggregate after this one looked for it (CI saw "Aggregate
    # az2 already exists"). Every report succeeds and they share one aggregate.
    rounds, per_round = 4, 6
    for zone_index in range(rounds):
        zone = 'race%d' % zone_index
        names = ['%s-h%d' % (zone, n) for n in range(per_round)]
        barrier = threading.Barrier(per_round)
        errors = []

        def report(name, zone, barrier, errors):
            barrier.wait()
            try:
                hosts.record(store, name, dict(FACTS, hostname=name), settings={'availability_zone': zone})
            except Exception as exc:  # pylint: disable=broad-except
                errors.append('%s: %s' % (name, exc))

        threads = [threading.Thread(target=report, args=(name, zone, barrier, errors)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        made = [a for a in agg.list_aggregates(store) if a['availability_zone'] == zone]
        assert [(a['name'], a['hosts']) for a in made] == [(zone, sorted(names))]
        assert set(zone_column(store, name) for name in names) == {zone}


def test_inventory_zone_clashing_with_an_aggregate_name_is_refused(store):
    agg.create(store, 'az1')    # named like the zone, but names no zone
    with pytest.raises(Conflict) as err:
        register(store, 'c1', availability_zone='az1')
    assert err.value.field == 'availability_zone'
    assert hosts.list_nodes(store) == []


@pytest.mark.fresh_database
def test_upgrade_from_v6_makes_zone_aggregates(db_url):
    old = Store(db_url, migrate=False)
    old.upgrade(6)
    now = utcnow()
    with old.begin() as conn:
        for i, zone in enumerate(['az1', 'az1', 'nova', 'az2']):
            conn.execute(sa.text(
                "INSERT INTO compute_nodes (uuid, host, hypervisor_hostname, availability_zone, vcpus, memory_mb,"
                " local_gb, vcpus_used, memory_mb_used, local_gb_used, running_vms, cpu_allocation_ratio,"
                " ram_allocation_ratio, disk_allocation_ratio, reserved_host_memory_mb, reserved_host_disk_mb,"
                " reserved_host_cpus, traits, capabilities, generation, failed_builds, created_at) VALUES"
                " (:uuid, :host, :host, :zone, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, '[]', '{}', 0, 0, :now)"),
                {'uuid': str(uuid.uuid4()), 'host': 'c%d' % i, 'zone': zone, 'now': now})
    old.dispose()
    new = Store(db_url)
    found = agg.list_aggregates(new)
    assert [(a['name'], a['availability_zone'], a['hosts']) for a in found] == [
        ('az1', 'az1', ['c0', 'c1']), ('az2', 'az2', ['c3'])]
    new.dispose()


def test_marker_moves_with_every_change(store):
    register(store, 'c1')
    with store.read() as conn:
        first = agg.marker(conn)
    made = agg.create(store, 'rack1')
    agg.add_host(store, made['id'], 'c1')
    with store.read() as conn:
        second = agg.marker(conn)
    agg.remove_host(store, made['id'], 'c1')
    with store.read() as conn:
        third = agg.marker(conn)
    assert len(set([first, second, third])) == 3


# ---- the module's desired state ---------------------------------------------------------------------------

def test_ensure_is_idempotent_and_check_mode_changes_nothing(store):
    register(store, 'c1', 'c2')
    changed, after, diff = agg.ensure(store, 'rack1', hosts=['c1'], metadata={'ssd': 'true'},
                                      availability_zone='az1', check_mode=True)
    assert changed and after['hosts'] == ['c1'] and diff['before'] == {}
    assert agg.list_aggregates(store) == [] and zone_column(store, 'c1') == 'nova'
    changed, after, _diff = agg.ensure(store, 'rack1', hosts=['c1'], metadata={'ssd': 'true'},
                                       availability_zone='az1')
    assert changed and after['metadata'] == {'availability_zone': 'az1', 'ssd': 'true'}
    assert zone_column(store, 'c1') == 'az1'
    changed, _after, _diff = agg.ensure(store, 'rack1', hosts=['c1'], metadata={'ssd': 'true'},
                                        availability_zone='az1')
    assert not changed
    changed, after, diff = agg.ensure(store, 'rack1', hosts=['c2'], metadata={'gpu': 't4'}, purge_metadata=True)
    assert changed and after['hosts'] == ['c2'] and after['metadata'] == {'availability_zone': 'az1', 'gpu': 't4'}
    assert diff['before']['hosts'] == ['c1'] and diff['after']['hosts'] == ['c2']
    changed, after, _diff = agg.ensure(store, 'rack1', state='absent')
    assert changed and after is None and agg.list_aggregates(store) == []
    assert zone_column(store, 'c2') == 'nova'
    assert agg.ensure(store, 'rack1', state='absent')[0] is False


def test_ensure_refuses_what_nova_refuses_and_changes_nothing(store):
    register(store, 'c1')
    agg.ensure(store, 'a', hosts=['c1'], availability_zone='az1')
    with pytest.raises(agg.InvalidAggregateAction):
        agg.ensure(store, 'b', hosts=['c1'], availability_zone='az2')
    assert [a['name'] for a in agg.list_aggregates(store)] == ['a']
    with pytest.raises(InvalidInput) as err:
        agg.ensure(store, 'b', metadata={'availability_zone': 'x'})
    assert err.value.field == 'metadata.availability_zone'
    with pytest.raises(InvalidInput) as err:
        agg.ensure(store, 'b', hosts=['bad host'])
    assert err.value.field == 'hosts'
