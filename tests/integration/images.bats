#!/usr/bin/env bats
# Images: load (docker-save, OCI), the layer store, list/inspect/history/tag/rmi/prune,
# and hostile or broken archives refused with nothing left behind.
load helpers

setup() { start_daemon; }
teardown() { cleanup_daemon; }

load_tar() { api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$1" "http://d/images/load${2:-}"; }
image_id() { api "http://d/images/$1/json" | json Id; }
layer_dirs() { find "$T/root/overlay2" -mindepth 1 -maxdepth 1 -type d ! -name l | wc -l; }

# nothing_left: no image, no layer directory, no short link, no temporary file
nothing_left() {
  [ "$(api http://d/images/json)" = "[]" ]
  [ "$(layer_dirs)" -eq 0 ]
  [ -z "$(ls -A "$T/root/overlay2/l")" ]
  [ -z "$(ls -A "$T/root/tmp")" ]
  [ "$(sqlite3 "$T/root/cdaemon.db" 'select count(*) from layers')" -eq 0 ]
}

@test "load a docker-save tar: progress messages, then the image is listed with both layers" {
  run load_tar "$IMAGES/busybox.tar"
  [[ "$output" == *'"status":"Loading layer"'* ]]
  [[ "$output" == *'Loaded image: busybox:latest'* ]]
  out=$(api http://d/images/json)
  [ "$(echo "$out" | json 0.RepoTags.0)" = busybox:latest ]
  [ "$(api http://d/images/busybox/json | python3 -c 'import sys,json; print(len(json.load(sys.stdin)["RootFS"]["Layers"]))')" -eq 2 ]
  [ "$(layer_dirs)" -eq 2 ]
  # quiet: only the result line
  run load_tar "$IMAGES/busybox.tar" '?quiet=1'
  [[ "$output" != *'Loading layer'* ]]
  [[ "$output" == *'Loaded image: busybox:latest'* ]]
}

@test "the image ID is the sha256 of its config, the same from docker-save and OCI archives" {
  cfg=$(tar -xOf "$IMAGES/busybox.tar" manifest.json | python3 -c 'import sys,json; print(json.load(sys.stdin)[0]["Config"])')
  want="sha256:$(tar -xOf "$IMAGES/busybox.tar" "$cfg" | sha256sum | cut -d' ' -f1)"
  load_tar "$IMAGES/busybox.tar" >/dev/null
  [ "$(image_id busybox)" = "$want" ]
  api -X DELETE http://d/images/busybox >/dev/null
  run load_tar "$IMAGES/busybox-oci.tar"
  [[ "$output" == *'Loaded image: busybox:latest'* ]]
  [ "$(image_id busybox)" = "$want" ]
}

@test "layers are extracted with whiteouts and opaque directories as overlay expects" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  top=$(api http://d/images/busybox/json | json GraphDriver.Data.UpperDir)
  # the short link points at the layer's diff
  [ "$(readlink -f "$T/root/overlay2/l/$(cat "$(dirname "$top")/link")")" = "$top" ]
  # whiteout for the deleted /etc/motd: a 0/0 character device
  [ "$(stat -c '%F %t %T' "$top/etc/motd")" = "character special file 0 0" ]
  # opaque directory
  [ "$(getfattr --only-values -n trusted.overlay.opaque "$top/opt/replaced" 2>/dev/null)" = y ]
  [ -f "$top/opt/replaced/new.txt" ]
  # the base layer: busybox, applet links, passwd
  lower=$(api http://d/images/busybox/json | json GraphDriver.Data.LowerDir)
  [ -x "$lower/bin/busybox" ]
  [ "$(readlink "$lower/bin/sh")" = busybox ]
  grep -q '^cduser:x:1000:1000' "$lower/etc/passwd"
  [ "$(stat -c %u:%g "$lower/home/cduser")" = 1000:1000 ]
  [ "$(stat -c %a "$lower/tmp")" = 1777 ]
}

@test "images sharing a base layer store it once; removing one keeps the other whole" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  # a second image on the same base: the base plus one new layer
  mkdir -p "$T/x/etc"; echo two >"$T/x/etc/second"
  python3 - "$IMAGES/busybox.tar" "$T/x" "$T/two.tar" <<'PY'
import hashlib, io, json, sys, tarfile
src, extra, out = sys.argv[1:]
s = tarfile.open(src)
man = json.load(s.extractfile("manifest.json"))[0]
cfg = json.load(s.extractfile(man["Config"]))
base = s.extractfile(man["Layers"][0]).read()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    t.add(extra + "/etc", arcname="etc")
new = buf.getvalue()
cfg["rootfs"]["diff_ids"] = [cfg["rootfs"]["diff_ids"][0], "sha256:" + hashlib.sha256(new).hexdigest()]
cfg["history"] = cfg["history"][:1] + [{"created_by": "second"}]
cb = json.dumps(cfg).encode(); cid = hashlib.sha256(cb).hexdigest()
m = json.dumps([{"Config": cid + ".json", "RepoTags": ["two:latest"], "Layers": ["a/layer.tar", "b/layer.tar"]}]).encode()
with tarfile.open(out, "w") as t:
    for n, b in [(cid + ".json", cb), ("a/layer.tar", base), ("b/layer.tar", new), ("manifest.json", m)]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
PY
  run load_tar "$T/two.tar"
  [[ "$output" == *'Already exists'* ]]
  [ "$(layer_dirs)" -eq 3 ]
  base=$(api http://d/images/busybox/json | json RootFS.Layers.0)
  [ "$(sqlite3 "$T/root/cdaemon.db" "select count(*) from layers where diff_id='$base'")" -eq 1 ]
  [ "$(status DELETE /images/busybox)" = 200 ]
  [ "$(layer_dirs)" -eq 2 ]
  # two:latest still has its whole chain on disk
  lower=$(api http://d/images/two/json | json GraphDriver.Data.LowerDir)
  [ -x "$lower/bin/busybox" ]
  [ "$(status DELETE /images/two)" = 200 ]
  nothing_left
}

@test "names: familiar, fully qualified, ID, ID prefix, digest-qualified refs" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  [ "$(image_id busybox:latest)" = "$id" ]
  [ "$(image_id docker.io/library/busybox:latest)" = "$id" ]
  [ "$(image_id "$id")" = "$id" ]
  [ "$(image_id "${id#sha256:}")" = "$id" ]
  [ "$(image_id "${id:7:12}")" = "$id" ]
  [ "$(status GET /images/busybox:nosuchtag/json)" = 404 ]
  api http://d/images/nosuch/json | json message | grep -q 'No such image: nosuch'
  [ "$(status GET /images/BadName/json)" = 400 ]
}

@test "tag, untag and delete follow Docker's rules" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  [ "$(status POST '/images/busybox/tag?repo=localhost:5000/team/app&tag=v1')" = 201 ]
  [ "$(image_id localhost:5000/team/app:v1)" = "$id" ]
  [ "$(status POST '/images/nosuch/tag?repo=x&tag=y')" = 404 ]
  [ "$(status POST '/images/busybox/tag?repo=Bad&tag=y')" = 400 ]
  # deleting by ID with two names needs force
  [ "$(status DELETE "/images/$id")" = 409 ]
  run api -X DELETE http://d/images/busybox
  [[ "$output" == *'"Untagged":"busybox:latest"'* ]]
  [[ "$output" != *Deleted* ]]
  run api -X DELETE http://d/images/localhost:5000/team/app:v1
  [[ "$output" == *'"Deleted":"'$id'"'* ]]
  nothing_left
}

@test "history lists layers newest first with sizes" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  out=$(api http://d/images/busybox/history)
  [ "$(echo "$out" | json 0.Id)" = "$(image_id busybox)" ]
  [ "$(echo "$out" | json 1.Id)" = "<missing>" ]
  [ "$(echo "$out" | json 1.Size)" -gt 1000000 ]
  [[ "$(echo "$out" | json 1.CreatedBy)" == *busybox* ]]
}

@test "list filters: dangling, reference, label; prune removes dangling images" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  f=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"reference":["busy*"]}')
  [ "$(api "http://d/images/json?filters=$f" | json 0.RepoTags.0)" = busybox:latest ]
  f=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"reference":["nomatch*"]}')
  [ "$(api "http://d/images/json?filters=$f")" = "[]" ]
  f=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"dangling":["true"]}')
  [ "$(api "http://d/images/json?filters=$f")" = "[]" ]
  [ "$(status GET '/images/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D')" = 400 ]
  # prune without -a keeps tagged images; with dangling=false removes unused ones
  out=$(api -X POST http://d/images/prune)
  [ "$(echo "$out" | json SpaceReclaimed)" -eq 0 ]
  [ "$(status GET /images/busybox/json)" = 200 ]
  f=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"dangling":["false"]}')
  out=$(api -X POST "http://d/images/prune?filters=$f")
  [ "$(echo "$out" | json SpaceReclaimed)" -gt 1000000 ]
  nothing_left
}

@test "the docker CLI: load, images, inspect, tag, rmi, history" {
  run $DOCKER load -i "$IMAGES/busybox.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loaded image: busybox:latest"* ]]
  run $DOCKER images
  [[ "$output" == *busybox*latest* ]]
  run $DOCKER image inspect busybox
  [ "$status" -eq 0 ]
  $DOCKER tag busybox cd/test:1
  run $DOCKER history cd/test:1
  [ "$status" -eq 0 ]
  run $DOCKER rmi cd/test:1 busybox
  [ "$status" -eq 0 ]
  [[ "$output" == *Deleted:* ]]
  run $DOCKER image inspect busybox
  [ "$status" -ne 0 ]
}

@test "load survives a daemon restart: images and layers persist" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  stop_daemon
  "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" --cgroup-parent "$TEST_CGP" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
  [ "$(image_id busybox)" = "$id" ]
  [ "$(layer_dirs)" -eq 2 ]
}

hostile() { # hostile KIND WANT_IN_MESSAGE
  mkdir -p "$T/esc"
  python3 "$PROJ/tests/fixtures/hostile.py" "$1" "$T/h.tar" "$T/esc"
  run api -w '\n%{http_code}' -X POST --data-binary @"$T/h.tar" http://d/images/load
  echo "$output"
  [ "${lines[-1]}" = 400 ]
  [[ "$output" == *"$2"* ]]
  [ -z "$(ls -A "$T/esc")" ]
  nothing_left
}

@test "a layer entry climbing out with ../ is refused, naming it, leaving nothing" {
  hostile dotdot 'dotdot'
}

@test "a layer entry escaping through ../ after a directory is refused" {
  hostile absolute 'absolute'
}

@test "a file written through a symlink in the layer is refused" {
  hostile symlink 'through-symlink'
}

@test "a hard link to outside the layer is refused" {
  hostile hardlink 'hl'
}

@test "a layer whose digest does not match the config is refused" {
  hostile digest 'digest mismatch'
}

@test "a manifest naming a missing layer is refused" {
  hostile missing-layer 'missing/layer.tar'
}

@test "a truncated archive is refused" {
  hostile truncated 'invalid archive'
}

@test "garbage and empty bodies are refused with 400" {
  head -c 3000 /dev/urandom >"$T/junk"
  [ "$(status POST /images/load --data-binary @"$T/junk")" = 400 ]
  [ "$(status POST /images/load)" = 400 ]
  nothing_left
}

@test "each layer keeps a small tar-split beside its files, gone with the layer" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  for d in $(find "$T/root/overlay2" -mindepth 1 -maxdepth 1 -type d ! -name l); do
    [ -s "$d/tar-split" ]
    [ ! -e "$d/tar-split.tmp" ] && [ ! -e "$d/tar-split.stash" ]
  done
  # headers, not file contents: well under the layers' 2.1 MB
  [ "$(cat "$T"/root/overlay2/*/tar-split | wc -c)" -lt 400000 ]
  [ -z "$(find "$T/root/blobs" -type f)" ]
  [ "$(status DELETE /images/busybox)" = 200 ]
  nothing_left
}
