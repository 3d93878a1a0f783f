# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Security groups and their rules (Neutron's securitygroup extension), and each project's ``default`` group.

A project's ``default`` group is made on its first use (listing groups,
making a group, a network or a port), with Neutron's default rules: ingress
from members of the same group and all egress, for IPv4 and IPv6. The
``default_security_groups`` row (one per project) makes that race-free.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import errors, ipam, model, quotas
from ansible_collections.novalite.compute.plugins.module_utils.network.model import Attr
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
except ImportError:  # pragma: no cover
    sa = None
    IntegrityError = Exception

GROUP_ATTRS = {
    'name': Attr(model.text, default=''), 'description': Attr(model.text, default=''),
    'stateful': Attr(model.boolean, default=True), 'project_id': Attr(model.text, put=False),
    'tenant_id': Attr(model.text, put=False),
}
PROTOCOLS = {'icmp': 1, 'tcp': 6, 'udp': 17, 'icmpv6': 58, 'ipv6-icmp': 58, 'sctp': 132, 'gre': 47, 'esp': 50,
             'ah': 51, 'vrrp': 112, 'igmp': 2, 'dccp': 33, 'ipip': 4, 'any': None}
_PORTED = ('tcp', 'udp', 'sctp', 'dccp', '6', '17', '132', '33')
_ICMP = ('icmp', 'icmpv6', 'ipv6-icmp', '1', '58')


def _direction(attr, value):
    if value not in ('ingress', 'egress'):
        raise errors.invalid_attribute(attr, "'%s' is not in ['ingress', 'egress']" % (value,))
    return value


def _ethertype(attr, value):
    for known in ('IPv4', 'IPv6'):
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise errors.invalid_attribute(attr, "'%s' is not in ['IPv4', 'IPv6']" % (value,))


def _protocol(attr, value):
    if value is None:
        return None
    text = str(value).lower()
    if text in PROTOCOLS:
        return None if text == 'any' else text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise errors.BadRequest('Security group rule protocol %s not supported. Only protocol values %s and integer '
                            'representations [0 to 255] are supported.' % (value, sorted(PROTOCOLS)),
                            field=attr, kind='SecurityGroupRuleInvalidProtocol')


def _port(attr, value):
    return None if value is None else model.integer(attr, value)


RULE_ATTRS = {
    'security_group_id': Attr(model.uuid_value, put=False), 'direction': Attr(_direction, put=False),
    'ethertype': Attr(_ethertype, put=False, default='IPv4'), 'protocol': Attr(_protocol, put=False),
    'port_range_min': Attr(_port, put=False), 'port_range_max': Attr(_port, put=False),
    'remote_ip_prefix': Attr(None, put=False),
    'remote_group_id': Attr(lambda a, v: model.uuid_value(a, v, nullable=True), put=False),
    'remote_address_group_id': Attr(None, put=False), 'description': Attr(model.text, default=''),
    'project_id': Attr(model.text, put=False), 'tenant_id': Attr(model.text, put=False),
}


# ---- views ----------------------------------------------------------------------------------------

def rule_view(row):
    out = {'id': row.id, 'security_group_id': row.security_group_id, 'direction': row.direction,
           'ethertype': row.ethertype, 'protocol': row.protocol, 'port_range_min': row.port_range_min,
           'port_range_max': row.port_range_max, 'remote_ip_prefix': row.remote_ip_prefix,
           'remote_group_id': row.remote_group_id, 'remote_address_group_id': None,
           'normalized_cidr': row.remote_ip_prefix, 'description': row.description, 'belongs_to_default_sg': None}
    out.update(model.project_ids(row.project_id))
    out.update(model.stamps(row))
    return out


def _group_views(conn, rows):
    if not rows:
        return []
    rules = table('security_group_rules')
    defaults = table('default_security_groups')
    ids = [r.id for r in rows]
    by_group = {}
    for rule in conn.execute(sa.select(rules).where(rules.c.security_group_id.in_(ids))
                             .order_by(rules.c.created_at, rules.c.id)):
        by_group.setdefault(rule.security_group_id, []).append(rule_view(rule))
    default_ids = set(r.security_group_id for r in conn.execute(
        sa.select(defaults.c.security_group_id).where(defaults.c.security_group_id.in_(ids))))
    out = []
    for row in rows:
        view = {'id': row.id, 'name': row.name, 'description': row.description, 'stateful': row.stateful,
                'security_group_rules': by_group.get(row.id, []), 'shared': False, 'tags': [],
                'is_default': row.id in default_ids}
        for rule in view['security_group_rules']:
            rule['belongs_to_default_sg'] = view['is_default']
        view.update(model.project_ids(row.project_id))
        view.update(model.stamps(row))
        out.append(view)
    return out


# ---- the default group ----------------------------------------------------------------------------

def _insert_rule(conn, project_id, group_id, direction, ethertype, remote_group_id=None, **values):
    rule_id = model.new_id()
    conn.execute(table('security_group_rules').insert().values(
        id=rule_id, project_id=project_id, security_group_id=group_id, direction=direction, ethertype=ethertype,
        remote_group_id=remote_group_id, created_at=model.now(), **values))
    return rule_id


def ensure_default(conn, project_id):
    """The id of ``project_id``'s default group, made (with Neutron's default rules) when it has none."""
    defaults = table('default_security_groups')
    found = conn.execute(sa.select(defaults.c.security_group_id).where(defaults.c.project_id == project_id)).scalar()
    if found or not project_id:
        return found
    group_id = model.new_id()
    try:
        with conn.begin_nested():
            conn.execute(table('security_groups').insert().values(
                id=group_id, project_id=project_id, name='default', description='Default security group',
                stateful=True, created_at=model.now()))
            conn.execute(defaults.insert().values(project_id=project_id, security_group_id=group_id))
    except IntegrityError:   # another transaction made it first
        return conn.execute(sa.select(defaults.c.security_group_id)
                            .where(defaults.c.project_id == project_id)).scalar()
    for ethertype in ('IPv4', 'IPv6'):
        _insert_rule(conn, project_id, group_id, 'ingress', ethertype, remote_group_id=group_id)
        _insert_rule(conn, project_id, group_id, 'egress', ethertype)
    return group_id


# ---- groups ---------------------------------------------------------------------------------------

def list_groups(conn, context):
    ensure_default(conn, context.project_id)
    return _group_views(conn, conn.execute(model.owned('security_groups', context)).all())


def get_row(conn, context, group_id, field='security_group'):
    return model.fetch(conn, model.owned('security_groups', context), group_id, 'SecurityGroupNotFound',
                       'Security group', field)


def show_group(conn, context, group_id):
    return _group_views(conn, [get_row(conn, context, group_id)])[0]


def create_group(conn, context, body):
    spec = model.parse('security_group', body, GROUP_ATTRS, create=True)
    project_id = model.owner(context, spec)
    ensure_default(conn, project_id)
    if spec['name'] == 'default':
        raise errors.Conflict('Default security group already exists.', field='name',
                              kind='SecurityGroupDefaultAlreadyExists')
    quotas.check(conn, project_id, {'security_group': 1, 'security_group_rule': 2})
    group_id = model.new_id()
    conn.execute(table('security_groups').insert().values(
        id=group_id, project_id=project_id, name=spec['name'], description=spec['description'],
        stateful=spec['stateful'], created_at=model.now()))
    # Neutron gives every new group the egress rules
    for ethertype in ('IPv4', 'IPv6'):
        _insert_rule(conn, project_id, group_id, 'egress', ethertype)
    return show_group(conn, context, group_id)


def update_group(conn, context, group_id, body):
    spec = model.parse('security_group', body, GROUP_ATTRS, create=False)
    row = get_row(conn, context, group_id)
    if row.name == 'default' and spec.get('name', 'default') != 'default':
        raise errors.Conflict('Updating default security group not allowed.', field='name',
                              kind='SecurityGroupCannotUpdateDefault')
    if spec:
        model.touch(conn, 'security_groups', group_id, **spec)
    return show_group(conn, context, group_id)


def delete_group(conn, context, group_id):
    row = get_row(conn, context, group_id)
    defaults = table('default_security_groups')
    is_default = conn.execute(sa.select(defaults.c.project_id)
                              .where(defaults.c.security_group_id == group_id)).first() is not None
    if is_default and not context.is_admin:
        raise errors.Conflict('Insufficient rights for removing default security group.', field='security_group',
                              kind='SecurityGroupCannotRemoveDefault')
    members = table('port_security_groups')
    if conn.execute(sa.select(members.c.port_id).where(members.c.security_group_id == group_id)).first():
        raise errors.Conflict('Security Group %s in use.' % group_id, field='security_group',
                              kind='SecurityGroupInUse')
    rules = table('security_group_rules')
    conn.execute(rules.delete().where(sa.or_(rules.c.security_group_id == row.id, rules.c.remote_group_id == row.id)))
    conn.execute(defaults.delete().where(defaults.c.security_group_id == row.id))
    conn.execute(table('security_groups').delete().where(table('security_groups').c.id == row.id))


def resolve(conn, project_id, refs, is_admin=False):
    """Group ids for ``refs`` (ids or names, Nova passes either) in ``project_id``; None for a missing one."""
    ensure_default(conn, project_id)
    t = table('security_groups')
    rows = conn.execute(sa.select(t.c.id, t.c.name, t.c.project_id)
                        .where(sa.or_(t.c.project_id == project_id, sa.literal(bool(is_admin))))).all()
    out = []
    for ref in refs:
        by_id = [r.id for r in rows if r.id == ref]
        by_name = [r.id for r in rows if r.name == ref and r.project_id == project_id]
        if by_id:
            out.append(by_id[0])
        elif len(by_name) == 1:
            out.append(by_name[0])
        elif by_name:
            raise errors.Conflict('Multiple security_group matches found for name \'%s\', use an ID to be more '
                                  'specific.' % ref, field='security_groups', kind='NoUniqueMatch')
        else:
            out.append(None)
    return out


# ---- rules ----------------------------------------------------------------------------------------

def list_rules(conn, context):
    ensure_default(conn, context.project_id)
    rows = conn.execute(model.owned('security_group_rules', context))
    return _with_default_flag(conn, [rule_view(r) for r in rows])


def _with_default_flag(conn, views):
    defaults = table('default_security_groups')
    default_ids = set(r.security_group_id for r in conn.execute(sa.select(defaults.c.security_group_id)))
    for view in views:
        view['belongs_to_default_sg'] = view['security_group_id'] in default_ids
    return views


def show_rule(conn, context, rule_id):
    row = model.fetch(conn, model.owned('security_group_rules', context), rule_id, 'SecurityGroupRuleNotFound',
                      'Security group rule', 'security_group_rule')
    return _with_default_flag(conn, [rule_view(row)])[0]


def _check_rule(spec):
    protocol = spec.get('protocol')
    low, high = spec.get('port_range_min'), spec.get('port_range_max')
    if protocol in _PORTED:
        if (low is None) != (high is None) and low is None:
            raise errors.BadRequest('For TCP/UDP protocols, port_range_min must be <= port_range_max',
                                    field='port_range_min', kind='SecurityGroupInvalidPortRange')
        for value in (low, high):
            if value is not None and not 0 < value <= 65535:
                raise errors.BadRequest('Invalid value for port %s' % value, field='port_range_min',
                                        kind='SecurityGroupInvalidPortValue')
        if low is not None and high is not None and low > high:
            raise errors.BadRequest('For TCP/UDP protocols, port_range_min must be <= port_range_max',
                                    field='port_range_min', kind='SecurityGroupInvalidPortRange')
    elif protocol in _ICMP:
        for attr, value in (('type', low), ('code', high)):
            if value is not None and not 0 <= value <= 255:
                raise errors.BadRequest('Invalid value for ICMP %s (port_range_%s): %s'
                                        % (attr, 'min' if attr == 'type' else 'max', value),
                                        field='port_range_min', kind='SecurityGroupInvalidIcmpValue')
        if low is None and high is not None:
            raise errors.BadRequest('ICMP code (port-range-max) %s is provided but ICMP type (port-range-min) is '
                                    'missing.' % high, field='port_range_max', kind='SecurityGroupMissingIcmpType')
    elif low is not None or high is not None:
        raise errors.BadRequest('Invalid protocol %s for port range, only supported for TCP, UDP, UDPLITE, SCTP '
                                'and DCCP.' % protocol, field='port_range_min', kind='SecurityGroupInvalidProtocolForPortRange')
    prefix = spec.get('remote_ip_prefix')
    if prefix is not None:
        if not isinstance(prefix, str):
            raise errors.invalid_attribute('remote_ip_prefix', "'%s' is not a valid IP subnet" % (prefix,))
        if '/' not in prefix:
            prefix = prefix + ('/128' if ':' in prefix else '/32')
        net = ipam.netaddr.IPNetwork(ipam.cidr('remote_ip_prefix', str(_network_of(prefix))))
        if (net.version == 4) != (spec['ethertype'] == 'IPv4'):
            raise errors.BadRequest('Conflicting value ethertype %s for CIDR %s' % (spec['ethertype'], prefix),
                                    field='remote_ip_prefix', kind='SecurityGroupRuleParameterConflict')
        spec['remote_ip_prefix'] = str(net)
        if spec.get('remote_group_id'):
            raise errors.BadRequest('Only remote_ip_prefix or remote_group_id may be provided.',
                                    field='remote_ip_prefix', kind='SecurityGroupRemoteGroupAndRemoteIpPrefix')


def _network_of(prefix):
    try:
        return ipam.netaddr.IPNetwork(prefix).cidr
    except (ValueError, TypeError, ipam.netaddr.AddrFormatError):
        raise errors.invalid_attribute('remote_ip_prefix', "'%s' is not a valid IP subnet" % (prefix,))


_RULE_KEYS = ('direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix',
              'remote_group_id')


def _rule_spec(conn, context, body):
    """A rule create's checked and normalised attributes, its group's row, its project, and the same rule if the
    group has it (in the order of the API's checks)."""
    spec = model.parse('security_group_rule', body, RULE_ATTRS, create=True)
    for required in ('security_group_id', 'direction'):
        if required not in spec:
            raise errors.BadRequest("Failed to parse request. Required attribute '%s' not specified" % required,
                                    field=required, kind='HTTPBadRequest')
    spec.pop('remote_address_group_id', None)
    group = get_row(conn, context, spec['security_group_id'], field='security_group_id')
    project_id = model.owner(context, spec) if ('project_id' in spec or 'tenant_id' in spec) else group.project_id
    if spec.get('remote_group_id'):
        get_row(conn, context, spec['remote_group_id'], field='remote_group_id')
    _check_rule(spec)
    rules = table('security_group_rules')
    same = None
    for existing in conn.execute(sa.select(rules).where(rules.c.security_group_id == group.id)):
        if all(getattr(existing, k) == spec.get(k) for k in _RULE_KEYS):
            same = existing
            break
    return spec, group, project_id, same


def find_rule(conn, context, body):
    """The rule of the group that is the one ``body`` would create (Neutron's duplicate check), or None."""
    same = _rule_spec(conn, context, body)[3]
    return None if same is None else _with_default_flag(conn, [rule_view(same)])[0]


def create_rule(conn, context, body):
    spec, group, project_id, existing = _rule_spec(conn, context, body)
    keys = _RULE_KEYS
    if existing is not None:
        raise errors.Conflict('Security group rule already exists. Rule id is %s.' % existing.id,
                              field='security_group_rule', kind='SecurityGroupRuleExists')
    quotas.check(conn, project_id, {'security_group_rule': 1})
    values = dict((k, spec.get(k)) for k in keys if k not in ('direction', 'ethertype', 'remote_group_id'))
    rule_id = _insert_rule(conn, project_id, group.id, spec['direction'], spec['ethertype'],
                           remote_group_id=spec.get('remote_group_id'), description=spec.get('description', ''),
                           **values)
    model.touch(conn, 'security_groups', group.id)
    return show_rule(conn, context, rule_id)


def delete_rule(conn, context, rule_id):
    rule = show_rule(conn, context, rule_id)
    t = table('security_group_rules')
    conn.execute(t.delete().where(t.c.id == rule_id))
    model.touch(conn, 'security_groups', rule['security_group_id'])
