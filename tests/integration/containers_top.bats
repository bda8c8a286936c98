#!/usr/bin/env bats
# GET /containers/{id}/top and POST /containers/prune, through the API and
# cdctl (top, container top, container prune).
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
# containers still running are force-removed (their monitors outlive the daemon)
teardown() {
  for id in $(api 'http://d/containers/json?all=1' 2>/dev/null | "$PY" -c 'import sys,json; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null); do
    status DELETE "/containers/$id?force=1" >/dev/null
  done
  cleanup_daemon
}

# create NAME JSON-BODY: prints the ID
create() {
  api -X POST -H 'Content-Type: application/json' "http://d/containers/create?name=$1" -d "$2" | json Id
}
# run_bg NAME CMD-JSON [LABELS-JSON]: a started container with no network
run_bg() {
  local id
  id=$(create "$1" "{\"Image\":\"busybox\",\"Cmd\":$2,\"Labels\":${3:-{\}},\"HostConfig\":{\"NetworkMode\":\"none\"}}")
  [ "$(status POST "/containers/$1/start")" = 204 ] || return 1
  echo "$id"
}
state() { api "http://d/containers/$1/json" | json "State.$2"; }
wait_state() { # wait_state NAME STATUS
  for i in $(seq 100); do [ "$(state "$1" Status)" = "$2" ] && return 0; sleep 0.05; done
  return 1
}
# wait_procs NAME N: until top lists N processes
wait_procs() {
  for i in $(seq 100); do
    [ "$(api "http://d/containers/$1/top" | json Processes | "$PY" -c 'import sys,json; print(len(json.load(sys.stdin)))')" = "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

@test "top lists the container's processes (its cgroup) as ps -ef shows them, Docker's shape" {
  id=$(run_bg tp '["sh","-c","sleep 100 & sleep 200"]')
  wait_procs tp 2
  pid=$(state tp Pid)
  api http://d/containers/tp/top >"$T/top.json"
  "$PY" - "$T/top.json" "$pid" "$id" <<'EOF'
import json, sys
top = json.load(open(sys.argv[1]))
pid = sys.argv[2]
assert sorted(top) == ["Processes", "Titles"], top
assert top["Titles"] == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], top
rows = top["Processes"]
assert all(len(r) == 8 for r in rows), rows
by_pid = {r[1]: r for r in rows}
assert len(rows) == 2, rows
assert by_pid[pid][7] == "sleep 200", rows          # PID 1 of the container, host numbering
child = [r for r in rows if r[2] == pid]
assert len(child) == 1 and child[0][7] == "sleep 100", rows   # the last field keeps its space
EOF
  # exactly the processes of the container's cgroup (v1 pids hierarchy or v2)
  for d in /sys/fs/cgroup/pids/$TEST_CGP/$id /sys/fs/cgroup/$TEST_CGP/$id; do
    [ -f "$d/cgroup.procs" ] && { procs=$(sort -n "$d/cgroup.procs" | tr '\n' ' '); break; }
  done
  [ -n "$procs" ]
  [ "$(api http://d/containers/tp/top | json Processes | "$PY" -c 'import sys,json; print(" ".join(sorted((r[1] for r in json.load(sys.stdin)), key=int)), end=" ")')" = "$procs" ]
  # the name, the full ID and a unique prefix are accepted
  [ "$(status GET "/containers/$id/top")" = 200 ]
  [ "$(status GET "/containers/${id:0:7}/top")" = 200 ]
  [ "$(status GET "/v1.41/containers/tp/top")" = 200 ]
}

@test "top passes ps_args to ps: aux, -o with a spaced last column, f; ps errors are 500" {
  run_bg tp '["sh","-c","sleep 100 & sleep 200"]' >/dev/null
  wait_procs tp 2
  out=$(api 'http://d/containers/tp/top?ps_args=aux')
  [ "$(echo "$out" | json Titles)" = '["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME", "COMMAND"]' ]
  [ "$(echo "$out" | json Processes | "$PY" -c 'import sys,json; r=json.load(sys.stdin); print(len(r), {len(x) for x in r}, sorted(x[10] for x in r))')" = "2 {11} ['sleep 100', 'sleep 200']" ]
  out=$(api 'http://d/containers/tp/top?ps_args=-o%20pid,args')
  [ "$(echo "$out" | json Titles)" = '["PID", "COMMAND"]' ]
  [ "$(echo "$out" | json Processes | "$PY" -c 'import sys,json; print(sorted(x[1] for x in json.load(sys.stdin)))')" = "['sleep 100', 'sleep 200']" ]
  # f (forest) does not go with -q: ps runs again without it, rows filtered
  out=$(api 'http://d/containers/tp/top?ps_args=fx')
  [ "$(echo "$out" | json Processes | "$PY" -c 'import sys,json; print(len(json.load(sys.stdin)))')" = 2 ]
  # ps failing: 500 with ps's first line of stderr
  run api -w '\n%{http_code}' 'http://d/containers/tp/top?ps_args=--no-such-option'
  [ "${lines[-1]}" = 500 ]
  [[ "${lines[0]}" == '{"message":"ps: '* ]]
  # only pid= may rename the PID column (dockerd's check)
  run api -w '\n%{http_code}' 'http://d/containers/tp/top?ps_args=-o%20user=PID'
  [ "${lines[-1]}" = 500 ]
  [ "${lines[0]}" = '{"message":"specifying \"user=PID\" is not allowed"}' ]
  # a top event as dockerd sends one
  api "http://d/events?since=0&until=$(date +%s.%N)&filters=%7B%22event%22%3A%5B%22top%22%5D%7D" | grep -q '"Action":"top"'
}

@test "top of a container that is not running is a 409; of an unknown one a 404" {
  id=$(create made '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}')
  run api -w '\n%{http_code}' http://d/containers/made/top
  [ "${lines[-1]}" = 409 ]
  [ "${lines[0]}" = "{\"message\":\"Container $id is not running\"}" ]
  [ "$(status POST /containers/made/start)" = 204 ]
  wait_state made exited
  [ "$(status GET /containers/made/top)" = 409 ]
  run api -w '\n%{http_code}' http://d/containers/nosuch/top
  [ "${lines[-1]}" = 404 ]
  [ "${lines[0]}" = '{"message":"No such container: nosuch"}' ]
}

@test "prune removes the stopped containers only, with their layers and logs; answers Docker's shape" {
  run_bg up '["sleep","100"]' >/dev/null
  ex=$(run_bg ex '["sh","-c","head -c 100000 /dev/zero >/big; echo bye"]')
  wait_state ex exited
  cr=$(create cr '{"Image":"busybox","Cmd":["true"]}')
  root=$T/root
  [ -s "$root/containers/$ex/$ex-json.log" ]
  [ -d "$root/overlay2/$ex" ]
  [ -d "$root/overlay2/$ex-init" ]
  out=$(api -X POST http://d/containers/prune)
  [ "$(echo "$out" | json '' | "$PY" -c 'import sys,json; print(sorted(json.load(sys.stdin)))')" = "['ContainersDeleted', 'SpaceReclaimed']" ]
  [ "$(echo "$out" | json ContainersDeleted | "$PY" -c 'import sys,json; print(" ".join(sorted(json.load(sys.stdin))))')" = "$(printf '%s\n' "$ex" "$cr" | sort | tr '\n' ' ' | sed 's/ $//')" ]
  # the 100000 bytes written into the container's layer are reclaimed
  [ "$(echo "$out" | json SpaceReclaimed)" -ge 100000 ]
  for id in "$ex" "$cr"; do
    [ ! -e "$root/containers/$id" ]
    [ ! -e "$root/overlay2/$id" ]
    [ ! -e "$root/overlay2/$id-init" ]
    [ "$(status GET "/containers/$id/json")" = 404 ]
  done
  [ "$(state up Status)" = running ]
  # nothing left to prune: ContainersDeleted is null
  [ "$(api -X POST http://d/containers/prune)" = '{"ContainersDeleted":null,"SpaceReclaimed":0}' ]
  # destroy events for each, and one prune event with the reclaimed bytes
  ev=$(api "http://d/events?since=0&until=$(date +%s.%N)")
  [ "$(echo "$ev" | grep -c '"Action":"destroy"')" = 2 ]
  echo "$ev" | grep '"Action":"prune"' | head -1 | grep -Eq '"Type":"container".*"Attributes":\{"reclaimed":"[1-9][0-9]{5,}"\}'
  [ "$(status POST '/containers/prune?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D')" = 400 ]
}

@test "prune filters: label, label! and until" {
  a=$(create a1 '{"Image":"busybox","Cmd":["true"],"Labels":{"team":"a","keep":"no"}}')
  b=$(create b1 '{"Image":"busybox","Cmd":["true"],"Labels":{"team":"b"}}')
  n=$(create n1 '{"Image":"busybox","Cmd":["true"]}')
  q() { "$PY" -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
  # label=team=a: only a1
  out=$(api -X POST "http://d/containers/prune?filters=$(q '{"label":["team=a"]}')")
  [ "$(echo "$out" | json ContainersDeleted)" = "[\"$a\"]" ]
  # label!=team: the ones without the label team
  out=$(api -X POST "http://d/containers/prune?filters=$(q '{"label!":["team"]}')")
  [ "$(echo "$out" | json ContainersDeleted)" = "[\"$n\"]" ]
  # until: only the containers created before the time given
  sleep 1.1
  cut=$(date +%s)
  sleep 1.1
  late=$(create late '{"Image":"busybox","Cmd":["true"]}')
  out=$(api -X POST "http://d/containers/prune?filters=$(q "{\"until\":[\"$cut\"]}")")
  [ "$(echo "$out" | json ContainersDeleted)" = "[\"$b\"]" ]
  # a Go duration counts back from now: late is younger than 1h
  out=$(api -X POST "http://d/containers/prune?filters=$(q '{"until":["1h"]}')")
  [ "$(echo "$out" | json ContainersDeleted)" = None ]
  run api -w '\n%{http_code}' -X POST "http://d/containers/prune?filters=$(q '{"until":["soon"]}')"
  [ "${lines[-1]}" = 400 ]
  [ "$(state late Status)" = created ]
}

@test "cdctl top and container top print docker's table; errors as docker prints them" {
  run_bg tp '["sh","-c","sleep 100 & sleep 200"]' >/dev/null
  wait_procs tp 2
  run $CD top tp
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^UID\ {17}PID\ {17}PPID\ {16}C\ {19}STIME\ {15}TTY\ {17}TIME\ {16}CMD$ ]]
  [ "${#lines[@]}" -eq 3 ]
  [[ "$output" == *"sleep 100"* && "$output" == *"sleep 200"* ]]
  # ps options after the container, as the docker CLI sends them
  run $CD container top tp -o pid,args
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^PID\ {17}COMMAND$ ]]
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2, $3}' | sort | tr '\n' ,)" = "sleep 100,sleep 200," ]
  # the same bytes as the docker CLI prints
  [ "$($CD top tp -o pid,args)" = "$($DOCKER top tp -o pid,args)" ]
  id=$(create made '{"Image":"busybox","Cmd":["true"]}')
  run $CD top made
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: Container $id is not running" ]
  run $CD top
  [ "$status" -eq 1 ]
  [[ "$output" == *"requires at least 1 argument"* ]]
}

@test "cdctl container prune: prompt, -f, --filter and docker's report" {
  run_bg up '["sleep","100"]' >/dev/null
  a=$(create a1 '{"Image":"busybox","Cmd":["true"],"Labels":{"x":"1"}}')
  b=$(create b1 '{"Image":"busybox","Cmd":["true"]}')
  # answering no (or nothing) removes nothing
  run sh -c "echo n | $CD container prune"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ')" ]
  [ "$(status GET /containers/a1/json)" = 200 ]
  run $CD container prune -f --filter label=x=1
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'Deleted Containers:\n%s\n\nTotal reclaimed space: 0B' "$a")" ]
  run sh -c "echo y | $CD container prune"
  [ "$status" -eq 0 ]
  [[ "$output" == *"[y/N] Deleted Containers:"* ]]
  [ "${lines[2]}" = "$b" ]
  [ "${lines[-1]}" = "Total reclaimed space: 0B" ]
  run $CD container prune --force
  [ "$status" -eq 0 ]
  [ "$output" = "Total reclaimed space: 0B" ]
  [ "$(state up Status)" = running ]
  run $CD container prune -f --filter nonsense
  [ "$status" -eq 125 ]
}
