"""The host registry on both state-store backends (SQLite and MariaDB via the `store` fixture)."""

import datetime
import uuid

import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, settings
from ansible_collections.novalite.compute.plugins.module_utils.store import schema

T0 = datetime.datetime(2026, 11, 23, 18, 0, 0)


def facts(**changes):
    """A host_facts result as the module returns it (values from a real run on this machine)."""
    out = {
        'hostname': 'hv1.example', 'host_uuid': 'aa0876a9-5242-4bea-a2b2-c67142daee41', 'host_ip': '192.0.2.2',
        'libvirt_uri': 'qemu:///system', 'instances_path': '/var/lib/novalite/instances',
        'vcpus': 8, 'memory_mb': 16384, 'memory_mb_free': 12000, 'local_gb': 200, 'free_disk_gb': 150,
        'cpu_arch': 'x86_64',
        'cpu_info': {'arch': 'x86_64', 'model': 'kvm64', 'vendor': 'AMD',
                     'topology': {'sockets': 1, 'cores': 8, 'threads': 1}, 'features': ['avx2', 'sse4.2']},
        'cpu_traits': ['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42'],
        'hypervisor_type': 'QEMU', 'hypervisor_version': 7002022, 'libvirt_version': 9000000,
        'virt_type': 'qemu', 'virt_type_detected': 'qemu',
        'supported_instances': [['x86_64', 'qemu', 'hvm']], 'running_vms': 0,
    }
    out.update(changes)
    return out


def rows_of(store, name, **where):
    table = schema.table(name)
    with store.read() as conn:
        query = sa.select(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return [dict(r) for r in conn.execute(query).mappings()]


def host_name():
    return 'cn-%s' % uuid.uuid4().hex[:8]


def test_first_record_inserts_node_and_service(store):
    host = host_name()
    cfg = settings.parse({'novalite_availability_zone': 'az1', 'novalite_cpu_allocation_ratio': 4,
                          'novalite_traits': ['CUSTOM_FAST']})
    changed, node = hosts.record(store, host, facts(), cfg, now=T0)
    assert changed is True
    assert node['hypervisor_hostname'] == 'hv1.example'
    assert (node['vcpus'], node['memory_mb'], node['local_gb']) == (8, 16384, 200)
    assert (node['vcpus_used'], node['memory_mb_used'], node['local_gb_used']) == (0, 0, 0)
    assert node['free_ram_mb'] == 16384 and node['free_disk_gb'] == 200 and node['disk_available_least'] == 150
    assert node['hypervisor_type'] == 'QEMU' and node['hypervisor_version'] == 7002022
    assert node['cpu_info']['topology'] == {'sockets': 1, 'cores': 8, 'threads': 1}
    assert node['traits'] == ['CUSTOM_FAST', 'HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42']
    assert node['capabilities']['supported_instances'] == [['x86_64', 'qemu', 'hvm']]
    assert node['state'] == 'up' and node['status'] == 'enabled'

    [row] = rows_of(store, 'compute_nodes', host=host)
    assert row['availability_zone'] == 'az1' and row['cpu_allocation_ratio'] == 4.0
    assert row['ram_allocation_ratio'] == 1.5 and row['reserved_host_memory_mb'] == 512
    assert row['generation'] == 0 and row['virt_type'] == 'qemu'
    [svc] = rows_of(store, 'services', host=host)
    assert svc['binary'] == 'nova-compute' and svc['report_count'] == 1 and svc['last_seen_up'] == T0
    assert svc['disabled'] is False


def test_heartbeat_only_rerun_is_unchanged_and_touches_only_heartbeat(store):
    host = host_name()
    cfg = settings.parse({'novalite_availability_zone': 'az1'})
    hosts.record(store, host, facts(), cfg, now=T0)
    [before] = rows_of(store, 'compute_nodes', host=host)

    later = T0 + datetime.timedelta(seconds=30)
    # free disk and running VMs drift on their own: refreshed, not a change.
    changed, node = hosts.record(store, host, facts(free_disk_gb=149, running_vms=2), cfg, now=later)
    assert changed is False
    [after] = rows_of(store, 'compute_nodes', host=host)
    assert after['free_disk_gb'] == 149 and after['running_vms'] == 2
    for key in hosts.CONFIG_FIELDS + ('id', 'uuid', 'created_at'):
        assert after[key] == before[key], key
    [svc] = rows_of(store, 'services', host=host)
    assert svc['last_seen_up'] == later and svc['report_count'] == 2
    assert node['last_seen_up'] == '2026-11-23T18:00:30Z'


def test_record_never_overwrites_scheduler_usage(store):
    host = host_name()
    cfg = settings.parse({})
    hosts.record(store, host, facts(), cfg, now=T0)
    cn = schema.table('compute_nodes')
    with store.begin() as conn:   # what a scheduler claim would write
        conn.execute(sa.update(cn).where(cn.c.host == host).values(
            vcpus_used=3, memory_mb_used=2048, local_gb_used=20, generation=7,
            capabilities=dict(facts_caps(store, host), failed_builds=2)))
    changed, node = hosts.record(store, host, facts(vcpus=12), cfg, now=T0 + datetime.timedelta(seconds=5))
    assert changed is True
    [row] = rows_of(store, 'compute_nodes', host=host)
    assert (row['vcpus'], row['vcpus_used'], row['memory_mb_used'], row['local_gb_used'], row['generation']) == \
        (12, 3, 2048, 20, 7)
    assert node['free_ram_mb'] == 16384 - 2048 and node['free_disk_gb'] == 200 - 20
    # The scheduler's failed-build counter in capabilities survives the report.
    assert row['capabilities']['failed_builds'] == 2 and row['capabilities']['cpu_arch'] == 'x86_64'
    assert hosts.record(store, host, facts(vcpus=12), cfg, now=T0 + datetime.timedelta(seconds=9))[0] is False


def facts_caps(store, host):
    [row] = rows_of(store, 'compute_nodes', host=host)
    return row['capabilities']


def test_settings_change_is_a_change_with_diff(store):
    host = host_name()
    hosts.record(store, host, facts(), settings.parse({}), now=T0)
    diff = {}
    changed, node = hosts.record(store, host, facts(), settings.parse({'novalite_ram_allocation_ratio': 1.0}),
                                 now=T0, diff=diff)
    assert changed is True
    assert diff['before']['ram_allocation_ratio'] == 1.5 and diff['after']['ram_allocation_ratio'] == 1.0
    assert node['ram_allocation_ratio'] == 1.0


def test_check_mode_writes_nothing(store):
    host = host_name()
    changed, node = hosts.record(store, host, facts(), settings.parse({}), now=T0, check_mode=True)
    assert changed is True and node['vcpus'] == 8
    assert rows_of(store, 'compute_nodes', host=host) == [] and rows_of(store, 'services', host=host) == []


def test_up_down_by_heartbeat_age_and_forced_down(store):
    host = host_name()
    hosts.record(store, host, facts(), settings.parse({}), now=T0)
    assert hosts.get_node(store, host, now=T0 + datetime.timedelta(seconds=60))['state'] == 'up'
    assert hosts.get_node(store, host, now=T0 + datetime.timedelta(seconds=61))['state'] == 'down'
    # A shorter service_down_time is honoured.
    assert hosts.get_node(store, host, now=T0 + datetime.timedelta(seconds=20), service_down_time=10)['state'] == 'down'

    changed, node = hosts.force_down(store, host, True, now=T0)
    assert changed is True and node['forced_down'] is True
    assert hosts.get_node(store, host, now=T0)['state'] == 'down'
    # A fresh heartbeat does not lift forced_down (Nova: only the API does).
    hosts.record(store, host, facts(), settings.parse({}), now=T0)
    assert hosts.get_node(store, host, now=T0)['state'] == 'down'
    assert hosts.force_down(store, host, True, now=T0)[0] is False
    hosts.force_down(store, host, False, now=T0)
    assert hosts.get_node(store, host, now=T0)['state'] == 'up'
    [svc] = hosts.list_services(store, now=T0)
    assert svc['host'] == host and svc['state'] == 'up' and svc['zone'] == 'nova'


def test_disable_enable_and_inventory_status(store):
    host = host_name()
    hosts.record(store, host, facts(), settings.parse({}), now=T0)
    changed, node = hosts.set_enabled(store, host, False, 'disk replacement')
    assert changed and node['status'] == 'disabled' and node['disabled_reason'] == 'disk replacement'
    assert hosts.set_enabled(store, host, False, 'disk replacement')[0] is False
    # A periodic report without novalite_enabled keeps the API's decision ...
    changed, node = hosts.record(store, host, facts(), settings.parse({}), now=T0)
    assert changed is False and node['status'] == 'disabled'
    # ... an explicit inventory value wins.
    changed, node = hosts.record(store, host, facts(), settings.parse({'novalite_enabled': True}), now=T0)
    assert changed is True and node['status'] == 'enabled' and node['disabled_reason'] is None
    [svc] = rows_of(store, 'services', host=host)
    assert svc['disabled'] is False and svc['disabled_reason'] is None


def test_new_host_disabled_from_inventory(store):
    host = host_name()
    cfg = settings.parse({'novalite_enabled': False, 'novalite_disabled_reason': 'burn-in'})
    _changed, node = hosts.record(store, host, facts(), cfg, now=T0)
    assert node['status'] == 'disabled' and node['disabled_reason'] == 'burn-in'
    assert hosts.list_nodes(store, now=T0)[0]['status'] == 'disabled'


def test_list_nodes_sorted_with_liveness(store):
    names = sorted(host_name() for _host in range(3))
    for offset, name in enumerate(names):
        hosts.record(store, name, facts(), settings.parse({}), now=T0 + datetime.timedelta(seconds=offset * 50))
    listed = hosts.list_nodes(store, now=T0 + datetime.timedelta(seconds=100))
    assert [n['host'] for n in listed] == names
    assert [n['state'] for n in listed] == ['down', 'up', 'up']


def test_remove_refused_while_referenced(store):
    host = host_name()
    _changed, node = hosts.record(store, host, facts(), settings.parse({}), now=T0)
    inst, alloc = schema.table('instances'), schema.table('allocations')
    consumer = str(uuid.uuid4())
    with store.begin() as conn:
        conn.execute(sa.insert(alloc).values(compute_node_id=node['id'], consumer_uuid=consumer, vcpus=1,
                                             memory_mb=512, disk_gb=1, created_at=T0))
    with pytest.raises(Conflict) as info:
        hosts.remove(store, host)
    assert '1 allocation' in info.value.message and info.value.field == 'host'

    with store.begin() as conn:
        conn.execute(sa.delete(alloc))
        conn.execute(sa.insert(inst).values(uuid=consumer, host=host, vm_state='active', flavor={}, metadata={},
                                            system_metadata={}, scheduler_hints={}, network_info=[],
                                            created_at=T0))
    with pytest.raises(Conflict) as info:
        hosts.remove(store, host)
    assert '1 instance' in info.value.message
    assert len(rows_of(store, 'compute_nodes', host=host)) == 1

    with store.begin() as conn:   # soft-deleted instances do not block
        conn.execute(sa.update(inst).values(deleted=sa.literal_column('id'), vm_state='deleted'))
    assert hosts.remove(store, host, check_mode=True)[0] is True
    assert len(rows_of(store, 'compute_nodes', host=host)) == 1
    changed, removed = hosts.remove(store, host)
    assert changed is True and removed['host'] == host
    assert rows_of(store, 'compute_nodes', host=host) == [] and rows_of(store, 'services', host=host) == []
    assert hosts.remove(store, host) == (False, None)
    with pytest.raises(NotFound):
        hosts.get_node(store, host)


@pytest.mark.parametrize('hostvars,field', [
    ({'novalite_cpu_allocation_ratio': -2}, 'novalite_cpu_allocation_ratio'),
    ({'novalite_ram_allocation_ratio': 'abc'}, 'novalite_ram_allocation_ratio'),
    ({'novalite_availability_zone': ''}, 'novalite_availability_zone'),
    ({'novalite_reserved_host_memory_mb': -1}, 'novalite_reserved_host_memory_mb'),
])
def test_bad_settings_leave_no_row(store, hostvars, field):
    host = host_name()
    with pytest.raises(InvalidInput) as info:
        hosts.record(store, host, facts(), hostvars, now=T0)   # raw hostvars are parsed too
    assert info.value.field == field
    assert rows_of(store, 'compute_nodes', host=host) == [] and rows_of(store, 'services', host=host) == []


@pytest.mark.parametrize('bad,field', [
    ({'vcpus': -1}, 'facts.vcpus'),
    ({'memory_mb': 'lots'}, 'facts.memory_mb'),
    ({'local_gb': True}, 'facts.local_gb'),
])
def test_bad_facts_leave_no_row(store, bad, field):
    host = host_name()
    with pytest.raises(InvalidInput) as info:
        hosts.record(store, host, facts(**bad), settings.parse({}), now=T0)
    assert info.value.field == field
    assert rows_of(store, 'compute_nodes', host=host) == []


def test_missing_facts_and_bad_host_rejected(store):
    incomplete = facts()
    del incomplete['vcpus']
    with pytest.raises(InvalidInput) as info:
        hosts.record(store, host_name(), incomplete, settings.parse({}))
    assert info.value.field == 'facts.vcpus'
    with pytest.raises(InvalidInput) as info:
        hosts.record(store, '  ', facts(), settings.parse({}))
    assert info.value.field == 'host'
    assert rows_of(store, 'compute_nodes') == []


def test_unknown_host_operations_raise_not_found(store):
    for call in (lambda: hosts.set_enabled(store, 'nope', False), lambda: hosts.force_down(store, 'nope', True),
                 lambda: hosts.get_node(store, 'nope')):
        with pytest.raises(NotFound) as info:
            call()
        assert info.value.field == 'host'
