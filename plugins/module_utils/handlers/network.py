# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The network modules' handlers (controller side): options in openstack.cloud's words to network/declared.py.

Each runs in one transaction of the state store (rolled back in check mode), with the requester's context
(``project_id``, ``user_id``, ``is_admin``), and returns the resource, ``changed`` and a diff.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import declared, errors


def _apply(call, work):
    context = call.context()
    with declared.transaction(call.store, call.check_mode) as conn:
        return work(conn, context)


def _result(key, changed, before, after):
    return {'changed': changed, key: after or None, 'id': (after or before or {}).get('id'),
            'diff': {'before': before, 'after': after}}


def _required_for_create(conn, context, kind, p, option):
    """A new resource needs ``option`` (a subnet's network ...): an error naming it when missing."""
    if p['state'] == 'present' and not p.get(option) and declared.find(conn, context, kind, p['name'],
                                                                       own=True) is None:
        raise errors.BadRequest('%s is required to create %s %s' % (option, declared.KINDS[kind].label, p['name']),
                                field=option, kind='HTTPBadRequest')


def _network_scope(conn, context, p):
    """{network_id} of the ``network`` option; None when it is gone and the resource is to be absent (so is it)."""
    if p['state'] == 'absent' and declared.find(conn, context, 'network', p['network']) is None:
        return None
    return {'network_id': declared.resolve(conn, context, 'network', p['network'], 'network')}


def network(call):
    p = call.params

    def work(conn, context):
        return declared.ensure(conn, context, 'network', p['name'], declared.network_body(p), p['state'],
                               check_mode=call.check_mode)
    return _result('network', *_apply(call, work))


def subnet(call):
    p = call.params

    def work(conn, context):
        scope = None
        body = declared.subnet_body(p) if p['state'] == 'present' else {}
        if p.get('network'):
            scope = _network_scope(conn, context, p)
            if scope is None:
                return False, {}, {}
            body['network_id'] = scope['network_id']
        if p.get('ip_version') is not None:
            body['ip_version'] = p['ip_version']
        _required_for_create(conn, context, 'subnet', p, 'network')
        _required_for_create(conn, context, 'subnet', p, 'cidr')
        return declared.ensure(conn, context, 'subnet', p['name'], body, p['state'], scope=scope,
                               check_mode=call.check_mode)
    return _result('subnet', *_apply(call, work))


def _group_ids(conn, context, refs, field):
    return [declared.resolve(conn, context, 'security_group', ref, field) for ref in refs]


def port(call):
    p = call.params

    def work(conn, context):
        scope, body = None, {}
        if p.get('network'):
            scope = _network_scope(conn, context, p)
            if scope is None:
                return False, {}, {}
            body['network_id'] = scope['network_id']
        _required_for_create(conn, context, 'port', p, 'network')
        if p['state'] == 'present':
            for key in ('description', 'admin_state_up', 'mac_address', 'port_security_enabled', 'device_id',
                        'device_owner'):
                if p.get(key) is not None:
                    body[key] = p[key]
            if p.get('fixed_ips') is not None:
                body['fixed_ips'] = [_fixed_ip(conn, context, item, scope, index)
                                     for index, item in enumerate(p['fixed_ips'])]
            if p.get('no_security_groups'):
                body['security_groups'] = []
            elif p.get('security_groups') is not None:
                body['security_groups'] = _group_ids(conn, context, p['security_groups'], 'security_groups')
        return declared.ensure(conn, context, 'port', p['name'], body, p['state'], scope=scope,
                               check_mode=call.check_mode)
    return _result('port', *_apply(call, work))


def _fixed_ip(conn, context, item, scope, index):
    field = 'fixed_ips[%d]' % index
    unknown = sorted(set(item) - set(('subnet_id', 'subnet', 'ip_address')))
    if unknown or not item:
        raise errors.BadRequest('%s: give subnet (name or id) and/or ip_address, not %s' % (field, ', '.join(
            unknown) or 'nothing'), field=field, kind='HTTPBadRequest')
    out = {}
    subnet_ref = item.get('subnet_id') or item.get('subnet')
    if subnet_ref:
        out['subnet_id'] = declared.resolve(conn, context, 'subnet', subnet_ref, field, scope=scope)
    if item.get('ip_address'):
        out['ip_address'] = item['ip_address']
    return out


def security_group(call):
    p = call.params

    def work(conn, context):
        body = dict((k, p[k]) for k in ('description', 'stateful') if p.get(k) is not None)
        return declared.ensure(conn, context, 'security_group', p['name'], body, p['state'],
                               check_mode=call.check_mode)
    return _result('security_group', *_apply(call, work))


def security_group_rule(call):
    p = call.params

    def work(conn, context):
        if p['state'] == 'absent' and declared.find(conn, context, 'security_group', p['security_group']) is None:
            return False, {}, {}    # its group is gone, so is the rule
        group_id = declared.resolve(conn, context, 'security_group', p['security_group'], 'security_group')
        return declared.ensure_rule(conn, context, declared.rule_body(conn, context, group_id, p), p['state'],
                                    check_mode=call.check_mode)
    return _result('rule', *_apply(call, work))


def router(call):
    p = call.params

    def work(conn, context):
        body = dict((k, p[k]) for k in ('description', 'admin_state_up') if p.get(k) is not None)
        if p.get('network'):
            info = {'network_id': declared.resolve(conn, context, 'network', p['network'], 'network')}
            if p.get('enable_snat') is not None:
                info['enable_snat'] = p['enable_snat']
            if p.get('external_fixed_ips') is not None:
                info['external_fixed_ips'] = [_fixed_ip(conn, context, item, {'network_id': info['network_id']}, i)
                                              for i, item in enumerate(p['external_fixed_ips'])]
            body['external_gateway_info'] = info
        elif p.get('enable_snat') is not None or p.get('external_fixed_ips'):
            raise errors.BadRequest('enable_snat and external_fixed_ips need network (the external gateway)',
                                    field='network', kind='HTTPBadRequest')
        interfaces = None
        if p.get('interfaces') is not None:
            interfaces = [declared.resolve(conn, context, 'subnet', ref, 'interfaces[%d]' % i)
                          for i, ref in enumerate(p['interfaces'])]
        return declared.ensure_router(conn, context, p['name'], body, interfaces, p['state'],
                                      check_mode=call.check_mode)
    return _result('router', *_apply(call, work))


def floating_ip(call):
    p = call.params
    server_uuid = None
    if p.get('server'):
        from ansible_collections.novalite.compute.plugins.module_utils.compute import desired, instances
        by_uuid = instances.is_uuid_like(p['server'])
        found = desired.find(call.store, {'name': p['server'], 'uuid': p['server'] if by_uuid else None},
                             call.context())
        if found is None:
            if p['state'] == 'absent':
                return _result('floating_ip', False, {}, {})
            raise errors.NotFound('server %s could not be found' % p['server'], field='server',
                                  kind='InstanceNotFound')
        server_uuid = found['uuid']

    def work(conn, context):
        network_id = p.get('network') and declared.resolve(conn, context, 'network', p['network'], 'network')
        port_id = None
        if p.get('port'):
            port_id = declared.resolve(conn, context, 'port', p['port'], 'port')
        elif server_uuid:
            target = p.get('nat_destination') and declared.resolve(conn, context, 'network', p['nat_destination'],
                                                                   'nat_destination')
            port_id = declared.server_port(conn, context, server_uuid, target)
        return declared.ensure_floating_ip(conn, context, network_id, p.get('floating_ip_address'), port_id,
                                           p.get('fixed_address'), p.get('description'), p['state'],
                                           check_mode=call.check_mode)
    return _result('floating_ip', *_apply(call, work))


def network_info(call):
    p = call.params
    context = call.context()
    # a write transaction, as the API's list: listing security groups makes the project's default one
    with declared.transaction(call.store) as conn:
        found = declared.listing(conn, context, p['resources'], p.get('name'), p.get('filters'))
    return dict(found, changed=False)
