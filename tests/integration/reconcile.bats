#!/usr/bin/env bats
# Reconciliation: create/start/stop/rm loops through the API, some in the
# background so the daemon is mid-operation, and a SIGKILL of cdaemon at a
# random moment (0-150 ms in); after each restart, nothing is orphaned and
# nothing is missing (reconcile_check.py says what exactly), and at the end
# every container can be removed with rm -f, leaving nothing.
#
# Seeded: the seed is printed; RECONCILE_SEED=N replays the same choices
# (timings differ), RECONCILE_ITERS=N sets the number of kills (25),
# RECONCILE_BUDGET=S stops starting new iterations after S seconds (80).
load helpers
load restore_helpers

setup() {
  rs_start
  ls "$T/root/overlay2" >"$T/baseline"
}
teardown() { rs_cleanup; }

CHECK=$BATS_TEST_DIRNAME/reconcile_check.py

# The kinds of containers, by index.
KINDS=(
  '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 0\" TERM; while :; do sleep 0.2; done"],"HostConfig":{"NetworkMode":"none"}}'
  '{"Image":"busybox","Cmd":["sh","-c","exit 2"],"HostConfig":{"NetworkMode":"none"}}'
  '{"Image":"busybox","Cmd":["sh","-c","sleep 0.3; exit 1"],"HostConfig":{"NetworkMode":"none"}}'
  '{"Image":"busybox","Cmd":["sh","-c","sleep 1; exit 1"],"HostConfig":{"NetworkMode":"none","RestartPolicy":{"Name":"always"}}}'
  '{"Image":"busybox","Cmd":["nosuchcmd"],"HostConfig":{"NetworkMode":"none"}}'
)
OPS=(start "stop?t=0" kill "restart?t=0" "rm?force=1" rm)

# req METHOD PATH [curl args]: one request; the answer does not matter here.
req() {
  local m=$1 p=$2
  shift 2
  curl -s -o /dev/null --max-time 30 --unix-socket "$SOCK" -X "$m" "$@" "http://d$p" || true
}

# run_plan PLAN: lines "create NAME KIND" or "OP NAME", in order.
run_plan() {
  local verb name arg
  while read -r verb name arg; do
    case $verb in
      create) req POST "/containers/create?name=$name" -H 'Content-Type: application/json' -d "${KINDS[$arg]}" ;;
      rm*) req DELETE "/containers/$name${verb#rm}" ;;
      *) req POST "/containers/$name/$verb" ;;
    esac
  done <<<"$1"
}

# plan_new NAME: sets PLAN to create, then maybe start, stop/kill/restart, rm.
# (Not through $(...): a subshell would not advance the seeded RANDOM.)
plan_new() {
  PLAN="create $1 $((RANDOM % ${#KINDS[@]}))"
  if ((RANDOM % 4)); then PLAN+=$'\n'"start $1"; fi
  if ((RANDOM % 2)); then PLAN+=$'\n'"${OPS[RANDOM % 4 + 1]} $1"; fi
  if ! ((RANDOM % 3)); then PLAN+=$'\n'"rm?force=1 $1"; fi
}

# plan_old ID: sets PLAN to one to three operations on an existing container.
plan_old() {
  local n=$((RANDOM % 3 + 1)) i
  PLAN=""
  for ((i = 0; i < n; i++)); do PLAN+="${PLAN:+$'\n'}${OPS[RANDOM % ${#OPS[@]}]} $1"; done
}

ids() { api 'http://d/containers/json?all=1' | "$PY" -c 'import sys, json; print(" ".join(c["Id"] for c in json.load(sys.stdin)))'; }

# check WHEN: polls reconcile_check.py for 10 s (the start-up clean-up runs
# in the background, a monitor takes a moment to go); fails with its report.
check() {
  local i
  for i in $(seq 50); do
    "$PY" "$CHECK" "$T" "$CGP" "$T/baseline" >"$T/problems" 2>&1 && return 0
    sleep 0.2
  done
  echo "# seed $SEED, $1:"
  sed 's/^/#   /' "$T/problems"
  api 'http://d/containers/json?all=1' | "$PY" -c 'import sys, json
for c in json.load(sys.stdin): print("#   row %.12s %s %s" % (c["Id"], c["Names"][0], c["Status"]))'
  return 1
}

@test "SIGKILL of the daemon at random moments: nothing orphaned, nothing missing, everything removable" {
  SEED=${RECONCILE_SEED:-$(( $(date +%s%N) / 1000 % 1000000 ))}
  ITERS=${RECONCILE_ITERS:-25}
  BUDGET=${RECONCILE_BUDGET:-80}
  echo "# reconcile: seed $SEED (RECONCILE_SEED=$SEED to replay), $ITERS iterations" >&3
  RANDOM=$SEED
  t0=$SECONDS
  done_iters=0
  for it in $(seq "$ITERS"); do
    ((SECONDS - t0 < BUDGET)) || break
    existing=($(ids))
    # keep the number of containers bounded: remove some in the foreground
    while [ "${#existing[@]}" -gt 8 ]; do
      k=$((RANDOM % ${#existing[@]}))
      [ "$(status DELETE "/containers/${existing[$k]}?force=1")" = 204 ]
      existing=("${existing[@]:0:$k}" "${existing[@]:$((k + 1))}")
    done
    # workers, each on containers of its own
    pids=()
    nw=$((RANDOM % 3 + 1))
    for w in $(seq $nw); do
      if [ "${#existing[@]}" -gt 0 ] && ((RANDOM % 2)); then
        k=$((RANDOM % ${#existing[@]}))
        plan_old "${existing[$k]}"
        existing=("${existing[@]:0:$k}" "${existing[@]:$((k + 1))}")
      else
        plan_new "r${it}w$w"
      fi
      run_plan "$PLAN" &
      pids+=($!)
    done
    delay=$((RANDOM % 151))
    sleep "$(printf '0.%03d' "$delay")"
    rs_kill9
    wait "${pids[@]}" || true
    rs_restart
    check "after kill $it (${delay} ms in)"
    done_iters=$it
  done
  echo "# reconcile: $done_iters kills in $((SECONDS - t0)) s; at restarts the daemon" \
    "adopted $(grep -c 'was not recorded before' "$T/daemon.log") unrecorded starts," \
    "removed $(grep -c 'of a container that has no record' "$T/daemon.log") layers and" \
    "$(grep -c 'it belongs to no container' "$T/daemon.log") directories without a row," \
    "ended $(grep -c 'has no record: killing it' "$T/daemon.log") monitors without a row" >&3
  [ "$done_iters" -ge $((ITERS < 5 ? ITERS : 5)) ]

  # everything left can be removed with rm -f, leaving nothing
  for id in $(ids); do
    [ "$(status DELETE "/containers/$id?force=1")" = 204 ]
  done
  [ -z "$(ids)" ]
  check "after removing everything"
  [ "$(ls "$T/root/overlay2")" = "$(cat "$T/baseline")" ]
  [ -z "$(ls "$T/root/containers")" ]
  [ -z "$(ls "$T/run/containers" 2>/dev/null)" ]
  [ -z "$(monitors)" ]
  [ -z "$(find /sys/fs/cgroup/*/"$CGP" -mindepth 1 -type d 2>/dev/null)" ]
}

@test "at start, a monitor whose container has no row is ended, and its bundle, directory, layers and cgroup go" {
  id=$(api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=lost' -d "${KINDS[0]}" | json Id)
  [ "$(status POST /containers/lost/start)" = 204 ]
  pid=$(api http://d/containers/lost/json | json State.Pid)
  rs_kill9
  # what a start racing a remove can leave: a running container without a row
  "$PY" -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM containers WHERE id = ?", (sys.argv[2],)); c.commit()' "$T/root/cdaemon.db" "$id"
  rs_restart
  for i in $(seq 100); do { alive "$pid" || [ -n "$(monitors)" ]; } || break; sleep 0.05; done
  dead "$pid"
  [ -z "$(monitors)" ]
  check "after a restart with a monitor without a row"
  [ ! -e "$T/run/containers/$id" ]
  [ ! -e "$T/root/containers/$id" ]
  [ ! -e "$T/root/overlay2/$id" ]
  [ -z "$(find /sys/fs/cgroup/*/"$CGP" -mindepth 1 -type d 2>/dev/null)" ]
  grep -q "has no record: killing it" "$T/daemon.log"
}
