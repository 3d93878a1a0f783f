# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A compute host's inventory vars (``novalite_*``), parsed and validated.

The inventory is the registry: every per-host knob of Nova's nova.conf that
novalite honours is a host var (table in docs/architecture.md). Values often
arrive as strings (INI inventories, extra vars), so numbers and booleans are
accepted in their string forms too. A bad value raises InvalidInput naming
the host var, before anything is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import math
import re

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

PREFIX = 'novalite_'

# name -> default, in the order of the architecture table.
DEFAULTS = {
    'libvirt_uri': 'qemu:///system',
    'instances_path': '/var/lib/novalite/instances',
    'availability_zone': 'nova',
    'cpu_allocation_ratio': 16.0,
    'ram_allocation_ratio': 1.5,
    'disk_allocation_ratio': 1.0,
    'reserved_host_memory_mb': 512,
    'reserved_host_disk_mb': 0,
    'reserved_host_cpus': 0,
    'enabled': True,
    'disabled_reason': None,
    'traits': [],
    'vnc_listen': '127.0.0.1',
    'virt_type': None,          # None: detected from libvirt on the host
    'host_ip': None,            # Nova's my_ip; None: what the host reports
    # Neutron's linuxbridge agent physical_interface_mappings: the host interface each flat physical
    # network is bridged to (an external network's uplink)
    'physical_interface_mappings': {},
}

NAMES = tuple(DEFAULTS)
VIRT_TYPES = ('kvm', 'qemu')
# Placement trait names: upper case letters, digits and underscores.
_TRAIT_RE = re.compile(r'^[A-Z0-9_]{1,255}$')
_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')


def var_name(name):
    """The host var for a setting: ``availability_zone`` -> ``novalite_availability_zone``."""
    return PREFIX + name


def _ratio(field, value):
    if isinstance(value, bool):
        raise InvalidInput(field, 'must be a number, got a boolean')
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(field, 'must be a number, got %r' % (value,))
    if math.isnan(number) or math.isinf(number):
        raise InvalidInput(field, 'must be a finite number, got %r' % (value,))
    if number <= 0:
        raise InvalidInput(field, 'must be greater than 0, got %r' % (value,))
    return number


def _non_negative_int(field, value):
    if isinstance(value, bool):
        raise InvalidInput(field, 'must be an integer, got a boolean')
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput(field, 'must be a whole number, got %r' % (value,))
        number = int(value)
    else:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise InvalidInput(field, 'must be an integer, got %r' % (value,))
    if number < 0:
        raise InvalidInput(field, 'must be 0 or more, got %r' % (value,))
    return number


def _bool(field, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput(field, 'must be a boolean (true/false), got %r' % (value,))


def _text(field, value, allow_empty=False, max_len=255):
    if not isinstance(value, str):
        raise InvalidInput(field, 'must be a string, got %r' % (value,))
    value = value.strip()
    if not value and not allow_empty:
        raise InvalidInput(field, 'must not be empty')
    if len(value) > max_len:
        raise InvalidInput(field, 'must be at most %d characters' % max_len)
    return value


def _availability_zone(field, value):
    value = _text(field, value)
    # Nova rejects ':' because it separates AZ and host in `--availability-zone az:host`.
    if ':' in value:
        raise InvalidInput(field, "must not contain ':' (it separates zone and host in az:host)")
    return value


def _instances_path(field, value):
    value = _text(field, value, max_len=1024)
    if not value.startswith('/'):
        raise InvalidInput(field, 'must be an absolute path, got %r' % (value,))
    return value.rstrip('/') or '/'


def _libvirt_uri(field, value):
    value = _text(field, value, max_len=1024)
    if '://' not in value:
        raise InvalidInput(field, 'must be a libvirt URI such as qemu:///system, got %r' % (value,))
    return value


def _ip(field, value):
    value = _text(field, value, max_len=64)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise InvalidInput(field, 'must be an IP address, got %r' % (value,))


def _traits(field, value):
    if isinstance(value, str):
        # INI inventories and extra vars give "A,B"; YAML gives a list.
        value = [item for item in (part.strip() for part in value.split(',')) if item]
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(field, 'must be a list of trait names, got %r' % (value,))
    traits = []
    for item in value:
        if not isinstance(item, str) or not _TRAIT_RE.match(item):
            raise InvalidInput(field, 'trait %r is not a valid trait name (upper case letters, digits, _)' % (item,))
        if item not in traits:
            traits.append(item)
    return sorted(traits)


def _virt_type(field, value):
    value = _text(field, value)
    if value not in VIRT_TYPES:
        raise InvalidInput(field, 'must be one of %s, got %r' % (', '.join(VIRT_TYPES), value))
    return value


_PHYSNET_RE = re.compile(r'^[A-Za-z0-9_.:-]{1,64}$')
# a Linux interface name: at most 15 characters, no '/' or blanks
_IFNAME_RE = re.compile(r'^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$')


def _interface_mappings(field, value):
    """{physical network: host interface}, from a dict or Neutron's ``physnet1:eth1,physnet2:eth2``."""
    if isinstance(value, str):
        pairs = []
        for part in (p.strip() for p in value.split(',')):
            if part:
                if ':' not in part:
                    raise InvalidInput(field, 'must be physnet:interface pairs separated by commas, got %r' % (part,))
                pairs.append(tuple(x.strip() for x in part.rsplit(':', 1)))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise InvalidInput(field, 'must be a dict of physical network: interface, got %r' % (value,))
    out = {}
    for physnet, interface in pairs:
        if not isinstance(physnet, str) or not _PHYSNET_RE.match(physnet):
            raise InvalidInput(field, '%r is not a physical network name' % (physnet,))
        if not isinstance(interface, str) or not _IFNAME_RE.match(interface):
            raise InvalidInput(field, '%r is not an interface name (at most 15 letters, digits, _ . -)' % (interface,))
        if physnet in out:
            raise InvalidInput(field, 'names physical network %s twice' % physnet)
        out[physnet] = interface
    if len(set(out.values())) != len(out):
        raise InvalidInput(field, 'maps two physical networks to one interface')
    return dict(sorted(out.items()))


def _disabled_reason(field, value):
    return _text(field, value, allow_empty=True) or None


_PARSERS = {
    'libvirt_uri': _libvirt_uri,
    'instances_path': _instances_path,
    'availability_zone': _availability_zone,
    'cpu_allocation_ratio': _ratio,
    'ram_allocation_ratio': _ratio,
    'disk_allocation_ratio': _ratio,
    'reserved_host_memory_mb': _non_negative_int,
    'reserved_host_disk_mb': _non_negative_int,
    'reserved_host_cpus': _non_negative_int,
    'enabled': _bool,
    'disabled_reason': _disabled_reason,
    'traits': _traits,
    'vnc_listen': _ip,
    'virt_type': _virt_type,
    'host_ip': _ip,
    'physical_interface_mappings': _interface_mappings,
}


def parse(values=None, **overrides):
    """Validated settings from host vars.

    ``values`` is a hostvars-style mapping; keys may carry the ``novalite_``
    prefix or not, other keys are ignored (a host has many unrelated vars).
    ``overrides`` (unprefixed names) win over ``values``. A value of None means
    "not given". Returns a dict with every name in NAMES (defaults filled in)
    plus ``explicit``: the sorted names that were actually given, so callers
    can tell a default from a deliberate choice (see registry.hosts.record).
    """
    given = {}
    for key, value in (values or {}).items():
        name = key[len(PREFIX):] if isinstance(key, str) and key.startswith(PREFIX) else key
        if name in _PARSERS and value is not None:
            given[name] = value
    for name, value in overrides.items():
        if name not in _PARSERS:
            raise InvalidInput(name, 'is not a novalite host setting')
        if value is not None:
            given[name] = value

    settings = dict(DEFAULTS)
    settings['traits'] = list(DEFAULTS['traits'])
    settings['physical_interface_mappings'] = {}
    for name, value in given.items():
        settings[name] = _PARSERS[name](var_name(name), value)
    if settings['enabled']:
        settings['disabled_reason'] = None
    settings['explicit'] = sorted(given)
    return settings
