#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: instances
short_description: Desired power states of several novalite instances on one compute host, at once
description:
  - Runs on a compute host (never opens the state store; the controller records the results).
    Does for each call of I(calls) what M(novalite.compute.instance) does for one instance (boot when
    there is no domain yet, then move the domain to the call's state), with up to I(parallel) calls
    at once, so a batch of boots spawns in parallel in one module start instead of one module start
    per instance.
  - One call failing does not fail the others; each call's outcome is in I(results), in the order of
    I(calls). The module itself fails only when it cannot run at all.
  - This is the task C(roles/server/tasks/host_calls_instances.yml) runs for each host's C(instance) host
    calls (compute/host_calls.py builds them; C(host_calls.yml) includes it), for the playbooks and the REST
    shim's jobs alike.
version_added: 0.1.0
author: novalite developers (@novalite)
extends_documentation_fragment:
  - novalite.compute.compute_host
  - novalite.compute.compute_host.network
options:
  calls:
    description:
      - Host calls for this host, each with C(instance) (the instance spec, see docs/architecture.md) and
        C(state) (as the I(state) of M(novalite.compute.instance)), for a rebuild C(rebuild),
        C(preserve_ephemeral), C(evacuate) and C(on_shared_storage), for a rescue C(rescue), for an unrescue
        C(unrescue) (as those options of M(novalite.compute.instance)); C(libvirt_uri) and C(instances_path) when
        given override the module's options for that call. Other keys (C(server), C(action), C(request_id),
        C(host)) are the caller's and are ignored here.
    type: list
    elements: dict
    required: true
  parallel:
    description:
      - How many calls run at once.
    type: int
    default: 10
  secrets:
    description:
      - Per instance uuid, values the host side needs and no log may show (C(admin_pass), the guest's admin
        password, written to its config drive as Nova's libvirt driver does). Given apart from I(calls) so
        that loop items and events never carry them; hidden in the module's invocation and output.
    type: dict
    default: {}
  shutdown_timeout:
    description:
      - For every call that stops a domain, as I(shutdown_timeout) of M(novalite.compute.instance).
    type: int
    default: 60
  host_networking:
    description:
      - Whether this host realises the networks of its ports (M(novalite.compute.host_network)). When a call
        carries C(host_network) (the host's network plan, compute/host_calls.py), the host's bridges, VXLANs,
        DHCP reservations and filters are brought to it before the calls (nothing removed, so a boot finds
        its bridge; the NICs of the calls' ports are put in their domains) and after them (what deleted
        servers had is removed). False (a host without networking, e.g. a test host in the machine's own
        network namespace) gives the ports' guests no NIC.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Boot three instances on node1 at once
  novalite.compute.instances:
    calls:
      - {instance: "{{ spec1 }}", state: running}
      - {instance: "{{ spec2 }}", state: running}
      - {instance: "{{ spec3 }}", state: stopped}
  delegate_to: node1
  register: booted
'''

RETURN = r'''
results:
  description:
    - One result per call, in the order of I(calls), with the keys M(novalite.compute.instance) returns
      (C(changed), C(actions), C(power_state), C(domain_state), C(status), C(domain_xml), ...), or
      C(failed) true and C(msg) (and C(error), C(field) for a novalite error) when the call failed.
  returned: always
  type: list
  elements: dict
network:
  description: What the host changed in its network around the calls (C(changed), C(actions)), when a call
    carried a network plan.
  returned: when a call carried C(host_network)
  type: dict
timing:
  description: Seconds the whole batch took inside the module.
  returned: always
  type: float
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    HOST_ARGS, HOST_NETWORK_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as handlers
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver

MODULE = NovaliteModule(spec(
    HOST_ARGS, HOST_NETWORK_ARGS,
    calls=dict(type='list', elements='dict', required=True),
    parallel=dict(type='int', default=10),
    secrets=dict(type='dict', default={}, no_log=True),
    shutdown_timeout=dict(type='int', default=driver.DEFAULT_SHUTDOWN_TIMEOUT),
    host_networking=dict(type='bool', default=True),
), handlers.instances)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
