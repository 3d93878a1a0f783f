# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A guest that proves it keeps running through a move: user data that writes a marker word to its root disk at
boot (the test image's NOVALITE-MARKER line), then prints a tick every second with its uptime and what its root
disk holds (read from the disk each time, caches dropped). A later tick with a higher uptime, the word still read
and no boot line is a guest that was never restarted and kept its disk. Each tick also flushes the disk (as a
database commits): a write no flush reached is rightly lost when the host running the guest dies."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from lib.sched_rows import console_text, moved_server

TICK = re.compile(r'NOVALITE TICK (\d+\.\d+) (.*?)\s*$', re.M)

_SCRIPT = '''#!/bin/sh
NOVALITE-MARKER %s
mkdir -p /mnt/tick
while true; do
    sync
    # fsync of the device: a flush QEMU must honour (its qcow2 metadata too), so the disk survives a host crash
    sync /dev/vda 2>/dev/null
    echo 3 > /proc/sys/vm/drop_caches
    if mount -o ro /dev/vda /mnt/tick 2>/dev/null; then
        m=$(cat /mnt/tick/NOVALITE.MRK 2>/dev/null | tr '\\n' ' ')
        umount /mnt/tick
    else
        m=unreadable
    fi
    echo "NOVALITE TICK $(cut -d' ' -f1 /proc/uptime) $m"
    sleep 1
done
'''


def tick_user_data(word):
    """The user data of a ticking guest whose root disk holds ``word``."""
    return _SCRIPT % word


def ticks(text):
    """[(uptime, [words on the root disk])] of a ticking guest's console text, in order."""
    return [(float(up), words.split()) for up, words in TICK.findall(text)]


def wait_tick(read_console, after=0.0, timeout=120, where=''):
    """The first tick with an uptime above ``after`` in the console ``read_console()`` returns: (uptime, words)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        later = [t for t in ticks(read_console()) if t[0] > after]
        if later:
            return later[0]
        time.sleep(0.5)
    raise AssertionError('no tick after %s %s:\n%s' % (after, where, read_console()[-2000:]))


def live_tick(live, host, ident, after=0.0, timeout=120):
    """wait_tick on the guest's console log in its instance directory on ``host`` (a lib.live_api service)."""
    return wait_tick(lambda: console_text(live, host, ident), after, timeout, 'on %s' % host)


def eventually(predicate, what, timeout=60):
    """Wait for ``predicate()`` (a host's clean-up may run after the server is back to ACTIVE, as Nova's)."""
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, what
        time.sleep(0.5)


def boot_ticking_guest(live, directory, word, name):
    """An m1.tiny ticking guest of the demo project booted through the CLI, its first tick seen: the server."""
    data = directory / 'ticks.sh'
    data.write_text(tick_user_data(word))
    server = live.cli('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image',
                      '--user-data', str(data), '--wait', name, cloud='novalite-demo')
    assert server['status'] == 'ACTIVE', server
    inst, _alloc = moved_server(live, server['id'])
    assert live_tick(live, inst['host'], server['id'])[1] == [word]
    return server
