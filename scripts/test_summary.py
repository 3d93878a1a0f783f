#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""One part's counts from pytest's JUnit XML, and whether its skips were expected.

    scripts/test_summary.py artifacts/test-results/unit.xml

Prints ``<passed> passed, <failed> failed, <skipped> skipped`` and then each
unexpected skip with its reason; exits 3 when there is one. A skip is
expected only when its reason is in EXPECTED_SKIPS and that entry's condition
holds: a test that skips because the image, a daemon or a library is missing
has not tested anything, so ``make test`` and CI fail on it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tests'))

from lib.databases import MARIADB_EXCLUDED, backends  # noqa: E402

UNEXPECTED_SKIPS = 3

# (reason, when it is expected, why)
EXPECTED_SKIPS = [
    (MARIADB_EXCLUDED, lambda: 'mysql' not in backends(),
     'a MariaDB-only test on a run that leaves MariaDB out (a machine without it, outside CI)'),
    ('under READ COMMITTED a plain read-modify-write loses updates by design', lambda: True,
     'the case that shows why controller code uses FOR UPDATE does not apply to MariaDB'),
]


def _expected(reason):
    return any(reason == allowed and condition() for allowed, condition, _why in EXPECTED_SKIPS)


def _reason(skipped):
    message = skipped.get('message') or skipped.text or ''
    # pytest writes "Skipped: <reason>" for pytest.skip() and the bare reason for skipif
    return message[len('Skipped: '):] if message.startswith('Skipped: ') else message


def summarise(path):
    """(counts dict, [(test id, reason)] of unexpected skips)."""
    counts = dict(passed=0, failed=0, skipped=0)
    unexpected = []
    for case in ET.parse(path).getroot().iter('testcase'):
        name = '%s::%s' % (case.get('classname', ''), case.get('name', ''))
        if case.find('failure') is not None or case.find('error') is not None:
            counts['failed'] += 1
            continue
        skipped = case.find('skipped')
        if skipped is None:
            counts['passed'] += 1
            continue
        if skipped.get('type') == 'pytest.xfail':
            counts['passed'] += 1   # an expected failure that failed as expected
            continue
        counts['skipped'] += 1
        if not _expected(_reason(skipped)):
            unexpected.append((name, _reason(skipped)))
    return counts, unexpected


def main(argv):
    if len(argv) != 2 or not os.path.exists(argv[1]):
        print('no test report: %s' % (argv[1] if len(argv) > 1 else '(none given)'))
        return 2
    counts, unexpected = summarise(argv[1])
    print('%(passed)d passed, %(failed)d failed, %(skipped)d skipped' % counts
          + (' (%d unexpected)' % len(unexpected) if unexpected else ''))
    for name, reason in unexpected:
        print('    unexpected skip: %s: %s' % (name, reason))
    return UNEXPECTED_SKIPS if unexpected else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
