# Sourced by bench/run.sh (uses its W, CD, SOCK, DPID, PY, CGP, DOCKER_OK, row,
# median, rss, api): container rows. Adds sentences to NOTES for results.md.
#   - `cdctl run --rm --network none busybox true` end to end, against
#     `crun run` and `runc run` of the same busybox bundle (the runtime floor)
#     and `docker run --rm --network none` when a dockerd is reachable;
#   - NCTR detached `sleep` containers started one after another, then the
#     monitors' and the daemon's RSS while they all run.
# Every sample is a whole process timed with a monotonic clock (bench/timeit.py).

ratio() { $PY -c "print(round($1/$2,${3:-2}))"; }
. bench/api.sh

"${CD[@]}" load -q -i build/images/busybox.tar >/dev/null

echo "bench: cdctl run --rm busybox true x$LAT_RUNS"
mapfile -t cdrun < <($PY bench/timeit.py "$LAT_RUNS" 2 "${CD[@]}" run --rm --network none busybox true)
[ ${#cdrun[@]} = "$LAT_RUNS" ] || { echo "cdctl run failed"; tail "$W/daemon.log"; exit 1; }
RUN_MED=$(printf '%s\n' "${cdrun[@]}" | median)

# The floor: the same image's layers extracted into a bundle, crun's default spec
# (its pid, net, ipc, uts and mount namespaces) running `true` without a terminal.
mkdir -p "$W/img" "$W/bundle/rootfs"
tar -xf build/images/busybox.tar -C "$W/img"
for l in $($PY -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' "$W/img/manifest.json"); do
  tar -xf "$W/img/$l" -C "$W/bundle/rootfs"
done
rm -rf "$W/img"
(cd "$W/bundle" && crun spec)
$PY - "$W/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY

echo "bench: crun run x$LAT_RUNS"
# crun 1.8 refuses this host's hybrid cgroup layout: run it in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted (the host keeps its mount).
mapfile -t crunrun < <(unshare -m --propagation private sh -c \
  'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified || exit 1; fi; exec "$@"' \
  sh $PY bench/timeit.py "$LAT_RUNS" 2 crun --root "$W/crun" run --bundle "$W/bundle" cdbench)
[ ${#crunrun[@]} = "$LAT_RUNS" ] || { echo "crun run failed"; exit 1; }
CRUN_MED=$(printf '%s\n' "${crunrun[@]}" | median)

RUNC_MED=missing
if command -v runc >/dev/null; then
  echo "bench: runc run x$LAT_RUNS"
  mapfile -t runcrun < <($PY bench/timeit.py "$LAT_RUNS" 2 runc --root "$W/runc" run --bundle "$W/bundle" cdbench)
  [ ${#runcrun[@]} = "$LAT_RUNS" ] || { echo "runc run failed"; exit 1; }
  RUNC_MED=$(printf '%s\n' "${runcrun[@]}" | median)
fi

DRUN_MED=missing
DSTART_SUM=missing
if [ "$DOCKER_OK" = 1 ]; then
  # use the daemon's busybox:latest when it has one; otherwise load ours and remove it after
  if ! docker image inspect busybox:latest >/dev/null 2>&1; then
    docker load -q -i build/images/busybox.tar >/dev/null
    DOCKER_RMI=busybox:latest
  fi
  echo "bench: docker run --rm busybox true x$LAT_RUNS"
  mapfile -t drun < <($PY bench/timeit.py "$LAT_RUNS" 2 docker run --rm --network none busybox true)
  [ ${#drun[@]} = "$LAT_RUNS" ] && DRUN_MED=$(printf '%s\n' "${drun[@]}" | median)
fi

row "run --rm --network none busybox true (cdctl, end to end)" ms "${cdrun[@]}" -- "$DRUN_MED" "docker run --rm --network none"
row "runtime floor: crun run of the same bundle" ms "${crunrun[@]}"
[ "$RUNC_MED" = missing ] || row "runtime floor: runc run of the same bundle" ms "${runcrun[@]}"

runc_note=
[ "$RUNC_MED" = missing ] || runc_note=" and $(ratio "$RUN_MED" "$RUNC_MED")x that of \`runc run\`"
NOTES+=("Run vs floor: \`cdctl run --rm\` takes $(ratio "$RUN_MED" "$CRUN_MED")x the time of \`crun run\` (target: within 3x)$runc_note.")
if [ "$DRUN_MED" != missing ]; then
  NOTES+=("Run vs docker: \`docker run --rm --network none\` takes $(ratio "$DRUN_MED" "$RUN_MED" 1)x the time of \`cdctl run --rm\` (target: at least 10x).")
else
  NOTES+=("Run vs docker: no dockerd reachable; DESIGN.md's anchors (\`docker run --rm\` 285 ms, 218 ms with \`--network none\`) are $(ratio 285 "$RUN_MED" 1)x / $(ratio 218 "$RUN_MED" 1)x the time of \`cdctl run --rm\` (target: at least 10x).")
fi

# exec latency: `cdctl exec CID true` (median of LAT_RUNS), docker exec when reachable
EXEC_CID=$("${CD[@]}" run -d --network none busybox sleep 1000)
echo "bench: cdctl exec CID true x$LAT_RUNS"
mapfile -t cdexec < <($PY bench/timeit.py "$LAT_RUNS" 2 "${CD[@]}" exec "$EXEC_CID" true)
DEXEC_MED=missing
if [ "$DOCKER_OK" = 1 ]; then
  DCID=$(docker run -d --network none -l "cdbench=$W" busybox sleep 1000)
  mapfile -t dexec < <($PY bench/timeit.py "$LAT_RUNS" 2 docker exec "$DCID" true)
  [ ${#dexec[@]} = "$LAT_RUNS" ] && DEXEC_MED=$(printf '%s\n' "${dexec[@]}" | median)
  docker rm -f "$DCID" >/dev/null
fi
"${CD[@]}" rm -f "$EXEC_CID" >/dev/null
EXEC_MED=$(printf '%s\n' "${cdexec[@]}" | median)
row "exec CID true (cdctl, end to end)" ms "${cdexec[@]}" -- "$DEXEC_MED" "docker exec"
if [ "$DEXEC_MED" != missing ]; then
  NOTES+=("Exec vs docker: \`docker exec CID true\` takes $(ratio "$DEXEC_MED" "$EXEC_MED" 1)x the time of \`cdctl exec\` (target: at least 5x).")
else
  NOTES+=("Exec vs docker: no dockerd reachable; DESIGN.md's anchors (\`docker exec\` 69 ms, \`crun exec\` 5.6 ms) are $(ratio 69 "$EXEC_MED" 1)x / $(ratio 5.6 "$EXEC_MED" 1)x the time of \`cdctl exec\` ($EXEC_MED ms; target: at least 5x faster than docker).")
fi

# NCTR detached containers, started one after another
RSS_IDLE=$(rss "$DPID")
echo "bench: $NCTR x cdctl run -d busybox sleep 1000"
mapfile -t starts < <($PY bench/timeit.py "$NCTR" 0 "${CD[@]}" run -d --network none busybox sleep 1000)
[ ${#starts[@]} = "$NCTR" ] || { echo "cdctl run -d failed"; tail "$W/daemon.log"; exit 1; }
START_SUM=$(printf '%s\n' "${starts[@]}" | awk '{s+=$1} END {printf "%.2f", s/1000}')
running=$(api "http://d/containers/json" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$running" = "$NCTR" ] || { echo "only $running of $NCTR containers running"; exit 1; }
mapfile -t monrss < <($PY bench/monrss.py "$SOCK")
[ ${#monrss[@]} = "$NCTR" ] || { echo "monitor RSS: ${#monrss[@]} of $NCTR"; exit 1; }
RSS_100=$(rss "$DPID")
MON_MED=$(printf '%s\n' "${monrss[@]}" | median)
api_load_cd

if [ "$DOCKER_OK" = 1 ]; then
  echo "bench: $NCTR x docker run -d busybox sleep 1000"
  mapfile -t dstarts < <($PY bench/timeit.py "$NCTR" 0 docker run -d --network none -l "cdbench=$W" busybox sleep 1000)
  [ ${#dstarts[@]} = "$NCTR" ] && DSTART_SUM=$(printf '%s\n' "${dstarts[@]}" | awk '{s+=$1} END {printf "%.2f", s/1000}')
  api_load_docker
  docker ps -aq --filter "label=cdbench=$W" | xargs -r docker rm -f >/dev/null
fi

echo "bench: rm -f the $NCTR containers"
RM_MS=$($PY bench/timeit.py 1 0 "${CD[@]}" rm -f $("${CD[@]}" ps -aq))
RM_S=$($PY -c "print(round($RM_MS/1000,2))")
left=$("${CD[@]}" ps -aq | wc -l)
[ "$left" = 0 ] || { echo "$left containers left after rm -f"; exit 1; }

api_load_rows
api_lifecycle
row "start $NCTR detached containers, sequential (cdctl run -d)" s "$START_SUM" -- "$DSTART_SUM" "docker run -d x$NCTR"
row "cdctl run -d, each of the $NCTR" ms "${starts[@]}"
row "rm -f of the $NCTR running containers (one cdctl call)" s "$RM_S"
row "monitor RSS (cdmon, each of $NCTR running containers)" kB "${monrss[@]}"
row "daemon RSS, fresh" kB "$RSS_FRESH"
row "daemon RSS, idle before the $NCTR containers" kB "$RSS_IDLE"
row "daemon RSS with $NCTR running containers" kB "$RSS_100"

NOTES+=("Memory: a monitor holds $MON_MED kB (target: under 1024 kB; DESIGN.md anchors: conmon 2.0 MiB, containerd-shim 12.9 MiB); the daemon $(ratio "$RSS_FRESH" 1024 1) MiB fresh, $(ratio "$RSS_100" 1024 1) MiB with $NCTR containers (dockerd+containerd idle: 108 MiB).")
if [ "$DSTART_SUM" != missing ]; then
  NOTES+=("$NCTR detached starts: $START_SUM s sequential, docker $DSTART_SUM s.")
else
  NOTES+=("$NCTR detached starts: $START_SUM s sequential (DESIGN.md's docker anchor: 21.7 s).")
fi
