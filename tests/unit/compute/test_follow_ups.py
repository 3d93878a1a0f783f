"""A host call's next step handed into its run (compute/follow_ups.py): taken by the run or left to the shim,
never both; a call with no next step ends the run's wait at once."""

import threading
import time

from ansible_collections.novalite.compute.plugins.module_utils.compute import follow_ups

CALL = {'server': '0b7c2b1e-8f9e-4a53-9d0e-2f6a1b4c5d6e', 'request_id': 'req-1', 'host': 'h1'}
NEXT = {'server': CALL['server'], 'request_id': 'req-1', 'host': 'h2', 'name': "{{ lookup('pipe', 'id') }}"}


def test_the_run_takes_what_the_shim_offers_later_and_the_shim_never_gets_it_again(tmp_path):
    later = threading.Timer(0.2, follow_ups.offer, (str(tmp_path), CALL, NEXT))
    later.start()
    started = time.monotonic()
    assert follow_ups.take(str(tmp_path), [CALL], 10) == [NEXT]
    assert 0.15 < time.monotonic() - started < 5
    assert follow_ups.untaken(str(tmp_path)) == []


def test_no_next_step_ends_the_wait_with_nothing(tmp_path):
    follow_ups.offer(str(tmp_path), CALL, None)
    assert follow_ups.take(str(tmp_path), [CALL], 10) == []


def test_a_call_not_recorded_in_time_is_left_to_the_shim(tmp_path):
    other = dict(CALL, request_id='req-2')
    follow_ups.offer(str(tmp_path), other, dict(NEXT, request_id='req-2'))
    assert follow_ups.take(str(tmp_path), [CALL, other], 0.1) == [dict(NEXT, request_id='req-2')]
    follow_ups.offer(str(tmp_path), CALL, NEXT)   # recorded after the run stopped waiting
    assert follow_ups.untaken(str(tmp_path)) == [NEXT]
    assert follow_ups.untaken(str(tmp_path)) == [] and follow_ups.take(str(tmp_path), [CALL], 0) == []


def test_file_names_carry_no_call_data(tmp_path):
    follow_ups.offer(str(tmp_path), dict(CALL, server='../../x'), NEXT)
    [name] = [p.name for p in tmp_path.iterdir()]
    assert name == follow_ups.key(dict(CALL, server='../../x')) + '.json' and '/' not in name and '.' not in name[:-5]


def test_only_a_live_migrations_destination_step_is_awaited():
    step = dict(CALL, module='instance_live_migrate', live_migration={'step': 'prepare_destination'})
    assert follow_ups.awaited(step)
    for other in (dict(step, live_migration={'step': 'migrate'}), dict(CALL, module='instance'),
                  dict(CALL, module='instance_move', move={'step': 'migrate_out'})):
        assert not follow_ups.awaited(other)
