# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The WSGI application: one process serves /identity, /compute, /image and /network.

``create_app`` builds the app, installs the request hooks every service
shares and registers each service's route table (``identity.ROUTES``,
``compute/routes.py``, ``image.ROUTES``, ``network/routes.py``, ``openapi.ROUTES``). Every request
gets ``x-openstack-request-id`` (``req-<uuid>``); errors from the
collection's code (``NovaliteError``: ``code`` is the HTTP status) are
rendered in the body format of the service the path belongs to
(``faults.error_response``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging

# Importing the package first put the collection on sys.path (novalite_api/__init__.py).
from novalite_api import auth, config as config_mod, faults, identity, image, openapi, routing, validation
from novalite_api.compute import routes as compute_routes
from novalite_api.network import routes as network_routes

from ansible_collections.novalite.compute.plugins.module_utils.errors import NovaliteError
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

try:
    import flask
    from werkzeug.exceptions import HTTPException
    HAS_FLASK = True
except ImportError:  # pragma: no cover
    HAS_FLASK = False

LOG = logging.getLogger('novalite_api')


def _register_services(app):
    app.register_blueprint(routing.blueprint('identity', identity.ROUTES), url_prefix='/identity')
    app.register_blueprint(routing.blueprint('compute', compute_routes.ROUTES,
                                             before_request=compute_routes.before_request,
                                             after_request=compute_routes.after_request), url_prefix='/compute')
    app.register_blueprint(routing.blueprint('image', image.ROUTES, before_request=image.before_request),
                           url_prefix='/image')
    app.register_blueprint(routing.blueprint('network', network_routes.ROUTES,
                                             before_request=network_routes.before_request), url_prefix='/network')
    app.register_blueprint(routing.blueprint('openapi', openapi.ROUTES))


def create_app(cfg, store=None):
    """The Flask app for validated config ``cfg`` (see config.validate)."""
    if not HAS_FLASK:
        raise RuntimeError('the REST shim needs Flask (pip install -r requirements.txt)')
    from novalite_api import jobs, policy
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
    _register_services(app)

    @app.before_request
    def _check_request():
        auth.assign_request_id()
        request = flask.request
        # nova's max_request_body_size, refused before the body is read; image data uploads have their
        # own limits (image_size_cap, user_storage_quota, enforced while streaming).
        # The one route whose body is image data: streamed to the image store, never parsed.
        image_data = routing.current_handler() is image.upload
        length = request.content_length
        if length and length > cfg['max_request_body_size'] and not image_data:
            return faults.error_response(413, 'Request is too large.')
        # Every endpoint, before any handler sees it: URL and JSON text that cannot be stored as UTF-8,
        # or that holds a NUL, is a 400 naming the field (handlers read the cached parse). Image data
        # is never parsed, whatever its Content-Type says.
        validation.check_url_text(request.environ.get('PATH_INFO', ''), request.query_string)
        if request.is_json and not image_data:
            validation.check_body_text(request.get_json(silent=True))
        return None

    @app.after_request
    def _stamp(response):
        response.headers['x-openstack-request-id'] = auth.request_id()
        return response

    @app.errorhandler(NovaliteError)
    def _domain_error(exc):
        code = exc.code if 400 <= exc.code < 600 else 500
        if code >= 500:
            LOG.error('request %s failed: %s', flask.g.get('request_id'), exc)
        return faults.error_response(code, exc.message, kind=getattr(exc, 'neutron_type', None))

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        return faults.error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        LOG.exception('request %s failed', flask.g.get('request_id'))
        return faults.error_response(500, 'Unexpected API Error. Please report this at the novalite tracker and '
                                          'attach the request id %s.' % flask.g.get('request_id'))

    return app
