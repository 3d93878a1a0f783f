"""Desired state of servers: the playbooks' project, the server module's states, a desired-state set as one batch."""

import subprocess

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import flavors, images
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    conductor, converge, desired, instances, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute import context as context_mod
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InvalidInput, NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

RUNNING_POWER = 1
TINY = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1}


@pytest.fixture
def cloud(store, tmp_path):
    """Two up hosts, m1.tiny and an image: enough to create and schedule servers."""
    source = str(tmp_path / 'disk.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', source, '16M'], check=True)
    flavors.create(store, 'm1.tiny', 1, 512, 1, flavorid='1')
    images.register(store, str(tmp_path / 'images'), 'img', source, disk_format='qcow2',
                    container_format='bare', visibility='public')
    add_host(store, 'node1')
    add_host(store, 'node2')
    return store


def _identity(store, *projects):
    """Identity rows as `novalite_api bootstrap` and `openstack project create` leave them."""
    ids = {}
    with store.begin() as conn:
        for name in projects:
            ids[name] = 'id-%s' % name
            conn.execute(table('projects').insert().values(id=ids[name], name=name, domain_id='default',
                                                           enabled=True, created_at=utcnow()))
        conn.execute(table('users').insert().values(id='id-admin-user', name='admin', domain_id='default',
                                                    enabled=True, created_at=utcnow()))
    return ids


def _booted(store, calls):
    """What host_calls.yml records after the hosts did the calls."""
    for call in calls:
        power = {'running': RUNNING_POWER, 'stopped': 4, 'paused': 3, 'suspended': 7, 'absent': 0}[call['state']]
        conductor.record_result(store, call['server'], call['action'], call['request_id'],
                                host_result={'changed': True, 'power_state': power})


def _server(name, state=None, **extra):
    spec = dict(name=name, flavor='m1.tiny', image='img', **extra)
    if state:
        spec['state'] = state
    return spec


# ---- the project playbooks act in (bug 2) ------------------------------------------------------

def test_playbook_project_resolves_to_the_admin_projects_id(store):
    ids = _identity(store, 'admin', 'demo')
    ctx = context_mod.for_playbook(store)
    assert (ctx.project_id, ctx.user_id) == (ids['admin'], 'id-admin-user')
    assert context_mod.for_playbook(store, 'demo').project_id == ids['demo']
    assert context_mod.for_playbook(store, ids['demo']).project_id == ids['demo']
    with pytest.raises(NotFound) as err:
        context_mod.for_playbook(store, 'nope')
    assert err.value.field == 'project_id'


def test_playbook_project_without_identity_rows_is_taken_as_given(store):
    assert context_mod.for_playbook(store).project_id == 'admin'
    assert context_mod.for_playbook(store, 'team-a').project_id == 'team-a'


def test_servers_made_by_playbooks_carry_the_real_project_id(cloud):
    ids = _identity(cloud, 'admin')
    ctx = context_mod.for_playbook(cloud)
    made = desired.ensure(cloud, _server('vm1'), 'running', ctx)
    assert made['server']['project_id'] == ids['admin']
    # the API's admin lists it under the admin project like any other
    assert [i['display_name'] for i in instances.list_instances(cloud, project_id=ids['admin'])] == ['vm1']


def _module(module, db_url, modes=None, **args):
    """The controller-side ``module`` run as its action plugin runs it (validated options, its handler);
    ``modes``: check_mode / diff_mode."""
    from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import (
        module_definition, run_in_process)
    return run_in_process(module, module_definition(module), dict(args, database_url=db_url), **(modes or {}))


def test_playbook_keypair_is_the_admin_users_and_found_by_the_server_module(cloud, db_url):
    _identity(cloud, 'admin')
    made = _module('keypair', db_url, name='k1')
    assert made['changed'] and made['keypair']['user_id'] == 'id-admin-user'
    # the same user by name and by id: the same key, nothing to change
    for user in ('admin', 'id-admin-user'):
        again = _module('keypair', db_url, name='k1', user=user, public_key=made['keypair']['public_key'])
        assert not again.get('failed') and again['changed'] is False, again
    nobody = _module('keypair', db_url, name='k2', user='nobody')
    assert nobody['failed'] and nobody['field'] == 'user'
    # the server module acts as the same user, so its key_name finds the playbook's key
    server = desired.ensure(cloud, _server('vm1', key_name='k1'), 'running', context_mod.for_playbook(cloud))
    assert server['server']['key_name'] == 'k1'


def test_playbook_keypair_without_identity_rows_is_taken_as_given(store, db_url):
    assert _module('keypair', db_url, name='k1')['keypair']['user_id'] == 'admin'


def test_playbook_server_group_carries_real_project_and_user_ids(store, db_url):
    ids = _identity(store, 'admin', 'demo')
    made = _module('server_group', db_url, name='g1', policy='affinity')['server_group']
    assert (made['project_id'], made['user_id']) == (ids['admin'], 'id-admin-user')
    in_demo = _module('server_group', db_url, name='g1', policy='anti-affinity', project_id='demo')
    assert in_demo['changed'] and in_demo['server_group']['project_id'] == ids['demo']
    # a name is looked up in its project: the demo group by the project's name or id
    gone = _module('server_group', db_url, name='g1', state='absent', project_id=ids['demo'])
    assert gone['changed'] and gone['server_group']['policy'] == 'anti-affinity'
    missing = _module('server_group', db_url, name='g1', policy='affinity', project_id='nope')
    assert missing['failed'] and missing['field'] == 'project_id'


def test_server_info_project_by_name_or_id(store, db_url):
    ids = _identity(store, 'admin', 'demo')
    with store.begin() as conn:
        for name, project in (('a1', ids['admin']), ('d1', ids['demo'])):
            instances.create(conn, {'display_name': name, 'project_id': project, 'user_id': 'id-admin-user',
                                    'flavor': TINY, 'image': {'id': 'img'}})

    def names(**args):
        return sorted(s['display_name'] for s in _module('server_info', db_url, **args)['servers'])

    assert names() == ['a1', 'd1']
    assert names(project_id='demo') == names(project_id=ids['demo']) == ['d1']
    assert _module('server_info', db_url, server='d1', project_id='demo')['servers'][0]['display_name'] == 'd1'
    assert _module('server_info', db_url, project_id='nope')['field'] == 'project_id'


# ---- the server module's states ----------------------------------------------------------------

def _row(vm_state, task_state=None, host='node1'):
    return {'display_name': 'vm', 'uuid': 'u', 'vm_state': vm_state, 'task_state': task_state, 'host': host,
            'status': S.api_status(vm_state, task_state), 'locked': False}


def test_present_leaves_the_power_alone():
    for vm_state in (S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED):
        decision = desired.decide(_row(vm_state), 'present')
        assert decision.action is None and decision.sync, vm_state
    assert desired.decide(_row(S.STOPPED), 'running').action == 'start'
    assert desired.decide(_row(S.ACTIVE), 'stopped').action == 'stop'


def test_a_new_server_asked_stopped_is_booted_then_moved():
    assert desired.decide(None, 'stopped') == desired.Decision('create', False, 'stopped')
    assert desired.decide(None, 'running') == desired.Decision('create', False, None)
    assert desired.decide(None, 'present') == desired.Decision('create', False, None)
    assert desired.decide(None, 'absent') == desired.Decision(None, False, None)


def test_busy_or_error_asked_to_change_fails_clearly():
    with pytest.raises(InstanceInvalidState) as err:
        desired.decide(_row(S.ACTIVE, S.POWERING_OFF), 'paused')
    assert 'busy' in err.value.message and 'powering-off' in err.value.message
    with pytest.raises(InstanceInvalidState) as err:
        desired.decide(_row(S.ERROR), 'running', fault='No valid host was found.')
    assert 'ERROR' in err.value.message and 'No valid host' in err.value.message
    # what is under way gets there, and present asks nothing: no failure
    assert desired.decide(_row(S.BUILDING, S.SPAWNING), 'running').action is None
    assert desired.decide(_row(S.ACTIVE, S.POWERING_OFF), 'stopped').action is None
    assert desired.decide(_row(S.ERROR), 'present').action is None
    assert desired.decide(_row(S.ERROR), 'absent').action == 'delete'


def test_ensure_new_stopped_server_and_its_diff(cloud):
    ctx = Context()
    made = desired.ensure(cloud, _server('vm1'), 'stopped', ctx)
    assert made['followup'] == 'stopped' and made['host_call']['action'] == 'create'
    assert made['diff']['before'] == {}
    assert made['diff']['after']['state'] == 'stopped'
    _booted(cloud, [made['host_call']])
    moved = desired.ensure(cloud, {'uuid': made['server']['uuid']}, made['followup'], ctx)
    assert moved['action'] == 'stop' and moved['host_call']['state'] == 'stopped'
    assert (moved['diff']['before']['state'], moved['diff']['after']['state']) == ('running', 'stopped')


def test_ensure_looks_names_up_in_its_project_only(cloud):
    ctx_a, ctx_b = Context(project_id='pa'), Context(project_id='pb')
    a = desired.ensure(cloud, _server('same'), 'running', ctx_a)
    b = desired.ensure(cloud, _server('same'), 'running', ctx_b)
    assert a['action'] == b['action'] == 'create'
    assert a['server']['uuid'] != b['server']['uuid']


def test_server_action_diff_shows_status_and_task_state(cloud, db_url):
    booted = _module('server', db_url, name='vm1', flavor='m1.tiny', image='img', state='running')
    _booted(cloud, [booted['host_call']])
    plain = _module('server_action', db_url, server='vm1', action='lock', modes={'check_mode': True})
    assert plain['changed'] and 'diff' not in plain
    locking = _module('server_action', db_url, server='vm1', action='lock',
                      modes={'check_mode': True, 'diff_mode': True})['diff']
    assert (locking['before']['locked'], locking['after']['locked']) == (False, True)
    assert instances.get(cloud, 'vm1')['locked'] is False      # check mode wrote nothing
    stop = _module('server_action', db_url, server='vm1', action='stop', modes={'diff_mode': True})
    before, after = stop['diff']['before'], stop['diff']['after']
    assert (before['state'], before['status'], before['task_state']) == ('running', 'ACTIVE', None)
    assert (after['state'], after['task_state']) == ('stopped', S.POWERING_OFF)
    # only what the action changes differs, the rest is the server module's summary
    assert dict(after, state='running', task_state=None) == before
    assert set(before) == set(desired.summary(instances.get(cloud, 'vm1'))) | {'status', 'task_state', 'locked'}
    # check mode shows the task state it would set
    _booted(cloud, [stop['host_call']])
    dry = _module('server_action', db_url, server='vm1', action='start', modes={'check_mode': True, 'diff_mode': True})
    assert (dry['diff']['before']['state'], dry['diff']['after']['state']) == ('stopped', 'running')
    assert (dry['diff']['before']['status'], dry['diff']['after']['task_state']) == ('SHUTOFF', S.POWERING_ON)
    reset = _module('server_action', db_url, server='vm1', action='reset_state', vm_state='error',
                    modes={'check_mode': True, 'diff_mode': True})['diff']
    assert (reset['before']['status'], reset['after']['status']) == ('SHUTOFF', 'ERROR')


# ---- a desired-state set as one batch ------------------------------------------------------------

def test_set_creates_all_at_once_and_marks_them(cloud):
    ctx = Context(project_id='p1')
    out = converge.converge(cloud, [_server('a'), _server('b', 'running'), _server('c', 'stopped')], ctx,
                            name='web')
    assert out['changed'] and out['followup'] == ['c']
    assert sorted(call['action'] for call in out['host_calls']) == ['create'] * 3
    assert sorted(call['host'] for call in out['host_calls']) == ['node1', 'node1', 'node2'] or \
        sorted(call['host'] for call in out['host_calls']) == ['node1', 'node2', 'node2']
    rows = instances.list_instances(cloud, project_id='p1')
    assert sorted(r['display_name'] for r in rows) == ['a', 'b', 'c']
    assert all(r['system_metadata'][converge.SET_KEY] == 'web' for r in rows)
    assert all(r['task_state'] == S.SPAWNING for r in rows)

    _booted(cloud, out['host_calls'])
    follow = converge.converge(cloud, [_server('a'), _server('b', 'running'), _server('c', 'stopped')], ctx,
                               name='web', only=out['followup'], host_sync=False)
    assert [(c['action'], c['state']) for c in follow['host_calls']] == [('stop', 'stopped')]
    _booted(cloud, follow['host_calls'])
    assert instances.get(cloud, 'c')['vm_state'] == S.STOPPED

    again = converge.converge(cloud, [_server('a'), _server('b', 'running'), _server('c', 'stopped')], ctx,
                              name='web')
    assert not again['changed'] and again['followup'] == []
    assert sorted(call['action'] for call in again['host_calls']) == ['sync'] * 3
    assert again['diff'] == {'before': {}, 'after': {}}


def test_set_check_mode_plans_hosts_and_writes_nothing(cloud):
    ctx = Context(project_id='p1')
    plan = converge.converge(cloud, [_server('a'), _server('b', 'stopped')], ctx, name='web', check_mode=True)
    assert plan['changed'] and plan['host_calls'] == []
    assert sorted(s['host'] for s in plan['servers']) == ['node1', 'node2'], 'each placed on what the other left'
    assert plan['diff']['before'] == {'a': {}, 'b': {}}
    assert plan['diff']['after']['b']['state'] == 'stopped' and plan['diff']['after']['b']['host']
    assert instances.list_instances(cloud) == []


def test_set_prunes_only_what_it_created(cloud):
    ctx = Context(project_id='p1')
    out = converge.converge(cloud, [_server('mine-1'), _server('mine-2')], ctx, name='web')
    _booted(cloud, out['host_calls'])
    other_set = converge.converge(cloud, [_server('theirs')], ctx, name='db')
    _booted(cloud, other_set['host_calls'])
    # made through the API (or by hand) in the same project, and another project's namesake
    api = conductor.create_servers(cloud, Context(project_id='p1', is_admin=False), _server('tenant-vm'))[0]
    foreign = conductor.create_servers(cloud, Context(project_id='p2'), _server('mine-2'))[0]

    pruned = converge.converge(cloud, [_server('mine-1')], ctx, name='web', prune=True)
    deletes = [c for c in pruned['host_calls'] if c['action'] == 'delete']
    assert [c['server'] for c in deletes] == [instances.get(cloud, 'mine-2', project_id='p1')['uuid']]
    assert pruned['diff']['after']['mine-2'] == {}
    for survivor in (api['uuid'], foreign['uuid'], instances.get(cloud, 'theirs')['uuid']):
        assert instances.get(cloud, survivor)['task_state'] != S.DELETING


def test_set_prune_needs_a_name_and_bad_sets_change_nothing(cloud):
    ctx = Context(project_id='p1')
    with pytest.raises(InvalidInput) as err:
        converge.converge(cloud, [_server('a')], ctx, prune=True)
    assert err.value.field == 'name'
    with pytest.raises(InvalidInput) as err:
        converge.converge(cloud, [_server('ok'), dict(_server('bad-1'), colour='blue')], ctx)
    assert 'bad-1' in err.value.message and 'colour' in err.value.message
    with pytest.raises(InvalidInput) as err:
        converge.converge(cloud, [_server('same'), _server('same')], ctx)
    assert 'unique' in err.value.message
    assert instances.list_instances(cloud) == []


def test_set_with_a_busy_server_asked_to_change_fails_before_anything(cloud):
    ctx = Context(project_id='p1')
    out = converge.converge(cloud, [_server('busy')], ctx, name='web')   # spawning, never recorded
    with pytest.raises(InvalidInput) as err:
        converge.converge(cloud, [_server('new'), _server('busy', 'paused')], ctx, name='web')
    assert 'busy' in err.value.message and 'spawning' in err.value.message
    assert [i['display_name'] for i in instances.list_instances(cloud)] == ['busy']
    assert out['host_calls'][0]['action'] == 'create'


NETS = [{'name': 'web-net', 'mtu': 1400, 'subnets': [{'name': 'web-sub', 'cidr': '10.40.0.0/24'}]}]
GROUPS = [{'name': 'web', 'rules': [{'protocol': 'icmp'},
                                    {'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22}]}]


def _network_rows(store):
    from ansible_collections.novalite.compute.plugins.module_utils.network import networks, security_groups
    with store.begin() as conn:
        admin = Context(project_id='p1')
        return (sorted(n['name'] for n in networks.list_networks(conn, admin)),
                sorted(g['name'] for g in security_groups.list_groups(conn, admin) if g['project_id'] == 'p1'))


def test_set_networks_made_first_servers_on_them_then_pruned(cloud, db_url):
    """A set's networks, subnets and groups: check mode writes nothing, made once, servers get ports on them,
    a second run changes nothing, and prune removes only what the set made, once its servers' ports are gone."""
    ctx = Context(project_id='p1')
    servers = [_server('a', networks=['web-net'], security_groups=['web']),
               _server('b', networks=[{'network': 'web-net', 'fixed_ip': '10.40.0.50'}])]
    plan = converge.converge(cloud, servers, ctx, name='web', networks=NETS, security_groups=GROUPS,
                             check_mode=True)
    assert plan['changed'] and set(plan['diff']['after']) >= {
        'network web-net', 'subnet web-sub', 'security group web', 'a', 'b'}
    assert _network_rows(cloud) == ([], ['default'])
    # a network made by hand in the project: never pruned by the set
    converge.converge(cloud, [], ctx, name='other', networks=[{'name': 'hand-made'}])
    out = converge.converge(cloud, servers, ctx, name='web', networks=NETS, security_groups=GROUPS)
    assert out['changed'] and not out['failed'] and out['networks']['web-net']
    assert _network_rows(cloud) == (['hand-made', 'web-net'], ['default', 'web'])
    _booted(cloud, out['host_calls'])
    by_name = dict((i['display_name'], i) for i in instances.list_instances(cloud))
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports, ports
    assert instance_ports.ip_addresses(by_name['b']['network_info']) == ['10.40.0.50']
    with cloud.read() as conn:
        held = dict((p['device_id'], p) for p in ports.list_ports(conn, ctx) if p['device_id'])
    assert held[by_name['b']['uuid']]['fixed_ips'][0]['ip_address'] == '10.40.0.50'
    assert held[by_name['a']['uuid']]['fixed_ips'][0]['ip_address'].startswith('10.40.0.')
    assert len(held[by_name['a']['uuid']]['security_groups']) == 1
    again = converge.converge(cloud, servers, ctx, name='web', networks=NETS, security_groups=GROUPS,
                              host_sync=False)
    assert not again['changed'] and again['host_calls'] == []
    # the floating_ip module finds a server's port by the server's name
    from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process

    def module(module_name, **args):
        out = run_in_process(module_name, module_definition(module_name),
                             dict(args, database_url=db_url, project_id='p1'))
        assert not out.get('failed'), out
        return out
    module('network', name='public', external=True)
    module('subnet', name='public-sub', network='public', cidr='192.0.2.0/24')
    module('router', name='r', network='public', interfaces=['web-sub'])
    fip = module('floating_ip', network='public', server='b')
    assert fip['changed'] and fip['floating_ip']['fixed_ip_address'] == '10.40.0.50'
    assert not module('floating_ip', network='public', server='b')['changed']
    moved = module('floating_ip', floating_ip_address=fip['floating_ip']['floating_ip_address'], server='a')
    assert moved['changed'] and moved['floating_ip']['port_id'] == held[by_name['a']['uuid']]['id']
    module('floating_ip', server='a', state='absent')
    module('router', name='r', state='absent')
    module('subnet', name='public-sub', state='absent')
    module('network', name='public', state='absent')
    # the set drops its servers and networks: the servers go now, their network once their ports are released
    pruned = converge.converge(cloud, [], ctx, name='web', prune=True)
    assert sorted(pruned['networks_pending']) == ['network web-net', 'security group web']
    assert _network_rows(cloud) == (['hand-made', 'web-net'], ['default', 'web'])
    _booted(cloud, pruned['host_calls'])
    final = converge.converge(cloud, [], ctx, name='web', prune=True, only=[])
    assert final['changed'] and final['networks_pending'] == []
    assert final['diff']['after'] == {'network web-net': {}, 'security group web': {}}
    assert _network_rows(cloud) == (['hand-made'], ['default'])


def test_set_networks_refusals_name_the_entry_and_change_nothing(cloud):
    ctx = Context(project_id='p1')
    cases = [
        (dict(networks=[{'name': 'n', 'subnets': [{'name': 's', 'cidr': '10.0.0.7/24'}]}]), 'cidr'),
        (dict(networks=[{'name': 'n', 'colour': 'blue'}]), 'networks[0]'),
        (dict(networks=[{'name': 'n'}, {'name': 'n'}]), 'networks'),
        (dict(security_groups=[{'name': 'g', 'rules': [
            {'protocol': 'tcp', 'port_range_min': 9, 'port_range_max': 1}]}]), 'port_range_min'),
    ]
    for kwargs, field in cases:
        with pytest.raises(Exception) as err:
            converge.converge(cloud, [_server('x')], ctx, name='web', **kwargs)
        assert getattr(err.value, 'field', None) == field, (kwargs, err.value)
    with pytest.raises(InvalidInput) as err:
        converge.converge(cloud, [_server('x', networks=['nowhere'])], ctx, name='web')
    assert err.value.field == 'servers[0].networks' and 'nowhere' in err.value.message
    assert instances.list_instances(cloud) == []
    assert _network_rows(cloud) == ([], ['default'])


# ---- host results of a host's group of calls ------------------------------------------------------

def test_reports_from_a_hosts_group_of_calls():
    calls = [{'server': 'u1', 'action': 'create', 'host': 'node1', 'request_id': 'req-1'},
             {'server': 'u2', 'action': 'sync', 'host': 'node1', 'request_id': 'req-1'}]
    ok = {'item': ['node1', calls], 'changed': True,
          'results': [{'changed': True, 'power_state': 1}, {'failed': True, 'msg': 'boom'}]}
    reports = server_actions.reports_from_loop_result(ok)
    assert [(r['server'], r['action']) for r in reports] == [('u1', 'create'), ('u2', 'sync')]
    assert reports[0]['result'] == {'changed': True, 'power_state': 1}
    assert reports[1]['result']['failed']
    gone = {'item': ['node1', calls], 'unreachable': True, 'msg': 'ssh: no route'}
    assert all(r['result']['unreachable'] and r['result']['failed']
               for r in server_actions.reports_from_loop_result(gone))
    single = {'item': calls[0], 'changed': True}
    assert [r['server'] for r in server_actions.reports_from_loop_result(single)] == ['u1']
