# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The routers on a compute host as text: floating IPs (DNAT/SNAT, the address on the external bridge), the
router gateways held on every host with ARP for them kept off the VXLANs, the external network's routing
table, and the plan's checks (the real NAT on guests: tests/integration/test_host_network.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.network import host_plan, host_side

from test_host_network import NET, PORT, SUB, plan as tenant_plan, refused

EXT = 'e1e2d9a0-9111-4c2b-8a8e-2f8f4d9f7a10'
EXT_SUB = 'e4428ba8-aa68-49ed-84e1-b1368ebe1b78'


def plan():
    p = tenant_plan()
    p['networks'][0]['gateways'] = [{'subnet_id': SUB, 'ip': '10.77.0.1'}]
    p['networks'].append({'id': EXT, 'bridge': host_plan.bridge_name(EXT), 'mtu': 1500, 'network_type': 'flat',
                          'vxlan': None, 'physical_interface': 'ext0', 'gateways': [], 'dhcp': None,
                          'subnets': [{'id': EXT_SUB, 'cidr': '203.0.113.0/24', 'gateway_ip': '203.0.113.1',
                                       'enable_dhcp': False}]})
    p['external'] = [{'network_id': EXT, 'bridge': host_plan.bridge_name(EXT), 'table': host_plan.EXTERNAL_TABLE,
                      'subnets': [{'cidr': '203.0.113.0/24', 'gateway_ip': '203.0.113.1'}],
                      'sources': [{'cidr': '10.77.0.0/24', 'bridge': host_plan.bridge_name(NET)}],
                      'floating_ips': [{'id': 'f', 'floating_ip': '203.0.113.5', 'fixed_ip': '10.77.0.21',
                                        'port_id': PORT}]}]
    return p


def test_one_table_number_on_both_sides():
    assert host_side.EXTERNAL_TABLE == host_plan.EXTERNAL_TABLE and host_side.MAX_EXTERNAL == host_plan.MAX_EXTERNAL


def test_a_floating_ip_is_dnat_in_and_snat_out_by_the_external_bridge():
    checked = host_side.check_plan(plan())
    text = host_side.nat_ruleset(checked['networks'], checked['external'])
    pre, post = text.split('chain prerouting {')[1].split('chain postrouting {')
    assert 'type nat hook prerouting priority -100; policy accept;' in pre
    assert 'ip daddr 203.0.113.5 dnat to 10.77.0.21' in pre
    assert 'oifname "brqe1e2d9a0-91" ip saddr 10.77.0.21 snat to 203.0.113.5' in post.split('table bridge')[0]
    # the router's other guests do not leave unNATed
    assert ('oifname "brqe1e2d9a0-91" ip saddr { 10.77.0.0/24 } ip saddr != { 10.77.0.21 } drop'
            in text.split('chain forward {')[1].split('table bridge')[0])


def test_arp_for_a_router_gateway_never_crosses_a_vxlan():
    checked = host_side.check_plan(plan())
    gw = host_side.nat_ruleset(checked['networks'], checked['external']).split('table bridge novalite_gw {')[1]
    for chain, sides in (('forward', ('iifname', 'oifname')), ('input', ('iifname',)), ('output', ('oifname',))):
        body = gw.split('chain %s {' % chain)[1].split('\n  }')[0]
        for side in sides:
            assert '%s "vxlan-*" arp daddr ip { 10.77.0.1 } drop' % side in body
            assert '%s "vxlan-*" arp saddr ip { 10.77.0.1 } drop' % side in body


def test_no_router_no_nat_tables():
    checked = host_side.check_plan(tenant_plan())
    assert host_side.nat_ruleset(checked['networks'], checked['external']) == ''


def test_routed_traffic_to_a_port_passes_its_ingress_rules():
    text = host_side.ruleset(host_side.check_plan(plan())['ports'])
    # DNATed from the floating IP: routed onto the bridge, so no bridge port marked where it goes
    assert ('meta mark and 0x0000ffff == 0x00000000 oifname "brq1de2d9a0-91" ip daddr { 10.77.0.21 } jump in-1'
            in text)
    # and what the guest sends to its router (the bridge's own address) is marked at the bridge's input
    assert text.split('chain input {')[1].split('}')[0].count('iifname "tap588958eb-d9" meta mark set') == 1


def test_the_external_table_reaches_the_external_subnet_its_gateway_and_the_routers_subnets():
    ext = host_side.check_plan(plan())['external'][0]
    assert host_side._routes_wanted(ext) == {
        ('203.0.113.0/24', '', 'brqe1e2d9a0-91'), ('default', '203.0.113.1', 'brqe1e2d9a0-91'),
        ('10.77.0.0/24', '', 'brq1de2d9a0-91')}


@pytest.mark.parametrize('path, value', [
    (('networks', 1, 'physical_interface'), 'eth0; reboot'),
    (('networks', 1, 'physical_interface'), 'a-name-much-too-long'),
    (('networks', 1, 'physical_interface'), 'brq1de2d9a0-91'),     # never one of novalite's own links
    (('networks', 0, 'gateways', 0, 'ip'), '10.78.0.1'),          # outside its subnet
    (('external', 0, 'bridge'), 'brq1de2d9a0-91'),
    (('external', 0, 'table'), 254),                              # never the host's main table
    (('external', 0, 'floating_ips', 0, 'fixed_ip'), '10.77.0.99'),  # not the port's address
    (('external', 0, 'floating_ips', 0, 'floating_ip'), '203.0.113.5 dnat to 1.2.3.4'),
    (('external', 0, 'sources', 0, 'bridge'), 'eth0'),
    (('external', 0, 'sources', 0, 'cidr'), '10.77.0.0/24 lookup main'),
])
def test_anything_else_is_refused(path, value):
    refused(plan(), path, value)


def test_an_external_network_must_be_realised_too():
    bad = plan()
    del bad['networks'][1]
    with pytest.raises(InvalidInput, match='network_id'):
        host_side.check_plan(bad)


def test_a_leaving_server_takes_its_floating_ips_and_the_external_network():
    p = plan()
    merged = host_side.merge([p], leaving=['d'])
    assert merged['external'] == [] and merged['networks'] == []
    kept = host_side.merge([p, p])
    assert [f['floating_ip'] for f in kept['external'][0]['floating_ips']] == ['203.0.113.5']
    assert sorted(n['id'] for n in kept['networks']) == sorted([NET, EXT])


def test_a_gratuitous_arp_is_a_broadcast_request_and_reply_for_the_address_at_the_mac():
    frames = host_side.gratuitous_arp('fa:16:3e:01:02:03', '203.0.113.5')
    mac, ip = bytes.fromhex('fa163e010203'), bytes([203, 0, 113, 5])
    assert len(frames) == 2
    for frame, (op, target_mac) in zip(frames, ((1, b'\0' * 6), (2, mac))):
        assert frame[:6] == b'\xff' * 6 and frame[6:12] == mac and frame[12:14] == b'\x08\x06'
        arp = frame[14:]
        assert arp[:6] == b'\x00\x01\x08\x00\x06\x04' and arp[6:8] == bytes([0, op])
        # sender and target address both the floating IP: "this address is at this MAC now"
        assert (arp[8:14], arp[14:18], arp[18:24], arp[24:28]) == (mac, ip, target_mac, ip)


def snat_plan(enable_snat=True, floating=False):
    """The router has enable_snat; the host's own address on the external network is 203.0.113.9."""
    p = plan()
    ext = p['external'][0]
    ext['snat_ip'] = '203.0.113.9'
    ext['sources'][0]['snat'] = enable_snat
    if not floating:
        ext['floating_ips'] = []
    return p


def _post(text):
    return text.split('chain postrouting {')[1].split('\n  }')[0]


def test_the_routers_other_traffic_leaves_snat_to_the_hosts_own_address():
    checked = host_side.check_plan(snat_plan(floating=True))
    text = host_side.nat_ruleset(checked['networks'], checked['external'])
    post = _post(text)
    fip = post.index('ip saddr 10.77.0.21 snat to 203.0.113.5')
    other = post.index('oifname "brqe1e2d9a0-91" ip saddr { 10.77.0.0/24 } snat to 203.0.113.9')
    assert fip < other        # the floating IP's own SNAT is matched first
    assert ' drop' not in text.split('chain forward {')[1].split('\n  }')[0]


def test_without_enable_snat_the_other_traffic_stays_inside():
    checked = host_side.check_plan(snat_plan(enable_snat=False))
    text = host_side.nat_ruleset(checked['networks'], checked['external'])
    assert 'snat to' not in text
    assert 'oifname "brqe1e2d9a0-91" ip saddr { 10.77.0.0/24 } drop' in text.split('chain forward {')[1]


def test_snat_needs_the_hosts_address_there():
    p = snat_plan()
    p['external'][0]['snat_ip'] = None
    checked = host_side.check_plan(p)
    assert checked['external'][0]['sources'][0]['snat'] is False
    assert 'snat to' not in host_side.nat_ruleset(checked['networks'], checked['external'])
    refused(snat_plan(), ('external', 0, 'snat_ip'), '203.0.113.9 ; reboot')


def test_a_snat_entry_without_floating_ips_stays_while_a_port_on_its_subnet_does():
    p = snat_plan()
    kept = host_side.merge([p])
    assert [e['snat_ip'] for e in kept['external']] == ['203.0.113.9']
    assert sorted(n['id'] for n in kept['networks']) == sorted([NET, EXT])
    assert host_side.merge([p], leaving=['d'])['external'] == []
    merged, record = host_side.combine(None, dict(p, generation=10.0))
    assert [e['snat_ip'] for e in merged['external']] == ['203.0.113.9'] and EXT in record['external']
    # a newer plan without the entry (the router's gateway cleared) drops it; an older one does not
    newer = tenant_plan()
    newer['networks'][0]['gateways'] = [{'subnet_id': SUB, 'ip': '10.77.0.1'}]
    assert host_side.combine(record, dict(newer, generation=11.0))[0]['external'] == []
    assert [e['network_id'] for e in host_side.combine(record, dict(newer, generation=9.0))[0]['external']] == [EXT]
