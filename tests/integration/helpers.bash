# Shared by every integration test: a private cdaemon (own socket, root,
# exec-root under one temporary directory), removed afterwards even when a
# test fails; its log is printed when a test fails.
BIN_DIR=${BIN_DIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/bin}
PROJ=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
IMAGES=$PROJ/build/images
# Debian's python3 (a pyenv shim on PATH may cost most of a second per call).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# Tests never reach the internet: docker.io pulls (a docker CLI `create` of a
# missing image pulls it) go to a closed loopback port instead.
export CDAEMON_HUB_HOST=${CDAEMON_HUB_HOST:-127.0.0.1:9}

# start_daemon [extra cdaemon flags...]: sets T, SOCK, DPID, CD (cdctl), DOCKER.
start_daemon() {
  # a $T made by the file's setup (no daemon ran in it yet) is used, not leaked
  if [ -z "${T:-}" ] || [ ! -d "$T" ] || [ -e "$T/daemon.log" ]; then
    T=$(mktemp -d /tmp/cdtest.XXXXXX)
  fi
  SOCK=$T/cd.sock
  # a cgroup parent of its own (a later --cgroup-parent in "$@" wins): what
  # a test leaves running is found and ended by cleanup_daemon
  TEST_CGP=cdtest-${T##*.}
  local prev=
  for a in "$@"; do [ "$prev" = --cgroup-parent ] && TEST_CGP=$a; prev=$a; done
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" \
    --cgroup-parent "cdtest-${T##*.}" --log-level debug "$@" >"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping || { echo "daemon did not start:"; cat "$T/daemon.log"; return 1; }
  CD="$BIN_DIR/cdctl -H unix://$SOCK"
  DOCKER="/usr/local/bin/docker -H unix://$SOCK"
  export T SOCK DPID CD DOCKER TEST_CGP
}

# kill_test_cgroups: SIGKILL every process left in the test daemon's cgroup
# parent (containers outlive their daemon by design), then remove the groups.
kill_test_cgroups() {
  [ -n "${TEST_CGP:-}" ] || return 0
  local i cg
  for i in $(seq 50); do
    cat /sys/fs/cgroup/*/"$TEST_CGP"/*/cgroup.procs /sys/fs/cgroup/"$TEST_CGP"/*/cgroup.procs 2>/dev/null |
      xargs -r kill -9 2>/dev/null
    [ -z "$(cat /sys/fs/cgroup/*/"$TEST_CGP"/*/cgroup.procs 2>/dev/null)" ] && break
    sleep 0.1
  done
  for cg in /sys/fs/cgroup/*/"$TEST_CGP" /sys/fs/cgroup/"$TEST_CGP"; do
    [ -d "$cg" ] || continue
    find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
    rmdir "$cg" 2>/dev/null
  done
  TEST_CGP=
}

wait_ping() {
  local i
  for i in $(seq 200); do
    curl -sf --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1 && return 0
    kill -0 "$DPID" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# stop_daemon: SIGTERM, then SIGKILL after 10 s; returns the daemon's exit status.
stop_daemon() {
  [ -n "${DPID:-}" ] || return 0
  kill "$DPID" 2>/dev/null
  local i rc=0
  for i in $(seq 200); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$DPID" 2>/dev/null && rc=137
  wait "$DPID" 2>/dev/null || rc=$?
  DPID=
  return $rc
}

# cleanup_daemon: stop it and remove everything under $T (mounts first).
cleanup_daemon() {
  if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${T:-}" ] && [ -f "$T/daemon.log" ]; then
    echo "# --- daemon log ($T/daemon.log) ---"
    tail -n 60 "$T/daemon.log" | sed 's/^/# /'
  fi
  stop_daemon || true
  kill_test_cgroups
  if [ -n "${T:-}" ] && [ -d "$T" ]; then
    grep " $T" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null
    done
    rm -rf "$T"
  fi
  T=
}

api() { curl -s --unix-socket "$SOCK" "$@"; }
# status METHOD PATH [curl args]: prints the HTTP status code only.
status() { local m=$1 p=$2; shift 2; curl -s -o /dev/null -w '%{http_code}' -X "$m" --unix-socket "$SOCK" "$@" "http://d$p"; }
# jq-like field access without jq: json FIELD.PATH < input
json() { "$PY" -c 'import sys,json
v=json.load(sys.stdin)
for k in sys.argv[1].split(".") if sys.argv[1] else []:
    v=v[int(k)] if isinstance(v,list) else v[k]
print(json.dumps(v) if isinstance(v,(dict,list)) else v)' "$1"; }
