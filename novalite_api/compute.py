# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's Compute API v2.1, the read-only and catalog parts, over the collection's code.

Microversions: the service implements exactly 2.1 (MIN == MAX), so every
response body is the 2.1 shape; a client asking for more gets 406 as from a
Nova whose maximum is 2.1, and openstacksdk/OSC negotiate down to it.
Server create and actions (ansible-runner jobs) plug in next to these routes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from novalite_api import app as app_mod, policy

from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavors_mod
from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs as keypairs_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InvalidInput, NotFound, NovaliteError)
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
    blueprint = flask.Blueprint('compute', __name__)
except ImportError:  # pragma: no cover
    flask = blueprint = None

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 1)
VERSION_UPDATED = '2013-07-23T11:33:21Z'
_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')
# nova.conf [quota] defaults
QUOTA = {'instances': 10, 'cores': 20, 'ram': 51200, 'metadata_items': 128, 'key_pairs': 100,
         'server_groups': 10, 'server_group_members': 10}


class NotAcceptable(NovaliteError):
    code = 406
    kind = 'NotAcceptable'


def _fmt(version):
    return '%d.%d' % version


# ---- microversions, auth, headers ------------------------------------------------------------

def requested_version(headers):
    """The microversion asked for (Nova's api_version_request_from_headers), validated."""
    value = None
    for part in (headers.get('OpenStack-API-Version') or '').split(','):
        words = part.strip().split()
        if len(words) == 2 and words[0].lower() == 'compute':
            value = words[1]
    if value is None:
        value = headers.get('X-OpenStack-Nova-API-Version')
    if value is None:
        return MIN_VERSION
    value = value.strip()
    if value.lower() == 'latest':
        return MAX_VERSION
    match = _VERSION_RE.match(value)
    if not match:
        raise InvalidInput('OpenStack-API-Version', 'API Version String %s is of invalid format. Must be of format '
                                                    'MajorNum.MinorNum.' % value)
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable('Version %s is not supported by the API. Minimum is %s and maximum is %s.'
                            % (value, _fmt(MIN_VERSION), _fmt(MAX_VERSION)))
    return version


_PUBLIC = ('compute.versions', 'compute.version_v21')


@blueprint.before_request
def _before():
    flask.g.api_version = MIN_VERSION
    flask.g.api_version = requested_version(flask.request.headers)
    if flask.request.endpoint not in _PUBLIC:
        app_mod.authenticate_request()


@blueprint.after_request
def _after(response):
    version = _fmt(flask.g.get('api_version') or MIN_VERSION)
    response.headers['OpenStack-API-Version'] = 'compute %s' % version
    response.headers['X-OpenStack-Nova-API-Version'] = version
    response.headers['Vary'] = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'
    return response


def _ctx():
    return flask.g.ctx


def _store():
    return flask.current_app.config['NOVALITE_STORE']


def _base():
    return flask.current_app.config['NOVALITE']['public_url'] + '/compute'


def _links(kind, ident):
    return [{'rel': 'self', 'href': '%s/v2.1/%s/%s' % (_base(), kind, ident)},
            {'rel': 'bookmark', 'href': '%s/%s/%s' % (_base(), kind, ident)}]


# ---- versions ---------------------------------------------------------------------------------

def _v21_doc():
    return {'id': 'v2.1', 'status': 'CURRENT', 'version': _fmt(MAX_VERSION), 'min_version': _fmt(MIN_VERSION),
            'updated': VERSION_UPDATED,
            'links': [{'rel': 'self', 'href': '%s/v2.1/' % _base()},
                      {'rel': 'describedby', 'type': 'text/html', 'href': 'https://docs.openstack.org/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.compute+json;version=2.1'}]}


@blueprint.route('/', methods=['GET'])
def versions():
    doc = _v21_doc()
    doc.pop('media-types')
    doc['links'] = doc['links'][:1]
    return flask.jsonify({'versions': [doc]})


@blueprint.route('/v2.1', methods=['GET'])
def version_v21():
    return flask.jsonify({'version': _v21_doc()})


# ---- flavors ----------------------------------------------------------------------------------

def _is_public_filter():
    """Nova's _get_is_public: absent -> True, 'none' -> all (admin only), else a strict boolean."""
    raw = flask.request.args.get('is_public')
    if raw is None:
        return True
    if raw.lower() == 'none':
        return None
    if raw.lower() in ('true', 't', '1', 'yes', 'y', 'on'):
        return True
    if raw.lower() in ('false', 'f', '0', 'no', 'n', 'off'):
        return False
    raise InvalidInput('is_public', 'Invalid is_public filter [%s]' % raw)


def _int_arg(name):
    raw = flask.request.args.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise InvalidInput(name, 'Invalid %s filter [%s]' % (name, raw))
    return value


def _visible_flavor(ctx, flavor):
    return ctx.is_admin or flavor['is_public'] or ctx.project_id in flavor['projects']


def _flavor_view(flavor, detail):
    out = {'id': flavor['flavorid'], 'name': flavor['name']}
    if detail:
        out.update({'ram': flavor['memory_mb'], 'disk': flavor['root_gb'], 'vcpus': flavor['vcpus'],
                    'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
                    'OS-FLV-DISABLED:disabled': flavor['disabled'],
                    'os-flavor-access:is_public': flavor['is_public'],
                    'swap': flavor['swap'] or '', 'rxtx_factor': flavor['rxtx_factor']})
    out['links'] = _links('flavors', flavor['flavorid'])
    return out


def _list_flavors(detail):
    ctx = _ctx()
    # Only admins choose; non-admins always see public flavors plus those shared with
    # their project, and Nova ignores (does not even parse) their is_public.
    is_public = _is_public_filter() if ctx.is_admin else True
    found = flavors_mod.list_flavors(_store(), is_public=is_public, min_ram=_int_arg('minRam'),
                                     min_disk=_int_arg('minDisk'), project_id=ctx.project_id,
                                     sort_key=flask.request.args.get('sort_key', 'flavorid'),
                                     sort_dir=flask.request.args.get('sort_dir', 'asc'),
                                     limit=_int_arg('limit'), marker=flask.request.args.get('marker'))
    if not ctx.is_admin:
        found = [f for f in found if not f['disabled']]
    return flask.jsonify({'flavors': [_flavor_view(f, detail) for f in found]})


@blueprint.route('/v2.1/flavors', methods=['GET'])
def flavor_index():
    return _list_flavors(False)


@blueprint.route('/v2.1/flavors/detail', methods=['GET'])
def flavor_detail():
    return _list_flavors(True)


def _get_flavor(flavor_id):
    flavor = flavors_mod.get(_store(), flavor_id)
    if not _visible_flavor(_ctx(), flavor):
        raise NotFound('Flavor', flavor_id, field='flavor')
    return flavor


@blueprint.route('/v2.1/flavors/<flavor_id>', methods=['GET'])
def flavor_show(flavor_id):
    return flask.jsonify({'flavor': _flavor_view(_get_flavor(flavor_id), True)})


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs', methods=['GET'])
def flavor_extra_specs(flavor_id):
    return flask.jsonify({'extra_specs': _get_flavor(flavor_id)['extra_specs']})


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs/<key>', methods=['GET'])
def flavor_extra_spec(flavor_id, key):
    specs = _get_flavor(flavor_id)['extra_specs']
    if key not in specs:
        raise NotFound('Flavor %s has no extra specs with key' % flavor_id, key)
    return flask.jsonify({key: specs[key]})


@blueprint.route('/v2.1/flavors/<flavor_id>/os-flavor-access', methods=['GET'])
def flavor_access(flavor_id):
    policy.enforce('os_compute_api:os-flavor-access', _ctx())
    flavor = flavors_mod.get(_store(), flavor_id)
    if flavor['is_public']:
        raise NotFound('Access list not available for public flavors.', '', field='flavor')
    return flask.jsonify({'flavor_access': [{'flavor_id': flavor['flavorid'], 'tenant_id': p}
                                            for p in flavor['projects']]})


# ---- keypairs ---------------------------------------------------------------------------------

def _keypair_user():
    """2.1 has no user_id parameter: a user only ever sees their own keypairs."""
    return _ctx().user_id


@blueprint.route('/v2.1/os-keypairs', methods=['GET'])
def keypair_index():
    policy.enforce('os_compute_api:os-keypairs:index', _ctx())
    found = keypairs_mod.list_keypairs(_store(), _keypair_user())
    return flask.jsonify({'keypairs': [{'keypair': {'name': k['name'], 'public_key': k['public_key'],
                                                    'fingerprint': k['fingerprint']}} for k in found]})


@blueprint.route('/v2.1/os-keypairs', methods=['POST'])
def keypair_create():
    policy.enforce('os_compute_api:os-keypairs:create', _ctx())
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get('keypair'), dict):
        raise InvalidInput('keypair', 'the request body must be JSON with a "keypair" object')
    spec = body['keypair']
    unknown = sorted(set(spec) - set(('name', 'public_key')))
    if unknown:
        raise InvalidInput('keypair.%s' % unknown[0], 'Additional properties are not allowed at microversion 2.1')
    if spec.get('public_key') is not None:
        made = keypairs_mod.import_key(_store(), _keypair_user(), spec.get('name'), spec['public_key'])
    else:
        made = keypairs_mod.generate(_store(), _keypair_user(), spec.get('name'))
    out = {'name': made['name'], 'public_key': made['public_key'], 'fingerprint': made['fingerprint'],
           'user_id': made['user_id']}
    if 'private_key' in made:
        out['private_key'] = made['private_key']
    return flask.jsonify({'keypair': out})   # 200 at 2.1 (201 from 2.2)


@blueprint.route('/v2.1/os-keypairs/<name>', methods=['GET'])
def keypair_show(name):
    policy.enforce('os_compute_api:os-keypairs:show', _ctx())
    k = keypairs_mod.get(_store(), _keypair_user(), name)
    return flask.jsonify({'keypair': {'name': k['name'], 'public_key': k['public_key'],
                                      'fingerprint': k['fingerprint'], 'user_id': k['user_id'],
                                      'created_at': k['created_at'], 'updated_at': None,
                                      'deleted': False, 'deleted_at': None}})


@blueprint.route('/v2.1/os-keypairs/<name>', methods=['DELETE'])
def keypair_delete(name):
    policy.enforce('os_compute_api:os-keypairs:delete', _ctx())
    keypairs_mod.delete(_store(), _keypair_user(), name)
    return '', 202   # 202 at 2.1 (204 from 2.2)


# ---- servers ----------------------------------------------------------------------------------

def _addresses(network_info):
    out = {}
    for vif in network_info or []:
        if not vif.get('ip'):
            continue
        version = 6 if ':' in str(vif['ip']) else 4
        out.setdefault(vif.get('network') or 'private', []).append(
            {'version': version, 'addr': vif['ip'], 'OS-EXT-IPS:type': 'fixed',
             'OS-EXT-IPS-MAC:mac_addr': vif.get('mac')})
    return out


def _host_id(inst):
    """Nova's hostId: sha224 of project + host, so tenants can tell co-location apart without the name."""
    if not inst['host']:
        return ''
    return hashlib.sha224(('%s%s' % (inst['project_id'], inst['host'])).encode('utf-8')).hexdigest()


def _server_view(inst, ctx):
    image = inst.get('image') or {}
    image_id = image.get('id') or inst.get('image_ref')
    out = {
        'id': inst['uuid'], 'name': inst['display_name'], 'status': inst['status'],
        'tenant_id': inst['project_id'], 'user_id': inst['user_id'],
        'metadata': inst['metadata'] or {}, 'hostId': _host_id(inst),
        'image': {'id': image_id, 'links': [{'rel': 'bookmark', 'href': '%s/images/%s' % (_base(), image_id)}]}
        if image_id else '',
        'flavor': {'id': inst['instance_type_id'],
                   'links': [{'rel': 'bookmark', 'href': '%s/flavors/%s' % (_base(), inst['instance_type_id'])}]},
        'created': inst['created_at'], 'updated': inst['updated_at'] or inst['created_at'],
        'addresses': _addresses(inst['network_info']),
        'accessIPv4': inst['access_ip_v4'] or '', 'accessIPv6': inst['access_ip_v6'] or '',
        'links': _links('servers', inst['uuid']),
        'OS-DCF:diskConfig': 'MANUAL',
        'OS-EXT-AZ:availability_zone': inst['availability_zone'] or '',
        'config_drive': inst['config_drive'] or '',
        'key_name': inst['key_name'],
        'OS-SRV-USG:launched_at': _usage_time(inst['launched_at']),
        'OS-SRV-USG:terminated_at': _usage_time(inst['terminated_at']),
        'OS-EXT-STS:task_state': inst['task_state'],
        'OS-EXT-STS:vm_state': inst['vm_state'],
        'OS-EXT-STS:power_state': inst['power_state'],
        'os-extended-volumes:volumes_attached': [],
    }
    if inst['status'] in ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'):
        out['progress'] = inst['progress'] or 0
    if policy.allowed('os_compute_api:os-extended-server-attributes', ctx):
        out['OS-EXT-SRV-ATTR:host'] = inst['host']
        out['OS-EXT-SRV-ATTR:instance_name'] = inst['instance_name']
        out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst['node']
    if inst['status'] in ('ERROR', 'DELETED'):
        fault = instances.latest_fault(_store(), inst['uuid'])
        if fault:
            out['fault'] = {'code': fault['code'], 'created': fault['created_at'], 'message': fault['message']}
            if ctx.is_admin:
                out['fault']['details'] = fault.get('details') or ''
    return out


def _usage_time(value):
    # Nova renders these without the zone suffix and with microseconds.
    return value[:-1] + '.000000' if value else None


def _list_servers(detail):
    ctx = _ctx()
    policy.enforce('os_compute_api:servers:detail' if detail else 'os_compute_api:servers:index', ctx)
    args = flask.request.args
    project_id = ctx.project_id
    if args.get('all_tenants') is not None and policy.allowed('os_compute_api:servers:index:get_all_tenants', ctx):
        project_id = args.get('project_id') or args.get('tenant_id') or None
    limit = _int_arg('limit')
    marker = args.get('marker')
    # Nova's default order is newest first (created_at desc, id desc); paging follows that order.
    found = list(reversed(instances.list_instances(_store(), project_id=project_id)))
    if args.get('name'):
        # Nova matches name as a regular expression.
        try:
            pattern = re.compile(args['name'])
        except re.error as exc:
            raise InvalidInput('name', 'invalid regular expression: %s' % exc)
        found = [i for i in found if pattern.search(i['display_name'] or '')]
    if args.get('status'):
        found = [i for i in found if i['status'] == args['status'].upper()]
    if args.get('host') and ctx.is_admin:
        found = [i for i in found if i['host'] == args['host']]
    if marker is not None:
        ids = [i['uuid'] for i in found]
        if marker not in ids:
            raise InvalidInput('marker', 'marker [%s] not found' % marker)
        found = found[ids.index(marker) + 1:]
    if limit is not None:
        found = found[:limit]
    if detail:
        return flask.jsonify({'servers': [_server_view(i, ctx) for i in found]})
    return flask.jsonify({'servers': [{'id': i['uuid'], 'name': i['display_name'],
                                       'links': _links('servers', i['uuid'])} for i in found]})


@blueprint.route('/v2.1/servers', methods=['GET'])
def server_index():
    return _list_servers(False)


@blueprint.route('/v2.1/servers/detail', methods=['GET'])
def server_detail():
    return _list_servers(True)


@blueprint.route('/v2.1/servers/<server_id>', methods=['GET'])
def server_show(server_id):
    ctx = _ctx()
    if not instances.is_uuid_like(server_id):
        raise NotFound('Instance', server_id, field='server')
    # Another project's server is "not found", never "forbidden": its existence is not disclosed.
    inst = instances.get(_store(), server_id, project_id=None if ctx.is_admin else ctx.project_id)
    policy.enforce('os_compute_api:servers:show', ctx, {'project_id': inst['project_id']})
    return flask.jsonify({'server': _server_view(inst, ctx)})


# ---- limits, availability zones ---------------------------------------------------------------

@blueprint.route('/v2.1/limits', methods=['GET'])
def limits():
    ctx = _ctx()
    policy.enforce('os_compute_api:limits', ctx)
    mine = instances.list_instances(_store(), project_id=ctx.project_id)
    absolute = {
        'maxServerMeta': QUOTA['metadata_items'], 'maxPersonality': 5, 'maxPersonalitySize': 10240,
        'maxImageMeta': QUOTA['metadata_items'], 'maxTotalKeypairs': QUOTA['key_pairs'],
        'maxSecurityGroups': 10, 'maxSecurityGroupRules': 20,
        'maxServerGroups': QUOTA['server_groups'], 'maxServerGroupMembers': QUOTA['server_group_members'],
        'maxTotalFloatingIps': 10, 'maxTotalInstances': QUOTA['instances'], 'maxTotalCores': QUOTA['cores'],
        'maxTotalRAMSize': QUOTA['ram'],
        'totalInstancesUsed': len(mine),
        'totalCoresUsed': sum((i['flavor'] or {}).get('vcpus') or 0 for i in mine),
        'totalRAMUsed': sum((i['flavor'] or {}).get('memory_mb') or 0 for i in mine),
        'totalSecurityGroupsUsed': 0, 'totalFloatingIpsUsed': 0, 'totalServerGroupsUsed': 0,
    }
    return flask.jsonify({'limits': {'rate': [], 'absolute': absolute}})


def _zones():
    zones = {}
    for node in hosts.list_nodes(_store()):
        zones.setdefault(node['availability_zone'], []).append(node)
    return sorted(zones.items())


def _zone_available(nodes):
    return any(n['state'] == 'up' and n['status'] == 'enabled' for n in nodes)


@blueprint.route('/v2.1/os-availability-zone', methods=['GET'])
def availability_zones():
    policy.enforce('os_compute_api:os-availability-zone:list', _ctx())
    return flask.jsonify({'availabilityZoneInfo': [
        {'zoneName': name, 'zoneState': {'available': _zone_available(nodes)}, 'hosts': None}
        for name, nodes in _zones()]})


@blueprint.route('/v2.1/os-availability-zone/detail', methods=['GET'])
def availability_zones_detail():
    policy.enforce('os_compute_api:os-availability-zone:detail', _ctx())
    out = []
    for name, nodes in _zones():
        zone_hosts = dict((n['host'], {'nova-compute': {
            'available': n['state'] == 'up', 'active': n['status'] == 'enabled',
            'updated_at': _usage_time(n['last_seen_up'])}}) for n in nodes)
        out.append({'zoneName': name, 'zoneState': {'available': _zone_available(nodes)}, 'hosts': zone_hosts})
    return flask.jsonify({'availabilityZoneInfo': out})


# ---- hypervisors and services (admin) ---------------------------------------------------------

def _hypervisor_view(node, detail):
    out = {'id': node['id'], 'hypervisor_hostname': node['hypervisor_hostname'],
           'state': node['state'], 'status': node['status']}
    if detail:
        out.update({
            'vcpus': node['vcpus'], 'memory_mb': node['memory_mb'], 'local_gb': node['local_gb'],
            'vcpus_used': node['vcpus_used'], 'memory_mb_used': node['memory_mb_used'],
            'local_gb_used': node['local_gb_used'], 'hypervisor_type': node['hypervisor_type'] or 'QEMU',
            'hypervisor_version': node['hypervisor_version'] or 0, 'free_ram_mb': node['free_ram_mb'],
            'free_disk_gb': node['free_disk_gb'], 'current_workload': node['current_workload'],
            'running_vms': node['running_vms'], 'disk_available_least': node['disk_available_least'],
            'host_ip': node['host_ip'],
            'service': {'host': node['host'], 'id': node['service_id'],
                        'disabled_reason': node['disabled_reason']},
            # Before 2.28 cpu_info is a JSON string.
            'cpu_info': flask.json.dumps(node['cpu_info'] or {}),
        })
    return out


@blueprint.route('/v2.1/os-hypervisors', methods=['GET'])
def hypervisor_index():
    policy.enforce('os_compute_api:os-hypervisors:list', _ctx())
    return flask.jsonify({'hypervisors': [_hypervisor_view(n, False) for n in hosts.list_nodes(_store())]})


@blueprint.route('/v2.1/os-hypervisors/detail', methods=['GET'])
def hypervisor_detail():
    policy.enforce('os_compute_api:os-hypervisors:list-detail', _ctx())
    return flask.jsonify({'hypervisors': [_hypervisor_view(n, True) for n in hosts.list_nodes(_store())]})


@blueprint.route('/v2.1/os-hypervisors/<hypervisor_id>', methods=['GET'])
def hypervisor_show(hypervisor_id):
    policy.enforce('os_compute_api:os-hypervisors:show', _ctx())
    for node in hosts.list_nodes(_store()):
        if str(node['id']) == hypervisor_id:
            return flask.jsonify({'hypervisor': _hypervisor_view(node, True)})
    raise NotFound('Hypervisor', hypervisor_id, field='hypervisor')


@blueprint.route('/v2.1/os-services', methods=['GET'])
def service_index():
    policy.enforce('os_compute_api:os-services:list', _ctx())
    # Below 2.53 a service's id is its integer row id.
    ids = dict((n['host'], n['service_id']) for n in hosts.list_nodes(_store()))
    out = []
    for service in hosts.list_services(_store()):
        if flask.request.args.get('host') not in (None, service['host']):
            continue
        if flask.request.args.get('binary') not in (None, service['binary']):
            continue
        out.append({'id': ids.get(service['host']), 'binary': service['binary'], 'host': service['host'],
                    'zone': service['zone'], 'status': service['status'], 'state': service['state'],
                    'updated_at': _usage_time(service['updated_at']),
                    'disabled_reason': service['disabled_reason']})
    return flask.jsonify({'services': out})
