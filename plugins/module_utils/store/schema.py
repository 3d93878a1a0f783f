# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The state store's current schema (SQLAlchemy Core).

This is what queries use and also the schema's history: a table or column
added after the first release carries ``info={'since': N}``, the schema
version that introduced it, and ``migrations.py`` upgrades an existing
database in place one version at a time from those marks (plus explicit steps
for what is not additive). A test migrates an old database with rows to head
and compares it with this metadata on every backend.

Nova keeps these in two databases (nova, nova_api); one is enough here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    import sqlalchemy as sa
    HAS_SQLALCHEMY = True
except ImportError:  # pragma: no cover - reported by the caller
    sa = None
    HAS_SQLALCHEMY = False


def _ts(name, nullable=True, info=None):
    return sa.Column(name, sa.DateTime, nullable=nullable, info=info or {})


def _build(metadata):
    def uuid(name, **kw):
        return sa.Column(name, sa.String(36), **kw)

    sa.Table(
        'flavors', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('flavorid', sa.String(255), nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        sa.Column('vcpus', sa.Integer, nullable=False),
        sa.Column('memory_mb', sa.Integer, nullable=False),
        sa.Column('root_gb', sa.Integer, nullable=False),
        sa.Column('ephemeral_gb', sa.Integer, nullable=False, default=0),
        sa.Column('swap', sa.Integer, nullable=False, default=0),
        sa.Column('rxtx_factor', sa.Float, nullable=False, default=1.0),
        sa.Column('is_public', sa.Boolean, nullable=False, default=True),
        sa.Column('disabled', sa.Boolean, nullable=False, default=False),
        sa.Column('description', sa.Text),
        sa.Column('extra_specs', sa.JSON, nullable=False),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
    )

    sa.Table(
        'flavor_projects', metadata,
        sa.Column('flavor_id', sa.Integer, sa.ForeignKey('flavors.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('project_id', sa.String(255), primary_key=True),
    )

    sa.Table(
        'images', metadata,
        uuid('id', primary_key=True),
        sa.Column('name', sa.String(255)),
        sa.Column('owner', sa.String(255)),
        # Glance: public / private / shared / community
        sa.Column('visibility', sa.String(16), nullable=False),
        # Glance: queued / saving / active / killed / deleted
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('disk_format', sa.String(32)),
        sa.Column('container_format', sa.String(32)),
        sa.Column('size', sa.BigInteger),
        sa.Column('virtual_size', sa.BigInteger),
        sa.Column('checksum', sa.String(32)),          # md5, Glance's `checksum`
        sa.Column('os_hash_algo', sa.String(64)),
        sa.Column('os_hash_value', sa.String(128)),    # sha256 hex
        sa.Column('min_disk', sa.Integer, nullable=False, default=0),
        sa.Column('min_ram', sa.Integer, nullable=False, default=0),
        sa.Column('protected', sa.Boolean, nullable=False, default=False),
        sa.Column('properties', sa.JSON, nullable=False),
        sa.Column('location', sa.Text),                # file path in the image store
        _ts('created_at', nullable=False),
        _ts('updated_at'),
    )

    sa.Table(
        'keypairs', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('type', sa.String(16), nullable=False),   # ssh / x509
        sa.Column('fingerprint', sa.String(255), nullable=False),
        sa.Column('public_key', sa.Text, nullable=False),
        _ts('created_at', nullable=False),
        sa.UniqueConstraint('user_id', 'name', name='uniq_keypairs0user_id0name'),
    )

    # Nova's services table: one row per compute host service, the heartbeat.
    sa.Table(
        'services', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('binary', sa.String(255), nullable=False),
        sa.Column('topic', sa.String(255)),
        sa.Column('disabled', sa.Boolean, nullable=False, default=False),
        sa.Column('disabled_reason', sa.String(255)),
        sa.Column('forced_down', sa.Boolean, nullable=False, default=False),
        sa.Column('report_count', sa.Integer, nullable=False, default=0),
        _ts('last_seen_up'),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        # set by a trigger from host_state_changes.seq on every insert/update (store/host_changes.py)
        sa.Column('change_seq', sa.BigInteger, nullable=False, default=0, server_default='0',
                  info={'since': 8}),
        sa.UniqueConstraint('host', 'binary', name='uniq_services0host0binary'),
        sa.Index('services_change_seq_idx', 'change_seq'),
    )

    # Nova's compute_nodes plus Placement's resource provider: capacity, ratios,
    # reserved amounts, usage and the generation that makes claims atomic.
    sa.Table(
        'compute_nodes', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('host', sa.String(255), nullable=False, unique=True),
        sa.Column('hypervisor_hostname', sa.String(255), nullable=False),
        sa.Column('availability_zone', sa.String(255), nullable=False),
        sa.Column('libvirt_uri', sa.String(1024)),
        sa.Column('instances_path', sa.String(1024)),
        sa.Column('vcpus', sa.Integer, nullable=False, default=0),
        sa.Column('memory_mb', sa.Integer, nullable=False, default=0),
        sa.Column('local_gb', sa.Integer, nullable=False, default=0),
        sa.Column('vcpus_used', sa.Integer, nullable=False, default=0),
        sa.Column('memory_mb_used', sa.Integer, nullable=False, default=0),
        sa.Column('local_gb_used', sa.Integer, nullable=False, default=0),
        sa.Column('free_disk_gb', sa.Integer),          # as reported by the host
        sa.Column('running_vms', sa.Integer, nullable=False, default=0),
        sa.Column('cpu_allocation_ratio', sa.Float, nullable=False, default=16.0),
        sa.Column('ram_allocation_ratio', sa.Float, nullable=False, default=1.5),
        sa.Column('disk_allocation_ratio', sa.Float, nullable=False, default=1.0),
        sa.Column('reserved_host_memory_mb', sa.Integer, nullable=False, default=512),
        sa.Column('reserved_host_disk_mb', sa.Integer, nullable=False, default=0),
        sa.Column('reserved_host_cpus', sa.Integer, nullable=False, default=0),
        sa.Column('cpu_arch', sa.String(32)),
        sa.Column('hypervisor_type', sa.String(32)),    # QEMU
        sa.Column('hypervisor_version', sa.Integer),    # e.g. 7002022 for 7.2.22
        sa.Column('virt_type', sa.String(16)),          # kvm / qemu
        sa.Column('host_ip', sa.String(64)),
        # {physical network: host interface} (novalite_physical_interface_mappings): a flat network's uplink
        sa.Column('physical_interface_mappings', sa.JSON, info={'since': 13}),
        sa.Column('cpu_info', sa.JSON),
        sa.Column('traits', sa.JSON, nullable=False),
        sa.Column('capabilities', sa.JSON, nullable=False),
        sa.Column('generation', sa.Integer, nullable=False, default=0),
        # consecutive failed builds (Nova's compute node stat), reset by a
        # successful one; the BuildFailureWeigher sinks hosts that have any
        sa.Column('failed_builds', sa.Integer, nullable=False, default=0, server_default='0',
                  info={'since': 6}),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        # set by a trigger from host_state_changes.seq on every insert/update (store/host_changes.py)
        sa.Column('change_seq', sa.BigInteger, nullable=False, default=0, server_default='0',
                  info={'since': 8}),
        sa.Index('compute_nodes_change_seq_idx', 'change_seq'),
    )

    # One row: the change counter of compute_nodes and services (seq, bumped by triggers on
    # every write) and the epoch (bumped when a row is deleted, which a seq cannot show).
    # A scheduler that keeps the host state live re-reads only rows with change_seq > its seq.
    sa.Table(
        'host_state_changes', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=False),
        sa.Column('seq', sa.BigInteger, nullable=False),
        sa.Column('epoch', sa.BigInteger, nullable=False),
        # the last seq given to a compute_nodes / services row: a reader skips a table that did not move
        sa.Column('node_seq', sa.BigInteger, nullable=False, server_default='0'),
        sa.Column('service_seq', sa.BigInteger, nullable=False, server_default='0'),
        # the last seq given to an instance whose vm_state, host or deleted moved (builds per host)
        sa.Column('instance_seq', sa.BigInteger, nullable=False, server_default='0'),
        # the last seq given to a write of aggregates, aggregate_hosts or aggregate_metadata (membership, zones)
        sa.Column('aggregate_seq', sa.BigInteger, nullable=False, server_default='0'),
        info={'since': 8},
    )

    sa.Table(
        'server_groups', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        uuid('uuid', nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        # affinity / anti-affinity / soft-affinity / soft-anti-affinity
        sa.Column('policy', sa.String(32), nullable=False),
        sa.Column('rules', sa.JSON, nullable=False),
        _ts('created_at', nullable=False),
        info={'since': 2},
    )

    sa.Table(
        'server_group_members', metadata,
        sa.Column('group_id', sa.Integer, sa.ForeignKey('server_groups.id', ondelete='CASCADE'),
                  primary_key=True),
        uuid('instance_uuid', primary_key=True),
        info={'since': 2},
    )

    # --- host aggregates (Nova's API database aggregates), schema version 7 ---
    # A host's availability zone is the ``availability_zone`` metadata of its aggregates (default
    # ``nova``); compute_nodes.availability_zone mirrors it, rewritten in the same transaction as every
    # aggregate change that moves it (registry/aggregates.py), so readers need no join.
    sa.Table(
        'aggregates', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        uuid('uuid', nullable=False, unique=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        # bumped by every change of the aggregate, its hosts or metadata: a cheap "did anything move"
        sa.Column('generation', sa.Integer, nullable=False, default=0, server_default='0'),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        info={'since': 7},
    )

    sa.Table(
        'aggregate_hosts', metadata,
        sa.Column('aggregate_id', sa.Integer, sa.ForeignKey('aggregates.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('host', sa.String(255), primary_key=True),
        _ts('created_at', nullable=False),
        sa.Index('aggregate_hosts_host_idx', 'host'),
        info={'since': 7},
    )

    sa.Table(
        'aggregate_metadata', metadata,
        sa.Column('aggregate_id', sa.Integer, sa.ForeignKey('aggregates.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('key', sa.String(255), primary_key=True),
        sa.Column('value', sa.String(255), nullable=False),
        _ts('created_at', nullable=False),
        sa.Index('aggregate_metadata_key_idx', 'key'),
        info={'since': 7},
    )

    sa.Table(
        'instances', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        uuid('uuid', nullable=False, unique=True),
        sa.Column('display_name', sa.String(255)),
        sa.Column('hostname', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('reservation_id', sa.String(255)),
        sa.Column('launch_index', sa.Integer, nullable=False, default=0),
        sa.Column('instance_type_id', sa.String(255)),   # flavorid at boot time
        sa.Column('flavor', sa.JSON, nullable=False),    # flavor snapshot, as Nova's instance_extra
        sa.Column('image_ref', sa.String(255)),
        sa.Column('image', sa.JSON),                     # image metadata snapshot
        sa.Column('host', sa.String(255)),
        sa.Column('node', sa.String(255)),
        sa.Column('availability_zone', sa.String(255)),
        sa.Column('vm_state', sa.String(255), nullable=False),
        sa.Column('task_state', sa.String(255)),
        sa.Column('power_state', sa.Integer, nullable=False, default=0),
        sa.Column('locked', sa.Boolean, nullable=False, default=False),
        sa.Column('locked_by', sa.String(16)),           # owner / admin
        sa.Column('locked_reason', sa.String(255), info={'since': 2}),   # microversion 2.73
        sa.Column('key_name', sa.String(255)),
        sa.Column('key_data', sa.Text),
        sa.Column('user_data', sa.Text),
        sa.Column('metadata', sa.JSON, nullable=False),
        sa.Column('system_metadata', sa.JSON, nullable=False),
        sa.Column('scheduler_hints', sa.JSON, nullable=False),
        sa.Column('network_info', sa.JSON, nullable=False),
        sa.Column('config_drive', sa.String(255)),
        sa.Column('domain_xml', sa.Text),                # the XML the host last defined
        sa.Column('progress', sa.Integer),
        sa.Column('access_ip_v4', sa.String(64)),
        sa.Column('access_ip_v6', sa.String(64)),
        sa.Column('description', sa.Text, info={'since': 4}),          # microversion 2.19
        sa.Column('tags', sa.JSON, info={'since': 4}),                 # microversion 2.26; NULL = none
        _ts('launched_at'),
        _ts('terminated_at'),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        _ts('deleted_at'),
        # Nova's soft-delete convention: 0 while alive, the row id once deleted
        sa.Column('deleted', sa.Integer, nullable=False, default=0),
        sa.Index('instances_host_deleted_idx', 'host', 'deleted'),
        # the scheduler counts the instances being built per host (num_io_ops) on every decision
        sa.Index('instances_vm_state_deleted_idx', 'vm_state', 'deleted'),
        sa.Index('instances_project_deleted_idx', 'project_id', 'deleted'),
    )

    sa.Table(
        'instance_faults', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        uuid('instance_uuid', nullable=False),
        sa.Column('code', sa.Integer, nullable=False),
        sa.Column('message', sa.String(255)),
        sa.Column('details', sa.Text),
        sa.Column('host', sa.String(255)),
        _ts('created_at', nullable=False),
        sa.Index('instance_faults_instance_uuid_idx', 'instance_uuid'),
    )

    # Placement's allocations: what each consumer (instance, or a migration
    # holding the source side of a move) uses on one compute node.
    sa.Table(
        'allocations', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('compute_node_id', sa.Integer,
                  sa.ForeignKey('compute_nodes.id', ondelete='CASCADE'), nullable=False),
        uuid('consumer_uuid', nullable=False),
        sa.Column('vcpus', sa.Integer, nullable=False, default=0),
        sa.Column('memory_mb', sa.Integer, nullable=False, default=0),
        sa.Column('disk_gb', sa.Integer, nullable=False, default=0),
        _ts('created_at', nullable=False),
        sa.UniqueConstraint('compute_node_id', 'consumer_uuid',
                            name='uniq_allocations0node0consumer'),
        sa.Index('allocations_consumer_idx', 'consumer_uuid'),
    )

    sa.Table(
        'instance_actions', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('action', sa.String(255), nullable=False),
        uuid('instance_uuid', nullable=False),
        sa.Column('request_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255)),
        sa.Column('project_id', sa.String(255)),
        _ts('start_time', nullable=False),
        _ts('finish_time'),
        sa.Column('message', sa.String(255)),
        _ts('updated_at'),
        sa.Index('instance_actions_instance_uuid_idx', 'instance_uuid'),
    )

    sa.Table(
        'instance_actions_events', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('action_id', sa.Integer,
                  sa.ForeignKey('instance_actions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('event', sa.String(255), nullable=False),
        _ts('start_time', nullable=False),
        _ts('finish_time'),
        sa.Column('result', sa.String(255)),
        sa.Column('traceback', sa.Text),
        sa.Column('host', sa.String(255)),
        sa.Column('details', sa.Text),   # e.g. the ansible-runner artifacts directory
    )

    # --- identity (the REST shim's Keystone v3 subset), schema version 3 ---
    sa.Table(
        'projects', metadata,
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('description', sa.Text),
        sa.Column('enabled', sa.Boolean, nullable=False, default=True),
        _ts('created_at', nullable=False),
        sa.UniqueConstraint('domain_id', 'name', name='uniq_projects0domain_id0name'),
        info={'since': 3},
    )

    sa.Table(
        'users', metadata,
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('domain_id', sa.String(64), nullable=False),
        sa.Column('password_hash', sa.Text),             # scrypt, per-user salt
        sa.Column('enabled', sa.Boolean, nullable=False, default=True),
        sa.Column('default_project_id', sa.String(64)),
        _ts('created_at', nullable=False),
        sa.UniqueConstraint('domain_id', 'name', name='uniq_users0domain_id0name'),
        info={'since': 3},
    )

    sa.Table(
        'roles', metadata,
        sa.Column('id', sa.String(64), primary_key=True),
        sa.Column('name', sa.String(255), nullable=False, unique=True),
        info={'since': 3},
    )

    sa.Table(
        'role_assignments', metadata,
        sa.Column('user_id', sa.String(64), sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('project_id', sa.String(64), sa.ForeignKey('projects.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('role_id', sa.String(64), sa.ForeignKey('roles.id', ondelete='CASCADE'), primary_key=True),
        info={'since': 3},
    )

    # Tokens are HMAC-signed and stateless; a revoked token's audit id stays here until it expires.
    sa.Table(
        'revoked_tokens', metadata,
        sa.Column('audit_id', sa.String(64), primary_key=True),
        _ts('expires_at', nullable=False),
        _ts('revoked_at', nullable=False),
        info={'since': 3},
    )

    # --- the REST shim's quotas and jobs, schema version 4 ---
    # Nova's per-project quota overrides (os-quota-sets); a missing row means the default.
    sa.Table(
        'quotas', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer, nullable=False),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        sa.UniqueConstraint('project_id', 'resource', name='uniq_quotas0project_id0resource'),
        info={'since': 4},
    )

    # Nova's quota classes (os-quota-class-sets): the "default" class overrides the configured defaults
    # of every project; other classes are kept and shown, and used by nothing, as in Nova.
    sa.Table(
        'quota_classes', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('class_name', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer, nullable=False),
        _ts('created_at', nullable=False),
        _ts('updated_at'),
        sa.UniqueConstraint('class_name', 'resource', name='uniq_quota_classes0class_name0resource'),
        info={'since': 11},
    )

    # One ansible-runner job per accepted request: what survives a restart of the shim.
    sa.Table(
        'api_jobs', metadata,
        sa.Column('ident', sa.String(64), primary_key=True),   # ansible-runner ident
        sa.Column('request_id', sa.String(64), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),      # boot / action
        sa.Column('extravars', sa.JSON, nullable=False),       # action: its name and prepared host call
        sa.Column('instance_uuids', sa.JSON, nullable=False),
        # accepted/queued/running/successful/failed/lost; each run's artifacts dir is on the instances'
        # novalite_ansible_job action events (one request may span several runs)
        sa.Column('status', sa.String(32), nullable=False),
        _ts('created_at', nullable=False),
        _ts('started_at'),
        _ts('finished_at'),
        # The worker that holds the job (or, while 'accepted', the API process that writes it) and until
        # when: a job whose lease expired, or whose owner is a process of this machine that is gone, is
        # taken over (novalite_api/jobs.py). Owner: '<hostname>:<boot id>:<pid>:<start time>:<random>'.
        sa.Column('owner', sa.String(255), info={'since': 5}),
        _ts('lease_expires', info={'since': 5}),
        sa.Column('attempts', sa.Integer, nullable=False, server_default='0', info={'since': 5}),
        # The job's ansible runs: [{dir, host, boot_id}], each recorded before its run starts; the run's
        # process group is in <dir>/pgroup (novalite_api/run_groups.py).
        sa.Column('runs', sa.JSON, info={'since': 5}),
        sa.Index('api_jobs_status_idx', 'status'),
        info={'since': 4},
    )
    _network_tables(metadata)

    # --- remote consoles, schema version 9 (with the network model: neither shipped on its own) ---
    # Nova's console_auth_tokens (nova-consoleauth): a console URL's token, kept only as its SHA-256, with
    # where the proxy connects (the host's console address and the guest's VNC or serial TCP port) and until
    # when (epoch seconds). Rows go when they expire, when the server is deleted or moved (compute/consoles.py).
    sa.Table(
        'console_auth_tokens', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('console_type', sa.String(255), nullable=False),   # novnc / serial
        sa.Column('host', sa.String(255), nullable=False),           # address the proxy connects to
        sa.Column('port', sa.Integer, nullable=False),
        sa.Column('internal_access_path', sa.String(255)),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('compute_host', sa.String(255)),                   # the compute host (inventory name)
        sa.Column('access_url_base', sa.String(255)),
        sa.Column('expires', sa.BigInteger, nullable=False),
        _ts('created_at', nullable=False),
        sa.Index('console_auth_tokens_instance_uuid_idx', 'instance_uuid'),
        sa.Index('console_auth_tokens_expires_idx', 'expires'),
        info={'since': 9},
    )

    # --- moves, schema version 10: Nova's migrations table (resize, cold migration; live migration and
    # evacuation later). One row per move, its status Nova's (compute/migration_records.py); the old and new
    # flavors are the flavors table's ids as Nova's old/new_instance_type_id. Kept after the server is deleted.
    sa.Table(
        'migrations', metadata,
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.Column('migration_type', sa.String(32), nullable=False),   # resize, migration, live-migration, evacuation
        sa.Column('status', sa.String(255), nullable=False),
        sa.Column('source_compute', sa.String(255)),
        sa.Column('source_node', sa.String(255)),
        sa.Column('dest_compute', sa.String(255)),
        sa.Column('dest_node', sa.String(255)),
        sa.Column('dest_host', sa.String(255)),                       # the destination's address (its host ip)
        sa.Column('old_instance_type_id', sa.Integer),
        sa.Column('new_instance_type_id', sa.Integer),
        sa.Column('hidden', sa.Boolean, nullable=False, default=False),
        sa.Column('project_id', sa.String(255)),
        sa.Column('user_id', sa.String(255)),
        sa.Column('request_id', sa.String(255)),
        sa.Column('old_flavor', sa.JSON),                             # the flavor snapshots of the move
        sa.Column('new_flavor', sa.JSON),
        sa.Column('old_vm_state', sa.String(255)),
        # an evacuation whose destination found the disks on storage shared with the failed host
        sa.Column('shared_storage', sa.Boolean, info={'since': 14}),
        _ts('created_at', nullable=False), _ts('updated_at'),
        sa.Index('migrations_instance_uuid_idx', 'instance_uuid'),
        sa.Index('migrations_status_idx', 'status'),
        sa.Index('migrations_source_compute_idx', 'source_compute'),
        info={'since': 10},
    )
    return metadata


def _network_tables(metadata):
    """Neutron's model (schema version 9): networks, subnets, ports and their fixed IPs, security groups and
    rules, routers and floating IPs (plugins/module_utils/network). Every row carries Neutron's project_id and
    revision_number; the host side (bridges, DHCP reservations, filters, NAT) reads these tables."""
    since = {'since': 9}

    def uuid(name, *args, **kw):
        return sa.Column(name, sa.String(36), *args, **kw)

    def common(*cols, **kw):
        return [uuid('id', primary_key=True),
                sa.Column('project_id', sa.String(255), nullable=False),
                sa.Column('name', sa.String(255), nullable=False, server_default=''),
                sa.Column('description', sa.String(255), nullable=False, server_default='')] + list(cols) + [
            sa.Column('revision_number', sa.Integer, nullable=False, server_default='0'),
            _ts('created_at', nullable=False), _ts('updated_at')]

    sa.Table(
        'networks', metadata,
        *common(
            sa.Column('admin_state_up', sa.Boolean, nullable=False, default=True),
            sa.Column('status', sa.String(16), nullable=False),
            sa.Column('shared', sa.Boolean, nullable=False, default=False),
            sa.Column('router_external', sa.Boolean, nullable=False, default=False),
            sa.Column('mtu', sa.Integer, nullable=False),
            sa.Column('port_security_enabled', sa.Boolean, nullable=False, default=True),
            # provider:network_type (flat / vlan / vxlan / local), provider:physical_network, segmentation id
            sa.Column('network_type', sa.String(32), nullable=False),
            sa.Column('physical_network', sa.String(64)),
            sa.Column('segmentation_id', sa.Integer)),
        sa.Index('networks_project_idx', 'project_id'),
        info=since,
    )

    sa.Table(
        'subnets', metadata,
        *common(
            uuid('network_id', sa.ForeignKey('networks.id'), nullable=False),
            sa.Column('ip_version', sa.Integer, nullable=False),
            sa.Column('cidr', sa.String(64), nullable=False),
            sa.Column('gateway_ip', sa.String(64)),
            sa.Column('enable_dhcp', sa.Boolean, nullable=False, default=True),
            sa.Column('allocation_pools', sa.JSON, nullable=False),     # [{start, end}]
            sa.Column('dns_nameservers', sa.JSON, nullable=False),      # [address]
            sa.Column('host_routes', sa.JSON, nullable=False)),         # [{destination, nexthop}]
        sa.Index('subnets_network_idx', 'network_id'),
        info=since,
    )

    sa.Table(
        'ports', metadata,
        *common(
            uuid('network_id', sa.ForeignKey('networks.id'), nullable=False),
            sa.Column('mac_address', sa.String(32), nullable=False, unique=True),
            sa.Column('admin_state_up', sa.Boolean, nullable=False, default=True),
            sa.Column('status', sa.String(16), nullable=False),
            sa.Column('device_id', sa.String(255), nullable=False, server_default=''),
            sa.Column('device_owner', sa.String(255), nullable=False, server_default=''),
            sa.Column('port_security_enabled', sa.Boolean, nullable=False, default=True),
            # binding:host_id / binding:vif_type / binding:vnic_type (the host side binds: vif_type bridge)
            sa.Column('binding_host_id', sa.String(255), nullable=False, server_default=''),
            sa.Column('binding_vif_type', sa.String(64), nullable=False, server_default='unbound'),
            sa.Column('binding_vnic_type', sa.String(64), nullable=False, server_default='normal')),
        sa.Index('ports_network_idx', 'network_id'),
        sa.Index('ports_device_idx', 'device_id'),
        info=since,
    )

    # A port's fixed IPs; an address is unique on its network (the database refuses a second holder).
    sa.Table(
        'ip_allocations', metadata,
        uuid('port_id', sa.ForeignKey('ports.id', ondelete='CASCADE'), primary_key=True),
        uuid('subnet_id', sa.ForeignKey('subnets.id'), primary_key=True),
        sa.Column('ip_address', sa.String(64), primary_key=True),
        uuid('network_id', nullable=False),
        sa.UniqueConstraint('network_id', 'ip_address', name='uniq_ip_allocations0network_id0ip_address'),
        sa.Index('ip_allocations_subnet_idx', 'subnet_id'),
        info=since,
    )

    sa.Table(
        'security_groups', metadata,
        *common(sa.Column('stateful', sa.Boolean, nullable=False, default=True)),
        sa.Index('security_groups_project_idx', 'project_id'),
        info=since,
    )

    # The project's "default" group: one row per project, so two first uses cannot both make one.
    sa.Table(
        'default_security_groups', metadata,
        sa.Column('project_id', sa.String(255), primary_key=True),
        uuid('security_group_id', sa.ForeignKey('security_groups.id', ondelete='CASCADE'), nullable=False),
        info=since,
    )

    sa.Table(
        'security_group_rules', metadata,
        uuid('id', primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        uuid('security_group_id', sa.ForeignKey('security_groups.id', ondelete='CASCADE'), nullable=False),
        uuid('remote_group_id', sa.ForeignKey('security_groups.id', ondelete='CASCADE')),
        sa.Column('direction', sa.String(16), nullable=False),      # ingress / egress
        sa.Column('ethertype', sa.String(8), nullable=False),       # IPv4 / IPv6
        sa.Column('protocol', sa.String(40)),
        sa.Column('port_range_min', sa.Integer),
        sa.Column('port_range_max', sa.Integer),
        sa.Column('remote_ip_prefix', sa.String(64)),
        sa.Column('description', sa.String(255), nullable=False, server_default=''),
        sa.Column('revision_number', sa.Integer, nullable=False, server_default='0'),
        _ts('created_at', nullable=False), _ts('updated_at'),
        sa.Index('security_group_rules_group_idx', 'security_group_id'),
        info=since,
    )

    sa.Table(
        'port_security_groups', metadata,
        uuid('port_id', sa.ForeignKey('ports.id', ondelete='CASCADE'), primary_key=True),
        uuid('security_group_id', sa.ForeignKey('security_groups.id'), primary_key=True),
        sa.Index('port_security_groups_group_idx', 'security_group_id'),
        info=since,
    )

    sa.Table(
        'routers', metadata,
        *common(
            sa.Column('admin_state_up', sa.Boolean, nullable=False, default=True),
            sa.Column('status', sa.String(16), nullable=False),
            # external_gateway_info: the gateway port (device_owner network:router_gateway) on that network
            uuid('gw_network_id', sa.ForeignKey('networks.id')),
            uuid('gw_port_id', sa.ForeignKey('ports.id', ondelete='SET NULL')),
            sa.Column('enable_snat', sa.Boolean, nullable=False, default=True)),
        sa.Index('routers_project_idx', 'project_id'),
        info=since,
    )

    sa.Table(
        'floating_ips', metadata,
        uuid('id', primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=False, server_default=''),
        uuid('floating_network_id', sa.ForeignKey('networks.id'), nullable=False),
        # the external network's port holding the address (device_owner network:floatingip)
        uuid('floating_port_id', sa.ForeignKey('ports.id'), nullable=False),
        sa.Column('floating_ip_address', sa.String(64), nullable=False),
        uuid('fixed_port_id', sa.ForeignKey('ports.id', ondelete='SET NULL')),
        sa.Column('fixed_ip_address', sa.String(64)),
        uuid('router_id', sa.ForeignKey('routers.id')),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('revision_number', sa.Integer, nullable=False, server_default='0'),
        _ts('created_at', nullable=False), _ts('updated_at'),
        sa.Index('floating_ips_project_idx', 'project_id'),
        sa.Index('floating_ips_fixed_port_idx', 'fixed_port_id'),
        info=since,
    )

    # the networks and security groups a desired-state set created (network/declared.py): what its prune may remove
    sa.Table(
        'network_marks', metadata,
        sa.Column('resource', sa.String(32), primary_key=True),     # network / security_group
        uuid('resource_id', primary_key=True),
        sa.Column('set_name', sa.String(255), nullable=False),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Index('network_marks_set_idx', 'project_id', 'set_name'),
        info={'since': 12},
    )


metadata = _build(sa.MetaData()) if HAS_SQLALCHEMY else None


def table(name):
    return metadata.tables[name]
