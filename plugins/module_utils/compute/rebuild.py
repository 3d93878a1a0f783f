# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's rebuild (controller side): a new root disk from the same or a new image, same identity.

``begin`` is nova/compute/api.py ``rebuild`` (lock and state checks, the image and keypair lookups,
the flavor/image fit, the new name, metadata, key, user data, hostname, trusted certificates saved with
task_state ``rebuilding`` and a ``rebuild`` instance action) followed by the conductor's part: with a
new image the server's own host must still pass the filters Nova runs on a rebuild (the image
properties), else the server goes to ERROR with Nova's NoValidHost fault and keeps its old image; then
``rebuild_block_device_mapping`` -> ``rebuild_spawning`` and the host call that recreates the domain.
Shared by the ``server_action`` module and the REST shim.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, host_calls, instances, quotas,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, NoValidHost, NotFound,
)

# What a rebuild request may carry besides the image (the API's names where they differ are mapped there).
FIELDS = ('image', 'name', 'metadata', 'key_name', 'user_data', 'hostname', 'preserve_ephemeral',
          'trusted_image_certificates', 'description', 'access_ip_v4', 'access_ip_v6', 'injected_files')
REBUILD_EVENT = 'compute_rebuild_instance'
SCHEDULE_EVENT = 'conductor_rebuild_server'


def _check_state(inst, context):
    action_table.check_action(inst, 'rebuild', context)
    if not inst['host']:
        # a server that never reached a host (an ERROR from scheduling) has no disk to rebuild there
        raise InstanceInvalidState("Cannot 'rebuild' instance %s: it has no host" % inst['uuid'], field='server')


def _lookup(store, request, context, inst):
    """The new image (checked against the server's flavor) and keypair: Nova's checks before anything changes."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images, keypairs
    if not request.get('image'):
        raise InvalidInput('image', 'is required')
    try:
        image = images.get(store, request['image'], project=context.scope)
    except NotFound:
        raise InvalidInput('image', 'Cannot find image for rebuild')
    if image.get('status') != 'active':
        raise InvalidInput('image', 'Image %s is not active.' % image['id'])
    conductor.validate_flavor_image(inst['flavor'], image)
    found = {'image': image, 'boot_files': conductor.kernel_ramdisk(store, image, context)}
    if request.get('key_name'):
        try:
            found['key_data'] = keypairs.get(store, context.user_id, request['key_name'])['public_key']
        except NotFound:
            raise InvalidInput('key_name', 'Invalid key_name provided.')
    return found


def _new_values(inst, request, found):
    """The instance columns the rebuild sets (Nova's instance.update(kwargs) + the new image)."""
    image = found['image']
    system = dict(inst.get('system_metadata') or {})
    for kind in ('kernel', 'ramdisk'):
        system.pop(kind, None)
    system.update(found['boot_files'])
    values = {'image': conductor.image_snapshot(image), 'image_ref': image['id'], 'progress': 0}
    if 'name' in request and request['name'] is not None:
        values['display_name'] = instances.validate_name(request['name'])
    if request.get('metadata') is not None:
        values['metadata'] = dict(request['metadata'])
    if 'key_name' in request:
        # 2.54: a key replaces the server's, null removes it
        values['key_name'] = request['key_name'] or None
        values['key_data'] = found.get('key_data')
    if 'user_data' in request:
        values['user_data'] = request['user_data']   # 2.57: null removes it
    if request.get('hostname'):
        values['hostname'] = request['hostname']
    if 'description' in request:
        values['description'] = request['description']
    for key in ('access_ip_v4', 'access_ip_v6'):
        if key in request:
            values[key] = request[key] or None
    if 'trusted_image_certificates' in request:
        certs = request['trusted_image_certificates']
        if certs:
            system['trusted_image_certificates'] = list(certs)
        else:
            system.pop('trusted_image_certificates', None)
    if request.get('injected_files'):
        # below 2.57 (personality): the rebuilt guest's config drive carries these files instead
        system['injected_files'] = conductor.checked_injected_files(request['injected_files'])
    values['system_metadata'] = system
    return values


def check(store, ident, context, request):
    """Every check of a rebuild, nothing written (check mode): the server row."""
    inst = instances.get(store, ident, project_id=context.scope)
    _check_state(inst, context)
    found = _lookup(store, request, context, inst)
    _new_values(inst, request, found)
    return inst


def begin(store, ident, context, request, scheduler_config=None, enforce_quota=False):
    """Check and start a rebuild; returns (instance, host call or None when the rebuild check failed)."""
    unknown = set(request) - set(FIELDS)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], 'is not a rebuild parameter')
    inst = instances.get(store, ident, project_id=context.scope)
    _check_state(inst, context)
    found = _lookup(store, request, context, inst)
    values = _new_values(inst, request, found)
    new_image = found['image']['id'] != inst['image_ref']
    failure = None
    if new_image:
        # Nova's conductor asks the scheduler whether the server's host suits the new image.
        from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
        try:
            manager.check_rebuild(store, inst['host'], inst['node'], inst['flavor'],
                                  found['image'].get('properties'), scheduler_config)
        except NoValidHost as exc:
            failure = exc
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], conn=conn)
        _check_state(inst, context)
        if enforce_quota and 'metadata' in values:
            quotas.check_metadata(conn, inst['project_id'], len(values['metadata']))
        if enforce_quota and request.get('injected_files'):
            quotas.check_injected_files(conn, inst['project_id'], values['system_metadata']['injected_files'])
        instances.action_start(conn, inst['uuid'], 'rebuild', context.request_id, context.user_id,
                               context.project_id)
        if failure is not None:
            # Nova: the image_ref is rolled back, the server goes to ERROR with the scheduler's reason.
            kept = dict((k, v) for k, v in values.items() if k not in ('image', 'image_ref', 'progress'))
            kept['system_metadata'] = dict(inst.get('system_metadata') or {})
            inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None],
                                    vm_state=S.ERROR, task_state=None, **kept)
            instances.event_start(conn, inst['uuid'], context.request_id, SCHEDULE_EVENT)
            message = 'No valid host was found. %s' % failure.message
            instances.add_fault(conn, inst['uuid'], message, code=failure.code, details=failure.message,
                                host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], context.request_id, SCHEDULE_EVENT, result='Error',
                                   traceback=message)
            return inst, None
        inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None],
                                task_state=S.REBUILDING, **values)
        instances.event_start(conn, inst['uuid'], context.request_id, REBUILD_EVENT, host=inst['host'])
    # The host's steps (nova/compute/manager.py _do_rebuild_instance): block devices, then the spawn.
    for expected, nxt in ((S.REBUILDING, S.REBUILD_BLOCK_DEVICE_MAPPING),
                          (S.REBUILD_BLOCK_DEVICE_MAPPING, S.REBUILD_SPAWNING)):
        inst = instances.update(store, inst['uuid'], expected_task_state=expected, task_state=nxt)
    with store.read() as conn:
        call = host_calls.build(conn, inst, 'rebuild', context.request_id)
    call['preserve_ephemeral'] = bool(request.get('preserve_ephemeral'))
    return inst, call


def host_state(inst):
    """The domain's state after the rebuild: a stopped server stays stopped (Nova since Ussuri); an
    active one, or one in ERROR, boots its new disk. The vm_state is the one from before the rebuild
    (only the task_state moves while it runs)."""
    return 'stopped' if inst['vm_state'] == S.STOPPED else 'running'


def result_vm_state(inst):
    return S.STOPPED if host_state(inst) == 'stopped' else S.ACTIVE
