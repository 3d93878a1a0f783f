"""Host var parsing: defaults, string forms from INI inventories, and each bad value named."""

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.registry import settings


def test_defaults_match_the_architecture_table():
    cfg = settings.parse({})
    assert cfg['libvirt_uri'] == 'qemu:///system'
    assert cfg['instances_path'] == '/var/lib/novalite/instances'
    assert cfg['availability_zone'] == 'nova'
    assert (cfg['cpu_allocation_ratio'], cfg['ram_allocation_ratio'], cfg['disk_allocation_ratio']) == (16.0, 1.5, 1.0)
    assert (cfg['reserved_host_memory_mb'], cfg['reserved_host_disk_mb'], cfg['reserved_host_cpus']) == (512, 0, 0)
    assert cfg['enabled'] is True and cfg['disabled_reason'] is None
    assert cfg['traits'] == [] and cfg['vnc_listen'] == '127.0.0.1' and cfg['virt_type'] is None
    assert cfg['explicit'] == [] and cfg['physical_interface_mappings'] == {}


def test_interface_mappings_as_neutron_writes_them_or_as_a_dict():
    assert settings.parse({'novalite_physical_interface_mappings': 'physnet2:eth2, physnet1:eth1'})[
        'physical_interface_mappings'] == {'physnet1': 'eth1', 'physnet2': 'eth2'}
    assert settings.parse({'novalite_physical_interface_mappings': {'physnet1': 'ext0'}})[
        'physical_interface_mappings'] == {'physnet1': 'ext0'}


def test_hostvars_strings_are_converted_and_unrelated_vars_ignored():
    cfg = settings.parse({
        'novalite_cpu_allocation_ratio': '4', 'novalite_reserved_host_memory_mb': '1024',
        'novalite_enabled': 'no', 'novalite_disabled_reason': 'maintenance',
        'novalite_traits': 'CUSTOM_GPU, HW_CPU_X86_AVX2,CUSTOM_GPU', 'novalite_availability_zone': ' az1 ',
        'ansible_host': '10.0.0.1', 'novalite_compute_group': 'compute',
    })
    assert cfg['cpu_allocation_ratio'] == 4.0
    assert cfg['reserved_host_memory_mb'] == 1024
    assert cfg['enabled'] is False and cfg['disabled_reason'] == 'maintenance'
    assert cfg['traits'] == ['CUSTOM_GPU', 'HW_CPU_X86_AVX2']
    assert cfg['availability_zone'] == 'az1'
    assert cfg['explicit'] == ['availability_zone', 'cpu_allocation_ratio', 'disabled_reason', 'enabled',
                               'reserved_host_memory_mb', 'traits']


def test_overrides_win_and_none_means_not_given():
    cfg = settings.parse({'novalite_availability_zone': 'az1', 'novalite_virt_type': None},
                         availability_zone='az2', ram_allocation_ratio=None)
    assert cfg['availability_zone'] == 'az2'
    assert cfg['ram_allocation_ratio'] == 1.5
    assert cfg['explicit'] == ['availability_zone']


def test_enabled_host_has_no_disabled_reason():
    assert settings.parse({'novalite_disabled_reason': 'old note'})['disabled_reason'] is None


@pytest.mark.parametrize('var,value,reason', [
    ('novalite_cpu_allocation_ratio', -1, 'greater than 0'),
    ('novalite_cpu_allocation_ratio', 0, 'greater than 0'),
    ('novalite_ram_allocation_ratio', 'lots', 'must be a number'),
    ('novalite_disk_allocation_ratio', 'nan', 'finite'),
    ('novalite_disk_allocation_ratio', True, 'boolean'),
    ('novalite_reserved_host_memory_mb', -512, '0 or more'),
    ('novalite_reserved_host_disk_mb', 'ten', 'integer'),
    ('novalite_reserved_host_cpus', 1.5, 'whole number'),
    ('novalite_availability_zone', '', 'must not be empty'),
    ('novalite_availability_zone', '   ', 'must not be empty'),
    ('novalite_availability_zone', 'az:1', "must not contain ':'"),
    ('novalite_availability_zone', 42, 'must be a string'),
    ('novalite_availability_zone', 'x' * 256, 'at most 255'),
    ('novalite_instances_path', 'relative/dir', 'absolute path'),
    ('novalite_libvirt_uri', 'localhost', 'libvirt URI'),
    ('novalite_enabled', 'maybe', 'boolean'),
    ('novalite_traits', ['lower_case'], 'not a valid trait'),
    ('novalite_traits', {'A': 1}, 'list of trait names'),
    ('novalite_vnc_listen', '300.1.1.1', 'IP address'),
    ('novalite_virt_type', 'xen', 'one of kvm, qemu'),
    ('novalite_host_ip', 'not-an-ip', 'IP address'),
    ('novalite_physical_interface_mappings', 'physnet1', 'physnet:interface pairs'),
    ('novalite_physical_interface_mappings', {'physnet1': 'eth0; reboot'}, 'not an interface name'),
    ('novalite_physical_interface_mappings', {'physnet1': 'a' * 16}, 'not an interface name'),
    ('novalite_physical_interface_mappings', 'a:eth1,b:eth1', 'two physical networks to one interface'),
    ('novalite_physical_interface_mappings', ['eth1'], 'must be a dict'),
])
def test_bad_value_names_the_host_var(var, value, reason):
    with pytest.raises(InvalidInput) as info:
        settings.parse({var: value})
    assert info.value.field == var
    assert reason in info.value.reason


def test_unknown_override_is_rejected():
    with pytest.raises(InvalidInput) as info:
        settings.parse(cpu_ratio=2)
    assert info.value.field == 'cpu_ratio'
