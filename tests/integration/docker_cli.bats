#!/usr/bin/env bats
# The docker CLI (v28, API 1.41) against cdaemon, as a user runs it: run
# (--rm, -d), ps -a, logs -f, stop, start, restart, kill, wait, rm -f,
# inspect, top, rename, container prune.
load helpers
bats_require_minimum_version 1.5.0

setup() {
  start_daemon
  $CD load -i "$IMAGES/busybox.tar" >/dev/null
}
# containers still running are force-removed (their monitors outlive the daemon)
teardown() {
  local ids
  ids=$($DOCKER ps -aq --no-trunc 2>/dev/null) && [ -n "$ids" ] && $DOCKER rm -f $ids >/dev/null 2>&1
  cleanup_daemon
}

# until the container's State.Status is $2 (5 s at most)
wait_status() {
  for i in $(seq 100); do
    [ "$($DOCKER inspect -f '{{.State.Status}}' "$1")" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# A container that exits 0 on SIGTERM and 7 on SIGUSR1 (sh as PID 1).
TRAPPER='trap "exit 0" TERM; trap "exit 7" USR1; while true; do sleep 0.1; done'

@test "docker run --rm prints the output, exits with the command's code and leaves nothing" {
  run $DOCKER run --rm --network none busybox echo hi
  [ "$status" -eq 0 ]
  [ "$output" = hi ]
  run $DOCKER run --rm --network none busybox sh -c 'echo out; echo err >&2; exit 3'
  [ "$status" -eq 3 ]
  [ "${lines[0]}" = out ]
  [ "${lines[1]}" = err ]
  run -127 $DOCKER run --rm --network none busybox nosuchcmd
  [ "$status" -eq 127 ]
  [[ "$output" == *'exec: "nosuchcmd": executable file not found in $PATH'* ]]
  [ -z "$($DOCKER ps -aq)" ]
}

@test "docker run -d, ps -a and inspect" {
  run $DOCKER run -d --network none --name web -l tier=front busybox sleep 100
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9a-f]{64}$ ]]
  id=$output
  $DOCKER run --network none --name done busybox sh -c 'exit 3' || [ $? -eq 3 ]
  run $DOCKER ps -a
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^CONTAINER\ ID\ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[1]}" =~ ^[0-9a-f]{12}\ +busybox\ +\"sh\ -c\ exit\ 3\"\ .*Exited\ \(3\).*\ done$ ]]
  [[ "${lines[2]}" =~ ^${id:0:12}\ +busybox\ +\"sleep\ 100\"\ .*\ Up\ .*\ web$ ]]
  # without -a only the running one
  [ "$($DOCKER ps -q)" = "${id:0:12}" ]
  [ "$($DOCKER ps -a --filter status=exited --format '{{.Names}}')" = done ]
  run $DOCKER inspect -f '{{.Id}} {{.Name}} {{.State.Status}} {{.State.Running}} {{index .Config.Labels "tier"}} {{.HostConfig.NetworkMode}}' web
  [ "$status" -eq 0 ]
  [ "$output" = "$id /web running true front none" ]
  [ "$($DOCKER inspect -f '{{.State.ExitCode}} {{.State.Running}}' done)" = "3 false" ]
  # the plain form is a JSON array of the containers
  $DOCKER inspect web done | "$PY" -c 'import sys,json; a=json.load(sys.stdin); assert [c["Name"] for c in a] == ["/web", "/done"], a; assert a[0]["Config"]["Cmd"] == ["sleep", "100"]'
  run $DOCKER inspect nosuch
  [ "$status" -eq 1 ]
  [[ "$output" == *"No such object: nosuch"* ]]
}

@test "docker logs -f streams while the container runs and ends when it exits" {
  $DOCKER run -d --network none --name lf busybox \
    sh -c 'trap "echo two; exit 0" USR1; echo one; while true; do sleep 0.1; done' >/dev/null
  timeout 30 $DOCKER logs -f lf >"$T/logs.out" 2>&1 &
  lpid=$!
  for i in $(seq 100); do grep -q one "$T/logs.out" && break; sleep 0.05; done
  [ "$(cat "$T/logs.out")" = one ]
  kill -0 "$lpid"   # still following
  $DOCKER kill -s USR1 lf >/dev/null
  # the stream ends by itself when the container exits
  for i in $(seq 100); do kill -0 "$lpid" 2>/dev/null || break; sleep 0.05; done
  ! kill -0 "$lpid" 2>/dev/null
  wait "$lpid"
  [ "$(cat "$T/logs.out")" = "$(printf 'one\ntwo')" ]
  # following an exited container prints its log and returns at once
  run timeout 10 $DOCKER logs -f lf
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'one\ntwo')" ]
}

@test "docker stop, start and restart" {
  $DOCKER run -d --network none --name svc busybox sh -c "$TRAPPER" >/dev/null
  pid1=$($DOCKER inspect -f '{{.State.Pid}}' svc)
  run $DOCKER stop svc
  [ "$status" -eq 0 ]
  [ "$output" = svc ]
  [ "$($DOCKER inspect -f '{{.State.Status}} {{.State.ExitCode}}' svc)" = "exited 0" ]
  ! kill -0 "$pid1" 2>/dev/null
  # stopping a stopped container is fine for docker (304)
  run $DOCKER stop svc
  [ "$status" -eq 0 ]
  run $DOCKER start svc
  [ "$status" -eq 0 ]
  [ "$output" = svc ]
  [ "$($DOCKER inspect -f '{{.State.Status}}' svc)" = running ]
  started=$($DOCKER inspect -f '{{.State.StartedAt}}' svc)
  pid2=$($DOCKER inspect -f '{{.State.Pid}}' svc)
  run $DOCKER restart -t 5 svc
  [ "$status" -eq 0 ]
  [ "$output" = svc ]
  [ "$($DOCKER inspect -f '{{.State.Status}}' svc)" = running ]
  [ "$($DOCKER inspect -f '{{.State.StartedAt}}' svc)" != "$started" ]
  ! kill -0 "$pid2" 2>/dev/null
  # busybox sleep as PID 1 ignores SIGTERM: SIGKILL after -t seconds
  $DOCKER run -d --network none --name stubborn busybox sleep 100 >/dev/null
  t0=$(date +%s%N)
  [ "$($DOCKER stop -t 1 stubborn)" = stubborn ]
  [ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 900 ]
  [ "$($DOCKER inspect -f '{{.State.ExitCode}}' stubborn)" = 137 ]
}

@test "docker kill and wait" {
  $DOCKER run -d --network none --name k1 busybox sleep 100 >/dev/null
  run $DOCKER kill k1
  [ "$status" -eq 0 ]
  [ "$output" = k1 ]
  run $DOCKER wait k1
  [ "$status" -eq 0 ]
  [ "$output" = 137 ]
  run $DOCKER kill k1
  [ "$status" -eq 1 ]
  [[ "$output" == "Error response from daemon: Cannot kill container: k1: Container "*" is not running" ]]
  # a chosen signal
  $DOCKER run -d --network none --name k2 busybox sh -c "$TRAPPER" >/dev/null
  sleep 0.2
  [ "$($DOCKER kill -s USR1 k2)" = k2 ]
  [ "$($DOCKER wait k2)" = 7 ]
  # wait blocks until the container exits
  $DOCKER run -d --network none --name w1 busybox sh -c 'sleep 0.5; exit 5' >/dev/null
  run timeout 20 $DOCKER wait w1
  [ "$status" -eq 0 ]
  [ "$output" = 5 ]
  [ "$($DOCKER inspect -f '{{.State.Status}}' w1)" = exited ]
}

@test "docker rm -f, rename" {
  $DOCKER run -d --network none --name old busybox sleep 100 >/dev/null
  pid=$($DOCKER inspect -f '{{.State.Pid}}' old)
  run $DOCKER rename old new
  [ "$status" -eq 0 ]
  [ "$($DOCKER inspect -f '{{.Name}}' new)" = /new ]
  run $DOCKER inspect old
  [ "$status" -eq 1 ]
  run $DOCKER rename new new
  [ "$status" -eq 1 ]
  [[ "$output" == *"Renaming a container with the same name as its current name"* ]]
  run $DOCKER rm new
  [ "$status" -eq 1 ]
  [[ "$output" == *"You cannot remove a running container"* ]]
  run $DOCKER rm -f new
  [ "$status" -eq 0 ]
  [ "$output" = new ]
  ! kill -0 "$pid" 2>/dev/null
  [ -z "$($DOCKER ps -aq)" ]
  run $DOCKER rm -f new
  [ "$status" -eq 0 ]   # docker: a missing container with -f is not an error
}

@test "docker top and container top" {
  $DOCKER run -d --network none --name tp busybox sh -c 'sleep 100 & sleep 200' >/dev/null
  for i in $(seq 100); do [ "$($DOCKER top tp | wc -l)" -eq 3 ] && break; sleep 0.05; done
  run $DOCKER top tp
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID\ +C\ +STIME\ +TTY\ +TIME\ +CMD$ ]]
  [ "${#lines[@]}" -eq 3 ]
  pid=$($DOCKER inspect -f '{{.State.Pid}}' tp)
  [[ "$output" == *"root"*" $pid "*"sleep 200"* ]]
  [[ "$output" == *"sleep 100"* ]]
  run $DOCKER container top tp -o pid,args
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^PID\ +COMMAND$ ]]
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2, $3}' | sort | tr '\n' ,)" = "sleep 100,sleep 200," ]
  run $DOCKER top tp aux
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^USER\ +PID\ +%CPU ]]
  $DOCKER kill tp >/dev/null
  wait_status tp exited
  run $DOCKER top tp
  [ "$status" -eq 1 ]
  [[ "$output" == "Error response from daemon: Container "*" is not running" ]]
}

@test "docker container prune -f removes the stopped containers" {
  $DOCKER run -d --network none --name up busybox sleep 100 >/dev/null
  $DOCKER run --network none --name gone busybox true
  gone=$($DOCKER inspect -f '{{.Id}}' gone)
  $DOCKER create --network none --name fresh busybox true >/dev/null
  fresh=$($DOCKER inspect -f '{{.Id}}' fresh)
  run $DOCKER container prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Containers:" ]
  [ "$(printf '%s\n' "${lines[1]}" "${lines[2]}" | sort)" = "$(printf '%s\n' "$gone" "$fresh" | sort)" ]
  [ "${lines[3]}" = "Total reclaimed space: 0B" ]
  [ "$($DOCKER ps -a --format '{{.Names}}')" = up ]
  [ ! -e "$T/root/containers/$gone" ]
  run $DOCKER container prune -f
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
}
