# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Route tables into Flask blueprints.

Each service lists its routes in one table of ``(method, path, handler)``
(``compute/routes.py``, ``identity.ROUTES``, ``image.ROUTES``,
``openapi.ROUTES``); ``app.create_app`` turns each table into a blueprint
here. Nothing registers a route as a side effect of being imported.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def endpoint_name(handler):
    """``flavors_index`` for ``flavors.index``: unique within a service, and Flask forbids dots in it."""
    return '%s_%s' % (handler.__module__.rsplit('.', 1)[-1], handler.__name__)


def blueprint(name, routes, before_request=None, after_request=None):
    """A blueprint serving ``routes``, with the service's own request hooks (run only for its routes)."""
    made = flask.Blueprint(name, __name__)
    for method, path, handler in routes:
        made.add_url_rule(path, endpoint_name(handler), handler, methods=[method])
    if before_request is not None:
        made.before_request(before_request)
    if after_request is not None:
        made.after_request(after_request)
    return made


def current_handler():
    """The handler the request was routed to (None when no route matched)."""
    return flask.current_app.view_functions.get(flask.request.endpoint)
