# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's config drive: an ISO 9660 volume labelled ``config-2`` with openstack/latest/.

novalite has no metadata service, so the config drive is how a guest gets its
user data, keys and metadata: a server gets one when it asks for it
(``config_drive``) or has user data. Layout and label as nova/virt/configdrive.py
and nova/api/metadata/base.py (meta_data.json, user_data, vendor_data.json,
network_data.json), built with genisoimage as Nova does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import json
import os
import shutil
import subprocess
import tempfile

from ansible_collections.novalite.compute.plugins.module_utils.errors import HypervisorError
from ansible_collections.novalite.compute.plugins.module_utils.files import replacing

FILE_NAME = 'disk.config'
VOLUME_LABEL = 'config-2'


def wanted(instance):
    """Nova: a config drive when the user asks for one; here also for user data (no metadata service)."""
    flag = instance.get('config_drive')
    asked = flag is True or str(flag).lower() in ('true', '1', 'yes')
    return asked or instance.get('user_data') is not None or bool(instance.get('injected_files'))


def user_data_bytes(user_data):
    """User data as the guest sees it: the API takes it base64-encoded; plain text is taken as is."""
    if user_data is None:
        return None
    text = str(user_data)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode('utf-8')


def meta_data(instance):
    """openstack/latest/meta_data.json (nova/api/metadata/base.py InstanceMetadata)."""
    keys = []
    if instance.get('key_data'):
        keys.append({'name': instance.get('key_name') or 'key', 'type': 'ssh', 'data': instance['key_data']})
    out = {
        'uuid': instance['uuid'],
        'name': instance.get('display_name') or instance.get('name'),
        'hostname': instance.get('hostname') or instance.get('display_name') or instance['uuid'],
        'launch_index': instance.get('launch_index') or 0,
        'availability_zone': instance.get('availability_zone') or 'nova',
        'project_id': instance.get('project_id'),
        'meta': dict(instance.get('metadata') or {}),
        'public_keys': dict((k['name'], k['data']) for k in keys),
        'keys': keys,
        'devices': [],
    }
    if instance.get('admin_pass'):
        out['admin_pass'] = instance['admin_pass']   # Nova's libvirt driver puts the admin password here
    files = instance.get('injected_files') or []
    if files:
        # the guest's agent (cloud-init) writes each file's content to its path
        out['files'] = [{'path': f['path'], 'content_path': '/content/%04d' % index} for index, f in enumerate(files)]
    return out


def network_data(instance):
    """openstack/latest/network_data.json (nova/virt/netutils.py get_network_metadata): a link per port, a
    network per subnet (``ipv4_dhcp`` where DHCP serves it, else the static address and routes), DNS services."""
    links, networks, services = [], [], []
    for vif in instance.get('network_info') or []:
        if not isinstance(vif, dict) or not isinstance(vif.get('network'), dict):
            continue
        net = vif['network']
        link_id = vif.get('devname') or ('tap' + str(vif.get('id')))[:14]
        links.append({'id': link_id, 'vif_id': vif.get('id'), 'type': vif.get('type') or 'bridge',
                      'mtu': net.get('mtu'), 'ethernet_mac_address': vif.get('address')})
        for subnet in net.get('subnets') or []:
            for ip in subnet.get('ips') or []:
                entry = {'id': 'network%d' % len(networks), 'link': link_id, 'network_id': net.get('id')}
                if subnet.get('enable_dhcp'):
                    entry['type'] = 'ipv4_dhcp'
                else:
                    cidr = str(subnet.get('cidr') or '')
                    prefix = int(cidr.split('/')[1]) if '/' in cidr else 32
                    mask = (0xffffffff << (32 - prefix)) & 0xffffffff
                    routes = []
                    if subnet.get('gateway'):
                        routes.append({'network': '0.0.0.0', 'netmask': '0.0.0.0', 'gateway': subnet['gateway']})
                    for route in subnet.get('routes') or []:
                        routes.append({'network': route.get('destination'), 'gateway': route.get('nexthop')})
                    entry.update({'type': 'ipv4', 'ip_address': ip.get('address'),
                                  'netmask': '.'.join(str((mask >> s) & 0xff) for s in (24, 16, 8, 0)),
                                  'routes': routes,
                                  'services': [{'type': 'dns', 'address': d} for d in subnet.get('dns') or []]})
                networks.append(entry)
            for address in subnet.get('dns') or []:
                if {'type': 'dns', 'address': address} not in services:
                    services.append({'type': 'dns', 'address': address})
    return {'links': links, 'networks': networks, 'services': services}


def build(path, instance):
    """Write the config drive ISO for ``instance`` to ``path`` (atomically: a partial one never stays)."""
    work = tempfile.mkdtemp(prefix='.config-drive-', dir=os.path.dirname(path))
    try:
        latest = os.path.join(work, 'tree', 'openstack', 'latest')
        os.makedirs(latest)
        with open(os.path.join(latest, 'meta_data.json'), 'w') as handle:
            json.dump(meta_data(instance), handle)
        for name in ('vendor_data.json', 'vendor_data2.json', 'network_data.json'):
            with open(os.path.join(latest, name), 'w') as handle:
                json.dump(network_data(instance) if name == 'network_data.json' else {}, handle)
        for index, item in enumerate(instance.get('injected_files') or []):
            # written under a fixed name: the guest's path is data in meta_data.json, never a path here
            content = os.path.join(work, 'tree', 'openstack', 'content')
            os.makedirs(content, exist_ok=True)
            with open(os.path.join(content, '%04d' % index), 'wb') as handle:
                handle.write(base64.b64decode(item['contents']))
        data = user_data_bytes(instance.get('user_data'))
        if data is not None:
            with open(os.path.join(latest, 'user_data'), 'wb') as handle:
                handle.write(data)
        # the drive may hold the admin password: its owner only (libvirt hands it to the guest's user)
        with replacing(path, 0o600) as partial:
            cmd = ['genisoimage', '-o', partial, '-ldots', '-allow-lowercase', '-allow-multidot', '-l',
                   '-publisher', 'novalite', '-quiet', '-J', '-r', '-V', VOLUME_LABEL, os.path.join(work, 'tree')]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            except OSError as exc:
                raise HypervisorError('config drive: cannot run genisoimage: %s' % exc,
                                      field='instance.config_drive')
            if proc.returncode != 0:
                raise HypervisorError('config drive: genisoimage failed: %s'
                                      % (proc.stderr.strip() or proc.returncode), field='instance.config_drive')
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path
