"""The network model on SQLite and MariaDB: the allocator under concurrency, Neutron's refusals, quotas,
the default security group, and a server's ports from create to delete."""

import multiprocessing

import pytest
import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.compute import conductor, instances, server_actions
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict, InvalidRequest
from ansible_collections.novalite.compute.plugins.module_utils.network import (
    errors, floating_ips, host_plan, instance_ports, networks, ports, quotas, routers, security_groups, subnets,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

ADMIN = Context(user_id='admin', project_id='p-admin', is_admin=True)
DEMO = Context(user_id='demo', project_id='p-demo', is_admin=False)
OTHER = Context(user_id='other', project_id='p-other', is_admin=False)


def _net(store, context, cidr, **subnet):
    with store.begin() as conn:
        net = networks.create(conn, context, {'network': {'name': 'n-%s' % cidr}})
        sub = subnets.create(conn, context, {'subnet': dict({'network_id': net['id'], 'cidr': cidr}, **subnet)})
    return net, sub


def _counts(store):
    with store.read() as conn:
        return dict((t, conn.execute(sa.text('SELECT COUNT(*) FROM %s' % t)).scalar())
                    for t in ('networks', 'subnets', 'ports', 'ip_allocations', 'floating_ips', 'routers',
                              'security_groups', 'security_group_rules', 'port_security_groups'))


def _port_worker(db_url, network_id, count, queue):
    store = Store(db_url, migrate=False)
    got = []
    for _i in range(count):
        try:
            with store.begin() as conn:
                got.append(ports.create(conn, DEMO, {'port': {'network_id': network_id}})['fixed_ips'][0]['ip_address'])
        except errors.NeutronError as exc:
            got.append('%s %d' % (exc.kind, exc.code))
    store.dispose()
    queue.put(got)


def test_31_ports_racing_on_a_27_get_30_distinct_addresses_and_one_409(store, db_url):
    # no gateway and no DHCP port: the whole /27 but its network and broadcast addresses (30) is the pool
    net, _sub = _net(store, DEMO, '10.9.0.0/27', gateway_ip=None, enable_dhcp=False)
    ctx = multiprocessing.get_context('spawn')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_port_worker, args=(db_url, net['id'], 4 if w < 7 else 3, queue)) for w in range(8)]
    for proc in procs:
        proc.start()
    results = [item for _p in procs for item in queue.get(timeout=120)]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    addresses = [r for r in results if not r.startswith('IpAddress')]
    assert len(results) == 31
    assert len(addresses) == 30 and len(set(addresses)) == 30
    assert sorted(addresses, key=lambda a: int(a.rsplit('.', 1)[1])) == ['10.9.0.%d' % i for i in range(1, 31)]
    assert [r for r in results if r not in addresses] == ['IpAddressGenerationFailure 409']
    counts = _counts(store)
    assert (counts['ports'], counts['ip_allocations'], counts['port_security_groups']) == (30, 30, 30)
    with store.read() as conn:
        macs = [p['mac_address'] for p in ports.list_ports(conn, DEMO)]
    assert len(set(macs)) == 30 and all(m.startswith('fa:16:3e:') for m in macs)


@pytest.mark.parametrize('body,kind,code,text', [
    ({'cidr': '10.0.0.0/24'}, 'InvalidInput', 400,
     'Invalid input for operation: Requested subnet with cidr: 10.0.0.0/24 for network: {net} overlaps with another '
     'subnet.'),
    ({'cidr': '10.0.0.128/25'}, 'InvalidInput', 400, 'overlaps with another subnet'),
    ({'cidr': '10.1.0.7/24'}, 'HTTPBadRequest', 400,
     "Invalid input for cidr. Reason: '10.1.0.7/24' isn't a recognized IP subnet cidr, '10.1.0.0/24' is recommended."),
    ({'cidr': '10.1.0.300/24'}, 'HTTPBadRequest', 400,
     "Invalid input for cidr. Reason: '10.1.0.300/24' is not a valid IP subnet."),
    ({'cidr': '10.1.0.0/24', 'gateway_ip': '10.2.0.1'}, 'InvalidInput', 400,
     'Invalid input for operation: Gateway is not valid on subnet.'),
    ({'cidr': '10.1.0.0/24', 'gateway_ip': '10.1.0.5', 'allocation_pools': [{'start': '10.1.0.2', 'end': '10.1.0.9'}]},
     'GatewayConflictWithAllocationPools', 409, 'Gateway ip 10.1.0.5 conflicts with allocation pool 10.1.0.2-10.1.0.9.'),
    ({'cidr': '10.1.0.0/24', 'allocation_pools': [{'start': '10.1.0.2', 'end': '10.1.1.9'}]},
     'OutOfBoundsAllocationPool', 400, 'spans beyond the subnet cidr 10.1.0.0/24'),
])
def test_bad_subnets_are_neutrons_errors_and_change_nothing(store, body, kind, code, text):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    before = _counts(store)
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            subnets.create(conn, DEMO, {'subnet': dict(body, network_id=net['id'])})
    assert (err.value.kind, err.value.code) == (kind, code)
    assert text.format(net=net['id']) in err.value.message
    assert _counts(store) == before


def test_bad_ports_and_floating_ips(store):
    net, sub = _net(store, DEMO, '10.0.0.0/24')
    with store.begin() as conn:
        used = ports.create(conn, DEMO, {'port': {'network_id': net['id']}})['fixed_ips'][0]['ip_address']
    admin_net, _s = _net(store, ADMIN, '10.5.0.0/24')
    before = _counts(store)
    cases = [
        (DEMO, {'port': {'network_id': net['id'], 'fixed_ips': [{'subnet_id': sub['id'], 'ip_address': '10.3.0.5'}]}},
         'InvalidIpForSubnet', 400, 'IP address 10.3.0.5 is not a valid IP for the specified subnet.'),
        (DEMO, {'port': {'network_id': net['id'], 'fixed_ips': [{'ip_address': used}]}}, 'IpAddressInUse', 409,
         'Unable to complete operation for network %s. The IP address %s is in use.' % (net['id'], used)),
        (DEMO, {'port': {'network_id': admin_net['id']}}, 'NetworkNotFound', 404,
         'Network %s could not be found.' % admin_net['id']),
        (OTHER, {'port': {'network_id': net['id']}}, 'NetworkNotFound', 404, 'could not be found'),
        (DEMO, {'port': {'network_id': net['id'], 'project_id': 'p-other'}}, 'HTTPBadRequest', 400,
         "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin"),
    ]
    for context, body, kind, code, text in cases:
        with pytest.raises(errors.NeutronError) as err:
            with store.begin() as conn:
                ports.create(conn, context, body)
        assert (err.value.kind, err.value.code) == (kind, code) and text in err.value.message, err.value.message
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            floating_ips.create(conn, DEMO, {'floatingip': {'floating_network_id': net['id']}})
    assert err.value.code == 400
    assert err.value.message == 'Bad floatingip request: Network %s is not a valid external network.' % net['id']
    for attr in ('shared', 'router:external'):
        with pytest.raises(errors.NeutronError) as err:
            with store.begin() as conn:
                networks.create(conn, DEMO, {'network': {attr: True}})
        assert (err.value.kind, err.value.code) == ('PolicyNotAuthorized', 403)
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            networks.delete(conn, DEMO, net['id'])
    assert err.value.kind == 'NetworkInUse' and err.value.code == 409
    assert _counts(store) == before


def test_default_group_rules_quota_and_visibility(store):
    with store.begin() as conn:
        groups = security_groups.list_groups(conn, DEMO)
    assert [g['name'] for g in groups] == ['default']
    rules = sorted((r['direction'], r['ethertype'], r['remote_group_id']) for r in groups[0]['security_group_rules'])
    assert rules == [('egress', 'IPv4', None), ('egress', 'IPv6', None), ('ingress', 'IPv4', groups[0]['id']),
                     ('ingress', 'IPv6', groups[0]['id'])]
    with store.begin() as conn:
        assert security_groups.ensure_default(conn, 'p-demo') == groups[0]['id']   # only one, ever
    quotas.set_limits(store, 'p-demo', {'network': 2})
    _net(store, DEMO, '10.0.0.0/24')
    with store.begin() as conn:
        networks.create(conn, DEMO, {'network': {'name': 'second'}})
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            networks.create(conn, DEMO, {'network': {'name': 'third'}})
    assert (err.value.kind, err.value.code) == ('OverQuota', 409)
    assert err.value.message == "Quota exceeded for resources: ['network']."
    with store.begin() as conn:
        ext = networks.create(conn, ADMIN, {'network': {'name': 'ext', 'router:external': True}})
        assert [n['name'] for n in networks.list_networks(conn, OTHER)] == ['ext']
        assert 'provider:network_type' not in networks.list_networks(conn, OTHER)[0]
        assert networks.show(conn, ADMIN, ext['id'])['provider:network_type'] == 'vxlan'


def _server(store, context, name='vm', **request):
    return conductor.create_servers(store, context, dict({'name': name, 'flavor': {
        'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1, 'ephemeral_gb': 0,
        'swap': 0}, 'image': 'img'}, **request))


def test_server_ports_floating_ip_and_release(store, monkeypatch):
    monkeypatch.setattr(conductor, '_lookup_catalog', lambda *a, **k: (
        {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}, {'id': 'img'}, None, {}))
    net, sub = _net(store, DEMO, '10.0.0.0/24')
    with store.begin() as conn:
        mine = ports.create(conn, DEMO, {'port': {'network_id': net['id'], 'name': 'pre-made'}})
        ext = networks.create(conn, ADMIN, {'network': {'name': 'ext', 'router:external': True}})
        subnets.create(conn, ADMIN, {'subnet': {'network_id': ext['id'], 'cidr': '203.0.113.0/24'}})
        router = routers.create(conn, DEMO, {'router': {'name': 'r', 'external_gateway_info': {
            'network_id': ext['id']}}})
        routers.add_interface(conn, DEMO, router['id'], {'subnet_id': sub['id']})
    before = _counts(store)
    # refused requests leave nothing
    for request, error, text in (
            ({'networks': [{'port': mine['id']}], 'max_count': 2}, InvalidRequest, 'with a single configured port'),
            ({'networks': [{'uuid': net['id'], 'fixed_ip': mine['fixed_ips'][0]['ip_address']}]}, InvalidRequest,
             'is already in use'),
            ({'networks': [{'uuid': net['id']}], 'security_groups': ['nope']}, InvalidRequest,
             'Security group nope not found for project p-demo.')):
        with pytest.raises(error) as err:
            _server(store, DEMO, **request)
        assert text in err.value.message
    with pytest.raises(InvalidRequest, match='Port id %s could not be found.' % mine['id']):
        _server(store, OTHER, networks=[{'port': mine['id']}])
    assert _counts(store) == before
    with store.read() as conn:
        assert instances.page_instances(store, where=[], sort=[('id', 'asc')], limit=10)[0] == []
    # two networks ("auto" is then ambiguous), then a server on a new port and the pre-made one
    with pytest.raises(Conflict, match='More than one possible network found'):
        _net(store, DEMO, '10.7.0.0/24')
        _server(store, DEMO, networks='auto')
    server = _server(store, DEMO, networks=[{'uuid': net['id'], 'fixed_ip': '10.0.0.50'}, {'port': mine['id']}])[0]
    info = instances.get(store, server['uuid'])['network_info']
    assert [v['id'] for v in info][1] == mine['id'] and [v['preserve_on_delete'] for v in info] == [False, True]
    assert instance_ports.addresses(info) == {'n-10.0.0.0/24': [
        {'version': 4, 'addr': '10.0.0.50', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': info[0]['address']},
        {'version': 4, 'addr': mine['fixed_ips'][0]['ip_address'], 'OS-EXT-IPS:type': 'fixed',
         'OS-EXT-IPS-MAC:mac_addr': mine['mac_address']}]}
    with store.begin() as conn:
        bound = ports.list_ports(conn, DEMO, where=[sa.text("device_id = '%s'" % server['uuid'])])
        assert sorted(p['device_owner'] for p in bound) == ['compute:nova', 'compute:nova']
        fip = floating_ips.create(conn, DEMO, {'floatingip': {'floating_network_id': ext['id'],
                                                              'port_id': info[0]['id']}})
        assert fip['router_id'] == router['id'] and fip['fixed_ip_address'] == '10.0.0.50'
    info = instances.get(store, server['uuid'])['network_info']
    kinds = [a['OS-EXT-IPS:type'] for a in instance_ports.addresses(info)['n-10.0.0.0/24']]
    assert kinds == ['fixed', 'floating', 'fixed']
    with store.begin() as conn:
        instance_ports.bind_host(conn, server['uuid'], 'host-1')
        assert set(p['binding:host_id'] for p in ports.list_ports(conn, ADMIN) if p['device_id'] == server['uuid'])\
            == {'host-1'}
        # the host's plan has the router's part: the gateway it holds, the external network, the floating IP
        assert floating_ips.hosts(conn, fip['id']) == ['host-1'] == host_plan.hosts_of_network(conn, net['id'])
        assert host_plan.hosts_of_network(conn, ext['id']) == []     # the floating IP's own port is no compute port
        plan = host_plan.desired(conn, 'host-1')
        tenant = [n for n in plan['networks'] if n['id'] == net['id']][0]
        assert tenant['gateways'] == [{'subnet_id': sub['id'], 'ip': '10.0.0.1'}]
        assert ext['id'] in [n['id'] for n in plan['networks']]
        # the host's own port on the external network (Neutron DVR's agent gateway port): the router's other
        # traffic leaves SNATed to its address
        snat = [p for p in ports.list_ports(conn, ADMIN) if p['device_owner'] == host_plan.SNAT_OWNER]
        assert [(p['network_id'], p['binding:host_id'], p['project_id']) for p in snat] == [(ext['id'], 'host-1', '')]
        snat_ip = snat[0]['fixed_ips'][0]['ip_address']
        want = [(ext['id'], host_plan.EXTERNAL_TABLE,
                 [{'cidr': '10.0.0.0/24', 'bridge': host_plan.bridge_name(net['id']), 'snat': True}], snat_ip,
                 [{'id': fip['id'], 'floating_ip': fip['floating_ip_address'], 'fixed_ip': '10.0.0.50',
                   'port_id': info[0]['id']}])]
        assert [(e['network_id'], e['table'], e['sources'], e['snat_ip'], e['floating_ips'])
                for e in plan['external']] == want
        assert host_plan.desired(conn, 'host-1', leaving=[server['uuid']])['external'] == []
        # enable_snat off: the host needs no address there
        routers.update(conn, DEMO, router['id'], {'router': {'external_gateway_info': {
            'network_id': ext['id'], 'enable_snat': False}}})
        assert [p for p in ports.list_ports(conn, ADMIN) if p['device_owner'] == host_plan.SNAT_OWNER] == []
        assert [e['sources'][0]['snat'] for e in host_plan.desired(conn, 'host-1')['external']] == [False]
        routers.update(conn, DEMO, router['id'], {'router': {'external_gateway_info': {'network_id': ext['id']}}})
        assert len([p for p in ports.list_ports(conn, ADMIN) if p['device_owner'] == host_plan.SNAT_OWNER]) == 1
    # the server's delete removes the port it made (its floating IP disassociated) and unbinds the given one
    server_actions.start(store, server['uuid'], 'delete', DEMO)   # never on a host: deleted at once
    with store.read() as conn:
        left = dict((p['id'], p) for p in ports.list_ports(conn, ADMIN))
        fip = floating_ips.show(conn, DEMO, fip['id'])
    assert info[0]['id'] not in left
    assert [p for p in left.values() if p['device_owner'] == host_plan.SNAT_OWNER] == []   # the host needs none
    assert (left[mine['id']]['device_id'], left[mine['id']]['device_owner']) == ('', '')
    assert (fip['port_id'], fip['fixed_ip_address'], fip['status']) == (None, None, 'DOWN')


def test_another_projects_resources_are_not_found(store):
    """demo's network, port, group and router are not there for another project, nor is an admin's external
    network writable by demo; an admin-only attribute is refused; nothing changes."""
    net, sub = _net(store, DEMO, '10.0.0.0/24')
    with store.begin() as conn:
        port = ports.create(conn, DEMO, {'port': {'network_id': net['id']}})
        group = security_groups.create_group(conn, DEMO, {'security_group': {'name': 'web'}})
        router = routers.create(conn, DEMO, {'router': {'name': 'r'}})
        ext = networks.create(conn, ADMIN, {'network': {'name': 'ext', 'router:external': True}})
    before = _counts(store)
    calls = [(networks.show, net['id']), (networks.delete, net['id']), (subnets.delete, sub['id']),
             (ports.show, port['id']), (ports.delete, port['id']), (security_groups.delete_group, group['id']),
             (routers.delete, router['id'])]
    for call, ident in calls:
        with pytest.raises(errors.NeutronError) as err:
            with store.begin() as conn:
                call(conn, OTHER, ident)
        assert err.value.code == 404 and 'could not be found' in err.value.message, call
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            routers.add_interface(conn, OTHER, router['id'], {'subnet_id': sub['id']})
    assert err.value.code == 404
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            networks.delete(conn, DEMO, ext['id'])   # visible to all, the admin's to change
    assert err.value.code == 404
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            networks.create(conn, DEMO, {'network': {'provider:network_type': 'flat',
                                                     'provider:physical_network': 'physnet1'}})
    assert err.value.code == 403
    with pytest.raises(errors.NeutronError) as err:
        with store.begin() as conn:
            networks.create(conn, DEMO, {'network': {'name': '{{ lookup("pipe", "id") }}', 'colour': 'blue'}})
    assert err.value.message == "Unrecognized attribute(s) 'colour'"
    assert _counts(store) == before
