#!/usr/bin/env bats
# Mount flags of run/create: -v binds (ro/rw, missing host path created),
# --mount bind|volume|tmpfs, --volumes-from, copy-up with owners and modes,
# inspect Mounts, propagation, and mount targets resolved inside the rootfs.
load helpers

bats_require_minimum_version 1.5.0

setup() {
  start_daemon
  $CD load -i "$IMAGES/busybox.tar" >/dev/null
}
teardown() { cleanup_daemon; }

@test "-v HOST:CTR binds: read-only refuses writes, rw writes reach the host" {
  mkdir -p "$T/host" && echo hostdata > "$T/host/h"
  run $CD run --rm -v "$T/host:/h:ro" busybox cat /h/h
  [ "$output" = hostdata ]
  run $CD run --rm -v "$T/host:/h:ro" busybox sh -c 'touch /h/new'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Read-only file system"* ]]
  [ ! -e "$T/host/new" ]
  $CD run --rm -v "$T/host:/h:rw" busybox sh -c 'echo w > /h/new'
  [ "$(cat "$T/host/new")" = w ]
  # a read-only named volume too
  run $CD run --rm -v rov:/r:ro busybox touch /r/x
  [ "$status" -ne 0 ]
  run $CD run --rm --mount type=volume,src=rov,dst=/r,readonly busybox touch /r/x
  [ "$status" -ne 0 ]
}

@test "-v creates a missing host path; --mount refuses one; relative paths are refused" {
  $CD run --rm -v "$T/made/deep:/m" busybox sh -c 'echo x > /m/f'
  [ "$(cat "$T/made/deep/f")" = x ]
  run $CD create --mount "type=bind,src=$T/nope,dst=/m" busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *"invalid mount config for type \"bind\": bind source path does not exist: $T/nope"* ]]
  [ ! -e "$T/nope" ]
  run $CD create -v ./rel:/m busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *'create ./rel: "./rel" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'* ]]
  run $CD create -v "$T/x:/a" -v v1:/a busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *"Duplicate mount point: /a"* ]]
  # nothing half-made: no container, no volume
  [ "$(api 'http://d/containers/json?all=1')" = "[]" ]
  [ "$(api http://d/volumes | json Volumes)" = "[]" ]
}

@test "--mount type=tmpfs with size and mode; bind-propagation; inspect Mounts" {
  run $CD run --rm --mount type=tmpfs,dst=/tt,tmpfs-size=1m,tmpfs-mode=1770 busybox \
    sh -c 'grep " /tt " /proc/mounts; stat -c %a /tt'
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "tmpfs /tt tmpfs rw,nosuid,nodev,noexec"* ]]
  [[ "${lines[0]}" == *"size=1024k"* ]]
  [ "${lines[1]}" = 1770 ]
  mkdir -p "$T/b"
  id=$($CD create -v iv:/data -v "$T/b:/b:ro" --mount "type=bind,src=$T/b,dst=/s,bind-propagation=rslave" \
    --mount type=tmpfs,dst=/tmp2 busybox true)
  out=$(api http://d/containers/$id/json)
  m() { echo "$out" | "$PY" -c 'import sys,json
ms={m["Destination"]:m for m in json.load(sys.stdin)["Mounts"]}
print(json.dumps(ms[sys.argv[1]], sort_keys=True))' "$1"; }
  [ "$(m /data)" = "{\"Destination\": \"/data\", \"Driver\": \"local\", \"Mode\": \"z\", \"Name\": \"iv\", \"Propagation\": \"\", \"RW\": true, \"Source\": \"$T/root/volumes/iv/_data\", \"Type\": \"volume\"}" ]
  [ "$(m /b)" = "{\"Destination\": \"/b\", \"Mode\": \"ro\", \"Propagation\": \"rprivate\", \"RW\": false, \"Source\": \"$T/b\", \"Type\": \"bind\"}" ]
  [ "$(m /s)" = "{\"Destination\": \"/s\", \"Mode\": \"\", \"Propagation\": \"rslave\", \"RW\": true, \"Source\": \"$T/b\", \"Type\": \"bind\"}" ]
  [ "$(echo "$(m /tmp2)" | json Type)" = tmpfs ]
  # propagation is private unless asked: no shared/master tags on /b, master on /s
  run $CD run --rm -v "$T/b:/b" --mount "type=bind,src=$T/b,dst=/s,bind-propagation=rslave" \
    busybox sh -c 'grep " /b " /proc/self/mountinfo; grep " /s " /proc/self/mountinfo'
  [[ "${lines[0]}" != *shared:* ]] && [[ "${lines[0]}" != *master:* ]]
}

@test "copy-up: an empty volume gets the image's content once, with owner and mode" {
  run $CD run --rm -v cu:/home busybox stat -c '%u:%g %a %n' /home /home/cduser
  [ "$status" -eq 0 ]
  [ "${lines[1]}" = "1000:1000 755 /home/cduser" ]
  [ "$(stat -c '%u:%g' "$T/root/volumes/cu/_data/cduser")" = 1000:1000 ]
  [ "$(stat -c '%a' "$T/root/volumes/cu/_data")" = "$(echo "${lines[0]}" | cut -d' ' -f2)" ]
  # the acceptance case: /etc gets passwd
  run $CD run --rm -v etcv:/etc busybox cat /etc/passwd
  [[ "$output" == *root:* ]]
  # once: emptied, it stays empty
  rm -rf "$T/root/volumes/cu/_data/cduser"
  run $CD run --rm -v cu:/home busybox ls /home
  [ -z "$output" ]
  # volume-nocopy and nocopy: nothing copied
  run $CD run --rm --mount type=volume,src=nc,dst=/home,volume-nocopy busybox ls /home
  [ -z "$output" ]
  run $CD run --rm -v nc2:/home:nocopy busybox ls /home
  [ -z "$output" ]
  # a bind mount never copies
  mkdir -p "$T/empty"
  $CD run --rm -v "$T/empty:/home" busybox true
  [ -z "$(ls "$T/empty")" ]
}

@test "--volumes-from shares a container's mounts (read-only with :ro); unknown container is 404" {
  mkdir -p "$T/shared"
  $CD create --name src1 -v vf:/data -v "$T/shared:/sh" busybox true >/dev/null
  $CD run --rm --volumes-from src1 busybox sh -c 'echo from > /data/f; echo b > /sh/g'
  [ "$(cat "$T/root/volumes/vf/_data/f")" = from ]
  [ "$(cat "$T/shared/g")" = b ]
  run $CD run --rm --volumes-from src1:ro busybox touch /data/x
  [ "$status" -ne 0 ]
  id=$($CD create --volumes-from src1:ro busybox true)
  [ "$(api http://d/containers/$id/json | json Mounts.0.RW)" = False ]
  # the volume stays in use while a --volumes-from container exists; rm -v never takes it
  $CD rm -v src1 >/dev/null
  [ "$(status DELETE /volumes/vf)" = 409 ]
  $CD rm -v "$id" >/dev/null
  [ "$(status GET /volumes/vf)" = 200 ]
  run $CD create --volumes-from nosuch busybox true
  [ "$status" -ne 0 ]
  [[ "$output" == *"No such container: nosuch"* ]]
  [ "$(status POST /containers/create -H 'Content-Type: application/json' -d '{"Image":"busybox","HostConfig":{"VolumesFrom":["nosuch"]}}')" = 404 ]
  [ "$(api 'http://d/containers/json?all=1')" = "[]" ]
}

# escape_image NAME TARGET: a busybox image whose /data is a symlink to TARGET
# (an absolute host path), imported from a tar made here.
escape_image() {
  "$PY" - "$IMAGES/busybox.tar" "$2" <<'PY' | $CD import -c 'CMD ["/bin/sh"]' - "$1" >/dev/null
import json, sys, tarfile
s = tarfile.open(sys.argv[1]); man = json.load(s.extractfile("manifest.json"))
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|")
layer = tarfile.open(fileobj=s.extractfile(man[0]["Layers"][0]))
for m in layer.getmembers():
    out.addfile(m, layer.extractfile(m) if m.isfile() else None)
ln = tarfile.TarInfo("data"); ln.type = tarfile.SYMTYPE; ln.linkname = sys.argv[2]
out.addfile(ln)
ln = tarfile.TarInfo("rel"); ln.type = tarfile.SYMTYPE; ln.linkname = "../../../../../../" + sys.argv[2]
out.addfile(ln)
out.close()
PY
}

@test "a symlink in the image cannot redirect a mount onto the host" {
  mkdir -p "$T/outside"
  echo original > "$T/outside/keep"
  escape_image evil "$T/outside"
  run $CD run --rm evil readlink /data
  [ "$output" = "$T/outside" ]
  run $CD run --rm -v sv:/data evil sh -c 'echo pwned > /data/owned; ls /data'
  [ "$status" -eq 0 ]
  [ "$output" = owned ]
  run $CD run --rm -v "$T/src:/rel" evil sh -c 'echo pwned > /rel/owned2'
  run $CD run --rm --mount type=tmpfs,dst=/data/sub evil true
  # the host directory is untouched: no new files, no mount on it
  [ "$(ls "$T/outside")" = keep ]
  [ "$(cat "$T/outside/keep")" = original ]
  ! grep -q " $T/outside" /proc/self/mountinfo
  # the write went into the volume, which was mounted inside the rootfs
  [ "$(cat "$T/root/volumes/sv/_data/owned")" = pwned ]
}

@test "docker CLI: run -v and --mount" {
  [ -x /usr/local/bin/docker ] || skip "no docker CLI"
  mkdir -p "$T/d" && echo dd > "$T/d/f"
  run $DOCKER run --rm -v "$T/d:/d:ro" busybox cat /d/f
  [ "$status" -eq 0 ] && [ "$output" = dd ]
  run $DOCKER run --rm --mount "type=bind,src=$T/d,dst=/d,readonly" busybox touch /d/x
  [ "$status" -ne 0 ]
  run $DOCKER run --rm --mount type=tmpfs,dst=/t busybox sh -c 'grep -c " /t tmpfs" /proc/mounts'
  [ "$output" = 1 ]
  id=$($DOCKER create -v dvol:/v busybox true)
  run $DOCKER inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{end}}' "$id"
  [ "$output" = "volume dvol /v" ]
}
