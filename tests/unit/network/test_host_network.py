# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The host side of a network as text: the plan's checks, the dnsmasq files, the nftables ruleset, the NIC
in the domain XML and network_data.json (the real bridges, dnsmasq and filters: tests/integration/
test_host_network.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, host_side
from ansible_collections.novalite.compute.plugins.module_utils.virt import config_drive, domain_xml

NET = '1de2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10'
SUB = '84428ba8-aa68-49ed-84e1-b1368ebe1b78'
PORT = '588958eb-d9d3-4a9b-bbe9-7af7330f05e0'
PEER_PORT = '7f0c4f4e-5b1e-4d55-8d8a-0c4b2f1e9a21'


def plan():
    return {
        'local_ip': '10.254.0.11',
        'networks': [{'id': NET, 'bridge': host_plan.bridge_name(NET), 'mtu': 1450, 'network_type': 'vxlan',
                      'vxlan': {'name': 'vxlan-7', 'vni': 7, 'local_ip': '10.254.0.11',
                                'peers': ['10.254.0.12', '10.254.0.11']},
                      'subnets': [{'id': SUB, 'cidr': '10.77.0.0/24', 'gateway_ip': '10.77.0.1', 'enable_dhcp': True,
                                   'dns_nameservers': ['10.77.0.53']}],
                      'dhcp': {'port_id': PEER_PORT, 'mac': 'fa:16:3e:00:00:02',
                               'addresses': [{'subnet_id': SUB, 'ip': '10.77.0.2'}],
                               'reservations': [{'mac': 'FA:16:3E:80:FB:4E', 'ip': '10.77.0.21', 'hostname': 'na'}]}}],
        'ports': [{'id': PORT, 'device_id': 'd', 'network_id': NET, 'mac': 'fa:16:3e:80:fb:4e',
                   'tap': host_plan.tap_name(PORT), 'bridge': host_plan.bridge_name(NET), 'ips': ['10.77.0.21'],
                   'port_security': True,
                   'rules': [{'direction': 'egress', 'protocol': None},
                             {'direction': 'ingress', 'protocol': 'icmp'},
                             {'direction': 'ingress', 'protocol': 'tcp', 'port_range_min': 22, 'port_range_max': 22,
                              'remote_ip_prefix': '192.0.2.0/24'},
                             {'direction': 'ingress', 'protocol': None, 'remote_ips': ['10.77.0.22']},
                             {'direction': 'ingress', 'protocol': 'udp', 'remote_ips': []}]}],
    }


def test_names_come_from_ids():
    assert host_plan.bridge_name(NET) == 'brq1de2d9a0-91'
    assert host_plan.tap_name(PORT) == 'tap588958eb-d9'
    assert host_plan.vxlan_name(7) == 'vxlan-7'
    assert all(len(n) <= 15 for n in (host_plan.bridge_name(NET), host_plan.tap_name(PORT), host_plan.vxlan_name(2 ** 24 - 1)))


def test_the_plan_is_checked_and_normalised():
    checked = host_side.check_plan(plan())
    net = checked['networks'][0]
    assert net['vxlan']['peers'] == ['10.254.0.12']          # never itself
    assert net['dhcp']['reservations'][0]['mac'] == 'fa:16:3e:80:fb:4e'


@pytest.mark.parametrize('path, value', [
    (('networks', 0, 'bridge'), 'eth0'),                       # a name not derived from the id
    (('networks', 0, 'bridge'), 'brq1de2d9a0-9;'),
    (('networks', 0, 'id'), '../../etc'),
    (('networks', 0, 'vxlan', 'name'), 'vxlan-8'),
    (('networks', 0, 'vxlan', 'vni'), 2 ** 24),
    (('networks', 0, 'vxlan', 'peers', 0), '10.0.0.1\ndhcp-script=/bin/sh'),
    (('networks', 0, 'dhcp', 'reservations', 0, 'mac'), 'fa:16:3e:80:fb:4e\ndhcp-script=/tmp/x'),
    (('networks', 0, 'dhcp', 'reservations', 0, 'ip'), '10.77.0.21,set:x'),
    (('networks', 0, 'subnets', 0, 'cidr'), '10.77.0.0/24\nx'),
    (('ports', 0, 'tap'), 'tap588958eb-d8'),
    (('ports', 0, 'mac'), 'not-a-mac'),
    (('ports', 0, 'rules', 1, 'protocol'), 'icmp accept; drop'),
    (('ports', 0, 'rules', 2, 'remote_ip_prefix'), '192.0.2.0/24 } accept'),
    (('ports', 0, 'rules', 3, 'remote_ips', 0), '1.2.3.4 } accept #'),
])
def test_anything_else_is_refused(path, value):
    refused(plan(), path, value)


def refused(good, path, value):
    """``good`` with the item at ``path`` set to ``value`` is refused by the host's checks."""
    bad = copy.deepcopy(good)
    target = bad
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidInput):
        host_side.check_plan(bad)


def test_a_hostname_dnsmasq_cannot_take_is_left_out():
    p = plan()
    p['networks'][0]['dhcp']['reservations'][0]['hostname'] = 'a,b\ndhcp-script=/bin/sh'
    net = host_side.check_plan(p)['networks'][0]
    conf, hosts = host_side._dnsmasq_files(net, '/run/x')
    assert hosts == 'fa:16:3e:80:fb:4e,10.77.0.21\n'


def test_dnsmasq_answers_only_its_reservations():
    net = host_side.check_plan(plan())['networks'][0]
    conf, hosts = host_side._dnsmasq_files(net, '/run/x')
    assert hosts == 'fa:16:3e:80:fb:4e,10.77.0.21,na\n'
    lines = conf.splitlines()
    for wanted in ('interface=brq1de2d9a0-91', 'bind-interfaces', 'port=0', 'dhcp-ignore=tag:!known',
                   'dhcp-range=set:subnet0,10.77.0.0,static,255.255.255.0,86400s',
                   'dhcp-option=tag:subnet0,option:router,10.77.0.1',
                   'dhcp-option=tag:subnet0,option:dns-server,10.77.0.53',
                   'dhcp-hostsfile=/run/x/%s/hosts' % NET, 'pid-file=/run/x/%s/pid' % NET):
        assert wanted in lines


def test_the_ruleset_is_per_port_and_stateful():
    text = host_side.ruleset(host_side.check_plan(plan())['ports'])
    assert 'iifname "tap588958eb-d9" meta mark set meta mark or 0x00010000' in text
    assert 'oifname "tap588958eb-d9" meta mark set meta mark or 0x00000001' in text
    out, inp = text.split('chain out-1 {')[1].split('chain in-1 {')
    assert 'udp sport 68 udp dport 67 return' in out and 'ip saddr != { 10.77.0.21 } drop' in out
    assert 'meta nfproto ipv4 return' in out                 # egress to anywhere
    assert 'ct state established,related return' in inp
    assert 'ip protocol icmp return' in inp
    assert 'ip saddr { 192.0.2.0/24 } ip protocol tcp tcp dport 22 return' in inp
    assert 'ip saddr { 10.77.0.22 } return' in inp           # a remote group's member
    assert 'udp return' not in inp                           # a remote group without members allows nothing
    assert inp.endswith('    drop\n  }\n}\n')               # anything else in is dropped


def test_a_port_without_port_security_is_not_filtered():
    p = plan()
    p['ports'][0]['port_security'] = False
    text = host_side.ruleset(host_side.check_plan(p)['ports'])
    assert 'tap588958eb-d9' not in text and 'chain in-' not in text


def test_merge_drops_leaving_servers_and_their_networks():
    p = plan()
    assert host_side.merge([p], leaving=['d']) == {'local_ip': '10.254.0.11', 'networks': [], 'ports': [], 'external': [],
                                                   'leaving': ['d'], 'generation': None}
    assert host_side.merge([p, p])['ports'] == p['ports']


def _instance(bridge):
    vif = {'id': PORT, 'address': 'fa:16:3e:80:fb:4e', 'devname': host_plan.tap_name(PORT), 'type': 'bridge',
           'network': {'id': NET, 'bridge': bridge, 'mtu': 1450, 'label': 'x',
                       'subnets': [{'cidr': '10.77.0.0/24', 'gateway': '10.77.0.1', 'dns': ['10.77.0.53'],
                                    'routes': [], 'enable_dhcp': True,
                                    'ips': [{'address': '10.77.0.21', 'type': 'fixed', 'version': 4}]}]}}
    return {'uuid': 'f51b3667-4b69-4392-b660-b1c020864aec', 'name': 'instance-1', 'display_name': 'vm',
            'project_id': 'p', 'user_id': 'u', 'created_at': '2026-12-03T16:42:18Z',
            'flavor': {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 64, 'root_gb': 1,
                       'ephemeral_gb': 0, 'swap': 0, 'extra_specs': {}},
            'image': {'id': 'i', 'properties': {}}, 'network_info': [vif], 'metadata': {}}


def _render(instance):
    return domain_xml.render(instance, {'disks': [{'path': '/var/lib/novalite/instances/x/disk', 'target': 'vda'}]},
                             {'virt_type': 'qemu'})


def test_a_plugged_port_is_a_virtio_nic_on_its_bridge():
    xml = _render(_instance(host_plan.bridge_name(NET)))
    assert "<interface type=\"bridge\">" in xml
    for part in ('<mac address="fa:16:3e:80:fb:4e"/>', '<source bridge="brq1de2d9a0-91"/>',
                 '<target dev="tap588958eb-d9"/>', '<model type="virtio"/>', '<mtu size="1450"/>'):
        assert part in xml
    assert '<interface' not in _render(_instance(None))      # not plugged: no NIC
    with pytest.raises(InvalidInput):
        _render(_instance('eth0'))


def test_network_data_json_is_novas_shape():
    data = config_drive.network_data(_instance(None))
    assert data['links'] == [{'id': 'tap588958eb-d9', 'vif_id': PORT, 'type': 'bridge', 'mtu': 1450,
                              'ethernet_mac_address': 'fa:16:3e:80:fb:4e'}]
    assert data['networks'] == [{'id': 'network0', 'link': 'tap588958eb-d9', 'network_id': NET, 'type': 'ipv4_dhcp'}]
    assert data['services'] == [{'type': 'dns', 'address': '10.77.0.53'}]
    static = _instance(None)
    static['network_info'][0]['network']['subnets'][0]['enable_dhcp'] = False
    net = config_drive.network_data(static)['networks'][0]
    assert (net['type'], net['ip_address'], net['netmask'], net['routes']) == (
        'ipv4', '10.77.0.21', '255.255.255.0', [{'network': '0.0.0.0', 'netmask': '0.0.0.0', 'gateway': '10.77.0.1'}])
    json.dumps(data)


@pytest.mark.parametrize('value', ['some', {'uuid': NET}, [{'uuid': NET, 'port': PORT}], [{}], [{'uuid': 7}],
                                   [{'uuid': NET, 'extra': 'x'}]])
def test_a_playbooks_networks_are_novas_shapes_only(value):
    from ansible_collections.novalite.compute.plugins.module_utils.handlers import controller
    with pytest.raises(InvalidInput):
        controller._requested_networks(value)
    assert controller._requested_networks([{'uuid': NET, 'fixed_ip': '10.0.0.5', 'port': None}]) == [
        {'uuid': NET, 'fixed_ip': '10.0.0.5'}]
    assert controller._requested_networks('none') == 'none'
