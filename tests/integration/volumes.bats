#!/usr/bin/env bats
# Volumes: the /volumes API, cdctl volume, named and anonymous volumes, their
# lifetime (container removal, rm -v, daemon restart), prune, DriverOpts
# (tmpfs), events; the docker CLI on the same socket.
load helpers

bats_require_minimum_version 1.5.0

setup() {
  start_daemon
  $CD load -i "$IMAGES/busybox.tar" >/dev/null
}
teardown() { cleanup_daemon; }

have_docker() { [ -x /usr/local/bin/docker ]; }

@test "volume create, ls, inspect, rm with cdctl and the API" {
  run --separate-stderr $CD volume create --label team=a v1
  [ "$status" -eq 0 ]
  [ "$output" = v1 ]
  [ -d "$T/root/volumes/v1/_data" ]
  out=$(api http://d/volumes/v1)
  [ "$(echo "$out" | json Name)" = v1 ]
  [ "$(echo "$out" | json Driver)" = local ]
  [ "$(echo "$out" | json Scope)" = local ]
  [ "$(echo "$out" | json Mountpoint)" = "$T/root/volumes/v1/_data" ]
  [ "$(echo "$out" | json Labels.team)" = a ]
  # creating an existing name again answers with the same volume
  [ "$(status POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"v1"}')" = 201 ]
  run $CD volume ls
  [ "${lines[0]}" = "DRIVER    VOLUME NAME" ]
  [ "${lines[1]}" = "local     v1" ]
  run $CD volume inspect v1
  [ "$(echo "$output" | json 0.Name)" = v1 ]
  run $CD volume rm v1
  [ "$status" -eq 0 ] && [ "$output" = v1 ]
  [ ! -e "$T/root/volumes/v1" ]
  [ "$(status GET /volumes/v1)" = 404 ]
  [ "$(api http://d/volumes/v1 | json message)" = "get v1: no such volume" ]
  [ "$(status DELETE /volumes/v1)" = 404 ]
  [ "$(status DELETE '/volumes/v1?force=1')" = 204 ]
}

@test "bad input: illegal volume name, unknown driver, bad options; nothing is made" {
  [ "$(status POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"a/b"}')" = 400 ]
  msg=$(api -X POST -H 'Content-Type: application/json' -d '{"Name":"a/b"}' http://d/volumes/create | json message)
  [[ "$msg" == *'"a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed'* ]]
  [ "$(status POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"vx","Driver":"nope"}')" = 404 ]
  [ "$(status POST /volumes/create -H 'Content-Type: application/json' -d '{"Name":"vx","DriverOpts":{"bogus":"1"}}')" = 400 ]
  [ "$(api http://d/volumes | json Volumes)" = "[]" ]
  [ -z "$(ls "$T/root/volumes" 2>/dev/null)" ]
  run $CD volume create 'bad name'
  [ "$status" -ne 0 ]
}

@test "a file written into a named volume is read by a second container after the first is removed" {
  $CD run --name ww -v data:/data busybox sh -c 'echo hello > /data/f'
  $CD rm -v ww >/dev/null
  # rm -v never removes a named volume
  [ "$(api http://d/volumes/data | json Name)" = data ]
  run $CD run --rm -v data:/data busybox cat /data/f
  [ "$status" -eq 0 ]
  [ "$output" = hello ]
  [ "$(cat "$T/root/volumes/data/_data/f")" = hello ]
}

@test "volume in use: 409 with Docker's message until its container is removed" {
  $CD volume create busy >/dev/null
  id=$($CD create -v busy:/data busybox true)
  [ "$(status DELETE /volumes/busy)" = 409 ]
  [ "$(api -X DELETE http://d/volumes/busy | json message)" = "remove busy: volume is in use - [$id]" ]
  [ "$(status DELETE '/volumes/busy?force=1')" = 409 ]
  run $CD volume rm busy
  [ "$status" -ne 0 ]
  [[ "$output" == *"volume is in use"* ]]
  [ -d "$T/root/volumes/busy/_data" ]
  $CD rm "$id" >/dev/null
  [ "$(status DELETE /volumes/busy)" = 204 ]
}

@test "anonymous volumes: 64-hex names, rm -v removes them, rm keeps them, --rm removes them" {
  id=$($CD create -v /anon busybox true)
  name=$(api http://d/containers/$id/json | json Mounts.0.Name)
  [[ "$name" =~ ^[0-9a-f]{64}$ ]]
  [ -d "$T/root/volumes/$name/_data" ]
  $CD rm -v "$id" >/dev/null
  [ "$(status GET /volumes/$name)" = 404 ]
  [ ! -e "$T/root/volumes/$name" ]
  id=$($CD create -v /anon busybox true)
  name=$(api http://d/containers/$id/json | json Mounts.0.Name)
  $CD rm "$id" >/dev/null
  [ "$(status GET /volumes/$name)" = 200 ]
  [ "$(api 'http://d/volumes?filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D' | json Volumes.0.Name)" = "$name" ]
  $CD run --rm -v /anon2 busybox true
  [ "$(api http://d/volumes | json Volumes | "$PY" -c 'import sys,json; print(len(json.load(sys.stdin)))')" = 1 ]
}

@test "the image's VOLUME entries become anonymous volumes" {
  $CD image import -c 'VOLUME /vol' -c 'CMD ["/bin/sh"]' - withvol < <(
    "$PY" - "$IMAGES/busybox.tar" <<'PY'
import io, json, sys, tarfile
s = tarfile.open(sys.argv[1]); man = json.load(s.extractfile("manifest.json"))
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")
layer = tarfile.open(fileobj=s.extractfile(man[0]["Layers"][0]))
for m in layer.getmembers():
    out.addfile(m, layer.extractfile(m) if m.isfile() else None)
out.close()
PY
  ) >/dev/null
  id=$($CD create withvol true)
  out=$(api http://d/containers/$id/json)
  [ "$(echo "$out" | json Mounts.0.Type)" = volume ]
  [ "$(echo "$out" | json Mounts.0.Destination)" = /vol ]
  [[ "$(echo "$out" | json Mounts.0.Name)" =~ ^[0-9a-f]{64}$ ]]
  # a -v on the same path replaces it
  id2=$($CD create -v named:/vol withvol true)
  [ "$(api http://d/containers/$id2/json | json Mounts.0.Name)" = named ]
}

@test "filters name, label, dangling; prune removes only unused volumes" {
  $CD volume create --label env=prod keep1 >/dev/null
  $CD volume create --label env=dev other >/dev/null
  $CD volume create used >/dev/null
  $CD create --name uu -v used:/u busybox true >/dev/null
  run $CD volume ls -q --filter name=keep
  [ "$output" = keep1 ]
  run $CD volume ls -q --filter label=env=dev
  [ "$output" = other ]
  run $CD volume ls -q --filter dangling=false
  [ "$output" = used ]
  run $CD volume ls -q --filter dangling=true
  [ "${#lines[@]}" -eq 2 ]
  [ "$(status GET '/volumes?filters=%7B%22dangling%22%3A%5B%22maybe%22%5D%7D')" = 400 ]
  echo hi > "$T/root/volumes/other/_data/f"
  run $CD volume prune -f --filter label=env=dev
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Volumes:" ]
  [ "${lines[1]}" = other ]
  [[ "$output" == *"Total reclaimed space: 3B"* ]]
  run $CD volume prune -f
  [ "${lines[1]}" = keep1 ]
  run $CD volume ls -q
  [ "$output" = used ]
}

@test "volumes and their data survive a daemon restart" {
  $CD run --rm -v keep:/data busybox sh -c 'echo persisted > /data/f'
  id=$($CD create -v keep:/data busybox cat /data/f)
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" \
    --log-level debug >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$(api http://d/volumes/keep | json Name)" = keep ]
  [ "$(status DELETE /volumes/keep)" = 409 ]
  run $CD run --rm -v keep:/data busybox cat /data/f
  [ "$output" = persisted ]
  [ "$(api http://d/containers/$id/json | json Mounts.0.Name)" = keep ]
}

@test "a tmpfs volume (DriverOpts type/device/o) is mounted on the host and in the container" {
  $CD volume create -o type=tmpfs -o device=tmpfs -o o=size=2m,mode=0750 tv >/dev/null
  [ "$(api http://d/volumes/tv | json Options.type)" = tmpfs ]
  run $CD run --rm -v tv:/t busybox sh -c 'grep " /t " /proc/mounts'
  [ "$status" -eq 0 ]
  [[ "$output" == "tmpfs /t tmpfs"* ]]
  [[ "$output" == *"size=2048k"* ]]
  grep -q " $T/root/volumes/tv/_data tmpfs" /proc/self/mountinfo || grep -q "$T/root/volumes/tv/_data" /proc/self/mounts
  $CD volume rm tv >/dev/null
  ! grep -q "$T/root/volumes/tv/_data" /proc/self/mounts
}

@test "events: volume create, mount, unmount, destroy" {
  since=$(date +%s)
  $CD volume create ev >/dev/null
  $CD run --rm -v ev:/e busybox true
  $CD volume rm ev >/dev/null
  sleep 0.3
  run $CD events --since "$since" --until "$(($(date +%s) + 1))" --filter type=volume
  [[ "$output" == *"volume create ev"* ]]
  [[ "$output" == *"volume mount ev"* ]]
  [[ "$output" == *"volume unmount ev"* ]]
  [[ "$output" == *"volume destroy ev"* ]]
}

@test "docker CLI: volume create/ls/inspect/rm and run -v" {
  have_docker || skip "no docker CLI"
  run $DOCKER volume create dv
  [ "$status" -eq 0 ] && [ "$output" = dv ]
  run $DOCKER volume ls
  [[ "$output" == *"local     dv"* ]]
  run $DOCKER volume inspect -f '{{.Mountpoint}}' dv
  [ "$output" = "$T/root/volumes/dv/_data" ]
  run $DOCKER run --rm -v dv:/d busybox sh -c 'echo d > /d/x; cat /d/x'
  [ "$status" -eq 0 ] && [ "$output" = d ]
  run $DOCKER volume rm dv
  [ "$status" -eq 0 ]
  run $DOCKER volume prune -f
  [ "$status" -eq 0 ]
}
