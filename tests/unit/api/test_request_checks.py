"""The shim's request-wide checks and the new config settings, without a service."""

import pytest

from novalite_api import config, validation


@pytest.mark.parametrize('body,field', [
    ({'server': {'name': u'a\ud800'}}, 'server/name'),
    ({'server': {'metadata': {u'\udfff': 'v'}}}, 'server/metadata/\\udfff'),
    ({'tags': ['ok', u'x\x00']}, 'tags/1'),
    ([{'a': [u'\x00']}], '0/a/0'),
    (u'\ud800', 'body'),
])
def test_body_text_names_the_field(body, field):
    with pytest.raises(validation.ValidationError) as err:
        validation.check_body_text(body)
    assert err.value.message.startswith('Invalid input for field/attribute %s. Value: ' % field)
    # The answer itself must be storable and printable.
    err.value.message.encode('utf-8')


@pytest.mark.parametrize('body', [None, 1, {'name': u'gr\xfc\xdf \U0001f600', 'n': [1, 2.5, True, None]}])
def test_good_bodies_pass(body):
    validation.check_body_text(body)


@pytest.mark.parametrize('path,query,needle', [
    (u'/compute/v2.1/os-keypairs/\xed\xa0\x80', b'', 'URL path'),
    (u'/compute/v2.1/os-keypairs/a\x00', b'', 'URL path'),
    (u'/compute/v2.1/servers', b'name=%ED%A0%80', 'query parameters name'),
    (u'/compute/v2.1/servers', b'a=1&na%FFme=x', 'query parameters'),
    (u'/compute/v2.1/servers', b'name=a+%00', 'query parameters name'),
])
def test_url_text(path, query, needle):
    with pytest.raises(validation.ValidationError) as err:
        validation.check_url_text(path, query)
    assert needle in err.value.message
    err.value.message.encode('utf-8')


def test_good_urls_pass():
    # PATH_INFO carries UTF-8 bytes as latin-1 characters: this is "/é".
    validation.check_url_text(u'/compute/v2.1/os-keypairs/\xc3\xa9', b'name=%C3%A9&x=&y&z=a+b')


@pytest.mark.parametrize('value,expected', [(0, 0), ('0', 0), ('10GB', 10 << 30), ('5 mb', 5 << 20),
                                            ('7KB', 7 << 10), ('3B', 3), ('1TB', 1 << 40), (12345, 12345)])
def test_user_storage_quota_units(value, expected):
    assert config.validate({'user_storage_quota': value})['user_storage_quota'] == expected


@pytest.mark.parametrize('key,value', [('user_storage_quota', '1.5GB'), ('user_storage_quota', -1),
                                       ('user_storage_quota', True), ('user_storage_quota', 'GB'),
                                       ('image_size_cap', 0), ('image_size_cap', '1TB'),
                                       ('service_down_time', 0), ('service_down_time', 'soon')])
def test_bad_limits_name_the_setting(key, value):
    with pytest.raises(config.InvalidInput) as err:
        config.validate({key: value})
    assert err.value.field == key


def test_defaults_are_glances():
    cfg = config.validate({})
    assert cfg['image_size_cap'] == 1 << 40 and cfg['user_storage_quota'] == 0


def test_service_down_time_is_novas():
    assert config.validate({})['service_down_time'] == 60
    assert config.validate({'service_down_time': 5})['service_down_time'] == 5
