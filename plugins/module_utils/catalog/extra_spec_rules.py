# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Known flavor extra specs and the values they take (compute API microversion 2.86).

From 2.86 Nova refuses, on ``POST /flavors/{id}/os-extra_specs`` and
``PUT /flavors/{id}/os-extra_specs/{key}``, a key of a namespace it knows
(``hw:``, ``quota:``, ``resources1:``...) that is not one of its keys, and a known
key whose value has the wrong type or is out of range; keys of other namespaces
(``mycorp:thing``) and keys without one pass untouched.

``RULES`` is that table as data, in Nova's registration order: a name (with
``{param}`` placeholders whose patterns are in ``params``), the value type
(``bool``, ``int``, ``str``) and its limits (``enum``, ``min``, ``max``,
``pattern``). Names are matched and messages worded as Nova does, so a client
sees the same refusals. The standard traits and resource classes are those of
os-traits 3.9.0 and os-resource-classes 1.1.0.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

# A request group suffix: ``resources``, ``resources1``, ``trait_gpu``...
GROUP = r'([a-zA-Z0-9_-]{1,64})?'
# A CPU set such as ``0-3,^2,5``.
CPU_SET = r'\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'
# oslo.utils' strict boolean words (compared stripped and lowercased).
TRUE_WORDS = ('1', 't', 'true', 'on', 'y', 'yes')
FALSE_WORDS = ('0', 'f', 'false', 'off', 'n', 'no')

STANDARD_RESOURCE_CLASSES = (
    'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF', 'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD',
    'NUMA_MEMORY_MB', 'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD', 'NET_BW_EGR_KILOBIT_PER_SEC',
    'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU', 'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU',
    'NET_PACKET_RATE_KILOPACKET_PER_SEC', 'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
    'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC',
)

# Standard trait names, by prefix: 'HW_CPU_X86': 'AVX AVX2' stands for HW_CPU_X86_AVX and HW_CPU_X86_AVX2.
_TRAITS_BY_PREFIX = {
    'COMPUTE': (
        'ACCELERATORS ADDRESS_SPACE_EMULATED ADDRESS_SPACE_PASSTHROUGH DEVICE_TAGGING MANAGED_PCI_DEVICE '
        'MEM_BACKING_FILE NODE REMOTE_MANAGED_PORTS RESCUE_BFV SAME_HOST_COLD_MIGRATE SHARE_LOCAL_FS '
        'SOCKET_PCI_NUMA_AFFINITY TRUSTED_CERTS'),
    'COMPUTE_ARCH': 'AARCH64 MIPSEL PPC64LE RISCV64 S390X X86_64',
    'COMPUTE_CONFIG_DRIVE': 'REGENERATION',
    'COMPUTE_EPHEMERAL': 'ENCRYPTION ENCRYPTION_LUKS ENCRYPTION_LUKSV2 ENCRYPTION_PLAIN',
    'COMPUTE_FIRMWARE': 'BIOS UEFI',
    'COMPUTE_GRAPHICS': (
        'MODEL_BOCHS MODEL_CIRRUS MODEL_GOP MODEL_NONE MODEL_QXL MODEL_VGA MODEL_VIRTIO MODEL_VMVGA '
        'MODEL_XEN'),
    'COMPUTE_IMAGE': (
        'TYPE_AKI TYPE_AMI TYPE_ARI TYPE_ISO TYPE_PLOOP TYPE_QCOW2 TYPE_RAW TYPE_VDI TYPE_VHD TYPE_VHDX '
        'TYPE_VMDK'),
    'COMPUTE_MIGRATE': 'AUTO_CONVERGE POST_COPY',
    'COMPUTE_NET': (
        'ATTACH_INTERFACE ATTACH_INTERFACE_WITH_TAG VIF_MODEL_E1000 VIF_MODEL_E1000E VIF_MODEL_IGB '
        'VIF_MODEL_LAN9118 VIF_MODEL_NE2K_PCI VIF_MODEL_NETFRONT VIF_MODEL_PCNET VIF_MODEL_RTL8139 '
        'VIF_MODEL_SPAPR_VLAN VIF_MODEL_SRIOV VIF_MODEL_VIRTIO VIF_MODEL_VMXNET VIF_MODEL_VMXNET3 '
        'VIRTIO_PACKED'),
    'COMPUTE_SECURITY': (
        'STATELESS_FIRMWARE TPM_1_2 TPM_2_0 TPM_CRB TPM_SECRET_SECURITY_DEPLOYMENT '
        'TPM_SECRET_SECURITY_HOST TPM_SECRET_SECURITY_USER TPM_TIS UEFI_SECURE_BOOT'),
    'COMPUTE_SOUND': 'MODEL_AC97 MODEL_ES1370 MODEL_ICH6 MODEL_ICH9 MODEL_PCSPK MODEL_SB16 MODEL_USB MODEL_VIRTIO',
    'COMPUTE_STATUS': 'DISABLED',
    'COMPUTE_STORAGE': 'BUS_FDC BUS_IDE BUS_LXC BUS_SATA BUS_SCSI BUS_UML BUS_USB BUS_VIRTIO BUS_XEN VIRTIO_FS',
    'COMPUTE_USB': 'MODEL_NEC_XHCI MODEL_QEMU_XHCI',
    'COMPUTE_VIOMMU': 'MODEL_AUTO MODEL_INTEL MODEL_SMMUV3 MODEL_VIRTIO',
    'COMPUTE_VOLUME': 'ATTACH ATTACH_WITH_TAG EXTEND MULTI_ATTACH',
    'HW_ARCH': (
        'AARCH64 ALPHA ARMV6 ARMV7 ARMV7B CRIS I686 IA64 LM32 M68K MICROBLAZE MICROBLAZEEL MIPS MIPS64 '
        'MIPS64EL MIPSEL OPENRISC PARISC PARISC64 PPC PPC64 PPC64LE PPCEMB PPCLE S390 S390X SH4 SH4EB '
        'SPARC SPARC64 UNICORE32 X86_64 XTENSA XTENSAEB'),
    'HW_CPU': 'HYPERTHREADING',
    'HW_CPU_AARCH64': (
        'AES ASIMD ASIMDDP ASIMDHP ASIMDRDM ATOMICS CPUID CRC32 DCPOP EVTSTRM FCMA FP FPHP JSCVT LRCPC '
        'PMULL SHA1 SHA2 SHA3 SHA512 SM3 SM4 SVE'),
    'HW_CPU_AMD': 'SEV',
    'HW_CPU_PPC64LE': 'POWER8 POWER9',
    'HW_CPU_X86': (
        '3DNOW ABM AESNI AMXBF16 AMXINT8 AMXTILE ASF AVX AVX2 AVX512BITALG AVX512BW AVX512CD AVX512DQ '
        'AVX512ER AVX512F AVX512GFNI AVX512IFMA AVX512PF AVX512VAES AVX512VBMI AVX512VBMI2 AVX512VL '
        'AVX512VNNI AVX512VPCLMULQDQ AVX512VPOPCNTDQ BMI BMI2 CLMUL F16C FMA3 FMA4 MMX MPX PDPE1GB SGX '
        'SHA SSE SSE2 SSE3 SSE41 SSE42 SSE4A SSSE3 STIBP SVM TBM TSX VMX XOP'),
    'HW_CPU_X86_AMD': 'IBPB NO_SSB SEV SEV_ES SEV_SNP SSBD SVM VIRT_SSBD',
    'HW_CPU_X86_INTEL': 'MD_CLEAR PCID SPEC_CTRL SSBD TDX VMX',
    'HW_GPU_API': (
        'DIRECT2D DIRECT3D_V10_0 DIRECT3D_V10_1 DIRECT3D_V11_0 DIRECT3D_V11_1 DIRECT3D_V11_2 '
        'DIRECT3D_V11_3 DIRECT3D_V12_0 DIRECT3D_V6_0 DIRECT3D_V7_0 DIRECT3D_V8_0 DIRECT3D_V8_1 '
        'DIRECT3D_V9_0 DIRECT3D_V9_0B DIRECT3D_V9_0C DIRECT3D_V9_0L DIRECTX_V10 DIRECTX_V11 DIRECTX_V12 '
        'DXVA OPENCL_V1_0 OPENCL_V1_1 OPENCL_V1_2 OPENCL_V2_0 OPENCL_V2_1 OPENCL_V2_2 OPENGL_V1_1 '
        'OPENGL_V1_2 OPENGL_V1_3 OPENGL_V1_4 OPENGL_V1_5 OPENGL_V2_0 OPENGL_V2_1 OPENGL_V3_0 OPENGL_V3_1 '
        'OPENGL_V3_2 OPENGL_V3_3 OPENGL_V4_0 OPENGL_V4_1 OPENGL_V4_2 OPENGL_V4_3 OPENGL_V4_4 OPENGL_V4_5 '
        'VULKAN'),
    'HW_GPU_CUDA': (
        'COMPUTE_CAPABILITY_V1_0 COMPUTE_CAPABILITY_V1_1 COMPUTE_CAPABILITY_V1_2 COMPUTE_CAPABILITY_V1_3 '
        'COMPUTE_CAPABILITY_V2_0 COMPUTE_CAPABILITY_V2_1 COMPUTE_CAPABILITY_V3_0 COMPUTE_CAPABILITY_V3_2 '
        'COMPUTE_CAPABILITY_V3_5 COMPUTE_CAPABILITY_V3_7 COMPUTE_CAPABILITY_V5_0 COMPUTE_CAPABILITY_V5_2 '
        'COMPUTE_CAPABILITY_V5_3 COMPUTE_CAPABILITY_V6_0 COMPUTE_CAPABILITY_V6_1 COMPUTE_CAPABILITY_V6_2 '
        'COMPUTE_CAPABILITY_V7_0 COMPUTE_CAPABILITY_V7_1 COMPUTE_CAPABILITY_V7_2 SDK_V10_0 SDK_V6_5 '
        'SDK_V7_5 SDK_V8_0 SDK_V9_0 SDK_V9_1 SDK_V9_2'),
    'HW_GPU_MAX_DISPLAY_HEADS': '1 2 4 6 8',
    'HW_GPU_RESOLUTION': (
        'W1024H600 W1024H768 W1152H864 W1280H1024 W1280H720 W1280H768 W1280H800 W1360H768 W1366H768 '
        'W1440H900 W1600H1200 W1600H900 W1680H1050 W1920H1080 W1920H1200 W2560H1440 W2560H1600 W320H240 '
        'W3840H2160 W640H480 W7680H4320 W800H600'),
    'HW_NIC': 'MULTIQUEUE PROGRAMMABLE_PIPELINE SRIOV VMDQ',
    'HW_NIC_ACCEL': 'DEFLATE DIFFIEH ECC IPSEC LZS RSA SSL TLS',
    'HW_NIC_DCB': 'ETS PFC QCN',
    'HW_NIC_OFFLOAD': (
        'FDF GENEVE GRE GRO GSO L2CRC LRO LSO QINQ RDMA RX RXHASH RXVLAN SCS SG SWITCHDEV TCS TSO TX '
        'TXUDP TXVLAN UCS UFO VXLAN'),
    'HW_NIC_SRIOV': 'MULTIQUEUE QOS_RX QOS_TX TRUSTED',
    'HW_NUMA': 'ROOT',
    'HW_NVME': 'BES CES WZS',
    'HW_PCI': 'LIVE_MIGRATABLE ONE_TIME_USE',
    'MISC': 'SHARES_VIA_AGGREGATE',
    'OWNER': 'CYBORG NOVA',
    'STORAGE_DISK': 'HDD SSD',
}


STANDARD_TRAITS = frozenset(
    '%s_%s' % (prefix, suffix) for prefix, suffixes in _TRAITS_BY_PREFIX.items() for suffix in suffixes.split())


class Rule(object):
    """One known extra spec (or family of them): how its name is matched and what its value must be."""

    def __init__(self, name, value_type, params=None, enum=None, minimum=None, maximum=None, pattern=None):
        self.name = name
        self.value_type = value_type
        self.enum = tuple(enum) if enum is not None else None
        self.minimum = minimum
        self.maximum = maximum
        self.pattern = pattern
        # Placeholders become the parameter's pattern, the rest of the name is used as a regex as it
        # stands (so the '.' of 'hw:numa_cpus.{num}' matches any character, as it does in Nova).
        regex = name
        for param, param_pattern in (params or {}).items():
            regex = regex.replace('{%s}' % param, '(?P<%s>%s)' % (param, param_pattern))
        self.name_regex = regex
        self._name_re = re.compile(regex)
        self.namespace = regex.split(':', 1)[0] if ':' in regex else None

    def matches(self, name):
        return self._name_re.fullmatch(name) is not None

    def check_value(self, value):
        """Nova's refusal text for ``value`` (a string), or None when it is acceptable."""
        if self.value_type == 'int':
            return self._int_problem(value)
        if self.value_type == 'bool':
            if value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
                return None
            return "Validation failed; '%s' is not a valid boolean-like value." % value
        if self.pattern is not None:
            if re.fullmatch(self.pattern, value):
                return None
            return "Validation failed; '%s' is not of the format '%s'." % (value, self.pattern)
        if self.enum is not None and value not in self.enum:
            return "Validation failed; '%s' is not one of: %s." % (value, ', '.join(self.enum))
        return None

    def _int_problem(self, value):
        try:
            number = int(value)
        except ValueError:
            return "Validation failed; '%s' is not a valid integer value." % value
        if self.maximum is not None and number > self.maximum:
            return "Validation failed; '%s' is greater than the max value of '%s'." % (number, self.maximum)
        if self.minimum is not None and number < self.minimum:
            return "Validation failed; '%s' is less than the min value of '%s'." % (number, self.minimum)
        return None


def _any_of(words):
    return '(%s)' % '|'.join(words)


def _build_rules():
    rules = []

    def add(name, value_type, **kwargs):
        rules.append(Rule(name, value_type, **kwargs))

    add('accel:device_profile', 'str')
    add('aggregate_instance_extra_specs:{key}', 'str', params={'key': r'.+'})

    # Host state the ComputeCapabilitiesFilter compares; any value (it is an operator expression).
    for capability in (
            'id', 'uuid', 'service_id', 'host', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
            'local_gb_used', 'hypervisor_type', 'hypervisor_version', 'hypervisor_hostname', 'free_ram_mb',
            'free_disk_gb', 'current_workload', 'running_vms', 'disk_available_least', 'host_ip', 'mapped',
            'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio', 'total_usable_ram_mb',
            'total_usable_disk_gb', 'disk_mb_used', 'free_disk_mb', 'vcpus_total', 'num_instances',
            'num_io_ops', 'failed_builds', 'aggregates', 'cell_uuid', 'updated'):
        add('capabilities:%s' % capability, 'str')
    # ...and the nested ones, optionally followed by ':sub:key'.
    for capability in ('cpu_info', 'metrics', 'stats', 'numa_topology', 'supported_hv_specs', 'pci_device_pools',
                       'nodename', 'pci_stats', 'supported_instances', 'limits', 'instances'):
        add('capabilities:%s{filter}' % capability, 'str', params={'filter': r'(:\w+)*'})

    add('hw:cpu_realtime', 'bool')
    add('hw:cpu_realtime_mask', 'str', pattern=r'(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*')
    add('hw:hide_hypervisor_id', 'bool')
    add('hw:cpu_policy', 'str', enum=('dedicated', 'shared', 'mixed'))
    add('hw:cpu_thread_policy', 'str', enum=('prefer', 'isolate', 'require'))
    add('hw:emulator_threads_policy', 'str', enum=('isolate', 'share'))
    add('hw:cpu_dedicated_mask', 'str', pattern=CPU_SET)
    add('hw:mem_page_size', 'str', pattern=r'(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)')
    add('hw:locked_memory', 'bool')
    add('hw:numa_nodes', 'int', minimum=1)
    add('hw:numa_cpus.{num}', 'str', params={'num': r'\d+'}, pattern=CPU_SET)
    add('hw:numa_mem.{num}', 'int', params={'num': r'\d+'}, minimum=1)
    add('hw:pci_numa_affinity_policy', 'str', enum=('required', 'preferred', 'legacy', 'socket'))
    for topology in ('cpu_sockets', 'cpu_cores', 'cpu_threads', 'cpu_max_sockets', 'cpu_max_cores',
                     'cpu_max_threads'):
        add('hw:%s' % topology, 'int', minimum=1)
    add('hw:boot_menu', 'bool')
    add('hw:vif_multiqueue_enabled', 'bool')
    add('hw:mem_encryption', 'bool')
    add('hw:mem_encryption_model', 'str', enum=('amd-sev', 'amd-sev-es', 'amd-sev-snp'))
    add('hw:pmem', 'str', pattern='([a-zA-Z0-9_]+(,)?)+')
    add('hw:pmu', 'bool')
    add('hw:serial_port_count', 'int', minimum=0)
    add('hw:tpm_model', 'str', enum=('tpm-tis', 'tpm-crb'))
    add('hw:tpm_version', 'str', enum=('1.2', '2.0'))
    add('hw:tpm_secret_security', 'str', enum=('user', 'host', 'deployment'))
    add('hw:watchdog_action', 'str', enum=('none', 'pause', 'poweroff', 'reset', 'disabled'))
    add('hw:viommu_model', 'str', enum=('intel', 'smmuv3', 'virtio', 'auto'))
    add('hw:virtio_packed_ring', 'bool')
    add('hw:sound_model', 'str', enum=('sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich9', 'usb', 'virtio'))
    add('hw:usb_model', 'str', enum=('none', 'nec-xhci', 'qemu-xhci'))
    add('hw:redirected_usb_ports', 'int', minimum=0, maximum=15)
    add('hw:ephemeral_encryption', 'bool')
    add('hw:ephemeral_encryption_format', 'str', enum=('plain', 'luks', 'luksv2'))

    add('hw_rng:allowed', 'bool')
    add('hw_rng:rate_bytes', 'int', minimum=0)
    add('hw_rng:rate_period', 'int', minimum=0)
    add('hw_video:ram_max_mb', 'int', minimum=0)

    # The two keys Nova still knows without a namespace.
    add('hide_hypervisor_id', 'bool')
    add('group_policy', 'str', enum=('isolate', 'none'))

    add('os:secure_boot', 'str', enum=('disabled', 'required'))
    add('pci_passthrough:alias', 'str', pattern=r'[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*')

    # VMware limits, reservations and shares, per resource.
    for resource in ('cpu', 'memory', 'disk_io', 'vif'):
        add('quota:%s_limit' % resource, 'int', minimum=0)
        add('quota:%s_reservation' % resource, 'int')
        add('quota:%s_shares_level' % resource, 'str', enum=('custom', 'high', 'normal', 'low'))
        add('quota:%s_shares_share' % resource, 'int', minimum=0)
    # libvirt CPU tuning (a negative cpu_quota means unlimited), disk I/O and VIF bandwidth.
    add('quota:cpu_shares', 'int', minimum=0)
    add('quota:cpu_period', 'int', minimum=0)
    add('quota:cpu_quota', 'int')
    for direction in ('read', 'write', 'total'):
        for unit in ('bytes', 'iops'):
            add('quota:disk_%s_%s_sec' % (direction, unit), 'int', minimum=0)
    for direction in ('inbound', 'outbound'):
        for measure in ('average', 'peak', 'burst'):
            add('quota:vif_%s_%s' % (direction, measure), 'int', minimum=0)

    # Placement amounts and traits, for the unnamed group or a numbered/named one.
    add('resources{group}:{resource_class}', 'int',
        params={'group': GROUP, 'resource_class': _any_of(STANDARD_RESOURCE_CLASSES)})
    add('resources{group}:CUSTOM_{resource}', 'int', params={'group': GROUP, 'resource': r'[A-Z0-9_]+'})
    add('trait{group}:{trait}', 'str', params={'group': GROUP, 'trait': _any_of(sorted(STANDARD_TRAITS))},
        enum=('required', 'forbidden'))
    add('trait{group}:CUSTOM_{trait}', 'str', params={'group': GROUP, 'trait': r'[A-Z0-9_]+'},
        enum=('required', 'forbidden'))

    add('vmware:hw_version', 'str')
    add('vmware:storage_policy', 'str')
    return tuple(rules)


RULES = _build_rules()
_BY_NAME = dict((rule.name, rule) for rule in RULES if rule.name == rule.name_regex)
# Patterns (not plain words: 'resources' and 'trait' take a group suffix) of the namespaces Nova owns.
NAMESPACES = tuple(sorted(set(rule.namespace for rule in RULES if rule.namespace)))


def find_rule(name):
    """The rule that governs extra spec ``name``, or None when no rule names it."""
    rule = _BY_NAME.get(name)
    if rule is not None:
        return rule
    for rule in RULES:
        if rule.matches(name):
            return rule
    return None


def in_known_namespace(name):
    if ':' not in name:
        return False
    prefix = name.split(':', 1)[0]
    return any(re.fullmatch(namespace, prefix) for namespace in NAMESPACES)


def validate(name, value):
    """Refuse ``name``/``value`` as Nova's 2.86 does: InvalidInput naming ``extra_specs.<name>``.

    ``value`` may be the JSON scalar of the request (numbers and booleans are checked in their string form,
    ``True``/``5``/``1.5``, like Nova).
    """
    if not isinstance(value, str):
        value = str(value)
    rule = find_rule(name)
    if rule is not None:
        problem = rule.check_value(value)
    elif in_known_namespace(name):
        problem = "Validation failed; extra spec '%s' does not appear to be a valid extra spec." % name
    else:
        problem = None
    if problem:
        raise InvalidInput('extra_specs.%s' % name, problem)
