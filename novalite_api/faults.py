# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Error bodies as each OpenStack service writes them, and the error responses built from them.

The service is told by the path's prefix (``/identity``, ``/compute``,
``/image``, ``/network``); gunicorn's own answers to requests it cannot parse get a JSON
body too (``answer_unparsable_requests_in_json``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

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


# webob's exception names, the type of a NeutronError body for an error that is not one of Neutron's own
NEUTRON_HTTP_TYPES = {
    400: 'HTTPBadRequest', 401: 'HTTPUnauthorized', 403: 'HTTPForbidden', 404: 'HTTPNotFound',
    405: 'HTTPMethodNotAllowed', 409: 'HTTPConflict', 413: 'HTTPRequestEntityTooLarge', 414: 'HTTPRequestURITooLong',
    415: 'HTTPUnsupportedMediaType', 500: 'HTTPInternalServerError', 503: 'HTTPServiceUnavailable',
}


def neutron_body(code, message, kind=None):
    """Neutron's fault body: the Neutron exception's class name as ``type`` (webob's for any other error)."""
    return {'NeutronError': {'type': kind or NEUTRON_HTTP_TYPES.get(code, 'HTTPError'), 'message': message,
                             'detail': ''}}


def service_of(path):
    for prefix in ('identity', 'compute', 'image', 'network'):
        if path == '/' + prefix or path.startswith('/%s/' % prefix):
            return prefix
    return None


def error_response(code, message, headers=None, kind=None):
    """The JSON error answer in the body format of the service the request's path belongs to (``kind``: the
    error's class name, Neutron's ``type``)."""
    service = service_of(flask.request.path)
    if service == 'network':
        body = neutron_body(code, message, kind)
    elif service == 'compute':
        body = nova_body(code, message)
    elif service == 'image':
        body = glance_body(code, message)
    else:
        body = keystone_body(code, message)
    response = flask.jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers['WWW-Authenticate'] = 'Keystone uri="%s/identity"' % flask.current_app.config[
            'NOVALITE']['public_url']
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def answer_unparsable_requests_in_json():
    """gunicorn answers what it cannot parse itself, before the app (a request line over 4094 bytes is
    414, broken headers 400/431) with an HTML page; every other error of the service is JSON.

    Its worker writes those answers through ``gunicorn.util.write_error``: replaced once per process.
    """
    try:
        from gunicorn import util as gunicorn_util
    except ImportError:  # pragma: no cover - not served by gunicorn
        return
    if getattr(gunicorn_util.write_error, 'novalite_json', False):
        return

    def write_error(sock, status_int, reason, mesg):
        gunicorn_util.write_nonblock(sock, transport_response(status_int, reason, mesg))
    write_error.novalite_json = True
    gunicorn_util.write_error = write_error
