#!/usr/bin/env bats
# Containers, first slice: create (validation, names, image merge), list,
# inspect, rename, remove; layers on disk and their clean-up.
load helpers

setup() {
  start_daemon
  api -X POST --data-binary @"$IMAGES/busybox.tar" 'http://d/images/load?quiet=1' >/dev/null
}
teardown() { cleanup_daemon; }

create() { api -X POST -H 'Content-Type: application/json' "http://d/containers/create$1" -d "$2"; }
ctr_dirs() { find "$T/root/overlay2" -mindepth 1 -maxdepth 1 -name "$1*" | wc -l; }

@test "create returns a 64-hex ID, 201, and the container is listed as Created" {
  run api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' 'http://d/containers/create?name=web' -d '{"Image":"busybox","Cmd":["echo","hi"]}'
  [ "${lines[-1]}" = 201 ]
  id=$(echo "${lines[0]}" | json Id)
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  [ "$(api 'http://d/containers/json?all=1' | json 0.Names.0)" = /web ]
  [ "$(api 'http://d/containers/json?all=1' | json 0.Status)" = Created ]
  [ "$(api 'http://d/containers/json')" = "[]" ]
  # its init and writable layers exist, and its own directory
  [ "$(ctr_dirs "$id")" -eq 2 ]
  [ -d "$T/root/containers/$id" ]
}

@test "inspect shows Docker's shape with the image config merged" {
  id=$(create '?name=web' '{"Image":"busybox","Env":["A=1"],"Labels":{"app":"x"},"WorkingDir":"/tmp"}' | json Id)
  out=$(api http://d/containers/web/json)
  [ "$(echo "$out" | json Id)" = "$id" ]
  [ "$(echo "$out" | json Name)" = /web ]
  [ "$(echo "$out" | json Path)" = sh ]
  [ "$(echo "$out" | json State.Status)" = created ]
  [ "$(echo "$out" | json State.Running)" = False ]
  [ "$(echo "$out" | json Config.Env)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1"]' ]
  [ "$(echo "$out" | json Config.Labels.app)" = x ]
  [ "$(echo "$out" | json Config.WorkingDir)" = /tmp ]
  [ "$(echo "$out" | json Config.Hostname)" = "${id:0:12}" ]
  [ "$(echo "$out" | json HostConfig.RestartPolicy.Name)" = no ]
  [ "$(echo "$out" | json GraphDriver.Name)" = overlay2 ]
  [ -d "$(echo "$out" | json GraphDriver.Data.UpperDir)" ]
  [[ "$(echo "$out" | json LogPath)" == "$T/root/containers/$id/$id-json.log" ]]
  # by unique ID prefix
  [ "$(api "http://d/containers/${id:0:6}/json" | json Id)" = "$id" ]
}

@test "bad input: missing image 404, taken name 409, bad name or config 400, nothing left behind" {
  [ "$(status POST '/containers/create' -H 'Content-Type: application/json' -d '{"Image":"nosuch"}')" = 404 ]
  create '?name=web' '{"Image":"busybox"}' >/dev/null
  run api -w '\n%{http_code}' -X POST 'http://d/containers/create?name=web' -d '{"Image":"busybox"}'
  [ "${lines[-1]}" = 409 ]
  [[ "$output" == *'The container name \"/web\" is already in use'* ]]
  [ "$(status POST '/containers/create?name=bad%20name' -d '{"Image":"busybox"}')" = 400 ]
  [ "$(status POST '/containers/create' -d '{"Image":"busybox","Env":"A=1"}')" = 400 ]
  api -X POST 'http://d/containers/create' -d '{"Image":"busybox","Env":"A=1"}' | json message | grep -q 'field Env'
  [ "$(status POST '/containers/create' -d '{"Image":"busybox","HostConfig":{"RestartPolicy":{"Name":"bogus"}}}')" = 400 ]
  [ "$(status POST '/containers/create' -d '{not json')" = 400 ]
  [ "$(status POST '/containers/create' -d '{}')" = 400 ]
  # only web's two layer dirs exist besides the image's
  [ "$(api 'http://d/containers/json?all=1' | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -eq 1 ]
  [ "$(find "$T/root/overlay2" -mindepth 1 -maxdepth 1 -name '*-init' | wc -l)" -eq 1 ]
  [ "$(ls "$T/root/containers" | wc -l)" -eq 1 ]
}

@test "rename, then the old name is free and the new one answers" {
  create '?name=web' '{"Image":"busybox"}' >/dev/null
  create '?name=db' '{"Image":"busybox"}' >/dev/null
  [ "$(status POST '/containers/web/rename?name=db')" = 409 ]
  [ "$(status POST '/containers/web/rename?name=bad%20name')" = 400 ]
  [ "$(status POST '/containers/web/rename?name=front')" = 204 ]
  [ "$(status GET /containers/web/json)" = 404 ]
  [ "$(api http://d/containers/front/json | json Name)" = /front ]
  [ "$(status POST '/containers/nosuch/rename?name=x')" = 404 ]
}

@test "remove deletes the row, the layers and the directory; unknown gives 404" {
  id=$(create '?name=web' '{"Image":"busybox"}' | json Id)
  [ "$(status DELETE /containers/web)" = 204 ]
  [ "$(status GET /containers/web/json)" = 404 ]
  [ "$(ctr_dirs "$id")" -eq 0 ]
  [ ! -e "$T/root/containers/$id" ]
  [ "$(status DELETE /containers/web)" = 404 ]
  api -X DELETE http://d/containers/web | json message | grep -q 'No such container: web'
}

@test "an image a container uses cannot be removed without force; forced it is only untagged" {
  create '?name=web' '{"Image":"busybox"}' >/dev/null
  [ "$(status DELETE /images/busybox)" = 409 ]
  api -X DELETE http://d/images/busybox | json message | grep -q 'container is using its referenced image'
  run api -X DELETE 'http://d/images/busybox?force=1'
  [[ "$output" == *Untagged* ]]
  [[ "$output" != *Deleted* ]]
  # the container's image is still whole
  id=$(api http://d/containers/web/json | json Image)
  [ "$(status GET "/images/$id/json")" = 200 ]
}

@test "list: filters by name, id, label, status, ancestor; limit" {
  a=$(create '?name=alpha' '{"Image":"busybox","Labels":{"tier":"front"}}' | json Id)
  create '?name=beta' '{"Image":"busybox"}' >/dev/null
  q() { python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
  [ "$(api "http://d/containers/json?all=1&filters=$(q '{"name":["alph"]}')" | json 0.Id)" = "$a" ]
  [ "$(api "http://d/containers/json?all=1&filters=$(q "{\"id\":[\"${a:0:8}\"]}")" | json 0.Names.0)" = /alpha ]
  [ "$(api "http://d/containers/json?all=1&filters=$(q '{"label":["tier=front"]}')" | json 0.Names.0)" = /alpha ]
  [ "$(api "http://d/containers/json?filters=$(q '{"status":["created"]}')" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -eq 2 ]
  [ "$(api "http://d/containers/json?all=1&filters=$(q '{"ancestor":["busybox"]}')" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -eq 2 ]
  [ "$(api "http://d/containers/json?limit=1" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -eq 1 ]
  [ "$(status GET "/containers/json?filters=$(q '{"bogus":["x"]}')")" = 400 ]
}

@test "containers and their layers survive a restart; orphaned container layers are removed" {
  id=$(create '?name=web' '{"Image":"busybox"}' | json Id)
  # an orphan: layer dirs of a container that has no row (a crash mid-create)
  orphan=$(printf 'f%.0s' $(seq 64))
  mkdir -p "$T/root/overlay2/$orphan/diff" "$T/root/overlay2/$orphan-init/diff"
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$(api http://d/containers/web/json | json Id)" = "$id" ]
  for i in $(seq 50); do [ ! -e "$T/root/overlay2/$orphan" ] && [ ! -e "$T/root/overlay2/$orphan-init" ] && break; sleep 0.1; done
  [ ! -e "$T/root/overlay2/$orphan" ]
  [ ! -e "$T/root/overlay2/$orphan-init" ]
  [ "$(ctr_dirs "$id")" -eq 2 ]
}

@test "the docker CLI: create, ps -a, inspect, rename, rm" {
  run $DOCKER create --name web -e A=1 busybox echo hi
  [ "$status" -eq 0 ]
  run $DOCKER ps -a
  [[ "$output" == *web* ]]
  [[ "$output" == *Created* ]]
  run $DOCKER inspect -f '{{.Config.Cmd}}' web
  [ "$output" = "[echo hi]" ]
  $DOCKER rename web web2
  run $DOCKER rm web2
  [ "$status" -eq 0 ]
  run $DOCKER create --name web2 nosuchimage:1
  [ "$status" -ne 0 ]
}

@test "generated names: 80 unnamed creates all succeed with distinct Docker-style names" {
  # 80 draws from adjective_surname pairs collide almost surely; a taken
  # name must be drawn again (then with a digit), never fail the create
  for i in $(seq 80); do
    code=$(api -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' http://d/containers/create -d '{"Image":"busybox"}')
    [ "$code" = 201 ]
  done
  names=$(api 'http://d/containers/json?all=1' | $PY -c 'import json,sys; print("\n".join(c["Names"][0] for c in json.load(sys.stdin)))')
  [ "$(echo "$names" | wc -l)" -eq 80 ]
  [ "$(echo "$names" | sort -u | wc -l)" -eq 80 ]
  [ -z "$(echo "$names" | grep -Ev '^/[a-z]+_[a-z]+[0-9]?$')" ]
}
