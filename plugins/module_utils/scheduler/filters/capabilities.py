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

from ansible_collections.novalite.compute.plugins.module_utils.scheduler import host_capabilities
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
            # Nova's float() raises here and the request errors out; a host whose value is not a
            # number simply does not match
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
    '<all-in>': lambda value, words: all(word in value for word in words),
}


def match(value, requirement):
    """Does host ``value`` (a string or None) satisfy an extra spec such as '>= 4' or '<or> a <or> b'?"""
    words = requirement.split()
    op = words[0] if words else None
    if op != '<or>' and op not in _OPS:
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
        return _OPS[op](value, args)
    return _OPS[op](value, args[0])


def relevant_specs(extra_specs):
    """[(path tuple, requirement, scoped)] of the extra specs the filter may check, as Nova reads them.

    ``capabilities:a:b`` is the path (a, b); another namespace is not about the host; an unscoped key is
    checked only on hosts that know it (``scoped`` False: see ``host_capabilities.checked``).
    ``hw:maxphysaddr_bits`` asks for at least that many bits in the host's cpu_info.
    """
    specs = dict(extra_specs)
    bits = specs.pop('hw:maxphysaddr_bits', None)
    if bits is not None:
        specs['capabilities:cpu_info:maxphysaddr:bits'] = '>= %s' % (bits,)
    out = []
    for key, requirement in sorted(specs.items()):
        scope = key.split(':')
        if len(scope) == 1:
            out.append((tuple(scope), str(requirement), False))
        elif scope[0] == 'capabilities':
            out.append((tuple(scope[1:]), str(requirement), True))
    return out


class ComputeCapabilitiesFilter(BaseHostFilter):
    run_filter_for_each_instance = False

    def host_passes(self, host_state, spec):
        for path, requirement, scoped in relevant_specs(spec.extra_specs):
            if not scoped and not host_state.knows_capability(path[0]):
                continue
            if not match(host_state.capability(path), requirement):
                return False
        return True

    def _spec_masks(self, state, spec):
        """([(label, bool column)] per checked extra spec: which hosts it lets through, their and)."""
        specs = tuple(relevant_specs(spec.extra_specs))
        if all(host_capabilities.is_static(path) for path, _requirement, _scoped in specs):
            return host_capabilities.static_masks(state, ('capabilities', specs),
                                                  lambda: _anded(self._compute_masks(state, specs), state.n))
        return _anded(self._compute_masks(state, specs), state.n)

    @staticmethod
    def _compute_masks(state, specs):
        masks = []
        for path, requirement, scoped in specs:
            codes, values = state.capability_column(path)
            ok = np.fromiter((match(v, requirement) for v in values), dtype=bool, count=len(values))
            passes = ok[codes] if len(values) else np.ones(state.n, dtype=bool)
            if not scoped:
                passes = passes | ~host_capabilities.checked(state, path[0])
            masks.append(('%s %s' % (':'.join(path), requirement), passes))
        return masks

    def filter_all(self, state, spec):
        return self._spec_masks(state, spec)[1]

    def explain(self, state, spec, removed):
        failing = [label for label, passes in self._spec_masks(state, spec)[0] if not passes[removed].all()]
        return 'no match for ' + '; '.join(failing) if failing else ''


def _anded(masks, n):
    """(masks, the and of their columns over ``n`` hosts): the column is what filter_all answers."""
    mask = np.ones(n, dtype=bool)
    for _label, ok in masks:
        mask &= ok
    return masks, mask


# Nova's Architecture / HVType / VMMode canonicalize
_ARCH_ALIASES = {'i386': 'i686', 'i486': 'i686', 'i586': 'i686', 'x86_32': 'i686', 'x86_32p': 'i686',
                 'amd64': 'x86_64'}
_HV_TYPE_ALIASES = {'xapi': 'xen'}
_VM_MODE_ALIASES = {'pv': 'xen', 'hv': 'hvm', 'baremetal': 'hvm'}
# oslo's VersionPredicate: comma-separated "op version" terms, every one must hold
_PREDICATE_RE = re.compile(r'^\s*(<=|>=|<|>|!=|==)\s*([^\s,]+)\s*$')
_PREDICATE_OPS = {'<=': operator.le, '>=': operator.ge, '<': operator.lt, '>': operator.gt,
                  '!=': operator.ne, '==': operator.eq}


def _version_tuple(number):
    """oslo's convert_version_to_str then _to_tuple: libvirt's 7002022 is (7, 2, 22), 7000000 is (7, 0, 0)."""
    number = int(number)
    parts = []
    while number:
        parts.insert(0, number % 1000)
        number //= 1000
    return tuple(parts)


def _predicate(requirement):
    """[(op, version tuple)] or None when oslo would refuse the text."""
    terms = []
    for term in str(requirement).split(','):
        found = _PREDICATE_RE.match(term)
        if not found:
            return None
        version = re.sub(r'(\d+)(a|alpha|b|beta|rc)\d+$', '\\1', found.group(2))
        try:
            terms.append((_PREDICATE_OPS[found.group(1)], tuple(int(p) for p in version.split('.'))))
        except ValueError:
            return None
    return terms


def _version_ok(host_version, requirement):
    """Nova: a host that reports no version is not held to the requested one."""
    if host_version <= 0:
        return True
    terms = _predicate(requirement)
    if terms is None:
        return False   # Nova fails the request on a malformed predicate; here no host matches it
    have = _version_tuple(host_version)
    return all(compare(have, wanted) for compare, wanted in terms)


def _canonical(value, aliases):
    if not value:
        return None
    name = str(value).lower()
    return aliases.get(name, name)


def image_requirements(props):
    """(arch, hv_type, vm_mode, requested version, maxphysaddr bits) the image asks of its host."""
    arch = props.get('hw_architecture') or props.get('architecture')
    hv_type = props.get('img_hv_type') or props.get('hypervisor_type')
    vm_mode = props.get('hw_vm_mode') or props.get('vm_mode')
    return (_canonical(arch, _ARCH_ALIASES), _canonical(hv_type, _HV_TYPE_ALIASES),
            _canonical(vm_mode, _VM_MODE_ALIASES), props.get('img_hv_requested_version'),
            props.get('hw_maxphysaddr_bits'))


def _maxphysaddr_ok(cpu_info, bits_required):
    """Nova: hosts that do not report their address bits are not held to the image's."""
    bits = ((cpu_info or {}).get('maxphysaddr') or {}).get('bits')
    if not bits:
        return True
    try:
        return int(bits) >= int(bits_required)
    except (TypeError, ValueError):
        return False


class ImagePropertiesFilter(BaseHostFilter):
    """Image hw_architecture, img_hv_type, hw_vm_mode against the host's supported instances, then
    img_hv_requested_version and hw_maxphysaddr_bits, as Nova's filter. Without any of the first three
    the image asks nothing of the host (Nova checks the other two only alongside them).

    libvirt/QEMU hosts run 'hvm' guests of their own architecture; a kvm host also offers the 'qemu'
    hypervisor type (TCG), a qemu-only host does not offer 'kvm'.
    """

    run_filter_for_each_instance = False
    RUN_ON_REBUILD = True

    def _masks(self, state, spec):
        """([(label, bool column)] per image requirement, their and); kept for the next request alike."""
        wanted = image_requirements(spec.image_properties)
        return host_capabilities.static_masks(state, ('image', wanted),
                                              lambda: _anded(self._compute_masks(state, *wanted), state.n))

    @staticmethod
    def _compute_masks(state, arch, hv_type, vm_mode, version, bits):
        masks = []
        if not (arch or hv_type or vm_mode):
            return masks
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
        if bits:
            ok = np.fromiter((_maxphysaddr_ok(info, bits) for info in state.cpu_info), dtype=bool, count=state.n)
            masks.append(('hw_maxphysaddr_bits=%s' % bits, ok))
        return masks

    def filter_all(self, state, spec):
        return self._masks(state, spec)[1]

    def host_passes(self, host_state, spec):
        arch, hv_type, vm_mode, version, bits = image_requirements(spec.image_properties)
        if not (arch or hv_type or vm_mode):
            return True
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
        return not bits or _maxphysaddr_ok(host_state.cpu_info, bits)

    def explain(self, state, spec, removed):
        return 'no match for ' + '; '.join(label for label, ok in self._masks(state, spec)[0]
                                           if not ok[removed].all())
