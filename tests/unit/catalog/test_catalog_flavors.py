"""Flavors on both backends: create/get/list/update/delete, every bad input, immutability."""

import uuid

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidInput, NotFound


def _count(store):
    return len(flavors.list_flavors(store))


def test_create_get_list_delete(store):
    made = flavors.create(store, 'm1.tiny', 1, 512, 1, flavorid='1', extra_specs={'hw:cpu_cores': 1})
    assert made['flavorid'] == '1' and made['memory_mb'] == 512 and made['is_public'] is True
    assert made['extra_specs'] == {'hw:cpu_cores': '1'}
    assert flavors.get(store, '1')['name'] == 'm1.tiny'
    assert flavors.get(store, 'm1.tiny')['flavorid'] == '1'
    flavors.create(store, 'm1.small', 1, 2048, 20, flavorid='2', is_public=False)
    assert [f['name'] for f in flavors.list_flavors(store)] == ['m1.tiny', 'm1.small']
    assert [f['name'] for f in flavors.list_flavors(store, min_ram=1024)] == ['m1.small']
    assert [f['name'] for f in flavors.list_flavors(store, min_disk=5)] == ['m1.small']
    assert [f['name'] for f in flavors.list_flavors(store, is_public=True)] == ['m1.tiny']
    assert [f['name'] for f in flavors.list_flavors(store, is_public=False)] == ['m1.small']
    assert flavors.delete(store, 'm1.tiny')['flavorid'] == '1'
    with pytest.raises(NotFound):
        flavors.get(store, 'm1.tiny')
    assert _count(store) == 1


def test_auto_flavorid_is_a_uuid(store):
    for flavorid in (None, 'auto'):
        made = flavors.create(store, 'f-%s' % uuid.uuid4().hex[:6], 1, 64, 0, flavorid=flavorid)
        assert str(uuid.UUID(made['flavorid'])) == made['flavorid']


@pytest.mark.parametrize('kwargs, field', [
    (dict(vcpus=0), 'vcpus'),
    (dict(vcpus=-1), 'vcpus'),
    (dict(vcpus=True), 'vcpus'),
    (dict(vcpus='two'), 'vcpus'),
    (dict(memory_mb=0), 'memory_mb'),
    (dict(memory_mb=-512), 'memory_mb'),
    (dict(memory_mb=2 ** 31), 'memory_mb'),
    (dict(root_gb=-1), 'root_gb'),
    (dict(ephemeral_gb=-1), 'ephemeral_gb'),
    (dict(swap=-1), 'swap'),
    (dict(name=''), 'name'),
    (dict(name=' padded'), 'name'),
    (dict(name='padded '), 'name'),
    (dict(name='x' * 256), 'name'),
    (dict(name='tab\there'), 'name'),
    (dict(flavorid='a/b'), 'flavorid'),
    (dict(flavorid=' 1'), 'flavorid'),
    (dict(rxtx_factor=0), 'rxtx_factor'),
    (dict(rxtx_factor='fast'), 'rxtx_factor'),
    (dict(is_public='maybe'), 'is_public'),
    (dict(extra_specs={'hw:cpu_sockets': 0}), 'extra_specs.hw:cpu_sockets'),
    (dict(extra_specs={'hw:cpu_cores': 'many'}), 'extra_specs.hw:cpu_cores'),
    (dict(extra_specs={'hw:cpu_threads': -2}), 'extra_specs.hw:cpu_threads'),
    (dict(extra_specs={'hw:no_such_thing': '1'}), 'extra_specs.hw:no_such_thing'),
    (dict(extra_specs={'hw:cpu_policy': 'greedy'}), 'extra_specs.hw:cpu_policy'),
    (dict(extra_specs={'trait:HW_CPU_X86_AVX': 'wanted'}), 'extra_specs.trait:HW_CPU_X86_AVX'),
    (dict(extra_specs={'resources:VCPU': 'x'}), 'extra_specs.resources:VCPU'),
    (dict(extra_specs={'quota:disk_read_bytes_sec': 'x'}), 'extra_specs.quota:disk_read_bytes_sec'),
    (dict(extra_specs={'bad key': '1'}), 'extra_specs.bad key'),
    (dict(extra_specs={'capabilities:x': {'nested': 1}}), 'extra_specs.capabilities:x'),
    (dict(extra_specs=['hw:cpu_cores']), 'extra_specs'),
])
def test_bad_input_names_field_and_writes_nothing(store, kwargs, field):
    args = dict(name='bad', vcpus=1, memory_mb=64, root_gb=1)
    args.update(kwargs)
    with pytest.raises(InvalidInput) as info:
        flavors.create(store, **args)
    assert info.value.field == field
    assert info.value.code == 400
    assert _count(store) == 0


def test_free_namespaces_take_any_string(store):
    made = flavors.create(store, 'caps', 1, 64, 1, extra_specs={
        'capabilities:cpu_info:arch': 'x86_64', 'aggregate_instance_extra_specs:ssd': 'true',
        'vendor:whatever': 'anything at all', 'hw:cpu_sockets': 2, 'hw_rng:allowed': True,
        'trait:HW_CPU_X86_AVX2': 'required', 'hw:mem_page_size': '2MB'})
    assert made['extra_specs']['capabilities:cpu_info:arch'] == 'x86_64'
    assert made['extra_specs']['hw_rng:allowed'] == 'true'
    assert made['extra_specs']['hw:cpu_sockets'] == '2'


def test_duplicate_name_and_flavorid_conflict(store):
    flavors.create(store, 'dup', 1, 64, 1, flavorid='10')
    with pytest.raises(Conflict) as info:
        flavors.create(store, 'dup', 2, 128, 1, flavorid='11')
    assert info.value.field == 'name' and info.value.code == 409
    with pytest.raises(Conflict) as info:
        flavors.create(store, 'other', 1, 64, 1, flavorid='10')
    assert info.value.field == 'flavorid'
    assert [f['flavorid'] for f in flavors.list_flavors(store)] == ['10']


def test_unknown_flavor(store):
    for call in (lambda: flavors.get(store, 'nope'), lambda: flavors.delete(store, 'nope'),
                 lambda: flavors.update(store, 'nope', description='x')):
        with pytest.raises(NotFound) as info:
            call()
        assert info.value.code == 404


def test_update_description_and_extra_specs(store):
    flavors.create(store, 'upd', 1, 64, 1, extra_specs={'a:b': '1', 'c:d': '2'})
    out = flavors.update(store, 'upd', description='small one', extra_specs={'a:b': '3'}, unset_extra_specs=['c:d'])
    assert out['description'] == 'small one' and out['extra_specs'] == {'a:b': '3'}
    assert flavors.get(store, 'upd')['extra_specs'] == {'a:b': '3'}
    with pytest.raises(InvalidInput) as info:
        flavors.update(store, 'upd', extra_specs={'hw:cpu_cores': 0})
    assert info.value.field == 'extra_specs.hw:cpu_cores'
    assert flavors.get(store, 'upd')['extra_specs'] == {'a:b': '3'}


@pytest.mark.parametrize('change, field', [
    (dict(vcpus=2), 'vcpus'), (dict(memory_mb=1024), 'memory_mb'), (dict(root_gb=2), 'root_gb'),
    (dict(ephemeral_gb=1), 'ephemeral_gb'), (dict(swap=512), 'swap'), (dict(flavorid='99'), 'flavorid'),
    (dict(is_public=False), 'is_public'), (dict(rxtx_factor=2.0), 'rxtx_factor'),
])
def test_ensure_present_keeps_sizes_immutable(store, change, field):
    base = dict(name='imm', vcpus=1, memory_mb=512, root_gb=1, flavorid='7')
    flavors.ensure_present(store, **base)
    before = flavors.get(store, 'imm')
    base.update(change)
    with pytest.raises(InvalidInput) as info:
        flavors.ensure_present(store, **base)
    assert info.value.field == field and 'immutable' in info.value.message
    assert flavors.get(store, 'imm') == before


def test_ensure_present_idempotent_check_mode_and_purge(store):
    # extra_specs changes from call to call, so it is not part of the shared spec
    spec = dict(name='ens', vcpus=1, memory_mb=256, root_gb=1, flavorid='50')
    first_specs = {'a:x': '1'}
    planned = flavors.ensure_present(store, check_mode=True, extra_specs=first_specs, **spec)
    assert planned['changed'] and planned['diff']['before'] == {}
    assert flavors.find(store, 'ens') is None
    first = flavors.ensure_present(store, extra_specs=first_specs, **spec)
    assert first['changed'] and first['flavor']['flavorid'] == '50'
    again = flavors.ensure_present(store, extra_specs=first_specs, **spec)
    assert not again['changed']
    more = flavors.ensure_present(store, extra_specs_purge=False, extra_specs={'b:y': '2'}, **spec)
    assert more['changed'] and more['flavor']['extra_specs'] == {'a:x': '1', 'b:y': '2'}
    planned = flavors.ensure_present(store, extra_specs_purge=True, check_mode=True, extra_specs={}, **spec)
    assert planned['changed'] and planned['diff']['after']['extra_specs'] == {}
    assert flavors.get(store, 'ens')['extra_specs'] == {'a:x': '1', 'b:y': '2'}
    purged = flavors.ensure_present(store, extra_specs_purge=True, extra_specs={}, **spec)
    assert purged['flavor']['extra_specs'] == {} and flavors.get(store, 'ens')['extra_specs'] == {}
    described = flavors.ensure_present(store, description='hello', extra_specs={}, **spec)
    assert described['changed'] and flavors.get(store, 'ens')['description'] == 'hello'
    assert not flavors.ensure_present(store, extra_specs={}, **spec)['changed']


def test_ensure_present_flavorid_taken_by_other_name(store):
    flavors.create(store, 'holder', 1, 64, 1, flavorid='77')
    with pytest.raises(Conflict) as info:
        flavors.ensure_present(store, 'newcomer', 1, 64, 1, flavorid='77')
    assert info.value.field == 'flavorid'
    assert _count(store) == 1


def test_ensure_absent(store):
    flavors.create(store, 'gone', 1, 64, 1)
    assert flavors.ensure_absent(store, 'gone', check_mode=True)['changed']
    assert flavors.find(store, 'gone') is not None
    assert flavors.ensure_absent(store, 'gone')['changed']
    assert flavors.find(store, 'gone') is None
    assert not flavors.ensure_absent(store, 'gone')['changed']


def test_private_flavor_project_access(store):
    flavors.create(store, 'priv', 1, 64, 1, flavorid='p', is_public=False)
    flavors.create(store, 'pub', 1, 64, 1, flavorid='q')
    assert [f['name'] for f in flavors.list_flavors(store, is_public=True, project_id='proj-a')] == ['pub']
    assert flavors.add_project_access(store, 'priv', 'proj-a')['projects'] == ['proj-a']
    assert [f['name'] for f in flavors.list_flavors(store, is_public=True, project_id='proj-a')] == ['priv', 'pub']
    assert [f['name'] for f in flavors.list_flavors(store, is_public=True, project_id='proj-b')] == ['pub']
    with pytest.raises(Conflict) as info:
        flavors.add_project_access(store, 'priv', 'proj-a')
    assert info.value.field == 'project_id'
    with pytest.raises(Conflict) as info:
        flavors.add_project_access(store, 'pub', 'proj-a')
    assert info.value.field == 'is_public'
    assert flavors.remove_project_access(store, 'priv', 'proj-a')['projects'] == []
    with pytest.raises(NotFound):
        flavors.remove_project_access(store, 'priv', 'proj-a')
    flavors.add_project_access(store, 'priv', 'proj-c')
    flavors.delete(store, 'priv')  # access rows go with the flavor (ON DELETE CASCADE)
    flavors.create(store, 'priv', 1, 64, 1, flavorid='p', is_public=False)
    assert flavors.get(store, 'priv')['projects'] == []
