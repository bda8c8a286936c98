#!/usr/bin/env bats
# cdctl's image commands: load, images/image ls, tag, rmi, history, image
# inspect, image prune, save, import; output as the docker CLI prints it
# (compared with the real docker CLI on the same daemon where it is installed).
load helpers

bats_require_minimum_version 1.5.0

setup() { start_daemon; }
teardown() { cleanup_daemon; }

BUSYBOX_ID=sha256:0d5d96aacf11c8a4a11a0139e2047ca5d15299425efa3bcfdaab96e5a608ec8f

cd_load() { $CD load -i "$IMAGES/busybox.tar"; }

# variant_tar OUT LABEL: busybox.tar with a label added to its config, so a
# new image ID under the same name busybox:latest.
variant_tar() {
  python3 - "$IMAGES/busybox.tar" "$1" "$2" <<'PY'
import hashlib, io, json, sys, tarfile
src, out, label = sys.argv[1:]
s = tarfile.open(src)
man = json.load(s.extractfile("manifest.json"))
cfg = json.load(s.extractfile(man[0]["Config"]))
cfg["config"]["Labels"] = {"variant": label}
cb = json.dumps(cfg, separators=(",", ":")).encode()
name = hashlib.sha256(cb).hexdigest() + ".json"
old = man[0]["Config"]
man[0]["Config"] = name
mb = json.dumps(man).encode()
with tarfile.open(out, "w") as t:
    for m in s.getmembers():
        if m.name in (old, "manifest.json"):
            continue
        t.addfile(m, s.extractfile(m) if m.isfile() else None)
    for n, b in [(name, cb), ("manifest.json", mb)]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
print("sha256:" + name[:-5])
PY
}

# have_endpoint METHOD PATH: the daemon routes it (not 404/405 for the path).
have_endpoint() {
  local code
  code=$(status "$1" "/v1.41$2")
  [ "$code" != 405 ] && { [ "$code" != 404 ] || api -X "$1" "http://d/v1.41$2" | grep -q 'No such image'; }
}

have_docker() { [ -x /usr/local/bin/docker ]; }

@test "load -i FILE and load from stdin print docker's 'Loaded image' line" {
  run --separate-stderr cd_load
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  [ -z "$stderr" ]
  [ "$(api http://d/v1.41/images/busybox/json | json Id)" = "$BUSYBOX_ID" ]
  [ "$(status DELETE /images/busybox)" = 200 ]
  run --separate-stderr sh -c "$CD load < '$IMAGES/busybox.tar'"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  # chunked from a pipe, quiet, and through `image load`
  run sh -c "cat '$IMAGES/busybox.tar' | $CD image load -q"
  [ "$status" -eq 0 ]
  [ "$output" = "Loaded image: busybox:latest" ]
  run $CD load -i "$IMAGES/busybox-oci.tar"
  [ "$output" = "Loaded image: busybox:latest" ]
}

@test "load errors: the daemon's message, a missing file, a terminal on stdin" {
  head -c 3000 /dev/urandom >"$T/garbage.tar"
  run --separate-stderr $CD load -i "$T/garbage.tar"
  [ "$status" -eq 1 ]
  [[ "$stderr" == "Error response from daemon: "* ]]
  run $CD load -i "$T/nonexistent.tar"
  [ "$status" -eq 1 ]
  [ "$output" = "open $T/nonexistent.tar: no such file or directory" ]
  run script -qec "$CD load" /dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"requested load from stdin, but stdin is empty"* ]]
  [ "$($CD images -q)" = "" ]
}

@test "load on a terminal: an upload bar on stderr, cleared, then the layer lines" {
  run script -qec "$CD load -i '$IMAGES/busybox.tar'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" == *"Loading "*"/2.171MB"* ]]            # the bar of bytes sent
  [[ "$output" == *$'\r\e[2K'* ]]                        # cleared before the answer
  [[ "$output" == *"eb7f2a935075: Loading layer"*"2.14MB/2.14MB"* ]]
  [[ "$output" == *"Loaded image: busybox:latest"* ]]
  # -q: neither the bar nor the layer lines
  run script -qec "$CD load -q -i '$IMAGES/busybox.tar'" /dev/null
  [[ "$output" != *"Loading"* ]]
  [[ "$output" == *"Loaded image: busybox:latest"* ]]
}

@test "images: docker's table, -q, --no-trunc, --digests, image ls" {
  cd_load >/dev/null
  run $CD images
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +0d5d96aacf11\ +[0-9]+\ [a-z]+\ ago\ +1\.98MB$ ]]
  # tabwriter: each column is its widest cell + 3 (at least 10)
  [[ "${lines[0]}" == "REPOSITORY   TAG       IMAGE ID       CREATED"* ]]
  h=${lines[0]%%TAG*}; [ "${lines[1]:${#h}:7}" = "latest " ]
  h=${lines[0]%%IMAGE ID*}; [ "${lines[1]:${#h}:13}" = "0d5d96aacf11 " ]
  h=${lines[0]%%CREATED*}; [[ "${lines[1]:${#h}}" =~ ^[0-9]+\ [a-z]+\ ago\ {3}1\.98MB$ ]]
  run $CD images -q
  [ "$output" = 0d5d96aacf11 ]
  run $CD images -q --no-trunc
  [ "$output" = "$BUSYBOX_ID" ]
  run $CD images --no-trunc
  [[ "${lines[1]}" == *"$BUSYBOX_ID"* ]]
  run $CD images --digests
  [[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
  [[ "${lines[1]}" =~ ^busybox\ +latest\ +\<none\>\ +0d5d96aacf11 ]]
  [ "$($CD image ls)" = "$($CD images)" ]
  [ "$($CD image list -q)" = 0d5d96aacf11 ]
  run $CD images a b
  [ "$status" -eq 1 ]
  [[ "$output" == *"'cdctl images' requires at most 1 argument"* ]]
}

@test "images --format json: one object per line with docker's fields and escapes" {
  cd_load >/dev/null
  out=$(TZ=UTC $CD images --format json)
  [ "$(echo "$out" | wc -l)" -eq 1 ]
  [[ "$out" == *'"Digest":"\u003cnone\u003e"'* ]]
  [ "$(echo "$out" | json ID)" = 0d5d96aacf11 ]
  [ "$(echo "$out" | json Repository)" = busybox ]
  [ "$(echo "$out" | json Tag)" = latest ]
  [ "$(echo "$out" | json Digest)" = "<none>" ]
  [ "$(echo "$out" | json Size)" = 1.98MB ]
  [ "$(echo "$out" | json VirtualSize)" = 1.983MB ]
  [ "$(echo "$out" | json Containers)" = N/A ]
  [ "$(echo "$out" | json SharedSize)" = N/A ]
  [ "$(echo "$out" | json UniqueSize)" = N/A ]
  [ "$(echo "$out" | json CreatedAt)" = "2024-01-01 00:00:00 +0000 UTC" ]
  [[ "$(echo "$out" | json CreatedSince)" == *" ago" ]]
  keys=$(echo "$out" | python3 -c 'import sys,json; print(",".join(json.load(sys.stdin)))')
  [ "$keys" = "Containers,CreatedAt,CreatedSince,Digest,ID,Repository,SharedSize,Size,Tag,UniqueSize,VirtualSize" ]
  [ "$($CD images --format '{{json .}}')" = "$($CD images --format json)" ]
  run $CD images --format '{{.ID}}'
  [ "$status" -eq 125 ]
}

@test "images --filter dangling/reference/label and a REPO[:TAG] argument" {
  cd_load >/dev/null
  new=$(variant_tar "$T/v.tar" one)
  $CD load -i "$T/v.tar" >/dev/null # busybox:latest moves to the new image
  run $CD images --filter dangling=true
  [ "${#lines[@]}" -eq 2 ]
  [[ "${lines[1]}" =~ ^\<none\>\ +\<none\>\ +0d5d96aacf11\  ]]
  [ "$($CD images -q --filter dangling=false)" = "${new:7:12}" ]
  [ "$($CD images -q --filter reference='busy*')" = "${new:7:12}" ]
  [ "$($CD images -q -f reference=nomatch)" = "" ]
  [ "$($CD images -q busybox)" = "${new:7:12}" ]
  [ "$($CD images -q busybox:latest)" = "${new:7:12}" ]
  [ "$($CD images -q busybox:other)" = "" ]
  [ "$($CD images -q --filter label=variant=one)" = "${new:7:12}" ]
  [ "$($CD images -q --filter label=variant=two)" = "" ]
  [ "$($CD images -q | sort | tr '\n' ' ')" = "$(printf '%s\n' 0d5d96aacf11 "${new:7:12}" | sort | tr '\n' ' ')" ]
  run $CD images --filter dangling
  [ "$status" -eq 125 ]
  [[ "$output" == *"bad format of filter (expected name=value)"* ]]
}

@test "tag: both names listed; the tag follows the last ':' after the last '/'" {
  cd_load >/dev/null
  run $CD tag busybox myrepo/x:1
  [ "$status" -eq 0 ] && [ -z "$output" ]
  $CD image tag busybox localhost:5000/a/b
  $CD tag "${BUSYBOX_ID:7:12}" localhost:5000/c:v2
  run $CD images
  [ "${#lines[@]}" -eq 5 ]
  [[ "$output" =~ busybox\ +latest\ +0d5d96aacf11 ]]
  [[ "$output" =~ myrepo/x\ +1\ +0d5d96aacf11 ]]
  [[ "$output" =~ localhost:5000/a/b\ +latest\ +0d5d96aacf11 ]]
  [[ "$output" =~ localhost:5000/c\ +v2\ +0d5d96aacf11 ]]
  [ "$(api http://d/v1.41/images/localhost:5000/c:v2/json | json Id)" = "$BUSYBOX_ID" ]
  run $CD tag busybox Bad:x
  [ "$status" -eq 1 ]
  [ "$output" = 'Error parsing reference: "Bad:x" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase' ]
  run $CD tag busybox "foo@sha256:${BUSYBOX_ID:7}"
  [ "$status" -eq 1 ]
  [ "$output" = "refusing to create a tag with a digest reference" ]
  run $CD tag nope foo
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: No such image: nope" ]
}

@test "rmi: untag while other names remain, then untag and delete" {
  cd_load >/dev/null
  $CD tag busybox other:1
  run --separate-stderr $CD rmi other:1
  [ "$status" -eq 0 ]
  [ "$output" = "Untagged: other:1" ]
  run $CD image rm busybox
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Untagged: busybox:latest" ]
  [ "${lines[1]}" = "Deleted: $BUSYBOX_ID" ]
  [ "$($CD images -q)" = "" ]
}

@test "rmi: a missing image fails with the daemon's message; the others are still removed" {
  cd_load >/dev/null
  $CD tag busybox other:1
  run --separate-stderr $CD rmi nope
  [ "$status" -eq 1 ]
  [ "$stderr" = "Error response from daemon: No such image: nope" ]
  run --separate-stderr $CD rmi other:1 nope busybox
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "Untagged: other:1" ]
  [ "${lines[1]}" = "Untagged: busybox:latest" ]
  [ "${lines[2]}" = "Deleted: $BUSYBOX_ID" ]
  [ "$stderr" = "Error response from daemon: No such image: nope" ]
  # -f: a missing image is reported but does not fail
  run --separate-stderr $CD rmi -f nope
  [ "$status" -eq 0 ]
  [ "$stderr" = "Error response from daemon: No such image: nope" ]
}

@test "history: docker's table, CREATED BY cut at 45 with …, -q, --no-trunc, json" {
  cd_load >/dev/null
  run $CD history busybox
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
  [[ "${lines[1]}" =~ ^0d5d96aacf11\ +[0-9]+\ [a-z]+\ ago\ +/bin/sh\ -c\ \#\(nop\)\ ADD\ file:cdaemon-whiteouts…\ +31B ]]
  [[ "${lines[2]}" =~ ^\<missing\>\ +.*\ ago\ +/bin/sh\ -c\ \#\(nop\)\ ADD\ file:busybox-static\ in…\ +1\.98MB ]]
  run $CD history -q busybox
  [ "$output" = "$(printf '0d5d96aacf11\n<missing>')" ]
  run $CD history --no-trunc busybox
  [[ "${lines[1]}" == "$BUSYBOX_ID"*"(rm /etc/motd; replace /opt/replaced)"* ]]
  run $CD image history --human=false busybox
  [[ "${lines[0]}" =~ ^IMAGE\ +CREATED\ AT\ +CREATED\ BY ]]
  [[ "${lines[2]}" =~ \ 1982549\ +$ ]]
  out=$(TZ=UTC $CD history --format json busybox | head -1)
  [ "$(echo "$out" | json CreatedAt)" = 2024-01-01T00:00:00Z ]
  [ "$(echo "$out" | json Size)" = 31B ]
  run $CD history nope
  [ "$status" -eq 1 ]
  [ "$output" = "Error response from daemon: No such image: nope" ]
}

@test "image inspect: the daemon's JSON in an array indented by 4, errors after it" {
  cd_load >/dev/null
  run --separate-stderr $CD image inspect busybox
  [ "$status" -eq 0 ]
  [ "$(echo "$output" | json 0.Id)" = "$BUSYBOX_ID" ]
  [ "${lines[0]}" = "[" ]
  [ "${lines[1]}" = "    {" ]
  [ "${lines[2]}" = "        \"Id\": \"$BUSYBOX_ID\"," ]
  [ "$(echo "$output" | tail -1)" = "]" ]
  run --separate-stderr $CD image inspect busybox nope "${BUSYBOX_ID:7:12}"
  [ "$status" -eq 1 ]
  [ "$(echo "$output" | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" = 2 ]
  [ "$stderr" = "Error response from daemon: No such image: nope" ]
  run --separate-stderr $CD image inspect nope
  [ "$status" -eq 1 ]
  [ "$output" = "[]" ]
}

@test "image prune: asks first, -f removes the dangling image and reports the space" {
  cd_load >/dev/null
  new=$(variant_tar "$T/v.tar" one)
  $CD load -i "$T/v.tar" >/dev/null
  run sh -c "echo n | $CD image prune"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ')" ]
  [ "$($CD images -q --filter dangling=true)" = 0d5d96aacf11 ]
  run $CD image prune -f
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "Deleted Images:" ]
  [ "${lines[1]}" = "deleted: $BUSYBOX_ID" ]
  [[ "${lines[-1]}" =~ ^Total\ reclaimed\ space:\ [0-9.]+[kMG]?B$ ]]
  [ "$($CD images -q)" = "${new:7:12}" ]
  run $CD image prune -f
  [ "$output" = "Total reclaimed space: 0B" ]
  # -a: every image without a container; "y" on stdin confirms
  run sh -c "echo y | $CD image prune -a"
  [ "$status" -eq 0 ]
  [[ "$output" == "WARNING! This will remove all images without at least one container associated to them."* ]]
  [[ "$output" == *"untagged: busybox:latest"* ]]
  [[ "$output" == *"deleted: $new"* ]]
  [ "$($CD images -q)" = "" ]
}

@test "save -o then rmi then load gives the same image ID" {
  cd_load >/dev/null
  have_endpoint GET "/images/get?names=busybox" || skip "GET /images/get is not in the daemon yet"
  run $CD save -o "$T/out.tar" busybox
  [ "$status" -eq 0 ] && [ -z "$output" ]
  [ -s "$T/out.tar" ] && [ ! -e "$T/out.tar.tmp" ]
  tar -tf "$T/out.tar" | grep -qx manifest.json
  $CD rmi busybox >/dev/null
  run $CD load -i "$T/out.tar"
  [ "$output" = "Loaded image: busybox:latest" ]
  [ "$(api http://d/v1.41/images/busybox/json | json Id)" = "$BUSYBOX_ID" ]
  # to a pipe, and the same through `image save`
  $CD image save busybox >"$T/piped.tar"
  tar -tf "$T/piped.tar" | grep -qx manifest.json
}

@test "save: no tar to a terminal, errors leave no file" {
  cd_load >/dev/null
  run script -qec "$CD save busybox" /dev/null
  [ "$status" -eq 1 ]
  [[ "$output" == *"cowardly refusing to save to a terminal. Use the -o flag or redirect"* ]]
  run $CD save -o "$T/nope.tar" nope
  [ "$status" -eq 1 ]
  [[ "$output" == "Error response from daemon: "* ]]
  [ ! -e "$T/nope.tar" ] && [ ! -e "$T/nope.tar.tmp" ]
  run $CD save -o "$T/no/such/dir/x.tar" busybox
  [ "$status" -eq 1 ]
  [ "$output" = "failed to save image: invalid output path: directory \"$T/no/such/dir\" does not exist" ]
}

@test "import a rootfs tarball: the new image ID, then listed under REPO:TAG" {
  have_endpoint POST /images/create || skip "POST /images/create (import) is not in the daemon yet"
  mkdir -p "$T/rootfs/etc"
  echo hello >"$T/rootfs/etc/hello"
  tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
  run --separate-stderr $CD import -m "first import" -c "CMD [\"/bin/sh\"]" "$T/rootfs.tar" myimport:v1
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  id=$output
  [ "$($CD images -q --no-trunc myimport:v1)" = "$id" ]
  [ "$(api http://d/v1.41/images/myimport:v1/json | json Config.Cmd.0)" = /bin/sh ]
  [ "$(api http://d/v1.41/images/myimport:v1/json | json Comment)" = "first import" ]
  # from stdin, through `image import`, no name: a dangling image
  run sh -c "$CD image import - < '$T/rootfs.tar'"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
  run $CD import "$T/rootfs.tar" Bad:x
  [ "$status" -eq 1 ]
  [ "$output" = "invalid reference format: repository name (library/Bad) must be lowercase" ]
}

@test "import makes busybox:latest point elsewhere: the old image is dangling and pruned" {
  have_endpoint POST /images/create || skip "POST /images/create (import) is not in the daemon yet"
  cd_load >/dev/null
  mkdir -p "$T/rootfs"; echo x >"$T/rootfs/x"
  tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
  $CD import "$T/rootfs.tar" busybox:latest >/dev/null
  [ "$($CD images -q --filter dangling=true)" = 0d5d96aacf11 ]
  run $CD image prune -f
  [ "${lines[0]}" = "Deleted Images:" ]
  [[ "$output" == *"deleted: $BUSYBOX_ID"* ]]
}

@test "the docker CLI prints the same on this daemon" {
  have_docker || skip "no docker CLI at /usr/local/bin/docker"
  cd_load >/dev/null
  for args in "images" "images --digests" "images --no-trunc" "images -q" "images --format json" \
      "history busybox" "history --no-trunc busybox" "history -q busybox" "history --format json busybox" \
      "image inspect busybox" "images --filter dangling=true"; do
    [ "$(TZ=UTC $DOCKER $args 2>&1)" = "$(TZ=UTC $CD $args 2>&1)" ] || { echo "differs: $args"; false; }
  done
  for args in "image inspect nope" "rmi nope" "tag busybox Bad:x" "history nope" "load -i $T/none.tar"; do
    run $DOCKER $args; d_out=$output d_status=$status
    run $CD $args
    [ "$output" = "$d_out" ] && [ "$status" = "$d_status" ] || { echo "differs: $args"; false; }
  done
}
