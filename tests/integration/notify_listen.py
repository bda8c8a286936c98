#!/usr/bin/env python3
"""Listens on a NOTIFY_SOCKET (AF_UNIX datagram) and appends every message to a file.
usage: notify_listen.py SOCKET OUTFILE SECONDS"""
import socket
import sys
import time

path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
end = time.time() + secs
with open(out, "a", buffering=1) as f:
    f.write("listening\n")
    while time.time() < end:
        try:
            msg = s.recv(4096)
        except socket.timeout:
            continue
        f.write(msg.decode(errors="replace").replace("\n", "|") + "\n")
