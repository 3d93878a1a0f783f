# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Every compute route, under ``/compute`` (Nova's api/openstack/compute/routes.py).

``app.create_app`` builds the compute blueprint from ``ROUTES`` with the
hooks below: each request's microversion is read first (and stamped on the
answer), then its token, except for the version documents.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import auth, routing
from novalite_api.compute import (
    aggregates, api_version, assisted_volume_snapshots, attach_interfaces, availability_zones, baremetal_nodes,
    extra_specs, flavor_access, flavors, hypervisors, image_metadata, images,
    console_auth_tokens, extension_info, floating_ips, hosts, instance_actions, instance_usage_audit_log, keypairs,
    limits, migrations, networks, quota_classes, quota_sets, remote_consoles, removed, security_groups,
    server_external_events, server_groups, server_ips, server_diagnostics, server_metadata, server_migrations,
    server_password, server_shares, server_tags, server_topology, servers, services, simple_tenant_usage, snapshots,
    versions, volume_attachments, volumes, volumes_boot)
from novalite_api.compute.common import only_query_params

SERVER = '/v2.1/servers/<server_id>'
FLAVOR = '/v2.1/flavors/<flavor_id>'
QUOTA_SET = '/v2.1/os-quota-sets/<project_id>'
IMAGE = '/v2.1/images/<image_id>'
AGGREGATE = '/v2.1/os-aggregates/<aggregate_id>'


def _metadata_routes(owner, handlers):
    """The six routes of a metadata collection (servers and images have the same API for it)."""
    return (('GET', owner + '/metadata', handlers.index), ('POST', owner + '/metadata', handlers.create),
            ('PUT', owner + '/metadata', handlers.update_all), ('GET', owner + '/metadata/<key>', handlers.show),
            ('PUT', owner + '/metadata/<key>', handlers.update),
            ('DELETE', owner + '/metadata/<key>', handlers.delete))


ROUTES = (
    ('GET', '/', versions.index),
    ('GET', '/v2', versions.show_v20),
    ('GET', '/v2.1', versions.show),
    ('GET', '/v2.1/versions/<version_id>', versions.show_version),
    # flavors
    ('GET', '/v2.1/flavors', flavors.index),
    ('POST', '/v2.1/flavors', flavors.create),
    ('GET', '/v2.1/flavors/detail', flavors.detail),
    ('GET', FLAVOR, flavors.show),
    ('PUT', FLAVOR, flavors.update),
    ('DELETE', FLAVOR, flavors.delete),
    ('GET', FLAVOR + '/os-flavor-access', flavor_access.index),
    ('POST', FLAVOR + '/action', flavor_access.action),
    ('GET', FLAVOR + '/os-extra_specs', extra_specs.index),
    ('POST', FLAVOR + '/os-extra_specs', extra_specs.create),
    ('GET', FLAVOR + '/os-extra_specs/<key>', extra_specs.show),
    ('PUT', FLAVOR + '/os-extra_specs/<key>', extra_specs.update),
    ('DELETE', FLAVOR + '/os-extra_specs/<key>', extra_specs.delete),
    # keypairs
    ('GET', '/v2.1/os-keypairs', keypairs.index),
    ('POST', '/v2.1/os-keypairs', keypairs.create),
    ('GET', '/v2.1/os-keypairs/<name>', keypairs.show),
    ('DELETE', '/v2.1/os-keypairs/<name>', keypairs.delete),
    # servers
    ('GET', '/v2.1/servers', servers.index),
    ('POST', '/v2.1/servers', servers.create),
    ('GET', '/v2.1/servers/detail', servers.detail),
    ('GET', SERVER, servers.show),
    ('PUT', SERVER, servers.update),
    ('DELETE', SERVER, servers.delete),
    ('POST', SERVER + '/action', servers.action),
    ('POST', SERVER + '/remote-consoles', remote_consoles.create),
    *_metadata_routes(SERVER, server_metadata),
    ('GET', SERVER + '/ips', server_ips.index),
    ('GET', SERVER + '/ips/<network_label>', server_ips.show),
    ('GET', SERVER + '/topology', server_topology.index),
    ('GET', SERVER + '/shares', server_shares.index),
    ('POST', SERVER + '/shares', server_shares.create),
    ('GET', SERVER + '/shares/<share_id>', server_shares.show),
    ('DELETE', SERVER + '/shares/<share_id>', server_shares.delete),
    ('GET', SERVER + '/os-volume_attachments', volume_attachments.index),
    ('POST', SERVER + '/os-volume_attachments', volume_attachments.create),
    ('GET', SERVER + '/os-volume_attachments/<volume_id>', volume_attachments.show),
    ('PUT', SERVER + '/os-volume_attachments/<volume_id>', volume_attachments.update),
    ('DELETE', SERVER + '/os-volume_attachments/<volume_id>', volume_attachments.delete),
    ('GET', SERVER + '/os-interface', attach_interfaces.index),
    ('POST', SERVER + '/os-interface', attach_interfaces.create),
    ('GET', SERVER + '/os-interface/<port_id>', attach_interfaces.show),
    ('DELETE', SERVER + '/os-interface/<port_id>', attach_interfaces.delete),
    ('GET', SERVER + '/tags', server_tags.index),
    ('PUT', SERVER + '/tags', server_tags.update_all),
    ('DELETE', SERVER + '/tags', server_tags.delete_all),
    ('GET', SERVER + '/tags/<tag>', server_tags.show),
    ('PUT', SERVER + '/tags/<tag>', server_tags.update),
    ('DELETE', SERVER + '/tags/<tag>', server_tags.delete),
    ('GET', SERVER + '/os-instance-actions', instance_actions.index),
    ('GET', SERVER + '/migrations', server_migrations.index),
    ('GET', SERVER + '/migrations/<migration_id>', server_migrations.show),
    ('POST', SERVER + '/migrations/<migration_id>/action', server_migrations.action),
    ('DELETE', SERVER + '/migrations/<migration_id>', server_migrations.delete),
    ('GET', SERVER + '/os-instance-actions/<request_id>', instance_actions.show),
    # limits and quotas
    ('GET', '/v2.1/limits', limits.index),
    ('GET', QUOTA_SET, quota_sets.show),
    ('PUT', QUOTA_SET, quota_sets.update),
    ('DELETE', QUOTA_SET, quota_sets.delete),
    ('GET', QUOTA_SET + '/defaults', quota_sets.defaults),
    ('GET', QUOTA_SET + '/detail', quota_sets.detail),
    ('GET', '/v2.1/os-quota-class-sets/<class_name>', quota_classes.show),
    ('PUT', '/v2.1/os-quota-class-sets/<class_name>', quota_classes.update),
    ('GET', '/v2.1/os-console-auth-tokens/<token>', console_auth_tokens.show),
    # the network proxies (until 2.35) and a server's security groups
    ('GET', '/v2.1/os-security-groups', security_groups.index),
    ('POST', '/v2.1/os-security-groups', security_groups.create),
    ('GET', '/v2.1/os-security-groups/<group_id>', security_groups.show),
    ('PUT', '/v2.1/os-security-groups/<group_id>', security_groups.update),
    ('DELETE', '/v2.1/os-security-groups/<group_id>', security_groups.delete),
    ('POST', '/v2.1/os-security-group-rules', security_groups.create_rule),
    ('DELETE', '/v2.1/os-security-group-rules/<rule_id>', security_groups.delete_rule),
    ('GET', SERVER + '/os-security-groups', security_groups.server_index),
    ('GET', SERVER + '/diagnostics', server_diagnostics.index),
    ('GET', SERVER + '/os-server-password', server_password.index),
    ('DELETE', SERVER + '/os-server-password', server_password.clear),
    ('POST', '/v2.1/os-server-external-events', server_external_events.create),
    ('GET', '/v2.1/os-instance_usage_audit_log', instance_usage_audit_log.index),
    ('GET', '/v2.1/os-instance_usage_audit_log/<before_timestamp>', instance_usage_audit_log.show),
    ('GET', '/v2.1/extensions', extension_info.index),
    ('GET', '/v2.1/extensions/<alias>', extension_info.show),
    ('GET', '/v2.1/os-floating-ip-pools', floating_ips.pools),
    ('GET', '/v2.1/os-floating-ips', floating_ips.index),
    ('POST', '/v2.1/os-floating-ips', floating_ips.create),
    ('GET', '/v2.1/os-floating-ips/<fip_id>', floating_ips.show),
    ('DELETE', '/v2.1/os-floating-ips/<fip_id>', floating_ips.delete),
    ('GET', '/v2.1/os-networks', networks.index),
    ('GET', '/v2.1/os-networks/<network_id>', networks.show),
    ('GET', '/v2.1/os-tenant-networks', networks.tenant_index),
    ('GET', '/v2.1/os-tenant-networks/<network_id>', networks.tenant_show),
    ('GET', '/v2.1/os-hosts', hosts.index),
    ('GET', '/v2.1/os-hosts/<host_name>', hosts.show),
    ('PUT', '/v2.1/os-hosts/<host_name>', hosts.update),
    ('GET', '/v2.1/os-hosts/<host_name>/startup', hosts.startup),
    ('GET', '/v2.1/os-hosts/<host_name>/shutdown', hosts.shutdown),
    ('GET', '/v2.1/os-hosts/<host_name>/reboot', hosts.reboot),
    # zones, hypervisors, services
    # the image proxy (until 2.35)
    ('GET', '/v2.1/images', images.index),
    ('GET', '/v2.1/images/detail', images.detail),
    ('GET', IMAGE, images.show),
    ('DELETE', IMAGE, images.delete),
    *_metadata_routes(IMAGE, image_metadata),
    ('GET', '/v2.1/os-availability-zone', availability_zones.index),
    ('GET', '/v2.1/os-availability-zone/detail', availability_zones.detail),
    ('GET', '/v2.1/os-hypervisors', hypervisors.index),
    ('GET', '/v2.1/os-hypervisors/detail', hypervisors.detail),
    ('GET', '/v2.1/os-hypervisors/statistics', hypervisors.statistics),
    ('GET', '/v2.1/os-hypervisors/<hypervisor_id>', hypervisors.show),
    ('GET', '/v2.1/os-hypervisors/<hypervisor_id>/uptime', hypervisors.uptime),
    ('GET', '/v2.1/os-hypervisors/<hypervisor_hostname_pattern>/search', hypervisors.search),
    ('GET', '/v2.1/os-hypervisors/<hypervisor_hostname_pattern>/servers', hypervisors.servers),
    ('GET', '/v2.1/os-server-groups', server_groups.index),
    ('POST', '/v2.1/os-server-groups', server_groups.create),
    ('GET', '/v2.1/os-server-groups/<group_id>', server_groups.show),
    ('DELETE', '/v2.1/os-server-groups/<group_id>', server_groups.delete),
    ('GET', '/v2.1/os-aggregates', aggregates.index),
    ('POST', '/v2.1/os-aggregates', aggregates.create),
    ('GET', AGGREGATE, aggregates.show),
    ('PUT', AGGREGATE, aggregates.update),
    ('DELETE', AGGREGATE, aggregates.delete),
    ('POST', AGGREGATE + '/action', aggregates.action),
    ('POST', AGGREGATE + '/images', aggregates.images),
    ('GET', '/v2.1/os-services', services.index),
    ('GET', '/v2.1/os-migrations', migrations.index),
    ('GET', '/v2.1/os-simple-tenant-usage', simple_tenant_usage.index),
    ('GET', '/v2.1/os-simple-tenant-usage/<tenant_id>', simple_tenant_usage.show),
    ('PUT', '/v2.1/os-services/<service_id>', services.update),
    ('DELETE', '/v2.1/os-services/<service_id>', services.delete),
    # the block storage proxies (until 2.35; novalite has no block storage) and the volume service's calls
    ('GET', '/v2.1/os-volumes', volumes.index),
    ('POST', '/v2.1/os-volumes', volumes.create),
    ('GET', '/v2.1/os-volumes/detail', volumes.detail),
    ('GET', '/v2.1/os-volumes/<volume_id>', volumes.show),
    ('DELETE', '/v2.1/os-volumes/<volume_id>', volumes.delete),
    ('GET', '/v2.1/os-snapshots', snapshots.index),
    ('POST', '/v2.1/os-snapshots', snapshots.create),
    ('GET', '/v2.1/os-snapshots/detail', snapshots.detail),
    ('GET', '/v2.1/os-snapshots/<snapshot_id>', snapshots.show),
    ('DELETE', '/v2.1/os-snapshots/<snapshot_id>', snapshots.delete),
    ('POST', '/v2.1/os-assisted-volume-snapshots', assisted_volume_snapshots.create),
    ('DELETE', '/v2.1/os-assisted-volume-snapshots/<snapshot_id>', assisted_volume_snapshots.delete),
    # the bare metal proxy (until 2.35; novalite has no bare metal service)
    ('GET', '/v2.1/os-baremetal-nodes', baremetal_nodes.index),
    ('POST', '/v2.1/os-baremetal-nodes', baremetal_nodes.create),
    ('GET', '/v2.1/os-baremetal-nodes/<node_id>', baremetal_nodes.show),
    ('DELETE', '/v2.1/os-baremetal-nodes/<node_id>', baremetal_nodes.delete),
    ('POST', '/v2.1/os-baremetal-nodes/<node_id>/action', baremetal_nodes.action),
    # the servers collection's old alias (until 2.102)
    *volumes_boot.ROUTES,
    # APIs Nova removed: 410 Gone
    *removed.ROUTES,
)
# Answered without a token: how a client finds out which versions there are.
PUBLIC = (versions.index, versions.show, versions.show_v20)
# Handlers that name the query parameters they take; from 2.102 any other handler takes none.
OWN_QUERY_PARAMETERS = frozenset((
    servers.index, servers.detail, flavors.index, flavors.detail, keypairs.index, keypairs.show, keypairs.delete,
    limits.index, quota_sets.show, quota_sets.detail, quota_sets.update, quota_sets.delete, services.index,
    hypervisors.index, hypervisors.detail, hypervisors.show, instance_actions.index, server_shares.index,
    server_groups.index, migrations.index,
    server_shares.show, volume_attachments.index, simple_tenant_usage.index, simple_tenant_usage.show, removed.gone,
    hosts.index, security_groups.index, networks.index, networks.tenant_index, floating_ips.index,
    floating_ips.pools, assisted_volume_snapshots.delete,
    # APIs that end before 2.102: their 404 comes first, then their own checks
    volumes.index, volumes.detail, volumes.show, volumes.create, volumes.delete, snapshots.index, snapshots.detail,
    snapshots.show, snapshots.create, snapshots.delete, baremetal_nodes.index, baremetal_nodes.show,
    baremetal_nodes.create, baremetal_nodes.delete, baremetal_nodes.action,
    *(handler for _method, _path, handler in volumes_boot.ROUTES)))


def before_request():
    api_version.read_request_version()
    handler = routing.current_handler()
    if handler not in PUBLIC:
        auth.authenticate_request()
        if handler not in OWN_QUERY_PARAMETERS:
            only_query_params(from_minor=102)


def after_request(response):
    return api_version.stamp_response(response)
