"""compute/result_handlers.py: the action modules register how their outcomes are recorded; the conductor
dispatches through the registry and imports none of them."""

import os
import subprocess
import sys

import pytest

from ansible_collections.novalite.compute.plugins.module_utils.compute import (
    action_table, all_actions, conductor, evacuate, interfaces, live_migration, resize, result_handlers, shelve,
    snapshot,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PKG = 'ansible_collections.novalite.compute.plugins.module_utils.compute'


def _fresh_python(code):
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                              [os.path.join(REPO, 'collections'), REPO])))


def test_each_action_with_steps_of_its_own_is_recorded_by_its_module():
    expected = dict([(a, snapshot.finish) for a in action_table.SNAPSHOT_ACTIONS]
                    + [(a, shelve.finish) for a in action_table.SHELVE_ACTIONS]
                    + [(a, resize.finish) for a in action_table.MOVE_ACTIONS]
                    + [(a, live_migration.finish) for a in action_table.LIVE_MIGRATION_ACTIONS]
                    + [('evacuate', evacuate.finish)]
                    + [(a, interfaces.record) for a in action_table.INTERFACE_ACTIONS])
    assert dict((a, result_handlers.handler(a)) for a in expected) == expected
    for action in ('create', 'stop', 'reboot', 'rebuild', 'delete', 'rescue'):
        assert result_handlers.handler(action) is None   # the conductor's own recording
    assert result_handlers.delete_hooks() == [shelve.drop_image]
    assert set(all_actions.MODULES) == {evacuate, interfaces, live_migration, resize, shelve, snapshot}


def test_a_new_action_is_recorded_through_the_registry_without_touching_the_conductor(monkeypatch):
    monkeypatch.setattr(result_handlers, '_HANDLERS', dict(result_handlers._HANDLERS))
    seen = []

    @result_handlers.result_handler('x_new_action')
    def finish(store, ident, action, request_id, host_result=None, error=None):
        seen.append((store, ident, action, request_id, host_result, error))
        return {'uuid': ident, 'changed': True}

    recorded = conductor.record_result('store', 'u1', 'x_new_action', 'req-1', {'ok': 1})
    assert recorded == {'uuid': 'u1', 'changed': True}
    assert seen == [('store', 'u1', 'x_new_action', 'req-1', {'ok': 1}, None)]


def test_a_second_recorder_of_an_action_is_refused(monkeypatch):
    monkeypatch.setattr(result_handlers, '_HANDLERS', dict(result_handlers._HANDLERS))

    def other(store, ident, action, request_id, host_result=None, error=None):
        return None
    with pytest.raises(ValueError, match='already records snapshot'):
        result_handlers.result_handler('snapshot')(other)
    assert result_handlers.handler('snapshot') is snapshot.finish


def test_the_conductor_imports_no_action_module_and_refuses_to_record_before_they_are_loaded():
    out = _fresh_python(
        'import sys\n'
        'from %s import conductor\n'
        'print(sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("%s.")))\n'
        'try:\n'
        '    conductor.record_result(None, "u1", "stop", "req-1")\n'
        'except RuntimeError as exc:\n'
        '    print(exc)\n' % (PKG, PKG))
    assert out.returncode == 0, out.stderr
    loaded, refusal = out.stdout.splitlines()
    for name in ('snapshot', 'shelve', 'resize', 'live_migration', 'evacuate', 'interfaces', 'all_actions'):
        assert "'%s'" % name not in loaded
    assert 'import compute.all_actions' in refusal


@pytest.mark.parametrize('entry', [PKG + '.server_actions', PKG + '.reconcile', 'novalite_api.jobs'])
def test_the_places_that_record_results_load_every_handler(entry):
    out = _fresh_python('import %s\nfrom %s import result_handlers\n'
                        'print(len(result_handlers._HANDLERS), result_handlers.handler("evacuate").__module__)'
                        % (entry, PKG))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(len(result_handlers._HANDLERS)), PKG + '.evacuate']
