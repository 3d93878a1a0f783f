"""trigger_crash_dump, changePassword and the multinic actions, controller side on SQLite and MariaDB (Nova's
states, lock and host checks, what is recorded), and their host side's libvirt calls against a fake domain."""

import pytest
from lib.sched_rows import add_host

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.catalog import image_properties
from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, conductor, instances, multinic, server_actions,
)
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Conflict, HypervisorError, InstanceInvalidState, InstanceLocked, InstanceNotReady,
)
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host as host_handlers
from ansible_collections.novalite.compute.plugins.module_utils.network import networks, ports, subnets
from ansible_collections.novalite.compute.plugins.module_utils.store import schema
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver

FLAVOR = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
          'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}}


def _ctx(admin=False, project='p1', request_id='req-1'):
    return Context(user_id='u1', project_id=project, is_admin=admin, request_id=request_id)


def _server(store, host='h-1', image=None, **state):
    with store.begin() as conn:
        inst = instances.create(conn, {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'u1',
                                       'flavor': FLAVOR, 'image': image or {'id': 'img'}})
    if host:
        with store.read() as conn:
            known = conn.execute(schema.table('compute_nodes').select().where(
                schema.table('compute_nodes').c.host == host)).first()
        if known is None:
            add_host(store, host)
    values = dict(vm_state=S.ACTIVE, task_state=None, host=host, power_state=S.RUNNING)
    values.update(state)
    return instances.update(store, inst['uuid'], **values)


def _action(store, uuid, request_id):
    return next(a for a in instances.list_actions(store, uuid) if a['request_id'] == request_id)


def _faults(store, uuid):
    with store.read() as conn:
        t = schema.table('instance_faults')
        return [r.message for r in conn.execute(t.select().where(t.c.instance_uuid == uuid).order_by(t.c.id))]


# ---- trigger_crash_dump ---------------------------------------------------------------------------------------

def test_trigger_crash_dump_row_is_novas():
    row = action_table.ACTIONS['trigger_crash_dump']
    assert (row.api, row.rule, row.event) == ('trigger_crash_dump', 'os_compute_api:servers:trigger_crash_dump',
                                              'trigger_crash_dump')
    # nova/compute/vm_states.py ALLOW_TRIGGER_CRASH_DUMP, no task, lock checked, no task state of its own
    assert row.vm_states == [S.ACTIVE, S.PAUSED, S.RESCUED, S.RESIZED, S.ERROR]
    assert (row.task_states, row.task_state, row.lock_checked, row.admin_only) == ([None], None, True, False)
    assert row.host_call == ('instance_action', 'trigger_crash_dump')
    assert 'trigger_crash_dump' in action_table.VERBS and 'trigger_crash_dump' not in action_table.READ_ONLY
    assert action_table.compute_event('trigger_crash_dump') == 'compute_trigger_crash_dump'


@pytest.mark.parametrize('vm_state, ok', [
    (S.ACTIVE, True), (S.PAUSED, True), (S.RESCUED, True), (S.RESIZED, True), (S.ERROR, True),
    (S.STOPPED, False), (S.SUSPENDED, False), (S.SHELVED, False), (S.BUILDING, False)])
def test_trigger_crash_dump_states(vm_state, ok):
    inst = {'uuid': 'u', 'vm_state': vm_state, 'task_state': None, 'locked': False, 'host': 'h-1'}
    if ok:
        action_table.check_action(inst, 'trigger_crash_dump', _ctx())
    else:
        with pytest.raises(InstanceInvalidState, match="Cannot 'trigger_crash_dump' instance u while it is in "
                                                       "vm_state %s" % vm_state):
            action_table.check_action(inst, 'trigger_crash_dump', _ctx())


def test_trigger_crash_dump_checks_lock_then_host_then_task():
    inst = {'uuid': 'u', 'vm_state': S.STOPPED, 'task_state': None, 'locked': True, 'host': None}
    with pytest.raises(InstanceLocked, match='Instance u is locked'):
        action_table.check_action(inst, 'trigger_crash_dump', _ctx())
    with pytest.raises(InstanceNotReady, match='Instance u is not ready'):   # an admin passes the lock
        action_table.check_action(inst, 'trigger_crash_dump', _ctx(admin=True))
    busy = dict(inst, locked=False, host='h-1', vm_state=S.ACTIVE, task_state=S.REBOOTING)
    with pytest.raises(InstanceInvalidState, match='task_state rebooting'):
        action_table.check_action(busy, 'trigger_crash_dump', _ctx())


def test_trigger_crash_dump_is_recorded_and_leaves_the_task_state_alone(store):
    inst = _server(store)
    out = server_actions.start(store, inst['uuid'], 'trigger_crash_dump', _ctx())
    call = out['host_call']
    assert (call['module'], call['action'], call['host']) == ('instance_action', 'trigger_crash_dump', 'h-1')
    assert out['server']['task_state'] is None and out['server']['status'] == 'ACTIVE'
    actions = instances.list_actions(store, inst['uuid'])
    assert [a['action'] for a in actions] == ['trigger_crash_dump']
    # another action may start meanwhile (no task state held): the NMI's outcome does not clear its task state
    instances.update(store, inst['uuid'], task_state=S.POWERING_OFF)
    after = conductor.record_result(store, inst['uuid'], 'trigger_crash_dump', 'req-1',
                                    {'changed': True, 'power_state': S.RUNNING})
    assert (after['vm_state'], after['task_state']) == (S.ACTIVE, S.POWERING_OFF)
    events = _action(store, inst['uuid'], 'req-1')['events']
    assert [(e['event'], e['result']) for e in events] == [('compute_trigger_crash_dump', 'Success')]
    # a failure on the host: the event's error and a fault, the states as they were
    instances.update(store, inst['uuid'], task_state=None)
    server_actions.start(store, inst['uuid'], 'trigger_crash_dump', _ctx(request_id='req-2'))
    instances.update(store, inst['uuid'], task_state=S.POWERING_OFF)
    failed = conductor.record_result(store, inst['uuid'], 'trigger_crash_dump', 'req-2',
                                     {'failed': True, 'msg': 'Instance x is not running.'})
    assert (failed['vm_state'], failed['task_state']) == (S.ACTIVE, S.POWERING_OFF)
    events = _action(store, inst['uuid'], 'req-2')['events']
    assert [(e['event'], e['result']) for e in events] == [('compute_trigger_crash_dump', 'Error')]
    assert 'not running' in _faults(store, inst['uuid'])[-1]


def test_trigger_crash_dump_refusals_record_nothing(store):
    inst = _server(store, host=None, vm_state=S.ERROR)
    with pytest.raises(InstanceNotReady):
        server_actions.start(store, inst['uuid'], 'trigger_crash_dump', _ctx())
    stopped = _server(store, vm_state=S.STOPPED, power_state=S.SHUTDOWN)
    with pytest.raises(InstanceInvalidState):
        server_actions.start(store, stopped['uuid'], 'trigger_crash_dump', _ctx())
    assert instances.list_actions(store, inst['uuid']) == [] == instances.list_actions(store, stopped['uuid'])


# ---- changePassword -------------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, enabled', [
    ('yes', True), ('True', True), ('1', True), (True, True), ('on', True),
    ('no', False), ('false', False), (False, False), (None, False), ('maybe', False)])
def test_guest_agent_property_is_a_flexible_boolean(value, enabled):
    properties = {} if value is None else {'hw_qemu_guest_agent': value}
    assert image_properties.guest_agent_enabled(properties) is enabled


def test_change_password_without_guest_agent_is_novas_409_and_recorded(store):
    inst = _server(store)
    with pytest.raises(Conflict) as info:
        server_actions.start(store, inst['uuid'], 'change_password', _ctx())
    assert info.value.message == 'QEMU guest agent is not enabled' and info.value.code == 409
    after = instances.get(store, inst['uuid'])
    assert (after['vm_state'], after['task_state'], after['status']) == (S.ACTIVE, None, 'ACTIVE')
    action = _action(store, inst['uuid'], 'req-1')
    assert action['action'] == 'changePassword'
    assert [(e['event'], e['result']) for e in action['events']] == [('compute_set_admin_password', 'Error')]
    assert _faults(store, inst['uuid']) == ['QEMU guest agent is not enabled']


def test_change_password_of_a_guest_not_running(store):
    inst = _server(store, power_state=S.SHUTDOWN, image={'id': 'img', 'properties': {'hw_qemu_guest_agent': 'yes'}})
    with pytest.raises(Conflict) as info:
        server_actions.start(store, inst['uuid'], 'change_password', _ctx())
    assert info.value.message == ('Failed to set admin password on %s because instance %s is not running'
                                  % (inst['uuid'], inst['uuid']))


def test_change_password_with_guest_agent_asks_the_host(store):
    props = {'hw_qemu_guest_agent': 'yes', 'os_admin_user': 'cloud'}
    inst = _server(store, image={'id': 'img', 'properties': props})
    out = server_actions.start(store, inst['uuid'], 'change_password', _ctx())
    assert (out['host_call']['module'], out['host_call']['action']) == ('instance_action', 'change_password')
    assert 'admin_pass' not in repr(out['host_call'])   # the password travels as the job's secret only
    assert (out['server']['task_state'], out['server']['status']) == (S.UPDATING_PASSWORD, 'PASSWORD')
    assert host_handlers.admin_user(out['host_call']['instance']) == 'cloud'
    # the host set it: the task state ends, the event succeeds
    host_result = {'changed': True, 'power_state': S.RUNNING}
    after = conductor.record_result(store, inst['uuid'], 'change_password', 'req-1', host_result)
    assert (after['task_state'], after['status']) == (None, 'ACTIVE')
    events = _action(store, inst['uuid'], 'req-1')['events']
    assert [(e['event'], e['result']) for e in events] == [('compute_set_admin_password', 'Success')]


def test_change_password_state_and_lock_checks(store):
    stopped = _server(store, vm_state=S.STOPPED, power_state=S.SHUTDOWN)
    with pytest.raises(InstanceInvalidState, match="Cannot 'changePassword' instance %s while it is in vm_state "
                                                   "stopped" % stopped['uuid']):
        server_actions.start(store, stopped['uuid'], 'change_password', _ctx())
    locked = _server(store, locked=True, locked_by='owner')
    with pytest.raises(InstanceLocked):
        server_actions.start(store, locked['uuid'], 'change_password', _ctx())
    assert instances.list_actions(store, stopped['uuid']) == [] == instances.list_actions(store, locked['uuid'])
    # an API action only: no playbook verb takes a password
    assert 'change_password' not in action_table.VERBS


def test_admin_user_follows_novas_libvirt_driver():
    assert host_handlers.admin_user({'image': {'properties': {}}}) == 'root'
    assert host_handlers.admin_user({'image': {'properties': {'os_type': 'windows'}}}) == 'Administrator'
    assert host_handlers.admin_user({'image': {'properties': {'os_admin_user': 'ubuntu', 'os_type': 'windows'}}}) \
        == 'ubuntu'


# ---- the host side --------------------------------------------------------------------------------------------

class FakeDomain(object):
    def __init__(self, error=None):
        self.error = error
        self.calls = []

    def _maybe_fail(self):
        if self.error is not None:
            exc = driver.libvirt.libvirtError('failed')
            exc.err = (self.error, 0, 'libvirt says no', 0, None, None, None, 0, 0)
            raise exc

    def injectNMI(self, flags):
        self.calls.append(('injectNMI', flags))
        self._maybe_fail()

    def setUserPassword(self, user, password, flags):
        self.calls.append(('setUserPassword', user, password, flags))
        self._maybe_fail()


@pytest.fixture
def fake_domain(monkeypatch):
    holder = {}
    monkeypatch.setattr(driver, 'require_domain', lambda conn, uuid: holder['dom'])
    return holder


def test_driver_injects_an_nmi(fake_domain):
    fake_domain['dom'] = FakeDomain()
    assert driver.trigger_crash_dump(None, 'u') is True
    assert fake_domain['dom'].calls == [('injectNMI', 0)]
    fake_domain['dom'] = FakeDomain(driver.libvirt.VIR_ERR_OPERATION_INVALID)
    with pytest.raises(Conflict, match='Instance u is not running.'):
        driver.trigger_crash_dump(None, 'u')
    fake_domain['dom'] = FakeDomain(driver.libvirt.VIR_ERR_NO_SUPPORT)
    with pytest.raises(HypervisorError, match='Triggering crash dump is not supported'):
        driver.trigger_crash_dump(None, 'u')


def test_driver_sets_a_password_through_the_agent(fake_domain):
    fake_domain['dom'] = FakeDomain()
    driver.set_admin_password(None, 'u', 'root', 's3cret')
    assert fake_domain['dom'].calls == [('setUserPassword', 'root', 's3cret', 0)]
    fake_domain['dom'] = FakeDomain(driver.libvirt.VIR_ERR_AGENT_UNRESPONSIVE)
    with pytest.raises(HypervisorError, match='not implemented') as info:
        driver.set_admin_password(None, 'u', 'root', 's3cret')
    assert 's3cret' not in info.value.message
    fake_domain['dom'] = FakeDomain(driver.libvirt.VIR_ERR_INTERNAL_ERROR)
    with pytest.raises(HypervisorError, match='set password for username "root"') as info:
        driver.set_admin_password(None, 'u', 'root', 's3cret')
    assert 's3cret' not in info.value.message


# ---- multinic ------------------------------------------------------------------------------------------------

def _net(store, context, cidr, name):
    with store.begin() as conn:
        net = networks.create(conn, context, {'network': {'name': name}})
        sub = subnets.create(conn, context, {'subnet': {'network_id': net['id'], 'cidr': cidr}})
    return net, sub


def _port_ips(store, port_id):
    with store.read() as conn:
        return sorted(ip['ip_address'] for ip in ports.views(conn, ports.rows_by_id(conn, [port_id]))[0]['fixed_ips'])


def test_add_and_remove_fixed_ip_change_the_servers_port(store):
    from ansible_collections.novalite.compute.plugins.module_utils.network import instance_ports
    ctx = _ctx()
    net, _sub = _net(store, ctx, '10.20.0.0/24', 'mn')
    other, _osub = _net(store, ctx, '10.21.0.0/24', 'mn-other')
    inst = _server(store)
    with store.begin() as conn:
        port_id, _made = instance_ports.attach(conn, ctx, inst, network_id=net['id'])
    first = _port_ips(store, port_id)
    assert len(first) == 1
    # addFixedIp: one more address from the network's subnet on the same port (no new port)
    server, changed = multinic.add_fixed_ip(store, inst['uuid'], ctx, net['id'])
    assert changed == port_id
    both = _port_ips(store, port_id)
    assert len(both) == 2 and first[0] in both
    assert sorted(ip['address'] for vif in server['network_info'] for ip in vif['network']['subnets'][0]['ips']) \
        == both
    # a network the server has no port on: Nova's fault after its 202, nothing changed
    server, changed = multinic.add_fixed_ip(store, inst['uuid'], ctx, other['id'])
    assert changed is None
    assert _faults(store, inst['uuid'])[-1] == 'Network could not be found for instance %s.' % inst['uuid']
    # removeFixedIp: the address leaves the port, the port stays
    added = [ip for ip in both if ip != first[0]][0]
    _server_after, changed = multinic.remove_fixed_ip(store, inst['uuid'], ctx, added)
    assert changed == port_id and _port_ips(store, port_id) == first
    _server_after, changed = multinic.remove_fixed_ip(store, inst['uuid'], ctx, '10.99.0.1')
    assert changed is None
    assert _faults(store, inst['uuid'])[-1] == "Instance %s does not have fixed IP '10.99.0.1'." % inst['uuid']
    assert instances.list_actions(store, inst['uuid']) == []   # Nova records no instance action for these
    # the lock (an admin passes it)
    instances.update(store, inst['uuid'], locked=True, locked_by='owner')
    with pytest.raises(InstanceLocked):
        multinic.add_fixed_ip(store, inst['uuid'], ctx, net['id'])
    _server_after, changed = multinic.remove_fixed_ip(store, inst['uuid'], _ctx(admin=True, project='p-admin'),
                                                      first[0])
    assert changed == port_id and _port_ips(store, port_id) == []
