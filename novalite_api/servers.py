# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's mutating server calls: create, actions, delete.

Each call is checked and recorded here with the collection's own code
(``conductor.create_servers``, ``server_actions.start``: the same checks, quota,
task_state compare-and-set and instance actions as the playbooks), answered
at once (202/204), and its host work handed to the job runner (jobs.py), which
runs the collection's playbooks through ansible-runner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import secrets

from novalite_api import policy, validation
from novalite_api.compute import blueprint, get_server, links

from ansible_collections.novalite.compute.plugins.module_utils.compute import action_table, conductor, server_actions
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# nova/api/openstack/compute/schemas/servers.py, reduced to what novalite supports.
_NETWORK = {
    'type': 'object',
    'properties': {
        'uuid': {'type': 'string', 'format': 'uuid'},
        'port': {'type': ['string', 'null'], 'format': 'uuid'},
        'fixed_ip': {'type': 'string'},
        'tag': {'type': 'string', 'maxLength': 60},
    },
    'additionalProperties': False,
}
_SERVER = {
    'type': 'object',
    'properties': {
        'name': validation.NAME,
        'imageRef': {'type': 'string', 'minLength': 1, 'maxLength': 1024},
        'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
        'adminPass': {'type': 'string'},
        'metadata': validation.METADATA,
        'networks': {'type': 'array', 'items': _NETWORK},
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': {'type': 'string', 'format': 'ipv4'},
        'accessIPv6': {'type': 'string', 'format': 'ipv6'},
        'availability_zone': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'key_name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'user_data': {'type': 'string', 'maxLength': 65535},
        'config_drive': {'type': ['boolean', 'string', 'null']},
        'min_count': validation.POSITIVE_INTEGER,
        'max_count': validation.POSITIVE_INTEGER,
        'return_reservation_id': {'type': ['boolean', 'string']},
        'block_device_mapping_v2': {'type': 'array', 'items': {
            'type': 'object', 'properties': {
                'uuid': {'type': 'string'}, 'image_id': {'type': 'string'},
                'source_type': {'type': 'string', 'enum': ['volume', 'image', 'snapshot', 'blank']},
                'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
                'boot_index': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$'},
                'delete_on_termination': {'type': ['boolean', 'string']},
                'device_name': {'type': 'string'}, 'volume_size': {'type': ['integer', 'string', 'null']},
                'guest_format': {'type': 'string'}, 'disk_bus': {'type': 'string'}, 'device_type': {'type': 'string'},
                'tag': {'type': 'string'}, 'volume_type': {'type': ['string', 'null']}},
            'additionalProperties': False}},
        'security_groups': {'type': 'array', 'items': {
            'type': 'object', 'properties': {'name': {'type': 'string', 'minLength': 1}},
            'additionalProperties': False}},
    },
    'required': ['name', 'flavorRef'],
    'additionalProperties': False,
}
_HINTS = {'type': 'object', 'properties': {
    'group': {'type': 'string', 'format': 'uuid'},
    'same_host': {'type': ['string', 'array'], 'items': {'type': 'string', 'format': 'uuid'}},
    'different_host': {'type': ['string', 'array'], 'items': {'type': 'string', 'format': 'uuid'}},
}, 'additionalProperties': True}

ACTION_RULES = {
    'os-start': ('start', 'os_compute_api:servers:start'),
    'os-stop': ('stop', 'os_compute_api:servers:stop'),
    'reboot': ('reboot', 'os_compute_api:servers:reboot'),
    'pause': ('pause', 'os_compute_api:os-pause-server:pause'),
    'unpause': ('unpause', 'os_compute_api:os-pause-server:unpause'),
    'suspend': ('suspend', 'os_compute_api:os-suspend-server:suspend'),
    'resume': ('resume', 'os_compute_api:os-suspend-server:resume'),
    'lock': ('lock', 'os_compute_api:os-lock-server:lock'),
    'unlock': ('unlock', 'os_compute_api:os-lock-server:unlock'),
}
_REBOOT = {'type': 'object', 'properties': {'type': {'type': 'string', 'enum': ['HARD', 'Hard', 'hard', 'SOFT',
                                                                                'Soft', 'soft']}},
           'required': ['type'], 'additionalProperties': False}


def _ctx():
    return flask.g.ctx


def _store():
    return flask.current_app.config['NOVALITE_STORE']


def _jobs():
    return flask.current_app.config['NOVALITE_JOBS']


def _version():
    return flask.g.get('api_version') or (2, 1)


def _ref(value):
    """flavorRef/imageRef may be an id or a URL ending in one (Nova takes the last path segment)."""
    return str(value).rstrip('/').rsplit('/', 1)[-1]


def server_schema(version):
    """The create body's ``server`` object at microversion ``version`` (also checked against the OpenAPI doc)."""
    schema = dict(_SERVER, properties=dict(_SERVER['properties']))
    if version >= (2, 19):
        schema['properties']['description'] = validation.DESCRIPTION
    if version >= (2, 37):
        # From 2.37 networks is required: a list, or "auto" / "none".
        schema['properties']['networks'] = {'oneOf': [
            {'type': 'array', 'items': _NETWORK, 'minItems': 1},
            {'type': 'string', 'enum': ['none', 'auto']}]}
        schema['required'] = ['name', 'flavorRef', 'networks']
    return schema


def _boot_image(spec):
    """The image to boot: imageRef, or the one local image mapping the CLI sends alongside it.

    Anything backed by a volume needs Cinder, which novalite does not have.
    """
    image_ref = _ref(spec['imageRef']) if spec.get('imageRef') else None
    for index, bdm in enumerate(spec.get('block_device_mapping_v2') or []):
        local_image = bdm.get('source_type') == 'image' and bdm.get('destination_type', 'local') == 'local'
        if not local_image:
            raise validation.ValidationError('block_device_mapping_v2[%d]' % index,
                                             'Block Device Mapping is Invalid: only the image booted locally is '
                                             'supported (novalite has no volumes)')
        if str(bdm.get('boot_index')) == '0':
            image_ref = image_ref or bdm.get('uuid') or bdm.get('image_id')
    if not image_ref:
        raise validation.ValidationError('imageRef', 'Invalid imageRef provided.')
    return image_ref


def _count(spec, key, default):
    value = spec.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(key, 'must be an integer, got %r' % (value,))


def _networks(spec):
    requested = spec.get('networks')
    if requested in (None, 'auto', 'none') or requested == []:
        # No network service: "auto" allocates nothing, like a cloud with no network to give.
        return []
    first = requested[0]
    what = first.get('uuid') or first.get('port')
    raise validation.ValidationError('networks', 'Network %s could not be found.' % what if first.get('uuid')
                                     else 'Port id %s could not be found.' % what)


def _user_data(spec):
    raw = spec.get('user_data')
    if raw is None:
        return None
    try:
        base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise validation.ValidationError('user_data', 'Invalid input for field/attribute user_data. Value: %s. '
                                                      "'%s' is not a 'base64'" % (raw[:64], raw[:64]))
    return raw


def _availability_zone(spec, ctx):
    """Nova's "az", "az:host", "az::node" forms; a host or node is a forced host (admin only)."""
    value = spec.get('availability_zone')
    if not value or ':' not in value:
        return value
    zone, _sep, where = value.partition(':')
    if where.strip(':'):
        policy.enforce('os_compute_api:servers:create:forced_host', ctx, {'project_id': ctx.project_id})
        raise InvalidInput('availability_zone', 'forcing a host (%s) is not supported by novalite; use a '
                                                'scheduler hint or an availability zone' % value)
    return zone or None


@blueprint.route('/v2.1/servers', methods=['POST'])
def server_create():
    ctx = _ctx()
    body = flask.request.get_json(silent=True)
    spec = validation.body_object(body, 'server')
    extra = sorted(set(body) - set(('server', 'os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints')))
    if extra:
        raise validation.ValidationError(extra[0], "Invalid input for field/attribute body. Value: %s. Additional "
                                                   "properties are not allowed ('%s' was unexpected)"
                                         % (extra[0], extra[0]))
    validation.validate(spec, server_schema(_version()), 'server')
    # The value as sent, so that [] or "" is the schema's 400 and not quietly "no hints".
    hints_key = 'OS-SCH-HNT:scheduler_hints' if 'os:scheduler_hints' not in body else 'os:scheduler_hints'
    hints = body.get(hints_key, {})
    validation.validate(hints, _HINTS, hints_key)
    target = {'project_id': ctx.project_id, 'user_id': ctx.user_id}
    policy.enforce('os_compute_api:servers:create', ctx, target)
    min_count = _count(spec, 'min_count', 1)
    max_count = _count(spec, 'max_count', min_count)
    if min_count > max_count:
        raise InvalidInput('min_count', 'min_count must be <= max_count')
    image_ref = _boot_image(spec)
    for group in spec.get('security_groups') or []:
        if group.get('name') != 'default':
            raise InvalidInput('security_groups', 'Security group %s not found for project %s.'
                               % (group.get('name'), ctx.project_id))
    request = {
        'name': spec['name'], 'flavor': _ref(spec['flavorRef']), 'image': image_ref,
        'min_count': min_count, 'max_count': max_count,
        'availability_zone': _availability_zone(spec, ctx), 'key_name': spec.get('key_name'),
        'user_data': _user_data(spec), 'metadata': spec.get('metadata') or {},
        'description': spec.get('description'), 'scheduler_hints': hints,
        'config_drive': spec.get('config_drive'),
        'network_info': _networks(spec),
    }
    store = _store()
    ident = _jobs().accept(ctx.request_id, 'boot')
    try:
        rows = conductor.create_servers(
            store, ctx, request, enforce_quota=True,
            zero_disk_allowed=policy.allowed('os_compute_api:servers:create:zero_disk_flavor', ctx, target))
    except NotFound as exc:
        _jobs().forget(ident)
        # A flavor, image or keypair that is not there is a bad request, not a missing URL.
        raise InvalidInput(exc.field or 'server', _bad_ref_message(exc))
    except Exception:
        _jobs().forget(ident)
        raise
    _jobs().enqueue_boot(ident, [r['uuid'] for r in rows])
    if str(spec.get('return_reservation_id')).lower() in ('true', '1', 'yes'):
        return flask.jsonify({'reservation_id': rows[0]['reservation_id']}), 202
    out = {'id': rows[0]['uuid'], 'links': links('servers', rows[0]['uuid']), 'OS-DCF:diskConfig': 'MANUAL',
           'security_groups': [{'name': 'default'}], 'adminPass': secrets.token_urlsafe(9)}
    response = flask.jsonify({'server': out})
    response.status_code = 202
    response.headers['Location'] = out['links'][0]['href']
    return response


def _bad_ref_message(exc):
    what = (exc.what or '').lower()
    if what == 'image':
        return 'Image %s could not be found.' % exc.ident
    if what == 'flavor':
        return 'Flavor %s could not be found.' % exc.ident
    if 'key' in what:
        return 'Invalid key_name provided.'
    return exc.message


def _start(inst, action, reboot_type='SOFT', reason=None):
    """Check and record the action (task_state set), and hand its host call to a job.

    The job row comes first: a crash after the task_state is set is then found at restart.
    """
    ctx = _ctx()
    ident = _jobs().accept(ctx.request_id, 'action', [inst['uuid']], action_table.action_for(action, reboot_type))
    try:
        started = server_actions.start(_store(), inst['uuid'], action, ctx, reboot_type=reboot_type, reason=reason)
    except Exception:
        _jobs().forget(ident)
        raise
    if started['host_call'] is None:
        _jobs().forget(ident)   # done in the database (lock, unlock, a never-scheduled server's delete)
    else:
        _jobs().enqueue_action(ident, inst['uuid'], dict(started['host_call'], request_id=ctx.request_id))
    return started


@blueprint.route('/v2.1/servers/<server_id>/action', methods=['POST'])
def server_action(server_id):
    body = flask.request.get_json(silent=True)
    # nova/api/openstack/wsgi.py action_peek and the action lookup, with their messages
    if not isinstance(body, dict) or len(body) != 1:
        raise validation.ValidationError('body', 'Malformed message body: too many body keys'
                                         if isinstance(body, dict) and body else
                                         'Malformed message body: cannot understand JSON')
    name, args = next(iter(body.items()))
    if name == 'os-resetState':
        # nova/api/openstack/compute/admin_actions.py _reset_state (admin only: the domain function checks too)
        validation.validate(args, {'type': 'object', 'properties': {'state': {'type': 'string', 'enum': [
            'active', 'error']}}, 'required': ['state'], 'additionalProperties': False}, 'os-resetState')
        server_actions.reset_state(_store(), get_server(server_id, 'admin_api')['uuid'], args['state'], _ctx())
        return '', 202
    if name not in ACTION_RULES:
        raise validation.ValidationError('action', 'There is no such action: %s' % name)
    action, rule = ACTION_RULES[name]
    inst = get_server(server_id, rule)
    reboot_type = 'SOFT'
    if name == 'reboot':
        validation.validate(args, _REBOOT, 'reboot')
        reboot_type = args['type'].upper()
    elif name == 'lock' and _version() < (2, 73) and args not in (None, {}):
        raise validation.ValidationError('lock', 'Invalid input for field/attribute lock. Value: %s. None is '
                                                 'not of type object before 2.73' % (args,))
    elif name != 'lock' and args not in (None, {}):
        raise validation.ValidationError(name, 'Invalid input for field/attribute %s. Value: %s. %r is not of '
                                               "type 'null'" % (name, args, args))
    _start(inst, action, reboot_type=reboot_type)
    return '', 202


@blueprint.route('/v2.1/servers/<server_id>', methods=['DELETE'])
def server_delete(server_id):
    _start(get_server(server_id, 'os_compute_api:servers:delete'), 'delete')
    return '', 204
