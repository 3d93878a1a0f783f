"""The network modules end to end through their argument specs (in-process, as the action plugin runs them), on
SQLite and MariaDB: check mode writes nothing, a second run changes nothing, diff mode, updates, refusals that
name the option and change nothing, and state=absent."""

import sqlalchemy as sa

from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process

TABLES = ('networks', 'subnets', 'ports', 'ip_allocations', 'security_groups', 'security_group_rules', 'routers')


def run(db, module, check_mode=False, **args):
    args.setdefault('project_id', 'demo')
    return run_in_process(module, module_definition(module), dict(args, database_url=db), check_mode=check_mode,
                          diff_mode=True)


def counts(db):
    store = Store(db)
    try:
        with store.read() as conn:
            return dict((t, conn.execute(sa.text('SELECT COUNT(*) FROM %s' % t)).scalar()) for t in TABLES)
    finally:
        store.dispose()


def ok(result):
    assert not result.get('failed'), result
    return result


def twice(db, module, **args):
    """Check mode (changes reported, nothing written), the real run, then a second run that changes nothing."""
    before = counts(db)
    checked = ok(run(db, module, check_mode=True, **args))
    assert counts(db) == before
    made = ok(run(db, module, **args))
    assert made['changed'] == checked['changed']
    again = ok(run(db, module, **args))
    assert not again['changed'] and again['diff']['before'] == again['diff']['after'], again['diff']
    assert not ok(run(db, module, check_mode=True, **args))['changed']
    return made


def test_network_subnet_port_group_rule_router_lifecycle(db_url):
    db = db_url
    made = twice(db, 'network', name='web-net', mtu=1400)
    assert made['changed'] and made['diff']['before'] == {} and made['network']['mtu'] == 1400
    net_id = made['id']
    changed = ok(run(db, 'network', name='web-net', mtu=1380, description='web'))
    assert changed['changed'] and changed['diff']['before']['mtu'] == 1400
    assert changed['diff']['after']['mtu'] == 1380 and changed['id'] == net_id

    sub = twice(db, 'subnet', name='web-sub', network='web-net', cidr='10.20.0.0/24',
                allocation_pool_start='10.20.0.10', allocation_pool_end='10.20.0.20', dns_nameservers=['10.20.0.1'])
    assert sub['subnet']['gateway_ip'] == '10.20.0.1' and sub['subnet']['network_id'] == net_id
    assert sub['subnet']['allocation_pools'] == [{'start': '10.20.0.10', 'end': '10.20.0.20'}]

    group = twice(db, 'security_group', name='web', description='web servers')
    assert [r['direction'] for r in group['security_group']['security_group_rules']] == ['egress', 'egress']
    rule = twice(db, 'security_group_rule', security_group='web', protocol='tcp', port_range_min=22,
                 port_range_max=22, remote_ip_prefix='0.0.0.0/0')
    assert rule['rule']['port_range_min'] == 22 and rule['rule']['security_group_id'] == group['id']
    twice(db, 'security_group_rule', security_group='web', protocol='icmp')

    port = twice(db, 'port', name='db', network='web-net', fixed_ips=[{'subnet': 'web-sub',
                                                                      'ip_address': '10.20.0.15'}],
                 security_groups=['web'])
    assert port['port']['fixed_ips'] == [{'subnet_id': sub['id'], 'ip_address': '10.20.0.15'}]
    assert port['port']['security_groups'] == [group['id']]
    # a port asking only for its subnet keeps the address it has
    assert not ok(run(db, 'port', name='db', network='web-net', fixed_ips=[{'subnet': 'web-sub'}],
                      security_groups=['web']))['changed']
    other = ok(run(db, 'port', name='other', network='web-net'))
    assert other['port']['fixed_ips'][0]['ip_address'] == '10.20.0.10'

    # an external network (admin's) and a router with its gateway there and an interface on web-sub
    ok(run(db, 'network', name='public', external=True, project_id='admin'))
    ok(run(db, 'subnet', name='public-sub', network='public', cidr='192.0.2.0/24', project_id='admin'))
    router = twice(db, 'router', name='r1', network='public', interfaces=['web-sub'])
    assert router['router']['interfaces'] == [sub['id']]
    assert router['router']['external_gateway_info']['external_fixed_ips'][0]['ip_address'].startswith('192.0.2.')
    kept = ok(run(db, 'router', name='r1'))
    assert not kept['changed'] and kept['router']['interfaces'] == [sub['id']]
    # a floating IP for the port, then moved to the other port at once, then released
    fip = twice(db, 'floating_ip', network='public', port='db')
    address = fip['floating_ip']['floating_ip_address']
    assert address.startswith('192.0.2.') and fip['floating_ip']['fixed_ip_address'] == '10.20.0.15'
    assert fip['floating_ip']['router_id'] == router['id']
    moved = ok(run(db, 'floating_ip', floating_ip_address=address, port='other'))
    assert moved['changed'] and moved['floating_ip']['fixed_ip_address'] == '10.20.0.10'
    assert moved['diff']['before']['port_id'] == port['id'] and moved['id'] == fip['id']
    assert not ok(run(db, 'floating_ip', floating_ip_address=address, port='other'))['changed']
    listed = ok(run(db, 'network_info', resources=['floating_ips']))
    assert [f['floating_ip_address'] for f in listed['floating_ips']] == [address]
    released = ok(run(db, 'floating_ip', floating_ip_address=address, state='absent'))
    assert released['changed'] and released['floating_ip'] is None
    assert not ok(run(db, 'floating_ip', floating_ip_address=address, state='absent'))['changed']
    out = run(db, 'floating_ip', network='web-net', port='db')
    assert out['failed'] and out['field'] == 'floating_network_id' and 'not a valid external network' in out['msg']
    emptied = ok(run(db, 'router', name='r1', network='public', interfaces=[]))
    assert emptied['changed'] and emptied['router']['interfaces'] == []

    listed = ok(run(db, 'network_info', resources=['networks', 'subnets', 'ports', 'routers'], is_admin=False))
    assert sorted(n['name'] for n in listed['networks']) == ['public', 'web-net']
    assert sorted(s['name'] for s in listed['subnets']) == ['public-sub', 'web-sub']
    assert sorted(p['name'] for p in listed['ports'] if p['name']) == ['db', 'other']
    only = ok(run(db, 'network_info', resources=['ports'], filters={'network_id': net_id}, name='db'))
    assert [p['id'] for p in only['ports']] == [port['id']]

    # absent: in check mode nothing goes; the network with ports is refused (409) naming it
    in_use = run(db, 'network', name='web-net', state='absent')
    assert in_use['failed'] and in_use['error'] == 'NetworkInUse' and net_id in in_use['msg']
    for module, name in (('router', 'r1'), ('port', 'db'), ('port', 'other'), ('security_group', 'web'),
                         ('subnet', 'web-sub'), ('network', 'web-net')):
        before = counts(db)
        assert ok(run(db, module, check_mode=True, name=name, state='absent'))['changed']
        assert counts(db) == before
        gone = ok(run(db, module, name=name, state='absent'))
        assert gone['changed'] and gone[module] is None
        assert gone['diff']['after'] == {} and gone['diff']['before']['name'] == name
        assert not ok(run(db, module, name=name, state='absent'))['changed']


def test_refusals_name_the_option_and_change_nothing(tmp_path):
    db = 'sqlite:///%s' % (tmp_path / 'store.db')
    ok(run(db, 'network', name='n1'))
    ok(run(db, 'subnet', name='s1', network='n1', cidr='10.0.0.0/24'))
    before = counts(db)
    cases = [
        (dict(module='subnet', name='s2', network='n1', cidr='10.0.0.128/25'), 'cidr', 'overlaps with another subnet'),
        (dict(module='subnet', name='s3', network='n1', cidr='10.1.0.7/24'), 'cidr', "isn't a recognized IP subnet"),
        (dict(module='subnet', name='s4', network='n1', cidr='10.2.0.0/24', gateway_ip='10.3.0.1'), 'gateway_ip',
         'Gateway'),
        (dict(module='subnet', name='s5', cidr='10.4.0.0/24'), 'network', 'network is required'),
        (dict(module='subnet', name='s6', network='nowhere', cidr='10.4.0.0/24'), 'network', 'nowhere'),
        (dict(module='subnet', name='s1', network='n1', cidr='10.9.0.0/24'), 'cidr', 'cannot be changed'),
        (dict(module='port', name='p1', network='n1', fixed_ips=[{'ip_address': '10.7.0.5'}]), 'fixed_ips', ''),
        (dict(module='port', name='p2', network='n1', security_groups=['nope']), 'security_groups', 'nope'),
        (dict(module='network', name='n2', shared=True, is_admin=False), 'shared', ''),
        (dict(module='security_group_rule', security_group='default', protocol='tcp', port_range_min=30,
              port_range_max=20), 'port_range_min', 'port_range_min must be <= port_range_max'),
        (dict(module='security_group_rule', security_group='default', protocol='bogus'), 'protocol', 'bogus'),
        (dict(module='router', name='r', network='n1'), 'external_gateway_info', 'not an external network'),
    ]
    for args, field, text in cases:
        out = run(db, **args)
        assert out.get('failed'), (args, out)
        assert out.get('field') == field, (args, out)
        assert text in out['msg'], (args, out)
    after = counts(db)
    # the default security group of the project may have been made by the first port attempt's check; nothing else
    ignored = dict(security_groups=0, security_group_rules=0)
    assert dict(after, **ignored) == dict(before, **ignored)
    assert after['ports'] == before['ports'] == 0
    # a port with an address already used
    ok(run(db, 'port', name='p3', network='n1', fixed_ips=[{'ip_address': '10.0.0.5'}]))
    out = run(db, 'port', name='p4', network='n1', fixed_ips=[{'ip_address': '10.0.0.5'}])
    assert out['failed'] and out['error'] == 'IpAddressInUse' and out['field'] == 'fixed_ips'


def test_database_url_is_no_log():
    for module in ('network', 'subnet', 'port', 'security_group', 'security_group_rule', 'router', 'floating_ip',
                   'network_info'):
        spec = module_definition(module).argument_spec
        assert spec['database_url']['no_log'] is True
        assert 'project_id' in spec
