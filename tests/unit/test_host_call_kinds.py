"""The kinds of host call (roles/server/vars/main.yml) are the one list of them: every host_calls_<kind>.yml task
file is there once, and a recorded kind's file registers its results in the variable the list names (which
host_calls_record.yml reads)."""

import glob
import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TASKS = os.path.join(REPO, 'roles', 'server', 'tasks')


def _kinds():
    with open(os.path.join(REPO, 'roles', 'server', 'vars', 'main.yml')) as handle:
        return yaml.safe_load(handle)['novalite_host_call_kinds']


def _registers(name):
    with open(os.path.join(TASKS, name)) as handle:
        return [t['register'] for t in yaml.safe_load(handle) if 'register' in t]


def test_every_kind_task_file_is_listed_once_and_registers_what_the_list_says():
    kinds = _kinds()
    files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(TASKS, 'host_calls_*.yml'))
                   if not p.endswith('host_calls_record.yml'))
    assert sorted(k['tasks'] for k in kinds.values()) == files
    recorded = dict((kind, k['recorded']) for kind, k in kinds.items() if 'recorded' in k)
    assert list(recorded) == ['instance', 'instance_action', 'instance_snapshot', 'instance_move',
                              'instance_live_migrate']
    for kind, variable in recorded.items():
        # the first register is the results (a later one may hold what follows them: the live migrations' next steps)
        assert _registers(kinds[kind]['tasks'])[:1] == [variable], kind
