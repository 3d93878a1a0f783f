"""The host handler's InstanceCall: one instance call's options by name (the instance module's params or an
``instances`` call), routed by _ensure to the driver."""

import pytest

from ansible_collections.novalite.compute.plugins.module_utils import errors
from ansible_collections.novalite.compute.plugins.module_utils.handlers import host
from ansible_collections.novalite.compute.plugins.module_utils.virt import driver


def test_from_call_reads_the_module_option_names_with_their_defaults():
    asked = host.InstanceCall.from_call({'rebuild': 'req-1', 'evacuate': True}, 'stopped', 30, False)
    assert (asked.state, asked.timeout, asked.check_mode) == ('stopped', 30, False)
    assert (asked.rebuild_id, asked.evacuate, asked.preserve_ephemeral) == ('req-1', True, False)
    assert (asked.rescue, asked.unrescue, asked.destroy_disks) == (None, False, True)
    assert host.InstanceCall.from_call({'destroy_disks': False}, 'absent', 0, True).destroy_disks is False
    assert asked.on_shared_storage is None   # not given: the host decides
    assert host.InstanceCall.from_call({'on_shared_storage': False}, 'running', 0, False).on_shared_storage is False


def test_ensure_routes_a_rebuild_a_state_and_a_rescue(monkeypatch):
    seen = []

    def rebuild(conn, inst, settings, rid, keep, start, timeout, **kw):
        seen.append(('rebuild', rid, keep, start, timeout, kw))
        return {'rebuilt': True, 'timing': 0.1, 'bases_copied': 0, 'on_shared_storage': False}

    def ensure_state(conn, inst, settings, state, check, timeout, *rest):
        seen.append(('state', state, check, rest))
        return {'changed': False, 'actions': [], 'bases_copied': 0}

    monkeypatch.setattr(driver, 'rebuild', rebuild)
    monkeypatch.setattr(driver, 'ensure_state', ensure_state)
    out = host._ensure(None, {}, {}, host.InstanceCall('running', 5, rebuild_id='r', evacuate=True))
    assert out['rebuilt'] and out['actions'] == ['rebuild']
    assert seen == [('rebuild', 'r', False, True, 5, {'evacuate': True, 'on_shared_storage': None}), ('state', 'running', False, ())]
    del seen[:]
    host._ensure(None, {}, {}, host.InstanceCall('absent', 5, destroy_disks=False))
    assert seen == [('state', 'absent', False, (False,))]
    with pytest.raises(errors.InvalidInput):
        host._ensure(None, {}, {}, host.InstanceCall('running', 5, rebuild_id='r', unrescue=True))
    with pytest.raises(errors.InvalidInput):
        host._ensure(None, {}, {}, host.InstanceCall('paused', 5, rebuild_id='r'))
    assert host._ensure(None, {}, {}, host.InstanceCall('running', 5, check_mode=True, rebuild_id='r'))['changed']
