#!/usr/bin/python3
"""httpload.py: HTTP over a Unix socket with a keep-alive connection.

  httpload.py latency SOCK PATH N     N sequential GETs on one connection;
                                      prints each request's time in ms
Every answer must be 200."""
import http.client
import socket
import sys
import time


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("GET %s: %d %s" % (path, r.status, body[:200]))


def latency(sock, path, n):
    c = UnixConn(sock)
    get(c, path)  # connect and warm up
    for _ in range(n):
        t0 = time.monotonic()
        get(c, path)
        print("%.3f" % ((time.monotonic() - t0) * 1000))


if __name__ == "__main__":
    mode, sock, path = sys.argv[1:4]
    latency(sock, path, int(sys.argv[4]))
