# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Networks as desired state: what the network modules and desired-state files do.

Each ``ensure_*`` makes one resource (found by name in the caller's project, or
by id) be as asked, through the very functions the REST shim's Neutron API
calls (``networks.create``/``update``/``delete`` ...), so a module gets the same
checks, texts and quotas as ``openstack network create``. It returns
``(changed, before, after)``, the two views trimmed for a diff.

Check mode runs the same code in a transaction that is rolled back
(``transaction``): what a real run would refuse, check mode refuses too, and it
writes nothing.

An existing resource is updated for the attributes Neutron lets an update
change; one that Neutron fixes at create (a subnet's ``cidr``, a network's
provider attributes) and that differs is an error naming the attribute.

``converge_set`` does a desired-state file's ``networks`` (with their
``subnets``) and ``security_groups`` (with their ``rules``), marking what it
creates with the set's name (``network_marks``) so that ``prune`` removes only
that.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib

from ansible_collections.novalite.compute.plugins.module_utils.network import (
    errors, floating_ips, model, networks, ports, routers, security_groups, subnets,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


class _Kind(object):
    def __init__(self, member, lister, create, update, delete, attrs, label):
        self.member, self.lister, self.create, self.update, self.delete = member, lister, create, update, delete
        self.attrs, self.label = attrs, label


KINDS = {
    'network': _Kind('network', networks.list_networks, networks.create, networks.update, networks.delete,
                     networks.ATTRS, 'network'),
    'subnet': _Kind('subnet', subnets.list_subnets, subnets.create, subnets.update, subnets.delete, subnets.ATTRS,
                    'subnet'),
    'port': _Kind('port', ports.list_ports, ports.create, ports.update, ports.delete, ports.ATTRS, 'port'),
    'security_group': _Kind('security_group', security_groups.list_groups, security_groups.create_group,
                            security_groups.update_group, security_groups.delete_group, security_groups.GROUP_ATTRS,
                            'security group'),
    'router': _Kind('router', routers.list_routers, routers.create, routers.update, routers.delete, routers.ATTRS,
                    'router'),
}
_NOT_SHOWN = ('created_at', 'updated_at', 'revision_number', 'tenant_id')


@contextlib.contextmanager
def transaction(store, check_mode=False):
    """A write transaction on ``store`` that commits, or (check mode) is rolled back once done."""
    with store.engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        except BaseException:
            trans.rollback()
            raise
        if check_mode:
            trans.rollback()
        else:
            trans.commit()


def shown(view):
    """A resource's view as a module returns it and diffs it (no timestamps or revision)."""
    if not view:
        return view or {}
    return dict((k, v) for k, v in view.items() if k not in _NOT_SHOWN)


# ---- finding --------------------------------------------------------------------------------------

def find(conn, context, kind, ref, field='name', scope=None, own=False):
    """The visible ``kind`` whose id is ``ref``, else the one named ``ref`` (the caller's project's first; with
    ``own`` only the caller's project's: what a module manages by name), or None.

    ``scope``: attributes the resource must have too (a subnet's ``network_id``). Two of the same name in one
    project are an error naming ``field`` (use the id)."""
    items = KINDS[kind].lister(conn, context)
    if scope:
        items = [i for i in items if all(i.get(k) == v for k, v in scope.items())]
    for item in items:
        if item['id'] == ref:
            return item
    named = [i for i in items if i.get('name') == ref]
    mine = [i for i in named if i.get('project_id') == context.project_id]
    candidates = mine if own else (mine or named)
    if len(candidates) > 1:
        raise errors.Conflict('more than one %s is named %r (%s): name it by id'
                              % (KINDS[kind].label, ref, ', '.join(i['id'] for i in candidates)), field=field,
                              kind='NoUniqueMatch')
    return candidates[0] if candidates else None


def resolve(conn, context, kind, ref, field, scope=None):
    """The id of the ``kind`` that ``ref`` (a name or an id) names; NotFound naming ``field`` if none."""
    found = find(conn, context, kind, ref, field, scope)
    if found is None:
        raise errors.NotFound('%s %s could not be found' % (KINDS[kind].label.capitalize(), ref), field=field,
                              kind='%sNotFound' % ''.join(w.capitalize() for w in kind.split('_')))
    return found['id']


# ---- comparing ------------------------------------------------------------------------------------

def _same_fixed_ips(want, have):
    """Each asked fixed IP (subnet_id and/or ip_address) is one the port has, and as many."""
    if len(want or []) != len(have or []):
        return False
    left = list(have or [])
    for item in want or []:
        match = [h for h in left if all(h.get(k) == v for k, v in item.items())]
        if not match:
            return False
        left.remove(match[0])
    return True


def _same_gateway(want, have):
    if not want or not have:
        return not want and not have
    if want['network_id'] != have['network_id']:
        return False
    if 'enable_snat' in want and want['enable_snat'] != have['enable_snat']:
        return False
    return 'external_fixed_ips' not in want or _same_fixed_ips(want['external_fixed_ips'],
                                                               have['external_fixed_ips'])


def _canonical(value):
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, dict):
        return sorted((k, _canonical(v)) for k, v in value.items())
    return value


def same(attr, want, have):
    """Whether an asked attribute value is what the resource has (lists of pools, routes, groups: any order)."""
    if attr == 'fixed_ips':
        return _same_fixed_ips(want, have)
    if attr == 'external_gateway_info':
        return _same_gateway(want, have)
    if attr in ('allocation_pools', 'host_routes', 'security_groups'):
        return _canonical(want or []) == _canonical(have or [])
    return want == have


def _parsed(kind, wanted):
    """``wanted`` as the resource's create would take it (values converted), to compare with a view."""
    spec = KINDS[kind]
    out = {}
    for attr, value in wanted.items():
        conv = spec.attrs[attr].convert if attr in spec.attrs else None
        out[attr] = conv(attr, value) if conv is not None and value is not None else value
    if kind == 'router' and out.get('external_gateway_info'):
        info = out['external_gateway_info']
        if info.get('external_fixed_ips'):
            info['external_fixed_ips'] = ports.fixed_ips('external_gateway_info', info['external_fixed_ips'])
    return out


# ---- one resource ---------------------------------------------------------------------------------

def ensure(conn, context, kind, name, wanted, state='present', scope=None, check_mode=False):
    """Make the ``kind`` named ``name`` (or with that id) exist with ``wanted`` (Neutron attributes), or not.

    Returns (changed, before, after): the resource's views (``{}`` for none). In check mode a delete is only
    reported (what a playbook deletes before it, e.g. a group's ports, is still there in check mode)."""
    spec = KINDS[kind]
    existing = find(conn, context, kind, name, 'name', scope, own=True)
    if state == 'absent':
        if existing is None:
            return False, {}, {}
        if not check_mode:
            spec.delete(conn, context, existing['id'])
        return True, shown(existing), {}
    if existing is None:
        made = spec.create(conn, context, {spec.member: dict(wanted, name=name)})
        return True, {}, shown(made)
    asked = _parsed(kind, wanted)
    changes = dict((k, wanted[k]) for k, v in asked.items() if not same(k, v, existing.get(k)))
    for attr in sorted(changes):
        if attr in spec.attrs and not spec.attrs[attr].put:
            raise errors.BadRequest('%s %s has %s %s, not %s: it cannot be changed on an existing %s (delete it '
                                    'first)' % (spec.label, name, attr, existing.get(attr), asked[attr],
                                                spec.label), field=attr, kind='HTTPBadRequest')
    if not changes:
        return False, shown(existing), shown(existing)
    updated = spec.update(conn, context, existing['id'], {spec.member: changes})
    return True, shown(existing), shown(updated)


def ensure_rule(conn, context, body, state='present', check_mode=False):
    """A security group rule (no name: the rule is its attributes) present or absent; (changed, before, after)."""
    found = security_groups.find_rule(conn, context, {'security_group_rule': body})
    if state == 'absent':
        if found is None:
            return False, {}, {}
        if not check_mode:
            security_groups.delete_rule(conn, context, found['id'])
        return True, shown(found), {}
    if found is not None:
        return False, shown(found), shown(found)
    return True, {}, shown(security_groups.create_rule(conn, context, {'security_group_rule': body}))


def _with_interfaces(conn, view):
    if not view:
        return view
    return dict(view, interfaces=routers.interface_subnet_ids(conn, view['id']))


def ensure_router(conn, context, name, wanted, interfaces=None, state='present', check_mode=False):
    """A router with its gateway (in ``wanted``) and, when ``interfaces`` (subnet ids) is given, exactly those
    interfaces; absent removes its interfaces, then the router. Views carry ``interfaces``."""
    existing = find(conn, context, 'router', name, own=True)
    before = _with_interfaces(conn, shown(existing))
    if state == 'absent':
        if existing is None:
            return False, {}, {}
        if check_mode:
            return True, before, {}
        for subnet_id in before['interfaces']:
            routers.remove_interface(conn, context, existing['id'], {'subnet_id': subnet_id})
        routers.delete(conn, context, existing['id'])
        return True, before, {}
    changed, _b, after = ensure(conn, context, 'router', name, wanted)
    have = routers.interface_subnet_ids(conn, after['id'])
    if interfaces is not None:
        for subnet_id in have:
            if subnet_id not in interfaces:
                routers.remove_interface(conn, context, after['id'], {'subnet_id': subnet_id})
                changed = True
        for subnet_id in interfaces:
            if subnet_id not in have:
                routers.add_interface(conn, context, after['id'], {'subnet_id': subnet_id})
                changed = True
    return changed, before, _with_interfaces(conn, shown(routers.show(conn, context, after['id'])))


def ensure_floating_ip(conn, context, network=None, address=None, port_id=None, fixed_address=None,
                       description=None, state='present', check_mode=False):
    """A floating IP found by its ``address``, else by the port (and fixed address) it is associated with;
    present: made on the external ``network`` (an id) if missing, associated with ``port_id`` when given (moved
    there from another port); absent: released. Returns (changed, before, after)."""
    if not address and not port_id:
        raise errors.BadRequest('a floating IP is found by floating_ip_address, or by the port or server it is '
                                'associated with: give one', field='floating_ip_address', kind='HTTPBadRequest')
    mine = [f for f in floating_ips.list_floating_ips(conn, context) if f['project_id'] == context.project_id]
    if address:
        found = [f for f in mine if f['floating_ip_address'] == address]
    else:
        found = [f for f in mine if f['port_id'] == port_id and fixed_address in (None, f['fixed_ip_address'])]
    existing = shown(found[0]) if found else {}
    if state == 'absent':
        if not existing:
            return False, {}, {}
        if not check_mode:
            floating_ips.delete(conn, context, existing['id'])
        return True, existing, {}
    if not existing:
        if not network:
            raise errors.BadRequest('network (the external network) is required to allocate a floating IP',
                                    field='network', kind='HTTPBadRequest')
        body = {'floating_network_id': network}
        for key, value in (('floating_ip_address', address), ('port_id', port_id),
                           ('fixed_ip_address', fixed_address), ('description', description)):
            if value is not None:
                body[key] = value
        return True, {}, shown(floating_ips.create(conn, context, {'floatingip': body}))
    if network and network != existing['floating_network_id']:
        raise errors.BadRequest('floating IP %s is on network %s, not %s: it cannot move to another network'
                                % (existing['floating_ip_address'], existing['floating_network_id'], network),
                                field='network', kind='HTTPBadRequest')
    changes = {}
    if port_id and (port_id != existing['port_id'] or fixed_address not in (None, existing['fixed_ip_address'])):
        changes['port_id'] = port_id
        if fixed_address:
            changes['fixed_ip_address'] = fixed_address
    if description is not None and description != existing['description']:
        changes['description'] = description
    if not changes:
        return False, existing, existing
    return True, existing, shown(floating_ips.update(conn, context, existing['id'], {'floatingip': changes}))


def server_port(conn, context, server_uuid, network_id=None, field='server'):
    """The id of the server's first port (on ``network_id`` when given), as a floating IP's target."""
    t = table('ports')
    query = sa.select(t.c.id).where(t.c.device_id == server_uuid).order_by(t.c.created_at, t.c.id)
    if network_id:
        query = query.where(t.c.network_id == network_id)
    row = conn.execute(query).first()
    if row is None:
        raise errors.NotFound('server %s has no port%s' % (server_uuid, ' on network %s' % network_id
                                                           if network_id else ''), field=field,
                              kind='PortNotFound')
    return row.id


# ---- listing --------------------------------------------------------------------------------------

LISTERS = {
    'networks': networks.list_networks, 'subnets': subnets.list_subnets, 'ports': ports.list_ports,
    'security_groups': security_groups.list_groups, 'security_group_rules': security_groups.list_rules,
    'routers': routers.list_routers, 'floating_ips': floating_ips.list_floating_ips,
}


def listing(conn, context, resources, name=None, filters=None):
    """{resource: [views]} of the visible ``resources``, only those named (or with id) ``name`` and matching
    ``filters`` ({attribute: value}, Neutron's list filters) when given."""
    out = {}
    for resource in resources:
        items = LISTERS[resource](conn, context)
        if name is not None:
            items = [i for i in items if name in (i.get('id'), i.get('name'))]
        if filters:
            unknown = sorted(k for k in filters if items and k not in items[0])
            if unknown:
                raise errors.BadRequest('[%s] is invalid attribute for filtering' % ', '.join(unknown),
                                        field='filters', kind='HTTPBadRequest')
            items = [i for i in items if model.matches(i, dict((k, [v]) for k, v in filters.items()))]
        out[resource] = [shown(i) for i in items]
    return out


# ---- a desired-state file's networks ------------------------------------------------------------

NETWORK_KEYS = ('name', 'description', 'admin_state_up', 'shared', 'external', 'mtu', 'port_security_enabled',
                'provider_network_type', 'provider_physical_network', 'provider_segmentation_id', 'subnets')
SUBNET_KEYS = ('name', 'description', 'cidr', 'gateway_ip', 'no_gateway_ip', 'enable_dhcp', 'dns_nameservers',
               'allocation_pool_start', 'allocation_pool_end', 'host_routes')
GROUP_KEYS = ('name', 'description', 'stateful', 'rules')
RULE_KEYS = ('direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix',
             'remote_group', 'description')


def network_body(options):
    """A network create/update body from the module's (openstack.cloud's) option names; only those given."""
    out = {}
    for option, attr in (('description', 'description'), ('admin_state_up', 'admin_state_up'),
                         ('shared', 'shared'), ('external', 'router:external'), ('mtu', 'mtu'),
                         ('port_security_enabled', 'port_security_enabled'),
                         ('provider_network_type', 'provider:network_type'),
                         ('provider_physical_network', 'provider:physical_network'),
                         ('provider_segmentation_id', 'provider:segmentation_id')):
        if options.get(option) is not None:
            out[attr] = options[option]
    return out


def subnet_body(options, field='allocation_pool_start'):
    """A subnet body from the module's option names (one allocation pool from start/end, no_gateway_ip)."""
    out = dict((k, options[k]) for k in ('description', 'cidr', 'enable_dhcp', 'dns_nameservers', 'host_routes',
                                         'gateway_ip') if options.get(k) is not None)
    if options.get('no_gateway_ip'):
        if options.get('gateway_ip'):
            raise errors.BadRequest('gateway_ip and no_gateway_ip are mutually exclusive', field='no_gateway_ip',
                                    kind='HTTPBadRequest')
        out['gateway_ip'] = None
    start, end = options.get('allocation_pool_start'), options.get('allocation_pool_end')
    if bool(start) != bool(end):
        raise errors.BadRequest('allocation_pool_start and allocation_pool_end go together', field=field,
                                kind='HTTPBadRequest')
    if start:
        out['allocation_pools'] = [{'start': start, 'end': end}]
    return out


def rule_body(conn, context, group_id, options):
    """A rule body from the module's option names (``remote_group`` by name or id, in the group's project)."""
    out = {'security_group_id': group_id, 'direction': options.get('direction') or 'ingress'}
    for key in ('ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'description'):
        if options.get(key) is not None:
            out[key] = options[key]
    if options.get('remote_group'):
        out['remote_group_id'] = resolve(conn, context, 'security_group', options['remote_group'], 'remote_group')
    return out


def _check_keys(item, allowed, where):
    if not isinstance(item, dict) or not isinstance(item.get('name'), str) or not item['name']:
        raise errors.BadRequest('%s: must be a mapping with a name' % where, field=where, kind='HTTPBadRequest')
    unknown = sorted(str(k) for k in item if k not in allowed)
    if unknown:
        raise errors.BadRequest('%s (%s): unknown key(s) %s (allowed: %s)' % (where, item['name'], ', '.join(
            unknown), ', '.join(allowed)), field=where, kind='HTTPBadRequest')


def validate_set(nets, groups):
    """A desired-state file's ``networks`` and ``security_groups`` shapes, before anything is done."""
    for key, value in (('networks', nets), ('security_groups', groups)):
        if value is not None and not isinstance(value, list):
            raise errors.BadRequest('%s: must be a list of mappings, each with a name' % key, field=key,
                                    kind='HTTPBadRequest')
    for index, net in enumerate(nets or []):
        where = 'networks[%d]' % index
        _check_keys(net, NETWORK_KEYS, where)
        if not isinstance(net.get('subnets') or [], list):
            raise errors.BadRequest('%s.subnets: must be a list' % where, field='%s.subnets' % where,
                                    kind='HTTPBadRequest')
        for sub_index, sub in enumerate(net.get('subnets') or []):
            _check_keys(sub, SUBNET_KEYS, '%s.subnets[%d]' % (where, sub_index))
    for index, group in enumerate(groups or []):
        where = 'security_groups[%d]' % index
        _check_keys(group, GROUP_KEYS, where)
        for rule_index, rule in enumerate(group.get('rules') or []):
            unknown = sorted(str(k) for k in rule if k not in RULE_KEYS) if isinstance(rule, dict) else ['?']
            if unknown:
                raise errors.BadRequest('%s.rules[%d]: a mapping of %s (not %s)' % (
                    where, rule_index, ', '.join(RULE_KEYS), ', '.join(unknown)),
                    field='%s.rules[%d]' % (where, rule_index), kind='HTTPBadRequest')
    for key, items in (('networks', nets or []), ('security_groups', groups or [])):
        names = [i['name'] for i in items]
        twice = sorted(set(n for n in names if names.count(n) > 1))
        if twice:
            raise errors.BadRequest('%s: names must be unique in the set; %s listed twice' % (key, ', '.join(twice)),
                                    field=key, kind='HTTPBadRequest')


def _mark(conn, context, resource, resource_id, set_name):
    if set_name:
        conn.execute(table('network_marks').insert().values(
            resource=resource, resource_id=resource_id, set_name=set_name, project_id=context.project_id))


def _marked(conn, context, resource, set_name):
    t = table('network_marks')
    return [r.resource_id for r in conn.execute(
        sa.select(t.c.resource_id).where(t.c.resource == resource).where(t.c.set_name == set_name)
        .where(t.c.project_id == context.project_id).order_by(t.c.resource_id))]


def _unmark(conn, resource_id):
    t = table('network_marks')
    conn.execute(t.delete().where(t.c.resource_id == resource_id))


def _step(out, label, changed, before, after):
    if changed:
        out['changed'] = True
        out['diff']['before'][label] = before
        out['diff']['after'][label] = after


def converge_set(conn, context, nets, groups, set_name=None, prune=False):
    """A desired-state file's networks (with subnets) and security groups (with rules), in ``conn``'s transaction.

    New ones are marked with ``set_name``; ``prune`` removes what this set marked and no longer lists (rules of
    a listed group that the set does not list are left alone: the file lists the rules it wants). A pruned
    network still used by a port is left for a later run and reported in ``pending``.
    Returns {changed, networks: {name: id}, security_groups: {name: id}, pending: [labels], diff}."""
    validate_set(nets, groups)
    out = {'changed': False, 'networks': {}, 'security_groups': {}, 'pending': [],
           'diff': {'before': {}, 'after': {}}}
    for net in nets or []:
        label = 'network %s' % net['name']
        changed, before, after = ensure(conn, context, 'network', net['name'], network_body(net))
        if not before:
            _mark(conn, context, 'network', after['id'], set_name)
        _step(out, label, changed, before, after)
        out['networks'][net['name']] = after['id']
        for sub in net.get('subnets') or []:
            changed, before, after = ensure(conn, context, 'subnet', sub['name'], dict(
                subnet_body(sub), network_id=out['networks'][net['name']]),
                scope={'network_id': out['networks'][net['name']]})
            _step(out, 'subnet %s' % sub['name'], changed, before, after)
    for group in groups or []:
        changed, before, after = ensure(conn, context, 'security_group', group['name'], dict(
            (k, group[k]) for k in ('description', 'stateful') if group.get(k) is not None))
        if not before:
            _mark(conn, context, 'security_group', after['id'], set_name)
        out['security_groups'][group['name']] = after['id']
        rules_changed = False
        for rule in group.get('rules') or []:
            rules_changed |= ensure_rule(conn, context, rule_body(conn, context, after['id'], rule))[0]
        if rules_changed:
            after = shown(security_groups.show_group(conn, context, after['id']))
        _step(out, 'security group %s' % group['name'], changed or rules_changed, before, after)
    if prune and set_name:
        _prune(conn, context, set_name, out)
    return out


def _in_use(conn, resource, resource_id):
    """Whether a port still holds the network (other than its DHCP port) or has the security group."""
    if resource == 'security_group':
        members = table('port_security_groups')
        return conn.execute(sa.select(members.c.port_id)
                            .where(members.c.security_group_id == resource_id)).first() is not None
    t = table('ports')
    return conn.execute(sa.select(t.c.id).where(t.c.network_id == resource_id)
                        .where(t.c.device_owner.notin_(model.AUTO_DELETE_OWNERS))).first() is not None


def _prune(conn, context, set_name, out):
    for resource, listed, remove in (('security_group', out['security_groups'], security_groups.delete_group),
                                     ('network', out['networks'], networks.delete)):
        label = KINDS[resource].label
        for resource_id in _marked(conn, context, resource, set_name):
            if resource_id in listed.values():
                continue
            view = find(conn, context, resource, resource_id)
            if view is None:
                _unmark(conn, resource_id)
            elif _in_use(conn, resource, resource_id):
                out['pending'].append('%s %s' % (label, view['name']))
            else:
                remove(conn, context, resource_id)
                _unmark(conn, resource_id)
                _step(out, '%s %s' % (label, view['name']), True, shown(view), {})


def server_networks(conn, context, value, where, declared_ids=None):
    """A desired-state server's ``networks`` in Nova's request shape: "auto" / "none" as they are; each item a
    network (name or id), or {network, fixed_ip} or {port} (names or ids), to [{uuid, fixed_ip} | {port}].

    ``declared_ids``: {name: id} of the networks the same file declares (found first)."""
    if value in ('auto', 'none'):
        return value
    if not isinstance(value, list):
        raise errors.BadRequest('%s: must be "auto", "none" or a list of networks (names, or {network, fixed_ip} '
                                'or {port})' % where, field=where, kind='HTTPBadRequest')
    out = []
    for index, item in enumerate(value):
        field = '%s[%d]' % (where, index)
        if isinstance(item, str):
            item = {'network': item}
        if not isinstance(item, dict) or set(item) - set(('network', 'fixed_ip', 'port')) or \
                bool(item.get('network')) == bool(item.get('port')) or (item.get('port') and item.get('fixed_ip')):
            raise errors.BadRequest('%s: a network name or id, {network, fixed_ip} or {port}' % field, field=field,
                                    kind='HTTPBadRequest')
        if item.get('port'):
            out.append({'port': resolve(conn, context, 'port', item['port'], field)})
            continue
        network_id = (declared_ids or {}).get(item['network']) or resolve(
            conn, context, 'network', item['network'], field)
        out.append(dict({'uuid': network_id}, **({'fixed_ip': item['fixed_ip']} if item.get('fixed_ip') else {})))
    return out
