#!/usr/bin/python3
"""A tiny Docker registry token server for the tests (loopback only).

GET /token?service=S&scope=repository:NAME:ACTIONS with Basic credentials
USER:PASS answers {"token": JWT} signed RS256 with KEY, the certificate CERT in
the x5c header (the registry trusts CERT through its rootcertbundle).
Wrong or missing credentials: 401.  Usage: token_server.py PORT KEY CERT USER PASS
"""
import base64, json, sys, time, uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse, parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

port, keyf, certf, user, pw = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
key = open(keyf, "rb").read()
der = x509.load_pem_x509_certificate(open(certf, "rb").read()).public_bytes(Encoding.DER)
x5c = [base64.b64encode(der).decode()]
want = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


class H(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("token: " + (fmt % args) + " auth=%s\n" % bool(self.headers.get("Authorization")))

    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/token":
            self.send_response(404); self.end_headers(); return
        if self.headers.get("Authorization") != want:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"details":"incorrect username or password"}')
            return
        q = parse_qs(u.query)
        access = []
        for s in q.get("scope", []):
            parts = s.split(":")
            if len(parts) >= 3:
                access.append({"type": parts[0], "name": ":".join(parts[1:-1]),
                               "actions": parts[-1].split(",")})
        now = int(time.time())
        claims = {"iss": "test-issuer", "sub": user, "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()),
                  "access": access}
        tok = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": x5c})
        if isinstance(tok, bytes):
            tok = tok.decode()
        body = json.dumps({"token": tok, "access_token": tok, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


HTTPServer(("127.0.0.1", int(port)), H).serve_forever()
