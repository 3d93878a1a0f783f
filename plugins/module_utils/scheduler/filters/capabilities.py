# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""ComputeCapabilitiesFilter (flavor extra specs) and ImagePropertiesFilter (image metadata).

Both evaluate each distinct host value once and map the answer back to all
hosts through the dictionary-encoded columns of HostState.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import operator
import re

from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters.base import BaseHostFilter

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None


def _numeric(compare):
    def run(value, wanted):
        try:
            return compare(float(value), float(wanted))
        except (TypeError, ValueError):
            return False
    return run


# Nova's extra_specs_ops: '=' means "at least" for numbers; s-prefixed ops compare strings
_OPS = {
    '=': _numeric(operator.ge),
    '==': _numeric(operator.eq),
    '!=': _numeric(operator.ne),
    '>=': _numeric(operator.ge),
    '<=': _numeric(operator.le),
    's==': operator.eq,
    's!=': operator.ne,
    's<': operator.lt,
    's<=': operator.le,
    's>': operator.gt,
    's>=': operator.ge,
    '<in>': lambda value, wanted: wanted in value,
    '<all-in>': None,
    '<or>': None,
}


def match(value, requirement):
    """Does host ``value`` (a string or None) satisfy an extra spec such as '>= 4' or '<or> a <or> b'?"""
    words = requirement.split()
    op = words[0] if words else None
    if op not in _OPS:
        return value == requirement
    if value is None:
        return False
    args = words[1:]
    if op == '<or>':
        # "<or> a <or> b": every other word is a choice
        return value in args[0::2]
    if not args:
        return False
    if op == '<all-in>':
        return all(word in value for word in args)
    return _OPS[op](value, args[0])


def relevant_specs(extra_specs):
    """[(path tuple, requirement)] for capabilities-scoped and unscoped keys, as Nova checks."""
    out = []
    for key, requirement in sorted(extra_specs.items()):
        scope = key.split(':')
        if len(scope) > 1:
            if scope[0] != 'capabilities':
                continue
            scope = scope[1:]
        out.append((tuple(scope), str(requirement)))
    return out


class ComputeCapabilitiesFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        return all(match(host_state.capability(path), req) for path, req in relevant_specs(spec.extra_specs))

    def filter_all(self, state, spec):
        mask = np.ones(state.n, dtype=bool)
        for path, requirement in relevant_specs(spec.extra_specs):
            codes, values = state.capability_column(path)
            ok = np.fromiter((match(v, requirement) for v in values), dtype=bool, count=len(values))
            mask &= ok[codes] if len(values) else mask
        return mask

    def explain(self, state, spec, removed):
        failing = []
        for path, requirement in relevant_specs(spec.extra_specs):
            codes, values = state.capability_column(path)
            ok = np.fromiter((match(v, requirement) for v in values), dtype=bool, count=len(values))
            if len(values) and not ok[codes[removed]].all():
                failing.append('%s %s' % (':'.join(path), requirement))
        return 'no match for ' + '; '.join(failing) if failing else ''


_ARCH_ALIASES = {'amd64': 'x86_64', 'x64': 'x86_64', 'x86-64': 'x86_64', 'i386': 'i686', 'x86': 'i686',
                 'arm64': 'aarch64'}
_VM_MODE_ALIASES = {'hv': 'hvm', 'qemu': 'hvm', 'kvm': 'hvm', 'pv': 'xen', 'xen': 'xen', 'hvm': 'hvm',
                    'baremetal': 'hvm'}
_VERSION_RE = re.compile(r'^\s*(>=|<=|==|!=|>|<|=)?\s*([0-9]+(?:\.[0-9]+)*)\s*$')


def _version_tuple(number):
    # libvirt encodes 7.2.22 as 7002022
    number = int(number)
    return (number // 1000000, (number // 1000) % 1000, number % 1000)


def _version_ok(host_version, requirement):
    found = _VERSION_RE.match(str(requirement))
    if not found or host_version < 0:
        return False
    op = found.group(1) or '>='
    wanted = tuple(int(p) for p in found.group(2).split('.'))
    have = _version_tuple(host_version)[:len(wanted)]
    return {'>=': operator.ge, '<=': operator.le, '==': operator.eq, '=': operator.eq,
            '!=': operator.ne, '>': operator.gt, '<': operator.lt}[op](have, wanted)


def image_requirements(props):
    arch = props.get('hw_architecture') or props.get('architecture')
    hv_type = props.get('img_hv_type') or props.get('hypervisor_type')
    vm_mode = props.get('hw_vm_mode') or props.get('vm_mode')
    version = props.get('img_hv_requested_version')
    return (_ARCH_ALIASES.get(str(arch).lower(), str(arch).lower()) if arch else None,
            str(hv_type).lower() if hv_type else None,
            _VM_MODE_ALIASES.get(str(vm_mode).lower(), str(vm_mode).lower()) if vm_mode else None,
            version)


class ImagePropertiesFilter(BaseHostFilter):
    """Image hw_architecture, img_hv_type, hw_vm_mode, img_hv_requested_version against the host.

    libvirt/QEMU hosts run 'hvm' guests; a kvm host also offers the 'qemu'
    hypervisor type (TCG), a qemu-only host does not offer 'kvm'.
    """

    run_filter_for_each_instance = False
    RUN_ON_REBUILD = True

    def _masks(self, state, spec):
        arch, hv_type, vm_mode, version = image_requirements(spec.image_properties)
        masks = []
        if arch:
            code = state.arch_lookup.get(arch)
            masks.append(('hw_architecture=%s' % arch,
                          state.arch_codes == code if code is not None else np.zeros(state.n, dtype=bool)))
        if hv_type:
            qemu_host = state.hv_type_codes == state.hv_type_lookup.get('qemu', -1)
            if hv_type == 'qemu':
                ok = qemu_host
            elif hv_type == 'kvm':
                ok = qemu_host & (state.virt_codes == state.virt_lookup.get('kvm', -1))
            else:
                ok = state.hv_type_codes == state.hv_type_lookup.get(hv_type, -1)
            masks.append(('img_hv_type=%s' % hv_type, ok))
        if vm_mode:
            ok = np.full(state.n, vm_mode == 'hvm', dtype=bool)
            masks.append(('hw_vm_mode=%s' % vm_mode, ok))
        if version:
            versions, inverse = np.unique(state.hypervisor_version, return_inverse=True)
            ok = np.fromiter((_version_ok(v, version) for v in versions), dtype=bool, count=len(versions))
            masks.append(('img_hv_requested_version %s' % version, ok[inverse.reshape(-1)]))
        return masks

    def filter_all(self, state, spec):
        mask = np.ones(state.n, dtype=bool)
        for _label, ok in self._masks(state, spec):
            mask &= ok
        return mask

    def host_passes(self, host_state, spec):
        arch, hv_type, vm_mode, version = image_requirements(spec.image_properties)
        if arch and (host_state.cpu_arch or '').lower() != arch:
            return False
        host_hv = (host_state.hypervisor_type or '').lower()
        if hv_type == 'kvm' and not (host_hv == 'qemu' and host_state.virt_type == 'kvm'):
            return False
        if hv_type and hv_type != 'kvm' and host_hv != hv_type:
            return False
        if vm_mode and vm_mode != 'hvm':
            return False
        if version and not _version_ok(host_state.hypervisor_version, version):
            return False
        return True

    def explain(self, state, spec, removed):
        return 'no match for ' + '; '.join(label for label, ok in self._masks(state, spec)
                                           if not ok[removed].all())
