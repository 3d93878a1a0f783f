"""The in-process runner of the controller-side modules answers as the module itself would.

Parity cases run the real module file as its own process (AnsibleModule, as Ansible
would) and through ``run_in_process`` with the same arguments, and compare the
answers. The others pin check mode, diff mode, error mapping, no_log masking, data
tags, and when the action runs in-process at all.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible.utils.unsafe_proxy import wrap_var
from lib.novalite_env import module_names

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput
from ansible_collections.novalite.compute.plugins.module_utils.novalite_module import (
    DATABASE_ARGS, Call, NovaliteModule, spec)
from ansible_collections.novalite.compute.plugins.plugin_utils import in_process
from ansible_collections.novalite.compute.plugins.plugin_utils.in_process import (
    ControllerAction, module_definition, run_in_process)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(REPO, 'collections')
MODULES = os.path.join(COLLECTIONS, 'ansible_collections', 'novalite', 'compute', 'plugins', 'modules')
SECRET = 'n0tF0rL0gs'


@pytest.fixture
def db(tmp_path):
    return 'sqlite:///%s' % (tmp_path / ('store-%s.db' % SECRET))


def run(name, args, **kwargs):
    return run_in_process(name, module_definition(name), args, **kwargs)


def run_module(name, args, tmp_path, check_mode=False, diff=False):
    """The module file run as Ansible runs it: its own Python, arguments from a JSON file."""
    payload = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff,
                   _ansible_module_name='novalite.compute.%s' % name)
    path = tmp_path / ('args-%s.json' % name)
    path.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': payload}))
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc = subprocess.run([sys.executable, os.path.join(MODULES, name + '.py'), str(path)], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize('name,args', [
    ('flavor_info', {'bogus': 1}),                                           # unknown option
    ('flavor', {'name': 'f', 'vcpus': 'many', 'ram': 1, 'disk': 1}),         # type coercion fails
    ('flavor', {'name': 'f', 'vcpus': 1}),                                   # required_if
    ('server', {'flavor': 'm1.tiny'}),                                       # required_one_of
    ('server', {'name': 'a', 'state': 'asleep'}),                            # choices
    ('server_report', {'server': 'x', 'reports': []}),                       # mutually_exclusive
    ('flavor', {'name': 'f', 'vcpus': '2', 'ram': '512', 'disk': 1}),        # coerced, then created
    ('compute_node', {'host': 'nowhere', 'enabled': 'no'}),                   # NovaliteError (NotFound)
    ('keypair', {'name': 'k', 'public_key_file': '/nonexistent/key.pub'}),   # handler's InvalidInput
    ('console', {'server': 'nowhere', 'type': 'novnc'}),                     # NotFound from the store
])
def test_answers_like_the_module(name, args, db, tmp_path):
    # each on its own store: the first must not change what the second finds
    by_module = run_module(name, dict(args, database_url=db.replace('.db', '-module.db')), tmp_path)
    by_runner = run(name, dict(args, database_url=db))
    for key in ('failed', 'changed', 'msg', 'error', 'field'):
        assert by_runner.get(key) == by_module.get(key), (key, by_runner, by_module)
    assert by_runner['invocation'] == by_module['invocation']


def _opens_the_state_store(definition):
    """What makes a module controller-side: its spec takes DATABASE_ARGS, the store ``Call.store`` opens."""
    return set(DATABASE_ARGS) <= set(definition.argument_spec)


def test_every_state_store_module_has_its_action_plugin():
    """A module whose handler opens the state store runs in ansible-playbook's process when its target is
    local: plugins/action/<module>.py binds ControllerAction to it (a missing one costs a module start)."""
    import importlib
    names = module_names()
    controller_side = [n for n in names if _opens_the_state_store(module_definition(n))]
    assert 'server' in controller_side and 'console' in controller_side and 'instance' not in controller_side
    missing = []
    for name in controller_side:
        try:
            plugin = importlib.import_module('ansible_collections.novalite.compute.plugins.action.%s' % name)
        except ImportError:
            missing.append(name)
            continue
        assert issubclass(plugin.ActionModule, ControllerAction) and plugin.ActionModule.MODULE == name, name
    assert not missing, 'state-store modules without an action plugin: %s' % missing


def test_validation_error_changes_nothing(db):
    bad = run('flavor', {'name': 'f', 'vcpus': 'many', 'ram': 1, 'disk': 1, 'database_url': db})
    assert bad['failed'] is True and 'vcpus' in bad['msg']
    assert run('flavor_info', {'database_url': db})['flavors'] == []


def test_check_mode_reports_without_writing(db):
    args = {'name': 'm1.x', 'vcpus': 1, 'ram': 512, 'disk': 1, 'database_url': db}
    planned = run('flavor', args, check_mode=True)
    assert planned['changed'] is True and not planned.get('failed')
    assert run('flavor_info', {'database_url': db})['flavors'] == []
    assert run('flavor', args)['changed'] is True
    assert run('flavor', args, check_mode=True)['changed'] is False


def test_module_without_check_mode_is_skipped_in_check_mode(db):
    out = run('server_build', {'name': 'b', 'flavor': 'f', 'image': 'i', 'database_url': db}, check_mode=True)
    assert out['skipped'] is True and out['msg'] == 'remote module (novalite.compute.server_build) does not support check mode'
    assert run('server_info', {'database_url': db})['servers'] == []


def test_diff_only_in_diff_mode(db):
    args = {'name': 'g1', 'policy': 'anti-affinity', 'database_url': db}
    plain_run = run('server_group', args)
    assert plain_run['changed'] is True and 'diff' not in plain_run
    with_diff = run('server_group', dict(args, name='g2'), diff_mode=True)
    assert with_diff['diff']['before'] == {} and with_diff['diff']['after']['name'] == 'g2'


def test_database_url_never_in_result(db, tmp_path):
    for out in (run('flavor_info', {'database_url': db}),
                run('flavor', {'name': 'f', 'vcpus': 'x', 'ram': 1, 'disk': 1, 'database_url': db}),
                run('flavor_info', {'database_url': db, 'bogus': 1})):
        assert SECRET not in json.dumps(out)
        assert out['invocation']['module_args']['database_url'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    # a URL the store cannot open: the failure says why without the password
    url = 'mysql+pymysql://novalite:%s@127.0.0.1:9/novalite' % SECRET
    out = run('flavor_info', {'database_url': url})
    assert out['failed'] is True and out['field'] == 'database_url' and SECRET not in json.dumps(out)


def test_user_strings_stay_data(db):
    """Unsafe-marked and tagged strings arrive as plain str, stored as written, never rendered."""
    name = wrap_var("{{ lookup('pipe', 'id') }}")
    out = run('server_group', {'name': name, 'policy': wrap_var('affinity'), 'database_url': db})
    assert out['server_group']['name'] == "{{ lookup('pipe', 'id') }}"
    assert in_process.plain(name).__class__ is str   # exactly str, no tagged subclass
    assert in_process.plain({wrap_var('k'): [wrap_var('v'), 1, True]}) == {'k': ['v', 1, True]}


def _definition(handler, **options):
    return NovaliteModule(spec(DATABASE_ARGS, name=dict(type='str')), handler, **options)


def test_error_mapping():
    def invalid(call):
        raise InvalidInput('name', 'must not be empty', limit=3)

    def broken(call):
        raise KeyError('boom')

    out = run_in_process('x', _definition(invalid), {'name': ''})
    assert out == dict(out, failed=True, msg='name: must not be empty', error='InvalidInput', field='name',
                       details={'limit': 3})
    out = run_in_process('x', _definition(broken), {'name': 'a'})
    assert out['failed'] is True and out['msg'] == "KeyError: 'boom'" and 'Traceback' in out['exception']


def test_handler_warnings_and_failed_msg():
    def handler(call):
        call.warn('careful')
        return {'changed': True, 'failed_msg': 'half done', 'diff': {'before': 1, 'after': 2}}

    out = run_in_process('x', _definition(handler), {})
    assert out['failed'] is True and out['msg'] == 'half done' and out['changed'] is True
    assert out['warnings'] == ['careful'] and 'diff' not in out


def test_store_is_closed_after_the_call(db):
    seen = {}

    def handler(call):
        seen['store'] = call.store
        return {}

    _definition(handler).execute(Call({'database_url': db}))
    assert seen['store'] is not None


class _Obj(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _action(connection='local', become=False, async_val=0, environment=None):
    action = ControllerAction.__new__(ControllerAction)
    action._task = _Obj(async_val=async_val, environment=environment if environment is not None else [{}])
    action._play_context = _Obj(become=become)
    action._connection = _Obj(_load_name=connection)
    return action


@pytest.mark.parametrize('kwargs,expected', [
    ({}, True),
    ({'connection': 'ansible.builtin.local'}, True),
    ({'connection': 'ssh'}, False),                   # a remote controller host: the real module
    ({'become': True}, False),                        # another user's process
    ({'async_val': 30}, False),
    ({'environment': [{'NOVALITE_DATABASE_URL': 'sqlite:////x.db'}]}, False),
    ({'environment': []}, True),
])
def test_runs_in_process_only_when_local(kwargs, expected):
    assert _action(**kwargs).runs_in_process() is expected
