"""The 400 texts of schema validation, word for word as Nova's (nova/tests/unit/test_api_validation.py
lists the texts its validator gives for each schema and input; the same schemas and inputs here)."""

import pytest

from novalite_api import validation
from novalite_api.compute.schemas import BOOLEAN


def _obj(prop, required=None, additional=False):
    schema = {'type': 'object', 'properties': {'foo': prop}}
    if required is not None:
        schema['required'] = required
    schema['additionalProperties'] = additional
    return schema


def refusal(body, schema, root='body'):
    with pytest.raises(validation.ValidationError) as err:
        validation.validate(body, schema, root)
    return err.value.message


_INT = {'type': 'integer'}
_STRING = {'type': 'string'}
_LENGTH = {'type': 'string', 'minLength': 1, 'maxLength': 10}
_DIGITS = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$'}
_RANGE = {'type': ['integer', 'string'], 'pattern': '^[0-9]+$', 'minimum': 1, 'maximum': 10}
_FQDN = {'type': 'string', 'pattern': '^[a-zA-Z0-9-._]*$', 'minLength': 1, 'maxLength': 255}
_ENUM_BOOLEAN = ("[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', "
                 "False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']")
_NAME_REASON = ("An invalid 'name' value was provided. The name must be: printable characters. "
                "Can not start or end with whitespace.")
_SPACES_REASON = ("An invalid 'name' value was provided. The name must be: printable characters with at least "
                  "one non space character")


def _fmt(name):
    return _obj({'type': ['string', 'null'], 'format': name})


@pytest.mark.parametrize('schema,body,expected', [
    # MicroversionsSchemaTestCase
    (_obj(_INT), {'foo': 'bar'}, "Invalid input for field/attribute foo. Value: bar. 'bar' is not of type 'integer'"),
    (_obj(_STRING), {'foo': 1}, "Invalid input for field/attribute foo. Value: 1. 1 is not of type 'string'"),
    # RequiredEnableTestCase, AdditionalPropertiesDisableTestCase: the top of the body, the message alone
    (_obj(_INT, required=['foo']), {'abc': 1}, "'foo' is a required property"),
    (_obj(_INT, required=['foo']), {'foo': 1, 'ext': 1},
     "Additional properties are not allowed ('ext' was unexpected)"),
    # PatternPropertiesTestCase (jsonschema names the regexes when the schema has patternProperties)
    ({'patternProperties': {'^[a-zA-Z0-9]{1,10}$': _STRING}, 'additionalProperties': False}, {'__': 'bar'},
     "'__' does not match any of the regexes: '^[a-zA-Z0-9]{1,10}$'"),
    ({'patternProperties': {'^[a-zA-Z0-9]{1,10}$': _STRING}, 'additionalProperties': False}, {'': 'bar'},
     "'' does not match any of the regexes: '^[a-zA-Z0-9]{1,10}$'"),
    ({'patternProperties': {'^[a-zA-Z0-9]{1,10}$': _STRING}, 'additionalProperties': False},
     {'0123456789a': 'bar'}, "'0123456789a' does not match any of the regexes: '^[a-zA-Z0-9]{1,10}$'"),
    # StringTestCase
    (_obj(_STRING), {'foo': 1.5}, "Invalid input for field/attribute foo. Value: 1.5. 1.5 is not of type 'string'"),
    (_obj(_STRING), {'foo': True},
     "Invalid input for field/attribute foo. Value: True. True is not of type 'string'"),
    # StringLengthTestCase (jsonschema >= 4.23: "should be non-empty")
    (_obj(_LENGTH), {'foo': ''}, "Invalid input for field/attribute foo. Value: . '' should be non-empty"),
    (_obj(_LENGTH), {'foo': '0123456789a'},
     "Invalid input for field/attribute foo. Value: 0123456789a. '0123456789a' is too long"),
    # IntegerTestCase
    (_obj(_DIGITS), {'foo': 'abc'}, "Invalid input for field/attribute foo. Value: abc. 'abc' does not match "
                                    "'^[0-9]+$'"),
    (_obj(_DIGITS), {'foo': True},
     "Invalid input for field/attribute foo. Value: True. True is not of type 'integer', 'string'"),
    (_obj(_DIGITS), {'foo': '0xffff'},
     "Invalid input for field/attribute foo. Value: 0xffff. '0xffff' does not match '^[0-9]+$'"),
    (_obj(_DIGITS), {'foo': 1.01},
     "Invalid input for field/attribute foo. Value: 1.01. 1.01 is not of type 'integer', 'string'"),
    (_obj(_DIGITS), {'foo': '1.0'},
     "Invalid input for field/attribute foo. Value: 1.0. '1.0' does not match '^[0-9]+$'"),
    # IntegerRangeTestCase: numeric strings are bounded too
    (_obj(_RANGE), {'foo': 0}, 'Invalid input for field/attribute foo. Value: 0. 0 is less than the minimum of 1'),
    (_obj(_RANGE), {'foo': 11},
     'Invalid input for field/attribute foo. Value: 11. 11 is greater than the maximum of 10'),
    (_obj(_RANGE), {'foo': '0'}, 'Invalid input for field/attribute foo. Value: 0. 0 is less than the minimum of 1'),
    (_obj(_RANGE), {'foo': '11'},
     'Invalid input for field/attribute foo. Value: 11. 11 is greater than the maximum of 10'),
    # BooleanTestCase
    (_obj(BOOLEAN), {'foo': 'bar'},
     "Invalid input for field/attribute foo. Value: bar. 'bar' is not one of %s" % _ENUM_BOOLEAN),
    (_obj(BOOLEAN), {'foo': '2'}, "Invalid input for field/attribute foo. Value: 2. '2' is not one of %s"
     % _ENUM_BOOLEAN),
    # FQDNTestCase
    (_obj(_FQDN), {'foo': True}, "Invalid input for field/attribute foo. Value: True. True is not of type 'string'"),
    (_obj(_FQDN), {'foo': 'my$host'},
     "Invalid input for field/attribute foo. Value: my$host. 'my$host' does not match '^[a-zA-Z0-9-._]*$'"),
    # NameOrNoneTestCase
    (_obj(validation.NAME_OR_NONE), {'foo': 1234},
     'Invalid input for field/attribute foo. Value: 1234. 1234 is not valid under any of the given schemas'),
    (_obj(validation.NAME_OR_NONE), {'foo': ''},
     "Invalid input for field/attribute foo. Value: . '' is not valid under any of the given schemas"),
    (_obj(validation.NAME_OR_NONE), {'foo': 'k' * 256},
     "Invalid input for field/attribute foo. Value: %s. '%s' is not valid under any of the given schemas"
     % ('k' * 256, 'k' * 256)),
])
def test_nova_message(schema, body, expected):
    assert refusal(body, schema) == expected


# CidrFormatTestCase, UuidTestCase, Ipv4TestCase, Ipv6TestCase, Base64TestCase, RegexFormatTestCase: each
# "Invalid input for field/attribute foo. Value: <value>. '<value>' is not a '<format>'"
@pytest.mark.parametrize('fmt,value', [
    ('cidr', 'bar'), ('cidr', ''), ('cidr', '192.168.1.0'), ('cidr', '192.168.1.0 /24'),
    ('uuid', '70a599e031e749b7b260868f441e862'), ('uuid', '1'), ('uuid', 'abc'),
    ('ipv4', 'abc'), ('ipv4', 'localhost'), ('ipv4', '2001:db8::1234:0:0:9abc'),
    ('ipv6', 'abc'), ('ipv6', 'localhost'), ('ipv6', '192.168.0.100'),
    ('base64', 'A random string'), ('regex', '['),
])
def test_nova_format_message(fmt, value):
    assert refusal({'foo': value}, _fmt(fmt)) == (
        "Invalid input for field/attribute foo. Value: %s. %r is not a %r" % (value, value, fmt))


def test_a_key_that_is_not_text_is_pythons_reason():
    # Nova answers the TypeError's text (Python's own words, which name the type from Python 3.11 on)
    schema = {'patternProperties': {'^[a-zA-Z0-9]{1,10}$': _STRING}, 'additionalProperties': False}
    assert refusal({None: 'bar'}, schema).startswith('expected string or bytes-like object')


@pytest.mark.parametrize('schema,body', [
    (_fmt('uuid'), {'foo': '70a599e0-31e7-49b7-b260-868f441e862b'}),
    (_fmt('uuid'), {'foo': '70A599E031E749B7B260868F441E862B'}),   # oslo's is_uuid_like takes any spelling
    (_fmt('uuid'), {'foo': None}),
    (_fmt('cidr'), {'foo': '192.168.10.0/24'}),
    (_fmt('base64'), {'foo': 'aGVsbG8gd29ybGQ='}),
    (_fmt('regex'), {'foo': 'Myserver'}),
    (_obj(_RANGE), {'foo': '1'}),
    (_obj(BOOLEAN), {'foo': 'on'}),
    (_obj(validation.NAME_OR_NONE), {'foo': None}),
])
def test_nova_accepts(schema, body):
    assert validation.validate(body, schema) is body


@pytest.mark.parametrize('name', ['m1.small', 'my server', 'a', u'\u0434', u'\u0434\u2006\ufffd', 'abc\n'])
def test_names_nova_accepts(name):
    validation.validate({'foo': name}, _obj(validation.NAME))


@pytest.mark.parametrize('name', [' ', ' server', 'server ', u'a\xa0', u'\uffff', u'\U00010000', 'a\tb', '\n'])
def test_name_refusal_is_nova_reason(name):
    assert refusal({'foo': name}, _obj(validation.NAME)) == _NAME_REASON


@pytest.mark.parametrize('name', ['  abc  ', 'abc  abc  abc', '\xa0abc', 'm1.small'])
def test_names_with_spaces_nova_accepts(name):
    validation.validate({'foo': name}, _obj(validation.NAME_WITH_LEADING_TRAILING_SPACES))


@pytest.mark.parametrize('name', [' ', u'\xa0', u'\uffff', u'\U00010000'])
def test_name_with_spaces_refusal(name):
    assert refusal({'foo': name}, _obj(validation.NAME_WITH_LEADING_TRAILING_SPACES)) == _SPACES_REASON


def test_az_name_refuses_a_colon():
    assert refusal({'foo': 'a:b'}, _obj(validation.AZ_NAME)) == (
        "An invalid 'name' value was provided. The name must be: printable characters except :."
        "Can not start or end with whitespace.")


def test_name_length_and_type_come_before_the_format():
    assert refusal({'foo': ''}, _obj(validation.NAME)) == (
        "Invalid input for field/attribute foo. Value: . '' should be non-empty")
    assert refusal({'foo': 1}, _obj(validation.NAME)) == (
        "Invalid input for field/attribute foo. Value: 1. 1 is not of type 'string'")


def test_description_is_printable_text():
    schema = _obj(validation.DESCRIPTION)
    validation.validate({'foo': u'caf\xe9 au lait'}, schema)
    message = refusal({'foo': 'a\nb'}, schema)
    assert message.startswith("Invalid input for field/attribute foo. Value: a\nb. 'a\\nb' does not match '^[")


# ---- where the error sits: the last key of its path, the value as str() --------------------------------

_SERVER = {'type': 'object', 'properties': {'server': {
    'type': 'object', 'properties': {'name': validation.NAME, 'metadata': validation.METADATA,
                                     'networks': {'type': 'array', 'items': {
                                         'type': 'object', 'properties': {'port': {'type': 'string'}},
                                         'additionalProperties': False}}},
    'required': ['name'], 'additionalProperties': False}},
    'required': ['server'], 'additionalProperties': False}


@pytest.mark.parametrize('body,expected', [
    ({'server': {}}, "Invalid input for field/attribute server. Value: {}. 'name' is a required property"),
    ({'server': {'name': 'a', 'x': 1}},
     "Invalid input for field/attribute server. Value: {'name': 'a', 'x': 1}. Additional properties are not "
     "allowed ('x' was unexpected)"),
    ({'server': {'name': 'a', 'metadata': {'k': 1}}},
     "Invalid input for field/attribute k. Value: 1. 1 is not of type 'string'"),
    ({'server': {'name': 'a', 'metadata': []}},
     "Invalid input for field/attribute metadata. Value: []. [] is not of type 'object'"),
    ({'server': {'name': 'a', 'networks': [{'port': 5}]}},
     "Invalid input for field/attribute port. Value: 5. 5 is not of type 'string'"),
    ({'server': {'name': 'a', 'networks': [{'bad': 5}]}},
     "Invalid input for field/attribute 0. Value: {'bad': 5}. Additional properties are not allowed "
     "('bad' was unexpected)"),
    ({'server': 'x'}, "Invalid input for field/attribute server. Value: x. 'x' is not of type 'object'"),
    ({}, "'server' is a required property"),
    ([], "[] is not of type 'object'"),
    (None, "None is not of type 'object'"),
    ({'server': {'name': 'a'}, 'b': 1, 'a': 2}, "Additional properties are not allowed ('a', 'b' were unexpected)"),
])
def test_path_and_value(body, expected):
    assert refusal(body, _SERVER) == expected


def test_the_first_error_in_the_schemas_order():
    # Nova raises the validator's first error: the server's (properties) before the body's extra key
    body = {'server': {}, 'extra': 1}
    assert refusal(body, _SERVER) == (
        "Invalid input for field/attribute server. Value: {}. 'name' is a required property")


def test_a_part_of_the_body_is_named_by_its_key():
    # handlers that check {"reboot": args} by args alone name the key where the whole body's check would
    schema = {'type': 'object', 'properties': {'type': {'type': 'string', 'enum': ['HARD', 'SOFT']}},
              'required': ['type'], 'additionalProperties': False}
    assert refusal({}, schema, 'reboot') == (
        "Invalid input for field/attribute reboot. Value: {}. 'type' is a required property")
    assert refusal({'type': 'x'}, schema, 'reboot') == (
        "Invalid input for field/attribute type. Value: x. 'x' is not one of ['HARD', 'SOFT']")
    assert refusal(None, schema, 'reboot') == (
        "Invalid input for field/attribute reboot. Value: None. None is not of type 'object'")


# ---- query parameters --------------------------------------------------------------------------------

_QUERY = {'type': 'object',
          'properties': {'foo': validation.single_param({'type': 'string', 'format': 'uuid'}),
                         'foos': validation.multi_params({'type': 'string'}),
                         'limit': validation.multi_params(validation.NON_NEGATIVE_INTEGER)},
          'patternProperties': {'^_': validation.multi_params({'type': 'string'})},
          'additionalProperties': True}


@pytest.mark.parametrize('query,expected', [
    ({'foo': ['abc']}, "Invalid input for query parameters foo. Value: abc. 'abc' is not a 'uuid'"),
    ({'limit': ['-1']}, "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"),
    ({'limit': ['']}, "Invalid input for query parameters limit. Value: . '' should be non-empty"),
    ({'limit': ['1', 'x']}, "Invalid input for query parameters limit. Value: x. 'x' does not match '^[0-9]*$'"),
    ({'foo': ['70a599e0-31e7-49b7-b260-868f441e862b'] * 2},
     "Invalid input for query parameters foo. Value: ['70a599e0-31e7-49b7-b260-868f441e862b', "
     "'70a599e0-31e7-49b7-b260-868f441e862b']. ['70a599e0-31e7-49b7-b260-868f441e862b', "
     "'70a599e0-31e7-49b7-b260-868f441e862b'] is too long"),
])
def test_query_message(query, expected):
    with pytest.raises(validation.ValidationError) as err:
        validation.validate_query(query, _QUERY)
    assert err.value.message == expected


def test_query_extras():
    strict = dict(_QUERY, additionalProperties=False)
    with pytest.raises(validation.ValidationError) as err:
        validation.validate_query({'color': ['blue'], '_x': ['1']}, strict)
    assert err.value.message == "'color' does not match any of the regexes: '^_'"
    assert validation.query_extras_message(['color'], ['^_']) == err.value.message
    assert validation.query_extras_message(['b', 'a']) == (
        "Additional properties are not allowed ('a', 'b' were unexpected)")
    assert validation.query_extras_message(['b', 'a'], ['^_']) == "'a', 'b' do not match any of the regexes: '^_'"


def test_the_fault_body_is_novas():
    from novalite_api import faults
    message = "'server' is a required property"
    assert faults.nova_body(400, message) == {'badRequest': {'code': 400, 'message': message}}


def _query_refusal(query, schema):
    with pytest.raises(validation.ValidationError) as err:
        validation.validate_query(query, schema)
    return err.value.message


def test_servers_list_query_is_novas():
    from novalite_api.compute.schemas import servers
    keys = servers.sort_key_enum((2, 1))
    # Nova's VALID_SORT_KEYS enum: the valid keys, then the ignored ones, in its order
    assert keys[:3] == ['access_ip_v4', 'access_ip_v6', 'auto_disk_config'] and keys[-1] == 'vm_mode'
    assert 'locked' in keys and 'architecture' in keys
    assert _query_refusal({'sort_key': ['bogus']}, servers.list_query((2, 1))) == (
        "Invalid input for query parameters sort_key. Value: bogus. 'bogus' is not one of %r" % (keys,))
    # 2.75: the ignored keys are refused, 'locked' is a real key (from 2.73)
    assert 'architecture' not in servers.sort_key_enum((2, 75)) and 'locked' in servers.sort_key_enum((2, 75))
    assert 'architecture' in servers.sort_key_enum((2, 74))
    assert _query_refusal({'limit': ['-1']}, servers.list_query((2, 1))) == (
        "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'")


def test_flavors_list_query_is_novas():
    from novalite_api.compute.schemas import flavors
    assert _query_refusal({'sort_dir': ['up']}, flavors.list_query((2, 1))) == (
        "Invalid input for query parameters sort_dir. Value: up. 'up' is not one of ['asc', 'desc']")
    validation.validate_query({'sort_key': ['rxtx_factor']}, flavors.list_query((2, 101)))
    assert _query_refusal({'sort_key': ['rxtx_factor']}, flavors.list_query((2, 102))).startswith(
        "Invalid input for query parameters sort_key. Value: rxtx_factor. 'rxtx_factor' is not one of ['created_at', ")
