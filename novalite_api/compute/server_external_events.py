# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""External events (``POST /os-server-external-events``, the service role or admins): what other services
tell Nova about servers. 200 when every event reached its server's host, 207 when one did not, each event
with its own code (404 unknown server, 400 missing tag, 422 no host); what a delivered event does is
``external_events`` (plugins/module_utils/compute)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute.api_version import current
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.schemas import server_external_events as schema

from ansible_collections.novalite.compute.plugins.module_utils.compute import external_events

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def create():
    body = validation.validate(request_body(), schema.create(current()[1]))
    policy.enforce('os_compute_api:os-server-external-events:create', ctx(), {})
    answer, all_ok = external_events.dispatch(store(), ctx(), body['events'])
    return flask.jsonify({'events': answer}), 200 if all_ok else 207
