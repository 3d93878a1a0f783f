# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Request bodies and query parameters checked against JSON schemas, with Nova's 400 message.

Nova validates every body with jsonschema (nova/api/validation/validators.py) and
answers with the first error the validator meets:

- a format error whose check names its own reason (the ``name`` formats): that reason,
  ``An invalid 'name' value was provided. The name must be: ...``;
- an error below the top of the body: ``Invalid input for field/attribute <the last key
  or index of the error's path>. Value: <str() of the offending value>. <jsonschema's
  message>``; for query parameters ``Invalid input for query parameters <the parameter>.
  Value: ... . ...``;
- an error at the top (a missing or unexpected key of the body itself, a body that is
  not an object): jsonschema's message alone.

The same library (draft 2020-12, as Nova) gives the same reasons ("Additional
properties are not allowed ('foo' was unexpected)", "'' should be non-empty"), so
clients that match on them keep working.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import re
import unicodedata
import uuid
from urllib.parse import unquote_to_bytes

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from novalite_api import json_text

try:
    import jsonschema
    HAS_JSONSCHEMA = True
except ImportError:  # pragma: no cover - a requirement
    HAS_JSONSCHEMA = False

# Nova's parameter_types, reduced to what the shim's bodies use.
NAME = {'type': 'string', 'format': 'name', 'minLength': 1, 'maxLength': 255}
NAME_WITH_LEADING_TRAILING_SPACES = {'type': 'string', 'format': 'name_with_leading_trailing_spaces',
                                     'minLength': 1, 'maxLength': 255}
AZ_NAME = {'type': 'string', 'format': 'az_name', 'minLength': 1, 'maxLength': 255}
NAME_OR_NONE = {'oneOf': [{'type': 'string', 'minLength': 1, 'maxLength': 255}, {'type': 'null'}]}
METADATA = {'type': 'object',
            'patternProperties': {'^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255}},
            'additionalProperties': False}
# Files to put in the guest (the server's personality, until 2.57): a path and base64 contents each.
PERSONALITY = {'type': 'array', 'items': {
    'type': 'object', 'properties': {'path': {'type': 'string'}, 'contents': {'type': 'string', 'format': 'base64'}},
    'additionalProperties': False}}
POSITIVE_INTEGER = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 1, 'minLength': 1}
NON_NEGATIVE_INTEGER = {'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0, 'minLength': 1}


def multi_params(schema):
    """A query parameter that may be given more than once (its values: a list, each checked by ``schema``)."""
    return {'type': 'array', 'items': schema}


def single_param(schema):
    """A query parameter given at most once."""
    return dict(multi_params(schema), maxItems=1)


class ValidationError(InvalidInput):
    """A body or query that does not match its schema; ``field`` names the offending value, ``message``
    is the answer's text."""

    def __init__(self, field, message):
        super(ValidationError, self).__init__(field, message)
        self.message = message


class InvalidName(ValueError):
    """A name format's own reason (Nova's exception.InvalidName), which the answer quotes instead of
    jsonschema's "is not a 'name'"."""

    def __init__(self, reason):
        super(InvalidName, self).__init__("An invalid 'name' value was provided. The name must be: %s" % reason)


# ---- Nova's name formats ------------------------------------------------------------------------------
# The characters a name may hold: every code point below U+FFFF that is not of the "other" categories
# (controls, unassigned, surrogates ...) nor a line or paragraph separator; a space separator (Zs) may sit
# inside a name but not at its ends. As in Nova the checks are regular expressions searched with "$",
# so one trailing newline is let through.

def _printable(char):
    category = unicodedata.category(char)
    return category[0] != 'C' and (category[0] != 'Z' or category == 'Zs')


def _char_class(accept):
    """A regex character class body for the code points 0..U+FFFE that ``accept`` takes."""
    parts, first, last = [], None, None
    for point in range(0xFFFF + 1):
        ok = point < 0xFFFF and accept(chr(point))
        if ok and first is None:
            first = point
        if ok:
            last = point
            continue
        if first is not None:
            parts.append(re.escape(chr(first)) if first == last
                         else '%s-%s' % (re.escape(chr(first)), re.escape(chr(last))))
            first = None
    return ''.join(parts)


_NAME_REGEXES = {}


def _name_regex(kind):
    """The compiled regex of one of Nova's name formats, built on first use."""
    if kind not in _NAME_REGEXES:
        colon = kind.startswith('az_')
        inside = _char_class(lambda c: _printable(c) and not (colon and c == ':'))
        solid = _char_class(lambda c: _printable(c) and unicodedata.category(c) != 'Zs'
                            and not (colon and c == ':'))
        if kind.endswith('with_leading_trailing_spaces'):
            text = '^[{ws}]*[{solid}]+[{ws}]*$|^[{ws}]*[{solid}][{solid}{ws}]+[{solid}][{ws}]*$'.format(
                ws=inside, solid=solid)
        else:
            edge = _char_class(lambda c: not (_printable(c) and unicodedata.category(c) != 'Zs'))
            text = '^(?![%s])[%s]*(?<![%s])$' % (edge, inside, edge)
        _NAME_REGEXES[kind] = re.compile(text)
    return _NAME_REGEXES[kind]


_NAME_REASONS = {
    'name': 'printable characters. Can not start or end with whitespace.',
    'name_with_leading_trailing_spaces': 'printable characters with at least one non space character',
    'az_name': 'printable characters except :.Can not start or end with whitespace.',
    'az_name_with_leading_trailing_spaces': 'printable characters except :, with at least one non space character',
}


def _name_check(kind):
    def check(instance):
        if isinstance(instance, str) and _name_regex(kind).search(instance):
            return True
        raise InvalidName(_NAME_REASONS[kind])
    return check


# Nova's description: printable characters only (its pattern is the character class itself, which its
# 400 quotes).
DESCRIPTION = {'type': ['string', 'null'], 'pattern': '^[%s]*$' % _char_class(_printable),
               'minLength': 0, 'maxLength': 255}


# ---- the other formats Nova checks its own way -----------------------------------------------------------

def _is_base64(instance):
    """Text that base64 decodes (characters outside the alphabet are skipped, as b64decode does)."""
    if not isinstance(instance, str):
        return True
    try:
        base64.b64decode(instance.encode('utf-8'))
    except (binascii.Error, ValueError):
        return False
    return True


def is_uuid_like(text):
    """oslo's is_uuid_like: any spelling uuid.UUID reads (no dashes, braces, urn:uuid:, upper case)."""
    plain = str(text).replace('urn:', '').replace('uuid:', '').strip('{}').replace('-', '').lower()
    try:
        return uuid.UUID(text).hex == plain
    except (TypeError, ValueError, AttributeError):
        return False


def _is_uuid_like(instance):
    """Nova's 'uuid' format: is_uuid_like (non-strings are the type check's business)."""
    if not isinstance(instance, str):
        return True
    return is_uuid_like(instance)


def _is_regex(instance):
    if not isinstance(instance, str):
        return True
    if not instance:
        return False
    try:
        re.compile(instance)
    except re.error:
        return False
    return True


def _is_cidr(instance):
    if not isinstance(instance, str):
        return True
    try:
        import netaddr
        netaddr.IPNetwork(instance)
    except (ImportError, netaddr.AddrFormatError, ValueError, TypeError):
        return False
    return '/' in instance and not re.search(r'\s', instance)


_CHECKER = None


def _format_checker():
    """jsonschema's checkers (ipv4, ipv6 ...) with Nova's own for the formats it defines."""
    global _CHECKER
    if _CHECKER is None:
        checker = jsonschema.FormatChecker()
        for name, check in (('base64', _is_base64), ('uuid', _is_uuid_like), ('regex', _is_regex),
                            ('cidr', _is_cidr)):
            checker.checks(name)(check)
        for kind in _NAME_REASONS:
            checker.checks(kind, raises=InvalidName)(_name_check(kind))
        _CHECKER = checker
    return _CHECKER


# ---- the validator -----------------------------------------------------------------------------------

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
    plain = jsonschema.Draft202012Validator.VALIDATORS[keyword]

    def check(validator, bound, instance, schema):
        number = _as_number(instance)
        if number is None:
            return
        yield from plain(validator, bound, number, schema) or ()
    return check


_VALIDATOR = None


def _validator_class():
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = jsonschema.validators.extend(jsonschema.Draft202012Validator, {
            'minimum': _numeric_strings_too('minimum'), 'maximum': _numeric_strings_too('maximum')})
    return _VALIDATOR


def _first_error(instance, schema):
    """The error Nova reports: the validator's first, in the schema's own order (None when it matches)."""
    if not HAS_JSONSCHEMA:
        raise InvalidInput('body', 'validating requests needs the jsonschema library')
    validator = _validator_class()(schema, format_checker=_format_checker())
    try:
        return next(iter(validator.iter_errors(instance)), None)
    except TypeError as exc:
        # a key that is not text, matched against patternProperties: Nova answers Python's reason
        raise ValidationError('body', str(exc))


def validate(body, schema, root='body'):
    """Raise ValidationError (400) unless ``body`` matches ``schema``; returns ``body``.

    ``root``: 'body' when ``body`` is the whole request body; else the key of the body that holds it
    (``{"reboot": body}``), which is then where a top-level error sits, as in Nova, which checks the
    whole body."""
    error = _first_error(body, schema)
    if error is None:
        return body
    path = ([] if root == 'body' else [root]) + list(error.path)
    if isinstance(error.cause, InvalidName):
        field, message = (path[-1] if path else root), str(error.cause)
    elif path:
        field = path[-1]
        message = 'Invalid input for field/attribute %s. Value: %s. %s' % (field, error.instance, error.message)
    else:
        field, message = root, error.message
    raise ValidationError(str(field), message)


def validate_query(args, schema):
    """Raise ValidationError (400) unless the query parameters match ``schema`` (Nova's query_schema: each
    parameter a list of its values); ``args``: werkzeug's MultiDict or a dict of lists."""
    values = args.to_dict(flat=False) if hasattr(args, 'to_dict') else dict(args)
    error = _first_error(values, schema)
    if error is None:
        return values
    path = list(error.path)
    if path:
        message = 'Invalid input for query parameters %s. Value: %s. %s' % (path[0], error.instance, error.message)
        raise ValidationError(str(path[0]), message)
    raise ValidationError('query', error.message)


def query_extras_message(unknown, patterns=()):
    """jsonschema's answer to query parameters a schema without additionalProperties does not know."""
    if patterns:
        return '%s %s not match any of the regexes: %s' % (
            ', '.join(repr(name) for name in sorted(unknown)), 'does' if len(unknown) == 1 else 'do',
            ', '.join(repr(pattern) for pattern in sorted(patterns)))
    return 'Additional properties are not allowed (%s %s unexpected)' % (
        ', '.join(repr(name) for name in sorted(unknown, key=str)), 'was' if len(unknown) == 1 else 'were')


def _short(value):
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + '...'


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
