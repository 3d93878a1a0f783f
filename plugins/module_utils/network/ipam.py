# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Addresses with netaddr: a subnet's CIDR, gateway and allocation pools checked, fixed IPs given out.

``allocate`` is the one allocator (ports made by the network API, by a server
create, router interfaces and floating IPs all come here). Its caller holds
the network's lock (``model.lock_network``) for the rest of the transaction,
so the free address it picks is still free when the row is written; the
unique (network_id, ip_address) key of ``ip_allocations`` is the last guard.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import errors
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:  # pragma: no cover
    netaddr = None
    HAS_NETADDR = False

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None


def ip_address(attr, value, version=None):
    """An address as Neutron's validate_ip_address accepts it (dotted quad, no leading zeros)."""
    try:
        if not isinstance(value, str) or (':' not in value and value.count('.') != 3):
            raise ValueError(value)
        ip = netaddr.IPAddress(value)
    except (ValueError, TypeError, netaddr.AddrFormatError):
        raise errors.invalid_attribute(attr, "'%s' is not a valid IP address" % (value,))
    if ip.version == 4 and str(ip) != value:
        raise errors.invalid_attribute(attr, "'%s' is not an accepted IP address, '%s' is recommended"
                                       % (value, ip))
    if version is not None and ip.version != version:
        raise errors.InvalidInput('%s does not match the subnet\'s IP version %d' % (value, version), field=attr)
    return ip


def cidr(attr, value):
    """A network in CIDR form: ``10.0.0.0/24``, not a bare address, not one with host bits set."""
    try:
        if not isinstance(value, str) or '/' not in value:
            raise ValueError(value)
        net = netaddr.IPNetwork(value)
    except (ValueError, TypeError, netaddr.AddrFormatError):
        raise errors.invalid_attribute(attr, "'%s' is not a valid IP subnet" % (value,))
    if str(net.cidr) != value:
        raise errors.invalid_attribute(attr, "'%s' isn't a recognized IP subnet cidr, '%s' is recommended"
                                       % (value, net.cidr))
    return net


def check_subnet(net, gateway, pools, dns, routes, enable_dhcp):
    """A new or updated subnet's values, normalised: (gateway or None, pools [{start, end}], dns, routes).

    ``gateway``: an address, None (no gateway) or ``...`` (the default: the first host address).
    ``pools``: None for the default (every host address but the gateway).
    """
    if net.prefixlen == 0:
        raise errors.InvalidInput('0 is not allowed as CIDR prefix length', field='cidr')
    if enable_dhcp and net.version == 4 and net.prefixlen > 30:
        raise errors.InvalidInput('Subnet has a prefix length that is incompatible with DHCP service enabled',
                                  field='cidr')
    first, last = _host_range(net)
    if gateway is Ellipsis:
        gateway = str(first)
    elif gateway is not None:
        ip = ip_address('gateway_ip', gateway, net.version)
        if ip not in net or ip == net.network or (net.version == 4 and net.prefixlen < 31 and ip == net.broadcast):
            raise errors.InvalidInput('Gateway is not valid on subnet', field='gateway_ip')
        gateway = str(ip)
    if pools is None:
        pools = _default_pools(first, last, gateway)
    else:
        pools = _checked_pools(net, pools, gateway)
    checked_dns = [str(ip_address('dns_nameservers', d, net.version)) for d in dns or []]
    if len(set(checked_dns)) != len(checked_dns):
        raise errors.InvalidInput('Duplicate nameserver in dns_nameservers', field='dns_nameservers')
    checked_routes = []
    for route in routes or []:
        if not isinstance(route, dict) or set(route) != {'destination', 'nexthop'}:
            raise errors.invalid_attribute('host_routes', "'%s' is not a valid host route: it needs exactly "
                                                          "destination and nexthop" % (route,))
        checked_routes.append({'destination': str(cidr('host_routes', route['destination'])),
                               'nexthop': str(ip_address('host_routes', route['nexthop'], net.version))})
    return gateway, pools, checked_dns, checked_routes


def _host_range(net):
    if net.version == 4 and net.prefixlen >= 31:
        return netaddr.IPAddress(net.first), netaddr.IPAddress(net.last)
    return netaddr.IPAddress(net.first + 1), netaddr.IPAddress(net.last - (1 if net.version == 4 else 0))


def _default_pools(first, last, gateway):
    whole = netaddr.IPSet(netaddr.IPRange(first, last))
    if gateway is not None:
        whole.remove(netaddr.IPAddress(gateway))
    return [{'start': str(r[0]), 'end': str(r[-1])} for r in whole.iter_ipranges()]


def _checked_pools(net, pools, gateway):
    ranges = []
    for pool in pools:
        if not isinstance(pool, dict) or set(pool) != {'start', 'end'}:
            raise errors.invalid_attribute('allocation_pools', "'%s' is not a valid allocation pool: it needs "
                                                               "exactly start and end" % (pool,))
        start = ip_address('allocation_pools', pool['start'], net.version)
        end = ip_address('allocation_pools', pool['end'], net.version)
        first, last = _host_range(net)
        if not (first <= start <= last and first <= end <= last):
            raise errors.BadRequest('The allocation pool %s-%s spans beyond the subnet cidr %s.' % (start, end, net),
                                    field='allocation_pools', kind='OutOfBoundsAllocationPool')
        if start > end:
            raise errors.BadRequest('The allocation pool %s-%s is not valid.' % (start, end),
                                    field='allocation_pools', kind='InvalidAllocationPool')
        ranges.append(netaddr.IPRange(start, end))
    for index, one in enumerate(ranges):
        for other in ranges[index + 1:]:
            if netaddr.IPSet(one) & netaddr.IPSet(other):
                raise errors.BadRequest('Found overlapping allocation pools: %s and %s for subnet %s.'
                                        % (one, other, net), field='allocation_pools', kind='OverlappingAllocationPools')
        if gateway is not None and netaddr.IPAddress(gateway) in one:
            raise errors.Conflict('Gateway ip %s conflicts with allocation pool %s.' % (gateway, one),
                                  field='gateway_ip', kind='GatewayConflictWithAllocationPools')
    return [{'start': str(r[0]), 'end': str(r[-1])} for r in ranges]


def check_overlap(conn, network_id, net, exclude=None):
    """Neutron's check that no two subnets of one network overlap (without naming the other subnet)."""
    t = table('subnets')
    for row in conn.execute(sa.select(t.c.id, t.c.cidr).where(t.c.network_id == network_id)):
        if row.id != exclude and _overlaps(row.cidr, net):
            raise errors.InvalidInput('Requested subnet with cidr: %s for network: %s overlaps with another subnet'
                                      % (net, network_id), field='cidr')


def _overlaps(one, other):
    return bool(netaddr.IPSet([one]) & netaddr.IPSet([other]))


def _used(conn, subnet_id):
    t = table('ip_allocations')
    return set(int(netaddr.IPAddress(r.ip_address))
               for r in conn.execute(sa.select(t.c.ip_address).where(t.c.subnet_id == subnet_id)))


def _free_in_pools(subnet, used):
    gateway = int(netaddr.IPAddress(subnet.gateway_ip)) if subnet.gateway_ip else None
    for pool in subnet.allocation_pools or []:
        start, end = int(netaddr.IPAddress(pool['start'])), int(netaddr.IPAddress(pool['end']))
        for value in range(start, end + 1):
            if value not in used and value != gateway:
                return str(netaddr.IPAddress(value, subnet.ip_version))
    return None


def allocate(conn, network_id, subnets, requested):
    """The fixed IPs of one port: ``requested`` is Neutron's fixed_ips ([{subnet_id and/or ip_address}], or
    None for one address from the network's first IPv4 subnet that has one). ``subnets``: the network's rows.

    Returns [{subnet_id, ip_address}]; raises Neutron's errors (nothing is written here).
    """
    by_id = dict((s.id, s) for s in subnets)
    out = []
    taken = {}
    if requested is None:
        for subnet in sorted(subnets, key=lambda s: (s.ip_version, s.created_at, s.id)):
            address = _free_in_pools(subnet, _used(conn, subnet.id))
            if address:
                return [{'subnet_id': subnet.id, 'ip_address': address}]
        if not subnets:
            return []
        raise errors.ip_generation_failure(network_id)
    for item in requested:
        subnet_id, address = item.get('subnet_id'), item.get('ip_address')
        if subnet_id is not None and subnet_id not in by_id:
            raise errors.BadRequest('Failed to create port on network %s, because fixed_ips included invalid subnet '
                                    '%s' % (network_id, subnet_id), field='fixed_ips', kind='InvalidInput')
        if address is not None:
            ip = ip_address('fixed_ips', address)
            if subnet_id is None:
                found = [s for s in subnets if ip in netaddr.IPNetwork(s.cidr)]
                if not found:
                    raise errors.invalid_ip_for_network(address)
                subnet_id = found[0].id
            subnet = by_id[subnet_id]
            net = netaddr.IPNetwork(subnet.cidr)
            if ip not in net or ip == net.network or (net.version == 4 and net.prefixlen < 31 and ip == net.broadcast):
                raise errors.invalid_ip_for_subnet(address)
            if int(ip) in _used(conn, subnet_id) or str(ip) in taken.get(subnet_id, ()):
                raise errors.ip_in_use(network_id, str(ip))
            out.append({'subnet_id': subnet_id, 'ip_address': str(ip)})
        else:
            subnet = by_id[subnet_id]
            used = _used(conn, subnet_id) | set(int(netaddr.IPAddress(a)) for a in taken.get(subnet_id, ()))
            free = _free_in_pools(subnet, used)
            if free is None:
                raise errors.ip_generation_failure(network_id)
            out.append({'subnet_id': subnet_id, 'ip_address': free})
        taken.setdefault(subnet_id, set()).add(out[-1]['ip_address'])
    return out


def write(conn, port_id, network_id, allocations):
    if allocations:
        conn.execute(table('ip_allocations').insert(), [
            dict(port_id=port_id, network_id=network_id, **a) for a in allocations])
