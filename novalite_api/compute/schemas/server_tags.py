# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Server tags (2.26): the replace-all body; one tag travels in the URL."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MAX_TAGS = 50               # nova.objects.instance.MAX_TAG_COUNT
TAG = {'type': 'string', 'pattern': '^[^,/]*$', 'minLength': 1, 'maxLength': 60}
TAGS = {'type': 'object', 'properties': {'tags': {'type': 'array', 'items': TAG, 'maxItems': MAX_TAGS}},
        'required': ['tags'], 'additionalProperties': False}
