#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: aggregate
short_description: Manage a Nova host aggregate (hosts, metadata, availability zone)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Creates, updates or deletes a host aggregate in the novalite state store, as C(openstack aggregate
    create/set/unset/add host/remove host/delete) does through C(os-aggregates).
  - An availability zone is aggregate metadata, as in Nova; a host's zone is the zone of its aggregates, or
    C(nova) when none names one. The scheduler's AvailabilityZoneFilter, C(os-availability-zone) and
    C(os-services) all read it.
  - Every step is Nova's own and refuses what Nova refuses, with its message naming the field - a host in two
    zones, changing the zone of a host that has servers, a host that is not registered - and then nothing
    changes (the whole task is one transaction).
  - The aggregate's metadata feeds the aggregate filters (C(aggregate_instance_extra_specs:*) keys,
    C(filter_tenant_id*), image properties) and per-aggregate weigher multipliers (C(ram_weight_multiplier)
    etc.) of M(novalite.compute.schedule).
  - Runs on the controller (the node that holds the state store).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  name:
    description: The aggregate's name (unique, compared without case).
    type: str
    required: true
  state:
    description: Whether the aggregate should exist. Deleting one removes its hosts first.
    type: str
    choices: [present, absent]
    default: present
  availability_zone:
    description:
      - The zone the aggregate's hosts are in (its C(availability_zone) metadata). Left alone when omitted;
        as in Nova, an aggregate's zone can be changed but not removed.
    type: str
  hosts:
    description:
      - Compute hosts (registered ones, by name) that should be in the aggregate. Left alone when omitted.
    type: list
    elements: str
  purge_hosts:
    description: Remove hosts that are in the aggregate but not in I(hosts) (only when I(hosts) is given).
    type: bool
    default: true
  metadata:
    description:
      - Metadata keys to set; a key whose value is null is removed. Keys are 1 to 255 letters, digits,
        spaces or C(-_:.); values are strings of at most 255 characters. Use I(availability_zone) for the zone.
    type: dict
  purge_metadata:
    description: Remove metadata keys not in I(metadata) (the zone stays).
    type: bool
    default: false
notes:
  - The state store is chosen by I(database_url), else C($NOVALITE_DATABASE_URL), else the SQLite default.
  - Supports check mode (it runs every check and rolls back) and diff mode.
  - The inventory's C(novalite_availability_zone), given for a host, is a shortcut for the same thing
    - each report of that host puts it in the aggregate of that zone.
'''

EXAMPLES = r'''
- name: Rack 1 is zone az1 with fast disks
  novalite.compute.aggregate:
    name: rack1
    availability_zone: az1
    hosts: [hv1, hv2]
    metadata:
      ssd: "true"

- name: Hosts reserved for one project, scheduled with AggregateMultiTenancyIsolation
  novalite.compute.aggregate:
    name: tenant-a
    hosts: [hv3]
    metadata:
      filter_tenant_id: 2f1c0e5a9d8b4c7e8f6a5b4c3d2e1f00
      ram_weight_multiplier: "-1.0"

- name: Gone (its hosts leave it first)
  novalite.compute.aggregate:
    name: rack1
    state: absent
'''

RETURN = r'''
aggregate:
  description: The aggregate after the task (null for I(state=absent)), as C(os-aggregates) shows it.
  returned: always
  type: dict
  sample:
    id: 1
    uuid: 6ba28ba7-f29b-45cc-a30b-6e3a40c2fb14
    name: rack1
    availability_zone: az1
    hosts: [hv1, hv2]
    metadata: {availability_zone: az1, ssd: "true"}
    created_at: '2026-11-23T18:29:05Z'
    updated_at: null
    deleted: false
    deleted_at: null
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    availability_zone=dict(type='str'),
    hosts=dict(type='list', elements='str'),
    purge_hosts=dict(type='bool', default=True),
    metadata=dict(type='dict'),
    purge_metadata=dict(type='bool', default=False),
), handlers.aggregate)


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
