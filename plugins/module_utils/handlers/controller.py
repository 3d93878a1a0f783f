# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The handlers of the controller-side modules: the steps that only touch the state store.

One function per module, ``handler(call) -> result`` (see novalite_module). The
controller runs them in-process (plugins/action/<module>.py) when the task's target
is local; the module files run the same functions when Ansible ships them to a host.
Domain packages are imported inside each handler, so a module shipped to a host
loads only what its own step needs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NotFound
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import Failure, missing_library


# -- registry ---------------------------------------------------------------

def compute_heartbeat(call):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    nodes, unregistered = [], []
    for name in call.params['hosts']:
        try:
            node = hosts.get_node(call.store, name) if call.check_mode else hosts.heartbeat(call.store, name)
        except NotFound:
            unregistered.append(name)
            continue
        nodes.append({'host': node['host'], 'state': node['state'], 'last_seen_up': node['last_seen_up']})
    for name, reason in sorted(call.params['not_answering'].items()):
        call.warn('compute host %s did not answer (%s): no heartbeat recorded, the scheduler counts it down '
                  'once its last one is older than service_down_time' % (name, reason))
    for name in unregistered:
        call.warn('compute host %s answered but was never registered: run playbooks/register_hosts.yml or '
                  'the novalite.compute.compute_host role on it' % name)
    return dict(changed=False, nodes=nodes, unregistered=unregistered)


COMPUTE_NODE_SETTINGS = ('availability_zone', 'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio',
                         'reserved_host_memory_mb', 'reserved_host_disk_mb', 'reserved_host_cpus', 'enabled',
                         'disabled_reason', 'traits', 'libvirt_uri', 'instances_path', 'virt_type', 'host_ip',
                         'physical_interface_mappings')


def compute_node(call):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts, settings
    params, store, check_mode = call.params, call.store, call.check_mode
    host = params['host']
    if params['state'] == 'absent':
        before = _current_node(store, host)
        changed, _removed = hosts.remove(store, host, check_mode=check_mode)
        return dict(changed=changed, node=None, diff={'before': before or {}, 'after': {}})

    cfg = settings.parse(params['hostvars'] or {}, **dict((name, params[name]) for name in COMPUTE_NODE_SETTINGS))
    if params['facts'] is not None:
        diff = {}
        changed, node = hosts.record(store, host, params['facts'], cfg, check_mode=check_mode, diff=diff)
        return dict(changed=changed, node=node, diff=diff)
    if params['enabled'] is None:
        raise InvalidInput('facts', 'is required to record a host (pass the host_facts module result); '
                                    'to only enable or disable a known host, give enabled')
    before = _current_node(store, host)
    if before is None:
        raise NotFound('Compute host', host, field='host')
    changed, node = hosts.set_enabled(store, host, cfg['enabled'], cfg['disabled_reason'], check_mode=check_mode)
    return dict(changed=changed, node=node, diff={'before': _status_view(before), 'after': _status_view(node)})


def _current_node(store, host):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    try:
        return hosts.get_node(store, host)
    except NotFound:
        return None


def _status_view(node):
    return {'status': node['status'], 'disabled_reason': node['disabled_reason']} if node else {}


def compute_node_info(call):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
    params = call.params
    if params['service_down_time'] <= 0:
        raise InvalidInput('service_down_time', 'must be greater than 0')
    nodes = hosts.list_nodes(call.store, service_down_time=params['service_down_time'], host=params['host'])
    if params['availability_zone'] is not None:
        nodes = [n for n in nodes if n['availability_zone'] == params['availability_zone']]
    wanted = set(n['host'] for n in nodes)
    services = [s for s in hosts.list_services(call.store, service_down_time=params['service_down_time'])
                if s['host'] in wanted]
    return dict(changed=False, nodes=nodes, services=services)


# -- catalog ----------------------------------------------------------------

def flavor(call):
    from ansible_collections.novalite.compute.plugins.module_utils import catalog
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    p = call.params
    if p['state'] == 'absent':
        result = flavors.ensure_absent(call.store, p['name'], check_mode=call.check_mode)
    else:
        result = flavors.ensure_present(
            call.store, p['name'], p['vcpus'], p['ram'], p['disk'], ephemeral_gb=p['ephemeral'], swap=p['swap'],
            flavorid=p['flavorid'], is_public=p['is_public'], rxtx_factor=p['rxtx_factor'],
            description=catalog.UNSET if p['description'] is None else p['description'],
            extra_specs=p['extra_specs'], extra_specs_purge=p['extra_specs_purge'], check_mode=call.check_mode)
    return dict(changed=result['changed'], flavor=result['flavor'], diff=result['diff'])


def flavor_info(call):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors
    p = call.params
    if p['name'] is not None:
        found = flavors.find(call.store, p['name'])
        result = [found] if found is not None else []
    else:
        result = flavors.list_flavors(call.store, is_public=p['is_public'], min_ram=p['min_ram'],
                                      min_disk=p['min_disk'])
    return dict(changed=False, flavors=result)


def image(call):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    p = call.params
    if p['state'] == 'absent':
        result = images.ensure_absent(call.store, p['image_store'], name=p['name'], image_id=p['id'],
                                      owner=p['owner'], check_mode=call.check_mode)
    else:
        result = images.ensure_present(
            call.store, p['image_store'], name=p['name'], image_id=p['id'], filename=p['filename'], url=p['url'],
            checksum=p['checksum'], disk_format=p['disk_format'], container_format=p['container_format'],
            visibility=p['visibility'], owner=p['owner'], min_disk=p['min_disk'], min_ram=p['min_ram'],
            protected=p['protected'], properties=p['properties'], properties_purge=p['properties_purge'],
            check_mode=call.check_mode)
    return dict(changed=result['changed'], image=result['image'], diff=result['diff'])


def _is_uuid(text):
    try:
        uuidlib.UUID(text)
        return True
    except ValueError:
        return False


def image_info(call):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    p = call.params
    found = images.list_images(call.store, status=p['status'], visibility=p['visibility'], owner=p['owner'],
                               project=p['project'], properties=p['properties'])
    if p['image'] is not None:
        key = 'id' if _is_uuid(p['image']) else 'name'
        found = [i for i in found if i[key] == p['image']]
    return dict(changed=False, images=found)


def keypair(call):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import keypairs
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context
    p = call.params
    public_key = p['public_key']
    if p['public_key_file']:
        try:
            with open(p['public_key_file']) as handle:
                public_key = handle.read()
        except (IOError, OSError) as exc:
            raise InvalidInput('public_key_file', 'cannot read %s: %s' % (p['public_key_file'], exc))
    # by name or id, as the server module's user (compute/context.py), so its key_name finds the key
    user_id = context.resolve_user(call.store, p['user'], field='user')
    if p['state'] == 'absent':
        result = keypairs.ensure_absent(call.store, user_id, p['name'], check_mode=call.check_mode)
    else:
        result = keypairs.ensure_present(call.store, user_id, p['name'], public_key=public_key,
                                         check_mode=call.check_mode)
    return dict(changed=result['changed'], keypair=result['keypair'], diff=result['diff'])


# -- scheduler --------------------------------------------------------------

def schedule(call):
    from ansible_collections.novalite.compute.plugins.module_utils.errors import NoValidHost
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import manager
    if not manager.HAS_NUMPY:
        raise missing_library('numpy')
    params = call.params
    request = dict((key, params[key]) for key in ('flavor', 'image', 'num_instances', 'min_count', 'max_count',
                                                  'availability_zone', 'server_group', 'scheduler_hints',
                                                  'exclude_hosts', 'consumer_uuids', 'project_id')
                   if params[key] is not None)
    try:
        result = manager.select_destinations(call.store, request, params['scheduler'],
                                             claim=params['claim'] and not call.check_mode)
    except NoValidHost as exc:
        call.log('novalite scheduler: %s' % exc.message)
        raise
    out = dict(changed=bool(params['claim'] and [s for s in result['selections'] if not s.get('existing')]),
               selections=result['selections'], hosts=[s['host'] for s in result['selections']],
               filters=result['explanation']['filters'], explanation=result['explanation']['text'],
               claimed=result['claimed'], request=result['request'], timings_ms=result['timings_ms'])
    if params['claim']:
        out['diff'] = {'before': dict((s['consumer_uuid'], s['host']) for s in result['selections']
                                      if s.get('existing')),
                       'after': dict((s['consumer_uuid'], s['host']) for s in result['selections'])}
    return out


def server_group(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context
    from ansible_collections.novalite.compute.plugins.module_utils.scheduler import server_groups
    p = call.params
    # the project and user by name or id, the admin project and user when not given (as servers)
    owner = context.for_playbook(call.store, p['project_id'], p['user_id'])
    if p['state'] == 'present':
        changed, group = server_groups.ensure(call.store, p['name'], p['policy'], p['rules'],
                                              project_id=owner.project_id, user_id=owner.user_id,
                                              check_mode=call.check_mode)
        diff = {'before': {} if changed else _public_group(group), 'after': _public_group(group)}
    else:
        changed, group = server_groups.remove(call.store, p['name'], project_id=owner.project_id,
                                              check_mode=call.check_mode)
        diff = {'before': _public_group(group) or {}, 'after': {}}
    return dict(changed=changed, server_group=_public_group(group), diff=diff)


def _public_group(group):
    if group is None:
        return None
    return dict((k, v) for k, v in group.items() if k != 'id')


def aggregate(call):
    from ansible_collections.novalite.compute.plugins.module_utils.registry import aggregates
    p = call.params
    changed, found, diff = aggregates.ensure(
        call.store, p['name'], state=p['state'], hosts=p['hosts'], purge_hosts=p['purge_hosts'],
        metadata=p['metadata'], purge_metadata=p['purge_metadata'], availability_zone=p['availability_zone'],
        check_mode=call.check_mode)
    return dict(changed=changed, aggregate=found, diff=diff)


# -- servers ----------------------------------------------------------------

SERVER_SPEC_KEYS = ('name', 'uuid', 'flavor', 'image', 'availability_zone', 'server_group', 'key_name', 'user_data',
                    'metadata', 'scheduler_hints')


def _requested_networks(value):
    """``networks`` as Nova's API takes it: "auto", "none" or [{uuid | port, fixed_ip}] (checked: data only)."""
    if value in ('auto', 'none'):
        return value
    if not isinstance(value, list):
        raise InvalidInput('networks', 'must be "auto", "none" or a list of {uuid, port, fixed_ip}')
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - set(('uuid', 'port', 'fixed_ip', 'tag')) or \
                bool(item.get('uuid')) == bool(item.get('port')) or \
                not all(isinstance(item.get(k), str) for k in item if item.get(k) is not None):
            raise InvalidInput('networks', 'each item needs exactly one of uuid and port (and may have fixed_ip)')
        out.append(dict((k, v) for k, v in item.items() if v is not None))
    return out


def server(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import desired
    p = call.params
    server_spec = dict((k, p[k]) for k in SERVER_SPEC_KEYS)
    server_spec.update((k, p[k]) for k in ('networks', 'security_groups') if p.get(k) is not None)
    if 'networks' in server_spec:
        server_spec['networks'] = _requested_networks(server_spec['networks'])
    result = desired.ensure(call.store, server_spec, p['state'], call.context(),
                            check_mode=call.check_mode, scheduler_config=p['scheduler'])
    for warning in result.pop('warnings', []):
        call.warn(warning)
    return result


def server_set(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import converge
    p = call.params
    context = call.context()
    result = converge.converge(call.store, p['servers'], context, name=p['name'], prune=p['prune'], only=p['only'],
                               host_sync=p['host_sync'], check_mode=call.check_mode, scheduler_config=p['scheduler'],
                               networks=p['networks'], security_groups=p['security_groups'])
    for warning in result.pop('warnings'):
        call.warn(warning)
    return dict(changed=result['changed'], servers=result['servers'], host_calls=result['host_calls'],
                followup=result['followup'], failed_servers=result['failed'], project_id=context.project_id,
                request_id=context.request_id, networks=result['networks'],
                networks_pending=result['networks_pending'], diff=result['diff'])


def server_action(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import desired, instances, server_actions
    p = call.params
    context = call.context()
    before = None
    if call.diff_mode:
        # the same lookup the action makes (a missing server fails there the same way)
        before = instances.get(call.store, p['server'], project_id=None if context.is_admin else context.project_id)
    rebuild_request = None
    if p['action'] == 'rebuild':
        if not p['image']:
            raise InvalidInput('image', 'is required for rebuild')
        rebuild_request = dict((k, p[k]) for k in REBUILD_OPTIONS if p[k] is not None)
        if p['key_name'] == '':
            rebuild_request['key_name'] = None   # remove the server's key
    image_request = None
    if p['action'] in ('snapshot', 'backup'):
        keys = ('name', 'metadata', 'backup_type', 'rotation') if p['action'] == 'backup' else ('name', 'metadata')
        image_request = dict((k, p[k]) for k in keys if p[k] is not None)
    unshelve_request = {}
    if p['action'] == 'unshelve':
        if p['availability_zone'] is not None:
            unshelve_request['availability_zone'] = p['availability_zone'] or None   # '': unpin (2.91's null)
        if p['host']:
            unshelve_request['host'] = p['host']
    result = server_actions.start(call.store, p['server'], p['action'], context,
                                  reboot_type=p['reboot_type'], reason=p['locked_reason'], state=p['vm_state'],
                                  check_mode=call.check_mode, rebuild_request=rebuild_request, length=p['length'],
                                  scheduler_config=p['scheduler'], image_request=image_request,
                                  image_store=p['image_store'],
                                  rescue_image=p['image'] if p['action'] == 'rescue' else None,
                                  unshelve_request=unshelve_request, offload_time=p['shelved_offload_time'],
                                  flavor=p['flavor'],
                                  host=p['host'] if p['action'] in ('migrate', 'live_migrate') else None,
                                  allow_resize_to_same_host=p['allow_resize_to_same_host'],
                                  block_migration=_block_migration(p.get('block_migration')), force=p.get('force'),
                                  evacuate_request=_evacuate_request(p),
                                  interface_request=_interface_request(call, p, context))
    if result['action'] == 'detach_interface' and result['host_call'] is None and not call.check_mode:
        # Nova's compute host refuses it after the API's 202 (recorded: the action's event in error, a fault);
        # a playbook learns it here
        exc = NotFound('Port', result['port_id'], field='port')
        exc.message = 'Port %s is not attached' % result['port_id']
        exc.args = (exc.message,)
        raise exc
    if before is not None:
        result['diff'] = desired.action_diff(before, result['server'], result['action'], call.check_mode, p['vm_state'])
    # a console read changes nothing
    return dict(result, changed=result['action'] != 'console_output')


def _interface_request(call, p, context):
    """An interface attach's or detach's port / network (names or ids, the caller's), fixed_ip and tag
    (compute/interfaces.py), None for any other action. A name that finds nothing goes on as given: the
    action answers Nova's not found for it."""
    if p['action'] not in ('attach_interface', 'detach_interface'):
        return None
    from ansible_collections.novalite.compute.plugins.module_utils.network import declared
    out = {}
    with call.store.read() as conn:
        for option, kind, key in (('port', 'port', 'port_id'), ('network', 'network', 'net_id')):
            if p[option]:
                found = declared.find(conn, context, kind, p[option], field=option)
                out[key] = found['id'] if found else p[option]
    if p['action'] == 'attach_interface':
        out.update((k, p[k]) for k in ('fixed_ip', 'tag') if p[k] is not None)
    return out


def _evacuate_request(p):
    """An evacuation's host, force, target_state and on_shared_storage (compute/evacuate.py), None for any other
    action."""
    if p['action'] != 'evacuate':
        return None
    return {'host': p['host'] or None, 'force': bool(p['force']), 'target_state': p['target_state'],
            'on_shared_storage': p['on_shared_storage']}


# The server_action options a rebuild takes (compute/rebuild.py FIELDS).
REBUILD_OPTIONS = ('image', 'name', 'metadata', 'key_name', 'user_data', 'hostname', 'preserve_ephemeral')


BUILD_REQUEST_KEYS = ('name', 'flavor', 'image', 'min_count', 'max_count', 'availability_zone', 'server_group',
                      'key_name', 'user_data', 'metadata', 'scheduler_hints')


def server_build(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor
    p = call.params
    context = call.context()
    uuids = p['servers']
    if not uuids:
        request = dict((k, p[k]) for k in BUILD_REQUEST_KEYS)
        uuids = [s['uuid'] for s in conductor.create_servers(call.store, context, request)]
    result = conductor.schedule_and_prepare(call.store, uuids, context.request_id, p['scheduler'])
    out = dict(changed=True, builds=result['builds'], request_id=context.request_id,
               explanation=result.get('explanation'), failed_servers=result['failed'])
    if result['failed']:
        raise Failure(result['explanation'] or result['failed'][0]['error'], **out)
    return out


def server_info(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import context, instances
    p = call.params
    # a project by name or id; none given: every project's servers
    project_id = context.resolve_project(call.store, p['project_id']) if p['project_id'] else None
    if p['server']:
        inst = instances.get(call.store, p['server'], project_id=project_id, include_deleted=p['include_deleted'])
        inst['fault'] = instances.latest_fault(call.store, inst['uuid'])
        inst['actions'] = instances.list_actions(call.store, inst['uuid'])
        servers = [inst]
    else:
        servers = instances.list_instances(call.store, project_id=project_id, host=p['host'],
                                           include_deleted=p['include_deleted'])
    return dict(changed=False, servers=servers)


def server_report(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import server_actions
    p = call.params
    if p['loop_results'] is not None:
        reports = [report for r in p['loop_results']
                   for report in server_actions.reports_from_loop_result(r, p['request_id'])]
    else:
        reports = p['reports'] or [dict((k, p[k]) for k in ('server', 'action', 'request_id', 'result', 'error'))]
    if call.check_mode:
        return dict(changed=any((r.get('result') or {}).get('changed') for r in reports), servers=[],
                    reschedules=[], failures=[])
    servers = server_actions.record_many(call.store, reports, p['scheduler'])
    # before the reschedules are taken out of the rows: a rescheduled boot has not failed for good
    failures = server_actions.failures(reports, servers)
    reschedules = [s.pop('reschedule') for s in servers if s.get('reschedule')]
    return dict(changed=any(s.pop('changed', True) for s in servers), servers=servers,
                reschedules=reschedules, failures=failures)


def reconcile(call):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import reconcile as reconciler
    p = call.params
    result = reconciler.apply(call.store, p['host'], p['domains'], p['instance_dirs'], check_mode=call.check_mode,
                              grace=p['task_state_grace'])
    # the host's networks as the store has them, for the host to re-plug (novalite.compute.host_network)
    result['network_call'] = None
    if not call.check_mode:
        from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls
        from ansible_collections.novalite.compute.plugins.module_utils.compute.context import new_request_id
        from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan
        with call.store.begin() as conn:
            if host_plan.host_has_ports(conn, p['host']):
                result['network_call'] = host_calls.network_call(conn, p['host'], new_request_id())
    return result


def console(call):
    """A console URL for a server (Nova's remote consoles): without ``ports`` the check and the host call to read
    where its console listens; with ``ports`` (that call's result) a new token and the URL."""
    from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles
    p = call.params
    protocol = consoles.CONSOLE_TYPES.get(p['type'])
    inst, host_call = consoles.check(call.store, p['server'], call.context(), protocol, p['type'])
    out = {'changed': False, 'server': {'uuid': inst['uuid'], 'name': inst['display_name'], 'host': inst['host']},
           'type': p['type'], 'protocol': protocol, 'host_call': host_call, 'url': None, 'expires': None}
    if p['ports'] is None:
        return out
    if p['ports'].get('failed') or p['ports'].get('unreachable'):
        raise Failure('the console of %s could not be read on %s: %s'
                      % (inst['uuid'], inst['host'], p['ports'].get('msg') or 'no answer'), **out)
    out.update(changed=True, host_call=None)
    if call.check_mode:
        return out
    base = p['base_url'] or (consoles.DEFAULT_NOVNC_URL if p['type'] == 'novnc' else consoles.DEFAULT_SERIAL_URL)
    token = consoles.authorize(call.store, inst, p['type'], p['ports'], base, p['token_ttl'])
    out.update(url=token['url'], expires=token['expires'])
    return out


def _block_migration(value):
    """A live migration's block_migration: true, false or auto (None: let the shared-storage check decide)."""
    text = str(value if value is not None else 'auto').strip().lower()
    if text == 'auto':
        return None
    if text in ('true', 'yes', '1', 'on'):
        return True
    if text in ('false', 'no', '0', 'off'):
        return False
    raise InvalidInput('block_migration', 'must be true, false or auto, got %r' % (value,))
