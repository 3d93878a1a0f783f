"""reconcile.yml: the store against what libvirt really has (Nova's init_host and power-state sync)."""

import os
import uuid

import pytest
from lxml import etree

from lib.novalite_env import TEST_IMAGE, libvirt_state

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import instances

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]


@pytest.fixture
def libvirt_conn():
    import libvirt
    conn = libvirt.open('qemu:///system')
    made = []
    yield conn, made
    for dom_uuid in made:
        try:
            dom = conn.lookupByUUIDString(dom_uuid)
        except libvirt.libvirtError:
            continue
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    conn.close()


def test_reconcile_fixes_states_and_handles_orphans(env, libvirt_conn):
    conn, made = libvirt_conn
    env.must('server.yml', server_name='vm-a', flavor='m1.tiny', image='novalite-test')
    env.must('server.yml', server_name='vm-b', flavor='m1.tiny', image='novalite-test')
    vm_a, vm_b = env.server('vm-a'), env.server('vm-b')
    path = env.instances_paths['localhost']

    # behind novalite's back: vm-a powered off, vm-b's domain gone altogether
    conn.lookupByUUIDString(vm_a['uuid']).destroy()
    dom_b = conn.lookupByUUIDString(vm_b['uuid'])
    dom_b.destroy()
    dom_b.undefine()
    # an orphan: a novalite domain (it carries our metadata) that no instance owns, and a stray directory
    orphan = etree.fromstring(vm_a['domain_xml'].encode())
    orphan_uuid = str(uuid.uuid4())
    orphan.find('uuid').text = orphan_uuid
    orphan.find('name').text = 'orphan-%s' % orphan_uuid[:8]
    for entry in orphan.iter('entry'):
        if entry.get('name') in ('serial', 'uuid'):
            entry.text = orphan_uuid
    conn.defineXML(etree.tostring(orphan).decode())
    made.append(orphan_uuid)
    stray_dir = os.path.join(path, str(uuid.uuid4()))
    os.makedirs(stray_dir)
    # someone else's domain on the same libvirt: never touched
    foreign_uuid = str(uuid.uuid4())
    conn.defineXML("<domain type='qemu'><name>foreign-%s</name><uuid>%s</uuid><memory unit='MiB'>32</memory>"
                   "<os><type arch='x86_64'>hvm</type></os></domain>" % (foreign_uuid[:8], foreign_uuid))
    made.append(foreign_uuid)

    report = env.must('reconcile.yml')
    assert report.changed > 0
    a, b = env.server(vm_a['uuid']), env.server(vm_b['uuid'])
    assert (a['vm_state'], a['power_state']) == (S.STOPPED, S.SHUTDOWN)
    assert (b['vm_state'], b['power_state']) == (S.ERROR, S.NOSTATE)
    assert 'vanished' in instances.latest_fault(env.store(), vm_b['uuid'])['message']
    assert orphan_uuid in report.output and os.path.basename(stray_dir) in report.output
    # reported only: nothing removed without remove_orphans
    assert libvirt_state(orphan_uuid) == 'shut off' and os.path.isdir(stray_dir)
    assert os.path.isdir(os.path.join(path, vm_b['uuid'])), "the store's instances keep their files"

    again = env.must('reconcile.yml')
    assert (again.recap['localhost']['changed']) == 0, again.output[-3000:]

    env.must('reconcile.yml', remove_orphans=True)
    assert libvirt_state(orphan_uuid) is None and not os.path.exists(stray_dir)
    assert libvirt_state(foreign_uuid) == 'shut off', 'a domain that is not novalite\'s is left alone'
    assert os.path.isdir(os.path.join(path, vm_b['uuid'])) and libvirt_state(vm_a['uuid']) == 'shut off'

    # the stopped server starts again through the normal path
    env.must('server_action.yml', server='vm-a', action='start')
    assert libvirt_state(vm_a['uuid']) == 'running'
