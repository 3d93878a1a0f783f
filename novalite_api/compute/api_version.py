# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Compute microversions: the one a request asks for, and the headers every compute answer carries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput, NovaliteError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 104)
_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class NotAcceptable(NovaliteError):
    code = 406
    kind = 'NotAcceptable'


def fmt(version):
    return '%d.%d' % version


def requested_version(headers):
    """The microversion asked for (Nova's api_version_request_from_headers), validated."""
    value = None
    for part in (headers.get('OpenStack-API-Version') or '').split(','):
        words = part.strip().split()
        if len(words) == 2 and words[0].lower() == 'compute':
            value = words[1]
    if value is None:
        value = headers.get('X-OpenStack-Nova-API-Version')
    if value is None:
        return MIN_VERSION
    value = value.strip()
    if value.lower() == 'latest':
        return MAX_VERSION
    match = _VERSION_RE.match(value)
    if not match:
        raise InvalidInput('OpenStack-API-Version', 'API Version String %s is of invalid format. Must be of format '
                                                    'MajorNum.MinorNum.' % value)
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise NotAcceptable('Version %s is not supported by the API. Minimum is %s and maximum is %s.'
                            % (value, fmt(MIN_VERSION), fmt(MAX_VERSION)))
    return version


def read_request_version():
    """Put the request's microversion on ``flask.g.api_version`` (406/400 for one not served)."""
    # Set first, so that the refusal of a bad header is itself answered at the minimum version.
    flask.g.api_version = MIN_VERSION
    flask.g.api_version = requested_version(flask.request.headers)


def current():
    return flask.g.get('api_version') or MIN_VERSION


def since(minor):
    """True when the request's microversion is at least 2.<minor>."""
    return current() >= (2, minor)


def stamp_response(response):
    version = fmt(current())
    response.headers['OpenStack-API-Version'] = 'compute %s' % version
    response.headers['X-OpenStack-Nova-API-Version'] = version
    response.headers['Vary'] = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'
    return response
