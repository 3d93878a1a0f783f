# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What a compute host has to offer, read from libvirt (host side, no DB).

This is the reporting half of Nova's ``update_available_resource``: the
libvirt driver's ``get_available_resource``. One read-only connection and a
handful of calls, so the periodic report stays cheap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import struct
import subprocess

from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError, InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover - reported by the module
    etree = None
    HAS_LXML = False

GIB = 1024 ** 3
INSTANCES_PATH_VAR = 'novalite_instances_path'

# libvirt CPU feature -> os-traits name, for the features the scheduler's
# flavor/image trait requests use most (Nova's libvirt CPU_TRAITS_MAPPING, abridged).
_CPU_TRAITS = {
    'aes': 'HW_CPU_X86_AESNI',
    'avx': 'HW_CPU_X86_AVX',
    'avx2': 'HW_CPU_X86_AVX2',
    'avx512f': 'HW_CPU_X86_AVX512F',
    'avx512bw': 'HW_CPU_X86_AVX512BW',
    'avx512cd': 'HW_CPU_X86_AVX512CD',
    'avx512dq': 'HW_CPU_X86_AVX512DQ',
    'avx512vl': 'HW_CPU_X86_AVX512VL',
    'bmi1': 'HW_CPU_X86_BMI',
    'bmi2': 'HW_CPU_X86_BMI2',
    'f16c': 'HW_CPU_X86_F16C',
    'fma': 'HW_CPU_X86_FMA3',
    'sha-ni': 'HW_CPU_X86_SHA',
    'sse4.1': 'HW_CPU_X86_SSE41',
    'sse4.2': 'HW_CPU_X86_SSE42',
    'ssse3': 'HW_CPU_X86_SSSE3',
    'svm': 'HW_CPU_X86_SVM',
    'vmx': 'HW_CPU_X86_VMX',
}


def version_int(text_or_parts):
    """Nova's hypervisor_version: '7.2.22' -> 7002022 (major*1e6 + minor*1e3 + micro)."""
    parts = text_or_parts.split('.') if isinstance(text_or_parts, str) else list(text_or_parts)
    parts = [int(p) for p in parts][:3] + [0] * (3 - min(len(parts), 3))
    return parts[0] * 1000000 + parts[1] * 1000 + parts[2]


def version_text(number):
    """7002022 -> '7.2.22' (libvirt returns versions in this packed form)."""
    return '%d.%d.%d' % (number // 1000000, (number // 1000) % 1000, number % 1000)


def parse_capabilities(xml):
    """Host UUID, CPU description (Nova's cpu_info) and supported instances from capabilities XML."""
    doc = etree.fromstring(xml.encode('utf-8') if isinstance(xml, str) else xml)
    cpu = doc.find('host/cpu')
    topology = cpu.find('topology') if cpu is not None else None
    cpu_info = {
        'arch': cpu.findtext('arch') if cpu is not None else None,
        'model': cpu.findtext('model') if cpu is not None else None,
        'vendor': cpu.findtext('vendor') if cpu is not None else None,
        'topology': {},
        'features': sorted(f.get('name') for f in cpu.findall('feature')) if cpu is not None else [],
    }
    if topology is not None:
        for key in ('sockets', 'cores', 'threads'):
            if topology.get(key) is not None:
                cpu_info['topology'][key] = int(topology.get(key))
    # (arch, hypervisor type, vm mode) triples, as Nova's supported_instances,
    # which the ImagePropertiesFilter compares with image metadata.
    supported = []
    for guest in doc.findall('guest'):
        os_type = guest.findtext('os_type')
        arch = guest.find('arch')
        if arch is None:
            continue
        for domain in arch.findall('domain'):
            triple = [arch.get('name'), domain.get('type'), os_type]
            if triple not in supported:
                supported.append(triple)
    return {
        'host_uuid': doc.findtext('host/uuid'),
        'cpu_info': cpu_info,
        'supported_instances': supported,
    }


def cpu_traits(features):
    return sorted({_CPU_TRAITS[f] for f in features if f in _CPU_TRAITS})


def disk_usage(instances_path):
    """(local_gb, free_disk_gb) of the filesystem that holds (or will hold) instances_path.

    The directory is not created here (the boot path does that); if it does
    not exist yet, the nearest existing ancestor is measured, after checking
    the directory could be created there.
    """
    if not instances_path or not os.path.isabs(instances_path):
        raise InvalidInput(INSTANCES_PATH_VAR, 'must be an absolute path, got %r' % (instances_path,))
    probe = instances_path
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        raise InvalidInput(INSTANCES_PATH_VAR, '%s cannot be created: %s is not a directory'
                           % (instances_path, probe))
    if probe != instances_path and not os.access(probe, os.W_OK | os.X_OK):
        raise InvalidInput(INSTANCES_PATH_VAR, '%s cannot be created: %s is not writable'
                           % (instances_path, probe))
    try:
        stat = os.statvfs(probe)
    except OSError as exc:
        raise InvalidInput(INSTANCES_PATH_VAR, 'cannot measure %s: %s' % (probe, exc.strerror))
    return (stat.f_blocks * stat.f_frsize) // GIB, (stat.f_bavail * stat.f_frsize) // GIB


def default_route_ip():
    """The IPv4 address of the interface holding the default route (Nova's my_ip guess).

    Read from /proc and one ioctl, so no packet is sent and no name is resolved.
    """
    try:
        import fcntl
        with open('/proc/net/route') as routes:
            next(routes)
            for line in routes:
                fields = line.split()
                if len(fields) > 2 and fields[1] == '00000000':
                    iface = fields[0]
                    break
            else:
                return None
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # SIOCGIFADDR: the interface's IPv4 address.
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack('256s', iface[:15].encode()))
        finally:
            sock.close()
        return socket.inet_ntoa(packed[20:24])
    except (IOError, OSError, StopIteration, ImportError):
        return None


def gather(libvirt_uri=None, instances_path='/var/lib/novalite/instances', virt_type=None):
    """The host's facts as a JSON-able dict (the ``host_facts`` module's result)."""
    if virt_type is not None and virt_type not in ('kvm', 'qemu'):
        raise InvalidInput('novalite_virt_type', 'must be one of kvm, qemu, got %r' % (virt_type,))
    if not HAS_LXML:
        raise HypervisorError('lxml is not installed', field='libvirt_uri')
    # Check the path first: a bad value fails before we talk to libvirt.
    local_gb, free_disk_gb = disk_usage(instances_path)
    uri = libvirt_uri or connection.DEFAULT_URI
    conn = connection.open_connection(uri, readonly=True)
    try:
        caps = parse_capabilities(conn.getCapabilities())
        info = conn.getInfo()   # [arch, memory MiB, cpus, MHz, nodes, sockets, cores, threads]
        memory_mb = info[1]
        try:
            # Host-wide /proc/meminfo total; nodeGetInfo sums NUMA nodes and
            # undercounts where sysfs does not list all memory (seen on microVMs).
            stats = conn.getMemoryStats(-1, 0)
            memory_mb = max(memory_mb, int(stats['total']) // 1024)
            memory_mb_free = (int(stats.get('free', 0)) + int(stats.get('buffers', 0))
                              + int(stats.get('cached', 0))) // 1024
        except Exception:  # noqa: BLE001 - optional refinement, libvirt may refuse it remotely
            memory_mb_free = None
        try:
            # Online CPUs only, as Nova's driver counts them.
            vcpus = conn.getCPUMap(0)[1].count(True)
        except Exception:  # noqa: BLE001 - older drivers lack it
            vcpus = info[2]
        arch = caps['cpu_info']['arch'] or info[0]
        detected = connection.detect_virt_type(conn, arch)
        facts = {
            'hostname': conn.getHostname(),
            'host_uuid': caps['host_uuid'],
            'host_ip': default_route_ip() if _is_local(uri) else None,
            'libvirt_uri': uri,
            'instances_path': instances_path,
            'vcpus': vcpus,
            'memory_mb': memory_mb,
            'memory_mb_free': memory_mb_free,
            'local_gb': local_gb,
            'free_disk_gb': free_disk_gb,
            'cpu_arch': arch,
            'cpu_info': caps['cpu_info'],
            'cpu_traits': cpu_traits(caps['cpu_info']['features']),
            'hypervisor_type': conn.getType(),
            'hypervisor_version': conn.getVersion(),
            'libvirt_version': conn.getLibVersion(),
            'virt_type': virt_type or detected,
            'virt_type_detected': detected,
            # /dev/kvm can exist without usable KVM: advertise only what can boot.
            'supported_instances': [t for t in caps['supported_instances']
                                    if t[1] != 'kvm' or detected == 'kvm'],
            'running_vms': conn.numOfDomains(),
        }
    except InvalidInput:
        raise
    except Exception as exc:  # libvirtError and parsing surprises
        msg = exc.get_error_message() if hasattr(exc, 'get_error_message') else str(exc)
        raise HypervisorError('libvirt_uri %s: cannot read host facts: %s' % (uri, msg), field='libvirt_uri')
    finally:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass
    facts['uptime'] = uptime()
    facts['hypervisor_version_text'] = version_text(facts['hypervisor_version'])
    facts['libvirt_version_text'] = version_text(facts['libvirt_version'])
    if virt_type == 'kvm' and detected != 'kvm':
        raise InvalidInput('novalite_virt_type', 'kvm requested but this host has no usable KVM (detected %s)'
                           % detected)
    return facts


def uptime():
    """What ``uptime`` prints on this host in the C locale (Nova's libvirt driver answers the hypervisor
    uptime API so), without its newline; None when it cannot run."""
    try:
        done = subprocess.run(['uptime'], env=dict(os.environ, LANG='C', LC_ALL='C'), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.rstrip('\n') or None if done.returncode == 0 else None


def _is_local(uri):
    """A URI without a host part talks to this machine's libvirt."""
    rest = uri.split('://', 1)[1] if '://' in uri else ''
    return rest.startswith('/') or rest == ''
