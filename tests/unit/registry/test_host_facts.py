"""host_facts: libvirt's test driver for the fast path, the real qemu:///system for real numbers."""

import os
import re
import uuid

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.virt import host_facts

CAPS = """<capabilities><host><uuid>11111111-2222-3333-4444-555555555555</uuid>
<cpu><arch>x86_64</arch><model>Skylake</model><vendor>Intel</vendor>
<topology sockets='2' dies='1' cores='4' threads='2'/>
<feature name='vmx'/><feature name='avx2'/><feature name='sse4.2'/><feature name='ds'/></cpu></host>
<guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/><domain type='kvm'/></arch></guest>
<guest><os_type>hvm</os_type><arch name='i686'><domain type='qemu'/></arch></guest>
</capabilities>"""


def meminfo_total_mb():
    with open('/proc/meminfo') as fh:
        for line in fh:
            if line.startswith('MemTotal:'):
                return int(line.split()[1]) // 1024
    raise AssertionError('no MemTotal in /proc/meminfo')


def test_version_int_is_novas_packing():
    assert host_facts.version_int('7.2.22') == 7002022
    assert host_facts.version_int('9.0') == 9000000
    assert host_facts.version_text(7002022) == '7.2.22'


def test_parse_capabilities():
    caps = host_facts.parse_capabilities(CAPS)
    assert caps['host_uuid'] == '11111111-2222-3333-4444-555555555555'
    assert caps['cpu_info']['topology'] == {'sockets': 2, 'cores': 4, 'threads': 2}
    assert caps['cpu_info']['features'] == ['avx2', 'ds', 'sse4.2', 'vmx']
    assert caps['supported_instances'] == [['x86_64', 'qemu', 'hvm'], ['x86_64', 'kvm', 'hvm'], ['i686', 'qemu', 'hvm']]
    assert host_facts.cpu_traits(caps['cpu_info']['features']) == [
        'HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42', 'HW_CPU_X86_VMX']


def test_gather_on_the_test_driver(tmp_path):
    facts = host_facts.gather('test:///default', str(tmp_path))
    # The test driver's node is fixed; check consistency with what it and the OS report.
    assert facts['hypervisor_type'] == 'TEST'
    assert facts['vcpus'] > 0 and facts['memory_mb'] > 0
    stat = os.statvfs(str(tmp_path))
    assert facts['local_gb'] == stat.f_blocks * stat.f_frsize // 1024 ** 3
    assert abs(facts['free_disk_gb'] - stat.f_bavail * stat.f_frsize // 1024 ** 3) <= 1
    assert facts['running_vms'] == 1   # the test driver's predefined "test" domain
    assert facts['virt_type'] in ('kvm', 'qemu')
    # what `uptime` prints in the C locale, the hypervisor uptime API's text
    assert re.match(r'^ ?\d\d:\d\d:\d\d up .*load average: ', facts['uptime']), facts['uptime']


def test_uptime_is_none_when_uptime_cannot_run(monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    assert host_facts.uptime() is None


def test_missing_instances_path_is_measured_not_created(tmp_path):
    target = tmp_path / 'not' / 'yet' / 'instances'
    facts = host_facts.gather('test:///default', str(target))
    assert facts['instances_path'] == str(target)
    assert not (tmp_path / 'not').exists()


def test_instances_path_that_cannot_be_created(tmp_path):
    blocker = tmp_path / 'a-file'
    blocker.write_text('x')
    with pytest.raises(InvalidInput) as info:
        host_facts.gather('test:///default', str(blocker / 'instances'))
    assert info.value.field == 'novalite_instances_path' and 'not a directory' in info.value.reason
    with pytest.raises(InvalidInput) as info:
        host_facts.gather('test:///default', 'relative/instances')
    assert info.value.field == 'novalite_instances_path'


def test_bad_virt_type_and_unreachable_uri(tmp_path):
    with pytest.raises(InvalidInput) as info:
        host_facts.gather('test:///default', str(tmp_path), virt_type='xen')
    assert info.value.field == 'novalite_virt_type'
    sock = '/tmp/novalite-no-such-%s.sock' % uuid.uuid4().hex
    with pytest.raises(HypervisorError) as info:
        host_facts.gather('qemu+unix:///system?socket=%s' % sock, str(tmp_path))
    assert info.value.field == 'libvirt_uri'


@pytest.mark.libvirt
def test_gather_on_the_real_libvirt(tmp_path):
    facts = host_facts.gather('qemu:///system', str(tmp_path))
    assert facts['vcpus'] == os.cpu_count()
    assert abs(facts['memory_mb'] - meminfo_total_mb()) <= max(64, meminfo_total_mb() // 50)
    assert facts['cpu_arch'] == os.uname().machine == 'x86_64'
    assert facts['hypervisor_type'] == 'QEMU'
    major, minor, micro = facts['hypervisor_version_text'].split('.')
    assert facts['hypervisor_version'] == int(major) * 1000000 + int(minor) * 1000 + int(micro)
    assert facts['libvirt_version'] >= 9000000
    assert len(facts['host_uuid']) == 36
    assert facts['cpu_info']['arch'] == 'x86_64' and facts['cpu_info']['features']
    topo = facts['cpu_info']['topology']
    assert topo['sockets'] * topo['cores'] * topo['threads'] >= facts['vcpus']
    # Detected, not assumed: kvm only where /dev/kvm exists and libvirt says it is usable.
    assert facts['virt_type_detected'] in ('kvm', 'qemu')
    assert facts['virt_type'] == facts['virt_type_detected']
    if not os.path.exists('/dev/kvm'):
        assert facts['virt_type'] == 'qemu'
    assert ['x86_64', facts['virt_type'], 'hvm'] in facts['supported_instances']
    assert facts['running_vms'] >= 0
    assert facts['local_gb'] > 0 and 0 <= facts['free_disk_gb'] <= facts['local_gb']
