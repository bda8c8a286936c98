#!/usr/bin/env bats
# --metrics-addr: Debian's prometheus scrapes cdaemon on loopback and finds a
# running container's memory series through its query API. Skipped when
# prometheus is not installed (Debian package `prometheus`).
load helpers

setup() {
  command -v prometheus >/dev/null || skip "prometheus is not installed (apt-get install prometheus)"
  T=$(mktemp -d /tmp/cdtest.XXXXXX)
  # free loopback ports for cdaemon's metrics and prometheus
  read -r MPORT PPORT < <("$PY" -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
  start_daemon --metrics-addr "127.0.0.1:$MPORT"
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
  PROM_PID=
}
teardown() {
  [ -n "${PROM_PID:-}" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
  for id in $(api 'http://d/containers/json?all=1' 2>/dev/null | "$PY" -c 'import sys,json; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null); do
    status DELETE "/containers/$id?force=1" >/dev/null
  done
  cleanup_daemon
}

@test "prometheus scrapes --metrics-addr and finds the container's memory series" {
  curl -sf "http://127.0.0.1:$MPORT/metrics" | grep -q '^# TYPE cdaemon_containers gauge'
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")" = 404 ]
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=scraped' \
    -d '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"NetworkMode":"none"}}' >/dev/null
  [ "$(status POST /containers/scraped/start)" = 204 ]
  sed "s/15s/1s/; s/127.0.0.1:9323/127.0.0.1:$MPORT/" "$PROJ/contrib/prometheus.yml" >"$T/prom.yml"
  prometheus --config.file "$T/prom.yml" --storage.tsdb.path "$T/tsdb" \
    --web.listen-address "127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
  PROM_PID=$!
  q="http://127.0.0.1:$PPORT/api/v1/query?query=cdaemon_container_memory_usage_bytes%7Bname%3D%22scraped%22%7D"
  for i in $(seq 120); do
    curl -s "$q" >"$T/q.json" 2>/dev/null && grep -q '"name":"scraped"' "$T/q.json" && break
    sleep 0.5
  done
  cat "$T/q.json"
  "$PY" -c "
import json; d = json.load(open('$T/q.json'))
r = d['data']['result']; assert d['status'] == 'success' and len(r) == 1, d
assert r[0]['metric']['image'] == 'busybox' and float(r[0]['value'][1]) > 0, r"
}
