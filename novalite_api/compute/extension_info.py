# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The extension list (``/extensions``, ``/extensions/{alias}``; everyone with a token).

Nova froze its extensions into v2.1 (later changes are microversions) and answers a fixed list of
records. novalite answers the same record shape for what it provides: an extension's alias and name are
the identifiers clients look for, so they are Nova's; the description says what novalite does under that
alias. Aliases of features novalite does not have (cells, nova-network's extras, multinic, interface attach,
evacuation...) are absent, so ``/extensions/{alias}`` answers 404 for them; the volume and bare metal routes are
served (answering as Nova with nothing behind them), so their aliases are listed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.common import ctx
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Every record's namespace and update time: the identifiers Nova gives the extensions frozen into v2.1.
NAMESPACE = 'http://docs.openstack.org/compute/ext/fake_xml'
FROZEN = '2014-12-03T00:00:00Z'

# (alias, name, what novalite provides under it), ordered by alias as Nova lists them
PROVIDED = (
    ('OS-DCF', 'DiskConfig', 'OS-DCF:diskConfig is taken at create, rebuild and resize; servers show MANUAL.'),
    ('OS-EXT-AZ', 'ExtendedAvailabilityZone', 'A server shows the availability zone of its host\'s aggregates.'),
    ('OS-EXT-IMG-SIZE', 'ImageSize', 'The image proxy shows each image\'s size in bytes.'),
    ('OS-EXT-IPS', 'ExtendedIps', 'Each server address says whether it is fixed or floating.'),
    ('OS-EXT-IPS-MAC', 'ExtendedIpsMac', 'Each server address carries the MAC address of its port.'),
    ('OS-EXT-SRV-ATTR', 'ExtendedServerAttributes', 'Admins see a server\'s host, node, domain name and '
     'launch details.'),
    ('OS-EXT-STS', 'ExtendedStatus', 'A server shows its vm state, task state and power state.'),
    ('OS-FLV-DISABLED', 'FlavorDisabled', 'Flavors show their disabled flag (always false) until 2.101.'),
    ('OS-FLV-EXT-DATA', 'FlavorExtraData', 'Flavors show their ephemeral disk size.'),
    ('OS-SCH-HNT', 'SchedulerHints', 'Server create takes scheduler hints (group, same_host, different_host, '
     'query...) for novalite\'s filter scheduler.'),
    ('OS-SRV-USG', 'ServerUsage', 'A server shows when it was launched and terminated.'),
    ('os-access-ips', 'AccessIPs', 'Server create and update keep accessIPv4 and accessIPv6.'),
    ('os-admin-actions', 'AdminActions', 'Admins reset a server\'s state (os-resetState).'),
    ('os-aggregates', 'Aggregates', 'Host aggregates and the availability zones they define.'),
    ('os-assisted-volume-snapshots', 'AssistedVolumeSnapshots', 'The volume service\'s snapshot calls: no server has a volume, so none is found.'),
    ('os-availability-zone', 'AvailabilityZone', 'Availability zones, with their hosts for admins.'),
    ('os-baremetal-nodes', 'BareMetalNodes', 'Admins list bare metal nodes (until 2.35): novalite has no bare '
     'metal service, so the list is not implemented (501).'),
    ('os-block-device-mapping-v2-boot', 'BlockDeviceMappingV2Boot', 'Server create takes the one mapping '
     'that boots the image on a local disk.'),
    ('os-config-drive', 'ConfigDrive', 'Servers get a config drive with their metadata, user data and files.'),
    ('os-console-auth-tokens', 'ConsoleAuthTokens', 'Admins look up a console token\'s server and port.'),
    ('os-console-output', 'ConsoleOutput', 'The tail of a server\'s serial console log.'),
    ('os-create-backup', 'CreateBackup', 'Rotating backups of a server as images.'),
    ('os-deferred-delete', 'DeferredDelete', 'Soft delete with restore and forceDelete when '
     'reclaim_instance_interval is set.'),
    ('os-extended-hypervisors', 'ExtendedHypervisors', 'Hypervisor details show the host\'s IP address.'),
    ('os-extended-quotas', 'ExtendedQuotas', 'Admins reset a project\'s quotas to the defaults.'),
    ('os-extended-rescue-with-image', 'ExtendedRescueWithImage', 'Rescue boots a chosen image.'),
    ('os-extended-services', 'ExtendedServices', 'Admins disable a compute service with a reason.'),
    ('os-extended-services-delete', 'ExtendedServicesDelete', 'Admins delete a compute service and its node.'),
    ('os-extended-status', 'ExtendedStatus', 'A server shows its vm state, task state and power state.'),
    ('os-extended-volumes', 'ExtendedVolumes', 'Servers list their attached volumes: always none, novalite '
     'attaches no volumes.'),
    ('os-flavor-access', 'FlavorAccess', 'Private flavors and the projects that may use them.'),
    ('os-flavor-extra-specs', 'FlavorExtraSpecs', 'Flavor extra specs, validated against the known namespaces.'),
    ('os-flavor-manage', 'FlavorManage', 'Admins create, update and delete flavors.'),
    ('os-flavor-rxtx', 'FlavorRxtx', 'Flavors show their rxtx factor until 2.101.'),
    ('os-flavor-swap', 'FlavorSwap', 'Flavors show their swap size.'),
    ('os-floating-ip-pools', 'FloatingIpPools', 'External networks as floating IP pools (until 2.35).'),
    ('os-floating-ips', 'FloatingIps', 'Floating IPs through the network service (until 2.35).'),
    ('os-hosts', 'Hosts', 'Admins read compute hosts and their resources (until 2.42).'),
    ('os-hypervisor-status', 'HypervisorStatus', 'Hypervisors show their service\'s status and state.'),
    ('os-hypervisors', 'Hypervisors', 'Admins read each compute node\'s capacity and its servers.'),
    ('os-instance-actions', 'InstanceActions', 'The actions taken on a server and their events.'),
    ('os-instance_usage_audit_log', 'OSInstanceUsageAuditLog', 'Admins read the usage audit of every compute '
     'host: novalite hosts run none, so every host is reported as not run.'),
    ('os-keypairs', 'Keypairs', 'SSH (and x509) keypairs, injected into servers.'),
    ('os-lock-server', 'LockServer', 'Lock a server against actions, with a reason from 2.73.'),
    ('os-migrate-server', 'MigrateServer', 'Admins cold-migrate a server to another host.'),
    ('os-migrations', 'Migrations', 'Admins list resizes and migrations.'),
    ('os-multiple-create', 'MultipleCreate', 'Server create makes min_count to max_count servers.'),
    ('os-networks', 'Networks', 'The network service\'s networks, read only (until 2.35).'),
    ('os-pause-server', 'PauseServer', 'Pause and unpause a server.'),
    ('os-personality', 'Personality', 'Files for the guest at create and rebuild, on its config drive '
     '(until 2.56).'),
    ('os-quota-class-sets', 'QuotaClasses', 'The default quota class.'),
    ('os-quota-sets', 'Quotas', 'Per-project quotas, their defaults and their usage.'),
    ('os-rescue', 'Rescue', 'Boot a server from a rescue image with its disk attached.'),
    ('os-security-groups', 'SecurityGroups', 'Security groups through the network service.'),
    ('os-server-diagnostics', 'ServerDiagnostics', 'Admins read a running server\'s counters from its domain.'),
    ('os-server-external-events', 'ServerExternalEvents', 'Other services send events about servers.'),
    ('os-server-group-quotas', 'ServerGroupQuotas', 'Quotas on server groups and their members.'),
    ('os-server-groups', 'ServerGroups', 'Affinity and anti-affinity groups the scheduler honours.'),
    ('os-server-list-multi-status', 'ServerListMultiStatus', 'The server list filters by several statuses.'),
    ('os-server-password', 'ServerPassword', 'Read and clear the encrypted password a guest posted.'),
    ('os-server-sort-keys', 'ServerSortKeys', 'The server list sorts by sort_key and sort_dir.'),
    ('os-server-start-stop', 'ServerStartStop', 'Start and stop a server.'),
    ('os-services', 'Services', 'Admins list, disable, force down and delete compute services.'),
    ('os-shelve', 'Shelve', 'Shelve a server to an image, offload it and unshelve it.'),
    ('os-simple-tenant-usage', 'SimpleTenantUsage', 'Usage of servers over a period, per project.'),
    ('os-suspend-server', 'SuspendServer', 'Suspend and resume a server.'),
    ('os-tenant-networks', 'OSTenantNetworks', 'The networks a project sees, read only (until 2.35).'),
    ('os-used-limits', 'UsedLimits', 'Limits show what the project uses.'),
    ('os-used-limits-for-admin', 'UsedLimitsForAdmin', 'Admins read another project\'s used limits.'),
    ('os-user-data', 'UserData', 'Server create takes user data for the guest, on its config drive.'),
    ('os-user-quotas', 'UserQuotas', 'Quotas read for a user of a project.'),
    ('os-volume-attachment-update', 'VolumeAttachmentUpdate', 'Update a server\'s volume attachment: novalite '
     'attaches no volumes, so none is found.'),
    ('os-volumes', 'Volumes', 'Volumes and volume snapshots (until 2.35) and os-volumes_boot, the servers '
     'collection\'s alias (until 2.102): novalite has no block storage, so the lists are empty and no volume can be '
     'created.'),
)


def _record(alias, name, description):
    return {'alias': alias, 'name': name, 'description': description, 'links': [], 'namespace': NAMESPACE,
            'updated': FROZEN}


EXTENSIONS = [_record(*item) for item in PROVIDED]


def index():
    policy.enforce('os_compute_api:extensions', ctx(), {})
    return flask.jsonify({'extensions': EXTENSIONS})


def show(alias):
    policy.enforce('os_compute_api:extensions', ctx(), {})
    for record in EXTENSIONS:
        if record['alias'] == alias:
            return flask.jsonify({'extension': record})
    raise ApiError(404, 'The resource could not be found.')
