#!/usr/bin/python3
"""A loopback HTTP proxy in front of a registry for the tests: the first GET of
each blob is cut off after half of its body (the connection closed), later
requests (with a Range header) pass through.  Logs "cut PATH" and
"range PATH VALUE" on stderr.  Usage: cut_proxy.py PORT UPSTREAM_PORT
"""
import http.client, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, up = int(sys.argv[1]), int(sys.argv[2])
seen = set()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        c = http.client.HTTPConnection("127.0.0.1", up)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        if self.headers.get("Range"):
            sys.stderr.write("range %s %s\n" % (self.path, self.headers["Range"]))
        c.request(self.command, self.path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        cut = (self.command == "GET" and "/blobs/sha256:" in self.path and r.status == 200
               and len(data) > 1024 and self.path not in seen)
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v.replace("127.0.0.1:%d" % up, "127.0.0.1:%d" % port))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if cut:
            seen.add(self.path)
            sys.stderr.write("cut %s\n" % self.path)
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = relay


ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
