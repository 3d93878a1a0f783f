# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The instance usage audit log (``/os-instance_usage_audit_log``, admin): how far each compute host got with
its usage audit of the last completed audit period.

Nova's compute hosts run an audit task every period (``instance_usage_audit_period``, a month by default)
that logs per host; novalite's hosts run none, so there are no task logs and every compute host
(disabled ones too, as Nova counts them) is reported as not run, exactly as Nova reports a deployment
with ``instance_usage_audit`` off: ``log`` empty, no instances, no errors, "0 of N hosts done".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from novalite_api import policy
from novalite_api.compute.common import ctx, store
from novalite_api.faults import ApiError

from ansible_collections.novalite.compute.plugins.module_utils.registry import hosts

try:
    import flask
except ImportError:  # pragma: no cover
    flask = None

# Nova's [DEFAULT]instance_usage_audit_period default; novalite has no audit task to configure
AUDIT_PERIOD = 'month'


def _month_before(moment):
    return datetime.datetime(moment.year - 1, 12, 1) if moment.month == 1 else \
        datetime.datetime(moment.year, moment.month - 1, 1)


def last_completed_period(before):
    """(begin, end) of the newest monthly audit period that ended before ``before`` (Nova's
    last_completed_audit_period for 'month': periods start on the 1st, 00:00 UTC)."""
    end = datetime.datetime(before.year, before.month, 1)
    if end >= before:
        end = _month_before(end)
    return _month_before(end), end


def _report(before):
    begin, end = last_completed_period(before)
    names = sorted(set(s['host'] for s in hosts.list_services(store())))
    # no task logs: nothing done, running or failed; every host not run
    return {'period_beginning': str(begin), 'period_ending': str(end), 'num_hosts': len(names),
            'num_hosts_done': 0, 'num_hosts_running': 0, 'num_hosts_not_run': len(names), 'hosts_not_run': names,
            'total_instances': 0, 'total_errors': 0, 'log': {},
            'overall_status': '%s hosts done. 0 errors.' % ('ALL' if not names else '0 of %d' % len(names))}


def index():
    policy.enforce('os_compute_api:os-instance-usage-audit-log:list', ctx(), {})
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return flask.jsonify({'instance_usage_audit_logs': _report(now)})


def show(before_timestamp):
    policy.enforce('os_compute_api:os-instance-usage-audit-log:show', ctx(), {})
    fmt = '%Y-%m-%d %H:%M:%S.%f' if '.' in before_timestamp else '%Y-%m-%d %H:%M:%S'
    try:
        before = datetime.datetime.strptime(before_timestamp, fmt)
        last_completed_period(before)
    except ValueError:   # not a time, or one with no completed period before it (January of year 1)
        raise ApiError(400, 'Invalid timestamp for date %s' % before_timestamp)
    return flask.jsonify({'instance_usage_audit_log': _report(before)})
