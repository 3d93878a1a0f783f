import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.virt import connection, driver


def info(status):
    return {'status': status}


@pytest.mark.parametrize('current,state,steps', [
    (None, 'running', ['spawn']),
    (None, 'present', ['spawn']),
    (None, 'stopped', ['spawn', 'power_off']),
    (None, 'paused', ['spawn', 'pause']),
    (None, 'suspended', ['spawn', 'suspend']),
    (None, 'absent', []),
    ('running', 'running', []),
    ('running', 'present', []),
    ('running', 'stopped', ['power_off']),
    ('running', 'paused', ['pause']),
    ('running', 'suspended', ['suspend']),
    ('running', 'absent', ['destroy']),
    ('stopped', 'running', ['power_on']),
    ('stopped', 'stopped', []),
    ('stopped', 'paused', ['power_on', 'pause']),
    ('paused', 'running', ['unpause']),
    ('paused', 'stopped', ['power_off']),
    ('paused', 'suspended', ['suspend']),
    ('suspended', 'running', ['resume', 'unpause']),
    ('suspended', 'suspended', []),
    ('suspended', 'stopped', ['discard_managed_save']),
    ('suspended', 'paused', ['resume', 'pause']),
    ('pmsuspended', 'running', ['power_off', 'power_on']),
])
def test_plan_follows_nova_transitions(current, state, steps):
    assert driver.plan(info(current) if current else None, state) == steps


def test_plan_rejects_unknown_state():
    with pytest.raises(errors.InvalidInput) as exc:
        driver.plan(None, 'exploded')
    assert exc.value.field == 'state'


@pytest.mark.parametrize('kwargs,field', [
    ({'instances_path': 'relative/dir'}, 'instances_path'),
    ({'virt_type': 'xen'}, 'virt_type'),
])
def test_host_settings_validation(kwargs, field):
    with pytest.raises(errors.InvalidInput) as exc:
        driver.host_settings(**kwargs)
    assert exc.value.field == field


def test_host_settings_defaults():
    s = driver.host_settings()
    assert s == {'instances_path': '/var/lib/novalite/instances', 'libvirt_uri': 'qemu:///system',
                 'vnc_listen': '127.0.0.1', 'force_raw_images': True, 'virt_type': None}


def test_list_domains_and_info_on_test_driver():
    conn = connection.open_connection('test:///default')
    try:
        doms = driver.list_domains(conn)
        test_dom = [d for d in doms if d['name'] == 'test'][0]
        assert test_dom['novalite'] is False
        assert test_dom['power_state'] == 1 and test_dom['status'] == 'running'
        assert driver.get_info(conn, '00000000-0000-0000-0000-000000000000') is None
        with pytest.raises(errors.NovaliteError):
            driver.power_on(conn, '00000000-0000-0000-0000-000000000000')
    finally:
        conn.close()
