"""The REST shim's policy engine: oslo.policy's check language, Nova's defaults, policy.yaml overrides."""

import logging
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from novalite_api import policy  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.novalite.compute.plugins.module_utils.compute.context import Context  # noqa: E402

ADMIN = Context('u-admin', 'p-admin', is_admin=True, roles=['admin', 'member', 'reader'])
MEMBER = Context('u-member', 'p-member', is_admin=False, roles=['member', 'reader'])
READER = Context('u-reader', 'p-member', is_admin=False, roles=['reader'])


@pytest.fixture(autouse=True)
def _defaults():
    policy.load(None)
    yield
    policy.load(None)


def _write(tmp_path, text):
    path = tmp_path / 'policy.yaml'
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize('check,ctx,target,expected', [
    ('@', READER, {}, True),
    ('!', ADMIN, {}, False),
    ('', READER, {}, True),
    ('role:admin', ADMIN, {}, True),
    ('role:ADMIN', ADMIN, {}, True),
    ('role:admin', MEMBER, {}, False),
    ('project_id:%(project_id)s', MEMBER, {'project_id': 'p-member'}, True),
    ('project_id:%(project_id)s', MEMBER, {'project_id': 'other'}, False),
    ('user_id:%(user_id)s', MEMBER, {'user_id': 'u-member'}, True),
    ('is_admin:True', ADMIN, {}, True),
    ('is_admin:True', MEMBER, {}, False),
    ('not role:admin', MEMBER, {}, True),
    ('role:member and not role:admin', ADMIN, {}, False),
    ('(role:admin or role:member) and project_id:%(project_id)s', MEMBER, {'project_id': 'p-member'}, True),
    ('role:reader and (role:member or role:admin)', READER, {}, False),
    ("'public':%(visibility)s", READER, {'visibility': 'public'}, True),
    ("'public':%(visibility)s", READER, {'visibility': 'private'}, False),
    ('project_id:%(missing)s', MEMBER, {}, False),
    ('rule:admin_api or user_id:%(user_id)s', MEMBER, {'user_id': 'u-member'}, True),
])
def test_check_language(check, ctx, target, expected):
    assert policy.allowed('probe', ctx, target, rules=dict(policy.DEFAULTS, probe=check)) is expected


def test_novas_defaults():
    assert policy.allowed('os_compute_api:servers:index', MEMBER)
    assert policy.allowed('os_compute_api:servers:show', READER, {'project_id': 'p-member'})
    assert not policy.allowed('os_compute_api:servers:show', READER, {'project_id': 'p-admin'})
    assert policy.allowed('os_compute_api:servers:show', ADMIN, {'project_id': 'p-member'})
    assert not policy.allowed('os_compute_api:servers:update', READER, {'project_id': 'p-member'})
    assert policy.allowed('os_compute_api:servers:update', MEMBER, {'project_id': 'p-member'})
    assert not policy.allowed('os_compute_api:os-hypervisors:list', MEMBER)
    assert not policy.allowed('os_compute_api:os-lock-server:unlock:unlock_override', MEMBER)
    assert policy.allowed('os_compute_api:os-keypairs:show', MEMBER, {'user_id': 'u-member'})
    assert not policy.allowed('os_compute_api:os-keypairs:show', MEMBER, {'user_id': 'u-admin'})
    assert policy.allowed('os_compute_api:os-quota-sets:show', MEMBER, {'project_id': 'p-member'})
    assert not policy.allowed('os_compute_api:os-quota-sets:update', MEMBER, {'project_id': 'p-member'})
    # Every rule the shim's routes name is registered (the lead's server routes included).
    for rule in ('os_compute_api:servers:create', 'os_compute_api:servers:create:forced_host',
                 'os_compute_api:servers:delete', 'os_compute_api:servers:start', 'os_compute_api:servers:stop',
                 'os_compute_api:servers:reboot', 'os_compute_api:os-pause-server:pause',
                 'os_compute_api:os-pause-server:unpause', 'os_compute_api:os-suspend-server:suspend',
                 'os_compute_api:os-suspend-server:resume', 'os_compute_api:os-lock-server:lock',
                 'os_compute_api:os-lock-server:unlock', 'os_compute_api:os-evacuate', 'get_image'):
        assert rule in policy.RULES


def test_unregistered_rule_is_an_error():
    with pytest.raises(KeyError):
        policy.allowed('os_compute_api:no-such-rule', ADMIN)


def test_policy_file_opens_hypervisors_to_members(tmp_path):
    path = _write(tmp_path, '"os_compute_api:os-hypervisors:list": "@"\n')
    assert not policy.allowed('os_compute_api:os-hypervisors:list', MEMBER)
    policy.load(path)
    assert policy.allowed('os_compute_api:os-hypervisors:list', MEMBER)
    assert not policy.allowed('os_compute_api:os-hypervisors:list-detail', MEMBER)   # the others keep defaults


def test_policy_file_restricts_server_list_to_admins(tmp_path):
    policy.load(_write(tmp_path, '"os_compute_api:servers:index": "role:admin"\n'))
    with pytest.raises(policy.Forbidden) as err:
        policy.enforce('os_compute_api:servers:index', MEMBER)
    assert err.value.code == 403
    assert err.value.message == "Policy doesn't allow os_compute_api:servers:index to be performed."
    policy.enforce('os_compute_api:servers:index', ADMIN)


def test_policy_file_base_rule_override_applies_everywhere(tmp_path):
    # Redefining a base rule changes every rule that refers to it.
    policy.load(_write(tmp_path, '"project_reader_api": "role:reader and project_id:%(project_id)s '
                                 'and not role:member"\n'))
    assert policy.allowed('os_compute_api:servers:index', READER)
    assert not policy.allowed('os_compute_api:servers:index', MEMBER)


def test_unknown_rule_name_is_a_warning(tmp_path, caplog):
    path = _write(tmp_path, '"os_compute_api:servers:indx": "role:admin"\n"my_rule": "role:member"\n'
                            '"os_compute_api:os-hypervisors:list": "rule:my_rule"\n')
    with caplog.at_level(logging.WARNING, logger='novalite_api.policy'):
        policy.load(path)
    assert "'os_compute_api:servers:indx' is not used" in caplog.text
    assert policy.allowed('os_compute_api:os-hypervisors:list', MEMBER)
    assert policy.allowed('os_compute_api:servers:index', MEMBER)


@pytest.mark.parametrize('text,needle', [
    ('"os_compute_api:servers:index": "role:admin or"\n', "rule 'os_compute_api:servers:index'"),
    ('"os_compute_api:servers:index": "(role:admin"\n', 'missing ")"'),
    ('"os_compute_api:servers:show": "admin"\n', "rule 'os_compute_api:servers:show'"),
    ('"os_compute_api:servers:show": 5\n', "rule 'os_compute_api:servers:show'"),
    ('- a list\n', 'mapping'),
    ('"a": [unclosed\n', 'not valid YAML'),
])
def test_bad_policy_file_is_a_clear_error_and_changes_nothing(tmp_path, text, needle):
    before = dict(policy.RULES)
    with pytest.raises(policy.InvalidInput) as err:
        policy.load(_write(tmp_path, text))
    assert err.value.field == 'policy_file'
    assert needle in err.value.message
    assert policy.RULES == before


def test_missing_policy_file(tmp_path):
    with pytest.raises(policy.InvalidInput) as err:
        policy.load(str(tmp_path / 'nope.yaml'))
    assert err.value.field == 'policy_file' and 'cannot read' in err.value.message


def test_routes_honour_a_loaded_policy_file(tmp_path):
    """The compute routes ask the loaded rules: hypervisors opened to members, server list closed."""
    from novalite_api import app as app_mod, config
    from novalite_api.compute import hypervisors, servers
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store
    flask = pytest.importorskip('flask')
    store = Store('sqlite:///%s' % (tmp_path / 'n.db'))
    cfg = config.validate({'database_url': 'sqlite:///%s' % (tmp_path / 'n.db'),
                           'secret_key_file': str(tmp_path / 'key'), 'image_store': str(tmp_path / 'img'),
                           'jobs_dir': str(tmp_path / 'jobs')})
    app = app_mod.create_app(cfg, store)
    policy.load(_write(tmp_path, '"os_compute_api:os-hypervisors:list": "@"\n'
                                 '"os_compute_api:servers:index": "role:admin"\n'))
    try:
        with app.test_request_context('/compute/v2.1/os-hypervisors'):
            flask.g.api_version, flask.g.ctx = (2, 1), MEMBER
            assert hypervisors.index().get_json() == {'hypervisors': []}
        with app.test_request_context('/compute/v2.1/servers'):
            flask.g.api_version, flask.g.ctx = (2, 1), MEMBER
            with pytest.raises(policy.Forbidden):
                servers.index()
    finally:
        store.dispose()
