# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What the filters did, in words: the per-filter elimination counts and the NoValidHost text."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Explanation(object):
    def __init__(self, total_hosts, request=None):
        self.total_hosts = total_hosts
        self.request = request or {}
        self.steps = []          # [{'filter', 'removed', 'remaining', 'reason'}] in filter order
        # a single-instance request until the manager says which of max_count this one is
        self.instance_index = 0
        self.instance_count = 1
        self.claim_failures = []

    def add(self, name, removed, remaining, reason=''):
        self.steps.append({'filter': name, 'removed': int(removed), 'remaining': int(remaining),
                           'reason': reason})

    @property
    def remaining(self):
        return self.steps[-1]['remaining'] if self.steps else self.total_hosts

    def text(self):
        if self.total_hosts == 0:
            head = 'No valid host: no compute hosts are registered'
            return head
        head = 'No valid host' if self.remaining == 0 else 'Hosts'
        if self.instance_count > 1:
            head += ' for instance %d of %d' % (self.instance_index + 1, self.instance_count)
            if self.remaining == 0 and self.instance_index > 0:
                head += ' (a request places all %d or none)' % self.instance_count
        parts = ['%s: %d hosts' % (head, self.total_hosts)]
        for step in self.steps:
            if step['removed']:
                part = '%s removed %d' % (step['filter'], step['removed'])
                if step['reason']:
                    part += ' (%s)' % step['reason']
                parts.append(part)
        if self.claim_failures:
            parts.append('claims lost to concurrent requests on %s' % ', '.join(self.claim_failures[:5]))
        return '; '.join(parts)

    __str__ = text

    def as_dict(self):
        return {'total_hosts': self.total_hosts, 'remaining': self.remaining, 'filters': list(self.steps),
                'claim_failures': list(self.claim_failures), 'text': self.text()}
