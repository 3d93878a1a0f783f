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

import base64
import binascii
from urllib.parse import unquote_to_bytes

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from novalite_api import json_text

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
# Files to put in the guest (the server's personality, until 2.57): a path and base64 contents each.
PERSONALITY = {'type': 'array', 'items': {
    'type': 'object', 'properties': {'path': {'type': 'string'}, 'contents': {'type': 'string', 'format': 'base64'}},
    'additionalProperties': False}}
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


def _as_number(instance):
    """Numeric strings as numbers (None for other strings), anything else unchanged."""
    if not isinstance(instance, str):
        return instance
    for kind in (int, float):
        try:
            return kind(instance)
        except ValueError:
            pass
    return None


def _numeric_strings_too(keyword):
    """Nova's validator: minimum/maximum also bound integer strings ("0" is below a minimum of 1)."""
    plain = jsonschema.Draft4Validator.VALIDATORS[keyword]

    def check(validator, bound, instance, schema):
        number = _as_number(instance)
        if number is None or isinstance(number, bool):
            return
        yield from plain(validator, bound, number, schema) or ()
    return check


_VALIDATOR = None


def _validator_class():
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = jsonschema.validators.extend(jsonschema.Draft4Validator, {
            'minimum': _numeric_strings_too('minimum'), 'maximum': _numeric_strings_too('maximum')})
    return _VALIDATOR


def _is_base64(instance):
    """Nova's 'base64' format: text that base64 decodes (non-strings are the type check's business)."""
    if not isinstance(instance, str):
        return True
    try:
        base64.decodebytes(instance.encode('utf-8'))
    except (binascii.Error, ValueError):
        return False
    return True


def _format_checker():
    checker = jsonschema.FormatChecker()
    checker.checks('base64')(_is_base64)
    return checker


def validate(body, schema, root='body'):
    """Raise ValidationError (400) unless ``body`` matches ``schema``; returns ``body``."""
    if not HAS_JSONSCHEMA:
        raise InvalidInput(root, 'validating request bodies needs the jsonschema library')
    validator = _validator_class()(schema, format_checker=_format_checker())
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


# ---- text every request carries: one check for all endpoints (app.py runs it first) -------------

def _bad_text_reason(text):
    """Why ``text`` cannot be accepted, or None.

    A lone surrogate (JSON ``"\\ud800"``) cannot be stored or rendered as UTF-8;
    NUL ends C strings (libvirt, qemu-img, log lines) and never belongs to any
    name, key, tag or value: Nova's schemas refuse control characters in names.
    """
    for index, char in enumerate(text):
        if char == '\x00':
            return 'NUL characters (U+0000) are not allowed (at character %d)' % index
        if '\ud800' <= char <= '\udfff':
            return 'not valid UTF-8 text: lone surrogate U+%04X at character %d' % (ord(char), index)
    return None


def _shown(text):
    # ascii(): the answer and the log line must not carry the bad character themselves.
    return _short(text) if _bad_text_reason(text) is None else ascii(text)[:200]


def _slashed(place):
    # A bad key shows escaped in the path: the answer must be storable text itself.
    return '/'.join(str(part) if isinstance(part, int) or not _bad_text_reason(part) else ascii(part)[1:-1]
                    for part in place)


def check_body_text(body):
    """Nova's 400 for the first string of a parsed JSON body that is not storable text."""
    for place, text, _is_key in json_text.strings(body):
        reason = _bad_text_reason(text)
        if reason:
            field = _slashed(place) or 'body'
            raise ValidationError(field, 'Invalid input for field/attribute %s. Value: %s. %s'
                                  % (field, _shown(text), reason))


def _utf8(raw):
    """Decode raw URL bytes strictly: None when they are not UTF-8."""
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        return None


def check_url_text(path_info, query_string):
    """400 for a URL path or query parameter that is not UTF-8 or holds a NUL.

    ``path_info`` is WSGI's PATH_INFO (percent-decoded, bytes as latin-1);
    werkzeug would quietly turn bad bytes into U+FFFD, so the raw bytes are checked.
    """
    path = _utf8(path_info.encode('latin-1', 'replace'))
    reason = 'not valid UTF-8 text' if path is None else _bad_text_reason(path)
    if reason:
        raise ValidationError('path', 'Invalid input for the URL path %s. %s' % (ascii(path_info)[:200], reason))
    for pair in query_string.split(b'&') if query_string else ():
        raw_key, _sep, raw_value = pair.partition(b'=')
        key, value = (_utf8(unquote_to_bytes(part.replace(b'+', b' '))) for part in (raw_key, raw_value))
        shown_key = key if key is not None and not _bad_text_reason(key) else ascii(raw_key.decode('latin-1'))
        for text in (key, value):
            reason = 'not valid UTF-8 text' if text is None else _bad_text_reason(text)
            if reason:
                raise ValidationError(shown_key, 'Invalid input for query parameters %s. Value: %s. %s'
                                      % (shown_key, ascii(raw_value.decode('latin-1'))[:200], reason))
