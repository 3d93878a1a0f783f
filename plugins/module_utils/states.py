# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Nova's instance states: vm_state, task_state, power_state and API status."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# vm_state (nova/compute/vm_states.py)
ACTIVE = 'active'
BUILDING = 'building'
PAUSED = 'paused'
SUSPENDED = 'suspended'
STOPPED = 'stopped'
RESCUED = 'rescued'
RESIZED = 'resized'
SOFT_DELETED = 'soft-delete'
DELETED = 'deleted'
ERROR = 'error'
SHELVED = 'shelved'
SHELVED_OFFLOADED = 'shelved_offloaded'

# task_state (nova/compute/task_states.py), the ones novalite uses
SCHEDULING = 'scheduling'
BLOCK_DEVICE_MAPPING = 'block_device_mapping'
NETWORKING = 'networking'
SPAWNING = 'spawning'
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'
REBOOTING = 'rebooting'
REBOOT_PENDING = 'reboot_pending'
REBOOT_STARTED = 'reboot_started'
REBOOTING_HARD = 'rebooting_hard'
REBOOT_PENDING_HARD = 'reboot_pending_hard'
REBOOT_STARTED_HARD = 'reboot_started_hard'
PAUSING = 'pausing'
UNPAUSING = 'unpausing'
SUSPENDING = 'suspending'
RESUMING = 'resuming'
DELETING = 'deleting'
SOFT_DELETING = 'soft-deleting'
RESTORING = 'restoring'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'
REBUILD_TASKS = (REBUILDING, REBUILD_BLOCK_DEVICE_MAPPING, REBUILD_SPAWNING)
RESCUING = 'rescuing'
UNRESCUING = 'unrescuing'
# snapshot (createImage) and backup (createBackup)
IMAGE_SNAPSHOT_PENDING = 'image_snapshot_pending'
IMAGE_SNAPSHOT = 'image_snapshot'
IMAGE_BACKUP = 'image_backup'
IMAGE_PENDING_UPLOAD = 'image_pending_upload'
IMAGE_UPLOADING = 'image_uploading'
# shelve, shelveOffload, unshelve
SHELVING = 'shelving'
SHELVING_IMAGE_PENDING_UPLOAD = 'shelving_image_pending_upload'
SHELVING_IMAGE_UPLOADING = 'shelving_image_uploading'
SHELVING_OFFLOADING = 'shelving_offloading'
UNSHELVING = 'unshelving'
# resize and cold migrate (nova/compute/task_states.py), confirm / revert
RESIZE_PREP = 'resize_prep'
RESIZE_MIGRATING = 'resize_migrating'
RESIZE_MIGRATED = 'resize_migrated'
RESIZE_FINISH = 'resize_finish'
RESIZE_REVERTING = 'resize_reverting'
RESIZE_CONFIRMING = 'resize_confirming'
RESIZE_TASKS = (RESIZE_PREP, RESIZE_MIGRATING, RESIZE_MIGRATED, RESIZE_FINISH)
# live migration (os-migrateLive): the whole move, the guest running throughout
MIGRATING = 'migrating'
# interface attach / detach (os-interface): Nova holds a per-port lock on the compute host instead; novalite's
# host call runs as a job, so the server carries the step while it is in flight (no other action starts)
INTERFACE_ATTACHING = 'interface_attaching'
INTERFACE_DETACHING = 'interface_detaching'
# changePassword (os-admin-password): while the guest agent is asked
UPDATING_PASSWORD = 'updating_password'

# power_state (nova/compute/power_state.py): integers as stored by Nova
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED_POWER = 7

POWER_STATE_NAMES = {
    NOSTATE: 'NOSTATE', RUNNING: 'Running', PAUSED_POWER: 'Paused',
    SHUTDOWN: 'Shutdown', CRASHED: 'Crashed', SUSPENDED_POWER: 'Suspended',
}

# libvirt virDomainState -> power_state (nova/virt/libvirt/driver.py LIBVIRT_POWER_STATE)
LIBVIRT_POWER_STATE = {
    0: NOSTATE,      # VIR_DOMAIN_NOSTATE
    1: RUNNING,      # VIR_DOMAIN_RUNNING
    2: RUNNING,      # VIR_DOMAIN_BLOCKED: "blocked" means idle, it is running
    3: PAUSED_POWER,  # VIR_DOMAIN_PAUSED
    4: SHUTDOWN,     # VIR_DOMAIN_SHUTDOWN: being shut down
    5: SHUTDOWN,     # VIR_DOMAIN_SHUTOFF
    6: CRASHED,      # VIR_DOMAIN_CRASHED
    7: SUSPENDED_POWER,  # VIR_DOMAIN_PMSUSPENDED
}

# vm_state -> API status (nova/api/openstack/common.py _STATE_MAP), task_state refinements
_STATUS_MAP = {
    ACTIVE: {'default': 'ACTIVE', REBOOTING: 'REBOOT', REBOOT_PENDING: 'REBOOT',
             REBOOT_STARTED: 'REBOOT', REBOOTING_HARD: 'HARD_REBOOT',
             REBOOT_PENDING_HARD: 'HARD_REBOOT', REBOOT_STARTED_HARD: 'HARD_REBOOT',
             REBUILDING: 'REBUILD', REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD', REBUILD_SPAWNING: 'REBUILD',
             RESIZE_PREP: 'RESIZE', RESIZE_MIGRATING: 'RESIZE', RESIZE_MIGRATED: 'RESIZE', RESIZE_FINISH: 'RESIZE',
             MIGRATING: 'MIGRATING', UPDATING_PASSWORD: 'PASSWORD'},
    BUILDING: {'default': 'BUILD'},
    STOPPED: {'default': 'SHUTOFF', REBUILDING: 'REBUILD', REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
              REBUILD_SPAWNING: 'REBUILD', RESIZE_PREP: 'RESIZE', RESIZE_MIGRATING: 'RESIZE',
              RESIZE_MIGRATED: 'RESIZE', RESIZE_FINISH: 'RESIZE'},
    RESIZED: {'default': 'VERIFY_RESIZE', RESIZE_REVERTING: 'REVERT_RESIZE'},
    PAUSED: {'default': 'PAUSED', MIGRATING: 'MIGRATING'},
    SUSPENDED: {'default': 'SUSPENDED'},
    RESCUED: {'default': 'RESCUE'},
    ERROR: {'default': 'ERROR', REBUILDING: 'REBUILD', REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
            REBUILD_SPAWNING: 'REBUILD'},
    DELETED: {'default': 'DELETED'},
    SOFT_DELETED: {'default': 'SOFT_DELETED'},
    SHELVED: {'default': 'SHELVED'},
    SHELVED_OFFLOADED: {'default': 'SHELVED_OFFLOADED'},
}


def api_status(vm_state, task_state=None):
    """The ``status`` field the Compute API shows for a vm_state/task_state pair."""
    entry = _STATUS_MAP.get(vm_state)
    if entry is None:
        return 'UNKNOWN'
    return entry.get(task_state, entry['default'])
