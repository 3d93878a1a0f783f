#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schedule
short_description: Choose compute hosts for new instances and claim their resources (Nova's filter scheduler)
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Runs Nova's filter scheduler over the registered compute hosts (the C(compute_nodes) and C(services) rows
    the registry keeps). The enabled filters remove hosts, the weighers order the rest, and the best host is
    chosen for each instance, with alternates.
  - With I(claim=true) the chosen host's vCPUs, RAM and disk are claimed atomically in the state store for
    each of I(consumer_uuids) (Placement's allocations); a claim lost to a concurrent request moves to the next
    alternate. Claims never exceed Placement's capacity, C(total - reserved) times the allocation ratio, on
    any host, and one instance never asks for more than the host's total.
  - Instances of one request see each other's consumption. At least I(min_count) instances must fit or nothing
    is claimed and the module fails with a NoValidHost message that says which filter removed how many hosts
    and why.
  - Running again with the same I(consumer_uuids) reports the existing claims and changes nothing.
  - In check mode the same answer is computed without claiming, so a C(--check) run shows where new servers
    would land.
  - Runs on the controller (the node that holds the state store).
extends_documentation_fragment:
  - novalite.compute.state_store
options:
  flavor:
    description:
      - The flavor, by name or flavorid (looked up in the flavors table), or an inline dict with C(vcpus),
        C(memory_mb), C(root_gb) and optionally C(ephemeral_gb), C(swap) (MB) and C(extra_specs).
      - Disk claimed is root_gb + ephemeral_gb + swap rounded up to GB, as Nova.
    type: raw
    required: true
  image:
    description:
      - The image, by id or name (its properties are read from the images table), or a dict of image
        properties (C(hw_architecture), C(img_hv_type), C(hw_vm_mode), C(img_hv_requested_version)), or a dict
        with a C(properties) key.
    type: raw
  num_instances:
    description: How many instances, all of which must fit. Mutually exclusive with I(min_count)/I(max_count).
    type: int
  min_count:
    description: At least this many must fit (all-or-nothing). Defaults to 1.
    type: int
  max_count:
    description: At most this many are placed. Defaults to I(min_count).
    type: int
  availability_zone:
    description: Only hosts of this availability zone (Nova's C(az) or C(az:host) form; the host part is ignored).
    type: str
  server_group:
    description:
      - Name or UUID of a server group (see M(novalite.compute.server_group)); its policy applies and, when
        claiming, the instances become members.
    type: str
  scheduler_hints:
    description: Nova's scheduler hints C(same_host) and C(different_host) (instance UUIDs) and C(group).
    type: dict
  exclude_hosts:
    description: Hosts that already failed this request (RetryFilter).
    type: list
    elements: str
  project_id:
    description:
      - The requesting project's id, for the aggregate tenant filters (AggregateMultiTenancyIsolation and
        C(limit_tenants_to_placement_aggregate)). Without it, hosts reserved for projects are left out.
    type: str
  consumer_uuids:
    description: The instance UUIDs to claim for, one per instance (I(max_count)). Required with I(claim=true).
    type: list
    elements: str
  claim:
    description: Claim the resources. C(false) only computes the answer (as check mode does).
    type: bool
    default: true
  scheduler:
    description:
      - Scheduler options with Nova's C([filter_scheduler]) names and defaults, the same option every module
        that schedules takes (M(novalite.compute.server), M(novalite.compute.server_build), ...).
      - Filters C(enabled_filters), C(available_filters); weighers C(weight_classes) (default every built-in
        weigher) and their multipliers C(ram_weight_multiplier) (1.0), C(cpu_weight_multiplier) (1.0),
        C(disk_weight_multiplier) (1.0), C(hypervisor_version_weight_multiplier) (1.0),
        C(num_instances_weight_multiplier) (0.0), C(io_ops_weight_multiplier) (-1.0),
        C(image_props_weight_multiplier) (0.0) with C(image_props_weight_setting) (C(name=ratio) entries),
        C(soft_affinity_weight_multiplier) (1.0), C(soft_anti_affinity_weight_multiplier) (1.0),
        C(build_failure_weight_multiplier) (1000000.0); and C(host_subset_size), C(max_attempts),
        C(max_instances_per_host), C(max_io_ops_per_host) (8, the IoOpsFilter's limit), C(service_down_time).
      - Each weigher's values are scaled to 0..1 across the candidate hosts as Nova's C(normalize) does (the
        RAM, CPU, disk and I/O weighers divide by the largest value), multiplied by its multiplier and summed;
        the highest total wins. A multiplier of 0 turns a weigher off.
      - Allocation ratios and reserved amounts are per host, from the registry.
    type: dict
notes:
  - The state store is chosen by I(database_url), else C($NOVALITE_DATABASE_URL), else the SQLite default.
  - Supports check mode and diff mode.
requirements:
  - numpy
'''

EXAMPLES = r'''
- name: Place and claim two m1.small servers in az1, apart from each other
  novalite.compute.schedule:
    flavor: m1.small
    image: cirros
    num_instances: 2
    availability_zone: az1
    server_group: web
    consumer_uuids:
      - 6f1c0a4e-1c55-4c5d-9d43-0c6a8d7b0a11
      - 0b7c42d9-5a52-4bd8-9b4f-0c7e38f6a1de
  register: placement

- name: Where would it land? (no claim)
  novalite.compute.schedule:
    flavor: {vcpus: 2, memory_mb: 4096, root_gb: 20}
    claim: false
    scheduler:
      enabled_filters: [ComputeFilter, RamFilter, DiskFilter, CoreFilter]
      host_subset_size: 2

- name: Stack servers onto the fullest hosts (least free RAM first), ignoring CPU and disk
  novalite.compute.schedule:
    flavor: m1.small
    claim: false
    scheduler:
      weight_classes: [RAMWeigher, BuildFailureWeigher]
      ram_weight_multiplier: -1.0
'''

RETURN = r'''
selections:
  description: One entry per placed instance, best host first with its alternates (Nova's Selection objects).
  returned: success
  type: list
  elements: dict
  sample:
    - host: compute1
      nodename: compute1
      node_uuid: 1f0e3b0a-6a43-4bb4-9c9e-0d3a4bb2b9e1
      weight: 1.0
      consumer_uuid: 6f1c0a4e-1c55-4c5d-9d43-0c6a8d7b0a11
      alternates: [{host: compute2, node_uuid: 5d5c..., weight: 0.5}]
hosts:
  description: The chosen host of each instance, in order.
  returned: success
  type: list
  elements: str
  sample: [compute1, compute2]
filters:
  description:
    - Per enabled filter, in order, how many hosts it removed and why (for the first instance).
    - On failure the same list is in C(details.explanation.filters).
  returned: success
  type: list
  elements: dict
  sample: [{filter: RamFilter, removed: 8, remaining: 4, reason: "need 4096 MB, best host has 2048 MB free"}]
explanation:
  description: The filter run in one line. On failure C(msg) holds the NoValidHost explanation instead.
  returned: success
  type: str
  sample: "No valid host: 12 hosts; AvailabilityZoneFilter removed 4 (not in az2); RamFilter removed 8 (need 4096 MB, best host has 2048 MB free)"
claimed:
  description: Whether this run made new claims.
  returned: success
  type: bool
request:
  description: What one instance needs (vcpus, memory_mb, disk_gb) and the counts.
  returned: success
  type: dict
timings_ms:
  description: Time spent loading host state, filtering, weighing, claiming and in total.
  returned: success
  type: dict
'''

from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller as handlers

MODULE = NovaliteModule(spec(
    DATABASE_ARGS,
    flavor=dict(type='raw', required=True),
    image=dict(type='raw'),
    num_instances=dict(type='int'),
    min_count=dict(type='int'),
    max_count=dict(type='int'),
    availability_zone=dict(type='str'),
    server_group=dict(type='str'),
    scheduler_hints=dict(type='dict'),
    exclude_hosts=dict(type='list', elements='str'),
    consumer_uuids=dict(type='list', elements='str'),
    project_id=dict(type='str'),
    claim=dict(type='bool', default=True),
    scheduler=dict(type='dict'),
), handlers.schedule, mutually_exclusive=[('num_instances', 'min_count'), ('num_instances', 'max_count')])


def main():
    MODULE.main()


if __name__ == '__main__':
    main()
