# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Error bodies as each OpenStack service writes them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError

# nova/api/openstack/wsgi.py Fault._fault_names; anything else is computeFault.
NOVA_FAULT_NAMES = {
    400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound',
    405: 'badMethod', 409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType',
    429: 'overLimit', 501: 'notImplemented', 503: 'serviceUnavailable',
}
KEYSTONE_TITLES = {
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 409: 'Conflict', 413: 'Request Entity Too Large', 414: 'URI Too Long',
    431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
}


def nova_body(code, message):
    return {NOVA_FAULT_NAMES.get(code, 'computeFault'): {'code': code, 'message': message}}


def keystone_body(code, message):
    return {'error': {'code': code, 'title': KEYSTONE_TITLES.get(code, 'Error'), 'message': message}}


def glance_body(code, message):
    # Glance answers with webob's plain error pages; its JSON clients read "message".
    title = KEYSTONE_TITLES.get(code, 'Error')
    return {'code': code, 'title': title, 'message': message, 'error': {'code': code, 'message': message}}


class ApiError(NovaliteError):
    """An API-level refusal with Nova's exact status and message (no collection field prefix)."""

    def __init__(self, code, message, field=None):
        super(ApiError, self).__init__(message, field=field)
        self.code = code
        self.kind = NOVA_FAULT_NAMES.get(code, 'computeFault')


def transport_response(code, reason, message):
    """The raw HTTP answer to a request the server could not parse (no path, so no service known).

    The body has the shape every client reads: Keystone's ``error`` object plus Glance's top-level
    fields (``glance_body``), with the server's reason as the title.
    """
    body = dict(glance_body(code, message), title=reason)
    body['error']['title'] = reason
    data = json.dumps(body).encode('utf-8')
    head = ('HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: application/json\r\n'
            'Content-Length: %d\r\n\r\n' % (code, reason, len(data)))
    return head.encode('latin-1') + data
