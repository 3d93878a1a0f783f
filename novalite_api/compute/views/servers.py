# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server as show, detail and update render it, at the request's microversion and the caller's rights."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import base_url, ctx, host_id, links, store, usage_time
from novalite_api.compute.views import image_properties

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups

# The instance columns a server view reads (the rest, e.g. domain_xml, stays in the database).
VIEW_COLUMNS = ('display_name', 'project_id', 'user_id', 'metadata', 'host', 'node', 'image_ref',
                'instance_type_id', 'created_at', 'updated_at', 'network_info', 'access_ip_v4', 'access_ip_v6',
                'availability_zone', 'config_drive', 'key_name', 'launched_at', 'terminated_at', 'progress',
                'locked', 'description', 'tags', 'locked_reason')
EXT_COLUMNS = ('reservation_id', 'launch_index', 'hostname', 'user_data', 'image', 'system_metadata')


def addresses(network_info, extended=True):
    """Nova's addresses view, from the server's network info (its ports: network/instance_ports.py)."""
    return instance_ports.addresses(network_info, extended=extended)


def _host_id(inst):
    return host_id(inst['project_id'], inst['host'])


def _image_ref(inst):
    return inst.get('image_ref') or (inst.get('image') or {}).get('id')


def _boot_image_id(inst, kind):
    system = inst.get('system_metadata') or {}
    if (system.get(kind) or {}).get('id'):
        return system[kind]['id']
    return ((inst.get('image') or {}).get('properties') or {}).get('%s_id' % kind) or ''


def _user_data(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return base64.b64encode(value).decode('ascii')
    return value   # stored as the base64 text the create request carried


def _host_statuses():
    """{host: Nova's host_status}: forced down -> DOWN, disabled -> MAINTENANCE, up -> UP, else UNKNOWN."""
    out = {}
    for service in hosts.list_services(store()):
        if service['forced_down']:
            out[service['host']] = 'DOWN'
        elif service['status'] == 'disabled':
            out[service['host']] = 'MAINTENANCE'
        elif service['state'] == 'up':
            out[service['host']] = 'UP'
        else:
            out[service['host']] = 'UNKNOWN'
    return out


class ViewContext(object):
    """What every server of one response shares: microversion, policy answers, host statuses, faults."""

    def __init__(self, caller, update=False, single=False):
        self.ctx = caller
        minors = (3, 9, 16, 19, 26, 47, 63, 71, 73, 75, 90, 96, 98, 100)
        self.since = dict((minor, since(minor)) for minor in minors)
        # From 2.75 the update answer is the whole server, as show has it.
        self.update = update and not self.since[75]
        # 2.71: show and update (not the list) name the server's groups.
        self.server_groups = single and self.since[71]
        self.base = base_url()
        self.flavor_extra_specs = self.since[47] and policy.allowed(
            'os_compute_api:servers:show:flavor-extra-specs', caller)
        self.ext_attrs = not self.update and policy.allowed('os_compute_api:os-extended-server-attributes', caller)
        self.show_host_status = (not self.update and self.since[16]
                                 and policy.allowed('os_compute_api:servers:show:host_status', caller))
        self.host_status = _host_statuses() if self.show_host_status else {}
        self.faults = {}
        self.security_groups = {}

    def columns(self):
        """Only what this microversion shows: decoding unused JSON columns is most of a long list's cost."""
        extra = (('flavor',) if self.since[47] else ()) + (('system_metadata',) if self.since[63] else ()) + \
            (('hostname',) if self.since[90] else ()) + (('scheduler_hints',) if self.since[100] else ()) + \
            (('image',) if self.since[98] else ())
        return tuple(sorted(set(VIEW_COLUMNS + extra + (EXT_COLUMNS if self.ext_attrs else ()))))

    def load_faults(self, rows):
        """The faults of the failed servers and (where the view shows them) the security groups of the
        servers with ports."""
        failed = [r['uuid'] for r in rows if r['status'] in ('ERROR', 'DELETED')]
        self.faults = instances.latest_faults(store(), failed) if failed else {}
        with_ports = [r['uuid'] for r in rows if r.get('network_info')]
        if not self.update and with_ports:
            with store().read() as conn:
                self.security_groups = instance_ports.security_group_names(conn, with_ports)
        return self


def _flavor(inst, view):
    """2.47: the flavor the server was booted with (its snapshot), not a link to today's flavor."""
    flavor = inst.get('flavor') or {}
    out = {'vcpus': flavor.get('vcpus'), 'ram': flavor.get('memory_mb'), 'disk': flavor.get('root_gb'),
           'ephemeral': flavor.get('ephemeral_gb') or 0, 'swap': flavor.get('swap') or 0,
           'original_name': flavor.get('name')}
    if view.flavor_extra_specs:
        out['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return out


def _scheduler_hints(hints):
    """The create request's hints as Nova keeps them: each value a list (the group hint included)."""
    return dict((k, list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in (hints or {}).items())


def show(inst, view):
    caller, base, since_ = view.ctx, view.base, view.since
    uuid, image_id, flavor_id = inst['uuid'], _image_ref(inst), inst['instance_type_id']
    out = {
        'id': uuid, 'name': inst['display_name'], 'status': inst['status'],
        'tenant_id': inst['project_id'], 'user_id': inst['user_id'],
        'metadata': inst['metadata'] or {}, 'hostId': _host_id(inst),
        'image': {'id': image_id, 'links': [{'rel': 'bookmark', 'href': '%s/images/%s' % (base, image_id)}]}
        if image_id else '',
        'flavor': _flavor(inst, view) if since_[47] else
        {'id': flavor_id, 'links': [{'rel': 'bookmark', 'href': '%s/flavors/%s' % (base, flavor_id)}]},
        'created': inst['created_at'], 'updated': inst['updated_at'] or inst['created_at'],
        'addresses': addresses(inst['network_info'], extended=not view.update),
        'accessIPv4': inst['access_ip_v4'] or '', 'accessIPv6': inst['access_ip_v6'] or '',
        'links': [{'rel': 'self', 'href': '%s/v2.1/servers/%s' % (base, uuid)},
                  {'rel': 'bookmark', 'href': '%s/servers/%s' % (base, uuid)}],
        'OS-DCF:diskConfig': 'MANUAL',
    }
    if not view.update:
        # Below 2.75 the PUT /servers/{id} answer leaves out these extension attributes.
        out.update({
            'OS-EXT-AZ:availability_zone': inst['availability_zone'] or '',
            'config_drive': inst['config_drive'] or '',
            'key_name': inst['key_name'],
            'OS-SRV-USG:launched_at': usage_time(inst['launched_at']),
            'OS-SRV-USG:terminated_at': usage_time(inst['terminated_at']),
            'OS-EXT-STS:task_state': inst['task_state'],
            'OS-EXT-STS:vm_state': inst['vm_state'],
            'OS-EXT-STS:power_state': inst['power_state'],
            'os-extended-volumes:volumes_attached': [],
        })
    if inst['status'] in ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'):
        out['progress'] = inst['progress'] or 0
    if view.ext_attrs:
        out['OS-EXT-SRV-ATTR:host'] = inst['host']
        out['OS-EXT-SRV-ATTR:instance_name'] = inst['instance_name']
        out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst['node']
        if since_[3]:
            out.update({
                'OS-EXT-SRV-ATTR:reservation_id': inst['reservation_id'],
                'OS-EXT-SRV-ATTR:launch_index': inst['launch_index'],
                'OS-EXT-SRV-ATTR:hostname': inst['hostname'],
                'OS-EXT-SRV-ATTR:kernel_id': _boot_image_id(inst, 'kernel'),
                'OS-EXT-SRV-ATTR:ramdisk_id': _boot_image_id(inst, 'ramdisk'),
                # The libvirt driver names the root disk vda once the guest is defined.
                'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda' if inst['launched_at'] else None,
                'OS-EXT-SRV-ATTR:user_data': _user_data(inst['user_data']),
            })
    if since_[9]:
        out['locked'] = bool(inst['locked'])
    if view.show_host_status:
        out['host_status'] = view.host_status.get(inst['host'], 'UNKNOWN') if inst['host'] else ''
    if since_[19]:
        out['description'] = inst.get('description')
    if since_[26]:
        out['tags'] = list(inst.get('tags') or [])
    if since_[63]:
        out['trusted_image_certificates'] = (inst.get('system_metadata') or {}).get('trusted_image_certificates')
    if view.server_groups:
        with store().read() as conn:
            out['server_groups'] = server_groups.groups_of(conn, uuid)
    if since_[73]:
        out['locked_reason'] = inst.get('locked_reason')
    if since_[90] and not view.ext_attrs:
        out['OS-EXT-SRV-ATTR:hostname'] = inst['hostname']   # 2.90: everyone sees the hostname
    if since_[96] and not view.update:
        # the zone the create asked for (None: not pinned), not the one the host is in
        out['pinned_availability_zone'] = (inst.get('system_metadata') or {}).get('pinned_availability_zone')
    if since_[98] and isinstance(out['image'], dict):
        out['image']['properties'] = image_properties.of(inst.get('image'))
    if since_[100]:
        out['scheduler_hints'] = _scheduler_hints(inst.get('scheduler_hints'))
    if view.security_groups.get(uuid):
        out['security_groups'] = view.security_groups[uuid]
    fault = view.faults.get(uuid)
    if fault and inst['status'] in ('ERROR', 'DELETED'):
        out['fault'] = {'code': fault['code'], 'created': fault['created_at'], 'message': fault['message']}
        if caller.is_admin:
            out['fault']['details'] = fault.get('details') or ''
    return out


def one(inst, update=False, rebuild=False):
    """``{'server': ...}`` as show answers it; ``update``: as PUT does; ``rebuild``: as the rebuild action does
    (the update's view below 2.75, plus key_name from 2.54 and user_data from 2.57)."""
    view = ViewContext(ctx(), update=update or rebuild, single=True).load_faults([inst])
    out = show(inst, view)
    if rebuild:
        if since(54):
            out['key_name'] = inst['key_name']
        out.pop('OS-EXT-SRV-ATTR:user_data', None)
        if since(57):
            out['user_data'] = _user_data(inst.get('user_data'))
    return {'server': out}


def index(rows):
    """The id/name/links entries of ``GET /servers``."""
    return [{'id': i['uuid'], 'name': i['display_name'], 'links': links('servers', i['uuid'])} for i in rows]
