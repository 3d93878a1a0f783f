# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Pre-started ansible-playbook processes: a run's Python imports (about 0.45 s of CPU) paid before it is asked for.

A worker's run starts as run_groups.py describes: a recorded process group (its leader, ``sh`` exec'd into what
follows) and a PID namespace whose init is ansible-playbook. A *spare* is that namespace made ahead:
``unshare --pid --fork --kill-child python -P warm_starts.py spare <socket> <fd>``, whose init imports
ansible-playbook's code and then waits on a unix socket for one run. When a run starts, its leader runs this
file's ``client``: it hands the spare its stdio (SCM_RIGHTS), argv, environment and working directory; the spare
appends itself to the run's ``pgroup`` as the namespace's init (so end_run and host_launcher find it as they find a
cold start's), answers ``W`` and runs ansible-playbook's main in-process; the client exits with its exit status.

* A spare runs only what a fresh start would run the same way: the environment ansible and Python read at import
  (ANSIBLE_*, PYTHON*, the locale, HOME, TMPDIR; the run's own paths aside, see PER_RUN) and the ansible.cfg it
  found must be the run's, and argv must be ansible-playbook's. Otherwise it answers ``C`` (and exits) and the
  client starts the run cold, as the wrapper would have: a spare never changes what runs, only when it is imported.
* The spare ends with its run: when the client goes (killed by a takeover, a runner timeout) the spare's socket
  closes and it exits, which ends its namespace. An idle spare exits when its worker's end of a pipe closes (the
  worker stopped or died).
* This file runs as a script (``python -I -S`` for the client, ``-P`` for the spare): the standard library only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import array
import contextlib
import importlib
import json
import logging
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

LOG = logging.getLogger('novalite_api.warm_starts')

SCRIPT = os.path.abspath(__file__)
MAX_REQUEST = 4 << 20      # argv + environment of one run
# Set by ansible-runner for each run (its artifacts dir): read when the fact cache is made, not at import.
PER_RUN = ('ANSIBLE_CACHE_PLUGIN_CONNECTION',)
_IMPORT_TIME_NAMES = ('LANG', 'LANGUAGE', 'HOME', 'TMPDIR')
_IMPORT_TIME_PREFIXES = ('ANSIBLE_', 'PYTHON', 'LC_')
# What every run imports after ansible-playbook's CLI, none of it reading settings when imported (about 0.1 s)
PRE_IMPORTED = ('ansible.plugins.inventory', 'ansible.plugins.strategy', 'ansible.plugins.connection',
                'ansible.plugins.cache', 'ansible.executor.task_executor', 'ansible.executor.process.worker',
                'ansible.utils._junit_xml', 'multiprocessing.synchronize', 'multiprocessing.shared_memory', 'tomllib')
WARM, COLD, EXITED = b'W', b'C', b'X'


def import_time_env(env):
    """The part of an environment that ansible or Python read when a spare imports: it must be the run's."""
    return dict((k, v) for k, v in env.items() if k not in PER_RUN and
                (k in _IMPORT_TIME_NAMES or k.startswith(_IMPORT_TIME_PREFIXES)))


DIR_PREFIX = 'nlws-'
OWNER_FILE = 'owner'     # "<pid> <start time>" of the worker whose spares these are


def _remove_left_dirs():
    """Remove the spare directories of workers that are gone (killed: they had no time to remove their own)."""
    from novalite_api.run_groups import alive   # the worker's side (this file's script side is stdlib only)
    root = tempfile.gettempdir()
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if not name.startswith(DIR_PREFIX) or os.path.islink(path) or not os.path.isdir(path):
            continue
        try:
            with open(os.path.join(path, OWNER_FILE)) as handle:
                pid, start = handle.read().split()
            if os.stat(path).st_uid != os.getuid() or alive(int(pid), start):
                continue   # another user's, or its worker runs
        except (IOError, OSError, ValueError):
            continue       # not one of ours, or being made
        shutil.rmtree(path, ignore_errors=True)


class Spares(object):
    """The worker's pool: up to ``size`` spares kept started, one handed to each run that asks (``one``)."""

    def __init__(self, size, env, namespace_argv):
        self.size = size
        self.env = dict(env)
        self.namespace_argv = list(namespace_argv)
        self._lock = threading.Lock()
        self._spares = []          # (Popen, socket path, worker's pipe end), oldest first
        self._dir = None
        self._seq = 0
        self._closed = False

    def _start_one(self):
        if self._dir is None:
            _remove_left_dirs()
            # short: a socket path holds about 100 bytes (jobs_dir may be long)
            self._dir = tempfile.mkdtemp(prefix=DIR_PREFIX)
            from novalite_api.run_groups import start_time
            with open(os.path.join(self._dir, OWNER_FILE), 'w') as handle:
                handle.write('%d %s\n' % (os.getpid(), start_time(os.getpid())))
        self._seq += 1
        path = os.path.join(self._dir, '%d' % self._seq)
        read_end, write_end = os.pipe()
        try:
            proc = subprocess.Popen(self.namespace_argv + [sys.executable, '-P', SCRIPT, 'spare', path,
                                                           str(read_end), self._modules_dir()],
                                    env=self.env, cwd=self._dir, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(read_end,))
        except OSError as exc:
            os.close(write_end)
            LOG.warning('a spare ansible-playbook could not start: %s', exc)
            return
        finally:
            os.close(read_end)
        self._spares.append((proc, path, write_end))

    def _modules_dir(self):
        path = os.path.join(self._dir, 'ansiballz')
        os.makedirs(path, 0o700, exist_ok=True)
        return path

    def _drop(self, spare):
        proc, path, write_end = spare
        os.close(write_end)    # an idle spare exits on it
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:
            os.unlink(path)
        except OSError:
            pass

    @contextlib.contextmanager
    def one(self):
        """``with spares.one() as path``: the socket of a spare that has finished importing, or None (start
        cold). The spare is the caller's for the block: its run uses it, or it exits when the block ends."""
        spare = self._take()
        try:
            yield spare[1] if spare is not None else None
        finally:
            if spare is not None:
                self._drop(spare)

    def _take(self):
        with self._lock:
            if self._closed or self.size <= 0:
                return None
            taken = None
            for spare in list(self._spares):
                proc, path, _write_end = spare
                if proc.poll() is not None:
                    LOG.warning('a spare ansible-playbook exited before its run (status %s)', proc.returncode)
                    self._spares.remove(spare)
                    self._drop(spare)
                elif taken is None and os.path.exists(path):
                    taken = spare
                    self._spares.remove(spare)
            self._fill()
            return taken

    def fill(self):
        """Start spares up to ``size`` (a worker's first run would otherwise start cold)."""
        with self._lock:
            if not self._closed:
                self._fill()

    def _fill(self):
        while len(self._spares) < self.size:
            before = len(self._spares)
            self._start_one()
            if len(self._spares) == before:
                break

    def close(self):
        with self._lock:
            self._closed = True
            spares, self._spares = self._spares, []
        for spare in spares:
            self._drop(spare)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


# ---- the client: the run's group leader ---------------------------------------------------------------

def _send(sock, payload, fds):
    data = json.dumps(payload).encode('utf-8')
    sock.sendmsg([struct.pack('!I', len(data))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))])
    sock.sendall(data)


def client(argv):
    """``client <socket> <pgroup> <cold script> <argv...>``: run argv in the spare, or cold when it cannot."""
    path, pgroup, cold_script, run_argv = argv[0], argv[1], argv[2], argv[3:]
    answer = b''
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        _send(sock, {'argv': run_argv, 'env': dict(os.environ), 'cwd': os.getcwd(), 'pgroup': pgroup}, [0, 1, 2])
        answer = sock.recv(1)
    except OSError:
        pass
    if answer != WARM:
        sock.close()
        os.execv('/bin/sh', ['/bin/sh', '-c', cold_script, 'novalite-run', pgroup] + run_argv)
    status = b''
    while len(status) < 5:
        chunk = sock.recv(5 - len(status))
        if not chunk:
            return 1      # the spare died with the run unfinished
        status += chunk
    return struct.unpack('!i', status[1:])[0] if status[:1] == EXITED else 1


# ---- the spare: the namespace's init ------------------------------------------------------------------

def _receive(conn):
    fds = array.array('i')
    msg, ancdata, _flags, _addr = conn.recvmsg(4, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    if len(msg) != 4 or len(fds) != 3:
        raise ValueError('not a run request')
    size = struct.unpack('!I', msg)[0]
    if size > MAX_REQUEST:
        raise ValueError('run request too large')
    data = b''
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError('run request cut short')
        data += chunk
    return json.loads(data.decode('utf-8')), list(fds)


def _same_as_cold(request, imported_env, config_file):
    """Whether ansible-playbook started fresh for ``request`` would import as this spare did."""
    from ansible.config.manager import find_ini_config_file
    argv = request['argv']
    if not argv or os.path.basename(argv[0]) != 'ansible-playbook':
        return False
    if import_time_env(request['env']) != imported_env:
        return False
    saved, cwd = dict(os.environ), os.getcwd()
    try:
        os.environ.clear()
        os.environ.update(request['env'])
        os.chdir(request['cwd'])
        return find_ini_config_file() == config_file
    except OSError:
        return False
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def _record_init(pgroup):
    """Append "<pid> <start time>" to the run's pgroup as the cold start's namespace init does (run_groups)."""
    with open('/proc/self/stat') as handle:   # /proc is the worker's: its pid as the worker sees it
        text = handle.read()
    pid, fields = int(text.split(' ', 1)[0]), text.rsplit(')', 1)[1].split()
    with open(pgroup, 'a') as handle:
        handle.write('%d %s\n' % (pid, fields[19]))


def _take_terminal():
    """Make the run's terminal (the runner's pty) this process's controlling terminal, in the foreground, as it
    is a cold start's (ansible's pause asks whether it runs in the foreground). The waiting client gives it up;
    taking it needs root (as the worker is): without, the run goes on without one."""
    import fcntl
    import termios
    try:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 1)
    except OSError:
        pass


def _exit_with_client(conn):
    """The run's leader is gone (killed, timed out): so is the run, and the namespace with this init."""
    try:
        conn.recv(1)
    except OSError:
        pass
    os._exit(137)


# ---- module payloads built once per worker --------------------------------------------------------------
# ansible builds each module's AnsiballZ payload (the module and the module_utils it imports, found by parsing
# them: about 0.3 s for a novalite module) once per ansible-playbook process, in its local temp dir. Spares share
# what earlier runs built: a payload is taken only while every file in it is still what is on disk.

def _local_modules_dir():
    from ansible import constants
    return os.path.join(constants.DEFAULT_LOCAL_TMP, 'ansiballz_cache')


def _source_of(name):
    """The file a payload entry was made from (None: ansible writes it itself)."""
    import ansible
    from ansible import constants
    if name in ('ansible/__init__.py', 'ansible/module_utils/__init__.py'):
        return None     # ansible's own stubs
    if name.startswith('ansible/'):
        return os.path.join(os.path.dirname(os.path.dirname(ansible.__file__)), name)
    for root in constants.COLLECTIONS_PATHS:
        if os.path.exists(os.path.join(root, name)):
            return os.path.join(root, name)
    return ''


def _payload_current(path):
    import base64
    import io
    import zipfile
    from ansible.executor.module_common import _CachedModule
    try:
        cached = _CachedModule.load(path)
        payload = zipfile.ZipFile(io.BytesIO(base64.b64decode(cached.zip_data)))
        for info in payload.infolist():
            if info.filename.endswith('.pyc'):
                continue   # compiled from the .py beside it (_with_bytecode)
            source, data = _source_of(info.filename), payload.read(info)
            if source is None:
                continue
            if source == '':
                if data.strip():   # only a package's empty __init__.py is made up
                    return False
                continue
            with open(source, 'rb') as handle:
                if handle.read() != data:
                    return False
    except Exception:  # pylint: disable=broad-except
        return False    # unreadable or of another ansible: built again
    return True


def _seed_modules(shared):
    """Copy the current payloads of ``shared`` into this process's cache; the names copied."""
    local = _local_modules_dir()
    os.makedirs(local, 0o700, exist_ok=True)
    seeded = set()
    for name in os.listdir(shared):
        if name.endswith(('.lock', '.tmp', '-part')):
            continue   # a lock or a file being written
        if _payload_current(os.path.join(shared, name)):
            # a link: a payload in ``shared`` is only ever replaced (os.replace), never written in place
            try:
                os.link(os.path.join(shared, name), os.path.join(local, name))
            except OSError:
                shutil.copyfile(os.path.join(shared, name), os.path.join(local, name))
            seeded.add(name)
    return seeded


def rewritten(cached, entries_of):
    """The cached payload (ansible's _CachedModule) with each entry of its zip replaced by the (ZipInfo, bytes)
    pairs ``entries_of(info, data)`` gives for it."""
    import base64
    import dataclasses
    import io
    import zipfile
    source = zipfile.ZipFile(io.BytesIO(base64.b64decode(cached.zip_data)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as payload:
        for info in source.infolist():
            for new_info, data in entries_of(info, source.read(info)):
                payload.writestr(new_info, data)
    return dataclasses.replace(cached, zip_data=base64.b64encode(out.getvalue()))


def _and_bytecode(info, data):
    """An entry, and for a .py its unchecked hash-based .pyc (see _with_bytecode)."""
    import importlib.util
    import marshal
    import zipfile
    if not info.filename.endswith('.py'):
        return [(info, data)]
    code = compile(data, info.filename, 'exec', dont_inherit=True)
    compiled = zipfile.ZipInfo(info.filename + 'c', date_time=info.date_time)
    compiled.compress_type = info.compress_type
    header = importlib.util.MAGIC_NUMBER + struct.pack('<I', 0b01) + importlib.util.source_hash(data)
    return [(info, data), (compiled, header + marshal.dumps(code))]


def _with_bytecode(path):
    """The pickled payload at ``path`` with each .py of it also compiled, as an unchecked hash-based .pyc that
    zipimport takes without comparing times: a module start then skips compiling (about 0.25 s for a novalite
    module). A host whose Python has another bytecode version ignores the .pyc (its magic differs) and compiles
    the .py as before."""
    from ansible.executor.module_common import _CachedModule
    return rewritten(_CachedModule.load(path), _and_bytecode)


def _publish_modules(shared, seeded):
    """Offer the payloads this run built (with their bytecode) to later spares (at exit, before ansible removes its
    temp dir)."""
    local = _local_modules_dir()
    for name in os.listdir(local) if os.path.isdir(local) else ():
        if name in seeded or name.endswith(('.lock', '-part')):
            continue
        temp = os.path.join(shared, '%s.%d.tmp' % (name, os.getpid()))
        try:
            try:
                _with_bytecode(os.path.join(local, name)).dump(temp)
            except Exception:  # pylint: disable=broad-except
                shutil.copyfile(os.path.join(local, name), temp)   # as ansible built it
            os.replace(temp, os.path.join(shared, name))
        except OSError:
            pass


def spare(argv):
    """``spare <socket> <worker pipe fd> <payloads dir>``: import ansible-playbook, then run the one request that
    comes."""
    path, worker_fd, modules_dir = argv[0], int(argv[1]), argv[2]
    import atexit
    import ansible.cli.playbook as playbook_cli   # what a fresh start spends its first ~0.45 s on
    from ansible import constants
    for name in PRE_IMPORTED:
        importlib.import_module(name)
    imported_env = import_time_env(os.environ)
    config_file = constants.CONFIG_FILE
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + '.tmp')
    listener.listen(1)
    os.rename(path + '.tmp', path)   # its name appears only once imported: the pool hands out only ready spares
    while True:
        readable = select.select([listener, worker_fd], [], [])[0]
        if worker_fd in readable:
            sys.exit(0)      # the worker is gone or dropped this spare (exit handlers remove the temp dir)
        # only the worker's user reaches the socket (its directory is the worker's, mode 0700)
        conn, _addr = listener.accept()
        break
    listener.close()
    os.unlink(path)
    try:
        request, fds = _receive(conn)
    except (OSError, ValueError):
        sys.exit(1)
    if not _same_as_cold(request, imported_env, config_file):
        conn.sendall(COLD)
        sys.exit(0)
    try:
        _record_init(request['pgroup'])
    except (OSError, IndexError):
        conn.sendall(COLD)   # the cold start records itself (or is fenced)
        sys.exit(0)
    os.close(worker_fd)
    # the payloads offered until now (a run that ended while this spare waited offered its own then)
    seeded = _seed_modules(modules_dir)
    # registered after ansible's removal of its temp dir (at the first look at it): runs before that
    atexit.register(_publish_modules, modules_dir, seeded)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request['cwd'])
    os.environ.clear()
    os.environ.update(request['env'])
    for name in PER_RUN:
        if name in request['env']:
            setattr(constants, name[len('ANSIBLE_'):], request['env'][name])
    if os.isatty(0):
        _take_terminal()
    if os.isatty(1):
        sys.stdout.reconfigure(line_buffering=True)   # as a fresh start on a terminal (the runner's pty) is
    sys.argv = list(request['argv'])
    conn.sendall(WARM)
    threading.Thread(target=_exit_with_client, args=(conn,), daemon=True).start()
    try:
        playbook_cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pylint: disable=broad-except
        import traceback
        traceback.print_exc()
        code = 250
    # as the interpreter's own exit would (ansible removes its local temp dir at exit), then the status
    atexit._run_exitfuncs()    # pylint: disable=protected-access
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        conn.sendall(EXITED + struct.pack('!i', code))
    except OSError:
        pass
    os._exit(code)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == 'client':
        sys.exit(client(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == 'spare':
        spare(sys.argv[2:])
    sys.exit('usage: warm_starts.py client|spare ...')
