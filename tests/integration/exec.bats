#!/usr/bin/env bats
# exec, attach and stdin without a terminal: cdctl, the docker CLI and curl.
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
  $CD run -d --name ex1 busybox sleep 1000 >/dev/null
}
teardown() { cleanup_daemon; }

@test "cdctl exec: output, exit code, namespaces, cgroup, stdin, separate streams" {
  [ "$($CD exec ex1 echo hi)" = hi ]
  run $CD exec ex1 sh -c 'exit 5'
  [ "$status" -eq 5 ]
  [ "$($CD exec ex1 sh -c 'ls /proc | grep -c ^[0-9]')" -le 4 ]
  [ "$($CD exec ex1 hostname)" = "$($CD inspect ex1 | json 0.Config.Hostname)" ]
  [ "$($CD exec ex1 cat /proc/self/cgroup)" = "$($CD exec ex1 cat /proc/1/cgroup)" ]
  [ "$(echo hi | $CD exec -i ex1 cat)" = hi ]
  [ "$($CD exec ex1 sh -c 'echo out; echo err >&2' 2>/dev/null)" = out ]
  [ "$($CD exec ex1 sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" = err ]
  [ "$($CD exec -e FOO=bar -w /tmp -u 65534 ex1 sh -c 'echo $FOO $(pwd) $(id -u)')" = "bar /tmp 65534" ]
  run $CD exec ex1 nosuch
  [ "$status" -eq 127 ]
  [[ "$output" == *'executable file not found'* ]]
}

@test "exec: 100 MB out and 20 MB in pass byte for byte" {
  [ "$($CD exec ex1 sh -c 'head -c 100000000 /dev/zero' | wc -c)" = 100000000 ]
  head -c 20000000 /dev/urandom > "$T/in"
  $CD exec -i ex1 cat < "$T/in" | cmp - "$T/in"
}

@test "exec API: inspect, detached start, events, errors" {
  eid=$(api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["sh","-c","sleep 2; exit 7"]}' http://d/containers/ex1/exec | json Id)
  [ "$(api http://d/exec/$eid/json | json Running)" = False ]
  [ "$(status POST /exec/$eid/start -H 'Content-Type: application/json' -d '{"Detach":true}')" = 200 ]
  [ "$(api http://d/exec/$eid/json | json Running)" = True ]
  [ "$(api http://d/exec/$eid/json | json ProcessConfig.entrypoint)" = sh ]
  for i in $(seq 100); do [ "$(api http://d/exec/$eid/json | json ExitCode)" = 7 ] && break; sleep 0.1; done
  [ "$(api http://d/exec/$eid/json | json ExitCode)" = 7 ]
  [ "$(status POST /exec/$eid/start -H 'Content-Type: application/json' -d '{"Detach":true}')" = 409 ]
  api "http://d/events?since=0&until=$(( $(date +%s) + 1 ))" | grep -q '"exec_die"\|exec_die'
  api "http://d/events?since=0&until=$(( $(date +%s) + 1 ))" | grep -q 'exec_create: sh -c'
  # bad input
  [ "$(status POST /containers/ex1/exec -H 'Content-Type: application/json' -d '{"Cmd":[]}')" = 400 ]
  api -X POST -H 'Content-Type: application/json' -d '{}' http://d/containers/ex1/exec | grep -q 'No exec command specified'
  [ "$(status POST /containers/ex1/exec -H 'Content-Type: application/json' -d '{"Cmd":["true"],"DetachKeys":"ctrl-"}')" = 400 ]
  [ "$(status GET /exec/nosuch/json)" = 404 ]
  [ "$(status POST "/exec/$eid/resize?h=0&w=0")" = 400 ]
  [ "$(status POST "/exec/$eid/resize?h=99999999&w=80")" = 400 ]
  [ "$(status POST "/containers/ex1/resize?h=x&w=80")" = 400 ]
  run $CD exec --detach-keys 'ctrl-' ex1 true
  [ "$status" -ne 0 ]
  [[ "$output" == *'Invalid detach keys'* ]]
  $CD run --name st busybox true
  [ "$(status POST /containers/st/exec -H 'Content-Type: application/json' -d '{"Cmd":["true"]}')" = 409 ]
  api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}' http://d/containers/st/exec | grep -q 'is not running'
  $DOCKER pause ex1 >/dev/null 2>&1 && {
    api -X POST -H 'Content-Type: application/json' -d '{"Cmd":["true"]}' http://d/containers/ex1/exec | grep -q 'is paused, unpause the container before exec'
    $DOCKER unpause ex1 >/dev/null; } || true
  # the container is unharmed
  [ "$($CD exec ex1 echo still)" = still ]
}

@test "exec: a client that disconnects mid-stream leaves the container running" {
  timeout 1 $CD exec ex1 sh -c 'while :; do echo x; done' >/dev/null || true
  timeout 1 $CD exec -i ex1 cat < /dev/zero >/dev/null || true
  [ "$($CD exec ex1 echo alive)" = alive ]
  [ "$(api http://d/containers/ex1/json | json State.Running)" = True ]
}

@test "docker CLI: exec, exec -i, run -i, run -t, attach" {
  [ "$($DOCKER exec ex1 echo hi)" = hi ]
  [ "$(echo hi | $DOCKER exec -i ex1 cat)" = hi ]
  run $DOCKER exec ex1 sh -c 'exit 3'
  [ "$status" -eq 3 ]
  [ "$(echo hi | $DOCKER run -i --rm busybox cat)" = hi ]
  $DOCKER run -t --rm busybox tty | grep -q /dev/pts/
  [ "$($DOCKER exec -t ex1 tty | tr -d '\r')" = /dev/pts/0 ]
}

@test "run -i: stdin EOF closes the container's stdin; big output intact" {
  [ "$(echo hi | $CD run -i --rm busybox cat)" = hi ]
  [ "$($CD run --rm busybox sh -c 'head -c 50000000 /dev/zero' | wc -c)" = 50000000 ]
  [ "$($CD run -i --rm busybox sh -c 'head -c 30000000 /dev/zero' < /dev/null | wc -c)" = 30000000 ]
  run $CD run -t --rm busybox sh -c 'tty; exit 4'
  [ "$status" -eq 4 ]
  [[ "$output" == */dev/pts/0* ]]
}

@test "attach: several clients at once, and after a daemon restart" {
  $CD run -d -i --name at1 busybox sh -c 'while read l; do echo got $l; done' >/dev/null
  ( sleep 4 ) | timeout 8 $CD attach --no-stdin at1 > "$T/a.out" &
  apid=$!
  sleep 1
  ( sleep 0.5; echo one; sleep 0.5 ) | timeout 5 $CD attach at1 > "$T/b.out" || true
  wait "$apid" || true
  grep -q 'got one' "$T/a.out"
  grep -q 'got one' "$T/b.out"
  $CD run -d -i --name at2 busybox sh -c 'while read l; do echo got $l; done' >/dev/null
  kill -9 "$DPID"; wait "$DPID" 2>/dev/null || true
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" --log-level debug >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$( (echo two; sleep 0.5) | timeout 5 $CD attach at2 | head -1)" = "got two" ]
}
