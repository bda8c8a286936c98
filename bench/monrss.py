#!/usr/bin/python3
"""monrss.py SOCK: VmRSS (kB) of the monitor of every running container of the
daemon at SOCK, one per line. The monitor is the parent of the container's
State.Pid and must be named cdmon; anything else is an error."""
import http.client
import json
import socket
import sys


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def get(sock, url):
    c = UnixConn(sock)
    c.request("GET", url)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        sys.exit("GET %s: %d %s" % (url, r.status, body[:200]))
    return json.loads(body)


def status(pid):
    f = {}
    with open("/proc/%d/status" % pid) as s:
        for line in s:
            k, _, v = line.partition(":")
            f[k] = v.strip()
    return f


def main():
    sock = sys.argv[1]
    for c in get(sock, "/containers/json"):
        pid = get(sock, "/containers/%s/json" % c["Id"])["State"]["Pid"]
        mon = int(status(pid)["PPid"])
        st = status(mon)
        if st["Name"] != "cdmon":
            sys.exit("container %s: parent %d is %s, not cdmon" % (c["Id"][:12], mon, st["Name"]))
        print(st["VmRSS"].split()[0])


if __name__ == "__main__":
    main()
