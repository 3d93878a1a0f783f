# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Request bodies checked against JSON schemas, with Nova's 400 message.

Nova validates every body with jsonschema (nova/api/validation) and answers
``Invalid input for field/attribute <path>. Value: <value>. <reason>``; the
same library gives the same reasons ("Additional properties are not allowed
('foo' was unexpected)"), so clients that match on them keep working.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - a requirement
    HAS_JSONSCHEMA = False

# Nova's parameter_types, reduced to what the shim's bodies use.
NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^(?![\s])[^\x00-\x1f\x7f]*(?<![\s])$'}
DESCRIPTION = {'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
               'pattern': r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$'}
METADATA = {'type': 'object',
            'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255}},
            'additionalProperties': False}
POSITIVE_INTEGER = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 1, 'minLength': 1}


class ValidationError(InvalidInput):
    """A body that does not match its schema; ``field`` is the dotted path of the offending value."""

    def __init__(self, field, message):
        super(ValidationError, self).__init__(field, message)
        self.message = message


def _path(error, root):
    parts = [root] + [str(p) for p in error.absolute_path]
    if error.validator == 'additionalProperties' or error.validator == 'required':
        return '.'.join(parts)
    return '/'.join(parts[1:]) or root


def validate(body, schema, root='body'):
    """Raise ValidationError (400) unless ``body`` matches ``schema``; returns ``body``."""
    if not HAS_JSONSCHEMA:
        raise InvalidInput(root, 'validating request bodies needs the jsonschema library')
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if not errors:
        return body
    error = errors[0]
    field = _path(error, root)
    message = 'Invalid input for field/attribute %s. Value: %s. %s' % (field, _short(error.instance), error.message)
    raise ValidationError(field, message)


def _short(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + '...'


def body_object(body, key):
    """``body[key]`` when body is a JSON object holding ``key``, else Nova's 400."""
    if not isinstance(body, dict):
        raise ValidationError(key, 'The request body must be a JSON object.')
    if key not in body:
        raise ValidationError(key, "Invalid input for field/attribute %s. Value: %s. '%s' is a required "
                                   "property" % (key, _short(body), key))
    return body[key]
