# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""The console proxy (Nova's nova-novncproxy and nova-serialproxy in one service), built on websockify.

``python -m novalite_api --config FILE console-proxy`` (``serve`` starts it too when ``console_proxy`` is
true). It serves the noVNC client files (Debian's ``novnc`` package, ``novnc_dir``) and, on a websocket
upgrade, before the handshake is answered:

* checks the ``Origin`` header as Nova's proxy does: its host name must be the proxy's own (the ``Host``
  header) or one of ``console_allowed_origins``, and its scheme must suit the URL the token was given for;
* validates the token (query ``token=`` or a ``token`` cookie) against the store (compute/consoles.py):
  known, unexpired, its instance live on the host it was made for.

Only then is the upgrade accepted and a TCP connection made to the console address the token names (the
guest's VNC server or serial listener on its compute host); a refused request gets a 403 and nothing
reaches a host. A session still open when its token expires is closed then
(``console_enforce_session_timeout``). Each session is one thread that ends with it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging
import os
import posixpath
import socket
import threading
import time

try:
    from http.cookies import CookieError, SimpleCookie
    from http.server import HTTPServer
    from socketserver import ThreadingMixIn
    from urllib.parse import parse_qs, unquote, urlparse
except ImportError:  # pragma: no cover
    HTTPServer = ThreadingMixIn = object

try:
    from websockify import websocketproxy
    HAS_WEBSOCKIFY = True
except ImportError:  # pragma: no cover
    websocketproxy = None
    HAS_WEBSOCKIFY = False

from ansible_collections.novalite.compute.plugins.module_utils.compute import consoles

LOG = logging.getLogger('novalite_api.console_proxy')
CONNECT_TIMEOUT = 10
# which URL schemes an Origin may have for each console type's URL scheme (Nova's verify_origin_proto)
_ORIGIN_SCHEMES = {'http': ('http',), 'https': ('https',), 'ws': ('http', 'ws'), 'wss': ('https', 'wss')}


class Refused(Exception):
    """A websocket upgrade that is not let through: answered 403 with this reason."""


_Handler = websocketproxy.ProxyRequestHandler if HAS_WEBSOCKIFY else object


class ConsoleProxyHandler(_Handler):
    """One client connection: noVNC's files over plain HTTP, or one console session over a websocket."""

    console = None

    # ---- the handshake ----------------------------------------------------------------------------------

    def _token(self):
        query = parse_qs(urlparse(self.path).query)
        token = (query.get('token') or [''])[0]
        if not token and self.headers.get('cookie'):
            try:
                cookie = SimpleCookie(self.headers.get('cookie'))
            except CookieError:
                cookie = {}
            if 'token' in cookie:
                token = cookie['token'].value
        return token

    def _check_origin(self, console):
        """Nova's origin check: the Origin's host is the proxy's own or an allowed one, its scheme fits."""
        origin = self.headers.get('Origin')
        if origin is None:
            return   # not a browser: nothing to check (as Nova)
        parsed = urlparse(origin)
        if not parsed.hostname or not parsed.scheme:
            raise Refused('Origin header not valid.')
        host = urlparse('//' + (self.headers.get('Host') or '')).hostname
        allowed = self.server.allowed_origins
        if parsed.hostname != host and parsed.hostname not in allowed and origin not in allowed:
            raise Refused('Origin header does not match this host.')
        base_scheme = urlparse(console.get('access_url_base') or '').scheme
        if parsed.scheme not in _ORIGIN_SCHEMES.get(base_scheme, ('http', 'https')):
            raise Refused('Origin header protocol does not match this host.')

    def handle_upgrade(self):
        try:
            token = self._token()
            if not token:
                raise Refused('The token is missing.')
            console = consoles.validate(self.server.store, token)
            if console is None:
                raise Refused("The token '***' is invalid or has expired")
            self._check_origin(console)
        except Refused as exc:
            LOG.info('%s: console refused: %s', self.client_address[0], exc)
            self.close_connection = True
            self.send_error(403, str(exc))
            return
        except Exception:  # pylint: disable=broad-except
            LOG.exception('console token check failed')
            self.close_connection = True
            self.send_error(503, 'The console could not be authorized now.')
            return
        self.console = console
        super(ConsoleProxyHandler, self).handle_upgrade()

    # ---- the session ------------------------------------------------------------------------------------

    def new_websocket_client(self):
        console = self.console
        LOG.info('%s: %s console of %s via %s:%s', self.client_address[0], console['console_type'],
                 console['instance_uuid'], console['host'], console['port'])
        try:
            target = socket.create_connection((console['host'], int(console['port'])), CONNECT_TIMEOUT)
        except OSError as exc:
            LOG.info('console of %s: cannot connect to %s:%s: %s', console['instance_uuid'], console['host'],
                     console['port'], exc)
            raise self.CClose(1011, 'Failed to connect to downstream server')
        target.settimeout(None)
        target.setsockopt(socket.SOL_TCP, socket.TCP_NODELAY, 1)
        closer = None
        if self.server.enforce_session_timeout:
            # at the token's expiry the target is shut: do_proxy sees it close and ends the session
            closer = threading.Timer(max(0.0, console['expires'] - time.time()), _shut, (target,))
            closer.daemon = True
            closer.start()
        self.server.sessions_opened()
        opened = time.time()
        try:
            self.do_proxy(target)
        except self.CClose as exc:
            LOG.info('console of %s closed after %.1fs: %s', console['instance_uuid'], time.time() - opened,
                     exc.args[1] if len(exc.args) > 1 else exc)
            raise
        except Exception as exc:
            LOG.info('console of %s ended after %.1fs: %s', console['instance_uuid'], time.time() - opened, exc)
            raise
        finally:
            if closer is not None:
                closer.cancel()
            _shut(target)
            target.close()
            self.server.sessions_closed()

    # ---- the noVNC files ----------------------------------------------------------------------------------

    def translate_path(self, path):
        """Files under novnc_dir only (no listing, no way out of it)."""
        path = posixpath.normpath(unquote(urlparse(path).path))
        parts = [p for p in path.split('/') if p and p not in ('.', '..')]
        return os.path.join(self.server.web_root, *parts)

    def list_directory(self, path):
        self.send_error(404)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # the request line carries the token: never logged
        LOG.debug('%s %s', self.client_address[0], (format % args).split('?', 1)[0])


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class ConsoleProxyServer(ThreadingMixIn, HTTPServer):
    """A threaded HTTP server with what websockify's request handler reads from its server."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, cfg, store, address=None):
        if not HAS_WEBSOCKIFY:
            raise RuntimeError('the console proxy needs websockify (pip install -r requirements.txt)')
        self.store = store
        self.web_root = cfg['novnc_dir']
        self.allowed_origins = list(cfg['console_allowed_origins'])
        self.enforce_session_timeout = cfg['console_enforce_session_timeout']
        # websockify's handler settings
        self.only_upgrade = False
        self.file_only = True
        self.verbose = False
        self.daemon = False
        self.record = ''
        self.run_once = False
        self.handler_id = 0
        self.traffic = False
        self.web_auth = False
        self.host_token = False
        self.heartbeat = None
        self.logger = LOG
        self.token_plugin = self.auth_plugin = None
        self.unix_listen = self.unix_target = self.wrap_cmd = self.ssl_target = None
        self.target_host = self.target_port = None
        self._lock = threading.Lock()
        self.active_sessions = 0
        host, port = address or (cfg['console_proxy_host'], cfg['console_proxy_port'])
        if ':' in host:
            self.address_family = socket.AF_INET6
        HTTPServer.__init__(self, (host, port), ConsoleProxyHandler)

    def sessions_opened(self):
        with self._lock:
            self.active_sessions += 1

    def sessions_closed(self):
        with self._lock:
            self.active_sessions -= 1


def clean_tokens_periodically(store, stop, interval=60):
    """Remove expired tokens every ``interval`` seconds until ``stop`` is set."""
    while not stop.wait(interval):
        try:
            with store.begin() as conn:
                consoles.clean_expired(conn)
        except Exception:  # pylint: disable=broad-except
            LOG.exception('cleaning expired console tokens failed')


def run(cfg):
    """Serve until SIGTERM or SIGINT."""
    import signal
    from ansible_collections.novalite.compute.plugins.module_utils.store.engine import Store

    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(process)d %(name)s %(levelname)s %(message)s')
    store = Store(cfg['database_url'])
    server = ConsoleProxyServer(cfg, store)
    stop = threading.Event()
    cleaner = threading.Thread(target=clean_tokens_periodically, args=(store, stop), name='nl-console-clean',
                               daemon=True)
    cleaner.start()

    def _stop(*_args):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    LOG.info('console proxy on %s:%d serving %s', server.server_address[0], server.server_address[1],
             cfg['novnc_dir'])
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
