# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The image properties Nova knows (its ImageMetaProps fields and their legacy names): from 2.98 a server shows
the ones its image carried, and no free-form ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.catalog import image_properties

STANDARD = image_properties.STANDARD


def of(image_snapshot):
    """The standard properties of the image a server was booted from (its snapshot at boot)."""
    props = (image_snapshot or {}).get('properties') or {}
    return dict((k, v) for k, v in props.items() if k in STANDARD and v is not None)
