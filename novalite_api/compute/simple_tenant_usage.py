# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Usage reports (``/os-simple-tenant-usage``): every project's (admin) or one project's hours, vCPU, RAM
and disk use over ``start`` .. ``end``; paged by server from 2.40."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from novalite_api import policy
from novalite_api.compute.api_version import since
from novalite_api.compute.common import MAX_LIMIT, ctx, limit_arg, next_link, only_query_params, paging_query, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.compute import usage
from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Nova's accepted spellings of start and end; an empty or missing one is now.
_TIME_FORMATS = ('%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%d %H:%M:%S.%f')


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _time(name):
    raw = flask.request.args.get(name)
    if not raw:
        return _now()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise ApiError(400, 'Invalid datetime string: Datetime is in invalid format')


def _period():
    start, stop = _time('start'), _time('end')
    if start >= stop:
        raise ApiError(400, 'Invalid start time. The start time cannot occur after the end time.')
    return start, min(stop, _now())


def _stamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%f') if value is not None else None


def _render(summary):
    out = dict(summary, start=_stamp(summary['start']), stop=_stamp(summary['stop']))
    if 'server_usages' in out:
        out['server_usages'] = [dict(s, started_at=_stamp(s['started_at']), ended_at=_stamp(s['ended_at']))
                                for s in out['server_usages']]
    return out


def _report(project_id, detailed, links_name):
    paged = since(40)
    allowed = ('start', 'end') + (('detailed',) if project_id is None else ()) + (('limit', 'marker') if paged else ())
    only_query_params(*allowed)
    if paged:
        paging_query()
    start, stop = _period()
    limit = limit_arg() if paged else MAX_LIMIT
    marker = flask.request.args.get('marker') if paged else None
    try:
        summaries, servers = usage.tenant_usages(store(), start, stop, project_id=project_id, detailed=detailed,
                                                 limit=limit, marker=marker, now=_now())
    except InvalidInput as exc:
        raise ApiError(400, exc.reason)
    links = {}
    if paged and servers and len(servers) == limit:
        links = {links_name: next_link(servers[-1]['instance_id'], limit)}
    return [_render(s) for s in summaries], links


def index():
    policy.enforce('os_compute_api:os-simple-tenant-usage:list', ctx())
    detailed = flask.request.args.get('detailed', '0') == '1'
    usages, links = _report(None, detailed, 'tenant_usages_links')
    return flask.jsonify(dict({'tenant_usages': usages}, **links))


def show(tenant_id):
    policy.enforce('os_compute_api:os-simple-tenant-usage:show', ctx(), {'project_id': tenant_id})
    usages, links = _report(tenant_id, True, 'tenant_usage_links')
    return flask.jsonify(dict({'tenant_usage': usages[0] if usages else {}}, **links))
