#!/usr/bin/env bats
# cdctl's container commands: run, create, start, stop, rm, wait, logs, ps.
load helpers
bats_require_minimum_version 1.5.0

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
teardown() { cleanup_daemon; }

@test "run --rm prints the output and nothing is left" {
  run $CD run --rm busybox echo hi
  [ "$status" -eq 0 ]
  [ "$output" = "hi" ]
  [ -z "$($CD ps -aq)" ]
}

@test "run passes the exit code through" {
  run $CD run --rm busybox sh -c 'exit 7'
  [ "$status" -eq 7 ]
}

@test "run of a missing executable exits 127 and leaves nothing with --rm" {
  run -127 $CD run --rm busybox nope
  [ "$status" -eq 127 ]
  [[ "$output" == *'cdctl: Error response from daemon:'*'executable file not found'* ]]
  [ -z "$($CD ps -aq)" ]
}

@test "run: pid 1, hostname, -e and --env-file" {
  [ "$($CD run --rm busybox sh -c 'echo $$')" = "1" ]
  [ "$($CD run --rm --hostname bx busybox hostname)" = "bx" ]
  printf '# comment\nA=from-file\n\nB\n' >"$T/env"
  run env B=host $CD run --rm --env-file "$T/env" -e C=3 busybox sh -c 'echo $A $B $C'
  [ "$status" -eq 0 ]
  [ "$output" = "from-file host 3" ]
}

@test "run --env-file of a missing file fails with 125 and creates nothing" {
  run $CD run --env-file "$T/nope" busybox true
  [ "$status" -eq 125 ]
  [[ "$output" == *"$T/nope"* ]]
  [ -z "$($CD ps -aq)" ]
}

@test "run -d, ps, logs, stop, ps -a, rm" {
  id=$($CD run -d --name web busybox sh -c 'echo started; sleep 100')
  [ ${#id} -eq 64 ]
  run $CD ps
  [[ "${lines[0]}" == "CONTAINER ID"*"NAMES" ]]
  [[ "$output" == *"${id:0:12}"*"Up "*"web"* ]]
  for i in $(seq 50); do [ "$($CD logs web)" = started ] && break; sleep 0.1; done
  [ "$($CD logs web)" = started ]
  [ "$($CD stop -t 1 web)" = web ]
  run $CD ps -a
  [[ "$output" == *"Exited (137)"* ]]
  [ "$($CD wait web)" = 137 ]
  [ "$($CD rm web)" = web ]
  [ -z "$($CD ps -aq)" ]
}

@test "rm -f removes a running container; rm of a missing one fails" {
  $CD run -d --name rr busybox sleep 100 >/dev/null
  run $CD rm rr
  [ "$status" -eq 1 ]
  [ "$($CD rm -f rr)" = rr ]
  run $CD rm rr
  [ "$status" -eq 1 ]
}

@test "create, start, wait print as docker" {
  id=$($CD create --name c1 busybox sh -c 'exit 3')
  [ ${#id} -eq 64 ]
  [ "$($CD start c1)" = c1 ]
  [ "$($CD wait c1)" = 3 ]
  run $CD container start -a c1
  [ "$status" -eq 3 ]
  [ "$($CD inspect c1 | json 0.State.ExitCode)" = 3 ]
  [ "$($CD container ls -aq --no-trunc)" = "$id" ]
}

@test "a bad flag exits 125" {
  run $CD run --bogus busybox true
  [ "$status" -eq 125 ]
  run $CD ps --bogus
  [ "$status" -eq 125 ]
}
