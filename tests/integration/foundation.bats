#!/usr/bin/env bats
# Foundation: the daemon on its socket, Docker-compatible system endpoints,
# configuration, bad input, signals.
load helpers

setup() { start_daemon; }
teardown() { cleanup_daemon; }

@test "/_ping answers OK with Api-Version 1.41 and Ostype linux, GET and HEAD" {
  [ "$(api http://d/_ping)" = OK ]
  run curl -sI --unix-socket "$SOCK" http://d/_ping
  [[ "$output" == *"HTTP/1.1 200"* ]]
  echo "$output" | grep -qi '^api-version: 1.41'
  echo "$output" | grep -qi '^ostype: linux'
}

@test "/version reports API 1.41 and its minimum" {
  out=$(api http://d/v1.41/version)
  [ "$(echo "$out" | json ApiVersion)" = 1.41 ]
  [ "$(echo "$out" | json MinAPIVersion)" = 1.24 ]
  [ "$(echo "$out" | json KernelVersion)" = "$(uname -r)" ]
}

@test "/info reports real figures of the host and the store" {
  out=$(api http://d/info)
  [ "$(echo "$out" | json NCPU)" = "$(nproc)" ]
  memkb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)
  [ "$(echo "$out" | json MemTotal)" = "$((memkb * 1024))" ]
  [ "$(echo "$out" | json Driver)" = overlay2 ]
  [ "$(echo "$out" | json DockerRootDir)" = "$T/root" ]
  [ "$(echo "$out" | json KernelVersion)" = "$(uname -r)" ]
  [ "$(echo "$out" | json Containers)" = 0 ]
  [ "$(echo "$out" | json Images)" = 0 ]
  [ "$(echo "$out" | json OSType)" = linux ]
  [ -n "$(echo "$out" | json ID)" ]
  cg=$(echo "$out" | json CgroupVersion)
  [ "$cg" = 1 ] || [ "$cg" = 2 ]
}

@test "the engine ID is kept across restarts" {
  id1=$(api http://d/info | json ID)
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$(api http://d/info | json ID)" = "$id1" ]
}

@test "version prefixes: 1.24..1.41 accepted, newer and older refused with Docker's message" {
  [ "$(api http://d/v1.24/_ping)" = OK ]
  [ "$(status GET /v1.41/info)" = 200 ]
  [ "$(status GET /v1.42/version)" = 400 ]
  api http://d/v1.42/version | json message | grep -q 'client version 1.42 is too new. Maximum supported API version is 1.41'
  [ "$(status GET /v1.12/version)" = 400 ]
  api http://d/v1.12/version | json message | grep -q 'too old'
}

@test "unknown paths give 404 with a JSON message" {
  [ "$(status GET /nope/nothing)" = 404 ]
  [ -n "$(api http://d/nope/nothing | json message)" ]
}

@test "malformed JSON and wrong field types give 400 naming the problem" {
  [ "$(status POST /cdaemon/log-level -d '{"Level": ')" = 400 ]
  api -X POST http://d/cdaemon/log-level -d '{"Level": ' | json message | grep -q 'invalid JSON'
  [ "$(status POST /cdaemon/log-level -d '{"Level": 3}')" = 400 ]
  api -X POST http://d/cdaemon/log-level -d '{"Level": 3}' | json message | grep -q 'field Level'
  [ "$(status POST /cdaemon/log-level -d '{"Level": "warn"}')" = 200 ]
  [ "$(api http://d/cdaemon/log-level | json Level)" = warn ]
}

@test "request bodies above the limit get 413" {
  head -c 5000000 /dev/zero | tr '\0' 'a' >"$T/big"
  [ "$(status POST /cdaemon/log-level -H 'Content-Type: application/json' --data-binary @"$T/big")" = 413 ]
  # chunked upload without Content-Length is cut off too
  [ "$(status POST /cdaemon/log-level -H 'Transfer-Encoding: chunked' --data-binary @"$T/big")" = 413 ]
  [ "$(api http://d/_ping)" = OK ]
}

@test "events: SIGHUP emits a daemon reload event, streamed live and kept for --since" {
  start=$(date +%s)
  (timeout 10 curl -sN --unix-socket "$SOCK" 'http://d/events?filters=%7B%22type%22%3A%5B%22daemon%22%5D%7D' >"$T/live" &)
  sleep 0.3
  kill -HUP "$DPID"
  for i in $(seq 50); do grep -q reload "$T/live" 2>/dev/null && break; sleep 0.1; done
  grep -q '"Type":"daemon"' "$T/live"
  grep -q '"Action":"reload"' "$T/live"
  # history with since/until ends by itself
  until=$(( $(date +%s) + 1 ))
  run timeout 5 curl -s --unix-socket "$SOCK" "http://d/events?since=$start&until=$until"
  [ "$status" -eq 0 ]
  [[ "$output" == *'"Action":"reload"'* ]]
  # a filter that matches nothing gives nothing
  run timeout 5 curl -s --unix-socket "$SOCK" "http://d/events?since=$start&until=$until&filters=%7B%22type%22%3A%5B%22container%22%5D%7D"
  [ -z "$output" ]
  # bad filters are refused
  [ "$(status GET '/events?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D')" = 400 ]
  # history survives a restart
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  run timeout 5 curl -s --unix-socket "$SOCK" "http://d/events?since=$start&until=$until"
  [[ "$output" == *'"Action":"reload"'* ]]
}

@test "SIGHUP reloads the log level from the config file" {
  stop_daemon
  echo '{"log-level": "info"}' >"$T/daemon.json"
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" --config "$T/daemon.json" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$(api http://d/cdaemon/log-level | json Level)" = info ]
  echo '{"log-level": "debug"}' >"$T/daemon.json"
  kill -HUP "$DPID"
  for i in $(seq 50); do [ "$(api http://d/cdaemon/log-level | json Level)" = debug ] && break; sleep 0.1; done
  [ "$(api http://d/cdaemon/log-level | json Level)" = debug ]
}

@test "SIGTERM ends open event streams, removes the socket and exits 0" {
  (timeout 20 curl -sN --unix-socket "$SOCK" http://d/events >/dev/null; echo "curl=$?" >"$T/curl.rc") &
  sleep 0.3
  rc=0
  stop_daemon || rc=$?
  [ "$rc" -eq 0 ]
  [ ! -e "$SOCK" ]
  for i in $(seq 50); do [ -f "$T/curl.rc" ] && break; sleep 0.1; done
  [ "$(cat "$T/curl.rc")" = curl=0 ]
  grep -q 'stopped' "$T/daemon.log"
}

@test "the socket is mode 0660" {
  [ "$(stat -c %a "$SOCK")" = 660 ]
}

@test "the docker CLI works: version and info" {
  run $DOCKER version
  [ "$status" -eq 0 ]
  [[ "$output" == *"API version:"*"1.41"* ]]
  run $DOCKER info
  [ "$status" -eq 0 ]
  [[ "$output" == *"Storage Driver: overlay2"* ]]
  [[ "$output" == *"CPUs: $(nproc)"* ]]
}
