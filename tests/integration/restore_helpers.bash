# Shared by live_restore.bats and reconcile.bats: a private daemon with its
# own cgroup parent, SIGKILL and restart on the same root, exec-root and
# socket, and a view of this daemon's monitors (found by their --bundle
# argument under $T/run, so other daemons' monitors never count).

# rs_start: start_daemon with a cgroup parent of its own; loads busybox.
rs_start() {
  CGP=cdtest-rs-$$-$RANDOM$RANDOM
  export CGP
  start_daemon --cgroup-parent "$CGP"
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}

# rs_kill9: SIGKILL the daemon and reap it.
rs_kill9() {
  kill -9 "$DPID"
  { wait "$DPID"; } 2>/dev/null || true
  DPID=
}

# rs_restart: a new daemon on the same root, exec-root, socket and cgroup parent.
rs_restart() {
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" \
    --cgroup-parent "$CGP" --log-level debug >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping || { echo "# the daemon did not come back"; tail -n 30 "$T/daemon.log"; return 1; }
}

# monitors: "PID PPID ID" for each live (not Z) cdmon / cdmon-relay process
# of this daemon, i.e. whose --bundle is $T/run/containers/ID.
monitors() {
  "$PY" - "$T/run/containers/" <<'EOF'
import os, sys
pre = sys.argv[1]
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        st = open('/proc/%s/stat' % p).read()
        argv = open('/proc/%s/cmdline' % p, 'rb').read().split(b'\0')
    except OSError:
        continue
    f = st[st.rindex(')') + 2:].split()
    argv = [a.decode(errors='replace') for a in argv]
    if f[0] == 'Z' or not os.path.basename(argv[0]).startswith('cdmon') or '--bundle' not in argv:
        continue
    i = argv.index('--bundle') + 1
    if i < len(argv) and argv[i].startswith(pre):
        print(p, f[1], argv[i][len(pre):])
EOF
}

# alive PID: exists and is not a zombie.
alive() {
  local s
  s=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)
  [ -n "$s" ] && [ "$s" != Z ]
}
# dead PID: the opposite, usable as a test line (bats ignores `! cmd` there).
dead() { ! alive "$1"; }

# rs_cleanup: stop the daemon first (so that nothing is restarted), kill what
# its containers and monitors left running (by PID: the members of our own
# cgroups, then our monitors), remove our cgroup directories, then
# cleanup_daemon (which removes $T: the monitors need their bundles until
# they are gone, to remove the cgroups).
rs_cleanup() {
  local f p m i
  stop_daemon || true
  if [ -n "${CGP:-}" ]; then
    for f in /sys/fs/cgroup/*/"$CGP"/*/cgroup.procs /sys/fs/cgroup/"$CGP"/*/cgroup.procs; do
      [ -f "$f" ] || continue
      for p in $(cat "$f"); do kill -9 "$p" 2>/dev/null || true; done
    done
  fi
  if [ -n "${T:-}" ]; then
    for i in $(seq 100); do [ -z "$(monitors)" ] && break; sleep 0.05; done
    monitors | while read -r m _ _; do echo "# monitor $m still alive: killed"; kill -9 "$m" 2>/dev/null; done
  fi
  if [ -n "${CGP:-}" ]; then
    for f in /sys/fs/cgroup/*/"$CGP" /sys/fs/cgroup/"$CGP"; do
      [ -d "$f" ] && find "$f" -depth -type d -exec rmdir {} + 2>/dev/null
    done
  fi
  cleanup_daemon
}
