#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""Console benchmark: the REST shim with its console proxy (`serve`) in front of this machine's libvirt.

    benchmarks/console/run [--runs 5] [--updates 40]

One server is booted from the test image (its VGA console is a blue screen with a banner). Then:

* ``url show -> first update``: the unmodified ``openstack console url show --novnc`` run, its URL opened
  in headless Chromium (Debian's chromium + chromium-driver through Selenium), until noVNC's canvas shows
  the guest's screen; split into the CLI's time, the page to noVNC's "Connected", and to the painted screen;
* ``full-screen update``: ``--updates`` non-incremental full-screen framebuffer updates in raw encoding
  (32 bits a pixel) read by an RFB client through the proxy's websocket and directly from the guest's VNC
  server on the host's console address, in the same run: ms per update and MB/s.

Prints medians of ``--runs``. Needs root, libvirt and the built test image; takes the shared heavy-test lock.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import fcntl
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'collections'))
sys.path.insert(0, os.path.join(REPO, 'tests'))
sys.path.insert(0, REPO)

from lib.console_browser import BLUE_SHARE_JS, chromium, profile, token_of  # noqa: E402
from lib.live_api import running  # noqa: E402
from lib.rfb import RfbClient, TcpTransport, WebSocketTransport, blue_share, wait_for_screen  # noqa: E402

LOCK = '/tmp/novalite-heavy.lock'


def _url_to_screen(live, driver):
    from selenium.webdriver.support.ui import WebDriverWait
    started = time.perf_counter()
    url = live.cli('console', 'url', 'show', '--novnc', 'bench-console', cloud='novalite-demo')['url']
    shown = time.perf_counter()
    driver.get(url)
    WebDriverWait(driver, 60, poll_frequency=0.02).until(
        lambda d: d.find_element('id', 'status').text.startswith('Connected'))
    connected = time.perf_counter()
    WebDriverWait(driver, 60, poll_frequency=0.02).until(lambda d: d.execute_script(BLUE_SHARE_JS) > 0.5)
    painted = time.perf_counter()
    driver.get('about:blank')
    return shown - started, connected - shown, painted - connected, painted - started


def _throughput(client, updates):
    wait_for_screen(client, lambda r: blue_share(r) > 0.5)
    read = client.bytes_read
    started = time.perf_counter()
    for _update in range(updates):
        client.framebuffer()
    seconds = time.perf_counter() - started
    return seconds / updates * 1000.0, (client.bytes_read - read) / seconds / 1e6


def _vnc_port(uuid):
    import libvirt
    from lxml import etree
    conn = libvirt.open('qemu:///system')
    try:
        doc = etree.fromstring(conn.lookupByUUIDString(uuid).XMLDesc(0).encode())
        return int(doc.find("devices/graphics[@type='vnc']").get('port'))
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--updates', type=int, default=40)
    args = parser.parse_args()
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with running(job_concurrency=2) as live:
            server = live.cli('server', 'create', '--flavor', 'm1.tiny', '--image', 'novalite-test-image', '--wait',
                              'bench-console', cloud='novalite-demo')
            live.wait_console(server['id'], 'NOVALITE CONSOLES READY')
            driver = chromium(profile(live.root))
            try:
                timings = [_url_to_screen(live, driver) for _run in range(args.runs)]
            finally:
                driver.quit()
            port = _vnc_port(server['id'])
            direct, proxied = [], []
            for _run in range(args.runs):
                url = live.cli('console', 'url', 'show', '--novnc', 'bench-console', cloud='novalite-demo')['url']
                client = RfbClient(TcpTransport('127.0.0.1', port)).handshake()
                direct.append(_throughput(client, args.updates))
                client.close()
                ws = 'ws://127.0.0.1:%d/?token=%s' % (live.cfg['console_proxy_port'], token_of(url))
                client = RfbClient(WebSocketTransport(ws)).handshake()
                proxied.append(_throughput(client, args.updates))
                size = (client.width, client.height)
                client.close()

    def med(values, index):
        return statistics.median(v[index] for v in values)

    print('console benchmark (medians of %d runs; screen %dx%d, raw 32-bit updates)' % (args.runs, size[0], size[1]))
    print('%-46s %10s' % ('step', 'seconds'))
    for label, index in (('openstack console url show (CLI, token made)', 0), ('page -> noVNC connected', 1),
                         ('connected -> guest screen painted', 2), ('url show -> first framebuffer update', 3)):
        print('%-46s %10.2f' % (label, med(timings, index)))
    print()
    print('%-30s %14s %10s' % ('full-screen update', 'ms/update', 'MB/s'))
    print('%-30s %14.2f %10.1f' % ('direct VNC (TCP)', med(direct, 0), med(direct, 1)))
    print('%-30s %14.2f %10.1f' % ('through the console proxy', med(proxied, 0), med(proxied, 1)))
    print('%-30s %14.2f %10.2f' % ('proxy / direct', med(proxied, 0) / med(direct, 0),
                                   med(proxied, 1) / med(direct, 1)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
