#!/usr/bin/env bats
# Image archives in and out: save (GET /images/get, /images/{name}/get, docker save)
# writes tars that load back to the same image ID; import (POST /images/create?fromSrc=-)
# turns plain and compressed rootfs tarballs into images with Dockerfile changes applied.
load helpers

setup() {
  start_daemon
  OUT=$(mktemp -d /tmp/cdio.XXXXXX) # outlives the daemon's $T
}
teardown() {
  cleanup_daemon
  rm -rf "$OUT"
}

load_tar() { api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$1" http://d/images/load; }
image_id() { api "http://d/images/$1/json" | json Id; }
# import FILE QUERY: POST the file as a rootfs tarball
import_tar() { api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$1" "http://d/images/create?fromSrc=-&$2"; }
blob_count() { find "$T/root/blobs/sha256" -type f | wc -l; }
# the tar-splits kept beside the layers (overlay2/<cache-id>/tar-split)
ts_count() { find "$T/root/overlay2" -mindepth 2 -maxdepth 2 -name tar-split | wc -l; }
layer_dir() { dirname "$(api "http://d/images/$1/json" | json GraphDriver.Data.UpperDir)"; }

# mksave OUT TAG LAYER...: a docker-save archive of those layer tars (base first)
mksave() {
  python3 - "$@" <<'EOF'
import hashlib, io, json, sys, tarfile
out, tag, layers = sys.argv[1], sys.argv[2], sys.argv[3:]
blobs = [open(p, "rb").read() for p in layers]
ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                  "rootfs": {"type": "layers", "diff_ids": ids},
                  "history": [{"created_by": "layer %d" % i} for i in range(len(blobs))]}).encode()
cid = hashlib.sha256(cfg).hexdigest()
names = ["l%d/layer.tar" % i for i in range(len(blobs))]
man = json.dumps([{"Config": cid + ".json", "RepoTags": [tag], "Layers": names}]).encode()
with tarfile.open(out, "w") as t:
    for n, b in [(cid + ".json", cfg)] + list(zip(names, blobs)) + [("manifest.json", man)]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
EOF
}

# mkodd KIND OUT: a layer tar with the headers save must reproduce exactly.
#   odd: pax and GNU long names and link names, hard links, whiteouts, an
#        opaque marker, empty and non-ASCII names, xattrs, a large file;
#   dup: paths replaced later in the same layer (a second copy, a file over
#        a directory, a whiteout of an earlier file).
mkodd() {
  python3 - "$@" <<'EOF'
import io, os, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
def add(t, name, data=None, fmt=tarfile.PAX_FORMAT, **kw):
    t.format = fmt
    ti = tarfile.TarInfo(name)
    ti.mtime = 1600000000
    for k, v in kw.items():
        setattr(ti, k, v)
    if data is not None:
        ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if data is not None else None)
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    if kind == "odd":
        pax_long = "odd/" + "p" * 150 + "/file"
        gnu_long = "odd/" + "g" * 120
        add(t, "odd", type=tarfile.DIRTYPE, mode=0o755)
        add(t, pax_long, b"pax long name\n")
        add(t, gnu_long, b"gnu long name\n", fmt=tarfile.GNU_FORMAT)
        add(t, "odd/empty", b"")
        add(t, "odd/hard-pax", type=tarfile.LNKTYPE, linkname=pax_long)
        add(t, "odd/hard-gnu", type=tarfile.LNKTYPE, linkname=gnu_long, fmt=tarfile.GNU_FORMAT)
        add(t, "odd/hard", type=tarfile.LNKTYPE, linkname="odd/empty", fmt=tarfile.USTAR_FORMAT)
        add(t, "odd/sym", type=tarfile.SYMTYPE, linkname="empty")
        add(t, "odd/.wh.gone", b"")
        add(t, "odd/sub/.wh..wh..opq", b"")
        add(t, "odd/unicod\u00e9-\u00f1", b"utf-8\n")
        add(t, "odd/xattr", b"x\n", pax_headers={"SCHILY.xattr.user.k": "v"})
        add(t, "odd/big", os.urandom(200000))
        add(t, "odd/tail", b"last\n", fmt=tarfile.GNU_FORMAT)
    else:
        add(t, "dup", b"first\n")
        add(t, "big", os.urandom(300000))
        add(t, "d/f", b"in d\n")
        add(t, "dup", b"second, longer\n")
        add(t, "big", os.urandom(100000))
        add(t, "d", b"d is a file now\n")
        add(t, "w", b"whited out\n")
        add(t, ".wh.w", b"")
        add(t, "dup", b"third\n")
EOF
}

# layer_of SAVED N OUT: the Nth layer.tar of a saved archive
layer_of() {
  tar -xOf "$1" "$(tar -xOf "$1" manifest.json | json "0.Layers.$2")" >"$3"
}

# check_layers TAR: every layer.tar's sha256 is the diff_id the config lists
check_layers() {
  python3 - "$1" <<'EOF'
import hashlib, json, sys, tarfile
t = tarfile.open(sys.argv[1])
for item in json.load(t.extractfile("manifest.json")):
    cfg = t.extractfile(item["Config"]).read()
    assert hashlib.sha256(cfg).hexdigest() + ".json" == item["Config"], "config name"
    ids = json.loads(cfg)["rootfs"]["diff_ids"]
    assert len(ids) == len(item["Layers"]), "layer count"
    for want, path in zip(ids, item["Layers"]):
        m = t.getmember(path)
        while m.issym():  # docker links repeated layers to their first copy
            m = t.getmember(m.linkpath.replace("../", ""))
        got = "sha256:" + hashlib.sha256(t.extractfile(m).read()).hexdigest()
        assert got == want, "%s: %s != %s" % (path, got, want)
EOF
}

# mkrootfs DIR: a small tree to import
mkrootfs() {
  mkdir -p "$1/bin" "$1/etc" "$1/data"
  echo hello >"$1/data/greeting"
  echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
  ln -s ../data/greeting "$1/bin/link"
}

CHANGES='changes=CMD%20echo%20hi&changes=ENV%20A%3Db%20C%3D%22d%20e%22&changes=WORKDIR%20/app&changes=USER%20nobody&changes=EXPOSE%2080%2053/udp&changes=LABEL%20k%3Dv%20%22x%20y%22%3Dz&changes=VOLUME%20%5B%22/data%22%5D&changes=STOPSIGNAL%20SIGINT'

@test "save busybox, load it into a fresh daemon: the same image ID and tag" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  [ "$(api -o "$OUT/s.tar" -w '%{http_code}' http://d/images/busybox/get)" = 200 ]
  check_layers "$OUT/s.tar"
  tar -xOf "$OUT/s.tar" manifest.json | json 0.RepoTags.0 | grep -qx busybox:latest
  tar -xOf "$OUT/s.tar" repositories | json busybox.latest | grep -qE '^[0-9a-f]{64}$'
  [ "$(tar -xOf "$OUT/s.tar" "$(tar -tf "$OUT/s.tar" | grep /VERSION | head -1)")" = 1.0 ]
  cleanup_daemon
  start_daemon
  run load_tar "$OUT/s.tar"
  [[ "$output" == *'Loaded image: busybox:latest'* ]]
  [ "$(image_id busybox)" = "$id" ]
}

@test "a gzip'd OCI image saves as uncompressed layer tars with its diff_ids, and loads back" {
  load_tar "$IMAGES/busybox-oci.tar" >/dev/null
  id=$(image_id busybox)
  api http://d/images/busybox/get -o "$OUT/s.tar"
  check_layers "$OUT/s.tar"
  api -X DELETE http://d/images/busybox >/dev/null
  load_tar "$OUT/s.tar" >/dev/null
  [ "$(image_id busybox)" = "$id" ]
}

@test "GET /images/get?names= with two tags of one image: one entry with both tags" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  [ "$(status POST '/images/busybox/tag?repo=other&tag=1')" = 201 ]
  api 'http://d/images/get?names=busybox:latest&names=other:1' -o "$OUT/two.tar"
  man=$(tar -xOf "$OUT/two.tar" manifest.json)
  [ "$(echo "$man" | python3 -c 'import sys,json; m=json.load(sys.stdin); print(len(m), sorted(m[0]["RepoTags"]))')" = "1 ['busybox:latest', 'other:1']" ]
  repos=$(tar -xOf "$OUT/two.tar" repositories)
  [ "$(echo "$repos" | json other.1)" = "$(echo "$repos" | json busybox.latest)" ]
  [ "$(tar -tf "$OUT/two.tar" | grep -c '\.json$')" -eq 2 ] # the config and manifest.json
  check_layers "$OUT/two.tar"
  # by ID: the image without tags
  id=$(image_id busybox)
  api "http://d/images/get?names=${id:7:12}" -o "$OUT/id.tar"
  [ "$(tar -xOf "$OUT/id.tar" manifest.json | json 0.RepoTags)" = None ]
}

@test "a missing name is a 404 before any byte; no name is a 400" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  [ "$(status GET '/images/get?names=busybox&names=nope')" = 404 ]
  api 'http://d/images/get?names=busybox&names=nope' | json message | grep -qx 'No such image: nope'
  [ "$(status GET /images/nope:1/get)" = 404 ]
  [ "$(status GET /images/get)" = 400 ]
  [ "$(api http://d/_ping)" = OK ]
}

@test "docker save -o and docker load round-trip; docker import with -c and -m" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  $DOCKER save -o "$OUT/cli.tar" busybox
  check_layers "$OUT/cli.tar"
  $DOCKER rmi busybox
  run $DOCKER load -i "$OUT/cli.tar"
  [ "$status" -eq 0 ]
  [[ "$output" == *'Loaded image: busybox:latest'* ]]
  [ "$(image_id busybox)" = "$id" ]
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -czf "$OUT/rootfs.tgz" .
  run $DOCKER import -c 'CMD ["/bin/sh"]' -c 'ENV X=1' -m 'from the CLI' "$OUT/rootfs.tgz" cli:imp
  [ "$status" -eq 0 ]
  [[ "$output" == sha256:* ]]
  out=$(api http://d/images/cli:imp/json)
  [ "$(echo "$out" | json Config.Cmd.0)" = /bin/sh ]
  [ "$(echo "$out" | json Comment)" = 'from the CLI' ]
  [ "$(echo "$out" | json Config.Env.1)" = X=1 ]
}

@test "import plain, gzip, xz and zstd rootfs tarballs with changes applied" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  gzip -k "$OUT/r.tar"
  xz -k "$OUT/r.tar"
  zstd -q -k "$OUT/r.tar"
  for f in r.tar r.tar.gz r.tar.xz r.tar.zst; do
    tag=${f#r.tar}; tag=${tag#.}; tag=${tag:-plain}
    run import_tar "$OUT/$f" "repo=imp&tag=$tag&$CHANGES&message=hello"
    [[ "$output" =~ ^\{\"status\":\"sha256:[0-9a-f]{64}\"\}$ ]]
    out=$(api "http://d/images/imp:$tag/json")
    [ "$(echo "$out" | json Config.Cmd)" = '["/bin/sh", "-c", "echo hi"]' ]
    [ "$(echo "$out" | json Config.Env)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=b", "C=d e"]' ]
    [ "$(echo "$out" | json Config.WorkingDir)" = /app ]
    [ "$(echo "$out" | json Config.User)" = nobody ]
    [ "$(echo "$out" | json Config.ExposedPorts)" = '{"80/tcp": {}, "53/udp": {}}' ]
    [ "$(echo "$out" | json Config.Labels)" = '{"k": "v", "x y": "z"}' ]
    [ "$(echo "$out" | json Config.Volumes)" = '{"/data": {}}' ]
    [ "$(echo "$out" | json Config.StopSignal)" = SIGINT ]
    [ "$(echo "$out" | json Comment)" = hello ]
    [ "$(echo "$out" | json Architecture)" = amd64 ]
    [ "$(echo "$out" | json Os)" = linux ]
    [ "$(echo "$out" | json RootFS.Layers.0)" = "sha256:$(sha256sum <"$OUT/r.tar" | cut -d' ' -f1)" ]
    diff=$(echo "$out" | json GraphDriver.Data.UpperDir)
    [ "$(cat "$diff/data/greeting")" = hello ]
    [ "$(readlink "$diff/bin/link")" = ../data/greeting ]
  done
  # the same content: one layer, shared
  [ "$(find "$T/root/overlay2" -mindepth 1 -maxdepth 1 -type d ! -name l | wc -l)" -eq 1 ]
  # without changes: PATH only, Docker's comment, no tag
  run import_tar "$OUT/r.tar" ""
  id=$(echo "$output" | json status)
  [ "$(api "http://d/images/$id/json" | json Config.Env)" = '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' ]
  [ "$(api "http://d/images/$id/json" | json Comment)" = 'Imported from -' ]
  [ "$(api "http://d/images/$id/json" | json RepoTags)" = '[]' ]
}

@test "bad change lines are a 400 with Docker's message and nothing is stored" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  [ "$(status POST '/images/create?fromSrc=-&repo=bad&changes=FROB%20x' --data-binary @"$OUT/r.tar")" = 400 ]
  import_tar "$OUT/r.tar" 'repo=bad&changes=FROB%20x' | json message | grep -qx 'dockerfile parse error line 1: unknown instruction: FROB'
  import_tar "$OUT/r.tar" 'changes=CMD%20x&changes=RUN%20make' | json message | grep -qx 'run is not a valid change command'
  import_tar "$OUT/r.tar" 'changes=ENV%20A%3D1&changes=ENV%20lonely' | json message | grep -qx 'dockerfile parse error line 2: ENV must have two arguments'
  import_tar "$OUT/r.tar" 'changes=EXPOSE%20http' | json message | grep -q 'invalid containerPort: http'
  import_tar "$OUT/r.tar" 'changes=STOPSIGNAL%20SIGNOPE' | json message | grep -q 'Invalid signal: SIGNOPE'
  [ "$(status POST '/images/create?fromSrc=-&repo=bad@sha256:0000' --data-binary @"$OUT/r.tar")" = 400 ]
  [ "$(api http://d/images/json)" = "[]" ]
  [ -z "$(ls -A "$T/root/tmp")" ]
  [ "$(api http://d/_ping)" = OK ]
}

@test "import, save, rmi, load keeps the image ID (plain and gzip'd rootfs)" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  echo extra >"$OUT/rootfs/data/extra" # different content, so the gzip layer is new
  tar -C "$OUT/rootfs" -czf "$OUT/r2.tgz" .
  id1=$(import_tar "$OUT/r.tar" "repo=imp:plain&$CHANGES" | json status)
  id2=$(import_tar "$OUT/r2.tgz" "repo=imp:gz" | json status)
  api 'http://d/images/get?names=imp:plain&names=imp:gz' -o "$OUT/s.tar"
  check_layers "$OUT/s.tar"
  api -X DELETE http://d/images/imp:plain >/dev/null
  api -X DELETE http://d/images/imp:gz >/dev/null
  [ "$(blob_count)" -eq 0 ]
  [ "$(ts_count)" -eq 0 ]
  load_tar "$OUT/s.tar" >/dev/null
  [ "$(image_id imp:plain)" = "$id1" ]
  [ "$(image_id imp:gz)" = "$id2" ]
}

@test "kept tar-splits go with their last layer; shared ones stay; no layer tar is copied" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  [ "$(ts_count)" -eq 2 ]
  [ "$(blob_count)" -eq 0 ] # the layer tars themselves are not kept
  # headers, not file contents: well under the layers' 2.1 MB
  [ "$(cat "$T"/root/overlay2/*/tar-split | wc -c)" -lt 400000 ]
  load_tar "$IMAGES/busybox-oci.tar" >/dev/null # same layers: nothing new kept
  [ "$(ts_count)" -eq 2 ]
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  import_tar "$OUT/r.tar" "repo=imp" >/dev/null
  [ "$(ts_count)" -eq 3 ]
  api -X DELETE http://d/images/busybox >/dev/null
  [ "$(ts_count)" -eq 1 ]
  [ -f "$(layer_dir imp)/tar-split" ]
  [ "$(blob_count)" -eq 0 ]
}

@test "a stored layer without a tar-split takes the one of the same layer loaded again" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  id=$(image_id busybox)
  rm -f "$T/root/overlay2/"*/tar-split
  run load_tar "$IMAGES/busybox-oci.tar" # gzip'd layers, the same diff_ids
  [[ "$output" == *'Already exists'* ]]
  [ "$(ts_count)" -eq 2 ]
  api http://d/images/busybox/get -o "$OUT/s.tar"
  check_layers "$OUT/s.tar"
  ! grep -q 'were re-created and differ' "$T/daemon.log"
  api -X DELETE http://d/images/busybox >/dev/null
  load_tar "$OUT/s.tar" >/dev/null
  [ "$(image_id busybox)" = "$id" ]
}

@test "a layer stored without its tar is re-created from its files, whiteouts included" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  rm -f "$T/root/overlay2/"*/tar-split
  [ "$(api -o "$OUT/re.tar" -w '%{http_code}' http://d/images/busybox/get)" = 200 ]
  check_layers "$OUT/re.tar"
  top=$(tar -xOf "$OUT/re.tar" manifest.json | json 0.Layers.1)
  tar -xOf "$OUT/re.tar" "$top" | tar -t | grep -qx 'etc/.wh.motd'
  tar -xOf "$OUT/re.tar" "$top" | tar -t | grep -qx 'opt/replaced/.wh..wh..opq'
  grep -q 'were re-created and differ' "$T/daemon.log"
  cleanup_daemon
  start_daemon
  load_tar "$OUT/re.tar" >/dev/null
  up=$(api http://d/images/busybox/json | json GraphDriver.Data.UpperDir)
  [ "$(stat -c '%F %t %T' "$up/etc/motd")" = "character special file 0 0" ]
  [ "$(getfattr --only-values -n trusted.overlay.opaque "$up/opt/replaced" 2>/dev/null)" = y ]
}

@test "import plain, gzip, xz and zstd, save: every layer tar comes back byte for byte" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  mkodd odd "$OUT/odd.tar"
  for src in r odd; do
    gzip -kf "$OUT/$src.tar"; xz -kf "$OUT/$src.tar"; zstd -qkf "$OUT/$src.tar"
    for f in $src.tar $src.tar.gz $src.tar.xz $src.tar.zst; do
      id=$(import_tar "$OUT/$f" "repo=imp&tag=$src" | json status)
      api "http://d/images/imp:$src/get" -o "$OUT/s.tar"
      check_layers "$OUT/s.tar"
      layer_of "$OUT/s.tar" 0 "$OUT/back.tar"
      cmp "$OUT/back.tar" "$OUT/$src.tar"
      api -X DELETE "http://d/images/imp:$src" >/dev/null
      load_tar "$OUT/s.tar" >/dev/null
      [ "$(image_id imp:$src)" = "$id" ]
      api -X DELETE "http://d/images/imp:$src" >/dev/null
      [ "$(ts_count)" -eq 0 ]
    done
  done
  ! grep -q 'were re-created and differ' "$T/daemon.log"
}

@test "pax and GNU long names, hard links, whiteouts, empty files: save keeps every diff_id" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/base.tar" .
  mkodd odd "$OUT/odd.tar"
  mksave "$OUT/in.tar" odd:1 "$OUT/base.tar" "$OUT/odd.tar"
  load_tar "$OUT/in.tar" >/dev/null
  id=$(image_id odd:1)
  up=$(api http://d/images/odd:1/json | json GraphDriver.Data.UpperDir)
  [ "$(stat -c '%F %t %T' "$up/odd/gone")" = "character special file 0 0" ]
  [ "$(stat -c %i "$up/odd/hard-gnu")" = "$(stat -c %i "$up/odd/$(printf 'g%.0s' $(seq 120))")" ]
  [ -f "$up/odd/empty" ] && [ ! -s "$up/odd/empty" ]
  api http://d/images/odd:1/get -o "$OUT/s.tar"
  check_layers "$OUT/s.tar"
  layer_of "$OUT/s.tar" 1 "$OUT/back.tar"
  cmp "$OUT/back.tar" "$OUT/odd.tar"
  api -X DELETE http://d/images/odd:1 >/dev/null
  load_tar "$OUT/s.tar" >/dev/null
  [ "$(image_id odd:1)" = "$id" ]
  ! grep -q 'were re-created and differ' "$T/daemon.log"
}

@test "a layer that replaces its own paths still saves to the same ID, loaded or imported" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/base.tar" .
  mkodd dup "$OUT/dup.tar"
  mksave "$OUT/in.tar" dup:1 "$OUT/base.tar" "$OUT/dup.tar"
  load_tar "$OUT/in.tar" >/dev/null
  id=$(image_id dup:1)
  up=$(api http://d/images/dup:1/json | json GraphDriver.Data.UpperDir)
  [ "$(cat "$up/dup")" = third ]
  [ "$(cat "$up/d")" = "d is a file now" ]
  [ "$(stat -c %s "$up/big")" -eq 100000 ]
  # the replaced files' data is inside the tar-split: small headers plus ~300 kB
  [ "$(stat -c %s "$(dirname "$up")/tar-split")" -gt 300000 ]
  api http://d/images/dup:1/get -o "$OUT/s.tar"
  check_layers "$OUT/s.tar"
  layer_of "$OUT/s.tar" 1 "$OUT/back.tar"
  cmp "$OUT/back.tar" "$OUT/dup.tar"
  api -X DELETE http://d/images/dup:1 >/dev/null
  load_tar "$OUT/s.tar" >/dev/null
  [ "$(image_id dup:1)" = "$id" ]
  # imported (another chunk size, and gzip'd)
  gzip -k "$OUT/dup.tar"
  import_tar "$OUT/dup.tar.gz" "repo=dupimp" >/dev/null
  api http://d/images/dupimp/get -o "$OUT/s2.tar"
  layer_of "$OUT/s2.tar" 0 "$OUT/back2.tar"
  cmp "$OUT/back2.tar" "$OUT/dup.tar"
  ! grep -q 'were re-created and differ' "$T/daemon.log"
}

@test "a layer whose files changed on disk is re-created, not saved damaged" {
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  import_tar "$OUT/r.tar" "repo=imp" >/dev/null
  echo changed >>"$(layer_dir imp)/diff/data/greeting"
  [ "$(api -o "$OUT/s.tar" -w '%{http_code}' http://d/images/imp/get)" = 200 ]
  check_layers "$OUT/s.tar"
  grep -q 'data/greeting. no longer matches' "$T/daemon.log"
  grep -q 'were re-created and differ' "$T/daemon.log"
}

@test "fromImage (pull) from an unreachable loopback registry: a clear error in the stream" {
  # pulls are tested in registry.bats; never contact docker.io from tests
  out=$(api -X POST 'http://d/images/create?fromImage=127.0.0.1:9/x&tag=1')
  [[ "$out" == *'"error":'*'127.0.0.1:9'* ]]
  [ "$(status POST '/images/create?fromImage=Bad/Name&tag=1')" = 400 ]
}

@test "save and import emit image events" {
  load_tar "$IMAGES/busybox.tar" >/dev/null
  api http://d/images/busybox/get -o /dev/null
  mkrootfs "$OUT/rootfs"
  tar -C "$OUT/rootfs" -cf "$OUT/r.tar" .
  id=$(import_tar "$OUT/r.tar" "repo=imp" | json status)
  sleep 0.2
  ev=$(api "http://d/events?since=0&until=$(($(date +%s) + 1))")
  echo "$ev" | grep -q '"Action":"save"'
  echo "$ev" | grep '"Action":"import"' | grep -q "$id"
}
