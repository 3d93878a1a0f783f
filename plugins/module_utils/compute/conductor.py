# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""nova-conductor: the controller-side steps around each host call.

* ``create_servers``: the API's part of a boot (validate, record BUILD rows, the
  ``create`` action) — Nova's compute_api.create.
* ``schedule_and_prepare``: pick hosts and claim (Nova's
  schedule_and_build_instances), then hand back for each instance its host
  call (``host_calls.build``).
* ``record_result``: write what the host reported (states, XML, faults) and
  release claims when a boot failed or a server is gone; an action with steps
  of its own is recorded by its module's handler (compute/result_handlers.py).

Playbooks call these through thin modules; the REST shim calls them directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, consoles, host_calls, instances, quotas, result_handlers,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import new_request_id
from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, instance_ports
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    FlavorDiskSmallerThanImage, Forbidden, InstanceInvalidState, InvalidInput, InvalidRequest, NotFound, NoValidHost,
    NovaliteError,
)
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.scheduler import build_failures, request_spec
from ansible_collections.novalite.compute.plugins.module_utils.scheduler.filters import json_query
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

GIB = 1024 ** 3
FLAVOR_FIELDS = ('flavorid', 'name', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap',
                 'rxtx_factor', 'extra_specs', 'description')
IMAGE_FIELDS = ('id', 'name', 'disk_format', 'container_format', 'size', 'virtual_size', 'min_disk',
                'min_ram', 'properties', 'location', 'checksum', 'os_hash_value', 'owner')


# ---- create (API side of a boot) -----------------------------------------

def flavor_snapshot(flavor):
    """The flavor as an instance keeps it (Nova's instance.flavor: FLAVOR_FIELDS, a copy the flavor's later
    changes or deletion do not touch); also what a resize records as the new flavor."""
    return dict((k, flavor.get(k)) for k in FLAVOR_FIELDS)


def image_snapshot(image):
    return dict((k, image.get(k)) for k in IMAGE_FIELDS)


def validate_flavor_image(flavor, image):
    """Nova's _validate_flavor_image_nostatus: the flavor must hold the image."""
    root_gb = flavor['root_gb']
    min_disk = image.get('min_disk') or 0
    if root_gb and min_disk > root_gb:
        raise FlavorDiskSmallerThanImage(
            'flavor', "Flavor's disk is too small for requested image: flavor %s has %d GB, "
            "image %s needs min_disk %d GB" % (flavor['name'], root_gb, image['name'] or image['id'], min_disk))
    size = max(image.get('virtual_size') or 0, image.get('size') or 0)
    if root_gb and size > root_gb * GIB:
        raise FlavorDiskSmallerThanImage(
            'flavor', "Flavor's disk is too small for requested image: flavor %s has %d GB, image %s is %d bytes"
            % (flavor['name'], root_gb, image['name'] or image['id'], size))
    if (image.get('min_ram') or 0) > flavor['memory_mb']:
        raise InvalidInput('flavor', "Flavor's memory is too small for requested image: flavor %s has %d MB, "
                           "image %s needs min_ram %d MB" % (flavor['name'], flavor['memory_mb'],
                                                             image['name'] or image['id'], image['min_ram']))


def check_zero_disk_boot(store, image, allowed):
    """A flavor with root_gb 0 gets a root disk of the image's virtual size (Nova's legacy meaning).

    Nova lets only callers with ``os_compute_api:servers:create:zero_disk_flavor`` (admins) do that
    (``allowed``); and nobody gets a disk larger than the largest compute host's whole disk.
    """
    if not allowed:
        raise Forbidden('Only volume-backed servers are allowed for flavors with zero disk.', field='flavor')
    size = max(image.get('virtual_size') or 0, image.get('size') or 0)
    largest = hosts.largest_disk_gb(store)
    if largest is not None and size > largest * GIB:
        raise InvalidRequest("Image %s has a virtual size of %d bytes; the largest compute host's disk is %d GB, "
                             "so no host can ever hold its root disk." % (image['id'], size, largest), field='image')


def _lookup_catalog(store, request, context, zero_disk_allowed=True):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images, keypairs
    flavor = request.get('flavor')
    if isinstance(flavor, dict):
        flavor_row = flavor
    else:
        flavor_row = flavors.get(store, flavor)
    image_row = images.get(store, request['image'], project=context.scope)
    if image_row.get('status') != 'active':
        raise InvalidInput('image', 'image %s is not active (status %s)' % (image_row['id'], image_row.get('status')))
    validate_flavor_image(flavor_row, image_row)
    if not flavor_row['root_gb']:
        check_zero_disk_boot(store, image_row, zero_disk_allowed)
    boot_files = kernel_ramdisk(store, image_row, context)
    key_data = None
    if request.get('key_name'):
        key_data = keypairs.get(store, context.user_id, request['key_name'])['public_key']
    return flavor_row, image_row, key_data, boot_files


def kernel_ramdisk(store, image, context):
    """An image with kernel_id/ramdisk_id properties boots that kernel and ramdisk directly."""
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    out = {}
    for kind in ('kernel', 'ramdisk'):
        ref = (image.get('properties') or {}).get('%s_id' % kind)
        if not ref:
            continue
        try:
            row = images.get(store, ref, project=context.scope)
        except NotFound:
            raise InvalidInput('image', 'image %s names %s_id %s, which does not exist' % (image['id'], kind, ref))
        if row.get('status') != 'active':
            raise InvalidInput('image', '%s image %s is not active' % (kind, ref))
        out[kind] = {'id': row['id'], 'location': row['location'], 'sha256': row['os_hash_value']}
    return out


def _server_group_id(conn, ident):
    t = table('server_groups')
    row = conn.execute(sa.select(t.c.id, t.c.uuid).where(sa.or_(t.c.uuid == ident, t.c.name == ident))).first()
    if row is None:
        raise NotFound('Server group', ident, field='server_group')
    return row


def _hinted_group(conn, context, uuid):
    """The ``group`` scheduler hint's server group (Nova: InstanceGroup.get_by_uuid, 400 when missing)."""
    t = table('server_groups')
    query = sa.select(t.c.id, t.c.uuid).where(t.c.uuid == uuid)
    if not context.is_admin:
        query = query.where(t.c.project_id == context.project_id)   # another project's group is not there
    row = conn.execute(query).first()
    if row is None:
        raise InvalidRequest('Instance group %s could not be found.' % uuid, field='scheduler_hints.group')
    return row


def check_availability_zone(store, zone):
    """Nova's create check: the zone must hold an enabled compute service."""
    if zone and zone not in hosts.enabled_zones(store):
        raise InvalidRequest('The requested availability zone is not available', field='availability_zone')


def create_servers(store, context, request, enforce_quota=False, zero_disk_allowed=True, system_metadata=None):
    """Record ``min_count``..``max_count`` new servers in BUILD/scheduling; returns their rows.

    ``request``: name, flavor, image, availability_zone, key_name, user_data, access_ip_v4/v6,
    metadata, server_group, scheduler_hints, min_count, max_count, networks (None / "auto" / "none" /
    [{uuid, port, fixed_ip}]: ports made or bound in the same transaction), security_groups (names or ids).
    Everything is validated before the first row is written.
    With ``enforce_quota`` (the REST API, Nova's nova-api) the project's quota is
    counted and checked in the same transaction and max_count reduced to what
    fits; operators' playbooks are not subject to quotas, like nova-manage.
    ``zero_disk_allowed``: the caller may boot an image on a root_gb 0 flavor
    (the API passes Nova's zero_disk_flavor policy; operators may).
    ``system_metadata``: extra internal keys for the rows (never from a tenant's request), e.g.
    the desired-state set that made them.
    """
    name = instances.validate_name(request.get('name'), 'name')
    min_count = request.get('min_count') or 1
    max_count = request.get('max_count') or min_count
    for field, value in (('min_count', min_count), ('max_count', max_count)):
        if not isinstance(value, int) or value < 1:
            raise InvalidInput(field, 'must be an integer of at least 1, got %r' % (value,))
    if min_count > max_count:
        raise InvalidInput('min_count', 'min_count (%d) is greater than max_count (%d)' % (min_count, max_count))
    metadata = request.get('metadata') or {}
    if not isinstance(metadata, dict) or any(not isinstance(k, str) or len(k) > 255 for k in metadata):
        raise InvalidInput('metadata', 'must be a mapping of strings of at most 255 characters')
    hints = request.get('scheduler_hints') or {}
    if not isinstance(hints, dict):
        raise InvalidInput('scheduler_hints', 'must be a mapping')
    if hints.get('query'):
        json_query.parse(hints['query'])   # a bad query is the request's 400, not a server in ERROR later
    check_availability_zone(store, request.get('availability_zone'))
    injected = checked_injected_files(request.get('injected_files'))
    flavor, image, key_data, boot_files = _lookup_catalog(store, request, context, zero_disk_allowed)
    rows = []
    reservation_id = 'r-%s' % new_request_id()[4:12]
    with store.begin() as conn:
        if request.get('server_group'):
            group = _server_group_id(conn, request['server_group'])
        else:
            group = _hinted_group(conn, context, hints['group']) if hints.get('group') else None
        # Counted and checked in this transaction (serialised per project), so parallel creates cannot overcommit.
        count = max_count
        # the networks and security groups are checked before any row is written (Nova's validate_networks)
        # (a request without "networks" - the playbooks' until they take networks - gets none)
        planned = instance_ports.plan(conn, context, request.get('networks', 'none'), max_count)
        group_ids = instance_ports.resolve_security_groups(conn, context, request.get('security_groups'))
        if enforce_quota:
            quotas.check_metadata(conn, context.project_id, len(metadata))
            quotas.check_injected_files(conn, context.project_id, injected)
            count = quotas.check_create(conn, context.project_id, flavor, max_count, min_count)
        for index in range(count):
            display = name if count == 1 else '%s-%d' % (name, index + 1)
            inst = instances.create(conn, {
                'display_name': display, 'project_id': context.project_id, 'user_id': context.user_id,
                'hostname': request.get('hostname'),
                'reservation_id': reservation_id, 'launch_index': index,
                'flavor': flavor_snapshot(flavor), 'image': image_snapshot(image),
                'availability_zone': request.get('availability_zone'),
                'key_name': request.get('key_name'), 'key_data': key_data,
                'user_data': request.get('user_data'), 'metadata': metadata,
                'description': request.get('description'),
                'tags': _unique(request.get('tags') or []),
                'access_ip_v4': request.get('access_ip_v4') or None,
                'access_ip_v6': request.get('access_ip_v6') or None,
                # Nova stores the request's flag as 'True' or ''
                'config_drive': 'True' if str(request.get('config_drive')).lower() in ('true', '1', 'yes') else '',
                'scheduler_hints': dict(hints, **({'group': group.uuid} if group else {})),
                'network_info': request.get('network_info') or [],
                'system_metadata': dict(system_metadata or {}, min_count=min_count, max_count=max_count,
                                        pinned_availability_zone=request.get('availability_zone'),
                                        **dict(boot_files, **dict(_trusted_certs(request),
                                                                  **_requested_destination(request),
                                                                  **_injected(injected)))),
            })
            if planned:
                inst['network_info'] = instance_ports.allocate_for_instance(conn, context, inst, planned, group_ids)
            if group is not None:
                conn.execute(table('server_group_members').insert().values(
                    group_id=group.id, instance_uuid=inst['uuid']))
            instances.action_start(conn, inst['uuid'], 'create', context.request_id,
                                   context.user_id, context.project_id)
            rows.append(inst)
    return rows


def checked_injected_files(files):
    """The personality files of a request (before 2.57): [{path, contents (base64)}], checked."""
    if not files:
        return []
    if not isinstance(files, list):
        raise InvalidInput('personality', 'must be a list of {path, contents}')
    out = []
    for index, item in enumerate(files):
        path, contents = (item or {}).get('path'), (item or {}).get('contents')
        if not isinstance(path, str) or not isinstance(contents, str):
            raise InvalidInput('personality[%d]' % index, 'needs a path and base64 contents, as strings')
        try:
            base64.b64decode(contents.encode('utf-8'), validate=False)
        except (binascii.Error, ValueError):
            raise InvalidInput('personality[%d].contents' % index, 'is not base64')
        out.append({'path': path, 'contents': contents})
    return out


def _injected(files):
    # kept with the instance for its (re)builds: the host writes them to the config drive
    return {'injected_files': files} if files else {}


def _trusted_certs(request):
    """2.63's certificate ids, kept with the instance (shown back; signatures are not verified, as in Nova
    with verify_glance_signatures off, its default)."""
    certs = request.get('trusted_image_certificates')
    return {'trusted_image_certificates': list(certs)} if certs else {}


def _requested_destination(request):
    """2.74's host and/or node (already checked to exist), kept for the scheduler and its retries."""
    wanted = dict((k, request.get(k)) for k in ('host', 'node') if request.get(k))
    return {'requested_destination': wanted} if wanted else {}


def _unique(items):
    """``items`` without repeats, in order (a tag given twice is one tag, as in Nova)."""
    seen = set()
    return [i for i in items if not (i in seen or seen.add(i))]


# ---- scheduling and the host call ----------------------------------------

def scheduler_request(instance, uuids, exclude_hosts):
    """The scheduler's request for ``uuids`` (all made from one create request, like ``instance``)."""
    count = max(len(uuids), 1)
    return {
        'flavor': instance['flavor'],
        'image': {'id': (instance.get('image') or {}).get('id'),
                  'properties': (instance.get('image') or {}).get('properties') or {}},
        'project_id': instance.get('project_id') or None,
        # Nova places every instance the request created (the quota check already cut max_count to
        # what is allowed) or none: a request's min_count is spent at create time, not here.
        'min_count': count,
        'max_count': count,
        'availability_zone': instance.get('availability_zone'),
        # Nova keeps every hint with the request and its filters read the ones they know; the others
        # (another deployment's filters, a client's own keys) are ignored
        'scheduler_hints': dict((key, value) for key, value in (instance.get('scheduler_hints') or {}).items()
                                if key in request_spec.HINT_KEYS),
        'exclude_hosts': list(exclude_hosts or []),
        'consumer_uuids': list(uuids),
        'requested_destination': (instance.get('system_metadata') or {}).get('requested_destination'),
    }


def schedule_and_prepare(store, instance_uuids, request_id, scheduler_config=None, exclude_hosts=None,
                         live_state=None):
    """Schedule and claim the BUILD instances ``instance_uuids`` (one request).

    Returns ``{'builds': [host calls (host_calls.build)...], 'failed': [{uuid, error}], 'explanation': ...}``.
    On NoValidHost every instance of the request goes to ERROR with the
    scheduler's explanation as its fault and nothing stays claimed.
    ``live_state``: the caller's scheduler.host_state.LiveHostState (a job
    worker keeps one), synced instead of loading every host.
    """
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    pending = [instances.get(store, u) for u in instance_uuids]
    for inst in pending:
        if inst['vm_state'] != S.BUILDING or inst['task_state'] != S.SCHEDULING:
            raise InstanceInvalidState('instance %s is not waiting to be scheduled (vm_state %s, task_state %s)'
                                       % (inst['uuid'], inst['vm_state'], inst['task_state']), field='server')
    spec = scheduler_request(pending[0], instance_uuids, exclude_hosts)
    with store.begin() as conn:
        for inst in pending:
            instances.event_start(conn, inst['uuid'], request_id, 'conductor_schedule_and_build_instances')
    try:
        result = manager.select_destinations(store, spec, scheduler_config or {}, claim=True, live=live_state)
        _require_a_selection_each(pending, result['selections'])
    except NovaliteError as exc:
        with store.begin() as conn:
            for inst in pending:
                _fail_build(conn, inst, request_id, exc, 'conductor_schedule_and_build_instances')
        return {'builds': [], 'failed': [{'uuid': i['uuid'], 'error': exc.message} for i in pending],
                'explanation': exc.message}
    builds = []
    with store.begin() as conn:
        for inst, selection in zip(pending, result['selections']):
            node = host_calls.node_settings(conn, selection['host'])
            instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.SCHEDULING,
                             host=node['host'], node=node['hypervisor_hostname'],
                             availability_zone=inst['availability_zone'] or node['availability_zone'],
                             task_state=S.BLOCK_DEVICE_MAPPING)
            instance_ports.bind_host(conn, inst['uuid'], node['host'])
            instances.event_finish(conn, inst['uuid'], request_id, 'conductor_schedule_and_build_instances',
                                   host=node['host'])
            builds.append((inst, node))
    out = []
    with store.begin() as conn:
        for inst, node in builds:
            fresh = instances.update(store, inst['uuid'], conn=conn, expected_task_state=S.BLOCK_DEVICE_MAPPING,
                                     task_state=S.SPAWNING)
            instances.event_start(conn, inst['uuid'], request_id, 'compute__do_build_and_run_instance',
                                  host=node['host'])
            # The request id travels with each call so one batch may carry several requests.
            out.append(host_calls.build(conn, fresh, 'create', request_id))
    return {'builds': out, 'failed': [], 'explanation': result.get('explanation')}


def _require_a_selection_each(pending, selections):
    """Raise NoValidHost unless the scheduler chose a host for every instance of the request.

    Nova places every instance a request created or none. The request asks for
    min_count = max_count = len(pending), so a shorter list means the scheduler
    broke that promise; pairing the two lists would leave the unplaced instances
    in BUILD for ever. The caller's failure path puts every instance of the
    request into ERROR with this text and releases every claim made for it.
    """
    if len(selections) != len(pending):
        raise NoValidHost('No valid host: the scheduler chose hosts for %d of the request\'s %d instances '
                          '(a request places all %d or none)' % (len(selections), len(pending), len(pending)))


def plan(store, request, context, scheduler_config=None):
    """Where a new server would go, without writing anything (check mode)."""
    return plan_hosts(store, request, context, 1, scheduler_config)[0]


def plan_hosts(store, request, context, count, scheduler_config=None):
    """Where ``count`` new servers of one request would go (each placed on what the previous left), no writes."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    flavor, image, _key, _files = _lookup_catalog(store, request, context)
    fake = {'flavor': flavor_snapshot(flavor), 'image': image_snapshot(image),
            'availability_zone': request.get('availability_zone'),
            'scheduler_hints': request.get('scheduler_hints') or {}, 'system_metadata': {},
            'project_id': context.project_id}
    spec = scheduler_request(fake, ['planned'] * count, None)
    spec['consumer_uuids'] = []
    result = manager.select_destinations(store, spec, scheduler_config or {}, claim=False)
    return [selection['host'] for selection in result['selections']]


def _fail_build(conn, inst, request_id, error, event):
    message = fault_message(error)
    details = None
    if isinstance(error, NoValidHost):
        # Nova's fault text, with the scheduler's full explanation kept in the details
        message, details = 'No valid host was found. %s' % message, message
    instances.update(None, inst['uuid'], conn=conn, vm_state=S.ERROR, task_state=None)
    instances.add_fault(conn, inst['uuid'], message, code=getattr(error, 'code', 500), details=details,
                        host=inst.get('host'))
    instances.event_finish(conn, inst['uuid'], request_id, event, result='Error', traceback=message)
    release_claims(conn, inst['uuid'])


def release_claims(conn, consumer_uuid):
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import claims
    claims.release_in(conn, consumer_uuid)


# ---- recording what the host did -----------------------------------------

def fault_message(error):
    """A fault message for an exception or a failed module result."""
    if isinstance(error, NovaliteError):
        return error.message
    if isinstance(error, dict):
        return error.get('msg') or ('host unreachable' if error.get('unreachable') else 'host task failed')
    return str(error)


BUILD_EVENT = 'compute__do_build_and_run_instance'


def record_result(store, ident, action, request_id, host_result=None, error=None, scheduler_config=None,
                  live_state=None):
    """Apply a host call's outcome (``host_result``: the host module's result dict).

    Success moves vm_state/power_state on and clears task_state; a failed boot
    is rescheduled to another host while attempts remain (the result then
    carries ``reschedule``, the next host call), else goes to ERROR with a
    fault and frees its claims; a failed lifecycle action keeps its vm_state,
    clears task_state and records a fault (Nova's reverts_task_state +
    wrap_instance_fault). ``live_state`` is handed to a reschedule (see schedule_and_prepare).
    """
    handler = result_handlers.handler(action)
    if handler is not None:
        # an action with steps of its own (snapshot, shelve, a migration...) is recorded by its module
        return handler(store, ident, action, request_id, host_result, error)
    if action in action_table.READ_ONLY:
        # a read of the host (console output): nothing to record
        result = instances.get(store, ident, include_deleted=True)
        result['changed'] = False
        return result
    # An unreachable host (ignore_unreachable) or a killed module is the host failing the call.
    failed = error is not None or bool((host_result or {}).get('failed') or (host_result or {}).get('unreachable'))
    if failed and action == 'create':
        return _build_failed(store, ident, request_id, error if error is not None else host_result,
                             scheduler_config, live_state)
    with store.begin() as conn:
        inst = instances.get(store, ident, include_deleted=True, conn=conn)
        event = BUILD_EVENT if action == 'create' else action_table.compute_event(action)
        if failed:
            failure = error if error is not None else host_result
            if action == 'sync':
                instances.add_fault(conn, inst['uuid'], fault_message(failure), host=inst.get('host'))
            else:
                # (an action that set no task_state leaves it alone: another may have begun meanwhile)
                values = {} if action in action_table.NO_TASK_STATE else {'task_state': None}
                if action in ('rebuild', 'rescue', 'unrescue'):
                    # Nova errors out a server whose rebuild, rescue or unrescue failed on its host
                    values['vm_state'] = S.ERROR
                power = (host_result or {}).get('power_state')
                if power is not None:
                    values['power_state'] = power
                if values:
                    instances.update(store, inst['uuid'], conn=conn, **values)
                instances.add_fault(conn, inst['uuid'], fault_message(failure), host=inst.get('host'))
                instances.event_finish(conn, inst['uuid'], request_id, event, result='Error',
                                       traceback=fault_message(failure))
            return instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        if action in action_table.DELETE_ACTIONS:
            before = dict(inst, system_metadata=dict(inst.get('system_metadata') or {}))
            instance_ports.deallocate(conn, inst['uuid'])
            instances.mark_deleted(conn, inst['uuid'])
            consoles.delete_for_instance(conn, inst['uuid'])   # Nova's _clean_instance_console_tokens
            release_claims(conn, inst['uuid'])
            conn.execute(table('server_group_members').delete().where(
                table('server_group_members').c.instance_uuid == inst['uuid']))
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
            deleted = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
    if action in action_table.DELETE_ACTIONS:
        # what goes with the server outside its row's transaction (a shelved server's image: compute/shelve.py)
        for hook in result_handlers.delete_hooks():
            hook(store, before)
        return deleted
    with store.begin() as conn:
        inst = instances.get(store, ident, include_deleted=True, conn=conn)
        values = {} if action in action_table.NO_TASK_STATE else {'task_state': None}
        if action_table.result_vm_state(action):
            values['vm_state'] = action_table.result_vm_state(action)
        power = (host_result or {}).get('power_state')
        if power is not None:
            values['power_state'] = power
        if (host_result or {}).get('domain_xml') and action != 'rescue':
            # (the rescue domain is not the server's: the store keeps the original one for unrescue's reboots)
            values['domain_xml'] = host_result['domain_xml']
        if action == 'rebuild':
            # a stopped server stays stopped (the host left its new domain shut off), others are ACTIVE
            values['vm_state'] = S.STOPPED if inst['vm_state'] == S.STOPPED else S.ACTIVE
        if action in ('create', 'rebuild'):
            values['launched_at'] = utcnow()
            values['progress'] = 100
        elif action == 'rescue':
            values['launched_at'] = utcnow()   # as Nova's rescue_instance
        if action == 'create':
            build_failures.note_build_result(conn, inst.get('host'), success=True)
        if (host_result or {}).get('plugged') and inst.get('host'):
            # the host plugged the server's ports: binding:vif_type bridge, ACTIVE (network/host_side.py)
            host_plan.mark_plugged(conn, inst['host'], host_result['plugged'])
            instance_ports.refresh(conn, inst['uuid'])
        changed = any(inst.get(k) != v for k, v in values.items())
        if changed:
            instances.update(store, inst['uuid'], conn=conn, **values)
        if action != 'sync' and (changed or action == 'create' or action in action_table.NO_TASK_STATE):
            instances.event_finish(conn, inst['uuid'], request_id, event, host=inst.get('host'))
        result = instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        result['changed'] = changed
        return result


def _build_failed(store, ident, request_id, failure, scheduler_config, live_state=None):
    """Nova's build retry: free the failed host, exclude it, schedule again while attempts remain."""
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import config as sched_config
    max_attempts = sched_config.from_dict(scheduler_config).max_attempts
    message = fault_message(failure)
    with store.begin() as conn:
        inst = instances.get(store, ident, conn=conn)
        host = inst.get('host')
        build_failures.note_build_result(conn, host, success=False)
        retry = dict((inst.get('system_metadata') or {}).get('retry') or {'num_attempts': 1, 'hosts': []})
        if not host or retry['num_attempts'] >= max_attempts:
            if host and max_attempts > 1:
                message = 'Exceeded maximum number of retries (%d); last failure on %s: %s' % (
                    max_attempts, host, message)
            _fail_build(conn, inst, request_id, message, BUILD_EVENT)
            return instances.get(store, inst['uuid'], include_deleted=True, conn=conn)
        instances.event_finish(conn, inst['uuid'], request_id, BUILD_EVENT, result='Error',
                               traceback='Build on %s failed, rescheduling: %s' % (host, message), host=host)
        release_claims(conn, inst['uuid'])
        retry = {'num_attempts': retry['num_attempts'] + 1, 'hosts': retry['hosts'] + [host]}
        system_metadata = dict(inst.get('system_metadata') or {}, retry=retry)
        instances.update(store, inst['uuid'], conn=conn, vm_state=S.BUILDING, task_state=S.SCHEDULING,
                         host=None, node=None, system_metadata=system_metadata)
    prepared = schedule_and_prepare(store, [inst['uuid']], request_id, scheduler_config,
                                    exclude_hosts=retry['hosts'], live_state=live_state)
    result = instances.get(store, inst['uuid'], include_deleted=True)
    if prepared['builds']:
        result['reschedule'] = prepared['builds'][0]
    return result


def sync_power_state(store, ident, power_state):
    """Reconcile: the host says the domain is in ``power_state``; store it (Nova's _sync_instance_power_state)."""
    inst = instances.get(store, ident)
    if inst['power_state'] == power_state or inst['task_state'] is not None:
        return inst, False
    values = {'power_state': power_state}
    if inst['vm_state'] == S.ACTIVE and power_state in (S.SHUTDOWN, S.CRASHED, S.NOSTATE):
        # Nova stops the instance when its domain went away under it.
        values['vm_state'] = S.STOPPED
    elif inst['vm_state'] == S.STOPPED and power_state == S.RUNNING:
        values['vm_state'] = S.ACTIVE
    return instances.update(store, inst['uuid'], **values), True
