# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Remote consoles, controller side: Nova's get_vnc_console / get_serial_console and nova-consoleauth's tokens.

A console URL is asked for in two steps, as Nova's API asks the compute host: ``check`` refuses what Nova
refuses before the host is asked (no host, a server that is not running, deleting or migrating) and builds
the read-only host call (module ``console_ports``: where libvirt's VNC server and the serial TCP listener of
the running domain are); ``authorize`` then stores a new token for that address and gives the URL.

Tokens are Nova's ConsoleAuthToken: a random uuid4 given once in the URL, stored only as its SHA-256 with
the instance, the address the proxy connects to, the console type and an expiry (``token_ttl``, 600 s). A
token is valid for its console type and its own instance only, while the instance is live on the host the
token was made for (``validate``); tokens go when they expire (``clean_expired``) and when the server is
deleted or moved (``delete_for_instance``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ipaddress
import time
import uuid as uuidlib

from ansible_collections.novalite.compute.plugins.module_utils import states as S
from ansible_collections.novalite.compute.plugins.module_utils.compute import host_calls, instances
from ansible_collections.novalite.compute.plugins.module_utils.errors import (
    InstanceInvalidState, InstanceNotReady, InvalidInput, InvalidRequest,
)
from ansible_collections.novalite.compute.plugins.module_utils.store.engine import utcnow
from ansible_collections.novalite.compute.plugins.module_utils.store.rows import as_dict
from ansible_collections.novalite.compute.plugins.module_utils.store.schema import table

try:
    import sqlalchemy as sa
except ImportError:  # pragma: no cover
    sa = None

try:
    from urllib.parse import parse_qs, urlencode, urlparse
except ImportError:  # pragma: no cover - Python 2 has no place here
    parse_qs = urlencode = urlparse = None

# console type -> protocol (what the host's console_ports read gives: 'vnc' or 'serial')
CONSOLE_TYPES = {'novnc': 'vnc', 'serial': 'serial'}
DEFAULT_TOKEN_TTL = 600        # Nova's [consoleauth] token_ttl
# the console proxy's URLs with its default address (novalite-api's novncproxy_base_url, serialproxy_base_url)
DEFAULT_NOVNC_URL = 'http://127.0.0.1:6080/vnc_lite.html'
DEFAULT_SERIAL_URL = 'ws://127.0.0.1:6080/'
# Nova's compute API rejects these task states (reject_instance_state on get_*_console).
REJECTED_TASK_STATES = (S.DELETING, 'migrating')
# vm_states whose domain runs (a paused guest still has its VNC server); any other has no console.
RUNNING_VM_STATES = (S.ACTIVE, S.PAUSED, S.RESCUED)
_WILDCARDS = ('0.0.0.0', '::', '')


def token_hash(token):
    return hashlib.sha256(token.encode('utf-8')).hexdigest()


def check(store, ident, context, protocol, console_type):
    """The server and the read-only host call for its ``protocol`` console of ``console_type``.

    In Nova's order: the server must be on a host and running (InstanceNotReady, 409) and not being deleted
    or migrated (InstanceInvalidState, 409); then the type must be one served here (400: Nova's
    ConsoleTypeUnavailable for a protocol whose console is not enabled, ConsoleTypeInvalid for a type the
    protocol does not have).
    """
    inst = instances.get(store, ident, project_id=context.scope)
    if not inst['host']:
        raise InstanceNotReady('Instance %s is not ready' % inst['uuid'], field='server')
    if inst['task_state'] in REJECTED_TASK_STATES:
        raise InstanceInvalidState("Cannot 'get_%s_console' instance %s while it is in task_state %s"
                                   % (protocol, inst['uuid'], inst['task_state']),
                                   field='server', attr='task_state', state=inst['task_state'])
    if protocol not in CONSOLE_TYPES.values():
        # spice, mks (and rdp): not enabled on novalite's hosts
        raise InvalidRequest('Unavailable console type %s.' % (console_type,), field='type')
    if CONSOLE_TYPES.get(console_type) != protocol:
        raise InvalidRequest('Invalid console type %s' % (console_type,), field='type')
    if inst['vm_state'] not in RUNNING_VM_STATES:
        raise InstanceNotReady('Instance %s is not ready' % inst['uuid'], field='server')
    with store.read() as conn:
        call = host_calls.build(conn, inst, 'console_ports', context.request_id)
    return inst, call


def _connect_address(listen, node):
    """Where the proxy connects: the console address the domain listens on, or the host's own address
    (Nova's server_proxyclient_address: the compute node's host_ip) when it listens on every address."""
    if (listen or '') in _WILDCARDS:
        return node.get('host_ip') or '127.0.0.1'
    return str(ipaddress.ip_address(listen))


def connect_info(inst, console_type, ports, node):
    """(host, port) of the console from the host's ``console_ports`` answer; InstanceNotReady when the domain
    has none (it is not running: Nova's ConsoleTypeUnavailable from a domain without a listener)."""
    protocol = CONSOLE_TYPES[console_type]
    found = ports.get('vnc') if protocol == 'vnc' else (ports.get('serial') or [None])[0]
    if not found:
        if protocol == 'serial' and ports.get('vnc'):
            # a domain defined before serial consoles were rendered: Nova's answer for a host without them
            raise InvalidRequest('Unavailable console type serial.', field='type')
        raise InstanceNotReady('Instance %s is not ready' % inst['uuid'], field='server')
    return _connect_address(found.get('host'), node), int(found['port'])


def access_url(base, console_type, token):
    """Nova's ConsoleAuthToken.access_url: noVNC takes the token in its ``path`` parameter (the websocket
    path it opens), the serial proxy in the URL's own query."""
    if console_type == 'novnc':
        parsed = urlparse(base)
        params = parse_qs(parsed.query)
        params['path'] = ['%s?token=%s' % (params.get('path', [''])[0], token)]
        return parsed._replace(query=urlencode(params, doseq=True)).geturl()
    return '%s?token=%s' % (base, token)


def authorize(store, inst, console_type, ports, access_url_base, ttl=DEFAULT_TOKEN_TTL, now=None):
    """Store a new token for the console the host reported; returns {'url', 'token', 'expires', 'host', 'port'}.

    Expired tokens are removed on the way (Nova's clean_expired_console_auths)."""
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise InvalidInput('token_ttl', 'must be 0 or more seconds, got %r' % (ttl,))
    now = int(time.time() if now is None else now)
    with store.begin() as conn:
        node = host_calls.node_settings(conn, inst['host'])
        host, port = connect_info(inst, console_type, ports, node)
        token = str(uuidlib.uuid4())
        expires = now + ttl
        clean_expired(conn, now)
        conn.execute(table('console_auth_tokens').insert().values(
            token_hash=token_hash(token), console_type=console_type, host=host, port=port,
            instance_uuid=inst['uuid'], compute_host=inst['host'], access_url_base=access_url_base,
            expires=expires, created_at=utcnow()))
    return {'url': access_url(access_url_base, console_type, token), 'token': token, 'expires': expires,
            'host': host, 'port': port}


def validate(store, token, console_type=None, instance_uuid=None, now=None):
    """The token's row (a dict) when it is valid now, else None (Nova's ConsoleAuthToken.validate).

    Valid: known, not expired, of ``console_type`` when given, for ``instance_uuid`` when given, and its
    instance is live on the host the token was made for (a deleted or moved server's tokens are void even
    before they are removed).
    """
    if not isinstance(token, str) or not 0 < len(token) <= 255:
        return None
    now = int(time.time() if now is None else now)
    t = table('console_auth_tokens')
    inst = table('instances')
    query = (sa.select(t).select_from(t.join(inst, inst.c.uuid == t.c.instance_uuid))
             .where(t.c.token_hash == token_hash(token)).where(t.c.expires > now)
             .where(inst.c.deleted == 0).where(inst.c.host == t.c.compute_host))
    if console_type is not None:
        query = query.where(t.c.console_type == console_type)
    if instance_uuid is not None:
        query = query.where(t.c.instance_uuid == instance_uuid)
    with store.read() as conn:
        row = conn.execute(query).first()
    return as_dict(row) if row is not None else None


def clean_expired(conn, now=None):
    """Remove expired tokens (Nova's clean_expired_console_auths); the number removed."""
    t = table('console_auth_tokens')
    now = int(time.time() if now is None else now)
    return conn.execute(t.delete().where(t.c.expires <= now)).rowcount


def delete_for_instance(conn, instance_uuid):
    """Remove every token of the instance (Nova's clean_console_auths_for_instance): when the server is deleted,
    and when it moves to another host (a migration, an evacuation, an unshelve)."""
    t = table('console_auth_tokens')
    return conn.execute(t.delete().where(t.c.instance_uuid == instance_uuid)).rowcount
