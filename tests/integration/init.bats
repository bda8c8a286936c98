#!/usr/bin/env bats
# --init: cdinit runs as the container's PID 1 (/sbin/docker-init -- CMD),
# reaps orphaned zombies, forwards signals and passes the exit status on.
load helpers
bats_require_minimum_version 1.5.0

setup() {
  start_daemon
  $CD load -i "$IMAGES/busybox.tar" >/dev/null
}
teardown() { cleanup_daemon; }

state() { api "http://d/containers/$1/json" | json "State.$2"; }
wait_exited() { # wait_exited ID: bounded poll until the container has exited
  for i in $(seq 200); do [ "$(state "$1" Status)" = exited ] && return 0; sleep 0.05; done
  return 1
}
# kids PID: "cmdline state" of each child of host process PID (a zombie has no cmdline)
kids() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null | sed 's/ $//') $(awk '/^State:/ {print $2}' /proc/"$c"/status 2>/dev/null)"
  done
}
# restart_daemon ARGS...: the same root, with other daemon flags
restart_daemon() {
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" --log-level debug \
    "$@" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
}

@test "--init: PID 1 is /sbin/docker-init -- CMD, read-only; Cmd and HostConfig.Init as Docker shows them" {
  run $CD run --init --name i1 --network none busybox sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo $$; echo x >/sbin/docker-init'
  [ "${lines[0]}" = "/sbin/docker-init -- sh -c tr \"\\0\" \" \" </proc/1/cmdline; echo; echo \$\$; echo x >/sbin/docker-init " ]
  [ "${lines[1]}" != 1 ]   # the command itself is not PID 1
  [[ "$output" == *"Read-only file system"* ]]
  [ "$(api http://d/containers/i1/json | json HostConfig.Init)" = True ]
  [ "$(api http://d/containers/i1/json | json Config.Cmd.0)" = sh ]
  [ "$(api http://d/containers/i1/json | json Config.Cmd.1)" = -c ]
  [ "$(api http://d/containers/i1/json | json Path)" = sh ]
  [ "$(api http://d/containers/i1/json | json Args.0)" = -c ]
  # without --init the command is PID 1 and nothing is mounted at /sbin/docker-init
  run $CD run --rm --network none busybox sh -c 'echo $$; ls /sbin/docker-init'
  [ "${lines[0]}" = 1 ]
  [ "$status" -ne 0 ]
}

@test "--init reaps orphaned zombies that a PID 1 without an init leaves behind" {
  # three orphans (their subshells exit at once) are re-parented to PID 1,
  # then the shell becomes `sleep 100`, which never waits for children
  cmd='for i in 1 2 3; do (sleep 1 &); done; exec sleep 100'
  plain=$($CD run -d --network none busybox sh -c "$cmd")
  init=$($CD run -d --init --network none busybox sh -c "$cmd")
  p1=$(state "$plain" Pid)
  p2=$(state "$init" Pid)
  [ "$(tr '\0' ' ' </proc/"$p2"/cmdline)" = "/sbin/docker-init -- sh -c $cmd " ]
  # without an init: three zombies stay under PID 1
  for i in $(seq 200); do [ "$(kids "$p1" | grep -c ' Z$')" = 3 ] && break; sleep 0.05; done
  kids "$p1"
  [ "$(kids "$p1" | grep -c ' Z$')" = 3 ]
  # with --init: the orphans end up children of docker-init, which reaps
  # them: only `sleep 100` stays
  for i in $(seq 200); do [ "$(kids "$p2")" = "sleep 100 S" ] && break; sleep 0.05; done
  kids "$p2"
  [ "$(kids "$p2")" = "sleep 100 S" ]
  $CD rm -f "$plain" "$init" >/dev/null
}

@test "--init forwards SIGTERM: stop of busybox sleep ends at once with 143 (cdctl, API, docker)" {
  id=$($CD run -d --init --network none busybox sleep 100)
  start=$(date +%s%N)
  $CD stop "$id"   # default timeout 10 s
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "stop took ${ms} ms"
  [ "$ms" -lt 5000 ]
  [ "$(state "$id" ExitCode)" = 143 ]
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=s2' \
    -d '{"Image":"busybox","Cmd":["sleep","100"],"HostConfig":{"Init":true,"NetworkMode":"none"}}' >/dev/null
  [ "$(status POST /containers/s2/start)" = 204 ]
  start=$(date +%s%N)
  [ "$(status POST '/containers/s2/stop?t=10')" = 204 ]
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -lt 5000 ]
  [ "$(state s2 ExitCode)" = 143 ]
  $DOCKER run -d --init --name s3 --network none busybox sleep 100 >/dev/null
  start=$(date +%s%N)
  $DOCKER stop s3
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -lt 5000 ]
  [ "$($DOCKER inspect -f '{{.State.ExitCode}} {{.HostConfig.Init}}' s3)" = "143 true" ]
}

@test "--init forwards other signals (kill -s USR1, HUP) to the command" {
  id=$($CD run -d --init --network none busybox sh -c \
    'trap "echo got usr1" USR1; trap "echo got hup; exit 4" HUP; echo ready; while :; do sleep 0.05; done')
  for i in $(seq 100); do [[ "$($CD logs "$id")" == *ready* ]] && break; sleep 0.05; done
  $CD kill -s USR1 "$id"
  for i in $(seq 100); do [[ "$($CD logs "$id")" == *"got usr1"* ]] && break; sleep 0.05; done
  [[ "$($CD logs "$id")" == *"got usr1"* ]]
  [ "$(state "$id" Status)" = running ]
  $CD kill -s HUP "$id"
  wait_exited "$id"
  [[ "$($CD logs "$id")" == *"got hup"* ]]
  [ "$(state "$id" ExitCode)" = 4 ]
}

@test "--init passes exit codes on: exit 7, 128+N for a signal, 127 missing, 126 not executable" {
  run $CD run --rm --init --network none busybox sh -c 'exit 7'
  [ "$status" = 7 ]
  run $CD run --rm --init --network none busybox sh -c 'kill -USR1 $$'
  [ "$status" = 138 ]
  run -127 $CD run --init --name m1 --network none busybox nosuchcmd
  [ "$status" = 127 ]
  [[ "$output" == *'exec "nosuchcmd": executable file not found in $PATH'* ]]
  [ "$(state m1 ExitCode)" = 127 ]
  run $CD run --rm --init --network none busybox /etc/passwd
  [ "$status" = 126 ]
  [[ "$output" == *'exec "/etc/passwd": Permission denied'* ]]
}

@test "docker CLI: run --rm --init" {
  run $DOCKER run --rm --init --network none busybox sh -c 'tr "\0" " " </proc/1/cmdline; exit 5'
  [ "$status" = 5 ]
  [ "$output" = '/sbin/docker-init -- sh -c tr "\0" " " </proc/1/cmdline; exit 5 ' ]
  run $DOCKER run --rm --network none busybox cat /proc/1/cmdline
  [ "$output" = "$(printf 'cat\0/proc/1/cmdline\0')" ] || [ "$output" = 'cat/proc/1/cmdline' ]
}

@test "daemon --init / daemon.json init and init-path: the default for containers that do not say" {
  restart_daemon --init
  run $CD run --rm --network none busybox cat /proc/1/cmdline
  [[ "$output" == /sbin/docker-init* ]]
  # HostConfig.Init false wins over the daemon default
  api -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=off' \
    -d '{"Image":"busybox","Cmd":["sh","-c","echo $$"],"HostConfig":{"Init":false,"NetworkMode":"none"}}' >/dev/null
  [ "$(status POST /containers/off/start)" = 204 ]
  wait_exited off
  [ "$($CD logs off)" = 1 ]
  # init-path: another binary (here a copy of cdinit) mounted at /sbin/docker-init
  cp "$BIN_DIR/cdinit" "$T/myinit"
  echo "{\"init\": true, \"init-path\": \"$T/myinit\"}" >"$T/daemon.json"
  restart_daemon --config "$T/daemon.json"
  run $CD run --network none --name p1 busybox sh -c 'echo $$; wc -c </sbin/docker-init'
  [ "${lines[1]}" = "$(wc -c <"$T/myinit")" ]
  [ "${lines[0]}" != 1 ]
  # a missing init binary is a clear start error
  rm "$T/myinit"
  run $CD run --network none busybox true
  [ "$status" = 125 ]
  [[ "$output" == *"init binary $T/myinit"* ]]
  # a relative init-path is refused at startup
  stop_daemon
  run "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --init-path relative/cdinit
  [ "$status" -ne 0 ]
  [[ "$output" == *"--init-path must be an absolute path"* ]]
}
