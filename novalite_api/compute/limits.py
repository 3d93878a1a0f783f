# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""``GET /limits``: the caller's project's absolute limits and usage (the quotas' values)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import ctx, only_query_params, store

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Left out from 2.36: Nova no longer proxies the network service's quotas.
_NETWORK_PROXY = ('maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps', 'totalSecurityGroupsUsed',
                  'totalFloatingIpsUsed')


def index():
    only_query_params('tenant_id')
    caller = ctx()
    policy.enforce('os_compute_api:limits', caller)
    project_id = caller.project_id
    if 'tenant_id' in flask.request.args:   # an admin reading another project's limits
        policy.enforce('os_compute_api:limits:other_project', caller)
        project_id = flask.request.args['tenant_id']
    with store().read() as conn:
        limit = quotas.limits(conn, project_id, legacy=True)
        used = quotas.usage(conn, project_id)
    absolute = {
        'maxServerMeta': limit['metadata_items'], 'maxPersonality': limit['injected_files'],
        'maxPersonalitySize': limit['injected_file_content_bytes'],
        'maxImageMeta': limit['metadata_items'], 'maxTotalKeypairs': limit['key_pairs'],
        'maxSecurityGroups': limit['security_groups'], 'maxSecurityGroupRules': limit['security_group_rules'],
        'maxServerGroups': limit['server_groups'], 'maxServerGroupMembers': limit['server_group_members'],
        'maxTotalFloatingIps': limit['floating_ips'], 'maxTotalInstances': limit['instances'],
        'maxTotalCores': limit['cores'], 'maxTotalRAMSize': limit['ram'],
        'totalInstancesUsed': used['instances'], 'totalCoresUsed': used['cores'], 'totalRAMUsed': used['ram'],
        'totalSecurityGroupsUsed': 0, 'totalFloatingIpsUsed': 0, 'totalServerGroupsUsed': used['server_groups'],
    }
    if since(36):
        for key in _NETWORK_PROXY:
            del absolute[key]
    if since(39):   # the image metadata proxy is gone, and its limit with it
        del absolute['maxImageMeta']
    if since(57):   # personality files are gone
        del absolute['maxPersonality']
        del absolute['maxPersonalitySize']
    return flask.jsonify({'limits': {'rate': [], 'absolute': absolute}})
