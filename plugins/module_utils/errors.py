# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Errors shared by modules, playbooks and the REST shim.

Every error names the thing it is about (``field``) and why, so a module can
``fail_json`` with one clear line and the REST shim can map it to Nova's
status code and error body without parsing messages.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class NovaliteError(Exception):
    """Base class. ``code`` is the HTTP status the REST shim answers with."""

    code = 500
    kind = 'Error'

    def __init__(self, message, field=None, **details):
        super(NovaliteError, self).__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self):
        out = {'error': self.kind, 'msg': self.message}
        if self.field:
            out['field'] = self.field
        if self.details:
            out['details'] = self.details
        return out


class InvalidInput(NovaliteError):
    """Bad value from the user: names the field and the reason."""

    code = 400
    kind = 'InvalidInput'

    def __init__(self, field, reason, **details):
        super(InvalidInput, self).__init__('%s: %s' % (field, reason), field=field, **details)
        self.reason = reason


class NotFound(NovaliteError):
    code = 404
    kind = 'NotFound'

    def __init__(self, what, ident, field=None):
        super(NotFound, self).__init__('%s %s could not be found' % (what, ident), field=field)
        self.what = what
        self.ident = ident


class Conflict(NovaliteError):
    """The request is valid but the current state forbids it (Nova's 409)."""

    code = 409
    kind = 'Conflict'


class InstanceInvalidState(Conflict):
    kind = 'InstanceInvalidState'


class InstanceLocked(Conflict):
    kind = 'InstanceIsLocked'


class InstanceNotReady(Conflict):
    """Nova's InstanceNotReady: the server is not on a host (yet, or any more)."""

    kind = 'InstanceNotReady'


class NoValidHost(NovaliteError):
    """Nothing passed the filters; ``message`` explains which filter removed what."""

    code = 500
    kind = 'NoValidHost'


class FlavorDiskSmallerThanImage(InvalidInput):
    kind = 'FlavorDiskSmallerThanImage'


class ImageError(InvalidInput):
    kind = 'ImageError'


class InvalidRequest(NovaliteError):
    """A 400 whose message is the upstream service's exact text (``field`` still names the input)."""

    code = 400
    kind = 'InvalidRequest'


class Forbidden(NovaliteError):
    """Allowed to others, not to this caller (Nova's 403, e.g. a zero-disk flavor boot)."""

    code = 403
    kind = 'Forbidden'


class TooLarge(NovaliteError):
    """Glance's 413: image data over ``image_size_cap`` or the owner's storage quota."""

    code = 413
    kind = 'RequestEntityTooLarge'


class DatabaseError(NovaliteError):
    """The state store cannot be reached or used (bad URL, server down...)."""

    code = 503
    kind = 'DatabaseError'


class HypervisorError(NovaliteError):
    code = 500
    kind = 'HypervisorError'
