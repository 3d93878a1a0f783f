# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Usage reports (os-simple-tenant-usage): hours and resource-hours per server and project, Nova's paging,
errors and policy, and the `openstack usage` CLI."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from lib.api_service import openstack

FMT = '%Y-%m-%dT%H:%M:%S'


def _utc(**delta):
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0) + \
        datetime.timedelta(**delta)


@pytest.fixture(scope='module')
def usage_project(api, http):
    """A project with a server launched 3 h ago and one launched 2 h ago and terminated 1 h ago."""
    from test_compute_endpoints import _store, forget_servers, make_server, new_project
    from ansible_collections.novalite.compute.plugins.module_utils.compute import instances
    from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table
    project = new_project(api, http, unlimited=True)
    running = make_server(api, project, name='usage-running', launched_at=_utc(hours=-3))
    gone = make_server(api, project, name='usage-gone', launched_at=_utc(hours=-2))
    store = _store(api)
    with store.begin() as conn:
        instances.mark_deleted(conn, gone['uuid'])
        t = table('instances')
        conn.execute(t.update().where(t.c.uuid == gone['uuid']).values(terminated_at=_utc(hours=-1)))
    store.dispose()
    project.update(running=running, gone=gone)
    yield project
    forget_servers(api, project)


def _get(http, path, token, version='2.40'):
    return http.call('GET', '/compute/v2.1/' + path, token=token,
                     headers={'OpenStack-API-Version': 'compute %s' % version})


def test_hours_and_resource_hours_per_server_and_project(http, usage_project):
    start, end = _utc(hours=-4), _utc(hours=-1.5)
    status, _h, body = _get(http, 'os-simple-tenant-usage/%s?start=%s&end=%s' % (
        usage_project['id'], start.strftime(FMT), end.strftime(FMT)), usage_project['token'])
    assert status == 200, body
    usage = body['tenant_usage']
    by_name = dict((s['name'], s) for s in usage['server_usages'])
    running, gone = by_name['usage-running'], by_name['usage-gone']
    # launched 3 h ago, counted from its launch to the end of the period: 1.5 h
    assert running['hours'] == pytest.approx(1.5, abs=0.01)
    assert running['state'] == 'active' and running['ended_at'] is None
    assert running['uptime'] == pytest.approx(3 * 3600, abs=60)
    # launched 2 h ago, the period ends 1.5 h ago, before its termination: 0.5 h
    assert gone['hours'] == pytest.approx(0.5, abs=0.01)
    assert gone['state'] == 'terminated' and gone['uptime'] == pytest.approx(3600, abs=60)
    flavor = running['vcpus'], running['memory_mb'], running['local_gb']
    assert usage['total_hours'] == pytest.approx(2.0, abs=0.02)
    assert usage['total_vcpus_usage'] == pytest.approx(flavor[0] * 2.0, abs=0.05)
    assert usage['total_memory_mb_usage'] == pytest.approx(flavor[1] * 2.0, rel=0.01)
    assert usage['total_local_gb_usage'] == pytest.approx(flavor[2] * 2.0, abs=0.05)
    assert usage['start'] == start.strftime(FMT) + '.000000' and usage['stop'] == end.strftime(FMT) + '.000000'


def test_a_period_after_the_termination_leaves_the_server_out(http, usage_project):
    status, _h, body = _get(http, 'os-simple-tenant-usage/%s?start=%s' % (
        usage_project['id'], _utc(minutes=-30).strftime(FMT)), usage_project['token'])
    assert status == 200
    assert [s['name'] for s in body['tenant_usage']['server_usages']] == ['usage-running']


def test_admin_lists_projects_and_pages_by_server(http, admin_token, usage_project):
    # the period ends 1.5 h ago, so the servers other modules launched just now (hundreds of them, more than a
    # page) stay out of it and this project's two backdated servers fit in the first page
    start, end = _utc(hours=-4).strftime(FMT), _utc(hours=-1.5).strftime(FMT)
    status, _h, body = _get(http, 'os-simple-tenant-usage?start=%s&end=%s&detailed=1' % (start, end), admin_token)
    assert status == 200
    mine = [u for u in body['tenant_usages'] if u['tenant_id'] == usage_project['id']]
    assert len(mine) == 1 and len(mine[0]['server_usages']) == 2
    # the same report a server at a time: every server once, then no link
    seen, path = [], 'os-simple-tenant-usage/%s?start=%s&limit=1' % (usage_project['id'], start)
    while path:
        status, _h, page = _get(http, path, usage_project['token'])
        assert status == 200
        seen += [s['instance_id'] for s in page['tenant_usage'].get('server_usages', [])]
        links = page.get('tenant_usage_links')
        path = links[0]['href'].split('/v2.1/', 1)[1] if links else None
    assert sorted(seen) == sorted([usage_project['running']['uuid'], usage_project['gone']['uuid']])
    # not detailed: totals only
    _s, _h, body = _get(http, 'os-simple-tenant-usage?start=%s&end=%s' % (start, end), admin_token)
    assert [u for u in body['tenant_usages'] if 'server_usages' in u] == []


@pytest.mark.parametrize('query,message', [
    ('start=2026-01-02T00:00:00&end=2026-01-01T00:00:00', 'The start time cannot occur after the end time'),
    ('start=yesterday', 'Datetime is in invalid format'),
    ('marker=00000000-0000-0000-0000-000000000000', 'Marker 00000000-0000-0000-0000-000000000000 could not'),
    ('start=2026-01-01T00:00:00&color=blue', "'color' was unexpected"),
])
def test_bad_queries_are_400(http, usage_project, query, message):
    status, _h, body = _get(http, 'os-simple-tenant-usage/%s?%s' % (usage_project['id'], query),
                            usage_project['token'], version='2.75')
    assert status == 400 and message in body['badRequest']['message'], body


def test_members_cannot_list_all_or_read_other_projects(http, demo_token, usage_project):
    assert _get(http, 'os-simple-tenant-usage', usage_project['token'])[0] == 403
    assert _get(http, 'os-simple-tenant-usage/%s' % usage_project['id'], demo_token)[0] == 403


def test_cli_usage_show_and_list(api, usage_project):
    start = _utc(hours=-4).strftime('%Y-%m-%d')
    rc, shown, err = openstack(api, 'usage', 'show', '--project', usage_project['id'], '--start', start,
                               as_json=True)
    assert rc == 0, err
    assert _count(shown['Servers']) == 2 and float(shown['RAM MB-Hours']) > 0, shown
    rc, listed, err = openstack(api, 'usage', 'list', '--start', start, as_json=True)
    assert rc == 0, err
    # (the SDK asks detailed=True where Nova reads only detailed=1, so the list has totals only, as with Nova)
    mine = [u for u in listed if u['Project'] == usage_project['id']]
    assert len(mine) == 1 and float(mine[0]['RAM MB-Hours']) == pytest.approx(float(shown['RAM MB-Hours']), rel=0.01)


def _count(servers):
    # the CLI prints the server usages themselves, or their number
    return len(servers) if isinstance(servers, list) else int(servers)
