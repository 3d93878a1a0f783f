# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Servers: list, detail, show, update; create, actions and delete.

Reads and updates are answered from the store. Create, actions and delete
are checked and recorded here with the collection's own code
(``conductor.create_servers``, ``server_actions.start``: the same checks, quota,
task_state compare-and-set and instance actions as the playbooks), answered
at once (202/204), and their host work handed to the job runner (jobs.py),
which runs the collection's playbooks through ansible-runner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from novalite_api import policy, validation
from novalite_api.compute import (
    admin_actions, admin_password as admin_password_api, api_version, evacuate, floating_ips, multinic,
    remote_consoles, security_groups,
)
from novalite_api.compute.api_version import since
from novalite_api.compute.common import (
    action_peek, ctx, get_server, jobs, limit_arg, links, next_link, only_query_params, request_body, store,
    strict_bool, time_arg)
from novalite_api.compute.schemas import as_bool, servers as schemas
from novalite_api.compute.views import servers as views
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, admin_password, conductor, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, NotFound, NoValidHost,
)
from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Every status GET /servers?status= understands (nova/api/openstack/common.py _STATE_MAP).
VALID_STATUSES = ('ACTIVE', 'BUILD', 'DELETED', 'ERROR', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED',
                  'REBOOT', 'REBUILD', 'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHELVED_OFFLOADED',
                  'SHUTOFF', 'SOFT_DELETED', 'SUSPENDED', 'VERIFY_RESIZE')
# action name in the body -> (the collection's action, the policy rule): the collection's one action table
ACTION_RULES = action_table.API_ACTIONS


# ---- list and detail --------------------------------------------------------------------------

def _truthy(name, raw):
    if raw is None or raw == '':
        return True   # a bare "?all_tenants" means yes
    value = strict_bool(raw)
    if value is None:
        raise InvalidInput(name, 'Invalid value for %s: %s' % (name, raw))
    return value


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


def _as_text(value):
    """A column's value as the database shows it as text (what Nova's regular expression filters see)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return '1' if value else '0'
    if hasattr(value, 'isoformat'):
        return value.isoformat(' ')
    return str(value)


def _regex(name, raw):
    try:
        return re.compile(raw)
    except re.error as exc:
        raise InvalidInput(name, 'invalid regular expression: %s' % exc)


def _ip_predicate(pattern, version):
    def keep(network_info):
        for ip in instance_ports.ip_addresses(network_info):
            if (6 if ':' in ip else 4) == version and pattern.search(ip):
                return True
        return False
    return keep


def _sort_args(caller):
    keys = flask.request.args.getlist('sort_key')
    dirs = flask.request.args.getlist('sort_dir')
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise InvalidInput('sort_dir', "Invalid sort direction %s (use 'asc' or 'desc')" % direction)
    sort = []
    for index_, key in enumerate(keys):
        direction = dirs[index_] if index_ < len(dirs) else (dirs[0] if dirs else 'desc')
        if key == 'locked' and since(73):
            sort.append((key, direction))
            continue
        # the list's query schema took the key (schemas.list_query): the ignored ones (until 2.75) and the
        # columns novalite does not keep are let through, and the list is sorted by the others
        if key in schemas.IGNORED_SORT_KEYS or key not in instances.SORT_KEYS:
            continue
        if key in ('host', 'node') and not caller.is_admin:
            continue   # Nova drops admin-only sort keys for everyone else
        sort.append((key, direction))
    default_dir = sort[0][1] if sort else 'desc'
    if 'created_at' not in [k for k, _d in sort]:
        sort.append(('created_at', default_dir))
    sort.append(('id', default_dir))
    return sort


def _list(detail):
    # Nova's index_query: its patternProperties ("^_") take any name starting with an underscore
    only_query_params(*schemas.list_params(api_version.current()), patterns=('^_',))
    validation.validate_query(flask.request.args, schemas.list_query(api_version.current()))
    caller = ctx()
    policy.enforce('os_compute_api:servers:detail' if detail else 'os_compute_api:servers:index', caller)
    args = flask.request.args
    t = table('instances')
    where = []
    keep_checks = []   # (column, predicate) for what SQL cannot test portably
    admin_filters = policy.allowed('os_compute_api:servers:allow_all_filters', caller)
    if admin_filters:
        # Nova's _get_servers: the joined tables and "_..." names are no filters (for anyone else they were
        # dropped with the other options the caller may not use)
        for name in args:
            if name in schemas.JOINED_TABLES or name.startswith('_'):
                raise ApiError(400, 'Invalid filter field: %s.' % name)

    all_tenants = args.get('all_tenants') is not None and _truthy('all_tenants', args.get('all_tenants'))
    get_all = 'os_compute_api:servers:%s:get_all_tenants' % ('detail' if detail else 'index')
    if all_tenants:
        # Nova: context.can(...get_all_tenants): a caller without it gets 403, not their own servers.
        policy.enforce(get_all, caller)
        project = args.get('project_id') or args.get('tenant_id')
        if project:
            where.append(t.c.project_id == project)
    else:
        where.append(t.c.project_id == caller.project_id)

    deleted = False
    changed_since = time_arg('changes-since')
    changed_before = time_arg('changes-before') if since(66) else None
    if changed_since and changed_before and changed_before < changed_since:
        raise ApiError(400, 'The value of changes-since must be less than or equal to changes-before.')
    if changed_since is not None:
        where.append(t.c.updated_at >= changed_since)
    if changed_before is not None:
        where.append(t.c.updated_at <= changed_before)
    if changed_since is not None or changed_before is not None:
        deleted = None   # Nova shows servers deleted within the window too
    if admin_filters and args.get('deleted') is not None:
        deleted = True if _truthy('deleted', args.get('deleted')) else False

    statuses = [s.upper() for s in args.getlist('status') if s]
    if statuses:
        unknown = [s for s in statuses if s not in VALID_STATUSES]
        if unknown and since(38):
            raise ApiError(400, 'Invalid status value')
        statuses = [s for s in statuses if s in VALID_STATUSES]
        if not statuses:
            return _servers_response(None, [], 0)
        if 'DELETED' in statuses:
            if not caller.is_admin:
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
    for arg in schemas.EXACT_FILTERS + schemas.REGEX_FILTERS:
        # Admins may filter on every field; others on the fields 2.83 opened to them.
        if not args.get(arg) or not (admin_filters or (since(83) and arg in schemas.USER_FILTERS_283)):
            continue
        column = schemas.FILTER_COLUMNS.get(arg, arg)
        if arg in schemas.EXACT_FILTERS:
            where.append(t.c[column] == args[arg])
        else:   # Nova matches these as regular expressions on the stored text
            pattern = _regex(arg, args[arg])
            keep_checks.append(((column,), lambda r, c=column, p=pattern: p.search(_as_text(getattr(r, c))) is not None))
    for arg, version in (('ip', 4), ('ip6', 6)):
        if args.get(arg) and (arg == 'ip' or admin_filters or since(5)):
            check = _ip_predicate(_regex(arg, args[arg]), version)
            keep_checks.append((('network_info',), lambda r, c=check: c(r.network_info)))
    if since(73) and args.get('locked') is not None:
        where.append(t.c.locked == _truthy('locked', args['locked']))
    if since(26):
        tag_check = _tag_predicate(args)
        if tag_check is not None:
            keep_checks.append((('tags',), lambda r: tag_check(r.tags)))

    limit = limit_arg()
    columns = sorted(set(c for cols, _p in keep_checks for c in cols))
    keep = (lambda r: all(p(r) for _c, p in keep_checks)) if keep_checks else None
    view = views.ViewContext(caller) if detail else None
    rows, _more = instances.page_instances(store(), where=where, sort=_sort_args(caller), limit=limit,
                                           marker=args.get('marker'), deleted=deleted, keep=keep,
                                           keep_columns=columns,
                                           columns=view.columns() if detail else ('display_name',))
    return _servers_response(view, rows, limit)


def _servers_response(view, rows, limit):
    """``view``: a views.ViewContext for /servers/detail, None for the id/name/links index."""
    if view is not None:
        view.load_faults(rows)
        body = {'servers': [views.show(i, view) for i in rows]}
    else:
        body = {'servers': views.index(rows)}
    if rows and len(rows) == limit:   # Nova links a full page, even the last one (of /servers, os-volumes_boot's too)
        body['servers_links'] = next_link(rows[-1]['uuid'], limit, 'servers' if view is None else 'servers/detail')
    return flask.jsonify(body)


def index():
    return _list(False)


def detail():
    return _list(True)


# ---- show and update --------------------------------------------------------------------------

def show(server_id):
    return flask.jsonify(views.one(get_server(server_id, 'os_compute_api:servers:show')))


def update(server_id):
    spec = validation.validate(request_body(), schemas.update(api_version.current()))['server']
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
    if 'hostname' in spec:
        values['hostname'] = spec['hostname']

    def change(current):
        if 'pinned_availability_zone' in spec:   # 2.104: unpin, or pin to the zone the server is in
            values['system_metadata'] = _pinned(current, spec['pinned_availability_zone'])
        return values
    updated = instances.modify(store(), inst['uuid'], change)
    return flask.jsonify(views.one(updated, update=True))


def _pinned(inst, wanted):
    system = dict(inst.get('system_metadata') or {})
    current = system.get('pinned_availability_zone')
    if wanted is not None and current is not None and wanted != current:
        raise ApiError(409, 'Cannot change pinned availability zone directly. Unpin first by setting '
                            'pinned_availability_zone to null.')
    if wanted is not None and wanted != (inst['availability_zone'] or ''):
        raise ApiError(409, "Server can only be pinned to its current availability zone '%s', but '%s' was "
                            "requested." % (inst['availability_zone'], wanted))
    system['pinned_availability_zone'] = wanted
    return system


# ---- create -----------------------------------------------------------------------------------

def _ref(value):
    """flavorRef/imageRef may be an id or a URL ending in one (Nova takes the last path segment)."""
    return str(value).rstrip('/').rsplit('/', 1)[-1]


def _boot_image(spec):
    """The image to boot: imageRef, or the one local image mapping the CLI sends alongside it.

    Anything backed by a volume needs Cinder, which novalite does not have.
    """
    image_ref = _ref(spec['imageRef']) if spec.get('imageRef') else None
    for position, bdm in enumerate(spec.get('block_device_mapping_v2') or []):
        local_image = bdm.get('source_type') == 'image' and bdm.get('destination_type', 'local') == 'local'
        if not local_image:
            raise validation.ValidationError('block_device_mapping_v2[%d]' % position,
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
    """The create's networks as the conductor takes them: "auto", "none" or [{uuid, port, fixed_ip}] (before
    2.37 no networks is as "auto": the project's one network, if it has one)."""
    requested = spec.get('networks')
    if requested is None or requested == []:
        return 'auto'
    if isinstance(requested, str):
        return requested
    out = []
    for item in requested:
        if item.get('port'):
            out.append({'port': item['port']})
        elif item.get('uuid') and validation.is_uuid_like(item['uuid']):
            out.append({'uuid': item['uuid'], 'fixed_ip': item.get('fixed_ip')})
        else:
            raise validation.ValidationError('networks', 'Bad networks format: network uuid is not in proper '
                                                         'format (%s)' % item.get('uuid'))
        if item.get('fixed_ip'):
            try:
                ipaddress.ip_address(item['fixed_ip'])
            except ValueError:
                raise validation.ValidationError('networks', 'Invalid fixed IP address (%s)' % item['fixed_ip'])
    return out


def _user_data(spec):
    # its schema's base64 format checked it (as Nova: characters outside the alphabet are skipped)
    return spec.get('user_data')


def _availability_zone(spec, caller):
    """Nova's "az", "az:host", "az::node" forms; a host or node is a forced host (admin only)."""
    value = spec.get('availability_zone')
    if not value or ':' not in value:
        return value
    zone, _sep, where = value.partition(':')
    if where.strip(':'):
        policy.enforce('os_compute_api:servers:create:forced_host', caller, {'project_id': caller.project_id})
        raise InvalidInput('availability_zone', 'forcing a host (%s) is not supported by novalite; use a '
                                                'scheduler hint or an availability zone' % value)
    return zone or None


def _requested_destination(spec, caller, target):
    """2.74's host / hypervisor_hostname (admins): each must name a compute node that exists (Nova's 400)."""
    host, node = spec.get('host'), spec.get('hypervisor_hostname')
    if not host and not node:
        return {}
    policy.enforce('compute:servers:create:requested_destination', caller, target)
    nodes = hosts.list_nodes(store())
    if not [n for n in nodes if host in (None, n['host']) and node in (None, n['hypervisor_hostname'])]:
        raise InvalidInput('host' if host else 'hypervisor_hostname',
                           'Compute host %s could not be found.' % (host or node))
    return {'host': host, 'node': node}


def _bad_ref_message(exc):
    what = (exc.what or '').lower()
    if what == 'image':
        return 'Image %s could not be found.' % exc.ident
    if what == 'flavor':
        return 'Flavor %s could not be found.' % exc.ident
    if 'key' in what:
        return 'Invalid key_name provided.'
    return exc.message


def create():
    caller = ctx()
    body = flask.request.get_json(silent=True)
    # the whole body, as Nova checks it: the server, then the hints, then the body's own keys
    validation.validate(body, schemas.create(api_version.current()))
    spec = body['server']
    hints_key = 'OS-SCH-HNT:scheduler_hints' if 'os:scheduler_hints' not in body else 'os:scheduler_hints'
    hints = body.get(hints_key, {})
    target = {'project_id': caller.project_id, 'user_id': caller.user_id}
    policy.enforce('os_compute_api:servers:create', caller, target)
    min_count = _count(spec, 'min_count', 1)
    max_count = _count(spec, 'max_count', min_count)
    if min_count > max_count:
        raise InvalidInput('min_count', 'min_count must be <= max_count')
    image_ref = _boot_image(spec)
    groups = list(dict.fromkeys(g['name'] for g in spec.get('security_groups') or []))
    request = {
        'name': spec['name'], 'flavor': _ref(spec['flavorRef']), 'image': image_ref,
        'min_count': min_count, 'max_count': max_count,
        'availability_zone': _availability_zone(spec, caller), 'key_name': spec.get('key_name'),
        'user_data': _user_data(spec), 'metadata': spec.get('metadata') or {},
        'description': spec.get('description'), 'scheduler_hints': hints, 'tags': spec.get('tags'),
        'trusted_image_certificates': spec.get('trusted_image_certificates'),
        'config_drive': as_bool(spec.get('config_drive')) if 'config_drive' in spec else None,
        'networks': _networks(spec), 'security_groups': groups,
        'access_ip_v4': spec.get('accessIPv4'), 'access_ip_v6': spec.get('accessIPv6'),
        'injected_files': [{'path': f.get('path'), 'contents': f.get('contents')}
                           for f in spec.get('personality') or []],
    }
    request.update(_requested_destination(spec, caller, target))
    if spec.get('hostname'):
        if max_count > 1:
            raise InvalidInput('hostname', 'Unable to allocate a single hostname to multiple instances')
        request['hostname'] = spec['hostname']
    ident = jobs().accept(caller.request_id, 'boot')
    try:
        rows = conductor.create_servers(
            store(), caller, request, enforce_quota=True,
            zero_disk_allowed=policy.allowed('os_compute_api:servers:create:zero_disk_flavor', caller, target))
    except NotFound as exc:
        jobs().forget(ident)
        # A flavor, image or keypair that is not there is a bad request, not a missing URL.
        raise InvalidInput(exc.field or 'server', _bad_ref_message(exc))
    except Exception:
        jobs().forget(ident)
        raise
    password = _admin_password(spec)
    jobs().enqueue_boot(ident, [r['uuid'] for r in rows],
                        secrets=dict((r['uuid'], {'admin_pass': password}) for r in rows))
    if as_bool(spec.get('return_reservation_id')):
        return flask.jsonify({'reservation_id': rows[0]['reservation_id']}), 202
    out = {'id': rows[0]['uuid'], 'links': links('servers', rows[0]['uuid']), 'OS-DCF:diskConfig': 'MANUAL',
           'security_groups': [{'name': name} for name in groups or ['default']]}
    _with_password(out, password)
    response = flask.jsonify({'server': out})
    response.status_code = 202
    response.headers['Location'] = out['links'][0]['href']
    return response


def _admin_password(spec):
    """Nova's: the adminPass given, else a generated one. Either reaches the guest's config drive (Nova passes
    it to the compute host whether or not enable_instance_password lets the answer show it)."""
    if spec and spec.get('adminPass') is not None:
        return spec['adminPass']
    return admin_password.generate(flask.current_app.config['NOVALITE']['password_length'])


def _with_password(body, password):
    """``body`` with Nova's ``adminPass`` when enable_instance_password is on."""
    if flask.current_app.config['NOVALITE']['enable_instance_password']:
        body['adminPass'] = password
    return body


# ---- actions and delete -----------------------------------------------------------------------

def _start(inst, action_name, reboot_type='SOFT', **options):
    """Check and record the action, and hand its host call to a job (``JobQueue.start_action``).

    ``options``: server_actions.start's (reason, rebuild_request, enforce_quota), and ``secrets`` for the host only."""
    return jobs().start_action(inst['uuid'], action_name, ctx(), reboot_type=reboot_type, **options)


def action(server_id):
    # nova/api/openstack/wsgi.py action_peek and the action lookup, with their messages
    name, args = action_peek(flask.request.get_json(silent=True))
    # the actions of Nova's other controllers: each resource's file answers its own
    for resource in (remote_consoles, security_groups, floating_ips, admin_actions, multinic, admin_password_api):
        if name in resource.ACTIONS:
            return resource.action(server_id, name, args)
    if name == remote_consoles.RDP_ACTION:
        return remote_consoles.rdp_action()
    if name == 'trigger_crash_dump':
        return _trigger_crash_dump(server_id, args)
    if name not in ACTION_RULES:
        if name in schemas.NOVA_ACTIONS:
            get_server(server_id, 'os_compute_api:servers:show')   # 404 first, as Nova
        raise validation.ValidationError('action', 'There is no such action: %s' % name)
    action_name, rule = ACTION_RULES[name]
    inst = get_server(server_id, rule)
    if name == 'rebuild':
        return _rebuild(inst, args)
    if name == 'os-getConsoleOutput':
        return _console_output(inst, args)
    if name in ('rescue', 'unrescue'):
        return _rescue(inst, name, args)
    if name in ('createImage', 'createBackup'):
        return _create_image(inst, name, args)
    if name in ('shelve', 'shelveOffload', 'unshelve'):
        return _shelve(inst, name, args)
    if name in ('resize', 'migrate', 'confirmResize', 'revertResize'):
        return _move(inst, name, args)
    if name == 'os-migrateLive':
        return _migrate_live(inst, args)
    if name == 'evacuate':
        return evacuate.action(inst, args)
    if name == 'os-resetState':
        # nova/api/openstack/compute/admin_actions.py _reset_state: done in the database, no host call
        validation.validate(args, schemas.RESET_STATE, 'os-resetState')
        server_actions.reset_state(store(), inst['uuid'], args['state'], ctx())
        return '', 202
    reboot_type, reason = 'SOFT', None
    if name == 'reboot':
        validation.validate(args, schemas.REBOOT, 'reboot')
        reboot_type = args['type'].upper()
    elif name == 'lock' and since(73):
        reason = (validation.validate(args, schemas.LOCK_V273, 'lock') or {}).get('locked_reason')
    # the other actions (and lock before 2.73) take any value, as Nova's schemas ({"pause": {}}) do
    _start(inst, action_name, reboot_type=reboot_type, reason=reason)
    return '', 202


def _trigger_crash_dump(server_id, args):
    """Nova's trigger_crash_dump (servers.py, 2.17+; before, 404): the body null, then the server (404) and the
    policy, then the lock, the host (InstanceNotReady) and the state (409); 202, and the host injects an NMI
    (``instance_action`` ``trigger_crash_dump``), recorded on the ``trigger_crash_dump`` instance action."""
    if not since(17):
        raise ApiError(404, 'The resource could not be found.')
    validation.validate(args, schemas.TRIGGER_CRASH_DUMP, 'trigger_crash_dump')
    inst = get_server(server_id, 'os_compute_api:servers:trigger_crash_dump')
    _start(inst, 'trigger_crash_dump')
    return '', 202


def _rebuild(inst, args):
    """Nova's rebuild action: 202 with the server as it is now (REBUILD), per microversion."""
    caller = ctx()
    spec = validation.validate(args, schemas.rebuild(api_version.current()), 'rebuild')
    request = {'image': _ref(spec['imageRef'])}
    for key, field in (('name', 'name'), ('metadata', 'metadata'), ('description', 'description'),
                       ('accessIPv4', 'access_ip_v4'), ('accessIPv6', 'access_ip_v6'), ('key_name', 'key_name'),
                       ('trusted_image_certificates', 'trusted_image_certificates'), ('hostname', 'hostname')):
        if key in spec:   # the schema of the request's microversion admits only that version's keys
            request[field] = spec[key]
    if 'preserve_ephemeral' in spec:
        request['preserve_ephemeral'] = as_bool(spec['preserve_ephemeral'])
    if 'user_data' in spec:
        request['user_data'] = _user_data(spec)   # null removes the server's user data (2.57)
    if spec.get('personality'):
        request['injected_files'] = [{'path': f.get('path'), 'contents': f.get('contents')}
                                     for f in spec['personality']]
    if 'trusted_image_certificates' in spec:
        policy.enforce('os_compute_api:servers:rebuild:trusted_certs', caller,
                       {'project_id': inst['project_id'], 'user_id': inst['user_id']})
    password = _admin_password(spec)
    _start(inst, 'rebuild', rebuild_request=request, enforce_quota=True,
           secrets={inst['uuid']: {'admin_pass': password}})
    body = views.one(instances.get(store(), inst['uuid']), rebuild=True)
    _with_password(body['server'], password)
    response = flask.jsonify(body)
    response.status_code = 202
    response.headers['Location'] = body['server']['links'][0]['href']
    return response


def _rescue(inst, name, args):
    """Nova's rescue (200) and unrescue (202) actions (nova/api/openstack/compute/rescue.py).

    Rescue answers ``{"adminPass": ...}`` (the given one or a generated one; ``{}`` with enable_instance_password
    off); the password is on the rescue guest's config drive when the server has one. From 2.87 Nova may rescue a
    volume-backed server (stable device rescue); novalite servers have no volumes, so the answer is the same at
    every microversion.
    """
    if name == 'unrescue':
        validation.validate(args, schemas.UNRESCUE, 'unrescue')
        _start(inst, 'unrescue')
        return '', 202
    spec = validation.validate(args, schemas.RESCUE, 'rescue') or {}
    password = _admin_password(spec)
    _start(inst, 'rescue', rescue_image=spec.get('rescue_image_ref'), secrets={inst['uuid']: {'admin_pass': password}})
    return flask.jsonify(_with_password({}, password)), 200


def _create_image(inst, name, args):
    """Nova's createImage / createBackup: 202; from 2.45 the new image's id in the body, before it a Location
    header (a backup with rotation 0 has none: it is rotated away at once)."""
    spec = validation.validate(args, schemas.ACTIONS[name], name)
    verb = 'snapshot' if name == 'createImage' else 'backup'
    request = {'name': spec['name'], 'metadata': spec.get('metadata') or {}}
    if verb == 'backup':
        request.update(backup_type=spec['backup_type'], rotation=int(spec['rotation']))
    cfg = flask.current_app.config['NOVALITE']
    # before 2.39 the metadata counts against the metadata_items quota (Nova's check_img_metadata_properties_quota)
    started = _start(inst, verb, image_request=request, image_store=cfg['image_store'], enforce_quota=not since(39),
                     image_limits={'size_cap': cfg['image_size_cap'], 'storage_quota': cfg['user_storage_quota']})
    image_id = started['image']['id']
    if since(45):
        response = flask.jsonify({'image_id': image_id})
        response.status_code = 202
        return response
    response = flask.Response(status=202)
    if verb == 'snapshot' or request['rotation'] > 0:
        response.headers['Location'] = '%s/image/v2/images/%s' % (cfg['public_url'], image_id)
    return response


def _shelve(inst, name, args):
    """Nova's shelve, shelveOffload and unshelve (nova/api/openstack/compute/shelve.py): 202, no body.

    Shelve's image lands in the image store under Glance's size cap and the owner's storage quota; an unshelve
    from 2.77 may name an availability zone (from 2.91 null unpins the server, and an admin may name a host).
    """
    cfg = flask.current_app.config['NOVALITE']
    if name == 'shelve':
        _start(inst, 'shelve', image_store=cfg['image_store'], offload_time=cfg['shelved_offload_time'],
               image_limits={'size_cap': cfg['image_size_cap'], 'storage_quota': cfg['user_storage_quota']})
        return '', 202
    if name == 'shelveOffload':
        _start(inst, 'shelve_offload')
        return '', 202
    version = api_version.current()
    schema = schemas.unshelve(version)
    body = (validation.validate(args, schema, 'unshelve') if schema is not None else None) or {}
    request = {}
    if since(77) and 'availability_zone' in body:
        request['availability_zone'] = body['availability_zone']
    if since(91) and body.get('host'):
        request['host'] = body['host']
    caller = ctx()
    allowed = policy.allowed('os_compute_api:os-shelve:unshelve_to_host', caller,
                             {'project_id': inst['project_id'], 'user_id': inst['user_id']})
    # a request for an offloaded server's cores and RAM meets the project's quota again (Nova's unshelve check)
    _start(inst, 'unshelve', unshelve_request=request, enforce_quota=True, host_allowed=allowed)
    return '', 202


def _move(inst, name, args):
    """Nova's resize, confirmResize, revertResize (servers.py) and migrate (migrate_server.py): 202, no body.

    A resize or migration is scheduled before the answer (compute/resize.py); no valid host is recorded on the
    server (ACTIVE, a fault, the instance action's error) and still answers 202, as Nova's asynchronous conductor.
    """
    cfg = flask.current_app.config['NOVALITE']
    if name == 'resize':
        spec = validation.validate(args, schemas.RESIZE, 'resize')
        _start(inst, 'resize', flavor=_ref(str(spec['flavorRef'])),
               allow_resize_to_same_host=cfg['allow_resize_to_same_host'])
        return '', 202
    if name == 'migrate':
        schema = schemas.migrate(api_version.current())
        body = (validation.validate(args, schema, 'migrate') if schema is not None else None) or {}
        host = body.get('host')
        if host:
            policy.enforce('os_compute_api:os-migrate-server:migrate:host', ctx(),
                           {'project_id': inst['project_id'], 'user_id': inst['user_id']})
        _start(inst, 'migrate', host=host or None)
        return '', 202
    _start(inst, 'confirm_resize' if name == 'confirmResize' else 'revert_resize')
    return '', 204 if name == 'confirmResize' else 202


def _migrate_live(inst, args):
    """Nova's os-migrateLive (migrate_server.py): 202, no body; the checks, the schedule and the claim happen before
    the answer (compute/live_migration.py). Before 2.34 a destination that cannot be had is the API's 400; from
    2.34 it is recorded on the server (a fault, the migration ``error``) after a 202, as Nova's asynchronous call.
    """
    body = validation.validate(args, schemas.migrate_live(api_version.current()), 'os-migrateLive')
    host = body.get('host')
    if host:
        policy.enforce('os_compute_api:os-migrate-server:migrate_live:host', ctx(), {'project_id': inst['project_id']})
    force = None
    if since(30) and not since(68):
        force = as_bool(body.get('force'))
        if force and not host:
            raise ApiError(400, "Can't force to a non-provided destination")
    raw = body['block_migration']
    block = None if (since(25) and raw == 'auto') else as_bool(raw)
    try:
        _start(inst, 'live_migrate', host=host or None, block_migration=block, force=force,
               raise_no_host=not since(34))
    except NoValidHost as exc:
        raise ApiError(400, exc.message)
    return '', 202


def _console_output(inst, args):
    """Nova's os-getConsoleOutput: the tail of the guest's console log, read from its host now."""
    spec = validation.validate(args, schemas.CONSOLE_OUTPUT, 'os-getConsoleOutput')
    length = spec.get('length')
    length = None if length is None else int(length)
    started = server_actions.start(store(), inst['uuid'], 'console_output', ctx(), length=length)
    result = jobs().read_from_host(started['host_call'])
    if result.get('failed') or result.get('unreachable'):
        if result.get('error') == 'NotFound':
            # the domain is not on its host (Nova: InstanceNotFound from the driver)
            raise ApiError(404, 'Instance %s could not be found.' % inst['uuid'], field='server')
        raise ApiError(500, 'The console log of server %s could not be read on %s: %s'
                       % (inst['uuid'], inst['host'], result.get('msg') or 'no answer'))
    return flask.jsonify({'output': result.get('output') or ''})


def delete(server_id):
    inst = get_server(server_id, 'os_compute_api:servers:delete')
    if flask.current_app.config['NOVALITE']['reclaim_instance_interval']:
        try:
            _start(inst, 'soft_delete')
            return '', 204
        except InstanceInvalidState:
            pass   # never launched: nothing to keep, deleted at once (as Nova)
    _start(inst, 'delete')
    return '', 204
