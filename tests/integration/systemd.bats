#!/usr/bin/env bats
# systemd integration: the units verify, socket activation hands cdaemon its
# socket and cdaemon tells systemd READY=1 and STOPPING=1.
load helpers

setup() { T=$(mktemp -d /tmp/cdtest.XXXXXX); }
teardown() {
  [ -n "${SAPID:-}" ] && kill "$SAPID" 2>/dev/null
  [ -n "${NPID:-}" ] && kill "$NPID" 2>/dev/null
  cleanup_daemon
}

@test "systemd-analyze verify passes on both units" {
  mkdir "$T/units"
  sed "s|/usr/local/bin/|$BIN_DIR/|" "$PROJ/systemd-units/cdaemon.service" >"$T/units/cdaemon.service"
  cp "$PROJ/systemd-units/cdaemon.socket" "$T/units/"
  run systemd-analyze verify "$T/units/cdaemon.socket" "$T/units/cdaemon.service"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  grep -q '^Type=notify' "$T/units/cdaemon.service"
  grep -q '^Delegate=yes' "$T/units/cdaemon.service"
  grep -q '^KillMode=process' "$T/units/cdaemon.service"
  grep -q '^LimitNOFILE=' "$T/units/cdaemon.service"
  grep -q '^Restart=' "$T/units/cdaemon.service"
  grep -q '^ListenStream=/run/cdaemon.sock' "$T/units/cdaemon.socket"
  grep -q '^SocketMode=0660' "$T/units/cdaemon.socket"
}

@test "socket activation: cdaemon serves the passed socket and sends READY=1, then STOPPING=1" {
  SOCK=$T/act.sock
  python3 "$BATS_TEST_DIRNAME/notify_listen.py" "$T/notify.sock" "$T/notify.log" 30 &
  NPID=$!
  for i in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
  systemd-socket-activate -l "$SOCK" -E NOTIFY_SOCKET="$T/notify.sock" \
    "$BIN_DIR/cdaemon" -H fd:// --root "$T/root" --exec-root "$T/run" >"$T/daemon.log" 2>&1 &
  SAPID=$!
  for i in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
  # the first connection starts cdaemon, which answers on the inherited socket
  [ "$(curl -s --max-time 10 --unix-socket "$SOCK" http://d/_ping)" = OK ]
  for i in $(seq 50); do grep -q 'READY=1' "$T/notify.log" && break; sleep 0.1; done
  grep -q 'READY=1' "$T/notify.log"
  grep -q 'STATUS=' "$T/notify.log"
  # systemd-socket-activate execs the daemon: same pid
  kill -TERM "$SAPID"
  for i in $(seq 100); do kill -0 "$SAPID" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$SAPID" 2>/dev/null
  grep -q 'STOPPING=1' "$T/notify.log"
  SAPID=
}

@test "-H fd:// without socket activation is a clear error" {
  run timeout 10 "$BIN_DIR/cdaemon" -H fd:// --root "$T/root" --exec-root "$T/run"
  [ "$status" -eq 1 ]
  [[ "$output" == *"LISTEN_FDS"* ]]
}

@test "make install honours PREFIX and DESTDIR" {
  run make -C "$PROJ" -s install DESTDIR="$T/dest" PREFIX=/opt/cd BIN="$BIN_DIR"
  [ "$status" -eq 0 ]
  for b in cdaemon cdctl cdmon; do [ -x "$T/dest/opt/cd/bin/$b" ]; done
  grep -q '^ExecStart=/opt/cd/bin/cdaemon ' "$T/dest/opt/cd/lib/systemd/system/cdaemon.service"
  [ -f "$T/dest/opt/cd/lib/systemd/system/cdaemon.socket" ]
}
