# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's Compute API v2.1 with microversions up to 2.38, over the collection's code.

Every body carries exactly the fields Nova documents for the requested
microversion (2.2 keypair type, 2.3 extended attributes, 2.9 locked, 2.16
host_status, 2.19 description, 2.26 tags, 2.28 cpu_info object, 2.33/2.35
paging, 2.36 no network-proxy quotas, 2.38 strict status filter...).
Server create, actions and delete (ansible-runner jobs) live in servers.py on
this blueprint and read ``flask.g.api_version``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import re
from urllib.parse import urlencode

from novalite_api import app as app_mod, policy, validation
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors as flavors_mod
from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs as keypairs_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances, quotas
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InstanceLocked, InvalidInput, NotFound, NovaliteError)
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import flask
    blueprint = flask.Blueprint('compute', __name__)
except ImportError:  # pragma: no cover
    flask = blueprint = None

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 38)
VERSION_UPDATED = '2013-07-23T11:33:21Z'
_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')
MAX_LIMIT = 1000            # nova.conf [api] max_limit
MAX_TAGS = 50               # nova.objects.instance.MAX_TAG_COUNT
# Every status GET /servers?status= understands (nova/api/openstack/common.py _STATE_MAP).
VALID_STATUSES = ('ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED',
                  'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED',
                  'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'VERIFY_RESIZE')


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


def _since(minor):
    """True when the request's microversion is at least 2.<minor>."""
    return (flask.g.get('api_version') or MIN_VERSION) >= (2, minor)


def _ctx():
    return flask.g.ctx


def _store():
    return flask.current_app.config['NOVALITE_STORE']


def _base():
    return flask.current_app.config['NOVALITE']['public_url'] + '/compute'


def links(kind, ident):
    return [{'rel': 'self', 'href': '%s/v2.1/%s/%s' % (_base(), kind, ident)},
            {'rel': 'bookmark', 'href': '%s/%s/%s' % (_base(), kind, ident)}]


def _next_link(marker, limit):
    """Nova's "<collection>_links": the next page's URL, with the request's other parameters."""
    params = [(k, v) for k, v in flask.request.args.items(multi=True) if k not in ('marker', 'limit')]
    params += [('limit', str(limit)), ('marker', str(marker))]
    path = flask.request.path.split('/v2.1/', 1)[1]
    return [{'rel': 'next', 'href': '%s/v2.1/%s?%s' % (_base(), path, urlencode(params))}]


def _body():
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, 'Malformed request body')
    return body


def _usage_time(value):
    # Nova renders these without the zone suffix and with microseconds.
    return value[:-1] + '.000000' if value else None


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


def _limit_arg():
    """Nova's limit: a non-negative integer, at most max_limit."""
    raw = flask.request.args.get('limit')
    if raw is None:
        return MAX_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput('limit', 'limit param must be an integer')
    if value < 0:
        raise InvalidInput('limit', 'limit param must be positive')
    return min(value, MAX_LIMIT)


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
    out['links'] = links('flavors', flavor['flavorid'])
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


def _admin_flavor(flavor_id):
    """The flavor with this flavorid (the API never matches names), else Nova's 404."""
    flavor = flavors_mod.find(_store(), flavor_id)
    if flavor is None or flavor['flavorid'] != flavor_id:
        raise ApiError(404, 'Flavor %s could not be found.' % flavor_id, field='flavor')
    return flavor


@blueprint.route('/v2.1/flavors/<flavor_id>', methods=['GET'])
def flavor_show(flavor_id):
    return flask.jsonify({'flavor': _flavor_view(_get_flavor(flavor_id), True)})


_NON_NEGATIVE = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0, 'minLength': 1}
FLAVOR_CREATE = {
    'type': 'object',
    'properties': {'flavor': {
        'type': 'object',
        'properties': {
            'name': validation.NAME,
            'id': {'type': ['string', 'number', 'null'], 'minLength': 1, 'maxLength': 255,
                   'pattern': r'^(?! )[a-zA-Z0-9. _-]+(?<! )$'},
            'ram': validation.POSITIVE_INTEGER, 'vcpus': validation.POSITIVE_INTEGER, 'disk': _NON_NEGATIVE,
            'OS-FLV-EXT-DATA:ephemeral': _NON_NEGATIVE, 'swap': _NON_NEGATIVE,
            'rxtx_factor': {'type': ['number', 'string'], 'pattern': r'^[0-9]+(\.[0-9]+)?$',
                            'minimum': 0, 'exclusiveMinimum': True, 'maximum': 3.40282e+38},
            'os-flavor-access:is_public': {'type': 'boolean'},
        },
        'required': ['name', 'ram', 'vcpus', 'disk'],
        'additionalProperties': False,
    }},
    'required': ['flavor'],
    'additionalProperties': False,
}


@blueprint.route('/v2.1/flavors', methods=['POST'])
def flavor_create():
    policy.enforce('os_compute_api:os-flavor-manage:create', _ctx())
    spec = validation.validate(_body(), FLAVOR_CREATE)['flavor']
    flavorid = spec.get('id')
    made = flavors_mod.create(
        _store(), spec['name'], int(spec['vcpus']), int(spec['ram']), int(spec['disk']),
        ephemeral_gb=int(spec.get('OS-FLV-EXT-DATA:ephemeral', 0)), swap=int(spec.get('swap', 0)),
        flavorid=str(flavorid) if flavorid is not None else None,
        is_public=spec.get('os-flavor-access:is_public', True), rxtx_factor=float(spec.get('rxtx_factor', 1.0)))
    return flask.jsonify({'flavor': _flavor_view(made, True)})   # Nova answers 200 here


@blueprint.route('/v2.1/flavors/<flavor_id>', methods=['DELETE'])
def flavor_delete(flavor_id):
    policy.enforce('os_compute_api:os-flavor-manage:delete', _ctx())
    flavors_mod.delete(_store(), _admin_flavor(flavor_id)['flavorid'])
    return '', 202


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs', methods=['GET'])
def flavor_extra_specs(flavor_id):
    policy.enforce('os_compute_api:os-flavor-extra-specs:index', _ctx())
    return flask.jsonify({'extra_specs': _get_flavor(flavor_id)['extra_specs']})


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs/<key>', methods=['GET'])
def flavor_extra_spec(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:show', _ctx())
    specs = _get_flavor(flavor_id)['extra_specs']
    if key not in specs:
        raise NotFound('Flavor %s has no extra specs with key' % flavor_id, key)
    return flask.jsonify({key: specs[key]})


_SPEC_VALUE = {'type': ['string', 'number', 'boolean'], 'minLength': 0, 'maxLength': 255}
EXTRA_SPECS_CREATE = {
    'type': 'object',
    'properties': {'extra_specs': {'type': 'object', 'patternProperties': {
        r'^[a-zA-Z0-9-_:. /]{1,255}$': _SPEC_VALUE}, 'additionalProperties': False}},
    'required': ['extra_specs'], 'additionalProperties': False,
}
EXTRA_SPEC_UPDATE = {
    'type': 'object',
    'patternProperties': {r'^[a-zA-Z0-9-_:. /]{1,255}$': _SPEC_VALUE},
    'minProperties': 1, 'maxProperties': 1, 'additionalProperties': False,
}


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs', methods=['POST'])
def flavor_extra_specs_create(flavor_id):
    policy.enforce('os_compute_api:os-flavor-extra-specs:create', _ctx())
    specs = validation.validate(_body(), EXTRA_SPECS_CREATE)['extra_specs']
    flavor = _admin_flavor(flavor_id)
    flavors_mod.update(_store(), flavor['flavorid'], extra_specs=specs)
    return flask.jsonify({'extra_specs': specs})


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs/<key>', methods=['PUT'])
def flavor_extra_spec_update(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:update', _ctx())
    body = validation.validate(_body(), EXTRA_SPEC_UPDATE)
    if key not in body:
        raise ApiError(400, 'Request body and URI mismatch')
    flavor = _admin_flavor(flavor_id)
    flavors_mod.update(_store(), flavor['flavorid'], extra_specs=body)
    return flask.jsonify(body)


@blueprint.route('/v2.1/flavors/<flavor_id>/os-extra_specs/<key>', methods=['DELETE'])
def flavor_extra_spec_delete(flavor_id, key):
    policy.enforce('os_compute_api:os-flavor-extra-specs:delete', _ctx())
    flavor = _admin_flavor(flavor_id)
    if key not in flavor['extra_specs']:
        raise ApiError(404, 'Flavor %s has no extra specs with key %s.' % (flavor_id, key))
    flavors_mod.update(_store(), flavor['flavorid'], unset_extra_specs=[key])
    return '', 202


def _access_list(flavor):
    return {'flavor_access': [{'flavor_id': flavor['flavorid'], 'tenant_id': p} for p in flavor['projects']]}


@blueprint.route('/v2.1/flavors/<flavor_id>/os-flavor-access', methods=['GET'])
def flavor_access(flavor_id):
    policy.enforce('os_compute_api:os-flavor-access', _ctx())
    flavor = flavors_mod.get(_store(), flavor_id)
    if flavor['is_public']:
        raise NotFound('Access list not available for public flavors.', '', field='flavor')
    return flask.jsonify(_access_list(flavor))


_TENANT = {'type': 'object', 'properties': {'tenant': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                                                       'pattern': r'^[a-zA-Z0-9-_]*$'}},
           'required': ['tenant'], 'additionalProperties': False}
FLAVOR_ACTION = {'type': 'object', 'properties': {'addTenantAccess': _TENANT, 'removeTenantAccess': _TENANT},
                 'minProperties': 1, 'maxProperties': 1, 'additionalProperties': False}


@blueprint.route('/v2.1/flavors/<flavor_id>/action', methods=['POST'])
def flavor_action(flavor_id):
    body = _body()
    if 'addTenantAccess' in body:
        policy.enforce('os_compute_api:os-flavor-access:add_tenant_access', _ctx())
    elif 'removeTenantAccess' in body:
        policy.enforce('os_compute_api:os-flavor-access:remove_tenant_access', _ctx())
    else:
        raise ApiError(400, ('There is no such action: %s' % ', '.join(sorted(body))) if body
                       else 'Malformed request body')
    body = validation.validate(body, FLAVOR_ACTION)
    flavor = _admin_flavor(flavor_id)
    if 'addTenantAccess' in body:
        # 2.7: a public flavor's access list cannot be changed (409); before that Nova recorded it anyway.
        made = flavors_mod.add_project_access(_store(), flavor['flavorid'], body['addTenantAccess']['tenant'],
                                              allow_public=not _since(7))
        return flask.jsonify(_access_list(made))
    tenant = body['removeTenantAccess']['tenant']
    if tenant not in flavor['projects']:
        raise ApiError(404, 'Flavor access not found for %s / %s combination.' % (flavor['flavorid'], tenant))
    return flask.jsonify(_access_list(flavors_mod.remove_project_access(_store(), flavor['flavorid'], tenant)))


# ---- keypairs ---------------------------------------------------------------------------------

def _keypair_user(for_create_body=None):
    """Whose keypairs: the caller's, or (2.10, admin) the ``user_id`` asked for."""
    ctx = _ctx()
    wanted = for_create_body if for_create_body is not None else (
        flask.request.args.get('user_id') if _since(10) else None)
    return wanted or ctx.user_id


def _keypair_view(k, fields):
    out = dict((f, k.get(f)) for f in fields)
    if _since(2):
        out['type'] = k.get('type') or 'ssh'
    return out


@blueprint.route('/v2.1/os-keypairs', methods=['GET'])
def keypair_index():
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:index', _ctx(), {'user_id': user_id})
    found = keypairs_mod.list_keypairs(_store(), user_id)
    body = {}
    if _since(35):
        marker = flask.request.args.get('marker')
        if marker is not None:
            names = [k['name'] for k in found]
            if marker not in names:
                raise ApiError(400, 'Marker %s could not be found.' % marker)
            found = found[names.index(marker) + 1:]
        limit = _limit_arg() if flask.request.args.get('limit') is not None else None
        if limit is not None:
            found = found[:limit]
            if found and len(found) == limit:   # Nova links a full page, even the last one
                body['keypairs_links'] = _next_link(found[-1]['name'], limit)
    body = dict({'keypairs': [{'keypair': _keypair_view(k, ('name', 'public_key', 'fingerprint'))}
                              for k in found]}, **body)
    return flask.jsonify(body)


@blueprint.route('/v2.1/os-keypairs', methods=['POST'])
def keypair_create():
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get('keypair'), dict):
        raise InvalidInput('keypair', 'the request body must be JSON with a "keypair" object')
    spec = body['keypair']
    allowed_keys = ['name', 'public_key'] + (['type'] if _since(2) else []) + (['user_id'] if _since(10) else [])
    unknown = sorted(set(spec) - set(allowed_keys))
    if unknown:
        raise InvalidInput('keypair.%s' % unknown[0], 'Additional properties are not allowed at microversion %s'
                           % _fmt(flask.g.api_version))
    key_type = spec.get('type', 'ssh')
    if key_type not in ('ssh', 'x509'):
        raise InvalidInput('keypair.type', "'%s' is not one of ['ssh', 'x509']" % (key_type,))
    user_id = _keypair_user(spec.get('user_id'))
    policy.enforce('os_compute_api:os-keypairs:create', _ctx(), {'user_id': user_id})
    # The key_pairs quota is checked in the insert's transaction (catalog/keypairs.py).
    if spec.get('public_key') is not None:
        made = keypairs_mod.import_key(_store(), user_id, spec.get('name'), spec['public_key'], key_type=key_type,
                                       quota_project=_ctx().project_id)
    else:
        made = keypairs_mod.generate(_store(), user_id, spec.get('name'), key_type=key_type,
                                     quota_project=_ctx().project_id)
    out = _keypair_view(made, ('name', 'public_key', 'fingerprint', 'user_id'))
    if 'private_key' in made:
        out['private_key'] = made['private_key']
    response = flask.jsonify({'keypair': out})
    response.status_code = 201 if _since(2) else 200
    return response


@blueprint.route('/v2.1/os-keypairs/<name>', methods=['GET'])
def keypair_show(name):
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:show', _ctx(), {'user_id': user_id})
    k = keypairs_mod.get(_store(), user_id, name)
    out = _keypair_view(k, ('name', 'public_key', 'fingerprint', 'user_id', 'created_at'))
    out.update({'updated_at': None, 'deleted': False, 'deleted_at': None})
    return flask.jsonify({'keypair': out})


@blueprint.route('/v2.1/os-keypairs/<name>', methods=['DELETE'])
def keypair_delete(name):
    user_id = _keypair_user()
    policy.enforce('os_compute_api:os-keypairs:delete', _ctx(), {'user_id': user_id})
    keypairs_mod.delete(_store(), user_id, name)
    return '', 204 if _since(2) else 202


# ---- servers: views ---------------------------------------------------------------------------

def _addresses(network_info, extended=True):
    out = {}
    for vif in network_info or []:
        if not vif.get('ip'):
            continue
        version = 6 if ':' in str(vif['ip']) else 4
        entry = {'version': version, 'addr': vif['ip']}
        if extended:
            entry.update({'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': vif.get('mac')})
        out.setdefault(vif.get('network') or 'private', []).append(entry)
    return out


def _host_id(inst):
    """Nova's hostId: sha224 of project + host, so tenants can tell co-location apart without the name."""
    if not inst['host']:
        return ''
    return hashlib.sha224(('%s%s' % (inst['project_id'], inst['host'])).encode('utf-8')).hexdigest()


def _image_ref(inst):
    return inst.get('image_ref') or (inst.get('image') or {}).get('id')


def _boot_image_id(inst, kind):
    system = inst.get('system_metadata') or {}
    if (system.get(kind) or {}).get('id'):
        return system[kind]['id']
    return ((inst.get('image') or {}).get('properties') or {}).get('%s_id' % kind) or ''


def host_statuses(store):
    """{host: Nova's host_status}: forced down -> DOWN, disabled -> MAINTENANCE, up -> UP, else UNKNOWN."""
    out = {}
    for service in hosts.list_services(store):
        if service['forced_down']:
            out[service['host']] = 'DOWN'
        elif service['status'] == 'disabled':
            out[service['host']] = 'MAINTENANCE'
        elif service['state'] == 'up':
            out[service['host']] = 'UP'
        else:
            out[service['host']] = 'UNKNOWN'
    return out


# The instance columns a server view reads (the rest, e.g. domain_xml, stays in the database).
VIEW_COLUMNS = ('display_name', 'project_id', 'user_id', 'metadata', 'host', 'node', 'image_ref',
                'instance_type_id', 'created_at', 'updated_at', 'network_info', 'access_ip_v4', 'access_ip_v6',
                'availability_zone', 'config_drive', 'key_name', 'launched_at', 'terminated_at', 'progress',
                'locked', 'description', 'tags')
EXT_COLUMNS = ('reservation_id', 'launch_index', 'hostname', 'user_data', 'system_metadata', 'image')


class _ViewContext(object):
    """What every server of one response shares: microversion, policy answers, host statuses, faults."""

    def __init__(self, ctx, update=False):
        self.ctx = ctx
        self.update = update
        self.base = _base()
        self.since = dict((minor, _since(minor)) for minor in (3, 9, 16, 19, 26))
        self.ext_attrs = not update and policy.allowed('os_compute_api:os-extended-server-attributes', ctx)
        self.show_host_status = (not update and self.since[16]
                                 and policy.allowed('os_compute_api:servers:show:host_status', ctx))
        self.host_status = host_statuses(_store()) if self.show_host_status else {}
        self.faults = {}

    def columns(self):
        return VIEW_COLUMNS + (EXT_COLUMNS if self.ext_attrs else ())

    def load_faults(self, rows):
        failed = [r['uuid'] for r in rows if r['status'] in ('ERROR', 'DELETED')]
        self.faults = instances.latest_faults(_store(), failed) if failed else {}
        return self


def _server_view(inst, view):
    ctx, base, since = view.ctx, view.base, view.since
    uuid, image_id, flavor_id = inst['uuid'], _image_ref(inst), inst['instance_type_id']
    out = {
        'id': uuid, 'name': inst['display_name'], 'status': inst['status'],
        'tenant_id': inst['project_id'], 'user_id': inst['user_id'],
        'metadata': inst['metadata'] or {}, 'hostId': _host_id(inst),
        'image': {'id': image_id, 'links': [{'rel': 'bookmark', 'href': '%s/images/%s' % (base, image_id)}]}
        if image_id else '',
        'flavor': {'id': flavor_id, 'links': [{'rel': 'bookmark', 'href': '%s/flavors/%s' % (base, flavor_id)}]},
        'created': inst['created_at'], 'updated': inst['updated_at'] or inst['created_at'],
        'addresses': _addresses(inst['network_info'], extended=not view.update),
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
            'OS-SRV-USG:launched_at': _usage_time(inst['launched_at']),
            'OS-SRV-USG:terminated_at': _usage_time(inst['terminated_at']),
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
        if since[3]:
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
    if since[9]:
        out['locked'] = bool(inst['locked'])
    if view.show_host_status:
        out['host_status'] = view.host_status.get(inst['host'], 'UNKNOWN') if inst['host'] else ''
    if since[19]:
        out['description'] = inst.get('description')
    if since[26]:
        out['tags'] = list(inst.get('tags') or [])
    fault = view.faults.get(uuid)
    if fault and inst['status'] in ('ERROR', 'DELETED'):
        out['fault'] = {'code': fault['code'], 'created': fault['created_at'], 'message': fault['message']}
        if ctx.is_admin:
            out['fault']['details'] = fault.get('details') or ''
    return out


def _user_data(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return base64.b64encode(value).decode('ascii')
    return value   # stored as the base64 text the create request carried


def _one_view(inst, update=False):
    view = _ViewContext(_ctx(), update=update).load_faults([inst])
    return {'server': _server_view(inst, view)}


# ---- servers: listing -------------------------------------------------------------------------

def _truthy(name, raw):
    if raw is None or raw == '':
        return True   # a bare "?all_tenants" means yes
    low = raw.lower()
    if low in ('1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if low in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise InvalidInput(name, 'Invalid value for %s: %s' % (name, raw))


def _csv(raw):
    return [t for t in (raw or '').split(',') if t]


def _tag_predicate(args):
    wanted = dict((k, _csv(args.get(k))) for k in ('tags', 'tags-any', 'not-tags', 'not-tags-any')
                  if args.get(k) is not None)
    if not wanted:
        return None

    def keep(tags):
        have = set(tags or [])
        if 'tags' in wanted and not set(wanted['tags']) <= have:
            return False
        if 'tags-any' in wanted and not have & set(wanted['tags-any']):
            return False
        if 'not-tags' in wanted and wanted['not-tags'] and set(wanted['not-tags']) <= have:
            return False
        if 'not-tags-any' in wanted and have & set(wanted['not-tags-any']):
            return False
        return True
    return keep


def _regex(name, raw):
    try:
        return re.compile(raw)
    except re.error as exc:
        raise InvalidInput(name, 'invalid regular expression: %s' % exc)


def _ip_predicate(pattern, version):
    def keep(network_info):
        for vif in network_info or []:
            ip = str(vif.get('ip') or '')
            if ip and (6 if ':' in ip else 4) == version and pattern.search(ip):
                return True
        return False
    return keep


def _sort_args(ctx):
    keys = flask.request.args.getlist('sort_key')
    dirs = flask.request.args.getlist('sort_dir')
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise InvalidInput('sort_dir', "Invalid sort direction %s (use 'asc' or 'desc')" % direction)
    sort = []
    for index, key in enumerate(keys):
        if key not in instances.SORT_KEYS:
            raise InvalidInput('sort_key', 'Invalid sort_key %s' % key)
        if key in ('host', 'node') and not ctx.is_admin:
            continue   # Nova drops admin-only sort keys for everyone else
        sort.append((key, dirs[index] if index < len(dirs) else (dirs[0] if dirs else 'desc')))
    default_dir = sort[0][1] if sort else 'desc'
    if 'created_at' not in [k for k, _d in sort]:
        sort.append(('created_at', default_dir))
    sort.append(('id', default_dir))
    return sort


def _list_servers(detail):
    ctx = _ctx()
    policy.enforce('os_compute_api:servers:detail' if detail else 'os_compute_api:servers:index', ctx)
    args = flask.request.args
    t = table('instances')
    where = []
    keep_checks = []   # (column, predicate) for what SQL cannot test portably
    admin_filters = policy.allowed('os_compute_api:servers:allow_all_filters', ctx)

    all_tenants = args.get('all_tenants') is not None and _truthy('all_tenants', args.get('all_tenants'))
    get_all = 'os_compute_api:servers:%s:get_all_tenants' % ('detail' if detail else 'index')
    if all_tenants:
        # Nova: context.can(...get_all_tenants): a caller without it gets 403, not their own servers.
        policy.enforce(get_all, ctx)
        project = args.get('project_id') or args.get('tenant_id')
        if project:
            where.append(t.c.project_id == project)
    else:
        where.append(t.c.project_id == ctx.project_id)

    deleted = False
    if args.get('changes-since') is not None:
        since = _time_arg('changes-since')
        where.append(t.c.updated_at >= since)
        deleted = None   # Nova shows servers deleted since then too
    if admin_filters and args.get('deleted') is not None:
        deleted = True if _truthy('deleted', args.get('deleted')) else False

    statuses = [s.upper() for s in args.getlist('status') if s]
    if statuses:
        unknown = [s for s in statuses if s not in VALID_STATUSES]
        if unknown and _since(38):
            raise ApiError(400, 'Invalid status value')
        statuses = [s for s in statuses if s in VALID_STATUSES]
        if not statuses:
            return _servers_response(None, [], 0)
        if 'DELETED' in statuses:
            if not ctx.is_admin:
                raise ApiError(403, 'Only administrators may list deleted instances')
            deleted = None if deleted is False else deleted
        keep_checks.append((('vm_state', 'task_state'),
                            lambda r, wanted=frozenset(statuses): S.api_status(r.vm_state, r.task_state) in wanted))

    if args.get('name'):
        pattern = _regex('name', args['name'])
        keep_checks.append((('display_name',), lambda r: bool(pattern.search(r.display_name or ''))))
    if args.get('image'):
        where.append(t.c.image_ref == args['image'].rstrip('/').split('/')[-1])
    if args.get('flavor'):
        where.append(t.c.instance_type_id == args['flavor'].rstrip('/').split('/')[-1])
    if args.get('reservation_id'):
        where.append(t.c.reservation_id == args['reservation_id'])
    if admin_filters:
        for arg, column in (('host', t.c.host), ('node', t.c.node), ('user_id', t.c.user_id),
                            ('availability_zone', t.c.availability_zone), ('uuid', t.c.uuid)):
            if args.get(arg):
                where.append(column == args[arg])
    for arg, version in (('ip', 4), ('ip6', 6)):
        if args.get(arg) and (arg == 'ip' or admin_filters or _since(5)):
            check = _ip_predicate(_regex(arg, args[arg]), version)
            keep_checks.append((('network_info',), lambda r, c=check: c(r.network_info)))
    if _since(26):
        tag_check = _tag_predicate(args)
        if tag_check is not None:
            keep_checks.append((('tags',), lambda r: tag_check(r.tags)))

    limit = _limit_arg()
    columns = sorted(set(c for cols, _p in keep_checks for c in cols))
    keep = (lambda r: all(p(r) for _c, p in keep_checks)) if keep_checks else None
    view = _ViewContext(ctx) if detail else None
    rows, _more = instances.page_instances(_store(), where=where, sort=_sort_args(ctx), limit=limit,
                                           marker=args.get('marker'), deleted=deleted, keep=keep,
                                           keep_columns=columns,
                                           columns=view.columns() if detail else ('display_name',))
    return _servers_response(view, rows, limit)


def _time_arg(name):
    raw = flask.request.args.get(name)
    text = raw.strip().replace(' ', '+')
    for fmt in ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d'):
        for suffix in ('Z', '+00:00', ''):
            if suffix and not text.endswith(suffix):
                continue
            try:
                return datetime.datetime.strptime(text[:len(text) - len(suffix)] if suffix else text, fmt)
            except ValueError:
                continue
    raise InvalidInput(name, 'Invalid %s value' % name)


def _servers_response(view, rows, limit):
    """``view``: a _ViewContext for /servers/detail, None for the id/name/links index."""
    if view is not None:
        view.load_faults(rows)
        body = {'servers': [_server_view(i, view) for i in rows]}
    else:
        body = {'servers': [{'id': i['uuid'], 'name': i['display_name'], 'links': links('servers', i['uuid'])}
                            for i in rows]}
    if rows and len(rows) == limit:   # Nova links a full page, even the last one
        body['servers_links'] = _next_link(rows[-1]['uuid'], limit)
    return flask.jsonify(body)


@blueprint.route('/v2.1/servers', methods=['GET'])
def server_index():
    return _list_servers(False)


@blueprint.route('/v2.1/servers/detail', methods=['GET'])
def server_detail():
    return _list_servers(True)


def get_server(server_id, rule, include_deleted=False):
    """The server for ``rule`` (Nova's common.get_instance + context.can); another project's is 404."""
    ctx = _ctx()
    if not instances.is_uuid_like(server_id):
        raise ApiError(404, 'Instance %s could not be found.' % server_id, field='server')
    try:
        inst = instances.get(_store(), server_id, project_id=None if ctx.is_admin else ctx.project_id,
                             include_deleted=include_deleted)
    except NotFound:
        raise ApiError(404, 'Instance %s could not be found.' % server_id, field='server')
    policy.enforce(rule, ctx, {'project_id': inst['project_id'], 'user_id': inst['user_id']})
    return inst


@blueprint.route('/v2.1/servers/<server_id>', methods=['GET'])
def server_show(server_id):
    return flask.jsonify(_one_view(get_server(server_id, 'os_compute_api:servers:show')))


def _update_schema():
    props = {'name': validation.NAME,
             'accessIPv4': {'type': 'string', 'format': 'ipv4'},
             'accessIPv6': {'type': 'string', 'format': 'ipv6'}}
    if _since(19):
        props['description'] = validation.DESCRIPTION
    return {'type': 'object',
            'properties': {'server': {'type': 'object', 'properties': props, 'additionalProperties': False}},
            'required': ['server'], 'additionalProperties': False}


@blueprint.route('/v2.1/servers/<server_id>', methods=['PUT'])
def server_update(server_id):
    spec = validation.validate(_body(), _update_schema())['server']
    inst = get_server(server_id, 'os_compute_api:servers:update')
    values = {}
    if 'name' in spec:
        values['display_name'] = spec['name']
    if 'accessIPv4' in spec:
        values['access_ip_v4'] = spec['accessIPv4'] or None
    if 'accessIPv6' in spec:
        values['access_ip_v6'] = spec['accessIPv6'] or None
    if 'description' in spec:
        values['description'] = spec['description']
    updated = instances.modify(_store(), inst['uuid'], lambda _current: values)
    return flask.jsonify(_one_view(updated, update=True))


# ---- server metadata --------------------------------------------------------------------------

_META_STATES = (S.ACTIVE, S.PAUSED, S.SUSPENDED, S.STOPPED)


def _check_meta_change(inst, action):
    """Nova's check_instance_lock + check_instance_state(ACTIVE/PAUSED/SUSPENDED/STOPPED, task None)."""
    if inst['locked'] and not _ctx().is_admin:
        raise InstanceLocked('Instance %s is locked' % inst['uuid'], field='server')
    if inst['vm_state'] not in _META_STATES:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (action, inst['uuid'], inst['vm_state']), field='server')
    if inst['task_state'] is not None:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in task_state %s"
                                   % (action, inst['uuid'], inst['task_state']), field='server')


META_BODY = {'type': 'object', 'properties': {'metadata': validation.METADATA},
             'required': ['metadata'], 'additionalProperties': False}
META_ITEM_BODY = {'type': 'object',
                  'properties': {'meta': dict(validation.METADATA, minProperties=1, maxProperties=1)},
                  'required': ['meta'], 'additionalProperties': False}


def _set_metadata(server_id, rule, new, replace):
    inst = get_server(server_id, rule)

    def change(current):
        _check_meta_change(current, 'update metadata')
        merged = dict(new) if replace else dict(current['metadata'] or {}, **new)
        with _store().read() as conn:
            quotas.check_metadata(conn, current['project_id'], len(merged))
        return {'metadata': merged}
    return instances.modify(_store(), inst['uuid'], change)


@blueprint.route('/v2.1/servers/<server_id>/metadata', methods=['GET'])
def metadata_index(server_id):
    inst = get_server(server_id, 'os_compute_api:server-metadata:index')
    return flask.jsonify({'metadata': inst['metadata'] or {}})


@blueprint.route('/v2.1/servers/<server_id>/metadata', methods=['POST'])
def metadata_create(server_id):
    new = validation.validate(_body(), META_BODY)['metadata']
    inst = _set_metadata(server_id, 'os_compute_api:server-metadata:create', new, replace=False)
    return flask.jsonify({'metadata': inst['metadata']})


@blueprint.route('/v2.1/servers/<server_id>/metadata', methods=['PUT'])
def metadata_update_all(server_id):
    new = validation.validate(_body(), META_BODY)['metadata']
    inst = _set_metadata(server_id, 'os_compute_api:server-metadata:update_all', new, replace=True)
    return flask.jsonify({'metadata': inst['metadata']})


@blueprint.route('/v2.1/servers/<server_id>/metadata/<key>', methods=['GET'])
def metadata_show(server_id, key):
    inst = get_server(server_id, 'os_compute_api:server-metadata:show')
    if key not in (inst['metadata'] or {}):
        raise ApiError(404, 'Metadata item was not found')
    return flask.jsonify({'meta': {key: inst['metadata'][key]}})


@blueprint.route('/v2.1/servers/<server_id>/metadata/<key>', methods=['PUT'])
def metadata_update(server_id, key):
    meta = validation.validate(_body(), META_ITEM_BODY)['meta']
    if key not in meta:
        raise ApiError(400, 'Request body and URI mismatch')
    _set_metadata(server_id, 'os_compute_api:server-metadata:update', meta, replace=False)
    return flask.jsonify({'meta': meta})


@blueprint.route('/v2.1/servers/<server_id>/metadata/<key>', methods=['DELETE'])
def metadata_delete(server_id, key):
    inst = get_server(server_id, 'os_compute_api:server-metadata:delete')

    def change(current):
        if key not in (current['metadata'] or {}):
            raise ApiError(404, 'Metadata item was not found')
        _check_meta_change(current, 'delete metadata')
        return {'metadata': dict((k, v) for k, v in current['metadata'].items() if k != key)}
    instances.modify(_store(), inst['uuid'], change)
    return '', 204


# ---- server tags (2.26) -----------------------------------------------------------------------

TAG = {'type': 'string', 'minLength': 1, 'maxLength': 60, 'pattern': '^[^,/]*$'}
TAGS_BODY = {'type': 'object', 'properties': {'tags': {'type': 'array', 'items': TAG, 'maxItems': MAX_TAGS}},
             'required': ['tags'], 'additionalProperties': False}
_TAG_STATES = (S.ACTIVE, S.PAUSED, S.SUSPENDED, S.STOPPED, S.SHELVED, S.SHELVED_OFFLOADED)


def _tags_route():
    if not _since(26):
        # The resource does not exist below 2.26.
        raise ApiError(404, 'The resource could not be found.')


def _check_tag_change(inst, action):
    if inst['vm_state'] not in _TAG_STATES:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (action, inst['uuid'], inst['vm_state']), field='server')


def _check_tag(tag):
    if not isinstance(tag, str) or not 1 <= len(tag) <= 60 or '/' in tag or ',' in tag:
        raise ApiError(400, "Tag '%s' is invalid. It must be a non empty string without characters '/' and ','."
                       % tag)


@blueprint.route('/v2.1/servers/<server_id>/tags', methods=['GET'])
def tags_index(server_id):
    _tags_route()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:index')
    return flask.jsonify({'tags': list(inst.get('tags') or [])})


@blueprint.route('/v2.1/servers/<server_id>/tags', methods=['PUT'])
def tags_update_all(server_id):
    _tags_route()
    tags = validation.validate(_body(), TAGS_BODY)['tags']
    inst = get_server(server_id, 'os_compute_api:os-server-tags:update_all')
    unique = []
    for tag in tags:
        if tag not in unique:
            unique.append(tag)

    def change(current):
        _check_tag_change(current, 'update tags')
        return {'tags': unique or None}
    instances.modify(_store(), inst['uuid'], change)
    return flask.jsonify({'tags': unique})


@blueprint.route('/v2.1/servers/<server_id>/tags', methods=['DELETE'])
def tags_delete_all(server_id):
    _tags_route()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:delete_all')

    def change(current):
        _check_tag_change(current, 'delete tags')
        return {'tags': None}
    instances.modify(_store(), inst['uuid'], change)
    return '', 204


@blueprint.route('/v2.1/servers/<server_id>/tags/<tag>', methods=['GET'])
def tag_show(server_id, tag):
    _tags_route()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:show')
    if tag not in (inst.get('tags') or []):
        raise ApiError(404, "Server %s has no tag '%s'" % (inst['uuid'], tag))
    return '', 204


@blueprint.route('/v2.1/servers/<server_id>/tags/<tag>', methods=['PUT'])
def tag_add(server_id, tag):
    _tags_route()
    _check_tag(tag)
    inst = get_server(server_id, 'os_compute_api:os-server-tags:update')
    added = []

    def change(current):
        have = list(current.get('tags') or [])
        if tag in have:
            return None
        _check_tag_change(current, 'update tag')
        if len(have) >= MAX_TAGS:
            raise ApiError(400, 'The number of tags exceeded the per-server limit %d' % MAX_TAGS)
        added.append(tag)
        return {'tags': have + [tag]}
    instances.modify(_store(), inst['uuid'], change)
    if not added:
        return '', 204
    response = flask.make_response('', 201)
    response.headers['Location'] = '%s/v2.1/servers/%s/tags/%s' % (_base(), inst['uuid'], tag)
    return response


@blueprint.route('/v2.1/servers/<server_id>/tags/<tag>', methods=['DELETE'])
def tag_delete(server_id, tag):
    _tags_route()
    inst = get_server(server_id, 'os_compute_api:os-server-tags:delete')

    def change(current):
        have = list(current.get('tags') or [])
        if tag not in have:
            raise ApiError(404, "Server %s has no tag '%s'" % (current['uuid'], tag))
        _check_tag_change(current, 'delete tag')
        have.remove(tag)
        return {'tags': have or None}
    instances.modify(_store(), inst['uuid'], change)
    return '', 204


# ---- instance actions -------------------------------------------------------------------------

def _action_view(action):
    return {'action': action['action'], 'instance_uuid': action['instance_uuid'],
            'message': action['message'], 'project_id': action['project_id'],
            'request_id': action['request_id'], 'start_time': _usage_time(action['start_time']),
            'user_id': action['user_id']}


def _event_view(event):
    out = {'event': event['event'], 'start_time': _usage_time(event['start_time']),
           'finish_time': _usage_time(event['finish_time']), 'result': event['result'],
           'traceback': event['traceback']}
    # ``details`` (the ansible-runner artifacts directory) is never shown: no microversion up to 2.38 has it.
    return out


def _actions_server(server_id, rule):
    # 2.21: the actions of a deleted server stay listable.
    return get_server(server_id, rule, include_deleted=_since(21))


@blueprint.route('/v2.1/servers/<server_id>/os-instance-actions', methods=['GET'])
def instance_actions(server_id):
    inst = _actions_server(server_id, 'os_compute_api:os-instance-actions:list')
    found = sorted(instances.list_actions(_store(), inst['uuid']), key=lambda a: (a['start_time'], a['id']),
                   reverse=True)
    return flask.jsonify({'instanceActions': [_action_view(a) for a in found]})


@blueprint.route('/v2.1/servers/<server_id>/os-instance-actions/<request_id>', methods=['GET'])
def instance_action(server_id, request_id):
    inst = _actions_server(server_id, 'os_compute_api:os-instance-actions:show')
    found = [a for a in instances.list_actions(_store(), inst['uuid']) if a['request_id'] == request_id]
    if not found:
        raise ApiError(404, 'Action %s not found' % request_id)
    action = found[-1]
    out = _action_view(action)
    # Below 2.51 only callers passing os-instance-actions:events (admins) get the events at all;
    # they see the traceback too.
    if policy.allowed('os_compute_api:os-instance-actions:events', _ctx(), {'project_id': inst['project_id']}):
        out['events'] = [_event_view(e) for e in action['events']]
    return flask.jsonify({'instanceAction': out})


# ---- quotas and limits ------------------------------------------------------------------------

def _quota_resources():
    """The resources of a quota set at this microversion (2.36 drops the network-proxy ones)."""
    names = list(quotas.DEFAULTS)
    if not _since(36):
        names += list(quotas.LEGACY_NETWORK)
    return sorted(names)


def _quota_values(project_id):
    with _store().read() as conn:
        return quotas.limits(conn, project_id, legacy=not _since(36))


@blueprint.route('/v2.1/limits', methods=['GET'])
def limits():
    ctx = _ctx()
    policy.enforce('os_compute_api:limits', ctx)
    with _store().read() as conn:
        limit = quotas.limits(conn, ctx.project_id, legacy=True)
        used = quotas.usage(conn, ctx.project_id)
    absolute = {
        'maxServerMeta': limit['metadata_items'], 'maxPersonality': limit['injected_files'],
        'maxPersonalitySize': limit['injected_file_content_bytes'],
        'maxImageMeta': limit['metadata_items'], 'maxTotalKeypairs': limit['key_pairs'],
        'maxSecurityGroups': limit['security_groups'], 'maxSecurityGroupRules': limit['security_group_rules'],
        'maxServerGroups': limit['server_groups'], 'maxServerGroupMembers': limit['server_group_members'],
        'maxTotalFloatingIps': limit['floating_ips'], 'maxTotalInstances': limit['instances'],
        'maxTotalCores': limit['cores'], 'maxTotalRAMSize': limit['ram'],
        'totalInstancesUsed': used['instances'], 'totalCoresUsed': used['cores'], 'totalRAMUsed': used['ram'],
        'totalSecurityGroupsUsed': 0, 'totalFloatingIpsUsed': 0, 'totalServerGroupsUsed': used['server_groups'],
    }
    if _since(36):
        for key in ('maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps',
                    'totalSecurityGroupsUsed', 'totalFloatingIpsUsed'):
            del absolute[key]
    return flask.jsonify({'limits': {'rate': [], 'absolute': absolute}})


def _quota_set(project_id, values, with_id=True):
    out = {'id': project_id} if with_id else {}
    for name in _quota_resources():
        out[name] = values[name]
    return {'quota_set': out}


@blueprint.route('/v2.1/os-quota-sets/<project_id>', methods=['GET'])
def quota_show(project_id):
    policy.enforce('os_compute_api:os-quota-sets:show', _ctx(), {'project_id': project_id})
    return flask.jsonify(_quota_set(project_id, _quota_values(project_id)))


@blueprint.route('/v2.1/os-quota-sets/<project_id>/defaults', methods=['GET'])
def quota_defaults(project_id):
    policy.enforce('os_compute_api:os-quota-sets:defaults', _ctx(), {'project_id': project_id})
    values = dict(quotas.DEFAULTS, **quotas.LEGACY_NETWORK)
    return flask.jsonify(_quota_set(project_id, values))


@blueprint.route('/v2.1/os-quota-sets/<project_id>/detail', methods=['GET'])
def quota_detail(project_id):
    policy.enforce('os_compute_api:os-quota-sets:detail', _ctx(), {'project_id': project_id})
    user_id = flask.request.args.get('user_id') or _ctx().user_id
    with _store().read() as conn:
        values = quotas.limits(conn, project_id, legacy=not _since(36))
        used = quotas.usage(conn, project_id, user_id)
    out = {'id': project_id}
    for name in _quota_resources():
        out[name] = {'in_use': used.get(name, 0), 'limit': values[name], 'reserved': 0}
    return flask.jsonify({'quota_set': out})


def _quota_update_schema():
    limit = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$', 'minimum': -1, 'maximum': quotas.MAX_LIMIT}
    props = dict((name, limit) for name in _quota_resources())
    props['force'] = {'type': ['boolean', 'string'],
                      'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
                               False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']}
    return {'type': 'object',
            'properties': {'quota_set': {'type': 'object', 'properties': props, 'additionalProperties': False}},
            'required': ['quota_set'], 'additionalProperties': False}


@blueprint.route('/v2.1/os-quota-sets/<project_id>', methods=['PUT'])
def quota_update(project_id):
    policy.enforce('os_compute_api:os-quota-sets:update', _ctx(), {'project_id': project_id})
    spec = dict(validation.validate(_body(), _quota_update_schema())['quota_set'])
    force = str(spec.pop('force', False)).lower() in ('true', '1', 'on', 'yes')
    values = quotas.set_limits(_store(), project_id, spec, force=force, legacy=not _since(36))
    return flask.jsonify(_quota_set(project_id, values, with_id=False))


@blueprint.route('/v2.1/os-quota-sets/<project_id>', methods=['DELETE'])
def quota_delete(project_id):
    policy.enforce('os_compute_api:os-quota-sets:delete', _ctx(), {'project_id': project_id})
    quotas.reset(_store(), project_id)
    return '', 202


# ---- availability zones -----------------------------------------------------------------------

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
            # 2.28: an object; before, the same as a JSON string.
            'cpu_info': (node['cpu_info'] or {}) if _since(28) else flask.json.dumps(node['cpu_info'] or {}),
        })
    return out


def _list_hypervisors(detail):
    nodes = hosts.list_nodes(_store())
    body = {}
    if _since(33):
        marker = flask.request.args.get('marker')
        if marker is not None:
            ids = [str(n['id']) for n in nodes]
            if marker not in ids:
                raise ApiError(400, 'marker [%s] not found' % marker)
            nodes = nodes[ids.index(marker) + 1:]
        if flask.request.args.get('limit') is not None:
            limit = _limit_arg()
            nodes = nodes[:limit]
            if nodes and len(nodes) == limit:
                body['hypervisors_links'] = _next_link(nodes[-1]['id'], limit)
    return flask.jsonify(dict({'hypervisors': [_hypervisor_view(n, detail) for n in nodes]}, **body))


@blueprint.route('/v2.1/os-hypervisors', methods=['GET'])
def hypervisor_index():
    policy.enforce('os_compute_api:os-hypervisors:list', _ctx())
    return _list_hypervisors(False)


@blueprint.route('/v2.1/os-hypervisors/detail', methods=['GET'])
def hypervisor_detail():
    policy.enforce('os_compute_api:os-hypervisors:list-detail', _ctx())
    return _list_hypervisors(True)


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
        row = {'id': ids.get(service['host']), 'binary': service['binary'], 'host': service['host'],
               'zone': service['zone'], 'status': service['status'], 'state': service['state'],
               'updated_at': _usage_time(service['updated_at']),
               'disabled_reason': service['disabled_reason']}
        if _since(11):
            row['forced_down'] = service['forced_down']
        out.append(row)
    return flask.jsonify({'services': out})
