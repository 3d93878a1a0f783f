"""Interface attach / detach (Nova's os-interface), controller side on SQLite and MariaDB: Nova's states and
refusals (nothing written), the port bound or made with the host call that plugs it, the outcome recorded (a
failed attach rolled back with a fault, a detach unbinding or deleting the port); and the host side's libvirt
calls against a fake domain (the live and persistent flags, the guest releasing the NIC)."""

import pytest
import sqlalchemy as sa
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, all_actions, conductor, instances, interfaces, result_handlers, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, HypervisorError, InstanceInvalidState, InstanceLocked, InvalidInput, InvalidRequest,
    NotFound,
)
from ansible_collections.novalite.compute.plugins.module_utils.network import (
    host_plan, networks, ports, subnets,
)
from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.virt import domain_xml, driver

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}
DEMO = Context(user_id='demo', project_id='p-demo', is_admin=False, request_id='req-demo')
OTHER = Context(user_id='other', project_id='p-other', is_admin=False, request_id='req-other')


def _ctx(base, request_id):
    return Context(user_id=base.user_id, project_id=base.project_id, is_admin=base.is_admin, request_id=request_id)


def _admin(request_id='req-admin'):
    return Context(user_id='admin', project_id='p-admin', is_admin=True, request_id=request_id)


def _net(store, context, cidr):
    with store.begin() as conn:
        net = networks.create(conn, context, {'network': {'name': 'n-%s' % cidr}})
        sub = subnets.create(conn, context, {'subnet': {'network_id': net['id'], 'cidr': cidr}})
    return net, sub


def _server(store, project='p-demo', host='h-1', **state):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm', 'project_id': project, 'user_id': 'demo',
                                       'flavor': FLAVOR, 'image': {'id': 'img'}})
    with store.read() as conn:
        known = conn.execute(schema.table('compute_nodes').select().where(
            schema.table('compute_nodes').c.host == host)).first()
    if known is None:
        add_host(store, host)
    return instances.update(store, inst['uuid'], **dict(dict(vm_state=S.ACTIVE, task_state=None, host=host,
                                                             power_state=S.RUNNING), **state))


def _port(store, port_id):
    with store.read() as conn:
        rows = ports.rows_by_id(conn, [port_id])
        return ports.views(conn, rows)[0] if rows else None


def _snapshot(store, uuid):
    """What a refused request must leave as it was."""
    inst = instances.get(store, uuid)
    with store.read() as conn:
        counts = dict((t, conn.execute(sa.text('SELECT COUNT(*) FROM %s' % t)).scalar())
                      for t in ('ports', 'ip_allocations', 'instance_actions', 'instance_faults'))
        bound = sorted((r.id, r.device_id, r.binding_host_id) for r in conn.execute(sa.select(schema.table('ports'))))
    return (inst['task_state'], inst['network_info'], inst['system_metadata'], counts, bound)


def test_table_rows_and_registry_are_novas():
    for action, task in (('attach_interface', S.INTERFACE_ATTACHING), ('detach_interface', S.INTERFACE_DETACHING)):
        row = action_table.ACTIONS[action]
        assert (row.event, row.vm_states, row.task_states, row.task_state, row.lock_checked, row.admin_only) == (
            action, [S.ACTIVE, S.PAUSED, S.STOPPED], [None], task, True, False)
        assert row.rule == 'os_compute_api:os-attach-interfaces:%s' % ('create' if 'attach' in action else 'delete')
        assert row.host_call == ('instance_action', action) and row.result is None
        assert action_table.compute_event(action) == 'compute_' + action
        assert result_handlers.handler(action) is interfaces.record
    assert interfaces in all_actions.MODULES


@pytest.mark.parametrize('vm_state, task_state, locked, context, error, text', [
    (S.SHELVED_OFFLOADED, None, False, DEMO, InstanceInvalidState,
     "Cannot 'attach_interface' instance {uuid} while it is in vm_state shelved_offloaded"),
    (S.SUSPENDED, None, False, DEMO, InstanceInvalidState, 'while it is in vm_state suspended'),
    (S.ERROR, None, False, DEMO, InstanceInvalidState, 'while it is in vm_state error'),
    (S.RESCUED, None, False, DEMO, InstanceInvalidState, 'while it is in vm_state rescued'),
    (S.ACTIVE, S.REBOOTING, False, DEMO, InstanceInvalidState,
     "Cannot 'attach_interface' instance {uuid} while it is in task_state rebooting"),
    (S.ACTIVE, None, True, DEMO, InstanceLocked, 'Instance {uuid} is locked'),
])
def test_refused_states_and_locks_write_nothing(store, vm_state, task_state, locked, context, error, text):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    inst = _server(store, vm_state=vm_state, task_state=task_state, locked=locked,
                   host=None if vm_state == S.SHELVED_OFFLOADED else 'h-1')
    before = _snapshot(store, inst['uuid'])
    with pytest.raises(error) as err:
        server_actions.start(store, inst['uuid'], 'attach_interface', context, interface_request={'net_id': net['id']})
    assert text.format(uuid=inst['uuid']) in err.value.message
    assert err.value.code == 409
    assert _snapshot(store, inst['uuid']) == before


@pytest.mark.parametrize('vm_state', [S.ACTIVE, S.PAUSED, S.STOPPED])
def test_an_admin_attaches_to_a_locked_server_in_each_allowed_state(store, vm_state):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    inst = _server(store, vm_state=vm_state, locked=True)
    out = server_actions.start(store, inst['uuid'], 'attach_interface', _admin(), interface_request={'net_id': net['id']})
    assert out['server']['task_state'] == S.INTERFACE_ATTACHING and out['host_call']['action'] == 'attach_interface'


def test_bad_requests_are_novas_and_write_nothing(store):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    other_net, _o = _net(store, OTHER, '10.1.0.0/24')
    inst = _server(store)
    with store.begin() as conn:
        theirs = ports.create(conn, OTHER, {'port': {'network_id': other_net['id']}})
        # another project's port on demo's network: demo sees it (network owner), it is not demo's
        visible = ports.create(conn, _admin(), {'port': {'network_id': net['id'], 'project_id': 'p-other'}})
        mine = ports.create(conn, DEMO, {'port': {'network_id': net['id']}})
    elsewhere = _server(store)
    server_actions.start(store, elsewhere['uuid'], 'attach_interface', _ctx(DEMO, 'req-0'),
                         interface_request={'port_id': mine['id']})
    taken_ip = mine['fixed_ips'][0]['ip_address']
    before = _snapshot(store, inst['uuid'])
    bogus = '0b5c0d3e-7d2c-4a40-9d3b-6f0a1b2c3d4e'
    cases = [
        ({'port_id': mine['id'], 'net_id': net['id']}, InvalidRequest, 400, 'Must not input both network_id and port_id'),
        ({'fixed_ip': '10.0.0.9'}, InvalidRequest, 400, 'Must input network_id when request IP address'),
        ({'port_id': bogus}, NotFound, 404, 'Port id %s could not be found.' % bogus),
        ({'port_id': theirs['id']}, NotFound, 404, 'Port id %s could not be found.' % theirs['id']),
        ({'port_id': visible['id']}, InvalidRequest, 400,
         'Port %s not usable for instance %s.' % (visible['id'], inst['uuid'])),
        ({'port_id': mine['id']}, Conflict, 409, 'Port %s is still in use.' % mine['id']),
        ({'net_id': bogus}, NotFound, 404, 'Network %s could not be found.' % bogus),
        ({'net_id': other_net['id']}, NotFound, 404, 'Network %s could not be found.' % other_net['id']),
        ({'net_id': net['id'], 'fixed_ip': taken_ip}, Conflict, 409,
         'Fixed IP address %s is already in use on instance %s.' % (taken_ip, inst['uuid'])),
        ({'net_id': net['id'], 'fixed_ip': '10.9.9.9'}, InvalidRequest, 400, None),
    ]
    for request, error, code, text in cases:
        with pytest.raises(error) as err:
            server_actions.start(store, inst['uuid'], 'attach_interface', DEMO, interface_request=request)
        assert err.value.code == code, request
        if text:
            assert err.value.message == text
        assert _snapshot(store, inst['uuid']) == before, request
    # another project's server is not found at all; a detach needs a port the server has
    with pytest.raises(NotFound):
        server_actions.start(store, inst['uuid'], 'attach_interface', OTHER, interface_request={'net_id': net['id']})
    with pytest.raises(InvalidInput, match='port'):
        server_actions.start(store, inst['uuid'], 'detach_interface', DEMO, interface_request={})
    assert _snapshot(store, inst['uuid']) == before
    # a port the server has not: Nova's compute host raises PortNotFound after the API's 202 (a cast) - the
    # action's event in error and a fault, no host call, nothing else changed
    out = server_actions.start(store, inst['uuid'], 'detach_interface', DEMO, interface_request={'port_id': mine['id']})
    assert out['host_call'] is None and out['server']['task_state'] is None
    after = _snapshot(store, inst['uuid'])
    assert after[:3] + after[4:] == before[:3] + before[4:]
    counts = [after[3][t] - before[3][t] for t in ('instance_actions', 'instance_faults')]
    assert counts == [1, 1]
    act = [a for a in instances.list_actions(store, inst['uuid']) if a['action'] == 'detach_interface'][0]
    assert [(e['event'], e['result']) for e in act['events']] == [('compute_detach_interface', 'Error')]
    assert instances.latest_fault(store, inst['uuid'])['message'] == 'Port %s is not attached' % mine['id']


def test_attach_a_port_then_detach_it_unbinds_it(store):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    inst = _server(store)
    with store.begin() as conn:
        port = ports.create(conn, DEMO, {'port': {'network_id': net['id'], 'name': 'given'}})
    out = server_actions.start(store, inst['uuid'], 'attach_interface', _ctx(DEMO, 'req-a'),
                               interface_request={'port_id': port['id'], 'tag': 'nic1'})
    call = out['host_call']
    assert out['port_id'] == port['id']
    assert (call['module'], call['action'], call['host'], call['request_id']) == (
        'instance_action', 'attach_interface', 'h-1', 'req-a')
    assert call['vif']['id'] == port['id'] and call['vif']['address'] == port['mac_address']
    assert call['vif']['preserve_on_delete'] is True
    assert [p['id'] for p in call['host_network']['ports']] == [port['id']]
    net_plan = call['host_network']['networks'][0]
    assert net_plan['dhcp']['reservations'] == [{'mac': port['mac_address'], 'ip': port['fixed_ips'][0]['ip_address'],
                                                 'hostname': inst['hostname'] or ''}]
    busy = instances.get(store, inst['uuid'])
    assert busy['task_state'] == S.INTERFACE_ATTACHING and busy['vm_state'] == S.ACTIVE
    bound = _port(store, port['id'])
    assert (bound['device_id'], bound['device_owner'], bound['binding:host_id']) == (inst['uuid'], 'compute:nova', 'h-1')
    assert interfaces.outcome(store, inst['uuid'], 'req-a') is None
    # another action waits for it (Nova's task_state check)
    with pytest.raises(InstanceInvalidState, match='task_state interface_attaching'):
        server_actions.start(store, inst['uuid'], 'reboot', DEMO)
    recorded = conductor.record_result(store, inst['uuid'], 'attach_interface', 'req-a',
                                       {'changed': True, 'plugged': [port['id']], 'domain_xml': '<domain/>',
                                        'power_state': S.RUNNING})
    assert recorded['task_state'] is None and recorded['vm_state'] == S.ACTIVE and recorded['domain_xml'] == '<domain/>'
    assert interfaces.outcome(store, inst['uuid'], 'req-a') == {'ok': True, 'message': None}
    assert interfaces.tags(recorded) == {port['id']: 'nic1'}
    plugged = _port(store, port['id'])
    assert (plugged['status'], plugged['binding:vif_type']) == ('ACTIVE', 'bridge')
    assert [v['id'] for v in recorded['network_info']] == [port['id']] and recorded['network_info'][0]['active']
    actions = instances.list_actions(store, inst['uuid'])
    assert [a['action'] for a in actions] == ['attach_interface']
    assert [(e['event'], e['result']) for e in actions[0]['events']] == [('compute_attach_interface', 'Success')]
    # a second result of the same request changes nothing
    assert conductor.record_result(store, inst['uuid'], 'attach_interface', 'req-a', {'changed': True})['changed'] is False

    out = server_actions.start(store, inst['uuid'], 'detach_interface', _ctx(DEMO, 'req-d'),
                               interface_request={'port_id': port['id']})
    call = out['host_call']
    assert call['action'] == 'detach_interface' and call['vif']['address'] == port['mac_address']
    assert call['host_network']['ports'] == [] and call['host_network']['networks'] == []   # the host prunes it
    assert instances.get(store, inst['uuid'])['task_state'] == S.INTERFACE_DETACHING
    recorded = conductor.record_result(store, inst['uuid'], 'detach_interface', 'req-d', {'changed': True})
    assert recorded['task_state'] is None and recorded['network_info'] == [] and interfaces.tags(recorded) == {}
    left = _port(store, port['id'])
    assert (left['device_id'], left['device_owner'], left['binding:host_id'], left['status'],
            left['binding:vif_type']) == ('', '', '', 'DOWN', 'unbound')
    with store.read() as conn:
        assert not host_plan.host_has_ports(conn, 'h-1')   # the host's DHCP port went with its last port
    assert [a['action'] for a in instances.list_actions(store, inst['uuid'])] == ['attach_interface', 'detach_interface']


def test_a_failed_attach_is_rolled_back_with_a_fault_and_a_detach_deletes_the_port_nova_made(store):
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    inst = _server(store, vm_state=S.STOPPED, power_state=S.SHUTDOWN)
    out = server_actions.start(store, inst['uuid'], 'attach_interface', _ctx(DEMO, 'req-f'),
                               interface_request={'net_id': net['id'], 'fixed_ip': '10.0.0.77'})
    made = out['port_id']
    assert _port(store, made)['fixed_ips'][0]['ip_address'] == '10.0.0.77'
    recorded = conductor.record_result(store, inst['uuid'], 'attach_interface', 'req-f',
                                       {'failed': True, 'msg': 'HypervisorError: attaching interface: boom'})
    assert recorded['task_state'] is None and recorded['vm_state'] == S.STOPPED and recorded['network_info'] == []
    assert _port(store, made) is None                                # the port Nova made is gone
    fault = instances.latest_fault(store, inst['uuid'])
    assert fault['message'].startswith('Failed to attach network adapter device to %s' % inst['uuid'])
    done = interfaces.outcome(store, inst['uuid'], 'req-f')
    assert done['ok'] is False and 'boom' in done['message']
    events = instances.list_actions(store, inst['uuid'])[-1]['events']
    assert [(e['event'], e['result']) for e in events] == [('compute_attach_interface', 'Error')]
    # the address is free again: attach for real, then the detach deletes the port it made
    out = server_actions.start(store, inst['uuid'], 'attach_interface', _ctx(DEMO, 'req-g'),
                               interface_request={'net_id': net['id'], 'fixed_ip': '10.0.0.77'})
    assert out['host_call']['vif']['preserve_on_delete'] is False
    conductor.record_result(store, inst['uuid'], 'attach_interface', 'req-g',
                            {'changed': True, 'plugged': [out['port_id']]})
    server_actions.start(store, inst['uuid'], 'detach_interface', _ctx(DEMO, 'req-h'),
                         interface_request={'port_id': out['port_id']})
    failed = conductor.record_result(store, inst['uuid'], 'detach_interface', 'req-h',
                                     {'failed': True, 'msg': 'the guest did not release it'})
    assert failed['task_state'] is None and [v['id'] for v in failed['network_info']] == [out['port_id']]
    assert 'Failed to detach network adapter device from' in instances.latest_fault(store, inst['uuid'])['message']
    server_actions.start(store, inst['uuid'], 'detach_interface', _ctx(DEMO, 'req-i'),
                         interface_request={'port_id': out['port_id']})
    conductor.record_result(store, inst['uuid'], 'detach_interface', 'req-i', {'changed': True})
    assert _port(store, out['port_id']) is None


def test_an_admin_may_not_attach_another_projects_port_either(store):
    net, _sub = _net(store, OTHER, '10.2.0.0/24')
    inst = _server(store)
    with store.begin() as conn:
        theirs = ports.create(conn, OTHER, {'port': {'network_id': net['id']}})
    with pytest.raises(InvalidRequest, match='not usable for instance'):
        server_actions.start(store, inst['uuid'], 'attach_interface', _admin(), interface_request={'port_id': theirs['id']})


# ---- host side: the NIC device and libvirt's flags ------------------------------------------------------------

VIF = {'id': '7c6c2d7e-4b1e-4a4e-8f4e-0c1d2e3f4a5b', 'address': 'fa:16:3e:00:11:22', 'devname': 'tap7c6c2d7e-4b',
       'network': {'id': 'n1', 'bridge': 'brq0123456789a', 'mtu': 1450, 'subnets': []}}


def test_the_hot_plugged_nic_is_the_element_the_domain_xml_has():
    from lxml import etree
    nic = domain_xml.interface_xml(VIF)
    whole = domain_xml.render({'uuid': '11111111-2222-3333-4444-555555555555', 'name': 'instance-1', 'flavor': FLAVOR,
                               'network_info': [VIF]}, {'disks': [{'path': '/x/disk', 'target': 'vda'}]})
    parser = etree.XMLParser(remove_blank_text=True)
    found = etree.fromstring(whole.encode(), parser).find('./devices/interface')
    assert etree.tostring(found) == etree.tostring(etree.fromstring(nic.encode(), parser))
    assert '<source bridge="brq0123456789a"/>' in nic and '<mac address="fa:16:3e:00:11:22"/>' in nic
    with pytest.raises(InvalidInput, match='not plugged'):
        domain_xml.interface_xml(dict(VIF, network=dict(VIF['network'], bridge=None)))
    with pytest.raises(InvalidInput, match='names derived from ids'):
        domain_xml.interface_xml(dict(VIF, devname='eth0; rm -rf /'))


class FakeDomain(object):
    """Just enough of virDomain: a live and a persistent device list; the guest releases a NIC after
    ``release_after`` unplug requests."""

    def __init__(self, active=True, nics=(), release_after=1):
        self.active = active
        self.live = list(nics) if active else []
        self.config = list(nics)
        self.calls = []
        self.release_after = release_after
        self.requests = 0

    def isActive(self):
        return self.active

    def XMLDesc(self, flags=0):
        macs = self.config if flags & driver.libvirt.VIR_DOMAIN_XML_INACTIVE else self.live
        return '<domain><devices>%s</devices></domain>' % ''.join(
            '<interface type="bridge"><mac address="%s"/></interface>' % m for m in macs)

    def attachDeviceFlags(self, xml, flags):
        self._device('attach', xml, flags)

    def detachDeviceFlags(self, xml, flags):
        self._device('detach', xml, flags)

    def _device(self, verb, xml, flags):
        self.calls.append((verb, flags))
        mac = driver._mac_of(xml)
        if flags & driver.libvirt.VIR_DOMAIN_AFFECT_CONFIG:
            getattr(self.config, 'append' if verb == 'attach' else 'remove')(mac)
        if flags & driver.libvirt.VIR_DOMAIN_AFFECT_LIVE:
            self.requests += verb == 'detach'
            if verb == 'attach':
                self.live.append(mac)
            elif self.requests >= self.release_after:
                self.live.remove(mac)


@pytest.fixture
def fake_domain(monkeypatch):
    holder = {}
    monkeypatch.setattr(driver, 'require_domain', lambda conn, uuid: holder['dom'])
    monkeypatch.setattr(driver, 'POLL_INTERVAL', 0.01)
    return holder


def test_attach_flags_follow_the_domain_state_and_a_present_nic_is_left_alone(fake_domain):
    lv = driver.libvirt
    nic = domain_xml.interface_xml(VIF)
    fake_domain['dom'] = dom = FakeDomain(active=True)
    assert driver.attach_interface(None, 'u', nic)['changed'] is True
    assert dom.calls == [('attach', lv.VIR_DOMAIN_AFFECT_CONFIG | lv.VIR_DOMAIN_AFFECT_LIVE)]
    assert driver.attach_interface(None, 'u', nic)['changed'] is False and len(dom.calls) == 1
    fake_domain['dom'] = dom = FakeDomain(active=False)
    out = driver.attach_interface(None, 'u', nic)
    assert dom.calls == [('attach', lv.VIR_DOMAIN_AFFECT_CONFIG)] and VIF['address'] in out['domain_xml']


def test_detach_waits_for_the_guest_and_fails_when_it_never_releases(fake_domain, monkeypatch):
    lv = driver.libvirt
    mac = VIF['address']
    fake_domain['dom'] = dom = FakeDomain(active=True, nics=[mac], release_after=2)
    monkeypatch.setattr(driver, 'DETACH_RETRY_INTERVAL', 0.05)
    out = driver.detach_interface(None, 'u', mac, timeout=5)
    assert out['changed'] is True and mac not in out['domain_xml'] and dom.live == []
    assert dom.calls == [('detach', lv.VIR_DOMAIN_AFFECT_CONFIG), ('detach', lv.VIR_DOMAIN_AFFECT_LIVE),
                         ('detach', lv.VIR_DOMAIN_AFFECT_LIVE)]
    assert driver.detach_interface(None, 'u', mac)['changed'] is False     # nothing there: nothing done
    fake_domain['dom'] = FakeDomain(active=True, nics=[mac], release_after=10 ** 6)
    with pytest.raises(HypervisorError, match='did not release interface'):
        driver.detach_interface(None, 'u', mac, timeout=0.2)
    fake_domain['dom'] = dom = FakeDomain(active=False, nics=[mac])
    driver.detach_interface(None, 'u', mac)
    assert dom.calls == [('detach', lv.VIR_DOMAIN_AFFECT_CONFIG)]


# ---- the server_action module: the same path, names resolved ------------------------------------------------

def test_the_server_action_module_attaches_and_detaches_by_name(store, db_url):
    from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process

    def run(check_mode=False, **args):
        return run_in_process('server_action', module_definition('server_action'),
                              dict(args, database_url=db_url, project_id='p-demo', user_id='demo', is_admin=False),
                              check_mode=check_mode, diff_mode=True)
    net, _sub = _net(store, DEMO, '10.0.0.0/24')
    inst = _server(store)
    with store.begin() as conn:
        port = ports.create(conn, DEMO, {'port': {'network_id': net['id'], 'name': 'web-port'}})
    before = _snapshot(store, inst['uuid'])
    checked = run(check_mode=True, server=inst['uuid'], action='attach_interface', port='web-port')
    assert not checked.get('failed'), checked
    assert checked['host_call'] is None and _snapshot(store, inst['uuid']) == before
    refused = run(server=inst['uuid'], action='detach_interface')
    assert refused.get('failed') and 'port' in refused['msg'], refused
    refused = run(server=inst['uuid'], action='attach_interface', port='web-port', network=net['name'])
    assert refused.get('failed') and 'Must not input both network_id and port_id' in refused['msg'], refused
    assert _snapshot(store, inst['uuid']) == before
    done = run(server=inst['uuid'], action='attach_interface', port='web-port', tag='nic1')
    assert not done.get('failed') and done['changed'], done
    assert done['host_call']['vif']['id'] == port['id'] and done['server']['task_state'] == S.INTERFACE_ATTACHING
    assert done['diff']['after']['task_state'] == S.INTERFACE_ATTACHING
    conductor.record_result(store, inst['uuid'], 'attach_interface', done['request_id'], {'changed': True})
    done = run(server=inst['uuid'], action='detach_interface', port='web-port')
    assert not done.get('failed') and done['host_call']['action'] == 'detach_interface', done
