# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The guest's admin password (Nova's ``adminPass``): generated like Nova's, carried to the host out of band.

A password reaches the guest only on its config drive (``admin_pass`` in meta_data.json, as Nova's libvirt
driver writes it). It is never written to the instance rows: the API keeps it on the job that needs it
(``api_jobs.extravars.secrets``, sealed with a key derived from the deployment's token key: novalite_api/jobs.py)
until that job ends, the run hands it to the host modules as a ``no_log`` option outside the loop items
(``SECRETS_VAR``), and the run's extra-vars file is rewritten without it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

from ansible_collections.novalite.compute.plugins.module_utils import states
from ansible_collections.novalite.compute.plugins.module_utils.catalog import image_properties

# Nova's DEFAULT_PASSWORD_SYMBOLS: digits, upper and lower case, without the look-alikes (0 O 1 I l)
SYMBOL_GROUPS = ('23456789', 'ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz')
DEFAULT_LENGTH = 12   # Nova's password_length
# The extra var a run's host calls find their secrets in ({server uuid: {'admin_pass': ...}})
SECRETS_VAR = 'novalite_host_call_secrets'
# The keys a secret may set on the instance a host module is given
SECRET_KEYS = ('admin_pass',)
# The host-call actions whose guest is given a fresh config drive (Nova passes admin_password to them)
ACTIONS_WITH_PASSWORD = ('create', 'rebuild', 'rescue')


def generate(length=DEFAULT_LENGTH):
    """Nova's generate_password: one symbol of each group, then any, shuffled (the system's random source)."""
    rnd = random.SystemRandom()
    chars = [rnd.choice(group) for group in SYMBOL_GROUPS]
    rnd.shuffle(chars)
    chars = chars[:length]
    everything = ''.join(SYMBOL_GROUPS)
    chars.extend(rnd.choice(everything) for _i in range(length - len(chars)))
    rnd.shuffle(chars)
    return ''.join(chars)


def with_secret(instance, secrets):
    """``instance`` with its own secret keys from ``secrets`` ({uuid: {...}}), for the host side only."""
    mine = (secrets or {}).get(instance.get('uuid')) or {}
    extra = dict((key, mine[key]) for key in SECRET_KEYS if isinstance(mine.get(key), str) and mine[key])
    return dict(instance, **extra) if extra else instance


def refusal(instance):
    """Why Nova's compute service refuses to set ``instance``'s password before asking the guest (None: it asks):
    the guest is not running (the manager's InstancePasswordSetFailed), or its image has no QEMU guest agent
    (the libvirt driver's QemuGuestAgentNotEnabled, for virt_type kvm and qemu). Both are the API's 409."""
    uuid = instance['uuid']
    if instance.get('power_state') != states.RUNNING:
        return 'Failed to set admin password on %s because instance %s is not running' % (uuid, uuid)
    if not image_properties.guest_agent_enabled((instance.get('image') or {}).get('properties')):
        return 'QEMU guest agent is not enabled'
    return None
