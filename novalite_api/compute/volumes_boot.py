# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""``/os-volumes_boot``: Nova's old alias of the servers collection (nova/api/openstack/compute/volumes_boot.py),
2.1 - 2.102, 404 from 2.103 (Nova removed it there).

Each route is the same handler as its ``/servers`` twin (servers.py): the same bodies, query parameters,
policies and answers, whose links name ``/servers`` as Nova's do. Only the actions differ: Nova's alias
controller has just the servers controller's own actions (below); any other action is Nova's 400 ``There is no
such action: <name>`` here, whatever the microversion, as Nova looks the action up before its version.

Nova's own ``PUT /os-volumes_boot/{id}`` at its current code fails with a 500 (the alias drops the body on its
way to the servers method); novalite answers what that method answers, the server updated.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute import servers
from novalite_api.compute.common import action_peek, available_until, only_query_params
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

LAST_MINOR = 102
# ServersController's own wsgi actions, all VolumesBootController has (trigger_crash_dump from 2.17)
ACTIONS = ('confirmResize', 'revertResize', 'reboot', 'resize', 'rebuild', 'createImage', 'os-start', 'os-stop',
           'trigger_crash_dump')


def _alias():
    available_until(LAST_MINOR)


def _alias_strict():
    """The window, then 2.102's strict query parameters, which the servers twin gets from routes.before_request."""
    _alias()
    only_query_params(from_minor=102)


def index():
    _alias()
    return servers.index()


def detail():
    _alias()
    return servers.detail()


def create():
    _alias_strict()
    return servers.create()


def show(server_id):
    _alias_strict()
    return servers.show(server_id)


def update(server_id):
    _alias_strict()
    return servers.update(server_id)


def delete(server_id):
    _alias_strict()
    return servers.delete(server_id)


def action(server_id):
    name, _args = action_peek(flask.request.get_json(silent=True))
    if name not in ACTIONS:
        raise ApiError(400, 'There is no such action: %s' % name)
    _alias_strict()
    return servers.action(server_id)


# (method, path, handler) under /v2.1, and the /servers route each one is the alias of
ALIASES = (
    ('GET', '/v2.1/os-volumes_boot', index, '/v2.1/servers'),
    ('POST', '/v2.1/os-volumes_boot', create, '/v2.1/servers'),
    ('GET', '/v2.1/os-volumes_boot/detail', detail, '/v2.1/servers/detail'),
    ('GET', '/v2.1/os-volumes_boot/<server_id>', show, '/v2.1/servers/<server_id>'),
    ('PUT', '/v2.1/os-volumes_boot/<server_id>', update, '/v2.1/servers/<server_id>'),
    ('DELETE', '/v2.1/os-volumes_boot/<server_id>', delete, '/v2.1/servers/<server_id>'),
    ('POST', '/v2.1/os-volumes_boot/<server_id>/action', action, '/v2.1/servers/<server_id>/action'),
)
ROUTES = tuple((method, path, handler) for method, path, handler, _twin in ALIASES)
