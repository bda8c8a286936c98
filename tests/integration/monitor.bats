#!/usr/bin/env bats
# cdmon, the per-container monitor, on its own (no daemon): the start
# protocol, the json-file log, exit.json, the control socket, surviving its
# starter, bounded memory, rotation. Bundles run busybox from `make image`.
load helpers

setup_file() {
  [ -f "$IMAGES/busybox.tar" ] || "$PROJ/tests/fixtures/mkbusybox.sh" "$IMAGES" >&2
  ROOTFS=$(mktemp -d /tmp/cdmon-rootfs.XXXXXX)
  mkdir "$ROOTFS.x"
  tar -xf "$IMAGES/busybox.tar" -C "$ROOTFS.x"
  local l
  for l in $("$PY" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$ROOTFS.x/manifest.json"); do
    tar -xf "$ROOTFS.x/$l" -C "$ROOTFS"
  done
  rm -rf "$ROOTFS.x"
  export ROOTFS
}

teardown_file() { [ -z "${ROOTFS:-}" ] || rm -rf "$ROOTFS"; }

# Debian's interpreter: a pyenv shim costs most of a second per call.
PY=python3
[ ! -x /usr/bin/python3 ] || PY=/usr/bin/python3

# field KEY < JSON: one top-level field, printed as helpers' json prints it.
field() { "$PY" -c 'import sys, json; v = json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1"; }

setup() {
  W=$(mktemp -d /tmp/cdmon-test.XXXXXX)
  CG=cdmon-test-${W##*.}
  : >"$W/pids"
}

# alive PID: the process exists and is not a zombie (PID 1 reaps orphans late).
alive() {
  local s
  s=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  [ -n "$s" ] && [ "$s" != Z ]
}

# dead PID: the opposite, usable as a test line (bats ignores `! cmd` there).
dead() { ! alive "$1"; }

wait_gone() {
  local i
  for i in $(seq 200); do alive "$1" || return 0; sleep 0.05; done
  return 1
}

# wait_for TEST...: polls the test for 10 s.
wait_for() {
  local i
  for i in $(seq 200); do "$@" && return 0; sleep 0.05; done
  return 1
}

teardown() {
  # Everything this test started, by PID, in the order recorded (each
  # container before its monitor), then what they leave behind.
  local p d
  for p in $(cat "$W/pids"); do kill -9 "$p" 2>/dev/null || true; done
  for p in $(cat "$W/pids"); do wait_gone "$p" || echo "# pid $p still alive"; done
  for d in /sys/fs/cgroup/*/"$CG"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  grep " $W" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r d; do umount -l "$d"; done
  rm -rf "$W"
}

# bundle NAME ARG...: $W/NAME/config.json running ARG... in busybox, with pid,
# mount, uts and ipc namespaces, Docker's default mounts and devices, and its
# own cgroup. TERMINAL=1 asks for a terminal.
bundle() {
  local name=$1
  shift
  mkdir -p "$W/$name"
  "$PY" - "$W/$name/config.json" "$ROOTFS" "/$CG/$name" "${TERMINAL:-0}" "$@" <<'EOF'
import json, sys
path, rootfs, cg, tty, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5:]
def dev(p, major, minor):
    return {"path": p, "type": "c", "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0}
cfg = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": tty, "user": {"uid": 0, "gid": 0}, "args": args, "cwd": "/",
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    },
    "root": {"path": rootfs},
    "hostname": "mon",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    ],
    "linux": {
        "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}],
        "devices": [dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7),
                    dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0)],
        "cgroupsPath": cg,
    },
}
json.dump(cfg, open(path, "w"), indent=1)
EOF
}

# start_mon NAME [cdmon flags]: starts cdmon on $W/NAME, its sync line going
# to the file $W/NAME.sync; waits for that line. Sets SYNC, and CPID (the
# container's init) and MPID (the monitor) when it started.
start_mon() {
  local name=$1
  shift
  "$BIN_DIR/cdmon" --id "$name" --bundle "$W/$name" --log-path "$W/$name/$name-json.log" \
    "$@" --sync-fd 3 3>"$W/$name.sync"
  wait_sync "$name"
}

sync_done() { [ "$(wc -l <"$1")" -ge 1 ]; }

wait_sync() {
  local name=$1
  wait_for sync_done "$W/$name.sync"
  SYNC=$(cat "$W/$name.sync")
  CPID= MPID=
  if [[ "$SYNC" == *'"pid"'* ]]; then
    CPID=$(echo "$SYNC" | field pid)
    # (gone already when the container was quick)
    MPID=$(cat "$W/$name/monitor.pid" 2>/dev/null || true)
    echo "$CPID $MPID" >>"$W/pids"
  fi
  echo "# sync: $SYNC" 
}

# ctl SOCK REQUEST...: sends each request line and prints each answer line.
ctl() {
  "$PY" - "$@" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
path = sys.argv[1]
if len(path) >= 108:  # too long for sun_path: through the directory's fd
    d = os.open(os.path.dirname(path), os.O_RDONLY)
    path = "/proc/self/fd/%d/%s" % (d, os.path.basename(path))
s.connect(path)
f = s.makefile("rb")
for req in sys.argv[2:]:
    s.sendall(req.encode() + b"\n")
    print(f.readline().decode().rstrip("\n"))
EOF
}

# wait_exit NAME: waits for exit.json and for the monitor to be gone.
wait_exit() {
  wait_for test -f "$W/$1/exit.json"
  [ -z "$MPID" ] || wait_gone "$MPID"
}

RFC3339NANO='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$'

@test "start protocol: one sync line on a pipe, monitor.pid, ctl.sock; the sync fd does not leak" {
  bundle c sleep 1000
  mkfifo "$W/fifo"
  "$BIN_DIR/cdmon" --id c --bundle "$W/c" --log-path "$W/c/c-json.log" --sync-fd 3 3>"$W/fifo" &
  local starter=$!
  # EOF on the pipe while the container runs: neither the monitor nor the
  # container kept the sync fd open.
  run timeout 10 cat "$W/fifo"
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  echo "${lines[0]}" >"$W/c.sync"
  wait "$starter"   # the process the daemon starts exits at once, with 0
  wait_sync c
  [[ "$(echo "$SYNC" | field started_at)" =~ $RFC3339NANO ]]
  alive "$CPID"
  alive "$MPID"
  # the monitor is the init's parent; the init is PID 1 in its namespace
  [ "$(awk '/^PPid:/ {print $2}' "/proc/$CPID/status")" = "$MPID" ]
  [ "$(awk '/^NSpid:/ {print $3}' "/proc/$CPID/status")" = 1 ]
  # it left the starter's session
  [ "$(ps -o sid= -p "$MPID" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
  [ -S "$W/c/ctl.sock" ]
  out=$(ctl "$W/c/ctl.sock" '{"cmd":"state"}')
  [ "$(echo "$out" | field pid)" = "$CPID" ]
  [ "$(echo "$out" | field running)" = True ]
  [ "$(echo "$out" | field started_at)" = "$(echo "$SYNC" | field started_at)" ]
  # the monitor holds no fd of ours (bats' own fds, the fifo)
  [ -z "$(ls -l "/proc/$MPID/fd" | grep -F "$W/fifo")" ]
}

@test "a second cdmon on a running bundle is refused and leaves the first alone; long paths work" {
  local long=$W/$(printf 'd%.0s' $(seq 120))
  mkdir "$long"
  W=$long bundle c sleep 1000
  "$BIN_DIR/cdmon" --id c --bundle "$long/c" --log-path "$long/c/c-json.log" --sync-fd 3 3>"$W/c.sync"
  wait_sync c
  [ -n "$CPID" ]
  MPID=$(cat "$long/c/monitor.pid")
  echo "$MPID" >>"$W/pids"
  [ "$(ctl "$long/c/ctl.sock" '{"cmd":"state"}' | field running)" = True ]
  "$BIN_DIR/cdmon" --id c --bundle "$long/c" --log-path "$long/c/c-json.log" --sync-fd 3 3>"$W/c2.sync"
  wait_for sync_done "$W/c2.sync"
  [ "$(field exit_code <"$W/c2.sync")" = 125 ]
  [[ "$(field error <"$W/c2.sync")" == *'served by a running monitor'* ]]
  [ "$(cat "$long/c/monitor.pid")" = "$MPID" ]
  [ "$(ctl "$long/c/ctl.sock" '{"cmd":"state"}' | field pid)" = "$CPID" ]
  ctl "$long/c/ctl.sock" '{"cmd":"kill","signal":9}'
  wait_for test -f "$long/c/exit.json"
  wait_gone "$MPID"
  [ ! -e "$long/c/ctl.sock" ]
}

@test "stdout and stderr reach the json-file log with their streams and RFC3339Nano times" {
  bundle c sh -c 'echo hi; echo err >&2; printf "<tab>\t&\001\n"'
  start_mon c
  wait_exit c
  "$PY" - "$W/c/c-json.log" "$RFC3339NANO" <<'EOF'
import json, re, sys
raw = open(sys.argv[1], "rb").read().decode()
entries = [json.loads(l) for l in raw.splitlines()]
got = sorted((e["stream"], e["log"]) for e in entries)
assert got == [("stderr", "err\n"), ("stdout", "<tab>\t&\x01\n"), ("stdout", "hi\n")], got
for e in entries:
    assert sorted(e) == ["log", "stream", "time"], e
    assert re.match(sys.argv[2], e["time"]), e["time"]
# Docker's byte form: HTML characters and control bytes as \u00XX
assert '"log":"\\u003ctab\\u003e\\u0009\\u0026\\u0001\\n"' in raw, raw
EOF
  [ "$(field exit_code <"$W/c/exit.json")" = 0 ]
}

@test "exit.json for exit 3; monitor.pid and ctl.sock are removed and the monitor exits" {
  bundle c sh -c 'sleep 1; exit 3'
  start_mon c
  wait_exit c
  out=$(cat "$W/c/exit.json")
  [ "$(echo "$out" | field exit_code)" = 3 ]
  [ "$(echo "$out" | field signal)" = 0 ]
  [ "$(echo "$out" | field oom_killed)" = False ]
  [ "$(echo "$out" | field started_at)" = "$(echo "$SYNC" | field started_at)" ]
  [[ "$(echo "$out" | field finished_at)" =~ $RFC3339NANO ]]
  [ ! -e "$W/c/monitor.pid" ]
  [ ! -e "$W/c/ctl.sock" ]
  [ -n "$MPID" ]
  dead "$MPID"
  # rt_cleanup ran: the container's cgroup is gone
  [ ! -d "/sys/fs/cgroup/memory/$CG/c" ]
  [ ! -d "/sys/fs/cgroup/pids/$CG/c" ]
}

@test "kill through ctl.sock: exit_code 137, signal 9, and every client gets the exit event" {
  bundle c sleep 1000
  start_mon c
  "$PY" - "$W/c/ctl.sock" "$W/events" <<'EOF' &
import socket, sys
socks = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sys.argv[1])
    s.sendall(b'{"cmd":"state"}\n')
    f = s.makefile("rb")
    assert b'"running":true' in f.readline()
    socks.append(f)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "w") as out:
    for f in socks:
        out.write(f.readline().decode())
EOF
  local watcher=$!
  wait_for test -f "$W/events.ready"
  [ "$(ctl "$W/c/ctl.sock" '{"cmd":"kill","signal":9}')" = '{"ok":true}' ]
  wait "$watcher"
  [ "$(wc -l <"$W/events")" -eq 3 ]
  while read -r ev; do
    [ "$(echo "$ev" | field event)" = exit ]
    [ "$(echo "$ev" | field exit_code)" = 137 ]
    [ "$(echo "$ev" | field signal)" = 9 ]
  done <"$W/events"
  wait_exit c
  [ "$(field exit_code <"$W/c/exit.json")" = 137 ]
  [ "$(field signal <"$W/c/exit.json")" = 9 ]
  dead "$CPID"
}

@test "SIGTERM and SIGINT to cdmon are ignored; it ends only with its container" {
  bundle c sleep 1000
  start_mon c
  kill -TERM "$MPID"
  kill -INT "$MPID"
  kill -HUP "$MPID"
  sleep 0.3
  alive "$MPID"
  alive "$CPID"
  [ "$(ctl "$W/c/ctl.sock" '{"cmd":"state"}' | field running)" = True ]
  # ...while the container itself still gets the default dispositions
  grep -q '^SigIgn:[[:space:]]*0*$' "/proc/$CPID/status"
  ctl "$W/c/ctl.sock" '{"cmd":"kill","signal":9}'
  wait_exit c
  [ -n "$MPID" ]
  dead "$MPID"
}

@test "cdmon survives the death of the process that started it, and so does its container" {
  bundle c sleep 1000
  setsid bash -c '"$0" --id c --bundle "$1" --log-path "$1/c-json.log" --sync-fd 3 3>"$2"; exec sleep 1000' \
    "$BIN_DIR/cdmon" "$W/c" "$W/c.sync" </dev/null >/dev/null 2>&1 3>&- &
  local starter=$!
  echo "$starter" >>"$W/pids"
  wait_sync c
  kill -9 -- "-$starter"
  wait "$starter" || true
  dead "$starter"
  sleep 0.5
  alive "$MPID"
  alive "$CPID"
  [ "$(ctl "$W/c/ctl.sock" '{"cmd":"state"}' | field running)" = True ]
  ctl "$W/c/ctl.sock" '{"cmd":"kill","signal":9}'
  wait_exit c
  [ "$(field exit_code <"$W/c/exit.json")" = 137 ]
}

@test "100 MB of output pass through and the monitor stays under 1 MiB resident" {
  bundle c sh -c 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 50000000
    dd if=/dev/zero bs=1048576 count=50 2>/dev/null | tr "\0" x
    echo; echo done; exec sleep 1000'
  start_mon c --log-max-size 10m --log-max-file 2
  local max=0 rss i
  for i in $(seq 600); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$MPID/status")
    [ "$rss" -le "$max" ] || max=$rss
    tail -n 1 "$W/c/c-json.log" | grep -q '"log":"done\\n"' && break
    sleep 0.1
  done
  tail -n 1 "$W/c/c-json.log" | grep -q '"log":"done\\n"'
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$MPID/status")
  [ "$rss" -le "$max" ] || max=$rss
  echo "# cdmon VmRSS while relaying 100 MB: max $max kB" >&3
  if ldd "$BIN_DIR/cdmon-relay" >/dev/null 2>&1; then
    echo "# (cdmon-relay is dynamically linked, a sanitizer build: no 1 MiB bound)" >&3
  else
    [ "$max" -lt 1024 ]
  fi
  # 10m and 2 files: the log never held more than about 20 MB
  [ "$(ls "$W/c" | grep -c '^c-json.log')" -eq 2 ]
  [ "$(du -sk "$W/c" | cut -f1)" -lt 25000 ]
  ctl "$W/c/ctl.sock" '{"cmd":"kill","signal":9}'
  wait_exit c
}

@test "rotation with max-size 1k and max-file 3 leaves exactly 3 files, named as Docker names them" {
  bundle c sh -c 'i=0; while [ $i -lt 100 ]; do echo "line $i"; i=$((i+1)); done'
  start_mon c --log-max-size 1k --log-max-file 3
  wait_exit c
  run ls "$W/c"
  [ "$(ls "$W/c" | grep -c '^c-json.log')" -eq 3 ]
  [ -f "$W/c/c-json.log" ]
  [ -f "$W/c/c-json.log.1" ]
  [ -f "$W/c/c-json.log.2" ]
  [ "$(stat -c %s "$W/c/c-json.log.1")" -ge 1024 ]
  [ "$(stat -c %s "$W/c/c-json.log.2")" -ge 1024 ]
  [ "$(stat -c %a "$W/c/c-json.log")" = 640 ]
  tail -n 1 "$W/c/c-json.log" | grep -q '"log":"line 99\\n"'
  # the three files hold consecutive lines, oldest in .2
  cat "$W/c/c-json.log.2" "$W/c/c-json.log.1" "$W/c/c-json.log" | "$PY" -c '
import json, sys
n = [int(json.loads(l)["log"].split()[1]) for l in sys.stdin]
assert n == list(range(n[0], 100)), n'
}

@test "a line over 16 KiB becomes partial entries, as Docker splits them" {
  bundle c sh -c 'head -c 40000 /dev/zero | tr "\0" a; echo; printf tail'
  start_mon c
  wait_exit c
  "$PY" - "$W/c/c-json.log" <<'EOF'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert [len(x["log"]) for x in e] == [16384, 16384, 40000 - 32768 + 1, 4], [len(x["log"]) for x in e]
assert e[2]["log"].endswith("a\n") and not e[0]["log"].endswith("\n")
assert e[0]["time"] == e[1]["time"] == e[2]["time"], "the pieces of one line share its time"
assert e[3]["log"] == "tail"
EOF
}

@test "a missing executable: exit_code 127 on the sync fd and nothing left running" {
  bundle c nosuch
  start_mon c
  [ -z "$CPID" ]
  [ "$(echo "$SYNC" | field exit_code)" = 127 ]
  [[ "$(echo "$SYNC" | field error)" == *'"nosuch": executable file not found'* ]]
  left() { ps -eo stat=,args= | grep -v '^Z' | grep -F -- "--bundle $W/c" | grep -vq grep; }
  wait_for eval '! left'
  [ ! -e "$W/c/monitor.pid" ]
  [ ! -e "$W/c/ctl.sock" ]
  [ ! -e "$W/c/exit.json" ]
}

@test "an OOM kill of the container is reported in exit.json" {
  [ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory hierarchy"
  bundle c sh -c 'sleep 1; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
  start_mon c
  local cg=/sys/fs/cgroup/memory/$CG/c
  echo 16M >"$cg/memory.limit_in_bytes"
  [ ! -f "$cg/memory.memsw.limit_in_bytes" ] || echo 16M >"$cg/memory.memsw.limit_in_bytes"
  wait_exit c
  [ "$(field oom_killed <"$W/c/exit.json")" = True ]
  [ "$(field exit_code <"$W/c/exit.json")" = 137 ]
}

@test "tty: output through a pty, resize through ctl.sock" {
  TERMINAL=1 bundle c sh -c 'sleep 2; stty size; echo tty-ok'
  start_mon c --tty
  [ "$(ctl "$W/c/ctl.sock" '{"cmd":"resize","h":33,"w":77}')" = '{"ok":true}' ]
  wait_exit c
  grep -q '"log":"33 77\\r\\n","stream":"stdout"' "$W/c/c-json.log"
  grep -q '"log":"tty-ok\\r\\n","stream":"stdout"' "$W/c/c-json.log"
  [ "$(grep -c stderr "$W/c/c-json.log")" = 0 ]
}

@test "bad requests get errors; a client that never reads is dropped and the monitor goes on" {
  bundle c sleep 1000
  start_mon c
  run ctl "$W/c/ctl.sock" '{"cmd":"nope"}' 'not json' '{"cmd":"kill","signal":"TERM"}' '{"cmd":"resize","h":1,"w":1}'
  [[ "${lines[0]}" == '{"error":"unknown command \"nope\""}' ]]
  [[ "${lines[1]}" == '{"error":"invalid request: '* ]]
  [[ "${lines[2]}" == *'must be an integer'* ]]
  [[ "${lines[3]}" == *'no terminal'* ]]
  "$PY" - "$W/c/ctl.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
try:
    for i in range(100000):
        s.sendall(b'{"cmd":"state"}\n' * 64)
    sys.exit("never dropped")
except (BrokenPipeError, ConnectionResetError):
    pass
EOF
  run ctl "$W/c/ctl.sock" "{\"cmd\":\"state\",\"pad\":\"$(head -c 2000 /dev/zero | tr '\0' x)\"}"
  [[ "$output" == *'too long'* ]]
  [ "$(ctl "$W/c/ctl.sock" '{"cmd":"state"}' | field running)" = True ]
  ctl "$W/c/ctl.sock" '{"cmd":"kill","signal":9}'
  wait_exit c
}
