# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The service's configuration file (YAML), validated field by field."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.novalite.compute.plugins.module_utils.errors import InvalidInput

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - ansible-core depends on PyYAML
    HAS_YAML = False

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEFAULTS = {
    'database_url': 'sqlite:////var/lib/novalite/novalite.db',
    'image_store': '/var/lib/novalite/images',
    'bind_host': '127.0.0.1',
    'bind_port': 8774,
    # What clients are told in the catalog and version documents; default http://bind_host:bind_port
    'public_url': None,
    'region': 'RegionOne',
    'token_expiration': 3600,
    'secret_key_file': '/var/lib/novalite/api-token.key',
    'threads': 4,
    'access_log': False,
    # nova's policy.yaml equivalent: rule overrides (None = Nova's defaults only)
    'policy_file': None,
    # The Ansible inventory of compute hosts the jobs run against (the host registry).
    'inventory': None,
    # One private ansible-runner data dir per job lives here; finished ones are rotated.
    'jobs_dir': '/var/lib/novalite/api-jobs',
    'job_concurrency': 4,          # ansible runs at once, and host calls at once in a run (its lanes)
    # ansible-playbook processes a worker keeps started ahead, their imports done (warm_starts.py); 0: none
    'warm_ansible_starts': 2,
    'artifacts_keep': 200,         # finished job dirs kept
    'job_timeout': 1800,           # seconds before ansible-runner stops a job
    'boot_batch_window_ms': 150,   # boots queued within this window share one ansible run
    'heartbeat_interval': 30,      # seconds between register_hosts runs (0 = never)
    # nova.conf's service_down_time: a compute host whose last heartbeat is older is down (os-services,
    # os-hypervisors, availability zones, the scheduler of the jobs); keep it above the hosts' report interval
    'service_down_time': 60,
    # nova.conf's reclaim_instance_interval: > 0 makes a delete a soft delete (the guest powered off and kept,
    # `restore` brings it back) reclaimed this many seconds later by a worker; 0 deletes at once.
    'reclaim_instance_interval': 0,
    # nova.conf's shelved_offload_time: 0 offloads a shelved server at once (its host's resources freed), > 0
    # after that many seconds (a worker looks every shelved_poll_interval seconds), < 0 never.
    'shelved_offload_time': 0,
    'shelved_poll_interval': 3600,
    # nova.conf's allow_resize_to_same_host: a resize may stay on its host (a cold migration never does)
    'allow_resize_to_same_host': False,
    # nova.conf's resize_confirm_window: > 0 confirms a resize left in VERIFY_RESIZE that many seconds (a worker
    # looks every resize_poll_interval seconds); 0 never
    'resize_confirm_window': 0,
    'resize_poll_interval': 60,
    # Nova's rpc_response_timeout for os-interface attach (a call): seconds the attach's answer waits for the
    # job that plugs the port on the host; a 500 after that (the job itself goes on)
    'rpc_response_timeout': 300,
    # Workers hold the jobs they run with a lease renewed every job_lease_renew_seconds; a job whose
    # lease expired (or whose worker is gone, on the same machine) is taken over by another worker.
    'job_lease_seconds': 15,
    'job_lease_renew_seconds': 5,
    'job_poll_ms': 50,             # how often an idle worker looks for jobs (a read; a boot waits half that)
    # An accepted request is its API process's until written whole; a worker resolves it when that
    # process is gone (same machine) or after this long (longer than any API request).
    'accepted_grace_seconds': 300,
    'max_request_body_size': 114688,   # nova's [wsgi] max_request_body_size: 413 above it
    # nova's [wsgi] client_socket_timeout: seconds an idle kept-alive connection stays open. Longer than
    # any client's polling interval (openstacksdk's waits poll every 2 s, gunicorn's own default): a
    # connection closed just as the client reuses it fails that request.
    'client_socket_timeout': 900,
    # Glance's image_size_cap: the largest image upload in bytes (1 TiB), 413 above it.
    'image_size_cap': 1099511627776,
    # Glance's user_storage_quota: bytes of image data each project may store, as bytes or a
    # string with B/KB/MB/GB/TB (1024-based); 0 = unlimited. 413 when an upload would pass it.
    'user_storage_quota': 0,
    # nova.conf's instance_name_template for the domains the jobs define (None: instance-%08x)
    'instance_name_template': None,
    # nova.conf's [api]enable_instance_password: create, rebuild and rescue answer the guest's admin password
    # (the given adminPass or a generated one; it reaches the guest on its config drive either way)
    'enable_instance_password': True,
    'password_length': 12,          # nova.conf's password_length: generated admin passwords
    # Remote consoles (Nova's [consoleauth], [vnc] and [serial_console]): the console proxy
    # (`python -m novalite_api console-proxy`, also started by `serve` when console_proxy is true)
    # listens on console_proxy_host:console_proxy_port and serves noVNC and the serial websocket.
    'console_proxy': True,
    'console_proxy_host': '127.0.0.1',
    'console_proxy_port': 6080,
    'console_token_ttl': 600,                  # seconds a console URL's token is valid
    'console_enforce_session_timeout': True,   # a session open at the token's expiry is closed then
    # the URLs handed out (None: http://<console_proxy_host>:<port>/vnc_lite.html and ws://<host>:<port>/)
    'novncproxy_base_url': None,
    'serialproxy_base_url': None,
    # Origins (host names, or scheme://host[:port]) a browser may open the websocket from besides the
    # proxy's own host name (Nova's [console] allowed_origins)
    'console_allowed_origins': [],
    # where the noVNC client files are (Debian's novnc package)
    'novnc_dir': '/usr/share/novnc',
}
_INTS = {'bind_port': (1, 65535), 'token_expiration': (60, 7 * 86400), 'threads': (1, 64),
         'job_concurrency': (1, 64), 'warm_ansible_starts': (0, 64), 'artifacts_keep': (1, 100000), 'job_timeout': (10, 86400),
         'boot_batch_window_ms': (0, 10000), 'heartbeat_interval': (0, 86400),
         'service_down_time': (1, 86400),
         'reclaim_instance_interval': (0, 10 * 365 * 86400),
         'shelved_offload_time': (-1, 10 * 365 * 86400), 'shelved_poll_interval': (1, 86400),
         'resize_confirm_window': (0, 10 * 365 * 86400), 'resize_poll_interval': (1, 86400),
         'rpc_response_timeout': (1, 86400),
         'max_request_body_size': (1024, 1 << 30), 'client_socket_timeout': (1, 86400), 'image_size_cap': (1, 1 << 63), 'job_lease_seconds': (2, 3600),
         'job_lease_renew_seconds': (1, 1800), 'job_poll_ms': (10, 60000), 'accepted_grace_seconds': (30, 86400),
         'password_length': (4, 255), 'console_proxy_port': (1, 65535), 'console_token_ttl': (0, 7 * 86400)}
# Glance's user_storage_quota units (1024-based); longest suffix first so "KB" is not read as "B".
_SIZE_UNITS = (('TB', 1 << 40), ('GB', 1 << 30), ('MB', 1 << 20), ('KB', 1 << 10), ('B', 1))


def load(path):
    """Read and validate path; returns a plain dict with every key of DEFAULTS."""
    if not HAS_YAML:
        raise InvalidInput('config', 'reading the config needs PyYAML')
    try:
        with open(path) as handle:
            raw = yaml.safe_load(handle) or {}
    except (IOError, OSError) as exc:
        raise InvalidInput('config', 'cannot read %s: %s' % (path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        raise InvalidInput('config', '%s is not valid YAML: %s' % (path, exc))
    return validate(raw)


def validate(raw):
    if not isinstance(raw, dict):
        raise InvalidInput('config', 'must be a mapping of settings')
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise InvalidInput(unknown[0], 'unknown setting (known: %s)' % ', '.join(sorted(DEFAULTS)))
    cfg = dict(DEFAULTS)
    cfg.update(raw)
    for key, (low, high) in _INTS.items():
        value = cfg[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidInput(key, 'must be an integer from %d to %d, got %r' % (low, high, value))
    for key in ('database_url', 'image_store', 'bind_host', 'region', 'secret_key_file'):
        if not isinstance(cfg[key], str) or not cfg[key]:
            raise InvalidInput(key, 'must be a non-empty string')
    if cfg['public_url'] is None:
        cfg['public_url'] = 'http://%s:%d' % (cfg['bind_host'], cfg['bind_port'])
    if not isinstance(cfg['public_url'], str) or not cfg['public_url'].startswith(('http://', 'https://')):
        raise InvalidInput('public_url', 'must be an http:// or https:// URL, got %r' % (cfg['public_url'],))
    cfg['public_url'] = cfg['public_url'].rstrip('/')
    template = cfg['instance_name_template']
    if template is not None and (not isinstance(template, str) or '%' not in template):
        raise InvalidInput('instance_name_template', 'must be a string with one %%d/%%x for the instance id, '
                                                     'got %r' % (template,))
    for key in ('policy_file', 'inventory'):
        if cfg[key] is not None and (not isinstance(cfg[key], str) or not cfg[key]):
            raise InvalidInput(key, 'must be a path, got %r' % (cfg[key],))
    if cfg['inventory'] is None:
        cfg['inventory'] = os.path.join(COLLECTION_ROOT, 'inventory', 'localhost.yml')
    if not isinstance(cfg['jobs_dir'], str) or not cfg['jobs_dir']:
        raise InvalidInput('jobs_dir', 'must be a non-empty path')
    if cfg['job_lease_renew_seconds'] >= cfg['job_lease_seconds']:
        raise InvalidInput('job_lease_renew_seconds', 'must be less than job_lease_seconds (%d)'
                           % cfg['job_lease_seconds'])
    for key in ('access_log', 'enable_instance_password'):
        if not isinstance(cfg[key], bool):
            raise InvalidInput(key, 'must be true or false')
    cfg['user_storage_quota'] = _byte_size('user_storage_quota', cfg['user_storage_quota'])
    _console_settings(cfg)
    return cfg


def _console_settings(cfg):
    for key in ('console_proxy', 'console_enforce_session_timeout'):
        if not isinstance(cfg[key], bool):
            raise InvalidInput(key, 'must be true or false')
    for key in ('console_proxy_host', 'novnc_dir'):
        if not isinstance(cfg[key], str) or not cfg[key]:
            raise InvalidInput(key, 'must be a non-empty string')
    where = '%s:%d' % (cfg['console_proxy_host'], cfg['console_proxy_port'])
    for key, default, schemes in (('novncproxy_base_url', 'http://%s/vnc_lite.html' % where, ('http://', 'https://')),
                                  ('serialproxy_base_url', 'ws://%s/' % where, ('ws://', 'wss://'))):
        if cfg[key] is None:
            cfg[key] = default
        if not isinstance(cfg[key], str) or not cfg[key].startswith(schemes) or len(cfg[key]) > 255:
            raise InvalidInput(key, 'must be a %s URL of at most 255 characters, got %r'
                               % (' or '.join(schemes), cfg[key]))
    origins = cfg['console_allowed_origins']
    if not isinstance(origins, list) or not all(isinstance(o, str) and o for o in origins):
        raise InvalidInput('console_allowed_origins', 'must be a list of host names or origins, got %r' % (origins,))


def _byte_size(key, value):
    """Bytes from an integer or Glance's "<integer><B|KB|MB|GB|TB>" string."""
    number = value
    if isinstance(value, str):
        text = value.strip().upper()
        unit, factor = next(((u, f) for u, f in _SIZE_UNITS if text.endswith(u)), ('', 1))
        digits = text[:len(text) - len(unit)].strip()
        number = int(digits) * factor if digits.isdigit() else None
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 1 << 63:
        raise InvalidInput(key, 'must be a number of bytes (0 = unlimited), optionally with B, KB, MB, GB or TB, '
                                'got %r' % (value,))
    return number


def read_secret(path):
    """The token signing key; created (0600, 32 random bytes) on first use."""
    if not os.path.exists(path):
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            os.makedirs(parent, 0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            fd = None   # another worker created it first
        if fd is not None:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(os.urandom(32).hex().encode('ascii'))
    with open(path, 'rb') as handle:
        key = handle.read().strip()
    if len(key) < 32:
        raise InvalidInput('secret_key_file', '%s holds less than 32 bytes of key' % path)
    return key
