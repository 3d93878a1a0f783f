# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The one builder of host calls: what a compute host is asked to do for one server.

A host call is a dict::

    host: compute host (inventory name)            module: instance | instance_action | console_log | console_ports | domain_diagnostics
                                                   | host_facts
    instance: the instance spec (docs/architecture.md) state: desired state (module instance)
    libvirt_uri, instances_path: the host's settings   action: the action (create, stop, reboot_hard, sync, ...)
    server: uuid       request_id: the instance action's request id
    domain_xml: (hard reboot only) the domain as the store knows it
    rebuild, preserve_ephemeral: (rebuild only) the rebuild's request id; keep disk.local
    evacuate: (an evacuation's rebuild) disks found on shared storage are kept
    on_shared_storage: (an evacuation's rebuild, before 2.14) the caller's word, checked against what the host finds
    rescue: (rescue only) {image: the rescue image's spec}; unrescue: (unrescue only) true
    length: (console_output only) how many lines of the console log

A host's own read (``host_facts_call``: its facts, e.g. the uptime) names no server.

``roles/server/tasks/host_calls.yml`` runs a list of them (the playbooks, and
``playbooks/host_calls.yml`` for the REST shim's jobs); each outcome is
recorded with ``conductor.record_result``. Controller side: reads the store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import NotFound
from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


def node_settings(conn, host):
    t = table('compute_nodes')
    row = conn.execute(sa.select(t).where(t.c.host == host)).first()
    if row is None:
        raise NotFound('Compute host', host, field='host')
    return as_dict(row)


def instance_spec(instance):
    """The ``instance`` option of the host-side modules (docs/architecture.md, "Instance spec")."""
    image = dict(instance.get('image') or {})
    spec = {
        'uuid': instance['uuid'],
        'name': instances.domain_name(instance),
        'display_name': instance['display_name'],
        'project_id': instance['project_id'],
        'user_id': instance['user_id'],
        'created_at': instance['created_at'],
        'flavor': instance['flavor'],
        'image': {
            'id': image.get('id'), 'name': image.get('name'), 'disk_format': image.get('disk_format'),
            'size': image.get('size'), 'virtual_size': image.get('virtual_size'),
            'sha256': image.get('os_hash_value'), 'md5': image.get('checksum'),
            'location': image.get('location'), 'min_disk': image.get('min_disk') or 0,
            'min_ram': image.get('min_ram') or 0, 'properties': image.get('properties') or {},
        },
        'network_info': instance.get('network_info') or [],
        'metadata': instance.get('metadata') or {},
        'user_data': instance.get('user_data'),
        'key_data': instance.get('key_data'),
        # what the config drive tells the guest (virt/config_drive.py)
        'config_drive': instance.get('config_drive') or '',
        'key_name': instance.get('key_name'),
        'hostname': instance.get('hostname'),
        'launch_index': instance.get('launch_index') or 0,
        'availability_zone': instance.get('availability_zone'),
    }
    for kind in ('kernel', 'ramdisk', 'injected_files'):
        if (instance.get('system_metadata') or {}).get(kind):
            spec[kind] = instance['system_metadata'][kind]
    return spec


def build(conn, instance, action, request_id, length=None):
    """The host call for ``action`` (a row of action_table.ACTIONS, or ``sync``) of ``instance`` on its host.

    ``length``: console_output's number of lines (None: all).
    """
    if action == 'sync':
        # Already so in the store: the host confirms it (and repairs drift).
        module, arg = 'instance', action_table.HOST_STATE_FOR_VM_STATE[instance['vm_state']]
    else:
        module, arg = action_table.ACTIONS[action].host_call
    node = node_settings(conn, instance['host'])
    spec = instance_spec(instance)
    if action in action_table.DELETE_ACTIONS:
        # Tearing down needs only the identity: a delete never depends on (or fails on) the server's data.
        spec = dict((k, spec[k]) for k in ('uuid', 'name'))
    call = {
        'host': node['host'],
        'instance': spec,
        'libvirt_uri': node.get('libvirt_uri') or 'qemu:///system',
        'instances_path': node.get('instances_path') or '/var/lib/novalite/instances',
        'module': module,
        'action': action,
        'server': instance['uuid'],
        'request_id': request_id,
    }
    if module == 'instance':
        call['state'] = arg
        plan = network_plan(conn, instance, node['host'], action in action_table.DELETE_ACTIONS)
        if plan is not None:
            call['host_network'] = plan
            call['network_leaving'] = action in action_table.DELETE_ACTIONS
    if action == 'rebuild':
        # Recreate the domain and root disk once per rebuild request (a repeated call finds it done),
        # then bring it to the state the server had (a stopped server stays stopped).
        call['rebuild'] = request_id
        call['state'] = 'stopped' if instance['vm_state'] == S.STOPPED else 'running'
        call['preserve_ephemeral'] = False   # the request's choice: rebuild.begin
    if action == 'rescue':
        # Boot a rescue disk made from the server's own image (compute/rescue.py names another one) with the
        # root disk second; done once per rescue: a repeated call finds the server rescued.
        call['rescue'] = {'image': spec['image']}
    if action == 'unrescue':
        call['unrescue'] = True
    if module in ('console_log', 'console_ports', 'domain_diagnostics'):
        call['instance'] = dict((k, spec[k]) for k in ('uuid', 'name'))
        call['length'] = length
    if action == 'reboot_hard' and instance.get('domain_xml'):
        # Nova's hard reboot redefines the domain from what the store knows.
        call['domain_xml'] = instance['domain_xml']
    return call


def has_vifs(instance):
    """Whether the server has ports (VIFs in its network_info)."""
    return any(isinstance(v, dict) and isinstance(v.get('network'), dict) for v in instance.get('network_info') or [])


def network_plan(conn, instance, host, leaving=False, arriving=False):
    """The host's whole network (network/host_plan.py) for an instance call, when the host or the server has
    ports: the host side makes it so around the call (plugs before a boot, unplugs after a delete). ``leaving``:
    without the server's ports; ``arriving``: with them though they are bound elsewhere (a live migration's
    destination)."""
    if not has_vifs(instance) and not host_plan.host_has_ports(conn, host):
        return None
    return host_plan.desired(conn, host, leaving=[instance['uuid']] if leaving else (),
                             arriving=[instance['uuid']] if arriving else ())


def network_call(conn, host, request_id):
    """The call that converges compute host ``host``'s network (bridges, DHCP, filters): after a security
    group rule changes, and ``reconcile``'s re-plug."""
    node = node_settings(conn, host)
    return {'host': node['host'], 'module': 'host_network', 'action': 'network', 'request_id': request_id,
            'network': host_plan.desired(conn, node['host']),
            'libvirt_uri': node.get('libvirt_uri') or 'qemu:///system',
            'instances_path': node.get('instances_path') or '/var/lib/novalite/instances'}


def host_facts_call(conn, host, request_id):
    """The read-only call that asks compute host ``host`` for its facts (Nova's host RPCs, e.g. its uptime)."""
    node = node_settings(conn, host)
    return {'host': node['host'], 'module': 'host_facts', 'action': 'host_facts', 'request_id': request_id,
            'libvirt_uri': node.get('libvirt_uri') or 'qemu:///system',
            'instances_path': node.get('instances_path') or '/var/lib/novalite/instances'}
