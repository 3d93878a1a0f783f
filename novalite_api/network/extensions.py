# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The extensions novalite's Networking API implements (GET /v2.0/extensions, /v2.0/extensions/{alias}).

Clients ask for these before they use an extension's attributes; only what is
really served is listed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.network import errors

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

UPDATED = '2026-12-03T00:00:00-00:00'
EXTENSIONS = (
    ('external-net', 'Neutron external network', 'Adds external network attribute to network resource.'),
    ('router', 'Neutron L3 Router', 'Router abstraction for basic L3 forwarding between L2 Neutron networks and '
                                    'access to external networks via a NAT gateway.'),
    ('security-group', 'security-group', 'The security groups extension.'),
    ('quotas', 'Quota management support', 'Expose functions for quotas management per project'),
    ('quota_details', 'Quota details management support', 'Expose functions for quotas usage statistics per '
                                                          'project'),
    ('provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'),
    ('port-security', 'Port Security', 'Provides port security'),
    ('binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'),
    ('net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'),
    ('project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'),
    ('standard-attr-description', 'standard-attr-description',
     'Extension to add descriptions to standard attributes'),
    ('standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number '
                                                             'of neutron resources.'),
    ('standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron '
                                                       'resources that have Neutron standard attributes.'),
    ('pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'),
    ('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'),
    ('filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.'),
    ('ext-gw-mode', 'Neutron L3 Configurable external gateway mode', 'Extension of the router abstraction for '
                                                                     'specifying whether SNAT should occur on the '
                                                                     'external gateway'),
)


def _view(alias, name, description):
    return {'alias': alias, 'name': name, 'description': description, 'updated': UPDATED, 'links': []}


def index():
    return flask.jsonify({'extensions': [_view(*e) for e in EXTENSIONS]})


def show(alias):
    for ext in EXTENSIONS:
        if ext[0] == alias:
            return flask.jsonify({'extension': _view(*ext)})
    raise errors.NotFound('Extension with alias %s does not exist' % alias, field='alias', kind='HTTPNotFound')
