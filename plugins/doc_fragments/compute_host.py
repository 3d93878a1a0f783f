# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The compute host's settings, shared by the modules that run on it (novalite_module.HOST_ARGS).
    DOCUMENTATION = r'''
options:
  instances_path:
    description:
      - Directory holding the image cache (C(_base/)) and one directory per instance (host var C(novalite_instances_path)).
      - Must be reachable by the C(libvirt-qemu) user.
    type: path
    default: /var/lib/novalite/instances
  libvirt_uri:
    description:
      - libvirt connection URI of this compute host (host var C(novalite_libvirt_uri)).
    type: str
    default: qemu:///system
  vnc_listen:
    description:
      - Address the VNC server of each domain listens on (host var C(novalite_vnc_listen)).
    type: str
    default: 127.0.0.1
  force_raw_images:
    description:
      - Convert cached images to raw once per base (Nova's C(force_raw_images)).
    type: bool
    default: true
  virt_type:
    description:
      - Domain type. When omitted, C(kvm) if libvirt reports usable KVM (and the CPU has vmx/svm), else C(qemu) (TCG).
    type: str
    choices: [kvm, qemu]
notes:
  - Runs on the compute host and never opens the state store (Nova's conductor rule); the
    controller passes everything in and records what comes back.
requirements:
  - libvirt-python
  - lxml
  - qemu-img
'''

    # A host's networks (novalite_module.HOST_NETWORK_ARGS): the modules that realise them
    NETWORK = r'''
options:
  network_state_dir:
    description:
      - Where this host keeps its networks' files (each dnsmasq's config, reservations, leases and PID file,
        the applied filters); the inventory's C(novalite_network_state_dir).
    type: path
    default: /run/novalite/network
'''

    # Whether a host realises its ports' networks, for the modules that move a server onto or off it (with
    # NETWORK; novalite_module.HOST_MOVE_NETWORK_ARGS)
    MOVE_NETWORK = r'''
options:
  host_networking:
    description:
      - Whether this host realises the networks of its ports, as I(host_networking) of
        M(novalite.compute.instances).
    type: bool
    default: true
'''

    # How this host logs in to the other compute hosts (novalite_module.HOST_MIGRATION_ARGS): the modules that
    # move a server between hosts
    MIGRATION_SSH = r'''
options:
  migration_ssh:
    description:
      - How this host logs in to another compute host reached by SSH (Nova's compute hosts' own SSH keys between
        each other) - a resize's C(ssh) disk copy, a live migration's libvirt connection to the other host. From
        the host's inventory - C(novalite_migration_ssh_key), C(novalite_migration_known_hosts),
        C(novalite_migration_ssh_user).
      - The other host's key is always checked (C(StrictHostKeyChecking=yes), batch mode; libvirt's
        C(known_hosts_verify=normal) with no one to answer) - an unknown or changed key fails the move.
    type: dict
    suboptions:
      key:
        description: Private key file on this host; unset - ssh's default identities of the user the module runs as.
        type: str
      known_hosts:
        description:
          - known_hosts file on this host listing the other hosts' keys by their C(novalite_host_ip); unset - the
            user's C(~/.ssh/known_hosts) and C(/etc/ssh/ssh_known_hosts).
        type: str
      user:
        description: User to log in as on the other host; unset - the user the module runs as.
        type: str
'''
