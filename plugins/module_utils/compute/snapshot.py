# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's snapshot (``createImage``) and backup (``createBackup``), controller side.

``begin`` is nova/compute/api.py ``snapshot`` / ``backup`` (the state check - no lock check, as Nova: a lock
guards against change and delete, a snapshot is neither -, ``compute_utils.create_image``: a ``queued`` image
owned by the server's project with Nova's properties, then the task state ``image_snapshot_pending`` /
``image_backup`` and the ``createImage`` / ``createBackup`` instance action) followed by the compute manager's
first step (``image_snapshot``) and the host call: ``instance_snapshot`` flattens the root disk on the host and
its action plugin fetches the file to ``<image_store>/.incoming-<image id>`` on the controller. ``finish``
(through ``conductor.record_result``) is the driver's upload: ``image_pending_upload`` -> ``image_uploading``,
the file imported into the image store (``catalog.images.upload``: the host's sha256 checked, qcow2 without a
backing file, status ``saving`` -> ``active``), the task state cleared; a backup then rotates the server's
backups of its type (Nova's ``_rotate_backups``). A failure deletes the image (Nova's ``delete_image_on_error``)
and its file, records a fault and clears the task state; the server keeps its vm_state.

Reusable pieces for other actions that snapshot a disk (shelve): ``image_properties``, ``create_image``,
``host_call``, ``import_snapshot``, ``discard_image``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, host_calls, instances, quotas,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, ImageError, InstanceInvalidState, InvalidInput, NotFound, NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.result_handlers import result_handler
from ansible_collections.novalite.compute.plugins.module_utils.files import leftovers

KINDS = {'snapshot': 'snapshot', 'backup': 'backup'}   # action -> image_type
EVENTS = {'snapshot': 'compute_snapshot_instance', 'backup': 'compute_backup_instance'}
# The task state the host works in (Nova's compute manager sets image_snapshot for a snapshot; a backup
# keeps image_backup), then the driver's upload steps.
HOST_TASK_STATE = {'snapshot': S.IMAGE_SNAPSHOT, 'backup': S.IMAGE_BACKUP}
PENDING = 'pending_image'   # system metadata: the image this server's snapshot in flight makes
FIELDS = ('name', 'metadata', 'backup_type', 'rotation')

# nova/compute/utils.py: never inherited by a snapshot, plus CONF.non_inheritable_image_properties' default.
NON_INHERITABLE_IMAGE_PROPERTIES = frozenset((
    'cinder_encryption_key_id', 'cinder_encryption_key_deletion_policy', 'img_signature',
    'img_signature_hash_method', 'img_signature_key_type', 'img_signature_certificate_uuid'))
NON_INHERITABLE_IMAGE_NAMESPACES = ('os_glance',)
DEFAULT_NON_INHERITABLE = ('cache_in_nova', 'bittorrent')


def incoming_path(image_store, image_id):
    """Where the host's snapshot file lands on the controller before it is imported."""
    return os.path.join(image_store, '.incoming-%s' % image_id)


# ---- the request ------------------------------------------------------------------------------

def check_request(action, request):
    """The checked request (name, metadata, and for a backup backup_type and rotation)."""
    from ansible_collections.novalite.compute.plugins.module_utils import catalog
    if action not in KINDS:
        raise InvalidInput('action', 'must be snapshot or backup, got %r' % (action,))
    request = dict(request or {})
    unknown = set(request) - set(FIELDS if action == 'backup' else ('name', 'metadata'))
    if unknown:
        raise InvalidInput(sorted(unknown)[0], 'is not a %s parameter' % action)
    if request.get('name') is None:
        raise InvalidInput('name', 'is required')
    out = {'name': catalog.check_name('name', request['name'])}
    metadata = request.get('metadata') or {}
    if not isinstance(metadata, dict):
        raise InvalidInput('metadata', 'must be a mapping of property name to value')
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidInput('metadata', 'names and values must be strings')
    out['metadata'] = dict(metadata)
    if action == 'backup':
        backup_type = request.get('backup_type')
        if not isinstance(backup_type, str) or not backup_type:
            raise InvalidInput('backup_type', 'is required (a string such as daily or weekly)')
        rotation = request.get('rotation')
        if isinstance(rotation, str) and rotation.isdigit():
            rotation = int(rotation)
        if isinstance(rotation, bool) or not isinstance(rotation, int):
            raise InvalidInput('rotation', 'is required and must be an integer, got %r' % (rotation,))
        if rotation < 0:
            raise InvalidInput('rotation', 'must be 0 or more, got %d' % rotation)
        out.update(backup_type=backup_type, rotation=rotation)
    return out


def _check_state(inst, action, context):
    action_table.check_action(inst, action, context)
    if not inst['host']:
        raise InstanceInvalidState("Cannot '%s' instance %s: it has no host" % (action_table.event_name(action),
                                                                                inst['uuid']), field='server')


# ---- the new image ----------------------------------------------------------------------------

def image_properties(inst, context, image_type, extra=None, non_inheritable=DEFAULT_NON_INHERITABLE):
    """(properties, visibility) of a new snapshot image of ``inst`` (nova/compute/utils.py create_image).

    The source image's properties without the non-inheritable ones, Nova's ``base_image_ref``,
    ``instance_uuid``, ``user_id``, ``image_type``, then ``extra`` (the request's metadata, a backup's
    ``backup_type``: they win), then what the libvirt driver adds at upload (``image_location``,
    ``image_state``, ``owner_id``, kernel/ramdisk ids). Another project's requester (an admin) makes a
    ``shared`` image carrying ``instance_owner``; the owner's own is ``private``.
    """
    source = dict(((inst.get('image') or {}).get('properties')) or {})
    drop = set(non_inheritable or ()) | NON_INHERITABLE_IMAGE_PROPERTIES
    props = dict((k, v) for k, v in source.items()
                 if k not in drop and not k.startswith(NON_INHERITABLE_IMAGE_NAMESPACES))
    if inst.get('image_ref'):
        props['base_image_ref'] = inst['image_ref']
    props.update(instance_uuid=inst['uuid'], user_id=str(context.user_id or inst.get('user_id') or ''),
                 image_type=image_type)
    props.update(extra or {})
    visibility = 'private'
    if context.project_id != inst['project_id']:
        visibility = 'shared'
        props['instance_owner'] = inst['project_id']
    props.update(image_location='snapshot', image_state='available', owner_id=inst['project_id'])
    system = inst.get('system_metadata') or {}
    for kind in ('kernel', 'ramdisk'):
        if (system.get(kind) or {}).get('id'):
            props['%s_id' % kind] = system[kind]['id']
    return props, visibility


def min_disk_ram(inst):
    """Nova's image_min_disk (the image's, at least the flavor's root disk) and image_min_ram."""
    image = inst.get('image') or {}
    flavor = inst.get('flavor') or {}
    return max(int(image.get('min_disk') or 0), int(flavor.get('root_gb') or 0)), int(image.get('min_ram') or 0)


def create_image(store, inst, context, name, image_type, extra=None):
    """The ``queued`` catalog image a snapshot of ``inst`` will fill (owned by the server's project)."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    props, visibility = image_properties(inst, context, image_type, extra)
    min_disk, min_ram = min_disk_ram(inst)
    return images.create(store, name, visibility=visibility, owner=inst['project_id'], min_disk=min_disk,
                         min_ram=min_ram, properties=props)


def discard_image(store, image_store, image_id):
    """Delete a snapshot image that will not be completed (row, file, the incoming copy); quiet if gone."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    try:
        images.delete(store, image_store, image_id)
    except (NotFound, InvalidInput):
        pass
    incoming = incoming_path(image_store, image_id)
    for path in [incoming] + leftovers(incoming):
        try:
            os.unlink(path)   # the fetched file, or a fetch cut short (the action plugin's temporary file)
        except OSError:
            pass


def host_call(conn, inst, action, request_id, image_id, image_store):
    """The ``instance_snapshot`` host call: flatten the root disk, fetch it to the image store's incoming file."""
    call = host_calls.build(conn, inst, action, request_id)
    call['instance'] = dict((k, call['instance'][k]) for k in ('uuid', 'name', 'display_name'))
    call['snapshot'] = {'image_id': image_id, 'dest': incoming_path(image_store, image_id)}
    return call


def import_snapshot(store, image_store, image_id, host_result, limits=None):
    """The fetched snapshot file into the image store (sha256 checked); returns the ``active`` image.

    ``limits``: Glance's ``size_cap`` and the owner's ``storage_quota`` (bytes; None: none), as an upload
    through the image API would meet them. The incoming file is removed either way; on failure the image
    stays as it was (the caller discards it).
    """
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    incoming = incoming_path(image_store, image_id)
    try:
        if not os.path.isfile(incoming):
            raise ImageError('image', 'the snapshot of image %s did not reach the image store' % image_id)
        limits = limits or {}
        return images.upload(store, image_store, image_id, incoming, checksum=(host_result or {}).get('sha256'),
                             disk_format='qcow2', size_cap=limits.get('size_cap'),
                             storage_quota=limits.get('storage_quota'), move=True)
    finally:
        try:
            os.unlink(incoming)
        except OSError:
            pass


def backups_to_rotate(backups, rotation, keep_id=None):
    """The backups beyond the newest ``rotation`` (``backups``: image dicts of one server and backup type).

    Newest first by created_at; the backup just made (``keep_id``) counts as the newest.
    """
    ordered = sorted(backups, key=lambda i: (i['id'] == keep_id, i.get('created_at') or '', i['id']), reverse=True)
    return ordered[rotation:]


def rotate_backups(store, image_store, inst, backup_type, rotation, keep_id=None):
    """Nova's _rotate_backups: delete the server's backups of ``backup_type`` beyond the newest ``rotation``."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    found = images.list_images(store, owner=inst['project_id'], properties={
        'image_type': 'backup', 'backup_type': backup_type, 'instance_uuid': inst['uuid']})
    deleted = []
    for image in backups_to_rotate(found, rotation, keep_id):
        try:
            images.delete(store, image_store, image['id'])
            deleted.append(image['id'])
        except (NotFound, Conflict):
            continue   # gone already, or protected: Nova logs and goes on
    return deleted


# ---- the action -------------------------------------------------------------------------------

def check(store, ident, action, context, request):
    """Every check of a snapshot/backup, nothing written (check mode): the server row."""
    check_request(action, request)
    inst = instances.get(store, ident, project_id=context.scope)
    _check_state(inst, action, context)
    return inst


def begin(store, ident, action, context, request, image_store, enforce_quota=False, image_limits=None):
    """Check and start a snapshot or backup; returns (instance, host call, the new ``queued`` image).

    ``image_limits``: {size_cap, storage_quota} the image's upload meets (see ``import_snapshot``).
    """
    if not image_store or not os.path.isabs(str(image_store)):
        raise InvalidInput('image_store', 'must be an absolute directory path')
    checked = check_request(action, request)
    inst = instances.get(store, ident, project_id=context.scope)
    _check_state(inst, action, context)
    if enforce_quota:
        with store.read() as conn:
            quotas.check_metadata(conn, inst['project_id'], len(checked['metadata']))
    extra = dict(checked['metadata'])
    if action == 'backup':
        extra['backup_type'] = checked['backup_type']
    image = create_image(store, inst, context, checked['name'], KINDS[action], extra)
    row = action_table.ACTIONS[action]
    pending = {'id': image['id'], 'image_store': str(image_store), 'action': action,
               'limits': dict((k, v) for k, v in (image_limits or {}).items() if v)}
    if action == 'backup':
        pending.update(backup_type=checked['backup_type'], rotation=checked['rotation'])
    try:
        with store.begin() as conn:
            inst = instances.get(store, inst['uuid'], conn=conn)
            _check_state(inst, action, context)
            system = dict(inst.get('system_metadata') or {}, **{PENDING: pending})
            inst = instances.update(store, inst['uuid'], conn=conn, expected_task_state=[None],
                                    task_state=row.task_state, system_metadata=system)
            instances.action_start(conn, inst['uuid'], row.event, context.request_id, context.user_id,
                                   context.project_id)
            instances.event_start(conn, inst['uuid'], context.request_id, EVENTS[action], host=inst['host'])
    except BaseException:
        discard_image(store, image_store, image['id'])
        raise
    if row.task_state != HOST_TASK_STATE[action]:
        # the compute manager's first step (snapshot_instance: image_snapshot_pending -> image_snapshot)
        inst = instances.update(store, inst['uuid'], expected_task_state=row.task_state,
                                task_state=HOST_TASK_STATE[action])
    with store.read() as conn:
        call = host_call(conn, inst, action, context.request_id, image['id'], image_store)
    return inst, call, image


@result_handler(*action_table.SNAPSHOT_ACTIONS)
def finish(store, ident, action, request_id, host_result=None, error=None):
    """Record the host's outcome of a snapshot/backup (see the module docstring); returns the server row."""
    inst = instances.get(store, ident, include_deleted=True)
    pending = (inst.get('system_metadata') or {}).get(PENDING)
    if not pending:
        # recorded already (a repeated report), or never started
        inst['changed'] = False
        return inst
    result = host_result or {}
    failure = error if error is not None else (result if result.get('failed') or result.get('unreachable')
                                               else None)
    image = None
    if failure is None:
        try:
            # the driver's upload steps (nova/virt/libvirt/driver.py snapshot)
            for expected, nxt in ((HOST_TASK_STATE[pending['action']], S.IMAGE_PENDING_UPLOAD),
                                  (S.IMAGE_PENDING_UPLOAD, S.IMAGE_UPLOADING)):
                instances.update(store, inst['uuid'], expected_task_state=expected, task_state=nxt)
            image = import_snapshot(store, pending['image_store'], pending['id'], result, pending.get('limits'))
        except NovaliteError as exc:
            failure = exc
    if failure is not None:
        discard_image(store, pending['image_store'], pending['id'])
    elif pending['action'] == 'backup':
        rotate_backups(store, pending['image_store'], inst, pending['backup_type'], pending['rotation'],
                       keep_id=pending['id'])
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    with store.begin() as conn:
        inst = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        system = dict(inst.get('system_metadata') or {})
        system.pop(PENDING, None)
        values = {'task_state': None, 'system_metadata': system}
        if result.get('power_state') is not None:
            values['power_state'] = result['power_state']
        instances.update(store, inst['uuid'], conn=conn, **values)
        event = EVENTS[pending['action']]
        if failure is not None:
            message = 'Snapshot to image %s failed: %s' % (pending['id'], conductor.fault_message(failure))
            instances.add_fault(conn, inst['uuid'], message, host=inst.get('host'))
            instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
        else:
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
        out = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    out['changed'] = True
    if image is not None:
        out['image'] = image
    return out
