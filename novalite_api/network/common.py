# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What the network resources share: the caller, the store, and Neutron's list and show answers.

A list answer applies Neutron's query parameters to the visible rows: any
attribute as a filter (repeated for "any of"), ``fields`` (only those keys),
``sort_key``/``sort_dir``, and ``limit``/``marker`` paging with a
``<collection>_links`` next link on a full page.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging
from urllib.parse import urlencode

from ansible_collections.novalite.compute.plugins.module_utils.network import errors, model

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

LOG = logging.getLogger(__name__)

_PAGING = ('fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse')


def ctx():
    return flask.g.ctx


def store():
    return flask.current_app.config['NOVALITE_STORE']


def base_url():
    return flask.current_app.config['NOVALITE']['public_url'] + '/network'


def _fields(item):
    wanted = [f for f in flask.request.args.getlist('fields') if f]
    if not wanted:
        return item
    return dict((k, v) for k, v in item.items() if k in wanted)


def _filters():
    out = {}
    for key in flask.request.args:
        if key not in _PAGING:
            out[key] = flask.request.args.getlist(key)
    return out


def _fixed_ip_filter(wanted):
    """``fixed_ips=ip_address=10.0.0.5`` / ``fixed_ips=subnet_id=<id>`` (Neutron's port filter)."""
    pairs = [w.split('=', 1) for w in wanted if '=' in w]

    def keep(item):
        return all(any(ip.get(k) == v for ip in item.get('fixed_ips') or []) for k, v in pairs)
    return keep


def _sorted(items):
    keys = flask.request.args.getlist('sort_key')
    dirs = flask.request.args.getlist('sort_dir')
    for direction in dirs:
        if direction not in ('asc', 'desc'):
            raise errors.BadRequest("Sort direction %s is invalid: use 'asc' or 'desc'" % direction, field='sort_dir',
                                    kind='HTTPBadRequest')
    for index in reversed(range(len(keys))):
        key = keys[index]
        if items and key not in items[0]:
            raise errors.BadRequest('%s is an invalid attribute for sort_keys' % key, field='sort_key',
                                    kind='HTTPBadRequest')
        reverse = (dirs[index] if index < len(dirs) else 'asc') == 'desc'
        items = sorted(items, key=lambda i, k=key: (i.get(k) is None, str(i.get(k))), reverse=reverse)
    return items


def _limit():
    raw = flask.request.args.get('limit')
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.BadRequest("Bad limit request: Limit must be an integer 0 or greater and not '%s'." % raw,
                                field='limit', kind='BadRequest')
    if value < 0:
        raise errors.BadRequest("Bad limit request: Limit must be an integer 0 or greater and not '%d'." % value,
                                field='limit', kind='BadRequest')
    return value or None


def listing(collection, lister, write=False):
    """GET /v2.0/<collection>: ``lister(conn, context)`` -> every visible item, then Neutron's parameters."""
    with (store().begin() if write else store().read()) as conn:
        items = lister(conn, ctx())
    filters = _filters()
    keep = None
    if 'fixed_ips' in filters:
        keep = _fixed_ip_filter(filters.pop('fixed_ips'))
    if items and filters:
        unknown = sorted(k for k in filters if k not in items[0])
        if unknown:
            raise errors.BadRequest('[%s] is invalid attribute for filtering' % ', '.join(unknown),
                                    field=unknown[0], kind='HTTPBadRequest')
    items = [i for i in items if model.matches(i, filters) and (keep is None or keep(i))]
    items = _sorted(items)
    marker = flask.request.args.get('marker')
    if marker is not None:
        ids = [i['id'] for i in items]
        if marker not in ids:
            raise errors.NotFound('Marker %s could not be found.' % marker, field='marker', kind='NotFound')
        items = items[ids.index(marker) + 1:]
    body = {}
    limit = _limit()
    if limit is not None:
        full = len(items) > limit
        items = items[:limit]
        if full:
            params = [(k, v) for k, v in flask.request.args.items(multi=True) if k != 'marker']
            params.append(('marker', items[-1]['id']))
            body[collection + '_links'] = [{'rel': 'next', 'href': '%s/v2.0/%s?%s'
                                                                   % (base_url(), collection, urlencode(params))}]
    body[collection] = [_fields(i) for i in items]
    return flask.jsonify(dict(sorted(body.items(), key=lambda kv: kv[0] != collection)))


def shown(member, getter, ident):
    with store().read() as conn:
        return flask.jsonify({member: _fields(getter(conn, ctx(), ident))})


def body():
    body = flask.request.get_json(silent=True)
    if body is None:
        raise errors.BadRequest('Resource body required', kind='HTTPBadRequest')
    return body


def created(member, maker):
    with store().begin() as conn:
        item = maker(conn, ctx(), body())
    response = flask.jsonify({member: item})
    response.status_code = 201
    return response


def updated(member, changer, ident):
    with store().begin() as conn:
        return flask.jsonify({member: changer(conn, ctx(), ident, body())})


def deleted(remover, ident):
    with store().begin() as conn:
        remover(conn, ctx(), ident)
    return '', 204


class Handlers(object):
    """One resource's five handlers (Flask passes the id under the route's own name, e.g. ``network_id``)."""

    def __init__(self, module, collection, member, lister, maker, getter, changer=None, remover=None,
                 write_list=False):
        def index():
            return listing(collection, lister, write=write_list)

        def create():
            return created(member, maker)

        def show(**ids):
            return shown(member, getter, the_id(ids))

        def update(**ids):
            return updated(member, changer, the_id(ids))

        def delete(**ids):
            return deleted(remover, the_id(ids))
        for handler in (index, create, show, update, delete):
            handler.__module__ = module   # routing.endpoint_name: "<resource module>_<handler>"
            setattr(self, handler.__name__, handler)


def converge_hosts(hosts, what):
    """Compute hosts ``hosts`` converge their network now, in one run through the one host-call path
    (compute/host_calls.py ``network_call``), before the answer: a change of ``what`` reaches running guests."""
    from novalite_api.compute.common import jobs
    from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls
    if not hosts:
        return
    with store().begin() as conn:
        calls = [host_calls.network_call(conn, host, ctx().request_id) for host in hosts]
    for call, result in zip(calls, jobs().read_from_hosts(calls)):
        if result.get('failed'):
            # the change is stored; the host gets it on its next converge (reconcile re-plugs)
            LOG.warning('%s: the network of %s could not be converged: %s', what, call['host'], result.get('msg'))


def the_id(ids):
    """The one path id a member route (``/<collection>/<id>``) was called with."""
    return next(iter(ids.values()))
