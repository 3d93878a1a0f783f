# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A server's addresses by network (``/servers/{id}/ips``, ``/servers/{id}/ips/{network label}``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute.common import get_server
from novalite_api.compute.views.servers import addresses
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def index(server_id):
    inst = get_server(server_id, 'os_compute_api:ips:index')
    return flask.jsonify({'addresses': addresses(inst['network_info'], extended=False)})


def show(server_id, network_label):
    inst = get_server(server_id, 'os_compute_api:ips:show')
    networks = addresses(inst['network_info'], extended=False)
    if network_label not in networks:
        raise ApiError(404, 'Instance is not a member of specified network')
    return flask.jsonify({network_label: networks[network_label]})
