# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Quota classes (``/os-quota-class-sets/{class}``, admin): show and update.

As in Nova, the ``default`` class is what every project gets where it has no
limit of its own; other classes are stored and shown and change nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api import policy, validation
from novalite_api.compute import api_version
from novalite_api.compute.common import ctx, request_body, store
from novalite_api.compute.schemas import quota_classes as schemas
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import quotas

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None


def _view(class_name, values, with_id=True):
    out = {'id': class_name} if with_id else {}
    for name in schemas.resources(api_version.current()):
        out[name] = values[name]
    return {'quota_class_set': out}


def show(class_name):
    policy.enforce('os_compute_api:os-quota-class-sets:show', ctx(), {})
    with store().read() as conn:
        values = quotas.class_limits(conn, class_name)
    return flask.jsonify(_view(class_name, values))


def update(class_name):
    policy.enforce('os_compute_api:os-quota-class-sets:update', ctx(), {})
    if not 1 <= len(class_name) <= 255:
        raise ApiError(400, 'quota_class_name has a length of %d, it must be between 1 and 255 characters.'
                       % len(class_name))
    spec = validation.validate(request_body(), schemas.update(api_version.current()))['quota_class_set']
    values = quotas.set_class_limits(store(), class_name, spec)
    return flask.jsonify(_view(class_name, values, with_id=False))
