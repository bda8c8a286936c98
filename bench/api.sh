# Sourced by bench/containers.sh: API throughput with bench/loadgen (HTTP/1.1
# keep-alive over the Unix socket) and the container lifecycle in halves.
#   api_load_cd / api_load_docker: /_ping (the list's rate is in stats.sh);
#   api_lifecycle: create+start and stop+rm through the API (bench/lifecycle.py),
#     and NCTR detached starts 8-way parallel through the CLI.
LOADGEN=${LOADGEN:-build/obj/loadgen}
LOAD_SECS=$([ "$QUICK" = 1 ] && echo 2 || echo 5)
LOAD_CONNS=8

docker_sock() {
  case "${DOCKER_HOST:-}" in
    unix://*) echo "${DOCKER_HOST#unix://}" ;;
    "") echo /var/run/docker.sock ;;
    *) echo "" ;; # tcp: loadgen speaks only Unix sockets
  esac
}

# loadgen_field JSON KEY
loadgen_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

api_load_cd() {
  echo "bench: loadgen /_ping ($LOAD_CONNS connections, ${LOAD_SECS}s)"
  CD_PING=$("$LOADGEN" -s "$SOCK" -c $LOAD_CONNS -d "$LOAD_SECS" /_ping)
}

DK_PING=
api_load_docker() {
  local s
  s=$(docker_sock)
  [ -n "$s" ] && [ -S "$s" ] || return 0
  echo "bench: loadgen against dockerd"
  DK_PING=$("$LOADGEN" -s "$s" -c $LOAD_CONNS -d "$LOAD_SECS" /_ping) || DK_PING=
}

api_load_rows() {
  local dp=missing dp99=missing
  if [ -n "$DK_PING" ]; then
    dp=$(loadgen_field "$DK_PING" rps); dp99=$(loadgen_field "$DK_PING" p99_ms)
  fi
  row "GET /_ping, $LOAD_CONNS keep-alive connections" req/s "$(loadgen_field "$CD_PING" rps)" -- "$dp" "dockerd"
  row "GET /_ping p99" ms "$(loadgen_field "$CD_PING" p99_ms)" -- "$dp99" "dockerd"
}

# two columns of lifecycle.py into the rows; $1: the engine's socket, $2: runs
lifecycle_samples() { $PY bench/lifecycle.py "$1" "$2" "$W"; }

api_lifecycle() {
  local runs=$((LAT_RUNS / 2)) s lc dlc=() cs=() sr=() dcs=missing dsr=missing
  echo "bench: create+start and stop+rm through the API x$runs"
  mapfile -t lc < <(lifecycle_samples "$SOCK" "$runs")
  [ ${#lc[@]} = "$runs" ] || { echo "lifecycle failed"; tail "$W/daemon.log"; exit 1; }
  for l in "${lc[@]}"; do cs+=("${l% *}"); sr+=("${l#* }"); done
  s=$(docker_sock)
  if [ "$DOCKER_OK" = 1 ] && [ -n "$s" ]; then
    mapfile -t dlc < <(lifecycle_samples "$s" "$runs")
    if [ ${#dlc[@]} = "$runs" ]; then
      dcs=$(for l in "${dlc[@]}"; do echo "${l% *}"; done | median)
      dsr=$(for l in "${dlc[@]}"; do echo "${l#* }"; done | median)
    fi
  fi
  row "create+start through the API" ms "${cs[@]}" -- "$dcs" "dockerd"
  row "stop+rm through the API (graceful stop)" ms "${sr[@]}" -- "$dsr" "dockerd"

  local t0 t1 par dpar=missing
  echo "bench: $NCTR x cdctl run -d, 8 at a time"
  t0=$(now)
  seq "$NCTR" | xargs -P 8 -I{} "${CD[@]}" run -d --network none busybox sleep 1000 >/dev/null
  t1=$(now)
  par=$($PY -c "print(round($t1-$t0,2))")
  running=$(api "http://d/containers/json" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
  [ "$running" = "$NCTR" ] || { echo "parallel starts: only $running of $NCTR running"; exit 1; }
  "${CD[@]}" rm -f $("${CD[@]}" ps -aq) >/dev/null
  if [ "$DOCKER_OK" = 1 ]; then
    t0=$(now)
    seq "$NCTR" | xargs -P 8 -I{} docker run -d --network none -l "cdbench=$W" busybox sleep 1000 >/dev/null
    t1=$(now)
    dpar=$($PY -c "print(round($t1-$t0,2))")
    docker ps -aq --filter "label=cdbench=$W" | xargs -r docker rm -f >/dev/null
  fi
  row "start $NCTR detached containers, 8 in parallel (cdctl run -d)" s "$par" -- "$dpar" "docker run -d, 8 in parallel"
}
