# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The WSGI application: one process serves /identity, /compute and /image.

Every request gets ``x-openstack-request-id`` (``req-<uuid>``); errors from the
collection's code (``NovaliteError``: ``code`` is the HTTP status) are rendered
in the body format of the service the path belongs to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging

# Importing the package first put the collection on sys.path (novalite_api/__init__.py).
from novalite_api import accounts, config as config_mod, faults, validation

from ansible_collections.novalite.compute.plugins.module_utils.compute.api import Context, new_request_id
from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

try:
    import flask
    from werkzeug.exceptions import HTTPException
    HAS_FLASK = True
except ImportError:  # pragma: no cover
    HAS_FLASK = False

LOG = logging.getLogger('novalite_api')


def service_of(path):
    for prefix in ('identity', 'compute', 'image'):
        if path == '/' + prefix or path.startswith('/%s/' % prefix):
            return prefix
    return None


def error_response(code, message, headers=None):
    service = service_of(flask.request.path)
    if service == 'compute':
        body = faults.nova_body(code, message)
    elif service == 'image':
        body = faults.glance_body(code, message)
    else:
        body = faults.keystone_body(code, message)
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
        gunicorn_util.write_nonblock(sock, faults.transport_response(status_int, reason, mesg))
    write_error.novalite_json = True
    gunicorn_util.write_error = write_error


def authenticate_request():
    """Nova's keystonemiddleware: X-Auth-Token -> Context on flask.g, or 401."""
    app = flask.current_app
    token = flask.request.headers.get('X-Auth-Token')
    if not token:
        raise accounts.Unauthorized('The request you have made requires authentication.')
    data = accounts.validate_token(app.config['NOVALITE_STORE'], app.config['NOVALITE_SECRET'], token)
    if data['project'] is None:
        raise accounts.Unauthorized('A project-scoped token is required.')
    roles = [r['name'] for r in data['roles']]
    flask.g.ctx = Context(user_id=data['user']['id'], project_id=data['project']['id'],
                          is_admin='admin' in roles, request_id=flask.g.request_id, roles=roles)
    flask.g.token = data


def create_app(cfg, store=None):
    """The Flask app for validated config ``cfg`` (see config.validate)."""
    if not HAS_FLASK:
        raise RuntimeError('the REST shim needs Flask (pip install -r requirements.txt)')
    from novalite_api import compute, identity, image, jobs, openapi, policy
    # importing servers adds its routes to the compute blueprint
    from novalite_api import servers  # noqa: F401  pylint: disable=unused-import
    answer_unparsable_requests_in_json()
    app = flask.Flask('novalite_api')
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.config['NOVALITE'] = cfg
    app.config['NOVALITE_STORE'] = store or Store(cfg['database_url'])
    app.config['NOVALITE_SECRET'] = config_mod.read_secret(cfg['secret_key_file'])
    # nova's policy.yaml: overrides on top of the defaults; a rule that does not parse stops the start.
    policy.load(cfg['policy_file'])
    # The API only records and queues jobs; worker processes run them (jobs.JobRunner, server.py).
    jobs.apply_process_settings(cfg)
    app.config['NOVALITE_JOBS'] = jobs.JobQueue(cfg, app.config['NOVALITE_STORE'])

    @app.before_request
    def _request_id():
        flask.g.request_id = new_request_id()
        request = flask.request
        # nova's max_request_body_size, refused before the body is read; image data uploads have their
        # own limits (image_size_cap, user_storage_quota, enforced while streaming).
        image_data = request.endpoint == 'image.image_upload'
        length = request.content_length
        if length and length > cfg['max_request_body_size'] and not image_data:
            return error_response(413, 'Request is too large.')
        # Every endpoint, before any handler sees it: URL and JSON text that cannot be stored as UTF-8,
        # or that holds a NUL, is a 400 naming the field (handlers read the cached parse). Image data
        # is never parsed, whatever its Content-Type says.
        validation.check_url_text(request.environ.get('PATH_INFO', ''), request.query_string)
        if request.is_json and not image_data:
            validation.check_body_text(request.get_json(silent=True))
        return None

    @app.after_request
    def _stamp(response):
        response.headers['x-openstack-request-id'] = flask.g.get('request_id') or new_request_id()
        return response

    @app.errorhandler(NovaliteError)
    def _domain_error(exc):
        code = exc.code if 400 <= exc.code < 600 else 500
        if code >= 500:
            LOG.error('request %s failed: %s', flask.g.get('request_id'), exc)
        return error_response(code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        LOG.exception('request %s failed', flask.g.get('request_id'))
        return error_response(500, 'Unexpected API Error. Please report this at the novalite tracker and '
                                   'attach the request id %s.' % flask.g.get('request_id'))

    app.register_blueprint(identity.blueprint, url_prefix='/identity')
    app.register_blueprint(compute.blueprint, url_prefix='/compute')
    app.register_blueprint(image.blueprint, url_prefix='/image')
    app.register_blueprint(openapi.blueprint)
    return app
