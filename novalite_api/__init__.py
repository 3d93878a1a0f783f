# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""novalite's REST shim: Keystone v3, Glance v2 and Nova v2.1 subsets over the collection's code.

The domain code lives in the collection (``ansible_collections.novalite.compute``);
this package only speaks HTTP. The collection imports itself through the
repository's ``collections/`` symlink tree, put on ``sys.path`` here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_COLLECTIONS = os.path.join(REPO, 'collections')
if os.path.isdir(_COLLECTIONS) and _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
