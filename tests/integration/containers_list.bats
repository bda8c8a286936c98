#!/usr/bin/env bats
# GET /containers/json is answered from a cache (daemon/ctr_list_cache.c):
# every change shows in the very next answer, even within the same second.
load helpers

setup() {
  start_daemon
  $CD load -q -i "$IMAGES/busybox.tar" >/dev/null
}
teardown() { cleanup_daemon; }

names() { api "http://d/containers/json?all=1" | $PY -c 'import json,sys; print(" ".join(sorted(c["Names"][0] for c in json.load(sys.stdin))))'; }
state_of() { api "http://d/containers/json?all=1&filters=%7B%22name%22%3A%5B%22$1%22%5D%7D" | $PY -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["State"] if l else "none")'; }

@test "creates, renames, starts, stops and removals show in the next list, each time" {
  for i in 1 2 3 4 5; do
    names >/dev/null # a cached answer now exists
    $CD create --name "c$i" --network none busybox sleep 1000 >/dev/null
    [[ " $(names) " == *" /c$i "* ]]
    $CD rename "c$i" "d$i"
    [[ " $(names) " == *" /d$i "* ]]
    [[ " $(names) " != *" /c$i "* ]]
    [ "$(state_of "d$i")" = created ]
    $CD start "d$i" >/dev/null
    [ "$(state_of "d$i")" = running ]
    $CD kill "d$i" >/dev/null
    for _ in $(seq 50); do [ "$(state_of "d$i")" = exited ] && break; sleep 0.05; done
    [ "$(state_of "d$i")" = exited ]
    $CD rm "d$i" >/dev/null
    [ "$(state_of "d$i")" = none ]
  done
}

@test "the list's Status text follows the clock: a second later it is rebuilt" {
  $CD run -d --name up --network none busybox sleep 1000 >/dev/null
  a=$(api "http://d/containers/json" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"])')
  sleep 2.1
  b=$(api "http://d/containers/json" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"])')
  [[ "$a" == Up* ]] && [[ "$b" == Up* ]]
  [ "$a" != "$b" ]
}
