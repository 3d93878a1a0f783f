#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Write tests/api/contracts/nova_shapes.json: the key/type shape of Nova's API response samples.

The contract tests (tests/api/test_contracts.py) compare novalite's answers with these shapes: the
keys of every object and the JSON type of every value, never the values. Run it when Nova adds a
microversion, against a Nova checkout (a work tree, or a bare repository read at HEAD):

    scripts/contract_shapes.py /path/to/nova
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'tests', 'api', 'contracts', 'nova_shapes.json')
CASES = os.path.join(HERE, '..', 'tests', 'api', 'contracts', 'cases.json')


def shape(value):
    """dict -> {key: shape}; list -> [shape of the first item] or []; scalars -> their JSON type."""
    if isinstance(value, dict):
        return dict((k, shape(v)) for k, v in value.items())
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    return 'string'


def read_sample(nova, path):
    full = os.path.join(nova, 'doc', 'api_samples', path)
    if os.path.isfile(full):
        with open(full) as handle:
            return handle.read()
    return subprocess.check_output(['git', '-C', nova, 'show', 'HEAD:doc/api_samples/%s' % path]).decode('utf-8')


def main(nova):
    with open(CASES) as handle:
        samples = sorted(set(case['sample'] for case in json.load(handle)))
    shapes = dict((path, shape(json.loads(read_sample(nova, path)))) for path in samples)
    with open(OUT, 'w') as handle:
        json.dump(shapes, handle, indent=1, sort_keys=True)
        handle.write('\n')
    print('%d sample shapes written to %s' % (len(shapes), os.path.relpath(OUT)))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
