"""Known flavor extra specs (compute 2.86): every namespace Nova owns, its keys, value types and limits,
parameterised names, custom namespaces, and Nova's exact refusal messages."""

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.catalog import extra_spec_rules as rules
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

UNKNOWN = "Validation failed; extra spec '%s' does not appear to be a valid extra spec."


def refusal(name, value):
    with pytest.raises(InvalidInput) as caught:
        rules.validate(name, value)
    assert caught.value.field == 'extra_specs.%s' % name
    assert caught.value.message == 'extra_specs.%s: %s' % (name, caught.value.reason)
    return caught.value.reason


# One good value for every key (or key family) of every namespace Nova validates.
GOOD = [
    ('accel:device_profile', 'my-gpu-profile'),
    ('aggregate_instance_extra_specs:ssd', 'true'),
    ('aggregate_instance_extra_specs:any key.at all', 's== x'),
    ('capabilities:hypervisor_type', 's== QEMU'),
    ('capabilities:vcpus', '>= 4'),
    ('capabilities:cpu_info', '<in> x86_64'),
    ('capabilities:cpu_info:features', '<all-in> aes avx'),
    ('capabilities:stats:num_instances', '<= 10'),
    ('hw:cpu_realtime', 'yes'),
    ('hw:cpu_realtime_mask', '^0-1'),
    ('hw:hide_hypervisor_id', 'true'),
    ('hw:cpu_policy', 'dedicated'),
    ('hw:cpu_policy', 'shared'),
    ('hw:cpu_policy', 'mixed'),
    ('hw:cpu_thread_policy', 'isolate'),
    ('hw:emulator_threads_policy', 'share'),
    ('hw:cpu_dedicated_mask', '0-3,^2'),
    ('hw:mem_page_size', 'large'),
    ('hw:mem_page_size', '2048'),
    ('hw:mem_page_size', '1GiB'),
    ('hw:mem_page_size', '2MB'),
    ('hw:locked_memory', 'False'),
    ('hw:numa_nodes', '2'),
    ('hw:numa_cpus.0', '0,1'),
    ('hw:numa_cpus.12', '2-5,^3'),
    ('hw:numa_mem.0', '1024'),
    ('hw:pci_numa_affinity_policy', 'socket'),
    ('hw:cpu_sockets', '1'),
    ('hw:cpu_cores', '4'),
    ('hw:cpu_threads', '2'),
    ('hw:cpu_max_sockets', '2'),
    ('hw:cpu_max_cores', '8'),
    ('hw:cpu_max_threads', '2'),
    ('hw:boot_menu', 'on'),
    ('hw:vif_multiqueue_enabled', 'true'),
    ('hw:mem_encryption', 'True'),
    ('hw:mem_encryption_model', 'amd-sev-snp'),
    ('hw:pmem', '6GB,LARGE_PMEM'),
    ('hw:pmu', 'off'),
    ('hw:serial_port_count', '0'),
    ('hw:tpm_model', 'tpm-crb'),
    ('hw:tpm_version', '2.0'),
    ('hw:tpm_secret_security', 'deployment'),
    ('hw:watchdog_action', 'poweroff'),
    ('hw:viommu_model', 'auto'),
    ('hw:virtio_packed_ring', 'n'),
    ('hw:sound_model', 'ich9'),
    ('hw:usb_model', 'qemu-xhci'),
    ('hw:redirected_usb_ports', '15'),
    ('hw:ephemeral_encryption', '1'),
    ('hw:ephemeral_encryption_format', 'luksv2'),
    ('hw_rng:allowed', 'true'),
    ('hw_rng:rate_bytes', '24'),
    ('hw_rng:rate_period', '5000'),
    ('hw_video:ram_max_mb', '64'),
    ('hide_hypervisor_id', 'true'),
    ('group_policy', 'isolate'),
    ('os:secure_boot', 'required'),
    ('pci_passthrough:alias', 'a1:2'),
    ('pci_passthrough:alias', 'a1:2, gpu-x:1'),
    ('quota:cpu_limit', '1000'),
    ('quota:cpu_reservation', '-5'),
    ('quota:memory_shares_level', 'custom'),
    ('quota:disk_io_shares_share', '100'),
    ('quota:vif_limit', '0'),
    ('quota:cpu_shares', '1024'),
    ('quota:cpu_period', '20000'),
    ('quota:cpu_quota', '-1'),
    ('quota:disk_read_bytes_sec', '10240000'),
    ('quota:disk_total_iops_sec', '500'),
    ('quota:vif_inbound_average', '1000'),
    ('quota:vif_outbound_burst', '0'),
    ('resources:VCPU', '2'),
    ('resources1:VCPU', '1'),
    ('resources_gpu:VGPU', '1'),
    ('resources:PCPU', '0'),
    ('resources:CUSTOM_MAGIC', '1'),
    ('resources-a_b9:CUSTOM_X_1', '3'),
    ('trait:HW_CPU_X86_AVX2', 'required'),
    ('trait1:COMPUTE_STATUS_DISABLED', 'forbidden'),
    ('trait:STORAGE_DISK_SSD', 'required'),
    ('trait:CUSTOM_FOO', 'forbidden'),
    ('trait_g2:CUSTOM_BAR_9', 'required'),
    ('vmware:hw_version', 'vmx-13'),
    ('vmware:storage_policy', 'gold'),
]


@pytest.mark.parametrize('name,value', GOOD)
def test_known_good_values_are_accepted(name, value):
    assert rules.validate(name, value) is None


def test_every_family_has_a_good_value_above():
    covered = set(rules.find_rule(name).name for name, _v in GOOD)
    generated = set(r.name for r in rules.RULES if r.name.split(':')[0] in ('capabilities', 'quota'))
    assert set(r.name for r in rules.RULES) - covered - generated == set()


@pytest.mark.parametrize('rule', [r for r in rules.RULES if r.name == r.name_regex and r.pattern is None],
                         ids=lambda r: r.name)
def test_every_plain_key_takes_its_type_and_refuses_others(rule):
    if rule.value_type == 'int':
        good = [str(rule.minimum if rule.minimum is not None else -3), str(rule.maximum or 10 ** 9)]
    elif rule.value_type == 'bool':
        good = ['true', 'no']
    else:
        good = list(rule.enum or ['any text'])
    for value in good:
        assert rules.validate(rule.name, value) is None
    if rule.value_type != 'str' or rule.enum:
        assert refusal(rule.name, 'x-%s' % rule.value_type).startswith("Validation failed; 'x-")
    if rule.minimum is not None:
        assert refusal(rule.name, str(rule.minimum - 1)).endswith("is less than the min value of '%d'." % rule.minimum)


@pytest.mark.parametrize('name,value,reason', [
    ('hw:cpu_policy', 'sometimes', "'sometimes' is not one of: dedicated, shared, mixed."),
    ('hw:cpu_policy', 'Dedicated', "'Dedicated' is not one of: dedicated, shared, mixed."),
    ('hw:cpu_thread_policy', 'never', "'never' is not one of: prefer, isolate, require."),
    ('hw:pci_numa_affinity_policy', 'x', "'x' is not one of: required, preferred, legacy, socket."),
    ('hw:watchdog_action', 'explode', "'explode' is not one of: none, pause, poweroff, reset, disabled."),
    ('hw:sound_model', 'hda', "'hda' is not one of: sb16, es1370, pcspk, ac97, ich6, ich9, usb, virtio."),
    ('hw:tpm_version', '3', "'3' is not one of: 1.2, 2.0."),
    ('hw:ephemeral_encryption_format', 'LUKS', "'LUKS' is not one of: plain, luks, luksv2."),
    ('group_policy', 'all', "'all' is not one of: isolate, none."),
    ('os:secure_boot', 'optional', "'optional' is not one of: disabled, required."),
    ('quota:cpu_shares_level', 'max', "'max' is not one of: custom, high, normal, low."),
    ('trait:HW_CPU_X86_AVX2', 'preferred', "'preferred' is not one of: required, forbidden."),
    ('trait:CUSTOM_FOO', 'yes', "'yes' is not one of: required, forbidden."),
    ('hw:numa_nodes', '0', "'0' is less than the min value of '1'."),
    ('hw:numa_nodes', 'two', "'two' is not a valid integer value."),
    ('hw:numa_nodes', '1.5', "'1.5' is not a valid integer value."),
    ('hw:numa_mem.1', '0', "'0' is less than the min value of '1'."),
    ('hw:cpu_sockets', '-1', "'-1' is less than the min value of '1'."),
    ('hw:serial_port_count', '-1', "'-1' is less than the min value of '0'."),
    ('hw:redirected_usb_ports', '16', "'16' is greater than the max value of '15'."),
    ('hw:redirected_usb_ports', ' 16 ', "'16' is greater than the max value of '15'."),
    ('hw_rng:rate_bytes', '-1', "'-1' is less than the min value of '0'."),
    ('hw_video:ram_max_mb', 'lots', "'lots' is not a valid integer value."),
    ('quota:disk_write_iops_sec', '-10', "'-10' is less than the min value of '0'."),
    ('resources:VCPU', 'x', "'x' is not a valid integer value."),
    ('resources2:CUSTOM_GPU', '', "'' is not a valid integer value."),
    ('hw:cpu_realtime', 'maybe', "'maybe' is not a valid boolean-like value."),
    ('hw:mem_encryption', '', "'' is not a valid boolean-like value."),
    ('hide_hypervisor_id', 'hidden', "'hidden' is not a valid boolean-like value."),
    ('hw_rng:allowed', '2', "'2' is not a valid boolean-like value."),
    ('hw:cpu_realtime_mask', '0-1,a', "'0-1,a' is not of the format '(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'."),
    ('hw:cpu_dedicated_mask', '', "'' is not of the format '\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'."),
    ('hw:numa_cpus.0', '0-', "'0-' is not of the format '\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'."),
    ('hw:mem_page_size', 'huge', "'huge' is not of the format '(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'."),
    ('hw:pmem', 'a b', "'a b' is not of the format '([a-zA-Z0-9_]+(,)?)+'."),
    ('pci_passthrough:alias', 'gpu', "'gpu' is not of the format '[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*'."),
])
def test_bad_values_are_refused_with_novas_message(name, value, reason):
    assert refusal(name, value) == 'Validation failed; ' + reason


@pytest.mark.parametrize('name', [
    'hw:cpu_polcy',                      # misspelt
    'hw:numa_cpus',                      # family needs its node number
    'hw:numa_cpus.x',
    'hw:numa_mem.-1',
    'hw:cpu_policy.0',
    'hw_rng:rate',
    'hw_video:ram_max',
    'os:secure',
    'accel:other',
    'vmware:hw',
    'pci_passthrough:aliases',
    'capabilities:bogus',
    'capabilities:cpu_info:',            # a nested filter needs a word after each ':'
    'quota:cpu_limits',
    'quota:disk_read_bytes',
    'resources:VCPUS',                   # not a standard resource class
    'resources:custom_magic',            # custom classes are upper case
    'resources:CUSTOM_',
    'trait:HW_CPU_X86_AVX3',             # not a standard trait
    'trait:CUSTOM_lower',
    'traits:NOT_A_TRAIT',                # "traits" is trait + group "s": still Nova's namespace
    'aggregate_instance_extra_specs:',   # a key is needed after the namespace
])
def test_unknown_key_in_a_known_namespace_is_refused(name):
    assert refusal(name, 'required') == UNKNOWN % name


@pytest.mark.parametrize('name', [
    'mycorp:thing', 'mycorp:hw:cpu_policy', 'hwx:cpu_policy', 'hardware:cpu_policy', 'HW:cpu_policy',
    'resource:VCPU', 'quotas:cpu_shares', 'no_namespace_at_all', 'cpu_policy', 'hw.cpu_policy',
])
def test_custom_namespace_and_unnamespaced_keys_pass(name):
    assert rules.validate(name, 'anything at all') is None


def test_group_suffix_of_64_characters_is_still_a_group():
    assert rules.validate('resources%s:VCPU' % ('g' * 64), '1') is None
    assert rules.validate('trait%s:HW_CPU_X86_AVX2' % ('9' * 64), 'required') is None
    assert rules.validate('traits:HW_CPU_X86_AVX2', 'required') is None
    assert refusal('resources%s:VCPU' % ('g' * 64), 'x') == "Validation failed; 'x' is not a valid integer value."
    # one more character and the prefix is no longer Nova's namespace: a custom key, not checked
    assert rules.validate('resources%s:VCPU' % ('g' * 65), 'x') is None
    assert rules.validate('trait%s:NOT_A_TRAIT' % ('9' * 65), 'x') is None


def test_name_patterns_match_as_nova_builds_them():
    # the '.' of hw:numa_cpus.{num} is a regex wildcard in Nova's name pattern
    assert rules.validate('hw:numa_cpusX3', '0') is None
    assert refusal('hw:numa_cpusX3', 'a').startswith("Validation failed; 'a' is not of the format")
    assert rules.find_rule('trait-x:HW_NIC_SRIOV').name == 'trait{group}:{trait}'
    assert rules.find_rule('trait:CUSTOM_HW_NIC').name == 'trait{group}:CUSTOM_{trait}'
    assert rules.find_rule('resources:CUSTOM_VCPU').name == 'resources{group}:CUSTOM_{resource}'


def test_json_numbers_and_booleans_are_checked_as_their_string_form():
    assert rules.validate('hw:numa_nodes', 2) is None
    assert rules.validate('hw:pmu', True) is None                  # 'True'
    assert rules.validate('hw:cpu_realtime', 0) is None            # '0'
    assert refusal('hw:numa_nodes', 2.0) == "Validation failed; '2.0' is not a valid integer value."
    assert refusal('hw:cpu_policy', False) == "Validation failed; 'False' is not one of: dedicated, shared, mixed."
    assert refusal('hw:redirected_usb_ports', 99) == "Validation failed; '99' is greater than the max value of '15'."


def test_booleans_take_oslo_spellings_in_any_case_and_padding():
    for word in ('1', 't', 'TRUE', 'On', 'y', 'yes', '0', 'F', 'false', ' off ', 'N', 'No'):
        assert rules.validate('hw:boot_menu', word) is None
    for word in ('2', 'enabled', 'truthy', 'nope'):
        refusal('hw:boot_menu', word)


def test_unconstrained_values_take_anything():
    for name in ('accel:device_profile', 'vmware:hw_version', 'capabilities:host', 'aggregate_instance_extra_specs:k'):
        assert rules.validate(name, '') is None
        assert rules.validate(name, 'x' * 255) is None


def test_table_size_matches_novas_registrations():
    # Nova registers one validator per standard trait/resource class; here each is one family rule.
    assert len(rules.STANDARD_TRAITS) == 377
    assert len(rules.STANDARD_RESOURCE_CLASSES) == 21
    assert 'HW_CPU_X86_AVX2' in rules.STANDARD_TRAITS and 'COMPUTE_STATUS_DISABLED' in rules.STANDARD_TRAITS
    assert len(rules.RULES) == 129
    assert len(set(r.name for r in rules.RULES)) == len(rules.RULES)
    assert set(ns for ns in rules.NAMESPACES if '(' not in ns) == {
        'accel', 'aggregate_instance_extra_specs', 'capabilities', 'hw', 'hw_rng', 'hw_video', 'os',
        'pci_passthrough', 'quota', 'vmware'}
    assert sorted(ns.split('(')[0] for ns in rules.NAMESPACES if '(' in ns) == ['resources', 'trait']


def test_catalog_applies_the_rules_unless_told_not_to():
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    with pytest.raises(InvalidInput) as caught:
        flavors.validate_extra_specs({'hw:cpu_policy': 'often', 'mycorp:x': 1})
    assert caught.value.field == 'extra_specs.hw:cpu_policy'
    assert caught.value.reason == "Validation failed; 'often' is not one of: dedicated, shared, mixed."
    # below 2.86 the API stores what it is given (as strings)
    assert flavors.validate_extra_specs({'hw:cpu_policy': 'often', 'hw:bogus': 2}, known_keys=False) == {
        'hw:cpu_policy': 'often', 'hw:bogus': '2'}
