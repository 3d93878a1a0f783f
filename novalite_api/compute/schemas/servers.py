# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server create, update and actions (nova/api/openstack/compute/schemas/servers.py, reduced to what
novalite supports)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from novalite_api import validation
from novalite_api.compute.schemas import BOOLEAN
from novalite_api.compute.schemas.server_tags import MAX_TAGS, TAG

IMAGE_ID = {'type': 'string', 'format': 'uuid'}
# Nova's ip_address
IP_ADDRESS = {'type': 'string', 'oneOf': [{'format': 'ipv4'}, {'format': 'ipv6'}]}
_NETWORK = {
    'type': 'object',
    'properties': {
        # Nova: uuid a string here, its handler says when it is not a uuid ("Bad networks format ...")
        'fixed_ip': IP_ADDRESS,
        'port': {'type': ['string', 'null'], 'format': 'uuid'},
        'uuid': {'type': 'string'},
    },
    'additionalProperties': False,
}
_SERVER = {
    'type': 'object',
    'properties': {
        'name': validation.NAME,
        # Nova's image_id_or_empty_string: a uuid, or '' when booting from a volume
        'imageRef': {'oneOf': [IMAGE_ID, {'type': 'string', 'maxLength': 0}]},
        'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
        'adminPass': {'type': 'string'},
        'metadata': validation.METADATA,
        'networks': {'type': 'array', 'items': _NETWORK},
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': {'type': 'string', 'format': 'ipv4'},
        'accessIPv6': {'type': 'string', 'format': 'ipv6'},
        'personality': validation.PERSONALITY,   # until 2.57
        'availability_zone': validation.NAME,
        'block_device_mapping_v2': {'type': 'array', 'items': {
            'type': 'object', 'properties': {
                'uuid': {'type': 'string'}, 'image_id': {'type': 'string'},
                'source_type': {'type': 'string', 'enum': ['volume', 'image', 'snapshot', 'blank']},
                'destination_type': {'type': 'string', 'enum': ['local', 'volume']},
                'boot_index': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$'},
                'delete_on_termination': BOOLEAN,
                'device_name': {'type': 'string'}, 'volume_size': {'type': ['integer', 'string', 'null']},
                'guest_format': {'type': 'string'}, 'disk_bus': {'type': 'string'}, 'device_type': {'type': 'string'}},
            'additionalProperties': False}},
        'config_drive': BOOLEAN,
        'key_name': validation.NAME,
        'min_count': validation.POSITIVE_INTEGER,
        'max_count': validation.POSITIVE_INTEGER,
        'return_reservation_id': BOOLEAN,
        'security_groups': {'type': 'array', 'items': {
            'type': 'object', 'properties': {'name': validation.NAME},
            'additionalProperties': False}},
        'user_data': {'type': 'string', 'format': 'base64', 'maxLength': 65535},
    },
    'required': ['name', 'flavorRef'],
    'additionalProperties': False,
}
SCHEDULER_HINTS = {'type': 'object', 'properties': {
    'group': {'type': 'string', 'format': 'uuid'},
    'same_host': {'type': ['string', 'array'], 'items': {'type': 'string', 'format': 'uuid'}},
    'different_host': {'type': ['string', 'array'], 'items': {'type': 'string', 'format': 'uuid'}},
}, 'additionalProperties': True}
# Nova reads the hints under either name.
HINTS_KEYS = ('os:scheduler_hints', 'OS-SCH-HNT:scheduler_hints')

# Ids of the certificates the image's signature must chain to (2.63); stored and shown, as Nova does with
# signature verification off (its default).
TRUSTED_CERTS = {'type': ['array', 'null'], 'minItems': 1, 'maxItems': 50, 'uniqueItems': True,
                 'items': {'type': 'string', 'minLength': 1}}

HOSTNAME = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9-._]*$'}

REBOOT = {'type': 'object', 'properties': {'type': {'type': 'string', 'enum': ['HARD', 'Hard', 'hard', 'SOFT',
                                                                               'Soft', 'soft']}},
          'required': ['type'], 'additionalProperties': False}
# The other actions take no argument, and any value in its place (Nova: {"pause": {}}).
NO_ARGUMENT = {}
# nova/api/openstack/compute/schemas/reset_server_state.py
RESET_STATE = {'type': 'object', 'properties': {'state': {'type': 'string', 'enum': ['active', 'error']}},
               'required': ['state'], 'additionalProperties': False}
# 2.73: a reason may come with the lock.
LOCK_V273 = {'type': ['object', 'null'],
             'properties': {'locked_reason': {'type': 'string', 'minLength': 1, 'maxLength': 255}},
             'additionalProperties': False}
# nova/api/openstack/compute/schemas/console_output.py: lines from the end; -1 (or null) all of them
CONSOLE_OUTPUT = {'type': 'object',
                  'properties': {'length': {'type': ['integer', 'string', 'null'], 'pattern': '^-?[0-9]+$',
                                            'minimum': -1}},
                  'additionalProperties': False}


def rebuild(version):
    """The ``rebuild`` action's argument at ``version`` (Nova's rebuild, rebuild_v219 ... rebuild_v294)."""
    props = {
        'name': validation.NAME,
        'imageRef': IMAGE_ID,
        'adminPass': {'type': 'string'},
        'metadata': validation.METADATA,
        'preserve_ephemeral': BOOLEAN,
        'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']},
        'accessIPv4': {'type': 'string', 'format': 'ipv4'},
        'accessIPv6': {'type': 'string', 'format': 'ipv6'},
        'personality': validation.PERSONALITY,
    }
    if version >= (2, 19):
        props['description'] = validation.DESCRIPTION
    if version >= (2, 54):
        # a keypair of the caller's, or null to remove the server's key
        props['key_name'] = validation.NAME_OR_NONE
    if version >= (2, 57):
        props.pop('personality')
        props['user_data'] = {'type': ['string', 'null'], 'format': 'base64', 'maxLength': 65535}
    if version >= (2, 63):
        props['trusted_image_certificates'] = TRUSTED_CERTS
    if version >= (2, 90):
        props['hostname'] = guest_hostname(version)
    return {'type': 'object', 'properties': props, 'required': ['imageRef'], 'additionalProperties': False}


# nova/api/openstack/compute/schemas/rescue.py: an optional password and rescue image (an image id); unrescue
# takes any value (Nova has not restricted it to null yet).
RESCUE = {'type': ['object', 'null'],
          'properties': {'adminPass': {'type': 'string'}, 'rescue_image_ref': {'type': 'string', 'format': 'uuid'}},
          'additionalProperties': False}
UNRESCUE = {}
# nova/api/openstack/compute/schemas/servers.py create_image and create_backup.py (rotation: Nova's
# non_negative_integer, a number or digits)
CREATE_IMAGE = {'type': 'object', 'properties': {'name': validation.NAME, 'metadata': validation.METADATA},
                'required': ['name'], 'additionalProperties': False}
CREATE_BACKUP = {'type': 'object',
                 'properties': {'name': validation.NAME, 'backup_type': {'type': 'string'},
                                'rotation': {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0,
                                             'minLength': 1},
                                'metadata': validation.METADATA},
                 'required': ['name', 'backup_type', 'rotation'], 'additionalProperties': False}

ACTIONS = {'os-start': NO_ARGUMENT, 'os-stop': NO_ARGUMENT, 'reboot': REBOOT, 'pause': NO_ARGUMENT,
           'unpause': NO_ARGUMENT, 'suspend': NO_ARGUMENT, 'resume': NO_ARGUMENT, 'lock': NO_ARGUMENT,
           'unlock': NO_ARGUMENT, 'os-resetState': RESET_STATE, 'restore': NO_ARGUMENT, 'forceDelete': NO_ARGUMENT,
           'os-getConsoleOutput': CONSOLE_OUTPUT, 'rescue': RESCUE, 'unrescue': UNRESCUE}
ACTIONS.update({'createImage': CREATE_IMAGE, 'createBackup': CREATE_BACKUP})
# nova/api/openstack/compute/schemas/servers.py trigger_crash_dump (2.17+): null only
TRIGGER_CRASH_DUMP = {'type': 'null'}

# nova/api/openstack/compute/schemas/shelve.py: shelve and shelveOffload take any value (Nova has not restricted
# them to null yet), so does unshelve before 2.77; from 2.77 null or {availability_zone} (a zone name, required);
# from 2.91 null or {availability_zone (a name or null: unpin), host}, no other key.
SHELVE = {}
UNSHELVE_V277 = {'type': ['object', 'null'], 'properties': {'availability_zone': validation.NAME},
                 'required': ['availability_zone'], 'additionalProperties': False}
UNSHELVE_V291 = {'type': ['object', 'null'],
                 'properties': {'availability_zone': {'type': ['string', 'null']}, 'host': {'type': 'string'}},
                 'additionalProperties': False}
ACTIONS.update({'shelve': SHELVE, 'shelveOffload': SHELVE, 'unshelve': UNSHELVE_V291})

# nova/api/openstack/compute/schemas/servers.py resize (flavorRef: an id or a link; diskConfig accepted, unused),
# confirmResize / revertResize (any value, as Nova); migrate_server.py migrate from 2.56 (null or {host}), before
# it any value
RESIZE = {'type': 'object',
          'properties': {'flavorRef': {'type': ['string', 'integer'], 'minLength': 1},
                         'OS-DCF:diskConfig': {'type': 'string', 'enum': ['AUTO', 'MANUAL']}},
          'required': ['flavorRef'], 'additionalProperties': False}
MIGRATE_V256 = {'type': ['object', 'null'],
                'properties': {'host': {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}},
                'additionalProperties': False}
ACTIONS.update({'resize': RESIZE, 'confirmResize': {}, 'revertResize': {}, 'migrate': MIGRATE_V256})


def migrate(version):
    """The migrate argument's schema at ``version`` (None: anything, before 2.56)."""
    return MIGRATE_V256 if version >= (2, 56) else None


# migrate_server.py os-migrateLive: up to 2.24 block_migration and disk_over_commit (booleans) and host, all
# required; from 2.25 block_migration may be "auto" and disk_over_commit is gone; 2.30-2.67 add force
_LIVE_HOST = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}
MIGRATE_LIVE = {'type': 'object',
                'properties': {'block_migration': BOOLEAN, 'disk_over_commit': BOOLEAN, 'host': _LIVE_HOST},
                'required': ['block_migration', 'disk_over_commit', 'host'], 'additionalProperties': False}
MIGRATE_LIVE_V225 = {'type': 'object',
                     'properties': {'block_migration': {'type': ['boolean', 'string'],
                                                        'enum': BOOLEAN['enum'] + ['auto']},
                                    'host': _LIVE_HOST},
                     'required': ['block_migration', 'host'], 'additionalProperties': False}
MIGRATE_LIVE_V230 = copy.deepcopy(MIGRATE_LIVE_V225)
MIGRATE_LIVE_V230['properties']['force'] = BOOLEAN
ACTIONS['os-migrateLive'] = MIGRATE_LIVE_V230


def migrate_live(version):
    """The os-migrateLive argument's schema at ``version``."""
    if version >= (2, 68):
        return MIGRATE_LIVE_V225
    if version >= (2, 30):
        return MIGRATE_LIVE_V230
    return MIGRATE_LIVE_V225 if version >= (2, 25) else MIGRATE_LIVE


def unshelve(version):
    """The unshelve argument's schema at ``version`` (None: anything, before 2.77)."""
    if version >= (2, 91):
        return UNSHELVE_V291
    return UNSHELVE_V277 if version >= (2, 77) else None


def _device_tags(version):
    """(network tag, block device tag) allowed at ``version``: 2.32 brought both, a bug kept the block
    device's to 2.32 alone and the network's to 2.32-2.36, and 2.42 brought both back."""
    if version >= (2, 42):
        return True, True
    return (2, 32) <= version <= (2, 36), version == (2, 32)


def create_server(version):
    """The create body's ``server`` object at microversion ``version``."""
    schema = copy.deepcopy(_SERVER)
    props = schema['properties']
    if version >= (2, 19):
        props['description'] = validation.DESCRIPTION
    if version >= (2, 57):
        del props['personality']
    network_tag, device_tag = _device_tags(version)
    network = copy.deepcopy(_NETWORK)
    if network_tag:
        network['properties']['tag'] = TAG
    if device_tag:
        props['block_device_mapping_v2']['items']['properties']['tag'] = TAG
    props['networks'] = {'type': 'array', 'items': network}
    if version >= (2, 37):
        # From 2.37 networks is required: a list, or "auto" / "none".
        props['networks'] = {'oneOf': [
            {'type': 'array', 'items': network, 'minItems': 1},
            {'type': 'string', 'enum': ['none', 'auto']}]}
        schema['required'] = ['name', 'flavorRef', 'networks']
    if version >= (2, 52):
        props['tags'] = {'type': 'array', 'items': TAG, 'maxItems': MAX_TAGS}
    if version >= (2, 63):
        props['trusted_image_certificates'] = TRUSTED_CERTS
    if version >= (2, 67):
        props['block_device_mapping_v2']['items']['properties']['volume_type'] = {
            'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255}
    if version >= (2, 74):
        # An admin may ask for a host and/or node; the scheduler's filters still judge it.
        props['host'] = HOSTNAME
        props['hypervisor_hostname'] = HOSTNAME
    if version >= (2, 90):
        props['hostname'] = guest_hostname(version)
    return schema


def guest_hostname(version):
    """2.90: a hostname for the guest (one label); 2.94: a fully qualified name."""
    if version >= (2, 94):
        return HOSTNAME
    return {'type': 'string', 'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$', 'minLength': 2, 'maxLength': 63}


def create(version):
    """The whole create body (the handler checks its parts in Nova's order, with Nova's messages)."""
    properties = {'server': create_server(version)}
    properties.update((key, SCHEDULER_HINTS) for key in HINTS_KEYS)
    return {'type': 'object', 'properties': properties, 'required': ['server'], 'additionalProperties': False}


def update(version):
    props = {'name': validation.NAME,
             'accessIPv4': {'type': 'string', 'format': 'ipv4'},
             'accessIPv6': {'type': 'string', 'format': 'ipv6'}}
    if version >= (2, 19):
        props['description'] = validation.DESCRIPTION
    if version >= (2, 90):
        props['hostname'] = guest_hostname(version)
    if version >= (2, 104):
        props['pinned_availability_zone'] = {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255}
    return {'type': 'object',
            'properties': {'server': {'type': 'object', 'properties': props, 'additionalProperties': False}},
            'required': ['server'], 'additionalProperties': False}


def action(version=None):
    """``POST /servers/{id}/action``: exactly one of the actions, with its argument (at ``version``; the
    newest when None)."""
    from novalite_api.compute.api_version import MAX_VERSION
    from novalite_api.compute.schemas import remote_consoles
    version = version or MAX_VERSION
    arguments = dict(ACTIONS, rebuild=rebuild(version), unshelve=unshelve(version) or SHELVE,
                     migrate=migrate(version) or {})
    from novalite_api.compute.schemas import evacuate
    arguments['evacuate'] = evacuate.evacuate(version)
    from novalite_api.compute import admin_actions, admin_password, floating_ips, multinic, security_groups
    arguments.update(remote_consoles.ACTIONS)   # the old console actions (until 2.5)
    arguments['os-getRDPConsole'] = {}          # (until 2.5, any body: always a 400, no RDP on libvirt)
    arguments.update((name, security_groups.ACTION_BODY) for name in security_groups.ACTIONS)
    arguments.update(admin_actions.ACTIONS)
    arguments.update(admin_password.ACTIONS)
    if version >= (2, 17):
        arguments['trigger_crash_dump'] = TRIGGER_CRASH_DUMP
    if version < (2, 44):
        arguments.update(floating_ips.ACTIONS)
        arguments.update(multinic.ACTIONS)
    return {'oneOf': [{'type': 'object', 'properties': {name: argument}, 'required': [name],
                       'additionalProperties': False} for name, argument in sorted(arguments.items())]}


# Every server action Nova's API knows (its dispatch finds the server before it runs one): an action
# novalite has not built yet still answers 404 for a missing server, as Nova would, before its 400.
NOVA_ACTIONS = frozenset((
    'addFixedIp', 'addFloatingIp', 'addSecurityGroup', 'changePassword', 'confirmResize', 'createBackup',
    'createImage', 'evacuate', 'forceDelete', 'injectNetworkInfo', 'lock', 'migrate', 'os-getConsoleOutput',
    'os-getRDPConsole', 'os-getSPICEConsole', 'os-getSerialConsole', 'os-getVNCConsole', 'os-migrateLive',
    'os-resetState', 'os-start', 'os-stop', 'pause', 'reboot', 'rebuild', 'removeFixedIp', 'removeFloatingIp',
    'removeSecurityGroup', 'rescue', 'resetNetwork', 'resize', 'restore', 'resume', 'revertResize', 'shelve',
    'shelveOffload', 'suspend', 'trigger_crash_dump', 'unlock', 'unpause', 'unrescue', 'unshelve',
))


# The query parameters GET /servers knows (from 2.75 any other is a 400; before, ignored).
_LIST_PARAMS = (
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id', 'ramdisk_id',
    'hostname', 'key_name', 'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'reservation_id',
    'launched_at', 'terminated_at', 'availability_zone', 'name', 'display_name', 'description',
    'display_description', 'locked_by', 'uuid', 'root_device_name', 'config_drive', 'access_ip_v4',
    'access_ip_v6', 'auto_disk_config', 'progress', 'sort_key', 'sort_dir', 'all_tenants', 'soft_deleted',
    'deleted', 'status', 'changes-since', 'ip', 'ip6', 'created_at', 'limit', 'marker',
    # joined tables: known, and refused as filters
    'block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups',
    'pci_devices')
JOINED_TABLES = _LIST_PARAMS[-7:]


def list_params(version):
    names = list(_LIST_PARAMS)
    if version >= (2, 26):
        names += ['tags', 'tags-any', 'not-tags', 'not-tags-any']
    if version >= (2, 66):
        names.append('changes-before')
    if version >= (2, 73):
        names.append('locked')
    return names


# Sort keys Nova accepts but ignores (until 2.75, where they are a 400); 'locked' is a real one from 2.73.
IGNORED_SORT_KEYS = ('architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device',
                     'deleted', 'deleted_at', 'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id',
                     'key_data', 'launched_on', 'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
                     'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode')
# The sort keys of Nova's list query schema (VALID_SORT_KEYS), in its order: another is the schema's 400.
VALID_SORT_KEYS = ('access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive',
                   'created_at', 'display_description', 'display_name', 'host', 'hostname', 'image_ref',
                   'instance_type_id', 'kernel_id', 'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
                   'power_state', 'progress', 'project_id', 'ramdisk_id', 'root_device_name', 'task_state',
                   'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state')


def sort_key_enum(version):
    """The sort keys the list takes at ``version``: the ignored ones too until 2.75; 'locked' a real one
    from 2.73. (From 2.73 Nova builds its list through a set, so its order in Nova's 400 varies from process
    to process; here it is sorted.)"""
    if version < (2, 73):
        return list(VALID_SORT_KEYS + IGNORED_SORT_KEYS)
    ignored_273 = [key for key in IGNORED_SORT_KEYS if key != 'locked']
    if version < (2, 75):
        return ['locked'] + sorted(VALID_SORT_KEYS) + ignored_273
    return sorted(VALID_SORT_KEYS + ('locked',))


def list_query(version):
    """The part of Nova's list query schema whose values it checks."""
    return {'type': 'object',
            'properties': {'sort_key': validation.multi_params({'type': 'string', 'enum': sort_key_enum(version)}),
                           'limit': validation.multi_params(validation.NON_NEGATIVE_INTEGER)},
            'additionalProperties': True}


# List filters beyond name/image/flavor/status/ip...: matched exactly, or as regular expressions (as in Nova's DB
# layer); admins may use all of them, other users from 2.83 the USER_FILTERS_283 ones.
EXACT_FILTERS = ('host', 'user_id', 'uuid', 'vm_state', 'task_state')
REGEX_FILTERS = ('node', 'availability_zone', 'key_name', 'hostname', 'config_drive', 'launched_at', 'terminated_at',
                 'created_at', 'progress', 'power_state', 'access_ip_v4', 'access_ip_v6', 'description',
                 'display_description', 'launch_index')
USER_FILTERS_283 = ('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at',
                    'power_state', 'task_state', 'vm_state', 'progress', 'user_id')
FILTER_COLUMNS = {'display_description': 'description'}
