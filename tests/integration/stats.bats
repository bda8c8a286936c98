#!/usr/bin/env bats
# Observability with real containers: GET /containers/{id}/stats from the
# daemon's sampler (CPU, memory, pids, network figures), /cdaemon/stats,
# /metrics, /system/df, events (actions, filters, retention), cdctl stats and
# system df, and the docker CLI's stats / system df / events.
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
teardown() {
  for id in $(api 'http://d/containers/json?all=1' 2>/dev/null | "$PY" -c 'import sys,json; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null); do
    status DELETE "/containers/$id?force=1" >/dev/null
  done
  cleanup_daemon
}

# run_bg NAME CMD-JSON: a started container (no network: only lo)
run_bg() {
  local id
  id=$(api -X POST -H 'Content-Type: application/json' "http://d/containers/create?name=$1" \
    -d "{\"Image\":\"busybox\",\"Cmd\":$2,\"HostConfig\":{\"NetworkMode\":\"none\"}}" | json Id)
  [ "$(status POST "/containers/$1/start")" = 204 ] || return 1
  echo "$id"
}
one_shot() { api "http://d/containers/$1/stats?stream=false"; }
# field NAME EXPR: a Python expression over the one-shot stats d
field() { one_shot "$1" | "$PY" -c "import sys,json; d=json.load(sys.stdin); print($2)"; }

@test "stats: one-shot answers at once with a real precpu_stats in Docker's shape" {
  run_bg s1 '["sleep","1000"]' >/dev/null
  sleep 2.5
  t=$(curl -s -o "$T/st.json" -w '%{time_total}' --unix-socket "$SOCK" 'http://d/containers/s1/stats?stream=false')
  "$PY" - "$T/st.json" "$t" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert float(sys.argv[2]) < 0.5, sys.argv[2]
for k in ("read", "preread", "pids_stats", "blkio_stats", "cpu_stats", "precpu_stats",
          "memory_stats", "name", "id", "networks"):
    assert k in d, k
assert d["name"] == "/s1"
c, p = d["cpu_stats"], d["precpu_stats"]
assert p["cpu_usage"]["total_usage"] > 0 and p["system_cpu_usage"] > 0
assert c["system_cpu_usage"] > p["system_cpu_usage"]
assert c["online_cpus"] >= 1
for k in ("total_usage", "usage_in_kernelmode", "usage_in_usermode"):
    assert k in c["cpu_usage"], k
assert set(c["throttling_data"]) == {"periods", "throttled_periods", "throttled_time"}
assert d["preread"] < d["read"]
m = d["memory_stats"]
assert m["usage"] > 0 and m["limit"] > 0 and isinstance(m["stats"], dict) and m["stats"]
assert "io_service_bytes_recursive" in d["blkio_stats"] and "io_serviced_recursive" in d["blkio_stats"]
assert "lo" in d["networks"] and "rx_bytes" in d["networks"]["lo"]
EOF
}

# CPU % as the docker CLI computes it, over a 4 s window of the sampler's
# cumulative counters. The host is shared (2 cores, other builds): the
# kernel's own account of the busy process (/proc/PID/stat) over the same
# window is the reference; when the host gives it a whole core that must
# read 100% +- 15.
@test "stats: a busy loop reads 100% of one core (as the docker CLI computes it)" {
  run_bg busy '["sh","-c","while true; do :; done"]' >/dev/null
  pid=$(api http://d/containers/busy/json | json State.Pid)
  sleep 2
  "$PY" - "$SOCK" "$pid" <<'EOF2'
import json, os, socket, sys, time
sock, pid = sys.argv[1], sys.argv[2]
def stats():
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    s.sendall(b"GET /containers/busy/stats?stream=false HTTP/1.0\r\nHost: d\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
    return json.loads(data.split(b"\r\n\r\n", 1)[1])
def proc_ticks():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
hz = os.sysconf("SC_CLK_TCK")
a, ta, t0 = stats(), proc_ticks(), time.time()
time.sleep(4)
b, tb, t1 = stats(), proc_ticks(), time.time()
c0, c1 = a["cpu_stats"], b["cpu_stats"]
pct = (c1["cpu_usage"]["total_usage"] - c0["cpu_usage"]["total_usage"]) / (c1["system_cpu_usage"] - c0["system_cpu_usage"]) * c1["online_cpus"] * 100
ref = (tb - ta) / hz / (t1 - t0) * 100
print("stats %.1f%%, kernel %.1f%%" % (pct, ref))
assert abs(pct - ref) <= 15, (pct, ref)
if ref >= 85:
    assert 85 <= pct <= 115, pct
EOF2
}

@test "stats: 50 MB written to /dev/shm raise memory usage by about that" {
  run_bg mem '["sh","-c","sleep 2; dd if=/dev/zero of=/dev/shm/fill bs=1M count=50 2>/dev/null; sleep 1000"]' >/dev/null
  sleep 1
  before=$(field mem 'd["memory_stats"]["usage"]')
  after=$before
  for i in $(seq 40); do
    after=$(field mem 'd["memory_stats"]["usage"]')
    [ $((after - before)) -ge $((45 * 1048576)) ] && break
    sleep 0.25
  done
  echo "before $before after $after"
  [ $((after - before)) -ge $((45 * 1048576)) ]
  [ $((after - before)) -le $((70 * 1048576)) ]
}

@test "stats: pids_stats.current counts the processes started" {
  run_bg pids '["sh","-c","sleep 1000 & sleep 1000 & sleep 1000 & wait"]' >/dev/null
  for i in $(seq 40); do
    n=$(field pids 'd["pids_stats"]["current"]')
    [ "$n" = 4 ] && break
    sleep 0.25
  done
  [ "$n" = 4 ]
}

# Bridge networking is not there yet (containers have --network none/host)
# and the loopback of a --network none container is down (no CAP_NET_ADMIN
# to raise it): bytes between two containers are not tested yet. Checked:
# the figures come from the container's own network namespace.
@test "stats: networks lists the container's own interfaces (none: lo only; host: none)" {
  run_bg net '["sleep","1000"]' >/dev/null
  field net 'sorted(d["networks"])' | grep -qx "\['lo'\]"
  field net 'sorted(d["networks"]["lo"])' | grep -q "'rx_bytes', 'rx_dropped', 'rx_errors', 'rx_packets', 'tx_bytes', 'tx_dropped', 'tx_errors', 'tx_packets'"
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=hn' \
    -d '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"NetworkMode":"host"}}' >/dev/null
  [ "$(status POST /containers/hn/start)" = 204 ]
  [ "$(field hn '"networks" in d')" = False ]
  [ "$(field hn 'd["memory_stats"]["usage"] > 0')" = True ]
}

@test "stats: stream sends one object a second; stopped containers answer as Docker does" {
  run_bg st '["sleep","1000"]' >/dev/null
  timeout 3.5 curl -sN --unix-socket "$SOCK" 'http://d/containers/st/stats' >"$T/stream" || true
  n=$(wc -l <"$T/stream")
  [ "$n" -ge 3 ] && [ "$n" -le 5 ]
  "$PY" -c "import json,sys; [json.loads(l) for l in open('$T/stream')]"
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=idle' -d '{"Image":"busybox"}' >/dev/null
  one_shot idle | "$PY" -c "
import sys, json; d = json.load(sys.stdin)
assert d['read'] == '0001-01-01T00:00:00Z' and d['name'] == '/idle' and d['memory_stats'] == {}
assert d['cpu_stats']['cpu_usage']['total_usage'] == 0 and 'networks' not in d"
  [ "$(status GET /containers/nope/stats?stream=false)" = 404 ]
  # a streaming client of a removed container gets the end of the stream
  (timeout 10 curl -sN --unix-socket "$SOCK" 'http://d/containers/idle/stats' >"$T/idle"; echo $? >"$T/idle.rc") &
  sleep 1.5
  status DELETE /containers/idle >/dev/null
  for i in $(seq 60); do [ -f "$T/idle.rc" ] && break; sleep 0.1; done
  [ "$(cat "$T/idle.rc")" = 0 ]
}

@test "stats: /cdaemon/stats gives every running container in one answer" {
  run_bg a1 '["sleep","1000"]' >/dev/null
  run_bg a2 '["sleep","1000"]' >/dev/null
  sleep 1.5
  api http://d/cdaemon/stats | "$PY" -c "
import sys, json; a = json.load(sys.stdin)
names = sorted(x['name'] for x in a)
assert names == ['/a1', '/a2'], names
assert all(x['memory_stats']['usage'] > 0 for x in a)"
}

@test "metrics: Prometheus text with per-container and engine figures" {
  id=$(run_bg m1 '["sleep","1000"]')
  sleep 1.5
  api http://d/_ping >/dev/null
  api http://d/metrics >"$T/m"
  grep -q "^cdaemon_container_memory_usage_bytes{id=\"$id\",name=\"m1\",image=\"busybox\"} [0-9]" "$T/m"
  grep -q "^cdaemon_container_cpu_seconds_total{id=\"$id\"" "$T/m"
  grep -q "^cdaemon_container_pids{id=\"$id\".*} 1$" "$T/m"
  grep -q "^cdaemon_container_state{id=\"$id\",name=\"m1\",image=\"busybox\",state=\"running\"} 1" "$T/m"
  grep -q '^cdaemon_containers{state="running"} 1$' "$T/m"
  grep -q '^cdaemon_images 1$' "$T/m"
  grep -q '^cdaemon_api_requests_total{method="GET",route="/_ping",code="200"} [1-9]' "$T/m"
  grep -q '^cdaemon_api_request_duration_seconds_bucket{method="GET",route="/_ping",code="200",le="+Inf"}' "$T/m"
  grep -q '^cdaemon_process_resident_memory_bytes [1-9]' "$T/m"
  # every sample line is "name{labels} value" or "name value"
  ! grep -v '^#' "$T/m" | grep -vqE '^[a-z_]+(\{([a-z_]+="[^"]*",?)+\})? [-+0-9.eE]+$'
}

@test "system df: sizes of layers, images, containers, volumes" {
  run_bg d1 '["sh","-c","dd if=/dev/zero of=/big bs=1k count=300 2>/dev/null; sleep 1000"]' >/dev/null
  $CD run --rm --network none -v dfvol:/data busybox sh -c 'head -c 12345 /dev/zero >/data/f'
  sleep 1
  api http://d/system/df | "$PY" -c "
import sys, json; d = json.load(sys.stdin)
assert d['LayersSize'] > 0
im = d['Images'][0]; assert im['Size'] > 0 and im['SharedSize'] == 0 and im['Containers'] == 1
c = d['Containers'][0]; assert c['SizeRw'] >= 300 * 1024, c['SizeRw']
assert c['SizeRootFs'] == c['SizeRw'] + im['Size']
v = d['Volumes']; assert len(v) == 1 and v[0]['Name'] == 'dfvol', v
assert v[0]['UsageData'] == {'Size': 12345, 'RefCount': 0}, v[0]['UsageData']
assert d['BuildCache'] == []"
  run $CD system df
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "TYPE"*"TOTAL"*"ACTIVE"*"SIZE"*"RECLAIMABLE" ]]
  [[ "${lines[1]}" == "Images"*"1"*"1"* ]]
  run $CD system df -v
  [[ "$output" == *"d1"* ]]
  run $DOCKER system df
  [ "$status" -eq 0 ]
  [[ "$output" == *"Containers"*"1"*"1"* ]]
  [[ "$output" == *"Local Volumes"*"1"*"0"*"12.35kB"* ]]
}

@test "events: kill with signal, die with exitCode, stop, restart, rename; filters" {
  run_bg ev '["sleep","1000"]' >/dev/null
  since=$(date +%s)
  status POST "/containers/ev/kill?signal=USR1" >/dev/null
  status POST "/containers/ev/stop?t=1" >/dev/null
  status POST "/containers/ev/restart?t=1" >/dev/null
  status POST "/containers/ev/rename?name=ev2" >/dev/null
  sleep 0.5
  api "http://d/events?since=$since&until=$(date +%s.%N)" >"$T/ev"
  "$PY" - "$T/ev" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
acts = [(e["Action"], e["Actor"]["Attributes"]) for e in ev]
names = [a for a, _ in acts]
assert ("kill", "10") in [(a, at.get("signal")) for a, at in acts], acts
assert ("kill", "15") in [(a, at.get("signal")) for a, at in acts], acts
assert any(a == "die" and "exitCode" in at for a, at in acts), acts
i = names.index("stop"); assert "die" in names[:i], names
assert names.index("restart") > names.index("start"), names
assert "rename" in names
assert all(at.get("image") == "busybox" for _, at in acts)
EOF
  # filters: event=, container= (ID prefix), type=
  id=$(api http://d/containers/ev2/json | json Id)
  api "http://d/events?since=$since&until=$(date +%s.%N)&filters=%7B%22event%22%3A%5B%22kill%22%5D%2C%22container%22%3A%5B%22${id:0:8}%22%5D%7D" >"$T/f"
  [ "$(wc -l <"$T/f")" = 2 ]  # USR1 and stop's 15; restart found it stopped
  ! grep -v '"Action":"kill"' "$T/f"
  run $CD events --since "$since" --until "$(date +%s)" --filter event=die
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 1 ]
  [[ "${lines[0]}" == *"container die"*"exitCode="* ]]
  run $DOCKER events --since "$since" --until "$(date +%s)" --filter type=container --filter event=rename
  [[ "$output" == *"rename"* ]]
}

@test "events: retention by count and age (daemon config)" {
  cleanup_daemon
  T=$(mktemp -d /tmp/cdtest.XXXXXX)
  echo '{"events-max-count": 20, "events-max-age": 2}' >"$T/daemon.json"
  start_daemon --config "$T/daemon.json"
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=r0' -d '{"Image":"busybox"}' >/dev/null
  sleep 2.5
  for i in $(seq 70); do status POST "/containers/r$((i-1))/rename?name=r$i" >/dev/null; done
  api "http://d/events?since=0&until=$(date +%s.%N)" >"$T/ev"
  n=$(wc -l <"$T/ev")
  echo "kept $n"
  [ "$n" -le 84 ]  # 20 kept, trimmed once per 64 events
  ! grep -q '"Action":"create"' "$T/ev"   # older than 2 s
  grep -q '"name":"r70"' "$T/ev"
  run bash -c "echo '{\"events-max-age\": \"x\"}' >$T/bad.json; $BIN_DIR/cdaemon --config $T/bad.json -H unix://$T/x.sock --root $T/r2 --exec-root $T/e2"
  [ "$status" -eq 1 ]
  [[ "$output" == *"events-max-age"*"whole number"* ]]
}

@test "cdctl stats and docker stats show the container" {
  run_bg web '["sleep","1000"]' >/dev/null
  sleep 1.5
  run $CD stats --no-stream
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "CONTAINER ID"*"NAME"*"CPU %"*"MEM USAGE / LIMIT"*"MEM %"*"NET I/O"*"BLOCK I/O"*"PIDS" ]]
  [[ "${lines[1]}" == *" web "*"%"*"/"*"1" ]]
  run $CD stats --no-stream --format json web
  echo "$output" | "$PY" -c "import sys,json; d=json.loads(sys.stdin.readline()); assert d['Name']=='web' and d['PIDs']=='1'"
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=off' -d '{"Image":"busybox","Cmd":["sleep","1000"],"HostConfig":{"NetworkMode":"none"}}' >/dev/null
  run $CD stats --no-stream -a
  [[ "$output" == *" off "* ]]
  # live: one table a second, following a container that starts meanwhile
  (sleep 1.2; status POST /containers/off/start >/dev/null) &
  run timeout 3.5 $CD stats
  [ "$(echo "$output" | grep -c '^CONTAINER ID')" -ge 3 ]
  [[ "$output" == *" off "* ]]
  run $DOCKER stats --no-stream web
  [ "$status" -eq 0 ]
  [[ "$output" == *"web"* ]]
  # live docker stats reads the stream (the CLI ignores SIGTERM: KILL it)
  run timeout -s KILL 4 $DOCKER stats web
  echo "$output" | grep -qE ' web +[0-9.]+% +[0-9.]+[KMG]?i?B / '
}
