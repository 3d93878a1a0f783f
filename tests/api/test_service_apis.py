# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""os-server-password, os-server-external-events, os-instance_usage_audit_log and extensions, against the
session's running service, through openstacksdk and the `openstack` CLI where they have the call.

Service only: the servers are rows on the session's (fake) host, no guest boots.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import uuid

import pytest

from lib.api_service import openstack
from test_compute_endpoints import _store, forget_servers, make_server, new_project

C = '/compute/v2.1'


@pytest.fixture(scope='module')
def sdk(api):
    """openstacksdk connections as the session's admin and demo users (only 127.0.0.1, no proxy)."""
    import openstack as sdk_lib
    from openstack import config as sdk_config
    saved = dict((k, os.environ.get(k)) for k in ('no_proxy', 'NO_PROXY'))
    os.environ['no_proxy'] = os.environ['NO_PROXY'] = '127.0.0.1'
    loader = sdk_config.OpenStackConfig(config_files=[api['clouds']])
    conns = dict((name, sdk_lib.connection.Connection(config=loader.get_one(name)))
                 for name in ('novalite', 'novalite-demo'))
    yield conns
    for conn in conns.values():
        conn.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope='module')
def project(api, http):
    info = new_project(api, http, unlimited=True)
    yield info
    forget_servers(api, info)


# ---- os-server-password ------------------------------------------------------------------------

def test_server_password_show_and_clear(api, http, sdk, project, demo_token):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances, server_password
    from ansible_collections.novalite.compute.plugins.module_utils.errors import Conflict
    server = make_server(api, project)
    admin = sdk['novalite'].compute
    # no guest posted one: Nova's empty string
    assert admin.get_server_password(server['uuid']) == ''
    # what a guest posts (the metadata service's rules): shown unchanged, to the owner and admins
    posted = 'x' * 256
    store = _store(api)
    try:
        server_password.post(store, server['uuid'], posted)
        with pytest.raises(Conflict):
            server_password.post(store, server['uuid'], 'again')
        assert admin.get_server_password(server['uuid']) == posted
        path = '%s/servers/%s/os-server-password' % (C, server['uuid'])
        assert http.call('GET', path, token=project['token'])[::2] == (200, {'password': posted})
        # another project's user: the server does not exist for them
        assert http.call('GET', path, token=demo_token)[0] == 404
        assert http.call('DELETE', path, token=demo_token)[0] == 404
        # clear: 204, then '' (Nova keeps the emptied keys)
        status, _h, body = http.call('DELETE', path, token=project['token'])
        assert (status, body) == (204, None)
        assert admin.get_server_password(server['uuid']) == ''
        system = instances.get(store, server['uuid'])['system_metadata']
        assert [system[k] for k in server_password.KEYS] == ['', '', '', '']
        # a cleared password may be posted again; the SDK's clear works as well
        server_password.post(store, server['uuid'], 'second')
        assert admin.get_server_password(server['uuid']) == 'second'
        admin.clear_server_password(server['uuid'])
        assert admin.get_server_password(server['uuid']) == ''
    finally:
        store.dispose()
    assert http.call('GET', '%s/servers/%s/os-server-password' % (C, uuid.uuid4()), token=project['token'])[0] == 404


# ---- os-server-external-events -----------------------------------------------------------------

def _events(http, token, events, version=None):
    headers = {'OpenStack-API-Version': 'compute %s' % version} if version else None
    return http.call('POST', C + '/os-server-external-events', {'events': events}, token=token, headers=headers)


def test_external_events_codes_per_event(api, http, sdk, project, admin_token):
    on_host = make_server(api, project)
    no_host = make_server(api, project, vm_state='building', power_state=0, host=None, node=None)
    # the SDK (newest microversion): one event delivered
    got = list(sdk['novalite'].compute.create_server_external_events(
        [{'name': 'network-changed', 'server_uuid': on_host['uuid'], 'tag': 'port-1'}]))
    assert [(e.name, e.code, e.status, e.tag) for e in got] == [('network-changed', 200, 'completed', 'port-1')]
    # one of each answer: 207 and each event's own code, the request's fields echoed
    unknown = str(uuid.uuid4())
    status, _h, body = _events(http, admin_token, [
        {'name': 'network-vif-plugged', 'server_uuid': on_host['uuid'], 'status': 'in-progress', 'tag': 'p'},
        {'name': 'network-vif-unplugged', 'server_uuid': unknown},
        {'name': 'network-vif-deleted', 'server_uuid': no_host['uuid']},
        {'name': 'volume-extended', 'server_uuid': on_host['uuid']}], version='2.51')
    assert status == 207
    assert body == {'events': [
        {'name': 'network-vif-plugged', 'server_uuid': on_host['uuid'], 'status': 'completed', 'tag': 'p',
         'code': 200},
        {'name': 'network-vif-unplugged', 'server_uuid': unknown, 'status': 'failed', 'code': 404},
        {'name': 'network-vif-deleted', 'server_uuid': no_host['uuid'], 'status': 'failed', 'code': 422},
        {'name': 'volume-extended', 'server_uuid': on_host['uuid'], 'status': 'failed', 'code': 400}]}
    # no event's server found: 207 too (Nova dropped its 404 for this, bug 1855752)
    status, _h, body = _events(http, admin_token, [{'name': 'network-changed', 'server_uuid': unknown}])
    assert (status, body['events'][0]['code']) == (207, 404)


def test_external_event_names_follow_the_microversion(api, http, project, admin_token):
    server = make_server(api, project)
    cases = (('volume-extended', '2.50', '2.51'), ('power-update', '2.75', '2.76'),
             ('accelerator-request-bound', '2.81', '2.82'), ('volume-reimaged', '2.92', '2.93'))
    for name, before, since in cases:
        event = [{'name': name, 'server_uuid': server['uuid'], 'tag': 'tag-1'}]
        status, _h, body = _events(http, admin_token, event, version=before)
        assert status == 400 and body['badRequest']['message'].startswith(
            "Invalid input for field/attribute name. Value: %s. '%s' is not one of ['network-changed', "
            % (name, name)), body
        assert _events(http, admin_token, event, version=since)[0] == 200, name
    for bad in ([], [{'name': 'network-changed'}], [{'name': 'network-changed', 'server_uuid': 'nope'}],
                [{'name': 'network-changed', 'server_uuid': server['uuid'], 'status': 'done'}],
                [{'name': 'network-changed', 'server_uuid': server['uuid'], 'extra': 1}]):
        assert _events(http, admin_token, bad)[0] == 400, bad


def test_external_events_are_for_the_service_role(api, http, project, demo_token):
    server = make_server(api, project)
    event = [{'name': 'network-changed', 'server_uuid': server['uuid']}]
    # the body is checked first (Nova's decorators), then the policy
    assert _events(http, demo_token, [{'name': 'nothing', 'server_uuid': server['uuid']}])[0] == 400
    assert _events(http, demo_token, event)[0] == 403
    assert _events(http, project['token'], event)[0] == 403
    # a user with the service role (as Neutron's and Cinder's service users) may send them
    from novalite_api import accounts
    store = _store(api)
    try:
        accounts.ensure_roles(store, ('service',))
        name, password = 'svc-%s' % uuid.uuid4().hex[:8], 'pw-%s' % uuid.uuid4().hex
        accounts.create_user(store, name, password, default_project=project['name'])
        accounts.assign_role(store, name, project['name'], 'service')
    finally:
        store.dispose()
    status, _h, body = _events(http, http.token(name, password, project['name']), event)
    assert (status, body['events'][0]['code']) == (200, 200)


def _actions(api, ident):
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    store = _store(api)
    try:
        return instances.list_actions(store, ident), instances.get(store, ident)
    finally:
        store.dispose()


def test_power_update_as_novas_libvirt_host(api, http, project, admin_token):
    running = make_server(api, project)
    event = [{'name': 'power-update', 'server_uuid': running['uuid'], 'tag': 'POWER_ON'}]
    # POWER_ON for a running server: a start action whose host event is a no-op
    assert _events(http, admin_token, event, version='2.76')[0] == 200
    # POWER_OFF: a stop action; the libvirt driver does not implement it, so the event fails, nothing changes
    event[0]['tag'] = 'POWER_OFF'
    assert _events(http, admin_token, event, version='2.76')[0] == 200
    # a tag that is no power state: delivered, nothing recorded
    event[0]['tag'] = 'HOST_PowerOff'
    assert _events(http, admin_token, event, version='2.76')[0] == 200
    actions, inst = _actions(api, running['uuid'])
    done = [(a['action'], [(e['event'], e['result']) for e in a['events']]) for a in actions if a['action'] != 'create']
    assert done == [('start', [('compute_power_update', 'Success')]), ('stop', [('compute_power_update', 'Error')])]
    assert (inst['vm_state'], inst['power_state'], inst['task_state']) == ('active', 1, None)
    # volume-extended: an extend_volume action failing as Nova's host does for a volume it does not have
    assert _events(http, admin_token, [{'name': 'volume-extended', 'server_uuid': running['uuid'],
                                        'tag': 'vol-1'}], version='2.51')[0] == 200
    # what a client sees: `openstack server event list` (the instance actions), newest first
    rc, out, err = openstack(api, 'server', 'event', 'list', running['uuid'])
    assert rc == 0, err
    assert [row['Action'] for row in out] == ['extend_volume', 'stop', 'start', 'create']


# ---- os-instance_usage_audit_log ---------------------------------------------------------------

def test_audit_period_is_novas_last_completed_month():
    from novalite_api.compute.instance_usage_audit_log import last_completed_period
    dt = datetime.datetime
    assert last_completed_period(dt(2012, 7, 5, 10)) == (dt(2012, 6, 1), dt(2012, 7, 1))
    assert last_completed_period(dt(2012, 7, 1)) == (dt(2012, 5, 1), dt(2012, 6, 1))
    assert last_completed_period(dt(2013, 1, 15)) == (dt(2012, 12, 1), dt(2013, 1, 1))
    assert last_completed_period(dt(2013, 2, 1)) == (dt(2012, 12, 1), dt(2013, 1, 1))


def test_instance_usage_audit_log(api, http, admin_token, demo_token):
    status, _h, body = http.call('GET', C + '/os-instance_usage_audit_log', token=admin_token)
    assert status == 200
    got = body['instance_usage_audit_logs']
    _s, _h, services = http.call('GET', C + '/os-services?binary=nova-compute', token=admin_token)
    hosts = sorted(s['host'] for s in services['services'])
    assert hosts
    # no audit task ran anywhere: every compute host not run, as Nova with instance_usage_audit off
    assert got == dict(
        got, hosts_not_run=hosts, log={}, num_hosts=len(hosts), num_hosts_done=0, num_hosts_running=0,
        num_hosts_not_run=len(hosts), total_errors=0, total_instances=0,
        overall_status='0 of %d hosts done. 0 errors.' % len(hosts))
    now = datetime.datetime.utcnow()
    assert got['period_ending'] == str(datetime.datetime(now.year, now.month, 1)) or now.day == 1
    status, _h, body = http.call('GET', C + '/os-instance_usage_audit_log/2012-07-05%2010:00:00.5',
                                 token=admin_token)
    assert status == 200
    one = body['instance_usage_audit_log']
    assert (one['period_beginning'], one['period_ending']) == ('2012-06-01 00:00:00', '2012-07-01 00:00:00')
    status, _h, body = http.call('GET', C + '/os-instance_usage_audit_log/yesterday', token=admin_token)
    assert (status, body['badRequest']['message']) == (400, 'Invalid timestamp for date yesterday')
    # no period ends before January of year 1 (Nova's own code fails there with a 500)
    assert http.call('GET', C + '/os-instance_usage_audit_log/0001-01-05%2000:00:00', token=admin_token)[0] == 400
    assert http.call('GET', C + '/os-instance_usage_audit_log', token=demo_token)[0] == 403
    assert http.call('GET', C + '/os-instance_usage_audit_log/2012-07-05%2010:00:00', token=demo_token)[0] == 403
    # strict about query parameters from 2.102, as every API
    assert http.call('GET', C + '/os-instance_usage_audit_log?x=1', token=admin_token,
                     headers={'OpenStack-API-Version': 'compute 2.102'})[0] == 400


# ---- extensions ----------------------------------------------------------------------------------

def test_extensions_through_the_cli_and_sdk(api, http, sdk, demo_token):
    rc, out, err = openstack(api, 'extension', 'list', '--compute', '--long', cloud='novalite-demo')
    assert rc == 0, err
    aliases = [row['Alias'] for row in out]
    assert aliases == sorted(aliases)   # by alias, as Nova's list
    for alias in ('os-keypairs', 'os-server-password', 'os-server-external-events', 'os-instance_usage_audit_log',
                  'os-deferred-delete', 'os-shelve', 'OS-EXT-SRV-ATTR'):
        assert alias in aliases
    for absent in ('os-cells', 'os-agents', 'NMN', 'os-evacuate'):
        assert absent not in aliases
    assert 'os-volumes' in aliases   # its routes are served (test_volume_routes.py)
    found = sdk['novalite-demo'].compute.find_extension('os-rescue')
    assert (found.alias, found.name) == ('os-rescue', 'Rescue')
    status, _h, body = http.call('GET', C + '/extensions/os-rescue', token=demo_token)
    assert status == 200 and set(body['extension']) == {'alias', 'description', 'links', 'name', 'namespace',
                                                        'updated'}
    assert http.call('GET', C + '/extensions/os-cells', token=demo_token)[0] == 404
    assert http.call('GET', C + '/extensions')[0] == 401
