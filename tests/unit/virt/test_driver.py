import os

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


def test_rebuild_once_per_request_keeps_ephemeral_on_ask_and_console_tail(tmp_path, tiny_image):
    """driver.rebuild on libvirt's test driver: new disks once per rebuild id; console_output's tail."""
    from virt_testlib import image_spec, instance_spec
    settings = {'instances_path': str(tmp_path / 'instances'), 'libvirt_uri': 'test:///default',
                'virt_type': 'qemu', 'force_raw_images': False}
    inst = instance_spec(image_spec(tiny_image), ephemeral_gb=1)
    conn = connection.open_connection('test:///default')
    try:
        driver.spawn(conn, inst, settings)
        idir = tmp_path / 'instances' / inst['uuid']
        root, local = idir / 'disk', idir / 'disk.local'
        (idir / 'console.log').write_bytes(b'one\r\ntwo\x07\n\xc3\xa9three\nfour')
        out = driver.console_output(conn, inst['uuid'], settings['instances_path'])
        assert out == {'output': 'one\ntwo\n\ufffd\ufffdthree\nfour', 'truncated_bytes': 0}
        assert driver.console_output(conn, inst['uuid'], settings['instances_path'], 2)['output'] == (
            '\ufffd\ufffdthree\nfour')
        assert driver.console_output(conn, inst['uuid'], settings['instances_path'], 0)['output'] == ''
        with pytest.raises(errors.InvalidInput):
            driver.console_output(conn, inst['uuid'], settings['instances_path'], -1)
        with pytest.raises(errors.NotFound):
            driver.console_output(conn, '00000000-0000-0000-0000-000000000001', settings['instances_path'])

        # old files are told apart by an mtime no new file has (inode numbers are reused)
        for disk_file in (root, local):
            os.utime(disk_file, (1, 1))
        first = driver.rebuild(conn, inst, settings, 'req-1', preserve_ephemeral=True, shutdown_timeout=0)
        assert first['rebuilt'] and root.stat().st_mtime != 1   # a new root disk
        assert local.stat().st_mtime == 1   # preserved
        assert (idir / 'console.log').read_bytes() == b''   # the rebuilt guest's log starts empty
        assert driver.get_info(conn, inst['uuid'])['status'] == 'running'
        os.utime(root, (2, 2))
        again = driver.rebuild(conn, inst, settings, 'req-1', shutdown_timeout=0)   # a resumed job's repeat
        assert again['rebuilt'] is False and root.stat().st_mtime == 2
        third = driver.rebuild(conn, inst, settings, 'req-2', start=False, shutdown_timeout=0)
        assert third['rebuilt'] and local.stat().st_mtime != 1   # not preserved this time
        assert driver.get_info(conn, inst['uuid'])['status'] == 'stopped'
    finally:
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        conn.close()


def _spawned_on_the_test_driver(tmp_path, tiny_image):
    """An instance spawned on libvirt's test driver: (settings, instance spec, connection, instance directory)."""
    from virt_testlib import image_spec, instance_spec
    settings = {'instances_path': str(tmp_path / 'instances'), 'libvirt_uri': 'test:///default',
                'virt_type': 'qemu', 'force_raw_images': False}
    inst = instance_spec(image_spec(tiny_image))
    conn = connection.open_connection('test:///default')
    driver.spawn(conn, inst, settings)
    return settings, inst, conn, tmp_path / 'instances' / inst['uuid']


def test_an_evacuation_onto_shared_storage_keeps_the_disks_and_the_failed_host_keeps_the_directory(
        tmp_path, tiny_image):
    """driver.rebuild with ``evacuate``: the disks already there and no domain (the failed host's directory on
    storage shared with this one) make the guest again from them; found nowhere, new disks (Nova's
    instance_on_disk). The failed host's destroy without destroy_disks leaves the directory."""
    settings, inst, conn, idir = _spawned_on_the_test_driver(tmp_path, tiny_image)
    try:
        root, log = idir / 'disk', idir / 'console.log'
        log.write_bytes(b'before the failure\n')
        os.utime(root, (1, 1))
        # the failed host's guest stays defined there; here (another libvirt) it has no domain
        driver.destroy(conn, inst['uuid'], settings['instances_path'], destroy_disks=False)
        assert root.exists() and driver.lookup(conn, inst['uuid']) is None
        out = driver.rebuild(conn, inst, settings, 'req-evac', shutdown_timeout=0, evacuate=True)
        assert (out['rebuilt'], out['on_shared_storage']) == (True, True)
        assert root.stat().st_mtime == 1 and log.read_bytes() == b'before the failure\n'   # the same disk
        assert driver.get_info(conn, inst['uuid'])['status'] == 'running'
        again = driver.rebuild(conn, inst, settings, 'req-evac', shutdown_timeout=0, evacuate=True)
        assert (again['rebuilt'], again['on_shared_storage']) == (False, True)
        # not on shared storage: nothing of the server here, new disks from its image
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        assert not idir.exists()
        fresh = driver.rebuild(conn, inst, settings, 'req-evac-2', shutdown_timeout=0, evacuate=True)
        assert (fresh['rebuilt'], fresh['on_shared_storage']) == (True, False) and root.stat().st_mtime != 1
        # absent without destroy_disks: only the domain goes, also as the instance module's state
        result = driver.ensure_state(conn, inst, settings, 'absent', destroy_disks=False)
        assert result['changed'] and driver.lookup(conn, inst['uuid']) is None and root.exists()
        assert driver.ensure_state(conn, inst, settings, 'absent', destroy_disks=False)['changed'] is False
    finally:
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        conn.close()


class _SeenShutOff(object):
    """A domain as a resumed call saw it: shut off, while a start that a killed call began was still going on."""

    def __init__(self, dom):
        self.dom, self.looked = dom, False

    def isActive(self):
        if not self.looked:
            self.looked = True
            return False
        return self.dom.isActive()

    def __getattr__(self, name):
        return getattr(self.dom, name)


def test_power_on_of_a_domain_another_call_started_meanwhile_is_no_change(monkeypatch):
    """libvirt answers the second start "domain is already running": the domain is up, so power_on is done."""
    conn = connection.open_connection('test:///default')
    try:
        dom = conn.lookupByName('test')
        assert dom.isActive()
        monkeypatch.setattr(driver, 'require_domain', lambda _conn, _uuid: _SeenShutOff(dom))
        assert driver.power_on(conn, dom.UUIDString()) is False
    finally:
        conn.close()


def test_power_on_failure_of_a_domain_still_shut_off_is_raised(monkeypatch):
    import libvirt
    conn = connection.open_connection('test:///default')
    try:
        dom = conn.lookupByName('test')
        dom.destroy()

        class FailingStart(object):
            def isActive(self):
                return dom.isActive()

            def name(self):
                return dom.name()

            def create(self):
                raise libvirt.libvirtError('Requested operation is not valid: no disk')

        monkeypatch.setattr(driver, 'require_domain', lambda _conn, _uuid: FailingStart())
        with pytest.raises(errors.NovaliteError) as raised:
            driver.power_on(conn, dom.UUIDString())
        assert 'starting test' in str(raised.value)
    finally:
        # test:///default is one per process: the next test finds its domain running again
        if not dom.isActive():
            dom.create()
        conn.close()


def test_unpause_of_a_domain_seen_paused_while_another_call_started_it_is_no_change(monkeypatch):
    """A domain being started looks paused (starting up); its resume then meets a running domain."""
    import libvirt
    conn = connection.open_connection('test:///default')
    try:
        dom = conn.lookupByName('test')
        assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING

        class SeenPaused(object):
            def __init__(self):
                self.looked = False

            def state(self):
                if not self.looked:
                    self.looked = True
                    return [libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP]
                return dom.state()

            def __getattr__(self, name):
                return getattr(dom, name)

        monkeypatch.setattr(driver, 'require_domain', lambda _conn, _uuid: SeenPaused())
        assert driver.unpause(conn, dom.UUIDString()) is False
    finally:
        conn.close()


def test_two_spawns_at_once_on_one_host_get_different_serial_console_ports(tmp_path, tiny_image, monkeypatch):
    """The instances module spawns a host's boots in parallel: a serial port is chosen among those no defined
    domain uses, so two spawns choosing before either defined its domain took the same one."""
    import threading
    import time
    from lxml import etree
    from virt_testlib import image_spec, instance_spec
    from ansible_collections.novalite.compute.plugins.module_utils.virt import domain_xml
    settings = {'instances_path': str(tmp_path / 'instances'), 'libvirt_uri': 'test:///default',
                'virt_type': 'qemu', 'force_raw_images': False}
    image = image_spec(tiny_image)
    pair = [instance_spec(image), instance_spec(image)]
    for index, inst in enumerate(pair):   # the same first eight hex digits: both count from the same port
        inst['uuid'] = 'abcdef01-0000-4000-8000-00000000000%d' % (index + 1)
        inst['name'] = 'instance-serial-%d' % index
    render = domain_xml.render

    def slow_render(*args, **kwargs):
        time.sleep(0.3)   # the moment between choosing the port and defining the domain, made long
        return render(*args, **kwargs)
    monkeypatch.setattr(domain_xml, 'render', slow_render)
    errors_seen = []
    conn = connection.open_connection('test:///default')   # (each test:///default connection is its own host)

    def spawn(inst):
        try:
            driver.spawn(conn, inst, settings, start=False)
        except Exception as exc:  # pylint: disable=broad-except
            errors_seen.append(exc)
    try:
        threads = [threading.Thread(target=spawn, args=(inst,)) for inst in pair]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors_seen == []
        ports = []
        for inst in pair:
            doc = etree.fromstring(conn.lookupByUUIDString(inst['uuid']).XMLDesc(0).encode())
            ports.append(doc.find("devices/serial[@type='tcp']/source").get('service'))
        assert len(set(ports)) == 2, ports
    finally:
        for inst in pair:
            driver.destroy(conn, inst['uuid'], settings['instances_path'])
        conn.close()


@pytest.mark.parametrize('asked,on_disk,kept', [(None, True, True), (None, False, False), (True, True, True),
                                                (False, False, False), (True, False, None), (False, True, None)])
def test_an_evacuation_keeps_the_disks_it_finds_and_refuses_a_wrong_word_on_shared_storage(asked, on_disk, kept):
    """Nova's _do_rebuild_instance: onSharedStorage not given (2.14+): what the host finds decides; given (before
    2.14) and not what the host finds: InvalidSharedStorage."""
    if kept is None:
        with pytest.raises(errors.NovaliteError, match='^Invalid state of instance files on shared storage$'):
            driver.evacuate_on_shared_storage(asked, on_disk)
    else:
        assert driver.evacuate_on_shared_storage(asked, on_disk) is kept


def test_a_wrong_word_on_shared_storage_touches_nothing(tmp_path, tiny_image):
    """driver.rebuild(evacuate) told the disks are not shared while they are here (and the reverse): refused before
    any disk or domain is made or removed; the right word rebuilds as without one."""
    settings, inst, conn, idir = _spawned_on_the_test_driver(tmp_path, tiny_image)
    try:
        root = idir / 'disk'
        os.utime(root, (1, 1))
        driver.destroy(conn, inst['uuid'], settings['instances_path'], destroy_disks=False)
        with pytest.raises(errors.NovaliteError, match='Invalid state of instance files on shared storage'):
            driver.rebuild(conn, inst, settings, 'req-a', shutdown_timeout=0, evacuate=True, on_shared_storage=False)
        assert root.stat().st_mtime == 1 and driver.lookup(conn, inst['uuid']) is None
        assert not (idir / driver.REBUILD_MARK).exists()
        out = driver.rebuild(conn, inst, settings, 'req-b', shutdown_timeout=0, evacuate=True, on_shared_storage=True)
        assert (out['rebuilt'], out['on_shared_storage']) == (True, True) and root.stat().st_mtime == 1
        # nothing of it here: told it is on shared storage, refused; nothing made
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        with pytest.raises(errors.NovaliteError, match='Invalid state of instance files on shared storage'):
            driver.rebuild(conn, inst, settings, 'req-c', shutdown_timeout=0, evacuate=True, on_shared_storage=True)
        assert not idir.exists() and driver.lookup(conn, inst['uuid']) is None
    finally:
        driver.destroy(conn, inst['uuid'], settings['instances_path'])
        conn.close()
