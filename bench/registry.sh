# Sourced by bench/run.sh: docker pull from a loopback registry (Debian's
# docker-registry on 127.0.0.1, storage under $W) of a SIZE_MB, 5-layer image
# into an empty store, cdaemon against docker pulling the same image from the
# same registry (when a dockerd is reachable). Sets REG_PID for run.sh's cleanup.
registry_bench() {
  if ! command -v docker-registry >/dev/null; then
    NOTES+=("Registry pull: skipped (docker-registry is not installed; tests/deps.sh installs it).")
    return 0
  fi
  local port ref mb out t0 t1 i id
  port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  ref=127.0.0.1:$port/bench/pull:1
  printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s/registry}}\nhttp: {addr: 127.0.0.1:%s}\n' \
    "$W" "$port" >"$W/registry.yml"
  docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
  REG_PID=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
  echo "bench: registry pull (${SIZE_MB} MB, 5 layers) from 127.0.0.1:$port"
  $PY bench/mkbig.py "$W/reg.tar" "$SIZE_MB" 5
  mb=$($PY -c "import os; print(sum(os.path.getsize('$W/reg.tar.layer%d' % i) for i in range(5))/1e6)" 2>/dev/null \
       || $PY -c "print($(stat -c %s "$W/reg.tar")/1e6)")
  api -X POST -T "$W/reg.tar" -H 'Content-Type: application/x-tar' 'http://d/images/load?quiet=1' >/dev/null
  rm -f "$W/reg.tar" "$W"/reg.tar.layer*
  id=$(api http://d/images/bench/big:latest/json | $PY -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
  api -X POST "http://d/images/bench/big:latest/tag?repo=127.0.0.1:$port/bench/pull&tag=1" >/dev/null
  t0=$(now)
  out=$(api -X POST "http://d/images/127.0.0.1:$port/bench/pull/push?tag=1")
  t1=$(now)
  case "$out" in *'"error"'*) echo "push failed: $out" | tail -c 400; return 1 ;; esac
  row "registry push (${SIZE_MB} MB, 5 layers, loopback)" MB/s "$($PY -c "print(round($mb/($t1-$t0),1))")"
  local pulls=()
  for i in $(seq "$RUNS"); do
    api -X DELETE "http://d/images/$id?force=1" >/dev/null
    sync
    t0=$(now)
    out=$(api -X POST "http://d/images/create?fromImage=127.0.0.1:$port/bench/pull&tag=1")
    t1=$(now)
    case "$out" in *'"error"'*) echo "pull failed: $out" | tail -c 400; return 1 ;; esac
    pulls+=("$($PY -c "print(round($mb/($t1-$t0),1))")")
  done
  api -X DELETE "http://d/images/$id?force=1" >/dev/null
  local dmed=missing
  if [ "$DOCKER_OK" = 1 ]; then
    local dp=()
    for i in $(seq "$RUNS"); do
      docker rmi -f "$ref" >/dev/null 2>&1 || true
      sync
      t0=$(now)
      docker pull -q "$ref" >/dev/null || { dp=(); break; }
      t1=$(now)
      dp+=("$($PY -c "print(round($mb/($t1-$t0),1))")")
    done
    docker rmi -f "$ref" >/dev/null 2>&1 || true
    [ ${#dp[@]} -gt 0 ] && dmed=$(printf '%s\n' "${dp[@]}" | median)
  fi
  row "registry pull (${SIZE_MB} MB, 5 layers, loopback, empty store)" MB/s "${pulls[@]}" -- "$dmed" "docker pull"
  kill "$REG_PID" 2>/dev/null
  wait "$REG_PID" 2>/dev/null || true
  REG_PID=
}
registry_bench
