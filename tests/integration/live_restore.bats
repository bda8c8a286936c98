#!/usr/bin/env bats
# Live restore: cdaemon is killed with SIGKILL while containers run; the
# monitors carry on without it, and a new daemon on the same root, exec-root
# and socket takes them back: running ones keep running (same process),
# exits that happened meanwhile are recorded with their real time, "always"
# containers come back, and no monitor is doubled.
load helpers
load restore_helpers

setup() { rs_start; }
teardown() { rs_cleanup; }

create() { api -X POST -H 'Content-Type: application/json' "http://d/containers/create?name=$1" -d "$2" | json Id; }
state() { api "http://d/containers/$1/json" | json "State.$2"; }
wait_state() { # wait_state NAME STATUS: polls for 10 s
  local i
  for i in $(seq 200); do [ "$(state "$1" Status)" = "$2" ] && return 0; sleep 0.05; done
  return 1
}
# mons ID: how many live monitors the container has.
mons() { monitors | awk -v id="$1" '$3 == id' | wc -l; }
# monitors_match: exactly one live monitor per running container, none else.
monitors_match() {
  local want got
  want=$(api 'http://d/containers/json' | "$PY" -c 'import sys, json; print("\n".join(sorted(c["Id"] for c in json.load(sys.stdin))))')
  got=$(monitors | awk '{print $3}' | sort)
  echo "want=[$want] got=[$got]" >>"$T/mm.log"
  [ -n "$want" ] && [ "$want" = "$got" ]
}

@test "after a SIGKILL of the daemon: running containers kept, exits while down recorded, always restarted, one monitor each" {
  # 1: long-running, a line every ~100 ms; SIGTERM ends it with code 0
  c1=$(create long '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 0\" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"],"HostConfig":{"NetworkMode":"none"}}')
  # 3: --restart always, exits now and then
  c3=$(create always '{"Image":"busybox","Cmd":["sh","-c","sleep 1; exit 1"],"HostConfig":{"NetworkMode":"none","RestartPolicy":{"Name":"always"}}}')
  # 2: exits with code 3 while the daemon is down
  c2=$(create three '{"Image":"busybox","Cmd":["sh","-c","sleep 2; exit 3"],"HostConfig":{"NetworkMode":"none"}}')
  for c in always long; do [ "$(status POST /containers/$c/start)" = 204 ]; done
  pid1=$(state long Pid)
  [ "$pid1" -gt 0 ]
  [ "$(status POST /containers/three/start)" = 204 ]
  killed=$(date +%s.%N)
  rs_kill9
  # the daemon is down: wait until "three" (and "always") have exited
  for i in $(seq 100); do [ -f "$T/run/containers/$c2/exit.json" ] && break; sleep 0.05; done
  [ -f "$T/run/containers/$c2/exit.json" ]
  for i in $(seq 40); do [ -f "$T/run/containers/$c3/exit.json" ] && break; sleep 0.05; done
  alive "$pid1"
  sleep 0.3   # a few more log lines while down
  restarted=$(date +%s.%N)
  rs_restart

  # 1: still running, the same process, its lines written while down are in logs
  [ "$(state long Status)" = running ]
  [ "$(state long Pid)" = "$pid1" ]
  alive "$pid1"
  n=$(curl -s --unix-socket "$SOCK" "http://d/containers/long/logs?stdout=1&since=$killed&until=$restarted" | grep -ac 'tick ')
  [ "$n" -ge 3 ]

  # 2: Exited (3), finished while the daemon was down (not at its restart)
  [ "$(state three Status)" = exited ]
  [ "$(state three ExitCode)" = 3 ]
  fin=$(state three FinishedAt)
  "$PY" - "$fin" "$killed" "$restarted" <<'PYEOF'
import sys, datetime
t, killed, restarted = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
base, frac = t.rstrip('Z').split('.')
ts = datetime.datetime.strptime(base, '%Y-%m-%dT%H:%M:%S').replace(tzinfo=datetime.timezone.utc).timestamp() + float('0.' + frac)
assert killed < ts < restarted, (t, ts, killed, restarted)
PYEOF
  run $CD ps -a --filter name=three
  [[ "$output" == *"Exited (3) "*three* ]]
  run $DOCKER ps -a --filter name=three --format '{{.Status}}'
  [[ "$output" == "Exited (3) "* ]]

  # 3: the always container runs again
  wait_state always running

  # one live monitor per running container, none for the exited one
  # ("always" comes and goes: its exiting monitor may overlap the next one
  # for a moment, so this looks for a snapshot where both sides agree)
  ok=
  for i in $(seq 100); do monitors_match && { ok=1; break; }; sleep 0.05; done
  [ -n "$ok" ] || { cat "$T/mm.log"; false; }
  [ "$(mons "$c1")" = 1 ]
  [ "$(mons "$c2")" = 0 ]

  # 1 stops cleanly through the reattached monitor: SIGTERM, code 0, monitor gone
  t0=$(date +%s%N)
  [ "$(status POST '/containers/long/stop?t=5')" = 204 ]
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 4000 ]
  wait_state long exited
  [ "$(state long ExitCode)" = 0 ]
  dead "$pid1"
  for i in $(seq 100); do [ "$(mons "$c1")" = 0 ] && break; sleep 0.05; done
  [ "$(mons "$c1")" = 0 ]
  [ "$(status DELETE '/containers/always?force=1')" = 204 ]
  for i in $(seq 100); do [ -z "$(monitors)" ] && break; sleep 0.05; done
  [ -z "$(monitors)" ]
}

@test "a graceful stop of the daemon leaves containers running too, and a new daemon takes them back" {
  create up '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 0\" TERM; while true; do sleep 0.1; done"],"HostConfig":{"NetworkMode":"none"}}' >/dev/null
  [ "$(status POST /containers/up/start)" = 204 ]
  pid=$(state up Pid)
  stop_daemon   # SIGTERM: exits 0 with a container running
  alive "$pid"
  rs_restart
  [ "$(state up Status)" = running ]
  [ "$(state up Pid)" = "$pid" ]
  [ "$(status POST '/containers/up/stop?t=5')" = 204 ]
  wait_state up exited
  [ "$(state up ExitCode)" = 0 ]
}
