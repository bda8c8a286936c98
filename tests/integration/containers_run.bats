#!/usr/bin/env bats
# Containers through cdaemon, cdmon and the runtime: start, exit codes, logs
# written by the monitor, stop/kill, wait, restart policies, --rm, rm -f.
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
teardown() { cleanup_daemon; }

create() { api -X POST -H 'Content-Type: application/json' "http://d/containers/create?name=$1" -d "$2" | json Id; }
state() { api "http://d/containers/$1/json" | json "State.$2"; }
wait_state() { # wait_state NAME STATUS
  for i in $(seq 100); do [ "$(state "$1" Status)" = "$2" ] && return 0; sleep 0.05; done
  return 1
}

@test "start runs the command in its own namespaces; the exit code and output are recorded" {
  id=$(create aa '{"Image":"busybox","Cmd":["sh","-c","echo out; echo err >&2; echo pid=$$; hostname; exit 3"]}')
  [ "$(status POST /containers/aa/start)" = 204 ]
  wait_state aa exited
  [ "$(state aa ExitCode)" = 3 ]
  [ "$(state aa Running)" = False ]
  [[ "$(state aa FinishedAt)" == 20* ]]
  log="$T/root/containers/$id/$id-json.log"
  grep -q '"log":"out\\n","stream":"stdout"' "$log"
  grep -q '"log":"err\\n","stream":"stderr"' "$log"
  grep -q '"log":"pid=1\\n"' "$log"
  grep -q "\"log\":\"${id:0:12}\\\\n\"" "$log"
  # starting it again works (and a stopped container's stop is a 304)
  [ "$(status POST /containers/aa/stop)" = 304 ]
}

@test "a missing executable gives Docker's 127 and message; the container stays created" {
  create cc '{"Image":"busybox","Cmd":["nosuchcmd"]}' >/dev/null
  run api -w '\n%{http_code}' -X POST http://d/containers/cc/start
  [ "${lines[-1]}" = 400 ]
  [[ "$output" == *'exec: \"nosuchcmd\": executable file not found in $PATH'* ]]
  [ "$(state cc Status)" = created ]
  [ "$(state cc ExitCode)" = 127 ]
  [[ "$(state cc Error)" == *"executable file not found"* ]]
  create dd '{"Image":"busybox","Cmd":["/etc"]}' >/dev/null
  [ "$(status POST /containers/dd/start)" = 400 ]
  [ "$(state dd ExitCode)" = 126 ]
}

@test "stop sends SIGTERM then SIGKILL after the timeout; the monitor and cgroup go away" {
  id=$(create bb '{"Image":"busybox","Cmd":["sleep","100"]}')
  [ "$(status POST /containers/bb/start)" = 204 ]
  [ "$(state bb Status)" = running ]
  pid=$(state bb Pid)
  [ "$pid" -gt 0 ]
  kill -0 "$pid"
  [ -d "/sys/fs/cgroup/memory/$TEST_CGP/$id" ] || [ -d "/sys/fs/cgroup/$TEST_CGP/$id" ]
  [ "$(status POST /containers/bb/start)" = 304 ]
  start=$(date +%s%N)
  [ "$(status POST '/containers/bb/stop?t=1')" = 204 ]
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -ge 900 ]   # sleep as PID 1 ignores SIGTERM: killed after 1 s
  wait_state bb exited
  [ "$(state bb ExitCode)" = 137 ]
  ! kill -0 "$pid" 2>/dev/null
  for i in $(seq 40); do [ ! -d "/sys/fs/cgroup/memory/$TEST_CGP/$id" ] && break; sleep 0.05; done
  [ ! -d "/sys/fs/cgroup/memory/$TEST_CGP/$id" ]
}

@test "kill delivers a signal; not running is a 409; a bad signal a 400" {
  create bb '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 7\" USR1; while true; do sleep 0.1; done"]}' >/dev/null
  api -X POST http://d/containers/bb/start
  sleep 0.3
  [ "$(status POST '/containers/bb/kill?signal=BOGUS')" = 400 ]
  [ "$(status POST '/containers/bb/kill?signal=SIGUSR1')" = 204 ]
  wait_state bb exited
  [ "$(state bb ExitCode)" = 7 ]
  [ "$(status POST /containers/bb/kill)" = 409 ]
}

@test "wait returns the exit code: not-running and next-exit" {
  create ww '{"Image":"busybox","Cmd":["sh","-c","sleep 0.5; exit 5"]}' >/dev/null
  (api -X POST 'http://d/containers/ww/wait?condition=next-exit' >"$T/wait.out") &
  sleep 0.2
  api -X POST http://d/containers/ww/start
  for i in $(seq 60); do [ -s "$T/wait.out" ] && break; sleep 0.1; done
  [ "$(json StatusCode <"$T/wait.out")" = 5 ]
  [ "$(api -X POST http://d/containers/ww/wait | json StatusCode)" = 5 ]
  [ "$(status POST '/containers/ww/wait?condition=bogus')" = 400 ]
}

@test "restart policy on-failure:2 restarts twice with back-off, then stays exited" {
  create rr '{"Image":"busybox","Cmd":["sh","-c","exit 1"],"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}}}' >/dev/null
  api -X POST http://d/containers/rr/start
  for i in $(seq 100); do
    [ "$(api http://d/containers/rr/json | json RestartCount)" = 2 ] && [ "$(state rr Status)" = exited ] && break
    sleep 0.1
  done
  [ "$(api http://d/containers/rr/json | json RestartCount)" = 2 ]
  sleep 1
  [ "$(state rr Status)" = exited ]
  [ "$(api http://d/containers/rr/json | json RestartCount)" = 2 ]
}

@test "restart policy always restarts a container that exits, but not one the user stopped" {
  create al '{"Image":"busybox","Cmd":["sh","-c","sleep 0.2; exit 0"],"HostConfig":{"RestartPolicy":{"Name":"always"}}}' >/dev/null
  api -X POST http://d/containers/al/start
  for i in $(seq 60); do [ "$(api http://d/containers/al/json | json RestartCount)" -ge 2 ] && break; sleep 0.1; done
  [ "$(api http://d/containers/al/json | json RestartCount)" -ge 2 ]
  [ "$(status POST '/containers/al/stop?t=1')" = 204 ]
  wait_state al exited
  sleep 1
  [ "$(state al Status)" = exited ]
}

@test "AutoRemove (--rm) removes the container, its layers and its directory when it exits" {
  id=$(create rm1 '{"Image":"busybox","Cmd":["true"],"HostConfig":{"AutoRemove":true}}')
  api -X POST http://d/containers/rm1/start
  for i in $(seq 60); do [ "$(status GET /containers/rm1/json)" = 404 ] && break; sleep 0.05; done
  [ "$(status GET /containers/rm1/json)" = 404 ]
  [ ! -e "$T/root/containers/$id" ]
  [ -z "$(find "$T/root/overlay2" -maxdepth 1 -name "$id*")" ]
}

@test "rm of a running container is 409; rm -f kills and removes it" {
  id=$(create ff '{"Image":"busybox","Cmd":["sleep","100"]}')
  api -X POST http://d/containers/ff/start
  pid=$(state ff Pid)
  [ "$(status DELETE /containers/ff)" = 409 ]
  [ "$(status DELETE '/containers/ff?force=1')" = 204 ]
  ! kill -0 "$pid" 2>/dev/null
  [ -z "$(find "$T/root/overlay2" -maxdepth 1 -name "$id*")" ]
  [ -z "$(grep "$id" /proc/self/mountinfo)" ]
}

@test "the docker CLI: run -d, ps, stop, start, kill, wait, rm -f" {
  run $DOCKER run -d --name web busybox sleep 100
  [ "$status" -eq 0 ]
  run $DOCKER ps
  [[ "$output" == *Up*web* ]]
  run $DOCKER stop -t 1 web
  [ "$status" -eq 0 ]
  run $DOCKER ps -a
  [[ "$output" == *"Exited (137)"* ]]
  $DOCKER start web
  $DOCKER kill web
  run $DOCKER wait web
  [ "$output" = 137 ]
  run $DOCKER rm -f web
  [ "$status" -eq 0 ]
}

@test "events: create, start, die with exitCode, destroy" {
  since=$(date +%s)
  create ev '{"Image":"busybox","Cmd":["sh","-c","exit 4"]}' >/dev/null
  api -X POST http://d/containers/ev/start
  wait_state ev exited
  api -X DELETE http://d/containers/ev
  out=$(timeout 5 curl -s --unix-socket "$SOCK" "http://d/events?since=$since&until=$(( $(date +%s) + 1 ))")
  for a in create start die destroy; do [[ "$out" == *"\"Action\":\"$a\""* ]]; done
  [[ "$out" == *'"exitCode":"4"'* ]]
}

@test "logs: multiplexed frames keep stdout and stderr apart; tail, timestamps, follow" {
  create lg '{"Image":"busybox","Cmd":["sh","-c","for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done"]}' >/dev/null
  api -X POST http://d/containers/lg/start
  # follow returns when the container exits, with everything
  timeout 10 curl -s --unix-socket "$SOCK" 'http://d/containers/lg/logs?stdout=1&stderr=1&follow=1' >"$T/all"
  "$PY" - "$T/all" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, err, i = b"", b"", 0
while i < len(data):
    stream, size = data[i], struct.unpack(">I", data[i + 4:i + 8])[0]
    payload = data[i + 8:i + 8 + size]
    assert len(payload) == size
    if stream == 1: out += payload
    elif stream == 2: err += payload
    else: raise SystemExit("bad stream %d" % stream)
    i += 8 + size
assert out == b"out1\nout2\nout3\n", out
assert err == b"err1\nerr2\nerr3\n", err
PY
  run $DOCKER logs --tail 1 lg
  [ "$output" = err3 ] || [ "$output" = out3 ]
  run $DOCKER logs lg
  [[ "$output" == *out1*out3* ]]
  run $DOCKER logs -t lg
  [[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:.]+Z\ (out|err)1$ ]]
  [ "$(status GET /containers/lg/logs)" = 400 ]
  [ "$(status GET '/containers/nosuch/logs?stdout=1')" = 404 ]
}

@test "a stopped restart=always container started again is restarted when it exits" {
  create ms '{"Image":"busybox","Cmd":["sh","-c","trap \"exit 0\" TERM; sleep 0.3; exit 1"],"HostConfig":{"RestartPolicy":{"Name":"always"}}}' >/dev/null
  api -X POST http://d/containers/ms/start
  [ "$(status POST '/containers/ms/stop?t=2')" = 204 ]
  wait_state ms exited
  before=$(api http://d/containers/ms/json | json RestartCount)
  [ "$(status POST /containers/ms/start)" = 204 ]
  for i in $(seq 60); do [ "$(api http://d/containers/ms/json | json RestartCount)" -gt "$before" ] && break; sleep 0.1; done
  [ "$(api http://d/containers/ms/json | json RestartCount)" -gt "$before" ]
  api -X POST 'http://d/containers/ms/stop?t=0' >/dev/null
}

@test "start racing rm -f leaves no container running without a row" {
  for i in $(seq 8); do
    id=$(create "race$i" '{"Image":"busybox","Cmd":["sleep","100"]}')
    api -X POST "http://d/containers/$id/start" >/dev/null &
    sp=$!
    sleep 0.0$i
    [ "$(status DELETE "/containers/$id?force=1")" = 204 ]
    wait "$sp" || true
    # whatever the order, once both answered nothing of it may run
    [ "$(status GET "/containers/$id/json")" = 404 ]
    ! pgrep -f -- "--bundle $T/run/containers/$id" >/dev/null
    [ -z "$(ls -d /sys/fs/cgroup/*/$TEST_CGP/$id 2>/dev/null)" ]
  done
}
