"""Snapshot and backup through the collection's playbooks, on a compute host in its own namespaces.

The server runs on a libvirt host of lib/test_hosts.py (its own mount, UTS and network namespaces, reached
at its own libvirt socket, as a remote compute host would be): server_action.yml snapshots it live, the
image file travels from that host to the controller's image store, and a server booted from the snapshot
shows the marker the first one wrote. Two backups with rotation 1 leave the newer; a bad rotation changes
nothing. Then the server is shelved (powered off, its disk into the shelve image, offloaded: its domain and
directory gone from that host), its host is disabled, and unshelve boots it on the second namespaced host from
the shelve image: the marker is there. One SQLite store (the playbooks' store code is the same on MariaDB,
tested elsewhere).
"""

import os
import time

import pytest

from lib.guests import MARKERS_DONE, marker_user_data, markers_seen
from lib.novalite_env import TEST_IMAGE, NovaliteEnv, libvirt_state
from lib.test_hosts import libvirt_hosts

from ansible_collections.novalite.compute.plugins.module_utils import states as S

pytestmark = [pytest.mark.libvirt, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(TEST_IMAGE), reason='test image not built (make image)')]


def _console(env, vm):
    with open(env.console_log(vm), errors='replace') as handle:
        return handle.read()


def test_snapshot_backup_and_shelve_through_server_action_on_namespaced_hosts(tmp_path):
    from ansible_collections.novalite.compute.plugins.module_utils.catalog import images
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts as registry
    with libvirt_hosts(2, prefix='nlsnap') as hosts:
        env = NovaliteEnv('sqlite:///%s' % (tmp_path / 'novalite.db'), hosts=[h.name for h in hosts],
                          libvirt_uris=dict((h.name, h.uri) for h in hosts))
        try:
            env.setup()
            env.must('server.yml', server_name='sn1', flavor='m1.tiny', image='novalite-test',
                     user_data=marker_user_data('nsword'))
            vm = env.server('sn1')
            host = [h for h in hosts if h.name == vm['host']][0]
            other = [h for h in hosts if h is not host][0]
            assert libvirt_state(vm['uuid'], host.uri) == 'running'
            assert libvirt_state(vm['uuid']) is None   # not on this machine's own libvirt
            env.wait_for_console(vm, MARKERS_DONE)

            run = env.must('server_action.yml', server='sn1', action='createImage', name='sn1-snap',
                           metadata={'via': 'playbook'})
            image = images.get(env.store(), 'sn1-snap')
            assert 'snapshot image %s' % image['id'] in run.output
            assert (image['status'], image['disk_format'], image['owner'], image['visibility']) == (
                'active', 'qcow2', vm['project_id'], 'private')
            props = image['properties']
            assert (props['image_type'], props['instance_uuid'], props['base_image_ref'], props['via'],
                    props['hw_architecture']) == ('snapshot', vm['uuid'], env.image['id'], 'playbook', 'x86_64')
            stored = os.listdir(env.image_store)
            assert image['id'] in stored and not [n for n in stored if n.startswith('.')]   # no incoming file left
            assert not os.listdir(os.path.join(env.instances_paths[host.name], 'snapshots'))   # staging removed
            after = env.server(vm['uuid'])
            assert (after['vm_state'], after['task_state']) == (S.ACTIVE, None)
            assert libvirt_state(vm['uuid'], host.uri) == 'running'
            snap = [a for a in instances.list_actions(env.store(), vm['uuid']) if a['action'] == 'createImage']
            assert [(e['event'], e['result']) for e in snap[0]['events']] == [('compute_snapshot_instance', 'Success')]

            env.must('server.yml', server_name='sn2', flavor='m1.tiny', image='sn1-snap')
            copy = env.server('sn2')
            env.wait_for_console(copy, MARKERS_DONE)
            assert markers_seen(_console(env, copy)) == {'vda': ['nsword']}

            env.must('server_action.yml', server='sn1', action='backup', name='sn1-b1', backup_type='daily',
                     rotation=1)
            time.sleep(1.1)   # created_at has second precision
            env.must('server_action.yml', server='sn1', action='createBackup', name='sn1-b2', backup_type='daily',
                     rotation=1)
            backups = images.list_images(env.store(), properties={'image_type': 'backup', 'instance_uuid': vm['uuid']})
            assert [b['name'] for b in backups] == ['sn1-b2']
            assert backups[0]['properties']['backup_type'] == 'daily'

            before = sorted(i['id'] for i in images.list_images(env.store()))
            bad = env.playbook('server_action.yml', server='sn1', action='backup', name='sn1-b3', backup_type='daily',
                               rotation=-1)
            assert bad.rc != 0 and 'rotation' in bad.output
            assert sorted(i['id'] for i in images.list_images(env.store())) == before
            assert env.server(vm['uuid'])['task_state'] is None

            # shelve: offloaded at once (shelved_offload_time 0) - the image came from the namespaced host
            env.must('server_action.yml', server='sn1', action='shelve')
            off = env.server(vm['uuid'])
            assert (off['vm_state'], off['task_state'], off['host']) == (S.SHELVED_OFFLOADED, None, None)
            assert libvirt_state(vm['uuid'], host.uri) is None
            assert not os.path.exists(os.path.join(env.instances_paths[host.name], vm['uuid']))
            shelved = images.get(env.store(), off['system_metadata']['shelved_image_id'])
            assert (shelved['name'], shelved['status']) == ('sn1-shelved', 'active')
            # its host disabled, unshelve schedules it to the other one and boots it from the shelve image
            registry.set_enabled(env.store(), host.name, False, reason='shelve test')
            env.must('server_action.yml', server='sn1', action='unshelve')
            back = env.server(vm['uuid'])
            assert (back['vm_state'], back['host']) == (S.ACTIVE, other.name)
            assert libvirt_state(vm['uuid'], other.uri) == 'running' and libvirt_state(vm['uuid'], host.uri) is None
            env.wait_for_console(back, MARKERS_DONE)
            assert markers_seen(_console(env, back)) == {'vda': ['nsword']}
            assert shelved['id'] not in [i['id'] for i in images.list_images(env.store())]   # deleted
            assert shelved['id'] not in os.listdir(env.image_store)
        finally:
            env.cleanup()
