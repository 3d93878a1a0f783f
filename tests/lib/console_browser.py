# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""What the console test and benchmark share: headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium; nothing is downloaded), the share of noVNC's canvas that shows the test image's blue VGA console,
and the token in a console URL."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import urllib.parse

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'

# the share of noVNC's canvas in the VGA console's blue (0 when there is no canvas yet)
BLUE_SHARE_JS = '''
    const c = document.querySelector('#screen canvas');
    if (!c || !c.width) { return 0; }
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let blue = 0;
    for (let i = 0; i < d.length; i += 4) { if (d[i + 2] > 120 && d[i] < 60 && d[i + 1] < 60) blue++; }
    return blue / (d.length / 4);'''


def chromium(profile_dir):
    """A headless Chromium driven by Selenium, its profile in ``profile_dir``, its console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                '--window-size=1024,768', '--no-proxy-server', '--user-data-dir=%s' % profile_dir):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def token_of(url):
    """The token of a console URL: noVNC's (in its ``path`` parameter) or the serial one (in the query)."""
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    if 'path' in query:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(query['path'][0]).query)
    return query['token'][0]


def profile(root):
    return os.path.join(root, 'chromium')


def serial_echo(ws, word, timeout=60):
    """Send ``word`` on a serial console websocket until the test image's ttyS1 answers ``NOVALITE ECHO <word>``
    (the guest may not read yet: the line is sent again every 2 s); what was read."""
    import time
    import websocket
    seen = b''
    deadline = time.time() + timeout
    ws.send_binary(('%s\n' % word).encode('ascii'))
    ws.settimeout(2)
    while ('NOVALITE ECHO %s' % word).encode('ascii') not in seen:
        assert time.time() < deadline, seen
        try:
            seen += ws.recv_data()[1]
        except websocket.WebSocketTimeoutException:
            ws.send_binary(('%s\n' % word).encode('ascii'))
    return seen
