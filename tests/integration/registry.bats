#!/usr/bin/env bats
# Registry: push and pull against Debian's docker-registry on 127.0.0.1 (a
# random port, its storage under $T, killed by PID). Pulled images keep their
# ID, RepoDigests are recorded, layers already stored are skipped, a blob
# altered in the registry's storage is refused with nothing left behind,
# htpasswd Basic auth with cdctl login, the docker CLI pulls and pushes.
load helpers

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_registry NAME [extra yaml]: serves $T/NAME on 127.0.0.1:$PORT; sets PORT, REG, RPID
start_registry() {
  PORT=$(free_port)
  REG=127.0.0.1:$PORT
  cat >"$T/$1.yml" <<EOT
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $T/$1}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT${3:-}}
${2:-}
EOT
  docker-registry serve "$T/$1.yml" >"$T/$1.log" 2>&1 &
  RPID=$!
  echo "$RPID" >>"$T/registry.pids"
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://$REG/v2/" && return 0
    curl -sk -o /dev/null "https://$REG/v2/" && return 0
    sleep 0.1
  done
  cat "$T/$1.log"
  return 1
}

setup() {
  command -v docker-registry >/dev/null || skip "docker-registry is not installed (tests/deps.sh)"
  start_daemon
  api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$IMAGES/busybox.tar" \
    'http://d/images/load?quiet=1' >/dev/null
  ID=$(api http://d/images/busybox/json | json Id)
  export XDG_CONFIG_HOME=$T/cfg
}

teardown() {
  if [ -n "${T:-}" ] && [ -f "$T/registry.pids" ]; then
    while read -r p; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done <"$T/registry.pids"
  fi
  cleanup_daemon
}

image_id() { api "http://d/images/$1/json" | json Id; }
layer_dirs() { find "$T/root/overlay2" -mindepth 1 -maxdepth 1 ! -name l | wc -l; }
tmp_left() { find "$T/root/tmp" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

@test "push, remove, pull back: the same image ID, RepoDigests, it runs" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  run $CD push "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"The push refers to repository [$REG/t/bb]"* ]]
  [[ "$output" == *"1: digest: sha256:"* ]]
  # a second push finds every blob there
  run $CD push "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Layer already exists"* ]]
  # another repository of the same registry: the blobs are mounted, not uploaded
  $CD tag busybox "$REG/t/other:1"
  run $CD push "$REG/t/other:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Mounted from t/bb"* ]]
  $CD rmi "$REG/t/other:1"
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  [ "$(layer_dirs)" -eq 0 ]
  run $CD pull "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Status: Downloaded newer image for $REG/t/bb:1"* ]]
  [[ "$output" == *"Digest: sha256:"* ]]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
  digest=$(api "http://d/images/$REG/t/bb:1/json" | json RepoDigests.0)
  [[ "$digest" == "$REG/t/bb@sha256:"* ]]
  # by digest, and up to date the second time
  run $CD pull "$digest"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Image is up to date for $digest"* ]]
  [ "$($CD run --rm "$REG/t/bb:1" echo ok)" = ok ]
  [ "$(tmp_left)" -eq 0 ]
}

@test "the progress stream is Docker's JSON messages; an unknown tag is a clear error" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  $CD push "$REG/t/bb:1" >/dev/null
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  out=$(api -X POST "http://d/images/create?fromImage=$REG/t/bb&tag=1")
  [[ "$out" == *'{"status":"Pulling from t/bb","id":"1"}'* ]]
  [[ "$out" == *'{"status":"Status: Downloaded newer image for '"$REG"'/t/bb:1"}'* ]]
  [[ "$out" == *'"status":"Pulling fs layer"'* ]]
  [[ "$out" == *'"status":"Downloading","progressDetail":{"current":'* ]]
  [[ "$out" == *'"status":"Pull complete"'* ]]
  out=$(api -X POST "http://d/images/create?fromImage=$REG/t/bb&tag=nope")
  [[ "$out" == *'"error":"manifest for '"$REG"'/t/bb:nope not found: manifest unknown'* ]]
  run $CD pull "$REG/t/nothing:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"not found"* ]]
  # a push without a tag pushes every tag of the repository (Docker's API)
  $CD tag "$REG/t/bb:1" "$REG/t/all:a"
  $CD tag "$REG/t/bb:1" "$REG/t/all:b"
  out=$(api -X POST "http://d/images/$REG/t/all/push")
  [[ "$out" == *'"aux":{"Tag":"a"'* && "$out" == *'"aux":{"Tag":"b"'* ]]
  [ "$(curl -s "http://$REG/v2/t/all/tags/list" | "$PY" -c "import json,sys; print(','.join(sorted(json.load(sys.stdin)['tags'])))")" = a,b ]
  out=$(api -X POST "http://d/images/$REG/t/none/push")
  [[ "$out" == *'"error":"An image does not exist locally with the tag: '"$REG"'/t/none"'* ]]
}

@test "layers already stored are not downloaded again" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  $CD push "$REG/t/bb:1" >/dev/null
  # an image holding only busybox's base layer keeps that layer stored
  "$PY" - "$IMAGES/busybox.tar" "$T/base.tar" <<'EOF'
import hashlib, io, json, sys, tarfile
src = tarfile.open(sys.argv[1])
man = json.load(src.extractfile("manifest.json"))[0]
cfg = json.load(src.extractfile(man["Config"]))
cfg["rootfs"]["diff_ids"] = cfg["rootfs"]["diff_ids"][:1]
cfg["history"] = [h for h in cfg.get("history", []) if not h.get("empty_layer")][:1]
cb = json.dumps(cfg).encode()
cid = hashlib.sha256(cb).hexdigest()
layer = src.extractfile(man["Layers"][0]).read()
m = json.dumps([{"Config": cid + ".json", "RepoTags": ["base:1"], "Layers": ["l0/layer.tar"]}]).encode()
with tarfile.open(sys.argv[2], "w") as t:
    for n, b in [(cid + ".json", cb), ("l0/layer.tar", layer), ("manifest.json", m)]:
        ti = tarfile.TarInfo(n); ti.size = len(b); t.addfile(ti, io.BytesIO(b))
EOF
  api -X POST --data-binary @"$T/base.tar" 'http://d/images/load?quiet=1' >/dev/null
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  [ "$(layer_dirs)" -eq 1 ]
  out=$(api -X POST "http://d/images/create?fromImage=$REG/t/bb&tag=1")
  [ "$(grep -c '"status":"Already exists"' <<<"$out")" -eq 1 ]
  [ "$(grep -c '"status":"Pull complete"' <<<"$out")" -eq 1 ]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
  [ "$(layer_dirs)" -eq 2 ]
}

@test "a blob altered in the registry fails the pull with a digest error, nothing stored" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  $CD push "$REG/t/bb:1" >/dev/null
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  # the top layer's blob: flip bytes inside its data (same length)
  top=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REG/v2/t/bb/manifests/1" | json layers.1.digest)
  hex=${top#sha256:}
  data="$T/reg/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
  [ -f "$data" ]
  cp "$data" "$T/orig"
  # a damaged tar header, then damaged file contents: both are digest errors
  for off in 600 half; do
    cp "$T/orig" "$data"
    "$PY" -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); o=len(b)//2 if sys.argv[2]=="half" else int(sys.argv[2]); b[o]^=0xff; b[o+1]^=0xff; open(p,"wb").write(bytes(b))' "$data" "$off"
    run $CD pull "$REG/t/bb:1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"digest mismatch"* ]]
    run $CD images -q
    [ -z "$output" ]
    [ "$(layer_dirs)" -eq 0 ]
  done
  [ "$(tmp_left)" -eq 0 ]
}

@test "a registry that goes away gives a clear error; the next pull completes" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  $CD push "$REG/t/bb:1" >/dev/null
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  kill "$RPID"
  wait "$RPID" 2>/dev/null || true
  run $CD pull "$REG/t/bb:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"Couldn't connect to server"* || "$output" == *"connect"* ]]
  docker-registry serve "$T/reg.yml" >"$T/reg2.log" 2>&1 &
  echo $! >>"$T/registry.pids"
  for i in $(seq 100); do curl -s -o /dev/null "http://$REG/v2/" && break; sleep 0.1; done
  run $CD pull "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
}

@test "a blob cut off mid-transfer is resumed with a range request" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:1"
  $CD push "$REG/t/bb:1" >/dev/null
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  PPORT=$(free_port)
  "$PY" "$BATS_TEST_DIRNAME/cut_proxy.py" "$PPORT" "$PORT" 2>"$T/proxy.log" &
  echo $! >>"$T/registry.pids"
  for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PPORT/v2/" && break; sleep 0.1; done
  run $CD pull "127.0.0.1:$PPORT/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "127.0.0.1:$PPORT/t/bb:1")" = "$ID" ]
  grep -q '^cut ' "$T/proxy.log"
  grep -q '^range .* bytes=[1-9][0-9]*-' "$T/proxy.log"
}

@test "gzip, zstd and plain layers in an OCI manifest are pulled and verified" {
  command -v zstd >/dev/null || skip "zstd is not installed"
  start_registry reg
  # three layers, each compressed differently, pushed with the registry's own API
  cfg=$("$PY" - "$REG" <<'EOF'
import gzip, hashlib, io, json, subprocess, sys, tarfile, urllib.request
reg = sys.argv[1]
def put_blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    r = urllib.request.urlopen(urllib.request.Request("http://%s/v2/t/mix/blobs/uploads/" % reg, data=b"", method="POST"))
    loc = r.headers["Location"]
    loc = loc if loc.startswith("http") else "http://" + reg + loc
    urllib.request.urlopen(urllib.request.Request(loc + ("&" if "?" in loc else "?") + "digest=" + d, data=data,
                                                  method="PUT", headers={"Content-Type": "application/octet-stream"}))
    return d
layers, diff_ids = [], []
for i, comp in enumerate(["gzip", "zstd", "none"]):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        body = ("layer %d %s\n" % (i, comp)).encode() * 1000
        ti = tarfile.TarInfo("f%d" % i); ti.size = len(body); t.addfile(ti, io.BytesIO(body))
    raw = buf.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    if comp == "gzip":
        data, mt = gzip.compress(raw), "application/vnd.oci.image.layer.v1.tar+gzip"
    elif comp == "zstd":
        data = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE, check=True).stdout
        mt = "application/vnd.oci.image.layer.v1.tar+zstd"
    else:
        data, mt = raw, "application/vnd.oci.image.layer.v1.tar"
    layers.append({"mediaType": mt, "size": len(data), "digest": put_blob(data)})
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
cd = put_blob(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(cfg), "digest": cd},
                  "layers": layers}).encode()
urllib.request.urlopen(urllib.request.Request("http://%s/v2/t/mix/manifests/1" % reg, data=man, method="PUT",
                                              headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))
print(cd)
EOF
)
  run $CD pull "$REG/t/mix:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/mix:1")" = "$cfg" ]
  [ "$(layer_dirs)" -eq 5 ]
  # the files are there, each in its own layer
  for i in 0 1 2; do
    [ "$(find "$T/root/overlay2" -path "*/diff/f$i" | wc -l)" -eq 1 ]
  done
}

@test "a multi-platform index resolves to this host's platform" {
  start_registry reg
  $CD tag busybox "$REG/t/bb:amd"
  $CD push "$REG/t/bb:amd" >/dev/null
  acc='Accept: application/vnd.docker.distribution.manifest.v2+json'
  man=$(curl -s -H "$acc" "http://$REG/v2/t/bb/manifests/amd")
  dg=$(curl -sI -H "$acc" "http://$REG/v2/t/bb/manifests/amd" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
  size=$(printf %s "$man" | wc -c)
  idx=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' "$dg" "$size" "$dg" "$size")
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' --data-binary "$idx" "http://$REG/v2/t/bb/manifests/multi")
  [ "$code" = 201 ]
  $CD rmi "$REG/t/bb:amd"
  $CD rmi -f busybox
  run $CD pull "$REG/t/bb:multi"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/bb:multi")" = "$ID" ]
  # RepoDigests record the index's digest
  want=sha256:$(printf %s "$idx" | sha256sum | cut -d' ' -f1)
  [ "$(api "http://d/images/$REG/t/bb:multi/json" | json RepoDigests.0)" = "$REG/t/bb@$want" ]
}

@test "htpasswd Basic auth: refused without a login, a wrong password is a clear 401, login then push and pull" {
  command -v htpasswd >/dev/null || skip "htpasswd (apache2-utils) is not installed"
  htpasswd -Bbn alice s3cret >"$T/htpasswd"
  start_registry sec "auth: {htpasswd: {realm: test, path: $T/htpasswd}}"
  $CD tag busybox "$REG/t/bb:1"
  run $CD push "$REG/t/bb:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"unauthorized"* || "$output" == *"authentication required"* ]]
  [ "$(status POST /auth -H 'Content-Type: application/json' -d "{\"username\":\"alice\",\"password\":\"nope\",\"serveraddress\":\"$REG\"}")" = 401 ]
  run $CD login -u alice -p nope "$REG"
  [ "$status" -ne 0 ]
  [[ "$output" == *"401 Unauthorized"* ]]
  run $CD login -u alice -p s3cret "$REG"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Login Succeeded"* ]]
  [ "$(stat -c %a "$T/cfg/cdctl/auth.json")" = 600 ]
  run $CD push "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  run $CD pull "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
  # the docker CLI logs in through POST /auth and sends X-Registry-Auth
  if [ -x /usr/local/bin/docker ]; then
    run env DOCKER_CONFIG="$T/dcfg" $DOCKER login -u alice -p nope "$REG"
    [ "$status" -ne 0 ]
    run env DOCKER_CONFIG="$T/dcfg" $DOCKER login -u alice -p s3cret "$REG"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Login Succeeded"* ]]
    $CD tag "$REG/t/bb:1" "$REG/t/dk:1"
    run env DOCKER_CONFIG="$T/dcfg" $DOCKER push "$REG/t/dk:1"
    [ "$status" -eq 0 ]
  fi
  run $CD logout "$REG"
  [[ "$output" == *"Removing login credentials for $REG"* ]]
  $CD rmi "$REG/t/bb:1"
  run $CD pull "$REG/t/bb:1"
  [ "$status" -ne 0 ]
}

@test "Bearer token flow: a token server on loopback, login, push and pull with the token" {
  "$PY" -c 'import jwt, cryptography' 2>/dev/null || skip "python3-jwt / python3-cryptography missing"
  command -v openssl >/dev/null || skip "openssl is not installed"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=token \
    -keyout "$T/tok.key" -out "$T/tok.crt" >/dev/null 2>&1
  TPORT=$(free_port)
  "$PY" "$BATS_TEST_DIRNAME/token_server.py" "$TPORT" "$T/tok.key" "$T/tok.crt" bob pw1 \
    2>"$T/token.log" &
  echo $! >>"$T/registry.pids"
  for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$TPORT/" && break; sleep 0.1; done
  start_registry tok "auth: {token: {realm: 'http://127.0.0.1:$TPORT/token', service: test-registry, issuer: test-issuer, rootcertbundle: $T/tok.crt}}"
  [[ "$(curl -sI "http://$REG/v2/" | tr -d '\r' | grep -i '^www-authenticate')" == *'Bearer realm='* ]]
  $CD tag busybox "$REG/t/bb:1"
  run $CD push "$REG/t/bb:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"unauthorized"* ]]
  run $CD login -u bob -p wrong "$REG"
  [ "$status" -ne 0 ]
  [[ "$output" == *"401 Unauthorized"* ]]
  run $CD login -u bob -p pw1 "$REG"
  [ "$status" -eq 0 ]
  run $CD push "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  run $CD pull "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
  grep -q 'GET /token?' "$T/token.log"
  # the docker CLI's X-Registry-Auth works the same way
  auth=$(printf '{"username":"bob","password":"pw1","serveraddress":"%s"}' "$REG" | base64 -w0 | tr '+/' '-_')
  $CD rmi "$REG/t/bb:1"
  out=$(api -X POST -H "X-Registry-Auth: $auth" "http://d/images/create?fromImage=$REG/t/bb&tag=1")
  [[ "$out" == *"Downloaded newer image"* ]]
}

@test "HTTPS registry with a self-signed certificate (insecure loopback: TLS unverified)" {
  command -v openssl >/dev/null || skip "openssl is not installed"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
  start_registry tls "" ", tls: {certificate: $T/cert.pem, key: $T/key.pem}"
  curl -sk -o /dev/null "https://$REG/v2/"
  $CD tag busybox "$REG/t/bb:1"
  run $CD push "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  $CD rmi "$REG/t/bb:1"
  $CD rmi -f busybox
  run $CD pull "$REG/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$REG/t/bb:1")" = "$ID" ]
}

# restart_daemon ENV... -- FLAGS...: the same root, new environment and flags
restart_daemon() {
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ "${1:-}" = -- ] && shift
  stop_daemon
  env "${envs[@]}" "$BIN_DIR/cdaemon" -H "unix://$SOCK" --root "$T/root" --exec-root "$T/run" \
    --cgroup-parent "$TEST_CGP" \
    --log-level debug "$@" >>"$T/daemon.log" 2>&1 &
  DPID=$!
  wait_ping
}

@test "TLS is verified for other hosts: refused without the CA, --insecure-registry or certs.d/HOST:PORT/ca.crt" {
  command -v openssl >/dev/null || skip "openssl is not installed"
  host=$(hostname)
  getent hosts "$host" | grep -q '^127\.' || skip "$host does not resolve to loopback"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host" -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
  start_registry tls "" ", tls: {certificate: $T/cert.pem, key: $T/key.pem}"
  R=$host:$PORT
  $CD tag busybox "$R/t/bb:1"
  run $CD push "$R/t/bb:1"
  [ "$status" -ne 0 ]
  [[ "$output" == *"certificate"* ]]
  restart_daemon -- --insecure-registry "$R"
  run $CD push "$R/t/bb:1"
  [ "$status" -eq 0 ]
  mkdir -p "$T/certs/$R"
  cp "$T/cert.pem" "$T/certs/$R/ca.crt"
  restart_daemon CDAEMON_CERTS_DIR="$T/certs" --
  $CD rmi "$R/t/bb:1"
  $CD rmi -f busybox
  run $CD pull "$R/t/bb:1"
  [ "$status" -eq 0 ]
  [ "$(image_id "$R/t/bb:1")" = "$ID" ]
}

@test "a registry mirror serves docker.io names (the hub itself is never contacted)" {
  start_registry reg
  $CD tag busybox "$REG/library/busybox:mirrored"
  $CD push "$REG/library/busybox:mirrored" >/dev/null
  $CD rmi "$REG/library/busybox:mirrored"
  $CD rmi -f busybox
  # the hub points at a closed loopback port: only the mirror can answer
  restart_daemon CDAEMON_HUB_HOST=127.0.0.1:9 -- --registry-mirror "http://$REG"
  run $CD pull busybox:mirrored
  [ "$status" -eq 0 ]
  [[ "$output" == *"Downloaded newer image for busybox:mirrored"* ]]
  [ "$(image_id busybox:mirrored)" = "$ID" ]
  [[ "$(api http://d/images/busybox:mirrored/json | json RepoDigests.0)" == "busybox@sha256:"* ]]
  # without the mirror the (fake) hub is unreachable: a clear error
  restart_daemon CDAEMON_HUB_HOST=127.0.0.1:9 --
  run $CD pull busybox:other
  [ "$status" -ne 0 ]
  [[ "$output" == *"127.0.0.1:9"* ]]
}

@test "the docker CLI pushes to and pulls from a loopback registry" {
  [ -x /usr/local/bin/docker ] || skip "no docker CLI"
  start_registry reg
  $DOCKER tag busybox "$REG/t/dk:1"
  run $DOCKER push "$REG/t/dk:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"1: digest: sha256:"* ]]
  $DOCKER rmi "$REG/t/dk:1"
  $DOCKER rmi -f busybox
  run $DOCKER pull "$REG/t/dk:1"
  [ "$status" -eq 0 ]
  [[ "$output" == *"Downloaded newer image for $REG/t/dk:1"* ]]
  [ "$(image_id "$REG/t/dk:1")" = "$ID" ]
}
