# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Opening libvirt and asking what the hypervisor can do (host side)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging

from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError

try:
    import libvirt
    HAS_LIBVIRT = True
except ImportError:  # pragma: no cover - reported by the module
    libvirt = None
    HAS_LIBVIRT = False

try:
    from lxml import etree
    HAS_LXML = True
except ImportError:  # pragma: no cover
    etree = None
    HAS_LXML = False

DEFAULT_URI = 'qemu:///system'
LOG = logging.getLogger('novalite.libvirt')
_handler_installed = []


def _log_instead_of_printing(_context, error):
    """libvirt's default handler prints every error to stderr, including the
    "Domain not found" of lookups the driver expects to fail. Every failing
    call also raises libvirtError, and the code that catches it decides
    whether it is a real error and reports it (HypervisorError); here it is
    only kept for debugging.
    """
    LOG.debug('libvirt: %s', error[2] if isinstance(error, (list, tuple)) and len(error) > 2 else error)


def install_error_handler():
    """Once per process, before the first connection: libvirt's error handler is process-wide."""
    if not _handler_installed:
        libvirt.registerErrorHandler(_log_instead_of_printing, None)
        _handler_installed.append(True)


def open_connection(uri=None, readonly=False):
    """The one place novalite opens libvirt (the driver, host facts, the test helpers)."""
    if not HAS_LIBVIRT:
        raise HypervisorError('libvirt-python is not installed', field='libvirt_uri')
    install_error_handler()
    uri = uri or DEFAULT_URI
    try:
        return libvirt.openReadOnly(uri) if readonly else libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise HypervisorError('libvirt_uri %s: cannot connect: %s' % (uri, exc.get_error_message()),
                              field='libvirt_uri')


def detect_virt_type(conn, arch=None):
    """'kvm' when the host really supports KVM, else 'qemu' (TCG).

    /dev/kvm can exist, and domain capabilities for virttype=kvm can answer,
    on a nested or sandboxed machine whose CPU lacks vmx/svm: QEMU then aborts
    on host-model CPUs ("failed to set MSR") or never boots. So KVM counts
    only when libvirt offers it AND the host CPU (from libvirt's host
    capabilities) has the virtualisation flag.
    """
    try:
        xml = conn.getDomainCapabilities(None, arch, None, 'kvm', 0)
    except libvirt.libvirtError:
        return 'qemu'
    if etree.fromstring(xml.encode('utf-8')).findtext('domain') != 'kvm':
        return 'qemu'
    try:
        caps = etree.fromstring(conn.getCapabilities().encode('utf-8'))
    except libvirt.libvirtError:
        return 'qemu'
    flags = set(caps.xpath('/capabilities/host/cpu/feature/@name'))
    return 'kvm' if flags & set(['vmx', 'svm']) else 'qemu'
