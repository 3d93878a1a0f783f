# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's security-group proxy over the network service (nova/api/openstack/compute/security_groups.py).

``/os-security-groups`` and ``/os-security-group-rules`` (2.1 - 2.35; 404 from 2.36), a server's groups
(``/servers/{id}/os-security-groups``) and the ``addSecurityGroup`` / ``removeSecurityGroup`` actions (every
microversion). As in Nova, each call goes to the network side (the same functions the Neutron API uses) and
its answer is turned into the nova-network shape: ingress rules only, ``ip_protocol``/``from_port``/
``to_port``, ``group`` or ``ip_range``, and Nova's codes for Neutron's refusals.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import netaddr

from novalite_api import policy, validation
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, get_server, non_negative_query, request_body, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
from ansible_collections.novalite.compute.plugins.module_utils.network import errors as net_errors
from ansible_collections.novalite.compute.plugins.module_utils.network import ports, security_groups
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import flask
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    flask = sa = None

RULE = 'os_compute_api:os-security-groups:%s'
_TEXT = {'type': 'string', 'minLength': 0, 'maxLength': 255}
GROUP_BODY = {'type': 'object', 'properties': {'security_group': {
    'type': 'object', 'properties': {'name': _TEXT, 'description': _TEXT}, 'required': ['name', 'description'],
    'additionalProperties': True}}, 'required': ['security_group'], 'additionalProperties': True}
RULE_BODY = {'type': 'object', 'properties': {'security_group_rule': {
    'type': 'object', 'properties': {'group_id': {'type': ['string', 'null'], 'format': 'uuid'},
                                     'parent_group_id': {'type': 'string', 'format': 'uuid'},
                                     'to_port': {}, 'from_port': {}, 'ip_protocol': {}, 'cidr': {}},
    'required': ['parent_group_id'], 'additionalProperties': True}},
    'required': ['security_group_rule'], 'additionalProperties': True}
ACTIONS = {'addSecurityGroup': 'add', 'removeSecurityGroup': 'remove'}
ACTION_BODY = {'type': 'object', 'properties': {'name': {'type': 'string', 'minLength': 1}}, 'required': ['name'],
               'additionalProperties': False}


# ---- the nova-network shape -------------------------------------------------------------------------

def _cidr(prefix):
    return prefix or '0.0.0.0/0'


def _nova_rule(rule):
    """Neutron's rule as Nova's security_group_api shows it (before the API's formatting)."""
    protocol = rule['protocol']
    low, high = rule['port_range_min'], rule['port_range_max']
    if protocol and low is None and high is None:
        low, high = (1, 65535) if protocol.upper() in ('TCP', 'UDP') else (-1, -1)
    return {'id': rule['id'], 'parent_group_id': rule['security_group_id'], 'protocol': protocol,
            'from_port': low, 'to_port': high, 'group_id': rule['remote_group_id'],
            'cidr': _cidr(rule['remote_ip_prefix'])}


def _rule_view(rule, groups):
    """The API's rule: ``group`` {name, tenant_id} for a group rule, else ``ip_range`` {cidr}; None when the
    remote group is gone (Nova leaves such a rule out)."""
    out = {'id': rule['id'], 'parent_group_id': rule['parent_group_id'], 'ip_protocol': rule['protocol'],
           'from_port': rule['from_port'], 'to_port': rule['to_port'], 'group': {}, 'ip_range': {}}
    if rule['group_id']:
        remote = groups.get(rule['group_id'])
        if remote is None:
            return None
        out['group'] = {'name': remote['name'], 'tenant_id': remote['tenant_id']}
    else:
        out['ip_range'] = {'cidr': rule['cidr']}
    return out


def _group_view(group, groups):
    rules = [_rule_view(_nova_rule(r), groups) for r in group['security_group_rules'] if r['direction'] == 'ingress']
    return {'id': group['id'], 'description': group['description'], 'name': group['name'],
            'tenant_id': group['tenant_id'], 'rules': [r for r in rules if r is not None]}


def _groups_named(conn, ids):
    """{id: {name, tenant_id}} of the groups ``ids`` that exist (Nova looks each rule's remote group up)."""
    ids = set(i for i in ids if i)
    if not ids:
        return {}
    t = table('security_groups')
    return dict((r.id, {'name': r.name, 'tenant_id': r.project_id})
                for r in conn.execute(sa.select(t.c.id, t.c.name, t.c.project_id).where(t.c.id.in_(ids))))


def _remote_groups(conn, groups):
    """The remote groups the rules of ``groups`` (network views) name, as _groups_named gives them."""
    return _groups_named(conn, (r['remote_group_id'] for g in groups for r in g['security_group_rules']))


def _sorted(views):
    return sorted(views, key=lambda g: (g['tenant_id'], g['name']))


# ---- errors -----------------------------------------------------------------------------------------

def _nova_error(exc, conflict=400):
    """Nova's answer to a Neutron refusal: not found 404; a quota 403; a conflict ``conflict``; else 400."""
    if isinstance(exc, net_errors.NotFound):
        return ApiError(404, exc.message)
    if exc.kind == 'OverQuota':
        return ApiError(403, exc.message)
    if isinstance(exc, net_errors.Conflict):
        return ApiError(conflict, exc.message)
    return ApiError(400, exc.message)


def _proxy(action):
    """404 from 2.36 (Nova's MAX_PROXY_API_SUPPORT_VERSION is 2.35), then the policy."""
    if since(36):
        raise ApiError(404, 'The resource could not be found.')
    policy.enforce(RULE % action, ctx(), {'project_id': ctx().project_id})


def _group_id(group_id):
    if not instances.is_uuid_like(group_id):
        raise ApiError(400, 'Security group id should be uuid')
    return group_id


def _group(conn, group_id):
    try:
        return security_groups.show_group(conn, ctx(), _group_id(group_id))
    except net_errors.NeutronError as exc:
        raise _nova_error(exc)


# ---- /os-security-groups ----------------------------------------------------------------------------

def index():
    _proxy('get')
    non_negative_query('limit', 'offset')
    args = flask.request.args
    caller = ctx()
    every_project = caller.is_admin and 'all_tenants' in args
    with store().begin() as conn:
        found = [g for g in security_groups.list_groups(conn, caller)
                 if every_project or g['tenant_id'] == caller.project_id]
        offset, limit = _int_arg('offset', 0), _int_arg('limit', None)
        found = found[offset:] if limit is None else found[offset:offset + limit]
        groups = _remote_groups(conn, found)
    return flask.jsonify({'security_groups': _sorted(_group_view(g, groups) for g in found)})


def _int_arg(name, default):
    raw = flask.request.args.get(name)
    return default if raw is None else int(raw)   # non_negative_query checked it


def show(group_id):
    _proxy('show')
    with store().read() as conn:
        group = _group(conn, group_id)
        return flask.jsonify({'security_group': _group_view(group, _remote_groups(conn, [group]))})


def _write_group(action, group_id=None):
    """Create (``group_id`` None) or update a group from the body's name and description."""
    _proxy(action)
    spec = validation.validate(request_body(), GROUP_BODY)['security_group']
    body = {'security_group': {'name': spec['name'], 'description': spec['description']}}
    try:
        with store().begin() as conn:
            if group_id is None:
                group = security_groups.create_group(conn, ctx(), body)
            else:
                _group(conn, group_id)
                group = security_groups.update_group(conn, ctx(), group_id, body)
            groups = _remote_groups(conn, [group])
    except net_errors.NeutronError as exc:
        raise _nova_error(exc)
    return flask.jsonify({'security_group': _group_view(group, groups)})


def create():
    return _write_group('create')


def update(group_id):
    return _write_group('update', group_id)


def delete(group_id):
    _proxy('delete')
    try:
        with store().begin() as conn:
            _group(conn, group_id)
            security_groups.delete_group(conn, ctx(), group_id)
    except net_errors.NeutronError as exc:
        raise _nova_error(exc)   # in use, or the default group: Nova's Invalid (400)
    return '', 202


# ---- /os-security-group-rules -----------------------------------------------------------------------

def _new_rule(spec):
    """Nova's _new_ingress_rule checks: the Neutron rule body for ``spec``, or Nova's 400."""
    group_id, protocol = spec.get('group_id'), spec.get('ip_protocol')
    low, high = spec.get('from_port'), spec.get('to_port')
    cidr = None
    if group_id is None:
        cidr = spec.get('cidr') or '0.0.0.0/0'
        try:
            net = netaddr.IPNetwork(str(cidr))
        except (netaddr.AddrFormatError, ValueError, TypeError):
            raise ApiError(400, '%s is not a valid IP network.' % cidr)
        # the address as written (netaddr would report a /0's network as 0.0.0.0)
        if str(cidr).split('/', maxsplit=1)[0] not in ('0.0.0.0', '::') and net.prefixlen == 0:
            raise ApiError(400, 'Bad prefix for network in cidr %s' % cidr)
    elif protocol and low is None and high is None:
        low, high = (-1, -1) if str(protocol).upper() == 'ICMP' else (
            (1, 65535) if str(protocol).upper() in ('TCP', 'UDP') else (None, None))
    if not (protocol and low is not None and high is not None):
        if group_id is None:
            raise ApiError(400, 'Not enough parameters to build a valid rule.')
        protocol = low = high = None
    else:
        protocol = str(protocol)
        upper = protocol.upper()
        try:
            low, high = int(low), int(high)
        except (TypeError, ValueError):
            raise ApiError(400, 'Invalid input received: %s' % (
                'Type and Code must be integers for ICMP protocol type' if upper == 'ICMP' else
                'To and From ports must be integers'))
        if upper not in ('TCP', 'UDP', 'ICMP'):
            raise ApiError(400, 'Invalid IP protocol %s.' % protocol)
        if upper in ('TCP', 'UDP') and low > high:
            raise ApiError(400, 'Invalid port range %d:%d. Former value cannot be greater than the later'
                           % (low, high))
        if upper in ('TCP', 'UDP') and (low < 1 or high > 65535):
            raise ApiError(400, 'Invalid port range %d:%d. Valid %s ports should be between 1-65535'
                           % (low, high, upper))
        if upper == 'ICMP' and not (-1 <= low <= 255 and -1 <= high <= 255):
            raise ApiError(400, 'Invalid port range %d:%d. For ICMP, the type:code must be valid' % (low, high))
    rule = {'direction': 'ingress', 'protocol': protocol, 'security_group_id': spec['parent_group_id'],
            'ethertype': 'IPv6' if cidr and netaddr.IPNetwork(str(cidr)).version == 6 else 'IPv4',
            'remote_ip_prefix': cidr if group_id is None and spec.get('cidr') else None,
            'remote_group_id': group_id}
    if low is not None and low != -1:
        rule['port_range_min'] = low
    if high is not None and high != -1:
        rule['port_range_max'] = high
    return rule


def create_rule():
    _proxy('rule:create')
    spec = validation.validate(request_body(), RULE_BODY)['security_group_rule']
    try:
        with store().begin() as conn:
            parent = _group(conn, spec['parent_group_id'])
            if spec.get('group_id') is not None:
                _group(conn, spec['group_id'])
            wanted = _new_rule(spec)
            mine = _nova_rule(dict(wanted, id=None, port_range_min=wanted.get('port_range_min'),
                                   port_range_max=wanted.get('port_range_max')))
            for existing in parent['security_group_rules']:
                theirs = _nova_rule(existing)
                if existing['direction'] == 'ingress' and all(
                        theirs[k] == mine[k] for k in ('group_id', 'cidr', 'from_port', 'to_port', 'protocol')):
                    raise ApiError(400, 'This rule already exists in group %s' % parent['id'])
            made = security_groups.create_rule(conn, ctx(), {'security_group_rule': wanted})
            groups = _groups_named(conn, [made['remote_group_id']])
    except net_errors.NeutronError as exc:
        raise _nova_error(exc)
    return flask.jsonify({'security_group_rule': _rule_view(_nova_rule(made), groups)})


def delete_rule(rule_id):
    _proxy('rule:delete')
    if not instances.is_uuid_like(rule_id):
        raise ApiError(400, 'Security group id should be uuid')
    try:
        with store().begin() as conn:
            security_groups.delete_rule(conn, ctx(), rule_id)
    except net_errors.NeutronError as exc:
        raise _nova_error(exc, conflict=409)
    return '', 202


# ---- a server's groups ------------------------------------------------------------------------------

def _server_ports(conn, inst):
    t = table('ports')
    return ports.list_ports(conn, ctx(), where=(t.c.device_id == inst['uuid'],))


def server_index(server_id):
    inst = get_server(server_id, RULE % 'list')
    with store().read() as conn:
        ids = set(g for port in _server_ports(conn, inst) for g in port['security_groups'])
        own = _groups_named(conn, ids)
        found = [security_groups.show_group(conn, ctx(), g) for g in sorted(own)
                 if ctx().is_admin or own[g]['tenant_id'] == ctx().project_id]
        groups = _remote_groups(conn, found)
    return flask.jsonify({'security_groups': _sorted(_group_view(g, groups) for g in found)})


def action(server_id, name, args):
    """``addSecurityGroup`` / ``removeSecurityGroup`` {name}: the group (a name or an id of the caller's
    project) is added to or removed from every port of the server."""
    name_or_id = validation.validate(args, ACTION_BODY, name)['name']
    inst = get_server(server_id, RULE % ACTIONS[name])
    if not name_or_id.strip():
        raise ApiError(400, 'Security group name cannot be empty')
    caller = ctx()
    try:
        with store().begin() as conn:
            group_id = security_groups.resolve(conn, caller.project_id, [name_or_id], caller.is_admin)[0]
            if group_id is None:
                raise ApiError(404, 'Security group %s is not found for project %s'
                               % (name_or_id, caller.project_id))
            server_ports = _server_ports(conn, inst)
            if not server_ports:
                raise ApiError(404, 'instance_id %s could not be found as device id on any ports' % inst['uuid'])
            changed = False
            for port in server_ports:
                current = list(port['security_groups'])
                if name == 'addSecurityGroup':
                    if not (port['fixed_ips'] and port['port_security_enabled']):
                        raise ApiError(400, 'Network requires port_security_enabled and subnet associated in '
                                            'order to apply security groups.')
                    wanted = current + [group_id] if group_id not in current else current
                elif group_id in current:
                    wanted = [g for g in current if g != group_id]
                else:
                    continue
                ports.update(conn, caller, port['id'], {'port': {'security_groups': wanted}})
                changed = True
            if not changed:
                raise ApiError(404, 'Security group %s not associated with the instance %s'
                               % (name_or_id, inst['uuid']))
    except net_errors.NeutronError as exc:
        raise _nova_error(exc, conflict=409)
    return '', 202
