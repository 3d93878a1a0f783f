# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's server action model as one table: which states allow which action, what it sets, what it asks of the host.

Each row of ``ACTIONS`` is one action as nova/compute/api.py's
``check_instance_lock`` / ``check_instance_state`` decorators, the task_state
it sets, nova/compute/instance_actions.py's name, the Compute API's action
key and policy rule, the host call it makes (``instance`` module with a
desired state, or ``instance_action`` module with an action; None when the
action completes in the store) and the vm_state a successful host call
leaves. Everything else (the ``server_action`` module's choices, the desired
states of the ``server`` module, the event names, reconcile's view of an
interrupted task state) is derived from it. Pure data and checks: no store.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    Forbidden, InstanceInvalidState, InstanceLocked, InstanceNotReady, InvalidInput,
)

Action = collections.namedtuple('Action', (
    'name',          # novalite's action (the host call's ``action``)
    'verb',          # what the server_action module / playbook calls it (None: not a user action)
    'event',         # Nova's instance action name (`openstack server event list`)
    'api',           # the Compute API's action key (POST /servers/{id}/action), None when it has its own route
    'rule',          # Nova's policy rule
    'vm_states',     # allowed vm_states (None: any)
    'task_states',   # allowed task_states (None: any)
    'task_state',    # task_state while in flight (None: completes in the store)
    'host_call',     # (module, desired state or action) or None
    'result',        # vm_state after a successful host call (None: unchanged / special)
    'lock_checked',  # refused for a locked server unless admin
    'admin_only',    # only an admin may ask
))

# Hard reboot may interrupt these in-flight task states (nova/compute/api.py).
_HARD_REBOOT_TASKS = [None, S.REBOOTING, S.REBOOT_PENDING, S.REBOOT_STARTED, S.REBOOTING_HARD,
                      S.RESUMING, S.UNPAUSING, S.PAUSING, S.SUSPENDING]
_ANY_LIVE = [S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED, S.ERROR]
_SNAPSHOT_STATES = [S.ACTIVE, S.STOPPED, S.PAUSED, S.SUSPENDED]

_ROWS = (
    #      name           verb          event        api             rule
    #      vm_states              task_states  in flight      host call                        result     lock admin
    Action('create', None, 'create', None, 'os_compute_api:servers:create',
           [S.BUILDING], [S.SPAWNING], S.SPAWNING, ('instance', 'running'), S.ACTIVE, False, False),
    Action('stop', 'stop', 'stop', 'os-stop', 'os_compute_api:servers:stop',
           [S.ACTIVE, S.ERROR], [None], S.POWERING_OFF, ('instance', 'stopped'), S.STOPPED, True, False),
    Action('start', 'start', 'start', 'os-start', 'os_compute_api:servers:start',
           [S.STOPPED], [None], S.POWERING_ON, ('instance', 'running'), S.ACTIVE, True, False),
    Action('reboot_soft', 'reboot', 'reboot', 'reboot', 'os_compute_api:servers:reboot',
           [S.ACTIVE], [None], S.REBOOTING, ('instance_action', 'reboot_soft'), S.ACTIVE, True, False),
    Action('reboot_hard', 'reboot', 'reboot', 'reboot', 'os_compute_api:servers:reboot',
           _ANY_LIVE, _HARD_REBOOT_TASKS, S.REBOOTING_HARD, ('instance_action', 'reboot_hard'), S.ACTIVE, True,
           False),
    Action('pause', 'pause', 'pause', 'pause', 'os_compute_api:os-pause-server:pause',
           [S.ACTIVE], [None], S.PAUSING, ('instance', 'paused'), S.PAUSED, True, False),
    Action('unpause', 'unpause', 'unpause', 'unpause', 'os_compute_api:os-pause-server:unpause',
           [S.PAUSED], [None], S.UNPAUSING, ('instance', 'running'), S.ACTIVE, True, False),
    Action('suspend', 'suspend', 'suspend', 'suspend', 'os_compute_api:os-suspend-server:suspend',
           [S.ACTIVE], [None], S.SUSPENDING, ('instance', 'suspended'), S.SUSPENDED, True, False),
    Action('resume', 'resume', 'resume', 'resume', 'os_compute_api:os-suspend-server:resume',
           [S.SUSPENDED], [None], S.RESUMING, ('instance', 'running'), S.ACTIVE, True, False),
    Action('lock', 'lock', 'lock', 'lock', 'os_compute_api:os-lock-server:lock',
           None, None, None, None, None, False, False),
    Action('unlock', 'unlock', 'unlock', 'unlock', 'os_compute_api:os-lock-server:unlock',
           None, None, None, None, None, False, False),
    # Nova's os-resetState (admin_actions.py): any state, lock ignored; the request names the vm_state.
    Action('reset_state', 'reset_state', 'resetState', 'os-resetState', 'os_compute_api:os-admin-actions:reset_state',
           None, None, None, None, None, False, True),
    # Deferred delete (reclaim_instance_interval > 0, nova/api/openstack/compute/deferred_delete.py): a delete
    # powers the guest off and keeps it until reclaimed; restore brings it back, forceDelete deletes it now.
    Action('soft_delete', 'soft_delete', 'delete', None, 'os_compute_api:servers:delete',
           None, None, S.SOFT_DELETING, ('instance', 'stopped'), S.SOFT_DELETED, True, False),
    Action('restore', 'restore', 'restore', 'restore', 'os_compute_api:os-deferred-delete:restore',
           [S.SOFT_DELETED], [None], S.RESTORING, ('instance', 'running'), S.ACTIVE, True, False),
    Action('force_delete', 'force_delete', 'delete', 'forceDelete', 'os_compute_api:os-deferred-delete:force',
           None, [None], S.DELETING, ('instance', 'absent'), None, True, False),
    # (after force_delete: an interrupted 'deleting' is resumed as a delete)
    Action('delete', 'delete', 'delete', None, 'os_compute_api:servers:delete',
           None, None, S.DELETING, ('instance', 'absent'), None, True, False),
    # Nova's rebuild: a new root disk from the (new or same) image; a stopped server stays stopped, so the
    # host call's state and the resulting vm_state follow the server's (host_calls.build, record_result).
    Action('rebuild', 'rebuild', 'rebuild', 'rebuild', 'os_compute_api:servers:rebuild',
           [S.ACTIVE, S.STOPPED, S.ERROR], [None], S.REBUILDING, ('instance', 'running'), S.ACTIVE, True, False),
    # Nova's rescue / unrescue (nova/compute/api.py rescue, unrescue): the host boots a rescue disk with the
    # server's root disk second, and unrescue returns to the original domain; both end with the guest running
    # (a stopped server is RESCUED, then ACTIVE). The rescue image travels in the host call (compute/rescue.py).
    Action('rescue', 'rescue', 'rescue', 'rescue', 'os_compute_api:os-rescue',
           [S.ACTIVE, S.STOPPED, S.ERROR], [None], S.RESCUING, ('instance', 'running'), S.RESCUED, True, False),
    Action('unrescue', 'unrescue', 'unrescue', 'unrescue', 'os_compute_api:os-unrescue',
           [S.RESCUED], [None], S.UNRESCUING, ('instance', 'running'), S.ACTIVE, True, False),
    # Nova's snapshot (createImage) and backup (createBackup): the root disk into a new image (compute/snapshot.py).
    # No lock check (Nova: a lock guards against change and delete); the vm_state does not change.
    Action('snapshot', 'snapshot', 'createImage', 'createImage', 'os_compute_api:servers:create_image',
           _SNAPSHOT_STATES, [None], S.IMAGE_SNAPSHOT_PENDING, ('instance_snapshot', 'snapshot'), None, False, False),
    Action('backup', 'backup', 'createBackup', 'createBackup', 'os_compute_api:os-create-backup',
           _SNAPSHOT_STATES, [None], S.IMAGE_BACKUP, ('instance_snapshot', 'backup'), None, False, False),
    # Nova's shelve, shelveOffload and unshelve (compute/shelve.py): shelve powers the guest off and snapshots its
    # root disk into '<name>-shelved' (SHELVED), then, with shelved_offload_time 0, offloads it: the domain and
    # instance directory go and the claim is released (SHELVED_OFFLOADED, no host). Unshelve schedules again and
    # spawns from that image (or just starts a server still SHELVED on its host), then deletes the image.
    Action('shelve', 'shelve', 'shelve', 'shelve', 'os_compute_api:os-shelve:shelve',
           _SNAPSHOT_STATES, [None], S.SHELVING, ('instance_snapshot', 'shelve'), S.SHELVED, True, False),
    Action('shelve_offload', 'shelve_offload', 'shelveOffload', 'shelveOffload', 'os_compute_api:os-shelve:shelve_offload',
           [S.SHELVED], [None], S.SHELVING_OFFLOADING, ('instance', 'absent'), S.SHELVED_OFFLOADED, True, False),
    Action('unshelve', 'unshelve', 'unshelve', 'unshelve', 'os_compute_api:os-shelve:unshelve',
           [S.SHELVED, S.SHELVED_OFFLOADED], [None], S.UNSHELVING, ('instance', 'running'), S.ACTIVE, True, False),
    # Nova's evacuate (compute/evacuate.py, admin): a server of a down compute host rebuilt from its image on another
    # host (no lock check, as Nova); its result follows the request (2.95: stopped) and the server's state.
    Action('evacuate', 'evacuate', 'evacuate', 'evacuate', 'os_compute_api:os-evacuate',
           [S.ACTIVE, S.STOPPED, S.ERROR], [None], S.REBUILDING, ('instance', 'running'), None, False, True),
    # Nova's resize and cold migrate (compute/resize.py): scheduled with a move claim on the destination while the
    # source stays held, the guest powered off and its disk copied to the destination and grown there
    # (``instance_move`` host calls: migrate_out on the source, then finish_in on the destination), VERIFY_RESIZE;
    # confirmResize frees the source (confirm), revertResize goes back to it (revert_dest, then revert_source).
    Action('resize', 'resize', 'resize', 'resize', 'os_compute_api:servers:resize',
           [S.ACTIVE, S.STOPPED], [None], S.RESIZE_PREP, ('instance_move', 'migrate_out'), S.RESIZED, True, False),
    Action('migrate', 'migrate', 'migrate', 'migrate', 'os_compute_api:os-migrate-server:migrate',
           [S.ACTIVE, S.STOPPED], [None], S.RESIZE_PREP, ('instance_move', 'migrate_out'), S.RESIZED, True, True),
    Action('confirm_resize', 'confirm_resize', 'confirmResize', 'confirmResize',
           'os_compute_api:servers:confirm_resize', [S.RESIZED], [None], S.RESIZE_CONFIRMING,
           ('instance_move', 'confirm'), S.ACTIVE, True, False),
    Action('revert_resize', 'revert_resize', 'revertResize', 'revertResize', 'os_compute_api:servers:revert_resize',
           [S.RESIZED], [None], S.RESIZE_REVERTING, ('instance_move', 'revert_dest'), S.ACTIVE, True, False),
    # Nova's live migration (compute/live_migration.py): scheduled with a move claim on the destination, the running
    # guest moved by libvirt (``instance_live_migrate`` host calls: checks on both hosts, pre_live_migration on the
    # destination, live_migration on the source), ACTIVE (or PAUSED) on the destination; admin only.
    Action('live_migrate', 'live_migrate', 'live-migration', 'os-migrateLive',
           'os_compute_api:os-migrate-server:migrate_live', [S.ACTIVE, S.PAUSED], [None], S.MIGRATING,
           ('instance_live_migrate', 'check_destination'), S.ACTIVE, True, True),
    # Nova's interface attach / detach (os-interface, compute/interfaces.py): the port made or bound in the store,
    # the host plugs it (bridge, DHCP reservation, filters) and hot-plugs the NIC (libvirt attachDeviceFlags);
    # a detach takes the NIC out, unplugs, and unbinds the port (or deletes one Nova made). The vm_state stays.
    Action('attach_interface', 'attach_interface', 'attach_interface', None, 'os_compute_api:os-attach-interfaces:create',
           [S.ACTIVE, S.PAUSED, S.STOPPED], [None], S.INTERFACE_ATTACHING, ('instance_action', 'attach_interface'),
           None, True, False),
    Action('detach_interface', 'detach_interface', 'detach_interface', None, 'os_compute_api:os-attach-interfaces:delete',
           [S.ACTIVE, S.PAUSED, S.STOPPED], [None], S.INTERFACE_DETACHING, ('instance_action', 'detach_interface'),
           None, True, False),
    # Nova's trigger_crash_dump (2.17, nova/compute/api.py): an NMI injected into the running guest (libvirt
    # injectNMI); the server must be on a host (InstanceNotReady) and its vm_state one of ALLOW_TRIGGER_CRASH_DUMP.
    # No task_state: the outcome is only the instance action's event (a failure also a fault), the vm_state stays.
    Action('trigger_crash_dump', 'trigger_crash_dump', 'trigger_crash_dump', 'trigger_crash_dump',
           'os_compute_api:servers:trigger_crash_dump', [S.ACTIVE, S.PAUSED, S.RESCUED, S.RESIZED, S.ERROR], [None],
           None, ('instance_action', 'trigger_crash_dump'), None, True, False),
    # Nova's changePassword (os-admin-password, set_admin_password): the QEMU guest agent sets the password
    # (libvirt setUserPassword) when the image has hw_qemu_guest_agent; compute/admin_password.py checks what the
    # host would refuse. An API action only (the password is a secret: no playbook verb).
    Action('change_password', None, 'changePassword', 'changePassword', 'os_compute_api:os-admin-password',
           [S.ACTIVE], [None], S.UPDATING_PASSWORD, ('instance_action', 'change_password'), None, True, False),
    # A read of the host (Nova's get_console_output): any state with a host, no lock, nothing recorded.
    Action('console_output', 'console_output', None, 'os-getConsoleOutput', 'os_compute_api:os-console-output',
           None, None, None, ('console_log', 'read'), None, False, False),
    # A read of the host for a console URL (Nova's get_vnc_console / get_serial_console): where the running
    # domain's VNC server and serial listener are; compute/consoles.py checks the state and makes the token.
    Action('console_ports', None, None, None, 'os_compute_api:os-remote-consoles',
           None, None, None, ('console_ports', 'read'), None, False, False),
    # A read of the host (Nova's get_diagnostics): the running domain's counters.
    Action('diagnostics', None, None, None, 'os_compute_api:os-server-diagnostics',
           None, None, None, ('domain_diagnostics', 'read'), None, False, False),
)

# The actions that end with the server deleted (its row soft-deleted, its resources freed).
DELETE_ACTIONS = ('delete', 'force_delete')

# Actions that only read from the host: no task state, no instance action, nothing to record.
READ_ONLY = frozenset(r.name for r in _ROWS if r.host_call and r.task_state is None and r.event is None)

# Actions that hold no task_state while their host call runs (Nova's trigger_crash_dump): recording their outcome
# leaves the task_state alone (another action may have started meanwhile).
NO_TASK_STATE = frozenset(r.name for r in _ROWS if r.host_call and r.task_state is None and r.event is not None)

# Actions of the Compute API that no playbook verb names (their input is a secret)
API_ONLY = ('change_password',)

ACTIONS = collections.OrderedDict((row.name, row) for row in _ROWS)

# The server_action module's choices (reboot is one verb with a reboot_type).
VERBS = tuple(collections.OrderedDict((r.verb, None) for r in _ROWS if r.verb))

# The Compute API's action keys: {key: (verb, policy rule)}.
API_ACTIONS = collections.OrderedDict((r.api, (r.verb or r.name, r.rule)) for r in _ROWS if r.api)

# os-resetState's states (Nova's state_map).
RESET_STATES = {'active': S.ACTIVE, 'error': S.ERROR}

# Actions whose host call does more than reach a power state (a new disk, a rescue domain): never a way to a
# desired state, and their results (RESCUED) are no state a host is asked to confirm.
NOT_A_POWER_STATE = ('rebuild', 'rescue', 'unrescue', 'shelve', 'shelve_offload', 'unshelve', 'resize', 'migrate',
                     'confirm_resize', 'revert_resize', 'live_migrate',
                     'evacuate', 'attach_interface', 'detach_interface')

# What the host is asked to confirm for a server at rest in each vm_state (drift is repaired there).
HOST_STATE_FOR_VM_STATE = dict((r.result, r.host_call[1]) for r in _ROWS
                               if r.verb and r.result and r.host_call and r.host_call[0] == 'instance'
                               and r.name not in NOT_A_POWER_STATE)

# The action whose host call was in flight in each task_state (reconcile, job recovery).
ACTION_FOR_TASK_STATE = dict((r.task_state, r.name) for r in _ROWS if r.task_state and r.name not in ('create', 'evacuate'))
ACTION_FOR_TASK_STATE.update({S.SCHEDULING: 'create', S.BLOCK_DEVICE_MAPPING: 'create', S.SPAWNING: 'create',
                              S.REBOOT_PENDING: 'reboot_soft', S.REBOOT_STARTED: 'reboot_soft',
                              S.REBOOT_PENDING_HARD: 'reboot_hard', S.REBOOT_STARTED_HARD: 'reboot_hard',
                              S.REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild', S.REBUILD_SPAWNING: 'rebuild'})
# a snapshot's later steps (a backup's too: compute/snapshot.py finish reads which one from the server)
ACTION_FOR_TASK_STATE.update({S.IMAGE_SNAPSHOT: 'snapshot', S.IMAGE_PENDING_UPLOAD: 'snapshot',
                              S.IMAGE_UPLOADING: 'snapshot'})

# Actions whose host call makes an image (compute/snapshot.py records them).
SNAPSHOT_ACTIONS = ('snapshot', 'backup')

# shelve's later steps; its offload and unshelve (compute/shelve.py records all three)
ACTION_FOR_TASK_STATE.update({S.SHELVING_IMAGE_PENDING_UPLOAD: 'shelve', S.SHELVING_IMAGE_UPLOADING: 'shelve'})
SHELVE_ACTIONS = ('shelve', 'shelve_offload', 'unshelve')

# resize / cold migrate and their ends (compute/resize.py records all four; a migrate's steps are a resize's)
MOVE_ACTIONS = ('resize', 'migrate', 'confirm_resize', 'revert_resize')
ACTION_FOR_TASK_STATE.update((task, 'resize') for task in S.RESIZE_TASKS)

# interface hot-plug (compute/interfaces.py records both)
INTERFACE_ACTIONS = ('attach_interface', 'detach_interface')

# live migration and its force_complete / abort (compute/live_migration.py records them)
LIVE_MIGRATION_ACTIONS = ('live_migrate', 'live_migrate_force_complete', 'live_migrate_abort')


def action_in_flight(instance):
    """The action whose host call was in flight for ``instance`` (its task_state), None when there is none.

    An unshelve spawns (or powers on) in the same task states as a boot or a start: the vm_state tells them apart.
    """
    if instance['vm_state'] == S.BUILDING:
        return 'create'
    if instance['vm_state'] in (S.SHELVED, S.SHELVED_OFFLOADED) and instance['task_state'] in (
            S.UNSHELVING, S.SPAWNING, S.POWERING_ON):
        return 'unshelve'
    return ACTION_FOR_TASK_STATE.get(instance['task_state'])


def event_name(action):
    """Nova's instance action name for ``action`` (itself for the internal ``sync``)."""
    row = ACTIONS.get(action)
    return row.event if row else action


# Nova's compute event names that are not 'compute_<instance action>_instance' (the compute manager's method)
_COMPUTE_EVENTS = {'shelve_offload': 'compute_shelve_offload_instance', 'resize': 'compute_resize_instance',
                   'migrate': 'compute_resize_instance', 'confirm_resize': 'compute_confirm_resize',
                   'revert_resize': 'compute_revert_resize', 'attach_interface': 'compute_attach_interface',
                   'detach_interface': 'compute_detach_interface',
                   'trigger_crash_dump': 'compute_trigger_crash_dump',
                   'change_password': 'compute_set_admin_password'}


def compute_event(action):
    """The compute host's event of ``action`` (``openstack server event show``): compute_<method>."""
    return _COMPUTE_EVENTS.get(action) or 'compute_%s_instance' % event_name(action)


def result_vm_state(action):
    row = ACTIONS.get(action)
    return row.result if row else None


def action_for(verb, reboot_type='SOFT'):
    """The table's action for a verb of the server_action module / API (reboot + type -> reboot_soft/hard)."""
    if verb not in VERBS and verb not in API_ONLY:
        raise InvalidInput('action', 'unknown action %r (choose from %s)' % (verb, ', '.join(VERBS)))
    if verb == 'reboot':
        if reboot_type not in ('SOFT', 'HARD'):
            raise InvalidInput('reboot_type', 'must be SOFT or HARD, got %r' % (reboot_type,))
        return 'reboot_hard' if reboot_type == 'HARD' else 'reboot_soft'
    return verb


def check_lock(instance, context):
    """Nova's check_instance_lock: a locked server refuses everyone but an admin (InstanceLocked, 409)."""
    if instance['locked'] and not context.is_admin:
        raise InstanceLocked('Instance %s is locked' % instance['uuid'], field='server')


def check_action(instance, action, context):
    """Raise Forbidden / InstanceLocked / InstanceInvalidState when ``action`` is not allowed now."""
    row = ACTIONS.get(action)
    if row is None or (row.verb is None and action not in API_ONLY):
        raise InvalidInput('action', 'unknown action %r (choose from %s)' % (action, ', '.join(VERBS)))
    if row.admin_only and not context.is_admin:
        raise Forbidden("Policy doesn't allow %s to be performed." % row.rule, field='action')
    if row.lock_checked:
        check_lock(instance, context)
    if action == 'trigger_crash_dump' and not instance.get('host'):
        # Nova's check_instance_host, between the lock and the state checks
        raise InstanceNotReady('Instance %s is not ready' % instance['uuid'], field='server')
    if action == 'unlock' and instance['locked'] and instance.get('locked_by') == 'admin' and not context.is_admin:
        raise InstanceLocked('Instance %s was locked by an admin; only an admin can unlock it'
                             % instance['uuid'], field='server')
    if row.vm_states is not None and instance['vm_state'] not in row.vm_states:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in vm_state %s"
                                   % (row.event, instance['uuid'], instance['vm_state']), field='server')
    if row.task_states is not None and instance['task_state'] not in row.task_states:
        raise InstanceInvalidState("Cannot '%s' instance %s while it is in task_state %s"
                                   % (row.event, instance['uuid'], instance['task_state']), field='server')
    if action == 'soft_delete' and not (instance.get('launched_at') and instance.get('host')):
        # Nova's must_have_launched: a server that never ran has nothing to keep (the API deletes it instead)
        raise InstanceInvalidState('Instance %s has not launched' % instance['uuid'], field='server')


def desired_table(desired):
    """{vm_state: action} that reaches ``desired`` (a host state word) from each vm_state; None: already there."""
    out = dict((vm, None) for vm, state in HOST_STATE_FOR_VM_STATE.items() if state == desired)
    for row in _ROWS:
        if row.verb and row.host_call == ('instance', desired) and row.name not in NOT_A_POWER_STATE:
            out.update((vm, row.name) for vm in row.vm_states or ())
    return out


def action_for_desired(instance, desired):
    """The action that takes ``instance`` to the desired state, None when already there."""
    if desired == 'absent':
        return 'delete'
    table = desired_table(desired)
    if not table or desired == 'absent':
        raise InvalidInput('state', 'unknown desired state %r' % desired)
    if instance['vm_state'] in table:
        return table[instance['vm_state']]
    raise InstanceInvalidState('server %s is %s (vm_state %s); it cannot be made %s directly'
                               % (instance['display_name'], instance['status'], instance['vm_state'], desired),
                               field='state')
