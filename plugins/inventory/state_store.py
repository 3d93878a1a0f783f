# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: state_store
short_description: Compute hosts (and optionally instances) from the novalite state store
version_added: 0.1.0
author: novalite developers (@novalite)
description:
  - Builds an inventory from the registry that M(novalite.compute.compute_node) writes - every recorded
    compute host goes into the group C(compute) with its settings as the same C(novalite_*) host vars a
    hand-written inventory uses, plus the recorded facts (C(novalite_vcpus), C(novalite_state) ...).
  - With O(include_instances), live instances become hosts of the group C(instances).
  - The file must end in C(novalite.yml), C(novalite.yaml), C(state_store.yml) or C(state_store.yaml).
  - "Connection details are not stored; set them with O(compose) (for example
    C(ansible_host: novalite_host_ip)) or in group_vars."
extends_documentation_fragment:
  - constructed
options:
  plugin:
    description: Marks this file as an inventory source for this plugin.
    type: str
    required: true
    choices: [novalite.compute.state_store]
  database_url:
    description:
      - State store URL (C(sqlite:////path) or C(mysql+pymysql://user:pw@host/db)).
      - Defaults to C($NOVALITE_DATABASE_URL), then C(sqlite:////var/lib/novalite/novalite.db).
    type: str
    env:
      - name: NOVALITE_DATABASE_URL
  compute_group:
    description: Group the compute hosts go into.
    type: str
    default: compute
  include_instances:
    description:
      - Also add every instance that is not deleted as a host (named by its uuid) in the group
        C(instances), with vars C(novalite_instance_*) and a C(novalite_compute_host) pointing at its host.
    type: bool
    default: false
  service_down_time:
    description: Seconds after the last heartbeat before a host is C(down) (Nova's service_down_time).
    type: int
    default: 60
requirements:
  - SQLAlchemy
  - PyMySQL (for MySQL/MariaDB)
'''

EXAMPLES = r'''
# inventory/registry.novalite.yml
plugin: novalite.compute.state_store
database_url: mysql+pymysql://nova:secret@db.example.org/novalite
include_instances: true
keyed_groups:
  - key: novalite_availability_zone
    prefix: az
  - key: novalite_cpu_arch
    prefix: arch
  - key: novalite_virt_type
    prefix: virt
  - key: novalite_status
    prefix: status
groups:
  schedulable: novalite_state == 'up' and novalite_status == 'enabled'
compose:
  ansible_host: novalite_host_ip
'''

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store import engine

_FILE_SUFFIXES = ('novalite.yml', 'novalite.yaml', 'state_store.yml', 'state_store.yaml')

# compute_nodes field -> host var, named like the inventory settings of docs/architecture.md.
_SETTING_VARS = (
    'availability_zone', 'libvirt_uri', 'instances_path',
    'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio',
    'reserved_host_memory_mb', 'reserved_host_disk_mb', 'reserved_host_cpus',
    'disabled_reason', 'traits', 'virt_type', 'host_ip',
)
_FACT_VARS = (
    'uuid', 'hypervisor_hostname', 'vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
    'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'disk_available_least', 'running_vms', 'cpu_arch',
    'cpu_info', 'hypervisor_type', 'hypervisor_version', 'capabilities', 'state', 'status', 'forced_down',
    'last_seen_up',
)
_INSTANCE_VARS = ('display_name', 'vm_state', 'task_state', 'power_state', 'project_id', 'user_id',
                  'availability_zone', 'instance_type_id', 'image_ref', 'node', 'locked')


def host_vars(node):
    """The inventory vars of one compute node."""
    out = {'novalite_' + key: node.get(key) for key in _SETTING_VARS + _FACT_VARS}
    out['novalite_enabled'] = node['status'] == 'enabled'
    return out


class InventoryModule(BaseInventoryPlugin, Constructable):

    NAME = 'novalite.compute.state_store'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(_FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        if not engine.HAS_SQLALCHEMY:
            raise AnsibleError('novalite.compute.state_store needs SQLAlchemy (and PyMySQL for MySQL)')
        down_time = self.get_option('service_down_time')
        if down_time is None or down_time <= 0:
            raise AnsibleParserError('service_down_time: must be greater than 0')
        try:
            store = engine.Store(self.get_option('database_url') or None)
            try:
                nodes = hosts.list_nodes(store, service_down_time=down_time)
                instances = self._instances(store) if self.get_option('include_instances') else []
            finally:
                store.dispose()
        except NovaliteError as exc:
            raise AnsibleParserError('%s: %s' % (path, exc.message))

        strict = self.get_option('strict')
        group = self.inventory.add_group(self.get_option('compute_group'))
        for node in nodes:
            name = self.inventory.add_host(node['host'], group=group)
            self._apply(name, host_vars(node), strict)
        if instances:
            self.inventory.add_group('instances')
            for inst in instances:
                name = self.inventory.add_host(inst['uuid'], group='instances')
                variables = {'novalite_instance_' + key: inst.get(key) for key in _INSTANCE_VARS}
                variables['novalite_instance_uuid'] = inst['uuid']
                variables['novalite_compute_host'] = inst.get('host')
                self._apply(name, variables, strict)

    def _apply(self, name, variables, strict):
        for key, value in variables.items():
            self.inventory.set_variable(name, key, value)
        self._set_composite_vars(self.get_option('compose'), variables, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option('groups'), variables, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, name, strict=strict)

    @staticmethod
    def _instances(store):
        import sqlalchemy as sa
        from ansible_collections.novalite.compute.plugins.module_utils.store import schema
        inst = schema.table('instances')
        with store.read() as conn:
            query = sa.select(inst).where(inst.c.deleted == 0).order_by(inst.c.created_at, inst.c.id)
            return [dict(r) for r in conn.execute(query).mappings()]
