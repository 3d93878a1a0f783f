"""Every key a module returns is in its RETURN documentation, and every key documented
``returned: always`` is returned.

Each module's handler runs through the module's own argument spec in representative
calls: the controller-side ones on a temporary SQLite store (one story: register a host,
a flavor, an image, a keypair, boot a server, record its host call, act on it), the
host-side ones on libvirt's test driver (test:///default) and a real tiny qcow2 image.
"""

import os
import subprocess
import uuid

import pytest
import yaml

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ansible_collections.novalite.compute.plugins.module_utils.virt import connection
from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import module_definition, run_in_process
from lib.novalite_env import module_names

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULES = os.path.join(REPO, 'plugins', 'modules')
# What every module may return besides its own keys (AnsibleModule's and the base's common ones).
COMMON = {'changed', 'failed', 'msg', 'warnings', 'invocation', 'diff', 'skipped'}
MODULE_NAMES = module_names()


def documented(name):
    """RETURN of the module: {key: 'returned' text}."""
    import importlib
    mod = importlib.import_module('ansible_collections.novalite.compute.plugins.modules.%s' % name)
    doc = yaml.safe_load(mod.RETURN) or {}
    return dict((key, str(value.get('returned', ''))) for key, value in doc.items())


def facts():
    return {
        'hostname': 'hv1.example', 'host_uuid': str(uuid.uuid4()), 'host_ip': '192.0.2.2',
        'libvirt_uri': 'qemu:///system', 'instances_path': '/var/lib/novalite/instances',
        'vcpus': 8, 'memory_mb': 16384, 'memory_mb_free': 12000, 'local_gb': 200, 'free_disk_gb': 150,
        'cpu_arch': 'x86_64',
        'cpu_info': {'arch': 'x86_64', 'model': 'kvm64', 'vendor': 'AMD',
                     'topology': {'sockets': 1, 'cores': 8, 'threads': 1}, 'features': ['avx2']},
        'cpu_traits': ['HW_CPU_X86_AVX2'], 'hypervisor_type': 'QEMU', 'hypervisor_version': 7002022,
        'libvirt_version': 9000000, 'virt_type': 'qemu', 'virt_type_detected': 'qemu',
        'supported_instances': [['x86_64', 'qemu', 'hvm']], 'running_vms': 0,
    }


def make_qcow2(path):
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2', str(path), '16M'])
    return str(path)


class Recorder(object):
    """Runs modules in-process and keeps, per module, the results of its successful runs."""

    def __init__(self, db):
        self.db = db
        self.results = {}

    def __call__(self, name, args, controller=True, **modes):
        if controller:
            args = dict(args, database_url=self.db)
        out = run_in_process(name, module_definition(name), args, diff_mode=True, **modes)
        assert not out.get('failed'), (name, out)
        self.results.setdefault(name, []).append(out)
        return out


@pytest.fixture(scope='module')
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('returns')
    rec = Recorder('sqlite:///%s' % (tmp / 'store.db'))
    image_file = make_qcow2(tmp / 'tiny.qcow2')
    key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode('ascii')

    # the controller-side story
    rec('compute_node', {'host': 'hv1', 'facts': facts()})
    rec('compute_node', {'host': 'hv1', 'enabled': True})
    rec('compute_node_info', {})
    rec('compute_heartbeat', {'hosts': ['hv1', 'unknown'], 'not_answering': {'hv9': 'unreachable'}})
    rec('flavor', {'name': 'm1.tiny', 'vcpus': 1, 'ram': 64, 'disk': 1})
    rec('flavor_info', {})
    rec('image', {'name': 'tiny', 'filename': image_file, 'image_store': str(tmp / 'images'),
                  'visibility': 'public'})
    rec('image_info', {'image': 'tiny'})
    rec('keypair', {'name': 'k1', 'public_key': key})
    rec('server_group', {'name': 'g1', 'policy': 'anti-affinity'})
    rec('aggregate', {'name': 'rack1', 'availability_zone': 'az1', 'hosts': ['hv1'], 'metadata': {'ssd': 'true'}},
        check_mode=True)
    rec('aggregate', {'name': 'rack1', 'availability_zone': 'az1', 'hosts': ['hv1'], 'metadata': {'ssd': 'true'}})
    rec('aggregate', {'name': 'rack2'})
    rec('aggregate', {'name': 'rack2', 'state': 'absent'})
    rec('schedule', {'flavor': 'm1.tiny', 'image': 'tiny', 'claim': False})
    rec('schedule', {'flavor': 'm1.tiny', 'image': 'tiny', 'consumer_uuids': [str(uuid.uuid4())]})
    booted = rec('server', {'name': 'vm1', 'flavor': 'm1.tiny', 'image': 'tiny', 'key_name': 'k1'})
    call = booted['host_call']
    ok = {'changed': True, 'item': call, 'power_state': 1, 'state': 'running',
          'domain_xml': '<domain/>', 'invocation': {'module_args': {}}}
    rec('server_report', {'loop_results': [ok], 'request_id': call.get('request_id')})
    rec('server_report', {'loop_results': [ok]}, check_mode=True)
    rec('console', {'server': 'vm1'})   # the check and the host call
    rec('console', {'server': 'vm1', 'ports': {'changed': False, 'vnc': {'host': '127.0.0.1', 'port': 5900},
                                               'serial': [{'host': '127.0.0.1', 'port': 10000}]}})
    rec('server_info', {'server': 'vm1'})
    rec('server_info', {})
    rec('server_action', {'server': 'vm1', 'action': 'console_output', 'length': 10})
    rec('server_action', {'server': 'vm1', 'action': 'rebuild', 'image': 'tiny', 'name': 'vm1b'}, check_mode=True)
    rec('server_action', {'server': 'vm1', 'action': 'snapshot', 'name': 'vm1-snap', 'metadata': {'k': 'v'},
                          'image_store': str(tmp / 'images')})
    rec('server_report', {'loop_results': [{'changed': False, 'failed': True, 'msg': 'no', 'item': dict(
        call, action='snapshot', request_id=rec.results['server_action'][-1]['request_id'])}]})
    rec('server_action', {'server': 'vm1', 'action': 'stop'})
    rec('server', {'name': 'vm2', 'flavor': 'm1.tiny', 'image': 'tiny'}, check_mode=True)
    rec('server_build', {'name': 'vm3', 'flavor': 'm1.tiny', 'image': 'tiny'})
    rec('reconcile', {'host': 'hv1', 'domains': [], 'instance_dirs': []})
    rec('server_set', {'name': 'set1', 'servers': [{'name': 'vm4', 'flavor': 'm1.tiny', 'image': 'tiny'}]},
        check_mode=True)
    rec('server_set', {'name': 'set1', 'servers': [{'name': 'vm4', 'flavor': 'm1.tiny', 'image': 'tiny'}]})
    # the network resources
    rec('network', {'name': 'n1'}, check_mode=True)
    rec('network', {'name': 'n1'})
    rec('network', {'name': 'public', 'external': True})
    rec('subnet', {'name': 's1', 'network': 'n1', 'cidr': '10.0.0.0/24'})
    rec('subnet', {'name': 'ps1', 'network': 'public', 'cidr': '192.0.2.0/24'})
    rec('security_group', {'name': 'sg1'})
    rec('security_group_rule', {'security_group': 'sg1', 'protocol': 'icmp'})
    rec('port', {'name': 'p1', 'network': 'n1', 'security_groups': ['sg1']})
    rec('router', {'name': 'r1', 'network': 'public', 'interfaces': ['s1']})
    rec('floating_ip', {'network': 'public', 'port': 'p1'})
    rec('network_info', {'resources': ['networks', 'subnets', 'ports', 'security_groups', 'security_group_rules',
                                       'routers', 'floating_ips']})
    for name, args in (('floating_ip', {'port': 'p1'}), ('router', {'name': 'r1'}), ('port', {'name': 'p1'}),
                       ('security_group_rule', {'security_group': 'sg1', 'protocol': 'icmp'}),
                       ('security_group', {'name': 'sg1'})):
        rec(name, dict(args, state='absent'))

    # the host side, on libvirt's test driver
    if connection.HAS_LIBVIRT:
        # the test driver keeps its domains while a connection to it is open
        keep = connection.open_connection('test:///default')
        host = {'libvirt_uri': 'test:///default', 'instances_path': str(tmp / 'instances')}
        os.makedirs(host['instances_path'])
        rec('host_facts', host, controller=False)
        rec('domain_info', host, controller=False)
        image = {'id': str(uuid.uuid4()), 'name': 'tiny', 'disk_format': 'qcow2', 'location': image_file,
                 'min_disk': 0, 'properties': {}}
        rec('image_cache', dict(host, image=image, force_raw_images=False), controller=False)
        rec('image_cache', dict(host, image=image), controller=False, check_mode=True)
        rec('image_cache', dict(host, remove_unused=True, max_age=0), controller=False)
        u = str(uuid.uuid4())
        instance = {'uuid': u, 'name': 'instance-t%s' % u[:8], 'display_name': 'vm-t', 'project_id': 'p1',
                    'user_id': 'u1', 'created_at': '2026-11-23T18:29:05Z', 'image': image,
                    'flavor': {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 64, 'root_gb': 1,
                               'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}},
                    'network_info': [], 'metadata': {}}
        rec('instance_disk', dict(host, instance=instance, force_raw_images=False), controller=False)
        rec('domain_xml', dict(host, instance=instance, define=True, virt_type='qemu'), controller=False)
        rec('instance', dict(host, instance=instance, virt_type='qemu', state='running'), controller=False)
        rec('instance_action', {'libvirt_uri': 'test:///default', 'instance': instance, 'action': 'reboot_hard'},
            controller=False)
        rec('console_log', dict(host, instance=instance, length=5), controller=False)
        rec('console_ports', dict(host, instance=instance), controller=False)
        rec('domain_diagnostics', dict(host, instance=instance), controller=False)
        snap = str(uuid.uuid4())
        rec('instance_snapshot', dict(host, instance=instance, image_id=snap), controller=False)
        rec('instance_snapshot', dict(host, instance=instance, image_id=snap, state='absent'), controller=False)
        # a resize there and back (the test driver is one hypervisor: the domain moves between two directories)
        other = dict(host, instances_path=str(tmp / 'instances2'))
        rec('instance_move', dict(host, instance=instance, virt_type='qemu', shutdown_timeout=0, move={
            'step': 'migrate_out', 'dest': {'instances_path': other['instances_path'], 'transfer': 'local'}}),
            controller=False)
        rec('instance_move', dict(other, instance=instance, virt_type='qemu',
                                  move={'step': 'finish_in', 'power_on': True}), controller=False)
        rec('instance_move', dict(other, instance=instance, move={'step': 'revert_dest'}), controller=False)
        rec('instance_move', dict(host, instance=instance, virt_type='qemu',
                                  move={'step': 'revert_source', 'power_on': True}), controller=False)
        rec('instance_move', dict(host, instance=instance, move={'step': 'confirm', 'same_host': True}),
            controller=False, check_mode=True)
        # a live migration's checks and preparation, its rollback and controls (the test driver migrates nothing)
        rec('instance_live_migrate', dict(other, instance=instance, live_migration={
            'step': 'prepare_destination', 'source': {'libvirt_uri': host['libvirt_uri']}}), controller=False)
        rec('instance_live_migrate', dict(host, instance=instance, live_migration={
            'step': 'migrate', 'dest': {'libvirt_uri': 'test:///default'}}), controller=False, check_mode=True)
        rec('instance_live_migrate', dict(other, instance=instance, live_migration={'step': 'rollback_dest'}),
            controller=False)
        rec('instance_live_migrate', dict(host, instance=instance, live_migration={'step': 'abort'}),
            controller=False, check_mode=True)
        rec('instance', dict(host, instance=instance, virt_type='qemu', state='running', rebuild='req-r1'),
            controller=False)
        # a stop (power_off: clean_shutdown) and a boot of a new instance (spawn: virt_type, spawn_timing)
        rec('instance', dict(host, instance=instance, state='stopped', shutdown_timeout=0), controller=False)
        fresh = str(uuid.uuid4())
        new_instance = dict(instance, uuid=fresh, name='instance-t%s' % fresh[:8])
        rec('instance', dict(host, instance=new_instance, virt_type='qemu', state='running'), controller=False)
        rec('instance', dict(host, instance=new_instance, virt_type='qemu', state='absent'), controller=False)
        rec('instance', dict(host, instance=instance, virt_type='qemu', state='absent'), controller=False)
        rec('instances', dict(host, virt_type='qemu', calls=[dict(host, instance=instance, state='running')]),
            controller=False)
        rec('instances', dict(host, virt_type='qemu', calls=[dict(host, instance=instance, state='absent')]),
            controller=False)
        keep.close()
    # a host's network: read-only in check mode (nothing is added to this machine's network)
    rec('host_network', {'network': {'local_ip': None, 'networks': [], 'ports': []},
                         'network_state_dir': str(tmp / 'network')}, controller=False, check_mode=True)
    return rec.results


@pytest.mark.parametrize('name', MODULE_NAMES)
def test_returned_keys_are_documented(name, recorded):
    # a module without a representative run is a gap in this test, not a pass
    assert name in recorded, 'no representative run of %s (add one above)' % name
    docs = documented(name)
    seen = set()
    for result in recorded[name]:
        keys = set(result) - COMMON
        assert keys <= set(docs), '%s returns undocumented keys %s' % (name, sorted(keys - set(docs)))
        seen |= keys
    always = set(k for k, returned in docs.items() if returned == 'always')
    assert always <= seen, '%s documents as always returned but never returned %s' % (name, sorted(always - seen))


# What a failed call of ``instances`` carries (error_result, a crash's traceback) and what the batch adds
# to a call's result (the ports it plugged) besides the instance module's own keys.
INSTANCES_CALL_EXTRA = {'error', 'field', 'details', 'exception', 'plugged'}


def test_instances_results_are_instance_results(recorded):
    """``instances`` passes each call's instance-module result through in ``results``: those keys must be
    in the instance module's RETURN too (a key only a batch boot returns would escape the check above)."""
    docs = set(documented('instance'))
    seen = set()
    for result in recorded.get('instances', []):
        for one in result['results']:
            keys = set(one) - COMMON - INSTANCES_CALL_EXTRA
            assert keys <= docs, 'instances results carry keys undocumented in instance: %s' % sorted(keys - docs)
            seen |= keys
    if connection.HAS_LIBVIRT:
        assert 'virt_type' in seen   # the batch's boot spawned a domain
