# Sourced by bench/run.sh (uses its W, CD, SOCK, DPID, PY, DOCKER_OK, QUICK,
# row, median, api): observability rows.
#   - the stats sampler's own CPU with NSTATS running containers (its time
#     counter in /metrics over 10 s of wall time) and the daemon's CPU then;
#   - GET /containers/{id}/stats?stream=false latency (one keep-alive
#     connection), against docker's (which waits for two samples);
#   - GET /containers/json requests per second with 100 containers and 16
#     keep-alive connections (bench/loadgen), against docker's when a dockerd is reachable.

NSTATS=$([ "$QUICK" = 1 ] && echo 50 || echo 200)
metric() { api http://d/metrics | awk -v m="$1" '$1 == m {print $2}'; }
proc_cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "bench: $NSTATS x cdctl run -d busybox sleep 1000 (stats)"
for i in $(seq "$NSTATS"); do
  "${CD[@]}" run -d --network none busybox sleep 1000 >/dev/null || { echo "run -d failed"; tail "$W/daemon.log"; exit 1; }
done
sleep 3
ONE=$("${CD[@]}" ps -q | head -1)

echo "bench: stats sampler cost over 10 s with $NSTATS containers"
s0=$(metric cdaemon_stats_sampler_seconds_total); k0=$(metric cdaemon_stats_sampler_ticks_total)
c0=$(proc_cpu "$DPID"); t0=$(date +%s.%N)
sleep 10
s1=$(metric cdaemon_stats_sampler_seconds_total); k1=$(metric cdaemon_stats_sampler_ticks_total)
c1=$(proc_cpu "$DPID"); t1=$(date +%s.%N)
HZ=$(getconf CLK_TCK)
SAMPLER_PCT=$($PY -c "print(round(($s1-$s0)/($t1-$t0)*100, 2))")
TICK_MS=$($PY -c "print(round(($s1-$s0)/max(1,$k1-$k0)*1000, 2))")
DAEMON_PCT=$($PY -c "print(round(($c1-$c0)/$HZ/($t1-$t0)*100, 2))")
row "stats sampler CPU with $NSTATS running containers" "% of a core" "$SAMPLER_PCT"
row "stats sampler time per tick ($NSTATS containers)" ms "$TICK_MS"
row "daemon CPU with $NSTATS running containers, no client" "% of a core" "$DAEMON_PCT"
# the sampler's memory: the daemon's RSS with NSTATS containers sampled each
# second (its per-container state: kept fds and the previous sample)
row "daemon RSS with $NSTATS running containers, sampler on" kB "$(rss "$DPID")"

echo "bench: stats?stream=false latency"
mapfile -t slat < <($PY bench/httpload.py latency "$SOCK" "/containers/$ONE/stats?stream=false" 200)
[ ${#slat[@]} = 200 ] || { echo "stats latency failed"; exit 1; }
SLAT_MED=$(printf '%s\n' "${slat[@]}" | median)
DSTATS_MED=missing
if [ "$DOCKER_OK" = 1 ]; then
  did=$(docker run -d --network none -l "cdbench=$W" busybox sleep 1000)
  sleep 2
  dl=()
  for i in 1 2 3; do
    dl+=("$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$(docker_sock)" "http://d/containers/$did/stats?stream=false" | $PY -c 'import sys; print(float(sys.stdin.read())*1000)')")
  done
  DSTATS_MED=$(printf '%s\n' "${dl[@]}" | median)
  docker rm -f "$did" >/dev/null
fi
row "GET /containers/{id}/stats?stream=false ($NSTATS running)" ms "${slat[@]}" -- "$DSTATS_MED" "docker stats?stream=false"

# the list: 100 of the running containers (the others removed)
NLIST=$((NSTATS < 100 ? NSTATS : 100))
echo "bench: GET /containers/json, $NLIST containers, 16 connections"
"${CD[@]}" ps -q | tail -n +$((NLIST + 1)) | xargs -r "${CD[@]}" rm -f >/dev/null
LIST_RPS=()
list_rps() { loadgen_field "$("$LOADGEN" -s "$1" -c 16 -d "$LOAD_SECS" /v1.41/containers/json)" rps; }
for i in 1 2 3; do LIST_RPS+=("$(list_rps "$SOCK")"); done
DLIST=missing
if [ "$DOCKER_OK" = 1 ] && [ -S "$(docker_sock)" ]; then
  for i in $(seq "$NLIST"); do docker run -d --network none -l "cdbench=$W" busybox sleep 1000 >/dev/null; done
  DLIST=$(list_rps "$(docker_sock)")
  docker ps -aq --filter "label=cdbench=$W" | xargs -r docker rm -f >/dev/null
fi
row "GET /containers/json, $NLIST containers, 16 keep-alive connections" req/s "${LIST_RPS[@]}" -- "$DLIST" "docker"
"${CD[@]}" rm -f $("${CD[@]}" ps -aq) >/dev/null

NOTES+=("Stats: \`stats?stream=false\` answers in $SLAT_MED ms (median of 200, target under 5 ms; DESIGN.md's docker anchor: 2.01 s, one-shot 1.00 s) with a real precpu_stats from the sampler; the sampler reads every running container's cgroup once a second: $SAMPLER_PCT% of a core with $NSTATS containers ($TICK_MS ms a tick, target under 2%); the whole daemon used $DAEMON_PCT% meanwhile.")
LIST_MED=$(printf '%s\n' "${LIST_RPS[@]}" | median)
if [ "$DLIST" != missing ]; then
  NOTES+=("List: \`GET /containers/json\` with $NLIST containers: $LIST_MED req/s over 16 keep-alive connections, docker $DLIST req/s ($($PY -c "print(round($LIST_MED/$DLIST,1))")x, target at least 10x).")
else
  NOTES+=("List: \`GET /containers/json\` with $NLIST containers: $LIST_MED req/s over 16 keep-alive connections (no dockerd reachable; DESIGN.md's anchor: docker 557 req/s with 50 containers, $($PY -c "print(round($LIST_MED/557,1))")x; target at least 10x).")
fi
