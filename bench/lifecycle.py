#!/usr/bin/python3
"""lifecycle.py SOCKET RUNS [LABEL]: the engine's own latency of a container's life in
two halves, through the API (no CLI start-up in the figure): create+start of a
busybox container that exits on SIGTERM, then stop+remove. Prints one line per
run: "CREATE_START_MS STOP_RM_MS"; containers carry the label cdbench=LABEL.
Works against cdaemon and dockerd alike;
exits 1 on any unexpected answer, so a broken run never reports a number."""
import http.client
import json
import socket
import sys
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


def call(sock, method, path, body=None, want=(200, 201, 204)):
    c = UnixConnection(sock)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    c.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None,
              headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status not in want:
        sys.stderr.write("%s %s: %d %s\n" % (method, path, r.status, data[:300]))
        sys.exit(1)
    return json.loads(data) if data else None


def main():
    sock, runs = sys.argv[1], int(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else "lifecycle"
    spec = {"Image": "busybox", "Cmd": ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"],
            "Labels": {"cdbench": label}, "HostConfig": {"NetworkMode": "none"}}
    for _ in range(runs):
        t0 = time.monotonic_ns()
        cid = call(sock, "POST", "/containers/create", spec)["Id"]
        call(sock, "POST", "/containers/%s/start" % cid)
        t1 = time.monotonic_ns()
        time.sleep(0.05)  # let the shell install its trap
        t2 = time.monotonic_ns()
        call(sock, "POST", "/containers/%s/stop?t=10" % cid)
        call(sock, "DELETE", "/containers/%s" % cid)
        t3 = time.monotonic_ns()
        print(round((t1 - t0) / 1e6, 2), round((t3 - t2) / 1e6, 2), flush=True)


if __name__ == "__main__":
    main()
