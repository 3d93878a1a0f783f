# -*- coding: utf-8 -*-
# Copyright: (c) 2026, novalite developers
# Apache License 2.0 (see LICENSE)
"""A minimal RFB (VNC) client for the console tests and benchmark: over a plain TCP socket (the guest's VNC
server directly) or through the console proxy's websocket (websocket-client), the handshake with no
authentication (QEMU's VNC server on the host's console address), ServerInit (size, desktop name) and
full-screen raw framebuffer updates, so a test can see whose screen it got and what is on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct
import time

try:
    import websocket   # websocket-client
    HAS_WEBSOCKET = True
except ImportError:  # pragma: no cover
    websocket = None
    HAS_WEBSOCKET = False


class TcpTransport(object):
    def __init__(self, host, port, timeout=20):
        self.sock = socket.create_connection((host, port), timeout)

    def send(self, data):
        self.sock.sendall(data)

    def recv(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError('the VNC server closed the connection')
        return data

    def close(self):
        self.sock.close()


class WebSocketTransport(object):
    """The console proxy's websocket (binary frames) as a byte stream."""

    def __init__(self, url, timeout=20, origin=None):
        self.ws = websocket.create_connection(url, timeout=timeout, subprotocols=['binary'], origin=origin,
                                              suppress_origin=origin is None)

    def send(self, data):
        self.ws.send_binary(data)

    def recv(self):
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise EOFError('the proxy closed the websocket')
        return data

    def close(self):
        self.ws.close()


class RfbClient(object):
    def __init__(self, transport):
        self.t = transport
        self.buf = b''
        self.width = self.height = 0
        self.name = ''
        self.bytes_read = 0

    def _read(self, count):
        while len(self.buf) < count:
            data = self.t.recv()
            self.bytes_read += len(data)
            self.buf += data
        out, self.buf = self.buf[:count], self.buf[count:]
        return out

    def handshake(self):
        """RFB 3.8 with security type None; ServerInit's size and desktop name (the domain name, for QEMU)."""
        version = self._read(12)
        if not version.startswith(b'RFB '):
            raise ValueError('not an RFB server: %r' % version)
        self.t.send(b'RFB 003.008\n')
        count = self._read(1)[0]
        types = self._read(count)
        if 1 not in types:
            raise ValueError('the VNC server wants authentication: %r' % types)
        self.t.send(b'\x01')
        if struct.unpack('>I', self._read(4))[0] != 0:
            raise ValueError('security handshake failed')
        self.t.send(b'\x01')   # ClientInit: shared
        self.width, self.height = struct.unpack('>HH', self._read(4))
        self._read(16)          # the server's pixel format
        self.name = self._read(struct.unpack('>I', self._read(4))[0]).decode('utf-8', 'replace')
        # 32-bit true colour, little endian, RGB at 16/8/0; raw encoding only
        self.t.send(struct.pack('>BxxxBBBBHHHBBBxxx', 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
        self.t.send(struct.pack('>BxHi', 2, 1, 0))
        return self

    def framebuffer(self, incremental=False):
        """One full-screen update: {(x, y, w, h): raw BGRX bytes} of the rectangles it held."""
        self.t.send(struct.pack('>BBHHHH', 3, 1 if incremental else 0, 0, 0, self.width, self.height))
        while True:
            kind = self._read(1)[0]
            if kind == 0:
                break
            if kind == 2:        # Bell
                continue
            if kind == 3:        # ServerCutText
                self._read(3)
                self._read(struct.unpack('>I', self._read(4))[0])
                continue
            raise ValueError('unexpected RFB message %d' % kind)
        self._read(1)
        rects = {}
        for _rect in range(struct.unpack('>H', self._read(2))[0]):
            x, y, w, h, enc = struct.unpack('>HHHHi', self._read(12))
            if enc == -223:      # DesktopSize: the screen changed size
                self.width, self.height = w, h
                continue
            if enc != 0:
                raise ValueError('unexpected encoding %d' % enc)
            rects[(x, y, w, h)] = self._read(w * h * 4)
        return rects

    def close(self):
        self.t.close()


def blue_share(rects):
    """The share of pixels that are the VGA text console's blue background (0, 0, 170 +- a little)."""
    total = blue = 0
    for data in rects.values():
        for i in range(0, len(data), 4):
            b, g, r = data[i], data[i + 1], data[i + 2]
            total += 1
            if b > 120 and r < 60 and g < 60:
                blue += 1
    return blue / total if total else 0.0


def wait_for_screen(client, predicate, timeout=60):
    """Full-screen updates until ``predicate(rects)`` holds; the last update."""
    deadline = time.time() + timeout
    rects = client.framebuffer()
    while not predicate(rects):
        if time.time() > deadline:
            raise AssertionError('the screen never showed what was expected')
        time.sleep(0.5)
        rects = client.framebuffer()
    return rects
