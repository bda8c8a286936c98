#!/usr/bin/env bash
# make bench: cdaemon against the floor (tar -x; crun and runc run of the same
# bundle) and docker (when a dockerd is reachable) on the same work. Writes
# bench/results/results.{json,md}.
# --quick: fewer, smaller runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
QUICK=0; [ "${1:-}" = "--quick" ] && QUICK=1
RUNS=$([ $QUICK = 1 ] && echo 3 || echo 5)
SIZE_MB=$([ $QUICK = 1 ] && echo 100 || echo 300)
LAT_RUNS=$([ $QUICK = 1 ] && echo 10 || echo 30) # run --rm latency samples
NCTR=$([ $QUICK = 1 ] && echo 40 || echo 100)   # detached containers for the RSS rows
W=$(mktemp -d /var/tmp/cdbench.XXXXXX)
CGP=cdbench-${W##*.} # a private cgroup parent: cleanup can find every container process
DPID=
DOCKER_OK=0
cleanup() {
  set +e
  [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    for id in $(api "http://d/containers/json?all=1" | $PY -c 'import json,sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null); do
      api -X DELETE "http://d/containers/$id?force=1" >/dev/null
    done
  fi
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  # fallback when the daemon died: SIGKILL what is left in our own cgroup parent
  for cg in /sys/fs/cgroup/*/"$CGP"; do
    [ -d "$cg" ] || continue
    cat "$cg"/*/cgroup.procs 2>/dev/null | xargs -r kill -9 2>/dev/null
    for _ in $(seq 50); do [ -z "$(cat "$cg"/*/cgroup.procs 2>/dev/null)" ] && break; sleep 0.1; done
    rmdir "$cg"/*/ "$cg" 2>/dev/null
  done
  for rt in crun runc; do
    [ -d "$W/$rt" ] && for c in $(ls "$W/$rt" 2>/dev/null); do $rt --root "$W/$rt" delete -f "$c" >/dev/null 2>&1; done
  done
  if [ "$DOCKER_OK" = 1 ]; then
    docker ps -aq --filter "label=cdbench=$W" | xargs -r docker rm -f >/dev/null 2>&1
    [ -n "${DOCKER_RMI:-}" ] && docker rmi -f "$DOCKER_RMI" >/dev/null 2>&1
  fi
  grep " $W" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
SOCK=$W/cd.sock
api() { curl -s --unix-socket "$SOCK" "$@"; }
CD=(bin/cdctl -H "unix://$SOCK")
bin/cdaemon -H "unix://$SOCK" --root "$W/root" --exec-root "$W/run" --cgroup-parent "$CGP" \
  --log-level warn >"$W/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 100); do api -f http://d/_ping >/dev/null && break; sleep 0.05; done
now() { date +%s.%N; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -g | awk 'NR==1{mi=$1} {ma=$1} END {print mi, ma}'; }
if [ -S /var/run/docker.sock ] || [ -n "${DOCKER_HOST:-}" ]; then
  docker info >/dev/null 2>&1 && DOCKER_OK=1
fi
RSS_FRESH=$(rss "$DPID")
ROWS=()
NOTES=() # sentences under the table
row() { # row METRIC UNIT VALUES... (one per run) -- COMPARISON_MEDIAN LABEL
  local metric=$1 unit=$2; shift 2
  local vals=() cmp=missing label=
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vals+=("$1"); shift; done
  [ "${1:-}" = -- ] && { cmp=$2; label=$3; }
  local med mm
  med=$(printf '%s\n' "${vals[@]}" | median)
  mm=$(printf '%s\n' "${vals[@]}" | minmax)
  ROWS+=("$metric|$unit|$med|${mm% *}|${mm#* }|$cmp|$label")
}

echo "bench: building a ${SIZE_MB} MB 3-layer image"
$PY bench/mkbig.py "$W/big.tar" "$SIZE_MB" 3
BYTES=$(stat -c %s "$W/big.tar")
MB=$($PY -c "print($BYTES/1e6)")

# floor: tar -x of the same layers (the disk and CPU floor of unpacking)
mkdir -p "$W/layers"; tar -xf "$W/big.tar" -C "$W/layers"
floor=()
for i in $(seq "$RUNS"); do
  rm -rf "$W/x"; mkdir "$W/x"; sync
  t0=$(now)
  for l in "$W"/layers/l*/layer.tar; do tar -xf "$l" -C "$W/x"; done
  sync; t1=$(now)
  floor+=("$($PY -c "print(round($MB/($t1-$t0),1))")")
done
rm -rf "$W/x" "$W/layers"
FLOOR=$(printf '%s\n' "${floor[@]}" | median)

load=()
for i in $(seq "$RUNS"); do
  api -X DELETE "http://d/images/bench/big:latest" >/dev/null
  sync
  t0=$(now)
  code=$(api -o /dev/null -w '%{http_code}' -X POST -T "$W/big.tar" -H 'Content-Type: application/x-tar' 'http://d/images/load?quiet=1')
  sync; t1=$(now)
  [ "$code" = 200 ] || { echo "load failed: $code"; tail "$W/daemon.log"; exit 1; }
  load+=("$($PY -c "print(round($MB/($t1-$t0),1))")")
done

DOCKER_MED=missing
if [ $DOCKER_OK = 1 ]; then
  dl=()
  for i in $(seq "$RUNS"); do
    docker rmi -f bench/big:latest >/dev/null 2>&1 || true
    t0=$(now); docker load -q -i "$W/big.tar" >/dev/null; t1=$(now)
    dl+=("$($PY -c "print(round($MB/($t1-$t0),1))")")
  done
  docker rmi -f bench/big:latest >/dev/null 2>&1 || true
  DOCKER_MED=$(printf '%s\n' "${dl[@]}" | median)
fi
row "image load (${SIZE_MB} MB, 3 layers)" MB/s "${load[@]}" -- "$DOCKER_MED" "docker load"
row "unpack floor: tar -x of the same layers" MB/s "${floor[@]}"
LOAD_MED=$(printf '%s\n' "${load[@]}" | median)
api -X DELETE "http://d/images/bench/big:latest" >/dev/null
rm -f "$W/big.tar"

. bench/containers.sh
. bench/stats.sh
. bench/registry.sh

mkdir -p bench/results
{
  echo "| metric | unit | cdaemon median | min | max | comparison | comparison median | ratio |"
  echo "|---|---|---|---|---|---|---|---|"
  for r in "${ROWS[@]}"; do
    IFS='|' read -r m u med mi ma cmp label <<<"$r"
    ratio=-
    [ "$cmp" != missing ] && ratio=$($PY -c "print(round($med/$cmp,2))")
    echo "| $m | $u | $med | $mi | $ma | ${label:-—} | $cmp | $ratio |"
  done
  echo
  echo "Load vs floor: $($PY -c "print(round($FLOOR/$LOAD_MED,2))")x slower than tar -x (target: within 1.5x)."
  for n in "${NOTES[@]}"; do echo; echo "$n"; done
} >bench/results/results.md
$PY - "${ROWS[@]}" >bench/results/results.json <<'PY'
import json, sys
rows = []
for r in sys.argv[1:]:
    m, u, med, mi, ma, cmp, label = r.split("|")
    rows.append({"metric": m, "unit": u, "median": float(med), "min": float(mi), "max": float(ma),
                 "comparison": label or None,
                 "comparison_median": None if cmp == "missing" else float(cmp),
                 "comparison_missing": cmp == "missing"})
print(json.dumps(rows, indent=2))
PY
cat bench/results/results.md
