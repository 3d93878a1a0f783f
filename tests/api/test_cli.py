# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The unmodified `openstack` CLI and openstacksdk against the running service."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import subprocess
import uuid

from lib.api_service import DEFAULT_FLAVORS, client_env, openstack


def test_token_issue_and_catalog_is_loopback_only(api, http, admin_token):
    rc, out, err = openstack(api, 'token', 'issue')
    assert rc == 0, err
    assert out['project_id'] == api['admin']['project']['id']
    assert out['user_id'] == api['admin']['user']['id']
    expires = datetime.datetime.strptime(out['expires'][:19], '%Y-%m-%dT%H:%M:%S')
    assert expires > datetime.datetime.utcnow()
    # Every endpoint a client may follow is on loopback.
    status, _h, body = http.call('GET', '/identity/v3/auth/catalog', token=admin_token)
    assert status == 200
    urls = [e['url'] for s in body['catalog'] for e in s['endpoints']]
    assert sorted(set(s['type'] for s in body['catalog'])) == ['compute', 'identity', 'image', 'network']
    assert urls and all(u.startswith('http://127.0.0.1:%d/' % api['port']) for u in urls)


def test_flavor_list_and_show(api):
    rc, out, err = openstack(api, 'flavor', 'list')
    assert rc == 0, err
    names = sorted(f['Name'] for f in out)
    # Nova lists public flavors plus the private ones shared with the caller's project.
    assert names == sorted([n for n, _i, _c, _r, _d in DEFAULT_FLAVORS] + ['admin.private'])
    rc, out, err = openstack(api, 'flavor', 'list', cloud='novalite-demo')
    assert rc == 0, err
    assert sorted(f['Name'] for f in out) == sorted(n for n, _i, _c, _r, _d in DEFAULT_FLAVORS)
    rc, out, err = openstack(api, 'flavor', 'show', 'm1.tiny')
    assert rc == 0, err
    assert (out['id'], out['ram'], out['vcpus'], out['disk']) == ('1', 512, 1, 1)
    assert out['os-flavor-access:is_public'] is True


def test_private_flavor_admin_all_vs_demo(api):
    rc, out, err = openstack(api, 'flavor', 'list', '--all')
    assert rc == 0, err
    assert 'admin.private' in [f['Name'] for f in out]
    rc, out, err = openstack(api, 'flavor', 'list', '--private')
    assert rc == 0, err
    assert [f['Name'] for f in out] == ['admin.private']
    rc, out, err = openstack(api, 'flavor', 'list', '--all', cloud='novalite-demo')
    assert rc == 0, err
    assert 'admin.private' not in [f['Name'] for f in out] and 'm1.tiny' in [f['Name'] for f in out]
    rc, out, err = openstack(api, 'flavor', 'show', 'p1', cloud='novalite-demo')
    assert rc != 0
    assert 'No Flavor found' in err or 'could not be found' in err


def test_image_list_and_show(api):
    rc, out, err = openstack(api, 'image', 'list')
    assert rc == 0, err
    by_name = dict((i['Name'], i) for i in out)
    assert by_name['novalite-test-image']['ID'] == api['public_image']['id']
    assert by_name['novalite-test-image']['Status'] == 'active'
    assert 'admin-private-image' in by_name
    rc, out, err = openstack(api, 'image', 'show', 'novalite-test-image')
    assert rc == 0, err
    assert out['id'] == api['public_image']['id']
    assert out['disk_format'] == 'qcow2'
    assert out['size'] == os.path.getsize(api['image_source'])
    # The demo project sees the public image, not admin's private one.
    rc, out, err = openstack(api, 'image', 'list', cloud='novalite-demo')
    assert rc == 0, err
    assert [i['Name'] for i in out] == ['novalite-test-image']


def test_keypair_create_list_show_delete(api, tmp_path):
    name = 'kp-%s' % uuid.uuid4().hex[:8]
    rc, out, err = openstack(api, 'keypair', 'create', name, as_json=False)
    assert rc == 0, err
    assert 'PRIVATE KEY' in out
    key_file = tmp_path / 'id'
    key_file.write_text(out)
    key_file.chmod(0o600)
    public = subprocess.run(['ssh-keygen', '-y', '-f', str(key_file)], capture_output=True, text=True, check=False)
    imported = name + '-imp'
    if public.returncode == 0:
        (tmp_path / 'id.pub').write_text(public.stdout)
        rc, out, err = openstack(api, 'keypair', 'create', '--public-key', str(tmp_path / 'id.pub'), imported)
        assert rc == 0, err
    rc, out, err = openstack(api, 'keypair', 'list')
    assert rc == 0, err
    listed = dict((k['Name'], k['Fingerprint']) for k in out)
    assert name in listed
    if public.returncode == 0:
        # The imported public half of the generated key has the same fingerprint.
        assert listed[imported] == listed[name]
    rc, out, err = openstack(api, 'keypair', 'show', name)
    assert rc == 0, err
    assert out['user_id'] == api['admin']['user']['id'] and out['fingerprint'] == listed[name]
    # Keypairs belong to their user: demo does not see them.
    rc, out, err = openstack(api, 'keypair', 'list', cloud='novalite-demo')
    assert rc == 0, err
    assert name not in [k['Name'] for k in out]
    for kp in (name, imported) if public.returncode == 0 else (name,):
        rc, _out, err = openstack(api, 'keypair', 'delete', kp, as_json=False)
        assert rc == 0, err
    rc, out, err = openstack(api, 'keypair', 'list')
    assert name not in [k['Name'] for k in out]


def test_server_list_and_show(api):
    server = api['server']
    rc, out, err = openstack(api, 'server', 'list')
    assert rc == 0, err
    assert [(s['ID'], s['Status'], s['Flavor'], s['Image']) for s in out] == [
        (server['uuid'], 'ACTIVE', 'm1.tiny', 'novalite-test-image')]
    rc, out, err = openstack(api, 'server', 'show', server['uuid'])
    assert rc == 0, err
    assert out['name'] == server['display_name']
    assert out['status'] == 'ACTIVE'
    assert out['OS-EXT-STS:vm_state'] == 'active'
    assert out['OS-EXT-SRV-ATTR:host'] == api['host']
    assert out['project_id'] == api['admin']['project']['id']


def test_second_project_cannot_see_the_server(api):
    rc, out, err = openstack(api, 'server', 'list', cloud='novalite-demo')
    assert rc == 0, err
    assert out == []
    rc, out, err = openstack(api, 'server', 'show', api['server']['uuid'], cloud='novalite-demo')
    assert rc != 0
    assert 'No Server found' in err or 'could not be found' in err


def test_hypervisor_and_service_list_admin_only(api):
    rc, out, err = openstack(api, 'hypervisor', 'list')
    assert rc == 0, err
    assert api['server']['node'] in [h['Hypervisor Hostname'] for h in out]
    rc, out, err = openstack(api, 'compute', 'service', 'list')
    assert rc == 0, err
    mine = [s for s in out if s['Host'] == api['host']]
    assert [(s['Binary'], s['State'], s['Status']) for s in mine] == [('nova-compute', 'up', 'enabled')]
    for args in (('hypervisor', 'list'), ('compute', 'service', 'list')):
        rc, out, err = openstack(api, *args, cloud='novalite-demo')
        assert rc != 0
        assert '403' in err or 'Forbidden' in err or "doesn't allow" in err


def test_limits_absolute(api):
    rc, out, err = openstack(api, 'limits', 'show', '--absolute')
    assert rc == 0, err
    values = dict((row['Name'], row['Value']) for row in out)
    # openstacksdk renames Nova's maxTotalInstances etc. to snake_case.
    assert values['max_total_instances'] == 10 and values['max_total_cores'] == 20
    assert values['max_total_ram_size'] == 51200
    # The one seeded server is an m1.tiny (1 vCPU, 512 MB) in the admin project.
    assert (values['total_instances_used'], values['total_cores_used'], values['total_ram_used']) == (1, 1, 512)
    rc, out, err = openstack(api, 'limits', 'show', '--absolute', cloud='novalite-demo')
    assert rc == 0, err
    values = dict((row['Name'], row['Value']) for row in out)
    assert (values['total_instances_used'], values['total_cores_used'], values['total_ram_used']) == (0, 0, 0)


def test_openstacksdk(api):
    script = (
        'import json, openstack\n'
        'conn = openstack.connect()\n'
        'print(json.dumps({"flavors": sorted(f.name for f in conn.compute.flavors()),\n'
        '                  "images": sorted(i.name for i in conn.image.images()),\n'
        '                  "servers": [(s.id, s.status, s.flavor["original_name"]) for s in conn.compute.servers()]}))\n')
    proc = subprocess.run([os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
        __file__)))), '.venv', 'bin', 'python'), '-c', script], env=client_env(api, 'novalite'),
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    import json
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['flavors'] == sorted([n for n, _i, _c, _r, _d in DEFAULT_FLAVORS] + ['admin.private'])
    assert got['images'] == ['admin-private-image', 'novalite-test-image']
    # The SDK negotiates the newest microversion: from 2.47 the server carries its flavor, named as booted.
    assert got['servers'] == [[api['server']['uuid'], 'ACTIVE', 'm1.tiny']]


def test_image_create_upload_and_delete(api, tmp_path):
    source = tmp_path / 'upload.qcow2'
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', str(source), '48M'])
    name = 'uploaded-%s' % uuid.uuid4().hex[:6]
    rc, out, err = openstack(api, 'image', 'create', '--file', str(source), '--disk-format', 'qcow2',
                             '--container-format', 'bare', name, cloud='novalite-demo')
    assert rc == 0, err
    import hashlib
    assert out['status'] == 'active' and out['owner'] == api['demo_project']['id']
    assert out['size'] == source.stat().st_size and out['virtual_size'] == 48 * 1024 * 1024
    assert out['properties']['os_hash_value'] == hashlib.sha256(source.read_bytes()).hexdigest()
    stored = os.path.join(api['cfg']['image_store'], out['id'])
    assert os.path.exists(stored)
    # Not public: the admin project's member list does not show it, demo's does.
    rc, listed, err = openstack(api, 'image', 'list', cloud='novalite-demo')
    assert name in [i['Name'] for i in listed]
    rc, _out, err = openstack(api, 'image', 'delete', out['id'], cloud='novalite-demo', as_json=False)
    assert rc == 0, err
    assert not os.path.exists(stored)


def test_versions_show_discovers_every_service_on_loopback(api):
    rc, out, err = openstack(api, 'versions', 'show')
    assert rc == 0, err
    found = dict(((v['Service Type'], v['Version']), v) for v in out)
    compute = found[('compute', '2.1')]
    assert (compute['Status'], compute['Min Microversion'], compute['Max Microversion']) == ('CURRENT', '2.1', '2.104')
    assert found[('identity', '3.14')]['Status'] == 'CURRENT'
    assert found[('image', '2.1')]['Status'] == 'CURRENT'
    assert found[('network', '2.0')]['Status'] == 'CURRENT'
    assert all(v['Endpoint'].startswith('http://127.0.0.1:%d/' % api['port']) for v in out)


def test_server_show_by_name(api):
    rc, out, err = openstack(api, 'server', 'show', api['server']['display_name'])
    assert rc == 0, err
    assert out['id'] == api['server']['uuid']


def test_server_group_create_list_show_delete(api):
    name = 'sg-%s' % uuid.uuid4().hex[:8]
    rc, out, err = openstack(api, 'server', 'group', 'create', '--policy', 'anti-affinity', '--rule',
                             'max_server_per_host=2', name)
    assert rc == 0, err
    assert out['name'] == name and out['policy'] == 'anti-affinity' and out['rules'] in (
        {'max_server_per_host': 2}, 'max_server_per_host=2', "max_server_per_host='2'")
    rc, listed, err = openstack(api, 'server', 'group', 'list')
    assert rc == 0, err
    assert name in [g['Name'] for g in listed]
    rc, shown, err = openstack(api, 'server', 'group', 'show', out['id'])
    assert rc == 0 and shown['members'] in ([], ''), err
    rc, listed, err = openstack(api, 'server', 'group', 'list', cloud='novalite-demo')
    assert name not in [g['Name'] for g in listed]   # another project's group
    rc, _out, err = openstack(api, 'server', 'group', 'delete', out['id'], as_json=False)
    assert rc == 0, err
    rc, _out, _err = openstack(api, 'server', 'group', 'show', out['id'])
    assert rc != 0
