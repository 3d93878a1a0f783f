# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The compute version documents: ``GET /compute`` and ``GET /compute/v2.1`` (no token needed), and
``GET /compute/v2.1/versions/{id}``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from novalite_api.compute import api_version
from novalite_api.compute.common import base_url
from novalite_api.faults import ApiError

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

VERSION_UPDATED = '2013-07-23T11:33:21Z'
# Nova still lists the v2.0 API (no microversions) before v2.1, as SUPPORTED.
V20_UPDATED = '2011-01-21T11:33:21Z'


def _v21_doc():
    return {'id': 'v2.1', 'status': 'CURRENT', 'version': api_version.fmt(api_version.MAX_VERSION),
            'min_version': api_version.fmt(api_version.MIN_VERSION), 'updated': VERSION_UPDATED,
            'links': [{'rel': 'self', 'href': '%s/v2.1/' % base_url()},
                      {'rel': 'describedby', 'type': 'text/html', 'href': 'https://docs.openstack.org/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.compute+json;version=2.1'}]}


def _v20_doc():
    return {'id': 'v2.0', 'status': 'SUPPORTED', 'version': '', 'min_version': '', 'updated': V20_UPDATED,
            'links': [{'rel': 'self', 'href': '%s/v2/' % base_url()},
                      {'rel': 'describedby', 'type': 'text/html', 'href': 'https://docs.openstack.org/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.compute+json;version=2'}]}


def index():
    listed = []
    for doc in (_v20_doc(), _v21_doc()):
        doc.pop('media-types')
        doc['links'] = doc['links'][:1]
        listed.append(doc)
    return flask.jsonify({'versions': listed})


def show():
    return flask.jsonify({'version': _v21_doc()})


def show_v20():
    return flask.jsonify({'version': _v20_doc()})


def show_version(version_id):
    """``GET /v2.1/versions/{id}``: one version's document by its id, 404 for another id."""
    docs = {'v2.0': _v20_doc, 'v2.1': _v21_doc}
    if version_id not in docs:
        raise ApiError(404, 'The resource could not be found.')
    return flask.jsonify({'version': docs[version_id]()})
