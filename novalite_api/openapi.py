# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The OpenAPI 3.0 document of the shim, served at ``GET /openapi.json`` (public).

Built as data in one place: ``_identity_ops``, ``_compute_ops`` and
``_image_ops`` list every route (path, method, what it takes and answers),
shapes shared between routes live in ``_schemas`` (``components/schemas``).
Request bodies are not written here: they are the JSON schemas the handlers
validate with (``compute/schemas/``, ``identity.AUTH_REQUEST``,
``image.CREATE``), turned into OpenAPI by ``from_jsonschema``; bodies follow
the newest microversion, or the one ``?microversion=2.N`` asks for. ``tests/api/test_openapi.py`` compares the paths
and methods with the Flask url_map, so an undocumented route fails a test.
Error bodies are each service's own: Nova's ``{"itemNotFound": {"code",
"message"}}``, Keystone's ``{"error": {...}}``, Glance's flat one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from novalite_api import identity, image
from novalite_api.compute import api_version
from novalite_api.compute.views.hypervisors import STATISTICS as HYPERVISOR_STATISTICS
from novalite_api.compute.schemas import extra_specs as extra_specs_schemas
from novalite_api.compute.schemas import flavor_access as flavor_access_schemas
from novalite_api.compute.schemas import flavors as flavors_schemas
from novalite_api.compute.schemas import keypairs as keypairs_schemas
from novalite_api.compute.schemas import quota_sets as quota_sets_schemas
from novalite_api.compute.schemas import quota_classes as quota_classes_schemas
from novalite_api.compute import removed as removed_apis
from novalite_api.compute import hosts as hosts_api
from novalite_api.compute import security_groups as sg_api
from novalite_api.compute import floating_ips as fip_api
from novalite_api.compute import server_migrations
from novalite_api.compute.schemas import aggregates as aggregates_schemas
from novalite_api.compute.schemas import server_groups as server_groups_schemas
from novalite_api.compute.schemas import services as services_schemas
from novalite_api.compute.schemas import remote_consoles as remote_consoles_schemas
from novalite_api.compute.server_shares import CREATE as server_shares_schema
from novalite_api.compute import volume_attachments
from novalite_api.compute import assisted_volume_snapshots, attach_interfaces, baremetal_nodes, snapshots, volumes, \
    volumes_boot
from novalite_api.compute.schemas import server_metadata as server_metadata_schemas
from novalite_api.compute.schemas import server_tags as server_tags_schemas
from novalite_api.compute.schemas import servers as servers_schemas
from novalite_api.compute.schemas import server_external_events as external_events_schemas
from novalite_api.compute.instance_usage_audit_log import AUDIT_PERIOD
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

NOVA_FAULTS = ('badRequest', 'unauthorized', 'forbidden', 'itemNotFound', 'badMethod', 'conflictingRequest',
               'overLimit', 'badMediaType', 'notImplemented', 'serviceUnavailable', 'computeFault')
COMPUTE = '/compute/v2.1'
PARAM_REFS = {'microversion': '#/components/parameters/OpenStackAPIVersion',
              'nova_microversion': '#/components/parameters/XOpenStackNovaAPIVersion'}


# ---- small builders ---------------------------------------------------------------------------

def ref(name):
    return {'$ref': '#/components/schemas/%s' % name}


def string(**extra):
    return dict({'type': 'string'}, **extra)


def integer(**extra):
    return dict({'type': 'integer'}, **extra)


def nullable(schema):
    return dict(schema, nullable=True)


def array(items, **extra):
    return dict({'type': 'array', 'items': items}, **extra)


def obj(properties=None, required=(), additional=True, **extra):
    out = {'type': 'object', 'properties': properties or {}}
    if required:
        out['required'] = list(required)
    if additional is not True:
        out['additionalProperties'] = additional
    out.update(extra)
    return out


def wrapped(key, schema, additional=False):
    """Nova's envelope: ``{key: schema}``."""
    return obj({key: schema}, required=[key], additional=additional)


def json_body(schema, description=None):
    out = {'content': {'application/json': {'schema': schema}}}
    if description:
        out['description'] = description
    return out


def query(name, schema=None, description=None):
    out = {'name': name, 'in': 'query', 'required': False, 'schema': schema or string()}
    if description:
        out['description'] = description
    return out


def header(name, schema=None, required=False, description=None):
    out = {'name': name, 'in': 'header', 'required': required, 'schema': schema or string()}
    if description:
        out['description'] = description
    return out


UUID = string(format='uuid')
DATETIME = string()      # ISO 8601; Nova's and Glance's forms differ, not checked here
QUOTA_KEYS = ('instances', 'cores', 'ram', 'metadata_items', 'key_pairs', 'server_groups', 'server_group_members',
              'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes', 'floating_ips',
              'fixed_ips', 'security_groups', 'security_group_rules', 'networks')


# ---- request bodies: the handlers' JSON schemas as OpenAPI 3.0 ------------------------------------

# The keywords of a draft 2020-12 JSON schema that constrain one JSON type only (OpenAPI 3.0 has no type
# lists, so a list of types becomes anyOf one schema per type, each with its own keywords).
_TYPE_KEYWORDS = {
    'string': ('minLength', 'maxLength', 'pattern', 'format'),
    'integer': ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'),
    'number': ('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'),
    'boolean': (),
    'array': ('items', 'minItems', 'maxItems', 'uniqueItems'),
    'object': ('properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties',
               'maxProperties'),
}
_ANY_TYPE_KEYWORDS = ('description',)
_COMBINERS = ('oneOf', 'anyOf', 'allOf')


def _is_of_type(value, json_type):
    if json_type == 'string':
        return isinstance(value, str)
    if json_type == 'boolean':
        return isinstance(value, bool)
    if json_type == 'integer':
        return isinstance(value, int) and not isinstance(value, bool)
    if json_type == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return False


def _object_keywords(schema):
    out = {}
    if 'properties' in schema:
        out['properties'] = dict((name, from_jsonschema(sub)) for name, sub in schema['properties'].items())
    for keyword in ('required', 'minProperties', 'maxProperties'):
        if keyword in schema:
            out[keyword] = list(schema[keyword]) if keyword == 'required' else schema[keyword]
    additional = schema.get('additionalProperties', True)
    patterns = schema.get('patternProperties')
    if patterns:
        # OpenAPI 3.0 has no patternProperties: the values' schema stays, the keys' pattern is only said.
        values = [from_jsonschema(sub) for sub in patterns.values()]
        additional = values[0] if len(values) == 1 else {'anyOf': values}
        additional = dict(additional, description='keys matching %s' % ' or '.join(sorted(patterns)))
    elif isinstance(additional, dict):
        additional = from_jsonschema(additional)
    if additional is not True:
        out['additionalProperties'] = additional
    return out


def _for_type(schema, json_type):
    """``schema`` narrowed to one JSON type, or None when its enum leaves no value of that type."""
    out = {'type': json_type}
    if 'enum' in schema:
        out['enum'] = [value for value in schema['enum'] if _is_of_type(value, json_type)]
        if not out['enum']:
            return None
    if json_type == 'object':
        out.update(_object_keywords(schema))
    elif json_type == 'array':
        out.update((k, from_jsonschema(v) if k == 'items' else v) for k, v in schema.items()
                   if k in _TYPE_KEYWORDS['array'])
    else:
        out.update((k, v) for k, v in schema.items() if k in _TYPE_KEYWORDS[json_type])
        for bound, side in (('exclusiveMinimum', 'minimum'), ('exclusiveMaximum', 'maximum')):
            # draft 2020-12's numeric exclusive bound is OpenAPI 3.0's bound plus a boolean
            if not isinstance(out.get(bound, True), bool):
                out[side], out[bound] = out[bound], True
    return out


def from_jsonschema(schema):
    """A handler's request schema (draft 2020-12, as ``validation.validate`` uses it) as an OpenAPI 3.0 schema.

    Mechanical: ``type`` lists become ``anyOf`` (``'null'`` in one becomes ``nullable``), each
    alternative keeps only the keywords of its type; ``patternProperties`` becomes
    ``additionalProperties``. The OpenAPI form may accept a little more than the handler (key
    patterns, numeric strings' bounds), never less.
    """
    out = dict((k, schema[k]) for k in _ANY_TYPE_KEYWORDS if k in schema)
    for combiner in _COMBINERS:
        if combiner in schema:
            out[combiner] = [from_jsonschema(sub) for sub in schema[combiner]]
    types = schema.get('type')
    if types is None:
        if 'enum' in schema:
            out['enum'] = list(schema['enum'])
        return out
    types = [types] if isinstance(types, str) else list(types)
    nullable = 'null' in types
    alternatives = [alt for alt in (_for_type(schema, t) for t in types if t != 'null') if alt is not None]
    if not alternatives:
        # only null (Nova's {"force_complete": null}): OpenAPI 3.0 has no null type
        out.update(enum=[None], nullable=True)
        return out
    if len(alternatives) == 1:
        out.update(alternatives[0])
    else:
        out['anyOf'] = alternatives
    if nullable:
        out['nullable'] = True
    return out


# ---- shared shapes (components/schemas) ---------------------------------------------------------

def _nova_error():
    fault = obj({'code': integer(), 'message': string(), 'details': string()}, required=['code', 'message'])
    return obj(dict((name, fault) for name in NOVA_FAULTS), additional=False, minProperties=1, maxProperties=1)


SERVER_BASE = ['id', 'name', 'status', 'tenant_id', 'user_id', 'metadata', 'hostId', 'image', 'flavor', 'created',
               'updated', 'addresses', 'accessIPv4', 'accessIPv6', 'links']
SERVER_EXTENDED = ['OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone', 'config_drive', 'key_name',
                   'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'OS-EXT-STS:task_state',
                   'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state', 'os-extended-volumes:volumes_attached']


def _server_detail(extended=True):
    """A server as show/detail render it; PUT answers without the extension attributes (as Nova below 2.75)."""
    image_ref = obj({'id': string(), 'links': array(ref('Link'))}, required=['id'])
    return obj({
        'id': string(), 'name': string(), 'status': string(), 'tenant_id': string(), 'user_id': string(),
        'metadata': obj(additional=string()), 'hostId': string(),
        # "" for a server booted from a volume
        'image': {'oneOf': [image_ref, string(enum=[''])]},
        'flavor': obj({'id': string(), 'links': array(ref('Link'))}),
        'created': DATETIME, 'updated': DATETIME,
        'addresses': obj(additional=array(obj({'version': integer(enum=[4, 6]), 'addr': string()},
                                              required=['version', 'addr']))),
        'accessIPv4': string(), 'accessIPv6': string(), 'links': array(ref('Link')),
        'OS-DCF:diskConfig': string(enum=['MANUAL', 'AUTO']), 'progress': integer(minimum=0, maximum=100),
        'OS-EXT-AZ:availability_zone': string(), 'config_drive': string(), 'key_name': nullable(string()),
        'OS-SRV-USG:launched_at': nullable(DATETIME), 'OS-SRV-USG:terminated_at': nullable(DATETIME),
        'OS-EXT-STS:task_state': nullable(string()), 'OS-EXT-STS:vm_state': string(),
        'OS-EXT-STS:power_state': integer(),
        'os-extended-volumes:volumes_attached': array(obj({'id': string()})),
        'OS-EXT-SRV-ATTR:host': nullable(string()), 'OS-EXT-SRV-ATTR:instance_name': nullable(string()),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': nullable(string()),
        'fault': obj({'code': integer(), 'created': DATETIME, 'message': string(), 'details': string()},
                     required=['code', 'created', 'message']),
        'security_groups': array(obj({'name': string()})),
        # 2.9, 2.19, 2.26
        'locked': {'type': 'boolean'}, 'description': nullable(string()), 'tags': array(string()),
    }, required=SERVER_BASE + (SERVER_EXTENDED if extended else []))


def _quota_set(value):
    return obj(dict([('id', string())] + [(key, value) for key in QUOTA_KEYS]))


def _token():
    named = obj({'id': string(), 'name': string(), 'domain': obj({'id': string(), 'name': string()})})
    endpoint = obj({'id': string(), 'interface': string(enum=['public', 'internal', 'admin']),
                    'region_id': string(), 'region': string(), 'url': string()},
                   required=['interface', 'url'])
    return wrapped('token', obj({
        'methods': array(string()), 'user': named, 'project': named, 'is_domain': {'type': 'boolean'},
        'roles': array(obj({'id': string(), 'name': string()}, required=['id', 'name'])),
        'audit_ids': array(string()), 'issued_at': DATETIME, 'expires_at': DATETIME,
        'catalog': array(ref('CatalogEntry')),
    }, required=['methods', 'user', 'audit_ids', 'issued_at', 'expires_at']), additional=True), endpoint


def _image():
    return obj({
        'id': UUID, 'name': nullable(string()), 'status': string(), 'visibility': string(),
        'protected': {'type': 'boolean'}, 'os_hidden': {'type': 'boolean'}, 'checksum': nullable(string()),
        'os_hash_algo': nullable(string()), 'os_hash_value': nullable(string()), 'owner': nullable(string()),
        'size': nullable(integer()), 'virtual_size': nullable(integer()), 'min_ram': integer(),
        'min_disk': integer(), 'disk_format': nullable(string()), 'container_format': nullable(string()),
        'created_at': DATETIME, 'updated_at': DATETIME, 'tags': array(string()), 'self': string(),
        'file': string(), 'schema': string(),
    }, required=['id', 'name', 'status', 'visibility', 'protected', 'owner', 'min_ram', 'min_disk', 'created_at',
                 'updated_at', 'tags', 'self', 'file', 'schema'])


def _schemas(version):
    link = obj({'rel': string(), 'href': string(), 'type': string()}, required=['rel', 'href'])
    token, endpoint = _token()
    flavor = obj({
        'id': string(), 'name': string(), 'ram': integer(), 'disk': integer(), 'vcpus': integer(),
        'OS-FLV-EXT-DATA:ephemeral': integer(), 'OS-FLV-DISABLED:disabled': {'type': 'boolean'},
        'os-flavor-access:is_public': {'type': 'boolean'},
        # swap: "" for none until 2.75, 0 from then; rxtx_factor and disabled are gone from 2.102
        'swap': {'oneOf': [integer(minimum=0), string(enum=[''])]}, 'rxtx_factor': {'type': 'number'},
        'links': array(ref('Link')), 'description': nullable(string()),
        'extra_specs': obj(additional=string()),
    }, required=['id', 'name', 'ram', 'disk', 'vcpus', 'links', 'OS-FLV-EXT-DATA:ephemeral',
                 'os-flavor-access:is_public', 'swap'])
    keypair = obj({'name': string(), 'public_key': string(), 'fingerprint': string(), 'user_id': string(),
                   'private_key': string(), 'type': string(enum=['ssh', 'x509']), 'created_at': DATETIME,
                   'updated_at': nullable(DATETIME), 'deleted': {'type': 'boolean'},
                   'deleted_at': nullable(DATETIME), 'id': integer()},
                  required=['name', 'public_key', 'fingerprint'])
    hypervisor = obj({'id': {'oneOf': [integer(), string()]}, 'hypervisor_hostname': string(),
                      'state': string(enum=['up', 'down']), 'status': string(enum=['enabled', 'disabled']),
                      'cpu_info': string(), 'service': obj({'host': string(), 'id': {'oneOf': [integer(), string()]},
                                                            'disabled_reason': nullable(string())}),
                      'servers': array(obj({'name': string(), 'uuid': string()})), 'uptime': nullable(string())},
                     required=['id', 'hypervisor_hostname', 'state', 'status'])
    service = obj({'id': nullable({'oneOf': [integer(), string()]}), 'binary': string(), 'host': string(),
                   'zone': string(), 'status': string(enum=['enabled', 'disabled']),
                   'state': string(enum=['up', 'down']), 'updated_at': nullable(DATETIME),
                   'disabled_reason': nullable(string()), 'forced_down': {'type': 'boolean'}},
                  required=['id', 'binary', 'host', 'zone', 'status', 'state', 'updated_at', 'disabled_reason'])
    zone = obj({'zoneName': string(), 'zoneState': obj({'available': {'type': 'boolean'}}, required=['available']),
                'hosts': nullable(obj(additional=obj(additional=obj({'available': {'type': 'boolean'},
                                                                     'active': {'type': 'boolean'},
                                                                     'updated_at': nullable(DATETIME)}))))},
               required=['zoneName', 'zoneState', 'hosts'])
    event = obj({'event': string(), 'start_time': DATETIME, 'finish_time': nullable(DATETIME),
                 'result': nullable(string()), 'traceback': nullable(string())}, required=['event', 'start_time'])
    action = obj({'action': string(), 'instance_uuid': string(), 'message': nullable(string()),
                  'project_id': string(), 'request_id': string(), 'start_time': DATETIME, 'user_id': string(),
                  'events': array(event)},
                 required=['action', 'instance_uuid', 'message', 'project_id', 'request_id', 'start_time', 'user_id'])
    absolute = obj(dict((k, integer()) for k in (
        'maxServerMeta', 'maxPersonality', 'maxPersonalitySize', 'maxImageMeta', 'maxTotalKeypairs',
        'maxSecurityGroups', 'maxSecurityGroupRules', 'maxServerGroups', 'maxServerGroupMembers',
        'maxTotalFloatingIps', 'maxTotalInstances', 'maxTotalCores', 'maxTotalRAMSize', 'totalInstancesUsed',
        'totalCoresUsed', 'totalRAMUsed', 'totalSecurityGroupsUsed', 'totalFloatingIpsUsed',
        'totalServerGroupsUsed')), required=['maxTotalInstances', 'maxTotalCores', 'maxTotalRAMSize',
                                             'totalInstancesUsed', 'totalCoresUsed', 'totalRAMUsed'])
    return {
        'Link': link,
        'NovaError': _nova_error(),
        'KeystoneError': wrapped('error', obj({'code': integer(), 'title': string(), 'message': string()},
                                              required=['code', 'title', 'message'])),
        'NeutronError': wrapped('NeutronError', obj(
            {'type': string(), 'message': string(), 'detail': string()}, required=['type', 'message'])),
        'GlanceError': obj({'code': integer(), 'title': string(), 'message': string(),
                            'error': obj({'code': integer(), 'message': string()})},
                           required=['code', 'message']),
        'VersionDocument': obj({'id': string(), 'status': string(), 'version': string(),
                                'min_version': string(), 'updated': string(), 'links': array(ref('Link')),
                                'media-types': array(obj({'base': string(), 'type': string()}))},
                               required=['id', 'status', 'links']),
        # identity
        'AuthRequest': from_jsonschema(identity.AUTH_REQUEST),
        'Token': token,
        'CatalogEntry': obj({'id': string(), 'type': string(), 'name': string(), 'endpoints': array(endpoint)},
                            required=['type', 'endpoints']),
        # compute
        'FlavorSummary': obj({'id': string(), 'name': string(), 'links': array(ref('Link'))},
                             required=['id', 'name', 'links']),
        'Flavor': flavor,
        'FlavorCreate': from_jsonschema(flavors_schemas.create(version)),
        'FlavorAccess': wrapped('flavor_access', array(obj({'flavor_id': string(), 'tenant_id': string()},
                                                           required=['flavor_id', 'tenant_id']))),
        # Nova echoes the values as sent (a number or boolean stays one); stored, they read back as strings.
        'ExtraSpecs': from_jsonschema(extra_specs_schemas.CREATE),
        'ExtraSpec': from_jsonschema(extra_specs_schemas.UPDATE),
        'KeypairCreate': from_jsonschema(keypairs_schemas.create(version)),
        'Keypair': keypair,
        'ServerSummary': obj({'id': string(), 'name': string(), 'links': array(ref('Link'))},
                             required=['id', 'name', 'links']),
        'Server': _server_detail(),
        'ServerUpdated': _server_detail(extended=False),
        'ServerCreate': from_jsonschema(servers_schemas.create(version)),
        'ServerCreated': wrapped('server', obj({
            'id': string(), 'links': array(ref('Link')), 'OS-DCF:diskConfig': string(enum=['MANUAL', 'AUTO']),
            'adminPass': string(), 'security_groups': array(obj({'name': string()}))},
            required=['id', 'links']), additional=True),
        'ServerUpdate': from_jsonschema(servers_schemas.update(version)),
        'ServerAction': from_jsonschema(servers_schemas.action(version)),
        'Metadata': from_jsonschema(server_metadata_schemas.METADATA),
        'Address': obj({'addr': string(), 'version': integer()}, required=['addr', 'version']),
        'TenantUsage': obj({
            'tenant_id': string(), 'start': string(), 'stop': string(), 'total_hours': {'type': 'number'},
            'total_vcpus_usage': {'type': 'number'}, 'total_memory_mb_usage': {'type': 'number'},
            'total_local_gb_usage': {'type': 'number'}, 'server_usages': array(obj({
                'instance_id': string(), 'name': string(), 'tenant_id': string(), 'flavor': string(),
                'hours': {'type': 'number'}, 'vcpus': integer(), 'memory_mb': integer(), 'local_gb': integer(),
                'started_at': string(), 'ended_at': nullable(string()), 'state': string(),
                'uptime': integer()}))}),
        'MetadataItem': from_jsonschema(server_metadata_schemas.METADATA_ITEM),
        'Aggregate': obj({'id': integer(), 'uuid': string(), 'name': string(),
                          'availability_zone': nullable(string()), 'hosts': array(string()),
                          'metadata': {'type': 'object', 'additionalProperties': string()},
                          'created_at': string(), 'updated_at': nullable(string()), 'deleted': {'type': 'boolean'},
                          'deleted_at': nullable(string())},
                         required=['id', 'name', 'availability_zone', 'created_at', 'updated_at', 'deleted',
                                   'deleted_at']),
        'ServerGroup': obj({'id': string(), 'name': string(), 'policy': string(), 'rules': {'type': 'object'},
                            'policies': array(string()), 'metadata': {'type': 'object'}, 'members': array(string()),
                            'project_id': string(), 'user_id': string()}, required=['id', 'name', 'members']),
        'ProxyImage': obj({'id': string(), 'name': nullable(string()), 'minRam': integer(), 'minDisk': integer(),
                           'metadata': {'type': 'object'}, 'created': nullable(DATETIME),
                           'updated': nullable(DATETIME), 'status': string(), 'progress': integer(),
                           'OS-EXT-IMG-SIZE:size': nullable(integer()), 'links': array(ref('Link'))},
                          required=['id', 'name', 'status', 'links']),
        'Tags': from_jsonschema(server_tags_schemas.TAGS),
        'InstanceAction': action,
        'InterfaceAttachment': obj({'net_id': string(format='uuid'), 'port_id': string(format='uuid'),
                                    'mac_addr': string(), 'port_state': string(),
                                    'fixed_ips': array(obj({'subnet_id': string(format='uuid'),
                                                            'ip_address': string()})),
                                    'tag': nullable(string())},
                                   required=['net_id', 'port_id', 'mac_addr', 'port_state', 'fixed_ips']),
        'Limits': wrapped('limits', obj({'rate': array(obj()), 'absolute': absolute}, required=['rate', 'absolute'])),
        'AvailabilityZone': zone,
        'Hypervisor': hypervisor,
        'Service': service,
        'QuotaSet': wrapped('quota_set', _quota_set(integer())),
        'QuotaSetDetail': wrapped('quota_set', _quota_set(obj({'in_use': integer(), 'limit': integer(),
                                                               'reserved': integer()}))),
        'QuotaSetUpdate': from_jsonschema(quota_sets_schemas.update(version)),
        # image
        'Image': _image(),
        'ImageList': obj({'images': array(ref('Image')), 'first': string(), 'schema': string(), 'next': string()},
                         required=['images', 'first', 'schema']),
        'ImageCreate': from_jsonschema(image.CREATE),
    }


# ---- operations -------------------------------------------------------------------------------

def _errors(service, codes):
    if not codes:
        return {}
    # paths of no service (this document) answer errors in Keystone's body (faults.error_response)
    schema = ref({'compute': 'NovaError', 'identity': 'KeystoneError', 'image': 'GlanceError',
                  'network': 'NeutronError', 'openapi': 'KeystoneError'}[service])
    descriptions = {400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found',
                    406: 'Microversion not supported', 409: 'Conflict', 413: 'Request too large',
                    415: 'Unsupported media type'}
    return dict((str(code), {'description': descriptions[code], 'content': {'application/json': {'schema': schema}}})
                for code in codes)


def op(summary, answers, body=None, params=(), errors=(), public=False):
    """One operation: ``answers`` maps status -> (description, schema or None, headers or None)."""
    return {'summary': summary, 'ok': answers, 'body': body, 'params': list(params), 'errors': set(errors),
            'public': public}


def ok(status, description, schema=None, headers=None):
    return {str(status): (description, schema, headers)}


def both(*dicts):
    out = {}
    for item in dicts:
        out.update(item)
    return out


_REQUEST_ID = {'x-openstack-request-id': {'schema': string(pattern='^req-'), 'description': 'req-<uuid>'}}
_LIMIT_MARKER = [query('limit', integer(minimum=0)), query('marker')]
# a migration row (os-migrations, servers/{id}/migrations): Nova's fields, some only at later microversions
_MIGRATION = obj({'id': integer(), 'status': string(), 'source_compute': nullable(string()),
                  'dest_compute': nullable(string()), 'created_at': string(), 'updated_at': nullable(string())})

# os-simple-tenant-usage's period: Nova's three time spellings, missing = now
_USAGE_PERIOD = [query('start', description='period start (UTC)'), query('end', description='period end (UTC)')]


def _identity_ops():
    subject = header('X-Subject-Token', required=True, description='the token to validate')
    nocatalog = query('nocatalog', description='present: answer without the catalog')
    token_headers = {'X-Subject-Token': {'schema': string(), 'description': 'the token'}}
    project = obj({'id': string(), 'name': string(), 'domain_id': string(), 'description': string(),
                   'enabled': {'type': 'boolean'}, 'is_domain': {'type': 'boolean'}, 'parent_id': string(),
                   'tags': array(string()), 'options': obj(), 'links': obj({'self': string()})},
                  required=['id', 'name', 'domain_id', 'enabled'])
    return {
        '/identity/': {'get': op('Identity API versions', ok(300, 'Version list', obj(
            {'versions': obj({'values': array(ref('VersionDocument'))}, required=['values'])},
            required=['versions'])), public=True)},
        '/identity/v3': {'get': op('Identity v3 version document', ok(200, 'Version', wrapped(
            'version', ref('VersionDocument'))), public=True)},
        '/identity/v3/auth/tokens': {
            'post': op('Issue a token (password method, project scope)',
                       ok(201, 'Token issued', ref('Token'), token_headers), body=ref('AuthRequest'),
                       params=[nocatalog], errors=(400, 401, 404), public=True),
            'get': op('Validate a token', ok(200, 'Token data', ref('Token'), token_headers),
                      params=[subject, nocatalog], errors=(400, 401, 404)),
            'head': op('Check a token', ok(200, 'Token is valid', None, token_headers), params=[subject],
                       errors=(400, 401, 404)),
            'delete': op('Revoke a token', ok(204, 'Revoked'), params=[subject], errors=(400, 401, 404)),
        },
        '/identity/v3/auth/catalog': {'get': op('The catalog of the caller\'s token', ok(200, 'Catalog', obj(
            {'catalog': array(ref('CatalogEntry')), 'links': obj({'self': string()})}, required=['catalog'])),
            errors=(401,))},
        '/identity/v3/projects': {'get': op('Projects the caller may see (admin: all)', ok(200, 'Projects', obj(
            {'projects': array(project), 'links': obj()}, required=['projects'])),
            params=[query('name', description='exact project name')], errors=(401,))},
        '/identity/v3/projects/{project_id}': {'get': op('One project, by id', ok(200, 'Project', wrapped(
            'project', project)), params=[('project_id', 'project id')], errors=(401, 404))},
    }


def _compute_ops(version):
    c = COMPUTE
    server_id = [('server_id', 'the server UUID')]
    flavor_id = [('flavor_id', 'the flavor id')]
    image_id = [('image_id', 'the image UUID')]
    aggregate_id = [('aggregate_id', 'the aggregate\'s integer id')]
    hypervisor_filters = [query('hypervisor_hostname_pattern', description='2.53+: substring of the hostname'),
                          query('with_servers', description='2.53+: include the servers')] + _LIMIT_MARKER
    server_filters = [query('name', description='regular expression'), query('status'),
                      query('all_tenants', description='admins: every project'), query('project_id'),
                      query('tenant_id'), query('host', description='admins only')] + _LIMIT_MARKER
    flavor_filters = [query('is_public', description='true/false, "none" = all (admins)'),
                      query('minRam', integer(minimum=0)), query('minDisk', integer(minimum=0)),
                      query('sort_key', string(enum=['flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb', 'id',
                                                     'ephemeral_gb', 'swap', 'rxtx_factor', 'disabled',
                                                     'is_public', 'created_at', 'updated_at'])),
                      query('sort_dir', string(enum=['asc', 'desc']))] + _LIMIT_MARKER
    user_id = query('user_id', description='the user within the project')
    versions = obj({'versions': array(ref('VersionDocument'))}, required=['versions'])
    ops = {
        '/compute/': {'get': op('Compute API versions', ok(200, 'Versions', versions), public=True)},
        '/compute/v2': {'get': op('Compute v2.0 version document', ok(200, 'Version', wrapped(
            'version', ref('VersionDocument'))), public=True)},
        c: {'get': op('Compute v2.1 version document', ok(200, 'Version', wrapped(
            'version', ref('VersionDocument'))), public=True)},
        c + '/versions/{version_id}': {'get': op('One version document by id (v2.0, v2.1)', ok(200, 'Version', wrapped(
            'version', ref('VersionDocument'))), params=[('version_id', 'v2.0 or v2.1')])},
        # flavors
        c + '/flavors': {
            'get': op('List flavors', ok(200, 'Flavors', wrapped('flavors', array(ref('FlavorSummary')))),
                      params=flavor_filters),
            'post': op('Create a flavor (admin)', ok(200, 'Created', wrapped('flavor', ref('Flavor'))),
                       body=ref('FlavorCreate'), errors=(409,)),
        },
        c + '/flavors/detail': {'get': op('List flavors with details', ok(200, 'Flavors', wrapped(
            'flavors', array(ref('Flavor')))), params=flavor_filters)},
        c + '/flavors/{flavor_id}': {
            'get': op('Show a flavor', ok(200, 'Flavor', wrapped('flavor', ref('Flavor'))), params=flavor_id),
            'put': op('Change a flavor\'s description (admin, 2.55+)', ok(200, 'Flavor', wrapped('flavor', ref('Flavor'))),
                      body=from_jsonschema(flavors_schemas.UPDATE), params=flavor_id),
            'delete': op('Delete a flavor (admin)', ok(202, 'Deleted'), params=flavor_id),
        },
        c + '/flavors/{flavor_id}/action': {'post': op(
            'Add or remove a project\'s access to a private flavor (admin)',
            ok(200, 'The access list', ref('FlavorAccess')), body=from_jsonschema(flavor_access_schemas.ACTION), params=flavor_id, errors=(409,))},
        c + '/flavors/{flavor_id}/os-flavor-access': {'get': op(
            'Projects with access to a private flavor (admin)', ok(200, 'Access list', ref('FlavorAccess')),
            params=flavor_id)},
        c + '/flavors/{flavor_id}/os-extra_specs': {
            'get': op('A flavor\'s extra specs', ok(200, 'Extra specs', ref('ExtraSpecs')), params=flavor_id),
            'post': op('Add or update extra specs (admin)', ok(200, 'Extra specs', ref('ExtraSpecs')),
                       body=ref('ExtraSpecs'), params=flavor_id, errors=(409,)),
        },
        c + '/flavors/{flavor_id}/os-extra_specs/{key}': {
            'get': op('One extra spec', ok(200, 'The spec', ref('ExtraSpec')), params=flavor_id + [('key', 'spec key')]),
            'put': op('Set one extra spec (admin); the body key must match the path',
                      ok(200, 'The spec', ref('ExtraSpec')), body=ref('ExtraSpec'), params=flavor_id + [('key', 'spec key')],
                      errors=(409,)),
            'delete': op('Delete one extra spec (admin)', ok(200, 'Deleted'),
                         params=flavor_id + [('key', 'spec key')]),
        },
        # keypairs
        c + '/os-keypairs': {
            'get': op('The caller\'s keypairs', ok(200, 'Keypairs', wrapped('keypairs', array(wrapped(
                'keypair', ref('Keypair'), additional=True))))),
            'post': op('Generate or import a keypair', both(
                ok(200, 'Created (2.1)', wrapped('keypair', ref('Keypair'))),
                ok(201, 'Created (2.2+)', wrapped('keypair', ref('Keypair')))),
                body=ref('KeypairCreate'), errors=(409,)),
        },
        c + '/os-keypairs/{name}': {
            'get': op('Show a keypair', ok(200, 'Keypair', wrapped('keypair', ref('Keypair'))),
                      params=[('name', 'keypair name')]),
            'delete': op('Delete a keypair', both(ok(202, 'Deleted (2.1)'), ok(204, 'Deleted (2.2+)')),
                         params=[('name', 'keypair name')]),
        },
        # servers
        c + '/servers': {
            'get': op('List servers', ok(200, 'Servers', wrapped('servers', array(ref('ServerSummary')))),
                      params=server_filters),
            # {"reservation_id"} instead when return_reservation_id is true
            'post': op('Create servers (an ansible-runner job boots them)', ok(
                202, 'Accepted: the server, or the reservation id', {'oneOf': [ref('ServerCreated'), obj(
                    {'reservation_id': string()}, required=['reservation_id'], additional=False)]}),
                body=ref('ServerCreate'), errors=(409, 413)),
        },
        c + '/servers/detail': {'get': op('List servers with details', ok(200, 'Servers', wrapped(
            'servers', array(ref('Server')))), params=server_filters)},
        c + '/servers/{server_id}': {
            'get': op('Show a server', ok(200, 'Server', wrapped('server', ref('Server'))), params=server_id),
            'put': op('Update a server\'s name, access IPs, description', ok(200, 'Server', wrapped(
                'server', ref('ServerUpdated'))), body=ref('ServerUpdate'), params=server_id, errors=(409,)),
            'delete': op('Delete a server', ok(204, 'Deletion accepted'), params=server_id, errors=(409,)),
        },
        c + '/servers/{server_id}/action': {'post': op(
            'Start, stop, reboot, pause, unpause, suspend, resume, lock, unlock, reset the state of, rebuild, '
            'unrescue, shelve, shelve-offload or unshelve a server (202; rebuild answers the server; unshelve takes '
            'an availability zone from 2.77 and a host from 2.91), resize it, revert a resize (202) or confirm it '
            '(204), cold-migrate it (admin, 202; a host from 2.56) or live-migrate it (os-migrateLive, admin, 202), '
            'snapshot or back it up (createImage, '
            'createBackup: 202, from 2.45 with the new image id), rescue it (200), read its console output (200), '
            'or (until 2.5) get a VNC or serial console URL (os-getVNCConsole, os-getSerialConsole: 200)',
            both(ok(202, 'Accepted'), ok(200, 'Console output, a rescue accepted, a new image id or a console URL', {
                'oneOf': [
                    wrapped('output', string()),
                    wrapped('console', obj({'type': string(), 'url': string()}, required=['type', 'url'])),
                    # rescue: Nova's {adminPass}; {} with enable_instance_password off
                    obj({'adminPass': string()}, additional=False)]})),
            body=ref('ServerAction'), params=server_id, errors=(409,))},
        c + '/servers/{server_id}/remote-consoles': {'post': op(
            'A URL for the server\'s VNC (novnc) or serial console through the console proxy, with a new token '
            '(2.6+; spice, mks and rdp are not served: 400)',
            ok(200, 'The console URL', wrapped('remote_console', obj(
                {'protocol': string(), 'type': string(), 'url': string()}, required=['protocol', 'type', 'url']))),
            body=from_jsonschema(remote_consoles_schemas.create(version[1])), params=server_id,
            errors=(409,))},
        c + '/servers/{server_id}/ips': {'get': op('A server\'s addresses by network', ok(200, 'Addresses', wrapped(
            'addresses', {'type': 'object', 'additionalProperties': array(ref('Address'))})), params=server_id)},
        c + '/servers/{server_id}/ips/{network_label}': {'get': op(
            'A server\'s addresses on one network', ok(200, 'Addresses', {
                'type': 'object', 'additionalProperties': array(ref('Address'))}),
            params=server_id + [('network_label', 'network label')])},
        c + '/os-simple-tenant-usage': {'get': op('Usage of every project over a period (admin)', ok(
            200, 'Usages', obj({'tenant_usages': array(ref('TenantUsage')), 'tenant_usages_links': array(ref('Link'))},
                               required=['tenant_usages'])), params=_USAGE_PERIOD + [query('detailed')] + _LIMIT_MARKER)},
        c + '/os-simple-tenant-usage/{tenant_id}': {'get': op('A project\'s usage over a period', ok(
            200, 'Usage', obj({'tenant_usage': ref('TenantUsage'), 'tenant_usage_links': array(ref('Link'))},
                              required=['tenant_usage'])),
            params=_USAGE_PERIOD + _LIMIT_MARKER + [('tenant_id', 'project id')])},
        c + '/servers/{server_id}/metadata': {
            'get': op('A server\'s metadata', ok(200, 'Metadata', ref('Metadata')), params=server_id),
            'post': op('Merge metadata items', ok(200, 'All metadata', ref('Metadata')), body=ref('Metadata'),
                       params=server_id, errors=(409,)),
            'put': op('Replace all metadata', ok(200, 'All metadata', ref('Metadata')), body=ref('Metadata'),
                      params=server_id, errors=(409,)),
        },
        c + '/servers/{server_id}/metadata/{key}': {
            'get': op('One metadata item', ok(200, 'Item', ref('MetadataItem')),
                      params=server_id + [('key', 'metadata key')]),
            'put': op('Set one metadata item; the body key must match the path', ok(200, 'Item', ref('MetadataItem')),
                      body=ref('MetadataItem'), params=server_id + [('key', 'metadata key')], errors=(409,)),
            'delete': op('Delete one metadata item', ok(204, 'Deleted'),
                         params=server_id + [('key', 'metadata key')], errors=(409,)),
        },
        c + '/images': {'get': op('Images (the image proxy, until 2.35)', ok(200, 'Images', wrapped(
            'images', array(obj({'id': string(), 'name': nullable(string()), 'links': array(ref('Link'))})))),
            params=[query('name'), query('status'), query('server'), query('type'), query('minRam', integer()),
                    query('minDisk', integer())] + _LIMIT_MARKER)},
        c + '/images/detail': {'get': op('Images with details (until 2.35)', ok(200, 'Images', wrapped(
            'images', array(ref('ProxyImage')))), params=[query('name'), query('status')] + _LIMIT_MARKER)},
        c + '/images/{image_id}': {
            'get': op('Show an image (until 2.35)', ok(200, 'Image', wrapped('image', ref('ProxyImage'))),
                      params=image_id),
            'delete': op('Delete an image (until 2.35)', ok(204, 'Deleted'), params=image_id),
        },
        c + '/images/{image_id}/metadata': {
            'get': op('An image\'s metadata (until 2.35)', ok(200, 'Metadata', ref('Metadata')), params=image_id),
            'post': op('Merge image metadata items', ok(200, 'All metadata', ref('Metadata')), body=ref('Metadata'),
                       params=image_id),
            'put': op('Replace all image metadata', ok(200, 'All metadata', ref('Metadata')), body=ref('Metadata'),
                      params=image_id),
        },
        c + '/images/{image_id}/metadata/{key}': {
            'get': op('One image metadata item', ok(200, 'Item', ref('MetadataItem')),
                      params=image_id + [('key', 'metadata key')]),
            'put': op('Set one image metadata item', ok(200, 'Item', ref('MetadataItem')), body=ref('MetadataItem'),
                      params=image_id + [('key', 'metadata key')]),
            'delete': op('Delete one image metadata item', ok(204, 'Deleted'),
                         params=image_id + [('key', 'metadata key')]),
        },
        c + '/servers/{server_id}/topology': {'get': op(
            'A server\'s NUMA topology (2.78+; novalite guests have none)', ok(200, 'Topology', obj(
                {'nodes': array(obj({})), 'pagesize_kb': nullable(integer())}, required=['nodes', 'pagesize_kb'])),
            params=server_id)},
        c + '/servers/{server_id}/shares': {
            'get': op('A server\'s shares (2.97+; none in novalite)', ok(200, 'Shares', wrapped('shares', array(
                obj({})))), params=server_id),
            'post': op('Attach a share (2.97+): needs virtiofs memory backing novalite does not set up',
                       ok(201, 'Attached', wrapped('share', obj({}))), body=from_jsonschema(server_shares_schema),
                       params=server_id, errors=(409,)),
        },
        c + '/servers/{server_id}/shares/{share_id}': {
            'get': op('One share (2.97+)', ok(200, 'Share', wrapped('share', obj({}))),
                      params=server_id + [('share_id', 'the share id')]),
            'delete': op('Detach a share (2.97+)', ok(200, 'Detached'),
                         params=server_id + [('share_id', 'the share id')], errors=(409,)),
        },
        c + '/servers/{server_id}/os-volume_attachments': {
            'get': op('A server\'s volume attachments (none: novalite has no block storage)', ok(
                200, 'Attachments', wrapped('volumeAttachments', array(obj({})))),
                params=server_id + [query('limit', integer(minimum=0)), query('offset', integer(minimum=0))]),
            'post': op('Attach a volume: the body is checked as Nova checks it, then the volume is not found (404)',
                       ok(200, 'Attached', wrapped('volumeAttachment', obj({}))),
                       body=from_jsonschema(volume_attachments.create_schema(version[1])), params=server_id,
                       errors=(409,)),
        },
        c + '/servers/{server_id}/os-volume_attachments/{volume_id}': {
            'get': op('One volume attachment (none exists: 404)', ok(200, 'Attachment', wrapped(
                'volumeAttachment', obj({}))), params=server_id + [('volume_id', 'the volume id')]),
            'put': op('Update or swap an attachment (none exists: 404; a swap is for the volume service)',
                      ok(202, 'Accepted'), body=from_jsonschema(volume_attachments.update_schema(version[1])),
                      params=server_id + [('volume_id', 'the volume id')]),
            'delete': op('Detach a volume (none is attached: 404)', ok(202, 'Detached'),
                         params=server_id + [('volume_id', 'the volume id')], errors=(409,)),
        },
        c + '/servers/{server_id}/os-interface': {
            'get': op('A server\'s interface attachments (its ports; tag from 2.70)', ok(
                200, 'Attachments', wrapped('interfaceAttachments', array(ref('InterfaceAttachment')))),
                params=server_id),
            'post': op('Attach a port, or a new port on a network, to the server: the NIC is hot-plugged before '
                       'the answer', ok(200, 'Attached', wrapped('interfaceAttachment', ref('InterfaceAttachment'))),
                       body=from_jsonschema(attach_interfaces.create_schema(version[1])), params=server_id,
                       errors=(409,)),
        },
        c + '/servers/{server_id}/os-interface/{port_id}': {
            'get': op('One interface attachment', ok(200, 'Attachment', wrapped(
                'interfaceAttachment', ref('InterfaceAttachment'))), params=server_id + [('port_id', 'the port id')]),
            'delete': op('Detach an interface (the NIC is unplugged, the port unbound or deleted)', ok(202, 'Accepted'),
                         params=server_id + [('port_id', 'the port id')], errors=(409,)),
        },
        c + '/servers/{server_id}/tags': {
            'get': op('A server\'s tags (2.26+)', ok(200, 'Tags', ref('Tags')), params=server_id),
            'put': op('Replace all tags (2.26+)', ok(200, 'Tags', ref('Tags')), body=ref('Tags'), params=server_id,
                      errors=(409,)),
            'delete': op('Delete all tags (2.26+)', ok(204, 'Deleted'), params=server_id, errors=(409,)),
        },
        c + '/servers/{server_id}/tags/{tag}': {
            'get': op('Whether a server has a tag (2.26+)', ok(204, 'It has'), params=server_id + [('tag', 'tag')]),
            'put': op('Add a tag (2.26+)', both(ok(201, 'Added', None, {'Location': {'schema': string()}}),
                                                ok(204, 'Already there')),
                      params=server_id + [('tag', 'tag')], errors=(409,)),
            'delete': op('Remove a tag (2.26+)', ok(204, 'Removed'), params=server_id + [('tag', 'tag')],
                         errors=(409,)),
        },
        c + '/servers/{server_id}/os-instance-actions': {'get': op(
            'A server\'s actions, newest first', ok(200, 'Actions', wrapped('instanceActions', array(
                ref('InstanceAction')))), params=server_id)},
        c + '/servers/{server_id}/os-instance-actions/{request_id}': {'get': op(
            'One action with its events', ok(200, 'Action', wrapped('instanceAction', ref('InstanceAction'))),
            params=server_id + [('request_id', 'the request id of the action')])},
        # limits, quotas
        c + '/limits': {'get': op('Absolute limits and usage of the caller\'s project',
                                  ok(200, 'Limits', ref('Limits')))},
        c + '/os-quota-sets/{project_id}': {
            'get': op('A project\'s quotas', ok(200, 'Quotas', ref('QuotaSet')),
                      params=[('project_id', 'project id'), user_id]),
            'put': op('Update a project\'s quotas (admin)', ok(200, 'Quotas', ref('QuotaSet')),
                      body=ref('QuotaSetUpdate'), params=[('project_id', 'project id'), user_id]),
            'delete': op('Revert a project\'s quotas to the defaults (admin)', ok(202, 'Reverted'),
                         params=[('project_id', 'project id'), user_id]),
        },
        c + '/os-quota-sets/{project_id}/defaults': {'get': op('Default quotas', ok(200, 'Quotas', ref('QuotaSet')),
                                                               params=[('project_id', 'project id')])},
        c + '/os-quota-sets/{project_id}/detail': {'get': op(
            'Quotas with usage', ok(200, 'Quotas', ref('QuotaSetDetail')),
            params=[('project_id', 'project id'), user_id])},
        # zones, hypervisors, services
        c + '/os-availability-zone': {'get': op('Availability zones', ok(200, 'Zones', wrapped(
            'availabilityZoneInfo', array(ref('AvailabilityZone')))))},
        c + '/os-availability-zone/detail': {'get': op('Availability zones with hosts (admin)', ok(
            200, 'Zones', wrapped('availabilityZoneInfo', array(ref('AvailabilityZone')))))},
        c + '/os-hypervisors': {'get': op('Hypervisors (admin)', ok(200, 'Hypervisors', wrapped(
            'hypervisors', array(ref('Hypervisor')))), params=hypervisor_filters)},
        c + '/os-hypervisors/detail': {'get': op('Hypervisors with details (admin)', ok(200, 'Hypervisors', wrapped(
            'hypervisors', array(ref('Hypervisor')))), params=hypervisor_filters)},
        c + '/os-hypervisors/{hypervisor_id}': {'get': op('Show a hypervisor (admin)', ok(200, 'Hypervisor', wrapped(
            'hypervisor', ref('Hypervisor'))), params=[('hypervisor_id', 'integer id below 2.53')])},
        c + '/os-hypervisors/{hypervisor_id}/uptime': {'get': op(
            'The host\'s uptime text, read from it now (admin; gone from 2.88)', ok(200, 'Hypervisor', wrapped(
                'hypervisor', ref('Hypervisor'))), params=[('hypervisor_id', 'integer id below 2.53')])},
        c + '/os-hypervisors/statistics': {'get': op('Sums over the enabled hypervisors (admin)', ok(
            200, 'Statistics', wrapped('hypervisor_statistics', obj(dict((k, integer()) for k in HYPERVISOR_STATISTICS)))))},
        c + '/os-hypervisors/{hypervisor_hostname_pattern}/search': {'get': op(
            'Hypervisors whose hostname contains the pattern (admin)', ok(200, 'Hypervisors', wrapped(
                'hypervisors', array(ref('Hypervisor')))), params=[('hypervisor_hostname_pattern', 'substring')])},
        c + '/os-hypervisors/{hypervisor_hostname_pattern}/servers': {'get': op(
            'Matching hypervisors with their servers (admin)', ok(200, 'Hypervisors', wrapped(
                'hypervisors', array(ref('Hypervisor')))), params=[('hypervisor_hostname_pattern', 'substring')])},
        c + '/os-migrations': {'get': op(
            'Moves of servers, newest first (admin; migration_type from 2.23, uuid and paging from 2.59, user_id and '
            'project_id from 2.80)', ok(200, 'Migrations', wrapped('migrations', array(_MIGRATION))),
            params=[query('host'), query('status'), query('instance_uuid'), query('migration_type'),
                    query('source_compute'), query('limit', integer(minimum=0)), query('marker')])},
        c + '/servers/{server_id}/migrations': {'get': op(
            'A server\'s in-progress live migrations (admin, 2.23+)', ok(200, 'Migrations', wrapped(
                'migrations', array(_MIGRATION))), params=server_id)},
        c + '/servers/{server_id}/migrations/{migration_id}': {
            'get': op('One in-progress live migration of a server (admin, 2.23+)', ok(200, 'Migration', wrapped(
                'migration', _MIGRATION)), params=server_id + [('migration_id', 'the migration id')]),
            'delete': op('Abort a live migration (admin, 2.24+; queued or preparing ones too from 2.65)',
                         ok(202, 'Abort accepted'), params=server_id + [('migration_id', 'the migration id')],
                         errors=(400, 409))},
        c + '/servers/{server_id}/migrations/{migration_id}/action': {'post': op(
            'Force a running live migration to complete (admin, 2.22+: {"force_complete": null})',
            ok(202, 'Accepted'), body=from_jsonschema(server_migrations.FORCE_COMPLETE),
            params=server_id + [('migration_id', 'the migration id')], errors=(400, 409))},
        c + '/os-services': {'get': op('Compute services (admin)', ok(200, 'Services', wrapped(
            'services', array(ref('Service')))), params=[query('host'), query('binary')])},
        c + '/os-server-groups': {
            'get': op('The project\'s server groups (admins: all_projects)', ok(200, 'Groups', wrapped(
                'server_groups', array(ref('ServerGroup')))),
                params=[query('all_projects'), query('limit', integer(minimum=0)), query('offset', integer(minimum=0))]),
            'post': op('Create a server group', ok(200, 'Group', wrapped('server_group', ref('ServerGroup'))),
                       body=from_jsonschema(server_groups_schemas.create(version))),
        },
        c + '/os-server-groups/{group_id}': {
            'get': op('Show a server group', ok(200, 'Group', wrapped('server_group', ref('ServerGroup'))),
                      params=[('group_id', 'the group uuid')]),
            'delete': op('Delete a server group', ok(204, 'Deleted'), params=[('group_id', 'the group uuid')]),
        },
        c + '/os-aggregates': {
            'get': op('Host aggregates (admin)', ok(200, 'Aggregates', wrapped('aggregates', array(ref('Aggregate'))))),
            'post': op('Create an aggregate, optionally naming its availability zone (admin)',
                       ok(200, 'Aggregate (without hosts and metadata)', wrapped('aggregate', ref('Aggregate'))),
                       body=from_jsonschema(aggregates_schemas.CREATE), errors=(409,)),
        },
        c + '/os-aggregates/{aggregate_id}': {
            'get': op('Show an aggregate (admin)', ok(200, 'Aggregate', wrapped('aggregate', ref('Aggregate'))),
                      params=aggregate_id),
            'put': op('Rename an aggregate or change its zone (admin)', ok(200, 'Aggregate', wrapped(
                'aggregate', ref('Aggregate'))), body=from_jsonschema(aggregates_schemas.UPDATE),
                params=aggregate_id, errors=(409,)),
            'delete': op('Delete an aggregate without hosts (admin)', ok(200, 'Deleted'), params=aggregate_id),
        },
        c + '/os-aggregates/{aggregate_id}/action': {'post': op(
            'add_host, remove_host or set_metadata (admin)', ok(200, 'Aggregate', wrapped(
                'aggregate', ref('Aggregate'))), body={'oneOf': [from_jsonschema(schema) for schema in (
                    aggregates_schemas.ADD_HOST, aggregates_schemas.REMOVE_HOST, aggregates_schemas.SET_METADATA)]},
            params=aggregate_id, errors=(409,))},
        c + '/os-aggregates/{aggregate_id}/images': {'post': op(
            'Precache images on the aggregate\'s hosts (2.81+; refused: novalite hosts fetch images on first use)',
            ok(202, 'Accepted'), body=from_jsonschema(aggregates_schemas.IMAGES), params=aggregate_id)},
        c + '/os-services/{service_id}': {
            'put': op('Update a service (admin): from 2.53 by uuid with status/disabled_reason/forced_down; before, '
                      'service_id is the action enable, disable, disable-log-reason or force-down on host+binary',
                      ok(200, 'Service (before 2.53 only host, binary and what changed)', wrapped('service', obj({
                          'id': {'oneOf': [integer(), string()]}, 'binary': string(), 'host': string(),
                          'status': string(enum=['enabled', 'disabled']), 'disabled_reason': nullable(string()),
                          'forced_down': {'type': 'boolean'}}, required=['binary', 'host']))),
                      body=from_jsonschema(services_schemas.update(version)),
                      params=[('service_id', 'uuid (2.53+) or the action before')], errors=(404,)),
            'delete': op('Delete a compute service that hosts no instances (admin)', ok(204, 'Deleted'),
                         params=[('service_id', 'uuid (2.53+) or integer id')], errors=(404, 409)),
        },
        c + '/os-quota-class-sets/{class_name}': {
            'get': op('A quota class (admin); "default" holds every project\'s defaults', ok(
                200, 'Quota class', wrapped('quota_class_set', obj(dict(
                    [('id', string())] + [(key, integer()) for key in QUOTA_KEYS])))),
                params=[('class_name', 'the class name')]),
            'put': op('Update a quota class (admin)', ok(200, 'Quota class', wrapped('quota_class_set', obj(dict(
                (key, integer()) for key in QUOTA_KEYS)))), body=from_jsonschema(quota_classes_schemas.update(version)),
                params=[('class_name', 'the class name')]),
        },
        c + '/os-console-auth-tokens/{token}': {'get': op(
            'What a console token connects to (admin, 2.31+)', ok(200, 'Connection', wrapped('console', obj({
                'instance_uuid': UUID, 'host': string(), 'port': integer(),
                'internal_access_path': nullable(string())}, required=['instance_uuid', 'host', 'port']))),
            params=[('token', 'the console token')])},
    }
    sg_rule = obj({'id': string(), 'parent_group_id': string(), 'ip_protocol': nullable(string()),
                   'from_port': nullable(integer()), 'to_port': nullable(integer()), 'group': obj(),
                   'ip_range': obj()})
    sg = obj({'id': string(), 'name': string(), 'description': string(), 'tenant_id': string(),
              'rules': array(sg_rule)})
    group_id = [('group_id', 'the security group UUID')]
    ops[c + '/os-security-groups'] = {
        'get': op('The project\'s security groups, nova-network shape (until 2.35)', ok(200, 'Groups', wrapped(
            'security_groups', array(sg))), params=[query('all_tenants'), query('limit'), query('offset')]),
        'post': op('Create a security group (until 2.35)', ok(200, 'Group', wrapped('security_group', sg)),
                   body=from_jsonschema(sg_api.GROUP_BODY), errors=(403,)),
    }
    ops[c + '/os-security-groups/{group_id}'] = {
        'get': op('One security group (until 2.35)', ok(200, 'Group', wrapped('security_group', sg)),
                  params=group_id),
        'put': op('Rename a security group (until 2.35)', ok(200, 'Group', wrapped('security_group', sg)),
                  body=from_jsonschema(sg_api.GROUP_BODY), params=group_id),
        'delete': op('Delete a security group (until 2.35)', ok(202, 'Deleted'), params=group_id),
    }
    ops[c + '/os-security-group-rules'] = {'post': op(
        'Add an ingress rule (until 2.35)', ok(200, 'Rule', wrapped('security_group_rule', sg_rule)),
        body=from_jsonschema(sg_api.RULE_BODY), errors=(403,))}
    ops[c + '/os-security-group-rules/{rule_id}'] = {'delete': op(
        'Delete a rule (until 2.35)', ok(202, 'Deleted'), params=[('rule_id', 'the rule UUID')], errors=(409,))}
    ops[c + '/servers/{server_id}/os-security-groups'] = {'get': op(
        'The security groups of the server\'s ports', ok(200, 'Groups', wrapped('security_groups', array(sg))),
        params=server_id)}
    fip = obj({'id': string(), 'ip': string(), 'fixed_ip': nullable(string()), 'instance_id': nullable(string()),
               'pool': string()})
    fip_id = [('fip_id', 'the floating IP UUID')]
    ops[c + '/os-floating-ip-pools'] = {'get': op('The external networks as pools (until 2.35)', ok(
        200, 'Pools', wrapped('floating_ip_pools', array(obj({'name': string()})))))}
    ops[c + '/os-floating-ips'] = {
        'get': op('The project\'s floating IPs (until 2.35)', ok(200, 'Floating IPs', wrapped(
            'floating_ips', array(fip)))),
        'post': op('Allocate a floating IP from a pool (until 2.35)', ok(200, 'Floating IP', wrapped(
            'floating_ip', fip)), body=from_jsonschema(fip_api.CREATE_BODY), errors=(403, 404)),
    }
    ops[c + '/os-floating-ips/{fip_id}'] = {
        'get': op('One floating IP (until 2.35)', ok(200, 'Floating IP', wrapped('floating_ip', fip)),
                  params=fip_id),
        'delete': op('Release a floating IP (until 2.35)', ok(202, 'Released'), params=fip_id),
    }
    network = obj({'id': string(), 'label': string()}, required=['id', 'label'])
    network_id = [('network_id', 'the network UUID')]
    for path, what in (('/os-networks', 'Networks'), ('/os-tenant-networks', 'Tenant networks')):
        ops[c + path] = {'get': op('%s the caller sees (until 2.35)' % what, ok(200, what, wrapped(
            'networks', array(network))))}
        ops[c + path + '/{network_id}'] = {'get': op('One of the %s (until 2.35)' % what.lower(), ok(
            200, 'Network', wrapped('network', network)), params=network_id)}
    ops[c + '/servers/{server_id}/diagnostics'] = {'get': op(
        'The running server\'s counters, read from its host (admin): below 2.48 the libvirt driver\'s flat '
        'form, from 2.48 Nova\'s standard one', ok(200, 'Diagnostics', obj()), params=server_id, errors=(409,))}
    ops.update(_password_events_audit_extension_ops(version))
    ops.update(_volume_and_baremetal_ops())
    host = [('host_name', 'the compute host\'s name')]
    resource = wrapped('resource', obj({'host': string(), 'project': string(), 'cpu': integer(),
                                        'memory_mb': integer(), 'disk_gb': integer()}))
    ops[c + '/os-hosts'] = {'get': op('Hosts of the enabled compute services (admin, until 2.42)', ok(
        200, 'Hosts', wrapped('hosts', array(obj({'host_name': string(), 'service': string(),
                                                  'zone': string()})))), params=[query('zone')])}
    ops[c + '/os-hosts/{host_name}'] = {
        'get': op('A host\'s resources: total, used now, its servers\' sum and per project (admin, until 2.42)',
                  ok(200, 'Resources', wrapped('host', array(resource))), params=host),
        'put': op('Enable/disable or maintenance mode (admin, until 2.42): not supported by the libvirt driver',
                  ok(501, 'Not supported', ref('NovaError')), body=from_jsonschema(hosts_api.UPDATE), params=host),
    }
    for action in ('startup', 'shutdown', 'reboot'):
        ops[c + '/os-hosts/{host_name}/' + action] = {'get': op(
            'Host power action (admin, until 2.42): not supported by the libvirt driver',
            ok(501, 'Not supported', ref('NovaError')), params=host)}
    for method, path in removed_apis.GONE:
        doc_path = c + path[len('/v2.1'):].replace('<', '{').replace('>', '}')
        params = [(name.strip('{}'), 'identifier') for name in doc_path.split('/') if name.startswith('{')]
        ops.setdefault(doc_path, {})[method.lower()] = op('Removed from Nova: always 410 Gone', ok(
            410, 'Gone', ref('NovaError')), params=params)
    # os-volumes_boot: each route documented as its /servers twin (the same handler behind it)
    for method, path, _handler, twin in volumes_boot.ALIASES:
        spec = copy.deepcopy(ops['/compute' + _braces(twin)][method.lower()])
        window = '2.102; only the actions %s' % ', '.join(volumes_boot.ACTIONS) if path.endswith('/action') else '2.102'
        spec['summary'] = 'Alias of %s %s (until %s): %s' % (
            method, _braces(twin[len('/v2.1'):]), window, spec['summary'])
        ops.setdefault('/compute' + _braces(path), {})[method.lower()] = spec
    return ops


def _braces(flask_path):
    return flask_path.replace('<', '{').replace('>', '}')


def _volume_and_baremetal_ops():
    """The block storage proxies (os-volumes, os-snapshots; until 2.35), the volume service's assisted snapshots
    and the bare metal proxy (until 2.35): novalite has neither service behind them."""
    c = COMPUTE
    volume = obj({'id': string(), 'status': string(), 'size': integer(), 'availabilityZone': nullable(string()),
                  'createdAt': string(), 'displayName': nullable(string()), 'displayDescription': nullable(string()),
                  'volumeType': nullable(string()), 'snapshotId': nullable(string()), 'metadata': obj(),
                  'attachments': array(obj())})
    snapshot = obj({'id': string(), 'volumeId': string(), 'status': string(), 'size': integer(),
                    'createdAt': string(), 'displayName': nullable(string()),
                    'displayDescription': nullable(string())})
    paging = [query('limit', integer(minimum=0)), query('offset', integer(minimum=0))]
    volume_id = [('volume_id', 'the volume id')]
    snapshot_id = [('snapshot_id', 'the snapshot id')]
    node_id = [('node_id', 'the bare metal node id')]
    ops = {}
    for kind, name, item, ident in (('os-volumes', 'volume', volume, volume_id),
                                    ('os-snapshots', 'snapshot', snapshot, snapshot_id)):
        schema = volumes.CREATE if name == 'volume' else snapshots.CREATE
        listed = ok(200, 'None: novalite has no block storage', wrapped(name + 's', array(item)))
        ops[c + '/' + kind] = {
            'get': op('List %ss (until 2.35): always empty' % name, listed, params=paging),
            'post': op('Create a %s (until 2.35): the body is checked as Nova checks it, then %s' % (
                name, 'refused by a volume quota of 0 (403), or its snapshot is not found (404)' if name == 'volume'
                else 'its volume is not found (404)'),
                ok(200, 'Created', wrapped(name, item)), body=from_jsonschema(schema)),
        }
        ops[c + '/%s/detail' % kind] = {'get': op('List %ss with details (until 2.35): always empty' % name,
                                                  listed, params=paging)}
        ops[c + '/%s/{%s_id}' % (kind, name)] = {
            'get': op('Show a %s (until 2.35): none exists, 404' % name, ok(200, name.title(), wrapped(name, item)),
                      params=ident),
            'delete': op('Delete a %s (until 2.35): none exists, 404' % name, ok(202, 'Deleted'), params=ident),
        }
    ops[c + '/os-assisted-volume-snapshots'] = {'post': op(
        'Snapshot a file-backed volume of a server (service role): no server has a volume, 400',
        ok(200, 'Snapshot started', wrapped('snapshot', obj({'id': nullable(string()), 'volumeId': string()}))),
        body=from_jsonschema(assisted_volume_snapshots.CREATE))}
    ops[c + '/os-assisted-volume-snapshots/{snapshot_id}'] = {'delete': op(
        'Delete an assisted snapshot (service role): no server has a volume, 400',
        ok(204, 'Deleted'), params=snapshot_id + [query('delete_info', string(),
                                                        'JSON: {"volume_id": ..., ...}')], errors=(400,))}
    never = ok(400, 'Always: Nova leaves node and port changes to Ironic', ref('NovaError'))
    not_implemented = ok(501, 'No bare metal service', ref('NovaError'))
    ops[c + '/os-baremetal-nodes'] = {
        'get': op('List bare metal nodes (admin, until 2.35): no bare metal service, 501', not_implemented),
        'post': op('Create a node (until 2.35): not through Nova, 400', never, body=obj()),
    }
    ops[c + '/os-baremetal-nodes/{node_id}'] = {
        'get': op('Show a bare metal node (admin, until 2.35): no bare metal service, 501', not_implemented,
                  params=node_id),
        'delete': op('Delete a node (until 2.35): not through Nova, 400', never, params=node_id, errors=(400,)),
    }
    ops[c + '/os-baremetal-nodes/{node_id}/action'] = {'post': op(
        'add_interface / remove_interface (until 2.35): not through Nova, 400', never, body={'oneOf': [
            obj({name: obj()}, required=[name], additional=False) for name in sorted(baremetal_nodes.ACTIONS)]},
        params=node_id)}
    return ops


def _password_events_audit_extension_ops(version):
    """os-server-password, os-server-external-events, os-instance_usage_audit_log and extensions."""
    c = COMPUTE
    server_id = [('server_id', 'the server UUID')]
    event = obj({'name': string(), 'server_uuid': string(), 'status': string(), 'tag': string(),
                 'code': integer(enum=[200, 400, 404, 422])}, required=['name', 'server_uuid', 'status', 'code'],
                additional=False)
    events = wrapped('events', array(event))
    audit = obj({'hosts_not_run': array(string()), 'log': obj(additional=obj({
        'instances': integer(), 'errors': integer(), 'message': string(), 'state': string()})),
        'num_hosts': integer(), 'num_hosts_done': integer(), 'num_hosts_not_run': integer(),
        'num_hosts_running': integer(), 'overall_status': string(), 'period_beginning': string(),
        'period_ending': string(), 'total_errors': integer(), 'total_instances': integer()}, additional=False)
    extension = obj({'alias': string(), 'description': string(), 'links': array(ref('Link')), 'name': string(),
                     'namespace': string(), 'updated': string()}, additional=False)
    return {
        c + '/servers/{server_id}/os-server-password': {
            'get': op('The encrypted password the server\'s guest posted (\'\' when none)', ok(
                200, 'Password', wrapped('password', string())), params=server_id),
            'delete': op('Forget the posted password (the guest\'s password is unchanged)', ok(204, 'Cleared'),
                         params=server_id)},
        c + '/os-server-external-events': {'post': op(
            'Events about servers from other services (service role or admin): 200 when every event reached '
            'its server\'s host, 207 when one did not (each event\'s code: 404, 400 or 422)',
            both(ok(200, 'All delivered', events), ok(207, 'Some not delivered', events)),
            body=from_jsonschema(external_events_schemas.create(version[1])))},
        c + '/os-instance_usage_audit_log': {'get': op(
            'The usage audit of the last completed %s (admin): novalite hosts run none' % AUDIT_PERIOD,
            ok(200, 'Audit', wrapped('instance_usage_audit_logs', audit)))},
        c + '/os-instance_usage_audit_log/{before_timestamp}': {'get': op(
            'The usage audit of the last %s completed before a time, "YYYY-MM-DD hh:mm:ss[.ffffff]" (admin)'
            % AUDIT_PERIOD, ok(200, 'Audit', wrapped('instance_usage_audit_log', audit)),
            params=[('before_timestamp', 'a UTC time')])},
        c + '/extensions': {'get': op('The extensions novalite provides, by Nova\'s alias', ok(
            200, 'Extensions', wrapped('extensions', array(extension))))},
        c + '/extensions/{alias}': {'get': op('One extension by alias', ok(200, 'Extension', wrapped(
            'extension', extension)), params=[('alias', 'the extension alias')])},
    }


def _image_ops():
    image_id = [('image_id', 'the image UUID')]
    hypervisor_filters = [query('hypervisor_hostname_pattern', description='2.53+: substring of the hostname'),
                          query('with_servers', description='2.53+: include the servers')] + _LIMIT_MARKER
    filters = [query('name', description='a name or "in:a,b"'), query('id', description='an id or "in:a,b"'),
               query('status'), query('visibility', string(enum=['public', 'private', 'shared', 'community'])),
               query('owner'), query('disk_format'), query('sort', description='key:dir[,key:dir]'),
               query('sort_key'), query('sort_dir', string(enum=['asc', 'desc']))] + _LIMIT_MARKER
    return {
        '/image/': {'get': op('Image API versions', ok(300, 'Versions', obj(
            {'versions': array(ref('VersionDocument'))}, required=['versions'])), public=True)},
        '/image/v2/images': {
            'get': op('List images', ok(200, 'Images', ref('ImageList')), params=filters),
            'post': op('Create an image record (queued)', ok(201, 'Created', ref('Image'), {
                'Location': {'schema': string()}}), body=ref('ImageCreate'), errors=(409, 413)),
        },
        '/image/v2/images/{image_id}': {
            'get': op('Show an image', ok(200, 'Image', ref('Image')), params=image_id),
            'delete': op('Delete an image', ok(204, 'Deleted'), params=image_id, errors=(409,)),
        },
        '/image/v2/images/{image_id}/file': {'put': op(
            'Upload image data (hashed and inspected, then active)', ok(204, 'Uploaded'),
            body={'content': {'application/octet-stream': {'schema': string(format='binary')}}},
            params=image_id, errors=(409, 413, 415))},
    }


# The Networking API's collections: (path, id parameter, member key, collection key, has update)
_NETWORK_RESOURCES = (('networks', 'network_id', 'network', 'networks', True),
                      ('subnets', 'subnet_id', 'subnet', 'subnets', True),
                      ('ports', 'port_id', 'port', 'ports', True),
                      ('security-groups', 'group_id', 'security_group', 'security_groups', True),
                      ('security-group-rules', 'rule_id', 'security_group_rule', 'security_group_rules', False),
                      ('floatingips', 'floatingip_id', 'floatingip', 'floatingips', True),
                      ('routers', 'router_id', 'router', 'routers', True))


def _network_ops():
    """Neutron's v2.0 subset (novalite_api/network/): each resource's list/create/show/update/delete, the
    router interface actions, quotas, extensions and the version documents. Bodies are Neutron's objects."""
    item = obj({'id': string()}, required=['id'])
    listing = [query('fields', description='repeat to pick the attributes answered'), query('sort_key'),
               query('sort_dir', string(enum=['asc', 'desc']))] + _LIMIT_MARKER
    ops = {
        '/network/': {'get': op('Networking API versions', ok(200, 'Versions', obj(
            {'versions': array(obj({'id': string(), 'status': string(), 'links': array(ref('Link'))}))},
            required=['versions'])), public=True)},
        '/network/v2.0': {'get': op('Networking v2.0 resources', ok(200, 'Resources', obj(
            {'resources': array(obj())}, required=['resources'])), public=True)},
        '/network/v2.0/extensions': {'get': op('List the extensions', ok(200, 'Extensions', obj(
            {'extensions': array(obj({'alias': string(), 'name': string()}))}, required=['extensions'])))},
        '/network/v2.0/extensions/{alias}': {'get': op('Show an extension', ok(200, 'Extension', obj(
            {'extension': obj()}, required=['extension'])), params=[('alias', 'the extension alias')])},
    }
    for path, ident, member, collection, update in _NETWORK_RESOURCES:
        base = '/network/v2.0/%s' % path
        params = [(ident, 'the %s id' % member)]
        body = wrapped(member, obj(), additional=True)
        ops[base] = {
            'get': op('List %s (any attribute filters)' % collection, ok(200, collection.title(), obj(
                {collection: array(item), collection + '_links': array(ref('Link'))}, required=[collection])),
                params=listing),
            'post': op('Create a %s' % member, ok(201, 'Created', wrapped(member, item)), body=body,
                       errors=(409,)),
        }
        ops[base + '/{%s}' % ident] = {
            'get': op('Show a %s' % member, ok(200, member.title(), wrapped(member, item)),
                      params=params + [query('fields')]),
            'delete': op('Delete a %s' % member, ok(204, 'Deleted'), params=params, errors=(409,)),
        }
        if update:
            ops[base + '/{%s}' % ident]['put'] = op('Update a %s' % member, ok(200, 'Updated', wrapped(
                member, item)), body=body, params=params, errors=(409,))
    interface = obj({'subnet_id': string(), 'port_id': string()})
    answer = obj({'id': string(), 'port_id': string(), 'subnet_id': nullable(string()), 'subnet_ids': array(
        string()), 'network_id': string()}, required=['id', 'port_id'])
    router = [('router_id', 'the router id')]
    ops['/network/v2.0/routers/{router_id}/add_router_interface'] = {'put': op(
        'Add an interface on a subnet (its gateway address) or an existing port', ok(200, 'Interface', answer),
        body=interface, params=router, errors=(409,))}
    ops['/network/v2.0/routers/{router_id}/remove_router_interface'] = {'put': op(
        'Remove a router interface', ok(200, 'Interface', answer), body=interface, params=router, errors=(409,))}
    project = [('project_id', 'the project id')]
    quota = obj({'quota': obj(additional=integer())}, required=['quota'])
    ops['/network/v2.0/quotas'] = {'get': op('Projects with limits of their own (admin)', ok(
        200, 'Quotas', obj({'quotas': array(obj())}, required=['quotas'])))}
    ops['/network/v2.0/quotas/{project_id}'] = {
        'get': op("A project's network quotas", ok(200, 'Quota', quota), params=project),
        'put': op("Set a project's network quotas (admin)", ok(200, 'Quota', quota), body=quota, params=project),
        'delete': op("Reset a project's network quotas (admin)", ok(204, 'Reset'), params=project),
    }
    ops['/network/v2.0/quotas/{project_id}/default'] = {'get': op(
        'The default network quotas', ok(200, 'Quota', quota), params=project)}
    details = obj({'quota': obj(additional=obj({'limit': integer(), 'used': integer(), 'reserved': integer()}))},
                  required=['quota'])
    for suffix in ('details', 'details.json'):
        ops['/network/v2.0/quotas/{project_id}/%s' % suffix] = {'get': op(
            "A project's network quotas with usage", ok(200, 'Quota details', details), params=project)}
    return ops


# Status codes any operation of a service may answer besides its own (auth, policy, microversion).
_COMMON_ERRORS = {'compute': (400, 401, 403, 404, 406), 'image': (400, 401, 403, 404), 'identity': (400, 401),
                  'network': (400, 401, 403, 404)}
# 400 everywhere: a query string or path that is not UTF-8 or holds a NUL is refused before routing.
_PUBLIC_ERRORS = {'compute': (400, 406), 'image': (400,), 'identity': (400,), 'network': (400,), 'openapi': ()}


def _service(path):
    first = path.split('/')[1]
    return first if first in _COMMON_ERRORS else 'openapi'


def _own_ops():
    return {'/openapi.json': {'get': op(
        'This document; ?microversion=2.N gives the compute bodies of that microversion',
        ok(200, 'The OpenAPI 3.0 document', obj({'openapi': string(), 'paths': obj()},
                                                required=['openapi', 'info', 'paths'])),
        params=[query('microversion', string(pattern=r'^(2\.(0|[1-9]\d*)|latest)$'),
                      'a compute microversion (2.1 to the newest, or latest)')],
        errors=(400, 406), public=True)}}


def _render(path, method, spec):
    service = _service(path)
    params = []
    for param in spec['params']:
        if isinstance(param, tuple):
            param = {'name': param[0], 'in': 'path', 'required': True, 'schema': string(minLength=1),
                     'description': param[1]}
        params.append(param)
    if service == 'compute':
        params += [{'$ref': PARAM_REFS['microversion']}, {'$ref': PARAM_REFS['nova_microversion']}]
    responses = {}
    for status, (description, schema, headers) in spec['ok'].items():
        response = {'description': description, 'headers': dict(_REQUEST_ID, **(headers or {}))}
        if schema is not None:
            response['content'] = {'application/json': {'schema': schema}}
        responses[status] = response
    codes = set(spec['errors']) | set(_PUBLIC_ERRORS[service] if spec['public'] else _COMMON_ERRORS[service])
    if spec['body'] is not None and service == 'compute':
        codes.add(400)
    responses.update(_errors(service, sorted(codes)))
    # the HTTP server itself refuses a request line over its limit (gunicorn: 4094 bytes) before the app sees it
    responses['414'] = {'description': 'Request line too long (refused by the HTTP server)'}
    out = {'summary': spec['summary'], 'tags': [service], 'parameters': params, 'responses': responses}
    out['operationId'] = '%s%s' % (method, ''.join(
        part.strip('{}').replace('-', '_').replace('.', '_').title().replace('_', '')
        for part in path.split('/') if part))
    if spec['public']:
        out['security'] = []
    if spec['body'] is not None:
        body = spec['body'] if 'content' in spec['body'] else json_body(spec['body'])
        out['requestBody'] = dict(body, required=True)
    return out


def _microversion_parameters(min_version, max_version):
    minor = ['%d.%d' % (min_version[0], m) for m in range(min_version[1], max_version[1] + 1)]
    latest = ['latest'] if max_version == api_version.MAX_VERSION else []
    return {
        'OpenStackAPIVersion': header('OpenStack-API-Version',
                                      string(enum=['compute %s' % v for v in minor + latest]),
                                      description='compute microversion, %s to %s' % (minor[0], minor[-1])),
        'XOpenStackNovaAPIVersion': header('X-OpenStack-Nova-API-Version', string(enum=minor + latest),
                                           description='the older form of the microversion header'),
    }


def document(public_url=None, version=None):
    """The whole OpenAPI document as a dict (a fresh copy each call).

    Without ``version`` the compute bodies are the newest microversion's and the microversion headers may name
    any; with one (``(2, 37)``) the bodies are that microversion's schemas and the headers name only it.
    """
    pinned = version is not None
    version = version or api_version.MAX_VERSION
    paths = {}
    for group in (_identity_ops(), _compute_ops(version), _image_ops(), _network_ops(), _own_ops()):
        for path, methods in group.items():
            paths[path] = dict((method, _render(path, method, spec)) for method, spec in sorted(methods.items()))
    doc = {
        'openapi': '3.0.3',
        'info': {'title': 'novalite REST shim', 'version': '1.0',
                 'description': 'Keystone v3, Nova v2.1, Glance v2 and Neutron v2.0 subsets over the novalite '
                                'collection.'},
        'paths': dict(sorted(paths.items())),
        'components': {
            'schemas': _schemas(version),
            'parameters': _microversion_parameters(version if pinned else api_version.MIN_VERSION, version),
            'securitySchemes': {'keystoneToken': {'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
                                                  'description': 'a project-scoped token from '
                                                                 'POST /identity/v3/auth/tokens'}},
        },
        'security': [{'keystoneToken': []}],
        'tags': [{'name': 'identity'}, {'name': 'compute'}, {'name': 'image'}, {'name': 'network'},
                 {'name': 'openapi'}],
    }
    doc['info']['x-compute-microversion'] = api_version.fmt(version)
    if public_url:
        doc['servers'] = [{'url': public_url}]
    return copy.deepcopy(doc)


def show():
    """``?microversion=2.37`` (or ``latest``): the document of that compute microversion; the newest without."""
    params = flask.request.args
    unknown = sorted(set(params) - {'microversion'})
    if unknown:
        raise InvalidInput(unknown[0], 'is not a query parameter of this document (microversion is)')
    version = None
    if 'microversion' in params:
        version = api_version.requested_version({'OpenStack-API-Version': 'compute %s' % params['microversion']})
    return flask.jsonify(document(flask.current_app.config['NOVALITE']['public_url'], version))


ROUTES = (
    ('GET', '/openapi.json', show),
)
